"""A private copy of one assignment's definition, for workers that grade in isolation.

Workers never touch the instructor's gradebook (SQLite or PostgreSQL): each one
grades into a throw-away SQLite gradebook that holds only the assignment's
definition -- its notebooks and their graded, solution, task and locked cells,
copied here from the course gradebook through nbgrader's API.  The coordinator
alone writes grades back (see :mod:`gradlib_course.record`).
"""

from __future__ import annotations

from pathlib import Path

from nbgrader.api import Gradebook, MissingEntry

from gradlib_course.nbgrader_ext.alembic import use_in_process_alembic_head
from gradlib_course.tools import use_tools

__all__ = ["copy_assignment_definition"]


def copy_assignment_definition(db_url: str, assignment: str, target_db: Path) -> list[str]:
    """Copy ``assignment``'s definition from the gradebook at ``db_url`` into ``target_db``.

    Returns the names of the assignment's notebooks.  Raises ``ValueError`` if the
    gradebook does not know the assignment (run ``nbgrader generate_assignment`` first).
    """
    use_in_process_alembic_head()
    use_tools()  # a new gradebook is set up by nbgrader's `alembic` command: this environment's
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
