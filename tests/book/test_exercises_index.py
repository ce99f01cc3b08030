"""The exercises index lists every assignment with the points its notebooks award."""

from __future__ import annotations

import json
import re

from gradlib_course.notebooks import list_assignments

from conftest import REPO

INDEX = REPO / "book" / "exercises" / "index.md"
ASSIGNMENTS = list_assignments(REPO / "solutions")


def _points(name: str) -> tuple[float, float]:
    """(autograded, graded by hand) points of an assignment's notebooks."""
    auto = manual = 0.0
    for path in ASSIGNMENTS[name]:
        for cell in json.loads(path.read_text())["cells"]:
            meta = cell.get("metadata", {}).get("nbgrader", {})
            if meta.get("grade") or meta.get("task"):
                if cell["cell_type"] == "code":
                    auto += meta.get("points", 0)
                else:
                    manual += meta.get("points", 0)
    return auto, manual


def test_every_assignment_is_listed_with_its_points():
    rows = dict(
        re.findall(r"^\| \{doc\}`([\w-]+)` \| [^|]+ \| ([^|]+) \|$", INDEX.read_text(), re.M)
    )
    assert sorted(rows) == sorted(ASSIGNMENTS)
    for name, stated in rows.items():
        auto, manual = _points(name)
        numbers = [float(n) for n in re.findall(r"\d+(?:\.\d+)?", stated)]
        assert numbers[0] == auto + manual, f"{name}: the index says {stated.strip()}"
        if manual:
            assert numbers[1:] == [auto, manual], f"{name}: the index says {stated.strip()}"


def test_every_exercise_page_is_in_the_table_of_contents():
    toc = (REPO / "_toc.yml").read_text()
    for name in ASSIGNMENTS:
        assert f"book/exercises/{name}" in toc, name
        assert (REPO / "book" / "exercises" / f"{name}.md").exists(), name
