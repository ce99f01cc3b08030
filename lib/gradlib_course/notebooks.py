"""Reading a course's nbgrader source notebooks: assignments, graded parts, protected regions.

Used by the course tools and by the tests that make sure no solution or hidden
test ever reaches a student (``exercises/``, the built book).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from gradlib_course.markers import regions

__all__ = ["GradedPart", "list_assignments", "graded_parts", "protected_regions"]


@dataclass(frozen=True)
class GradedPart:
    """One autograded test cell of a source notebook."""

    notebook: str
    grade_id: str
    points: float


def _cells(notebook: Path) -> list[dict]:
    try:
        return json.loads(Path(notebook).read_text(encoding="utf-8"))["cells"]
    except (json.JSONDecodeError, KeyError) as exc:
        raise ValueError(f"{notebook} is not a valid notebook: {exc}") from None


def _source(cell: dict) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def list_assignments(source_dir: str | Path) -> dict[str, list[Path]]:
    """``{assignment name: [source notebooks]}`` for every folder of ``source_dir``."""
    source_dir = Path(source_dir)
    return {
        d.name: sorted(d.glob("*.ipynb"))
        for d in sorted(source_dir.iterdir())
        if d.is_dir() and not d.name.startswith(".")
    }


def graded_parts(notebook: str | Path) -> list[GradedPart]:
    """The autograded cells of a source notebook with their points, in notebook order."""
    parts = []
    for cell in _cells(Path(notebook)):
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if meta.get("grade") and cell.get("cell_type") == "code":
            parts.append(GradedPart(Path(notebook).name, meta["grade_id"], float(meta["points"])))
    return parts


def protected_regions(notebook: str | Path, min_chars: int = 1) -> list[str]:
    """The text of every ``BEGIN SOLUTION`` / ``BEGIN HIDDEN TESTS`` region (markdown too).

    Each region is returned as written, without its marker lines; regions shorter
    than ``min_chars`` (after stripping) are left out.
    """
    found = []
    for cell in _cells(Path(notebook)):
        for body in regions(_source(cell)):
            body = body.strip("\n")
            if len(body.strip()) >= min_chars:
                found.append(body)
    return found
