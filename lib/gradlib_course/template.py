"""A private copy of one assignment's definition, for workers that grade in isolation.

Workers never touch the instructor's gradebook (SQLite or PostgreSQL): each one
grades into a throw-away SQLite gradebook that holds only the assignment's
definition -- its notebooks and their graded, solution, task and locked cells,
copied here from the course gradebook through nbgrader's API.  The coordinator
alone writes grades back (see :mod:`gradlib_course.record`).
"""

from __future__ import annotations

import functools
import os
import sys
from pathlib import Path

import nbgrader.api
from nbgrader.api import Gradebook, MissingEntry

__all__ = ["copy_assignment_definition"]


@functools.cache
def _alembic_head() -> str:
    """The gradebook schema version, read in-process (nbgrader runs ``alembic heads``: ~3 s)."""
    try:
        from alembic.config import Config
        from alembic.script import ScriptDirectory
        from nbgrader.dbutil import _temp_alembic_ini

        with _temp_alembic_ini("sqlite:////tmp/gradebook.db") as ini:
            head = ScriptDirectory.from_config(Config(ini)).get_current_head()
        if head:
            return head
    except Exception:  # noqa: BLE001 - fall back to nbgrader's own way
        pass
    return _nbgrader_alembic_version()


_nbgrader_alembic_version = nbgrader.api.get_alembic_version
nbgrader.api.get_alembic_version = _alembic_head  # used when a new gradebook is created


def copy_assignment_definition(db_url: str, assignment: str, target_db: Path) -> list[str]:
    """Copy ``assignment``'s definition from the gradebook at ``db_url`` into ``target_db``.

    Returns the names of the assignment's notebooks.  Raises ``ValueError`` if the
    gradebook does not know the assignment (run ``nbgrader generate_assignment`` first).
    """
    # a new gradebook is set up by nbgrader's `alembic` command: use this environment's
    tools = str(Path(sys.executable).parent)
    if tools not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = f"{tools}{os.pathsep}{os.environ.get('PATH', '')}"
    with Gradebook(db_url) as source:
        try:
            spec = source.find_assignment(assignment)
        except MissingEntry:
            known = sorted(a.name for a in source.assignments)
            raise ValueError(
                f"the gradebook has no assignment {assignment!r} (it has {known}); "
                f"run `nbgrader generate_assignment {assignment}` first"
            ) from None
        with Gradebook(f"sqlite:///{target_db}") as copy:
            copy.update_or_create_assignment(assignment, duedate=spec.duedate)
            for nb in spec.notebooks:
                copy.update_or_create_notebook(nb.name, assignment)
                for cell in nb.grade_cells:
                    copy.update_or_create_grade_cell(
                        cell.name,
                        nb.name,
                        assignment,
                        max_score=cell.max_score,
                        cell_type=cell.cell_type,
                    )
                for cell in nb.solution_cells:
                    copy.update_or_create_solution_cell(cell.name, nb.name, assignment)
                for cell in nb.task_cells:
                    copy.update_or_create_task_cell(
                        cell.name,
                        nb.name,
                        assignment,
                        max_score=cell.max_score,
                        cell_type=cell.cell_type,
                    )
                for cell in nb.source_cells:
                    copy.update_or_create_source_cell(
                        cell.name,
                        nb.name,
                        assignment,
                        cell_type=cell.cell_type,
                        locked=cell.locked,
                        source=cell.source,
                        checksum=cell.checksum,
                    )
            return [nb.name for nb in spec.notebooks]
