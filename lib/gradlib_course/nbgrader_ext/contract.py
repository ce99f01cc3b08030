"""What :mod:`gradlib_course.nbgrader_ext` relies on in nbgrader and nbclient, checked.

Each entry of :data:`CHECKS` is one internal (not part of their documented API)
that a module of this package uses, with the reason; :func:`broken` tries them all
and :func:`require` refuses to grade, with a message naming the internal, when one
changed.  ``gradlib-course autograde`` calls :func:`require` before grading, and
``tests/course/test_nbgrader_contract.py`` runs it in the test suite, so an upgrade
of nbgrader or nbclient fails loudly instead of grading wrongly.

Tested range (``pyproject.toml`` pins the same): nbgrader >= 0.9.5, < 0.10;
nbclient >= 0.10, < 0.12.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from importlib.metadata import version

__all__ = ["CHECKS", "TESTED", "broken", "require"]

TESTED = {"nbgrader": ((0, 9, 5), (0, 10)), "nbclient": ((0, 10), (0, 12))}


def _version(name: str) -> tuple[int, ...]:
    return tuple(int(p) for p in version(name).split(".")[:3] if p.isdigit())


def _versions() -> None:
    for name, (low, high) in TESTED.items():
        found = _version(name)
        assert low <= found < high, f"{name} {version(name)} is outside the tested range"


def _execute() -> None:
    from nbclient.exceptions import CellTimeoutError, DeadKernelError  # noqa: F401
    from nbgrader.preprocessors import Execute

    for name in ("async_start_new_kernel_client", "async_wait_for_reply", "preprocess_cell"):
        assert callable(getattr(Execute, name, None)), f"Execute.{name} is gone"
    params = list(inspect.signature(Execute.preprocess_cell).parameters)
    assert params[1:4] == ["cell", "resources", "index"], f"preprocess_cell{params}"
    source = inspect.getsource(__import__("nbclient.client", fromlist=["x"]))
    assert "self.kc" in source, "nbclient's client no longer keeps its kernel client in `kc`"
    assert "Kernel died" in source, "nbclient no longer says 'Kernel died' when it does"


def _deduplicate() -> None:
    from nbformat.v4 import new_code_cell, new_notebook
    from nbgrader.preprocessors import DeduplicateIds

    meta = {"nbgrader": {"grade_id": "t", "grade": True, "locked": True, "solution": False}}
    nb = new_notebook(cells=[new_code_cell("1", metadata=meta), new_code_cell("1", metadata=meta)])
    nb, _ = DeduplicateIds().preprocess(nb, {})
    emptied = [c for c in nb.cells if c.metadata.get("nbgrader") == {}]
    assert len(emptied) == 1, "DeduplicateIds no longer empties the metadata of a copy"


def _scores() -> None:
    from nbgrader.preprocessors import SaveAutoGrades

    for name in ("_add_score", "_add_comment"):
        assert callable(getattr(SaveAutoGrades, name, None)), f"SaveAutoGrades.{name} is gone"
    source = inspect.getsource(SaveAutoGrades)
    for attribute in ("self.gradebook", "self.notebook_id", "self.student_id"):
        assert attribute in source, f"SaveAutoGrades no longer uses {attribute}"


def _scoring() -> None:
    """The judge writes verdicts as outputs nbgrader scores: error 0, else full marks."""
    from nbformat.v4 import new_code_cell, new_output
    from nbgrader.utils import determine_grade

    meta = {"nbgrader": {"grade": True, "grade_id": "t", "points": 2, "solution": False}}
    cell = new_code_cell("", metadata=meta)
    cell.outputs = [new_output("stream", name="stdout", text="ok")]
    assert determine_grade(cell)[0] == 2, "a cell without errors no longer earns its points"
    cell.outputs.append(new_output("error", ename="AssertionError", evalue="x", traceback=[]))
    assert determine_grade(cell)[0] == 0, "an error output no longer costs the points"


def _pipeline() -> None:
    from nbgrader.converters import Autograde
    from nbgrader.preprocessors import (
        AssignLatePenalties,
        DeduplicateIds,
        Execute,
        OverwriteCells,
        SaveAutoGrades,
    )

    steps = Autograde.autograde_preprocessors.default()
    for step in (Execute, SaveAutoGrades, AssignLatePenalties):
        assert step in steps, f"{step.__name__} is no longer an autograde step"
    sanitize = Autograde.sanitize_preprocessors.default()
    for step in (DeduplicateIds, OverwriteCells):
        assert step in sanitize, f"{step.__name__} is no longer a sanitize step"


def _alembic() -> None:
    import nbgrader.api
    import nbgrader.dbutil

    assert callable(getattr(nbgrader.api, "get_alembic_version", None)), "get_alembic_version"
    assert callable(getattr(nbgrader.dbutil, "_temp_alembic_ini", None)), "_temp_alembic_ini"


def _feedback_log() -> None:
    from nbgrader.converters.base import BaseConverter

    from gradlib_course.nbgrader_ext.feedback import CONVERTING

    assert CONVERTING in inspect.getsource(BaseConverter), f"no {CONVERTING!r} log line"


CHECKS: dict[str, tuple[Callable[[], None], str]] = {
    "versions": (_versions, "the grading workflow was tested with these versions only"),
    "execute": (_execute, "ResilientExecute overrides nbclient's kernel start and cell run"),
    "deduplicate": (_deduplicate, "RepairedDeduplicateIds repairs what DeduplicateIds leaves"),
    "scores": (_scores, "the coordinator scores with SaveAutoGrades' own methods"),
    "scoring": (_scoring, "the judge's verdict reaches nbgrader as cell outputs"),
    "pipeline": (_pipeline, "the worker's config replaces and removes these steps"),
    "alembic": (_alembic, "new gradebooks get their schema version in-process"),
    "feedback-log": (_feedback_log, "the feedback progress bar counts this log line"),
}


def broken() -> list[str]:
    """One message per internal that is not as this package expects (empty: all is well)."""
    found = []
    for name, (check, why) in CHECKS.items():
        try:
            check()
        except Exception as exc:  # noqa: BLE001 - every way of breaking is reported
            found.append(f"{name}: {exc or type(exc).__name__} ({why})")
    return found


def require() -> None:
    """Raise ``RuntimeError`` naming every internal of nbgrader/nbclient that changed."""
    problems = broken()
    if problems:
        raise RuntimeError(
            "gradlib-course cannot grade with this nbgrader/nbclient: "
            + "; ".join(problems)
            + ". Install the versions in constraints.txt, or update gradlib_course.nbgrader_ext."
        )
