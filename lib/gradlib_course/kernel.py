"""Starts one graded kernel in its sandbox (run by the kernel spec, outside the sandbox).

::

    python -m gradlib_course.kernel --sandbox <sandbox.json> -f {connection_file}

jupyter_client starts this in the notebook's folder; it reads the
:class:`gradlib_course.sandbox.Sandbox` that :func:`gradlib_course.sandbox.write_kernel_spec`
wrote, lets the sandbox's unprivileged user use the kernel's connection file and
socket folder (when grading as root), and replaces itself with
:func:`gradlib_course.sandbox.command`: bubblewrap, then
:mod:`gradlib_course.sandbox_init`, which becomes the kernel.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from gradlib_course.sandbox import UNPRIVILEGED, Sandbox, command


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sandbox", required=True, help="the sandbox's JSON description")
    parser.add_argument("-f", dest="connection_file", required=True, help="connection file")
    args, rest = parser.parse_known_args(argv)
    sandbox = Sandbox(**json.loads(Path(args.sandbox).read_text()))
    connection = Path(args.connection_file).resolve()
    if sandbox.mode == "bubblewrap" and os.getuid() == 0:
        # the kernel runs as uid 65534: it reads its connection file and makes its sockets
        for path in (Path(sandbox.runtime), connection):
            os.chown(path, UNPRIVILEGED, UNPRIVILEGED)
    if sandbox.mode == "none" and sandbox.edition:
        # no sandbox to mount it: the edition comes first on the kernel's path instead
        os.environ["PYTHONPATH"] = str(Path(sandbox.edition).parent)
    argv = command(sandbox, os.getcwd(), [*rest, "-f", str(connection)])
    sys.stdout.flush()
    os.execv(argv[0], argv)


if __name__ == "__main__":
    main()
