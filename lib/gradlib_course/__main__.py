"""``python -m gradlib_course``: the same as the ``gradlib-course`` command."""

import sys

from gradlib_course.cli import main

if __name__ == "__main__":
    sys.exit(main())
