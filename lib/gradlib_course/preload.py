"""Imported once by each worker's nbgrader fork server, before it forks any grading process.

Importing nbgrader is not all a fresh process pays: its first gradebook use
configures SQLAlchemy's mappers and compiles the queries it runs (a quarter of a
second per submission), and it validates notebooks with validators compiled
from the schema on first use.  This module imports what a grading process uses,
validates a notebook and does one round trip through a throw-away gradebook, so
that every grading process forked from the server starts with all of that done.
"""

from __future__ import annotations

import atexit
import os
import tempfile
from pathlib import Path

from gradlib_course.cgroup import remove_groups_of
from gradlib_course.nbgrader_ext.startup import skip_unused_slow_imports
from gradlib_course.quiet import warnings_ignored


def _preload() -> None:
    skip_unused_slow_imports()
    # what each grading process imports ...
    import ipykernel.connect  # noqa: F401
    import ipykernel.kernelspec  # noqa: F401
    import IPython  # noqa: F401
    import nbclient  # noqa: F401
    import nbformat
    import nbgrader.apps.nbgraderapp  # noqa: F401
    import nbgrader.converters  # noqa: F401
    import numpy  # noqa: F401
    import psutil  # noqa: F401
    from nbgrader.api import Gradebook

    import gradlib_course.judge  # noqa: F401
    import gradlib_course.nbgrader_ext.execute  # noqa: F401
    import gradlib_course.nbgrader_ext.steps  # noqa: F401
    from gradlib_course.nbgrader_ext.alembic import use_in_process_alembic_head

    use_in_process_alembic_head()  # new gradebooks without `alembic heads`

    # the verdict step imports the references and fingerprints the modules the kernel uses
    _warm_judge()

    # ... and what it builds on first use: the notebook schema's validators
    nbformat.validate(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1")]))

    with warnings_ignored():
        with tempfile.TemporaryDirectory(prefix="gradlib-preload-") as tmp:
            with Gradebook(f"sqlite:///{Path(tmp) / 'gradebook.db'}") as gb:
                gb.update_or_create_assignment("a")
                gb.update_or_create_notebook("n", "a")
                gb.update_or_create_grade_cell("g", "n", "a", max_score=1, cell_type="code")
                gb.update_or_create_source_cell("g", "n", "a", cell_type="code", source="x")
                gb.update_or_create_student("s")
                gb.update_or_create_submission("a", "s")
                for grade in gb.find_submission_notebook("n", "a", "s").grades:
                    grade.auto_score = 1.0
                gb.db.commit()
                gb.find_submission("a", "s").max_score  # noqa: B018


def _warm_judge() -> None:
    import importlib
    import pkgutil
    import sys

    import gradlib
    from gradlib_course.recording import probe

    for info in pkgutil.walk_packages(gradlib.__path__, "gradlib."):
        if not info.name.startswith("gradlib_course"):
            importlib.import_module(info.name)
    modules = [*probe.WATCHED, *probe.KERNEL_PARTS]
    modules += [m for m in sys.modules if probe.watched(m)]
    probe.grader_snapshot({}, modules)


_preload()
# The fork server exits when the worker that started it does, even a worker killed
# alone with SIGKILL, which cannot clean up: the server then removes the worker's
# process groups (and every kernel still in them).  (If the server is killed too,
# the next run's warm_up removes them: gradlib_course.cgroup.remove_stale_groups.)
atexit.register(remove_groups_of, os.getppid())
