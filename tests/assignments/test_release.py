"""The committed student versions in exercises/ are current and give nothing away."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys

import pytest
from gradlib_course.notebooks import graded_parts, list_assignments, protected_regions

from conftest import REPO, run_tool

ASSIGNMENTS = list_assignments(REPO / "solutions")
INSTALL_CELL = str(REPO / "book" / "_ext" / "install_cell.py")


def _comparable(nb: dict) -> dict:
    """Cells as nbgrader writes them (sources joined, so list/str storage does not matter)."""
    cells = []
    for cell in nb["cells"]:
        src = cell["source"]
        cells.append({**cell, "source": "".join(src) if isinstance(src, list) else src})
    return {**nb, "cells": cells}


@pytest.fixture(scope="module")
def fresh_release(tmp_path_factory):
    root = tmp_path_factory.mktemp("release")
    shutil.copy(REPO / "nbgrader_config.py", root)
    shutil.copytree(REPO / "solutions", root / "solutions")
    env = {k: v for k, v in os.environ.items() if k not in ("BOOK_URL", "BOOK_SITE_URL")}
    for name in ASSIGNMENTS:
        run_tool(["nbgrader", "generate_assignment", name, "--force"], cwd=root)
        # as `make exercises` does: the released notebooks start with the install cell
        released = sorted(str(p) for p in (root / "exercises" / name).glob("*.ipynb"))
        subprocess.run([sys.executable, INSTALL_CELL, *released], env=env, check=True)
    return root / "exercises"


def test_assignments_exist():
    assert ASSIGNMENTS, "no assignment found in solutions/"
    for name, notebooks in ASSIGNMENTS.items():
        assert notebooks, f"solutions/{name} has no notebook"
        for nb in notebooks:
            assert graded_parts(nb), f"{nb} has no autograded part"


@pytest.mark.parametrize("name", sorted(ASSIGNMENTS))
def test_exercises_match_generate_assignment(name, fresh_release):
    committed = sorted(
        p.relative_to(REPO / "exercises")
        for p in (REPO / "exercises" / name).rglob("*")
        if p.is_file()
    )
    generated = sorted(
        p.relative_to(fresh_release) for p in (fresh_release / name).rglob("*") if p.is_file()
    )
    assert committed == generated, "exercises/ is out of date: run `make exercises`"
    for rel in generated:
        new, old = fresh_release / rel, REPO / "exercises" / rel
        if rel.suffix == ".ipynb":
            assert _comparable(json.loads(old.read_text())) == _comparable(
                json.loads(new.read_text())
            ), f"exercises/{rel} differs from a fresh generate_assignment: run `make exercises`"
        else:
            assert old.read_bytes() == new.read_bytes(), f"exercises/{rel} is out of date"


def solution_lines() -> dict[str, str]:
    """Every line of a solution or hidden-test region that no student-facing part shows.

    Maps the stripped line to the notebook it comes from.  A line that the released
    part of any assignment or the library's source shows -- as a whole line or inside
    one (the continuation ``delta, x, W)`` of a call, inside ``def
    linear_backward(delta, x, W):``) -- is no secret.  Lines shorter than 12
    characters (``return z``, ``else:``) are too generic to identify a solution, and
    import lines name the public library the chapters use too.
    """
    regions, public = {}, set()
    for notebooks in ASSIGNMENTS.values():
        for nb_path in notebooks:
            nb = json.loads(nb_path.read_text())
            outside = "\n".join(
                "".join(c["source"]) if isinstance(c["source"], list) else c["source"]
                for c in nb["cells"]
            )
            for region in protected_regions(nb_path):
                outside = outside.replace(region, "")
                regions.setdefault(str(nb_path.relative_to(REPO)), []).append(region)
            public |= {line.strip() for line in outside.splitlines() if line.strip()}
    # the library is installed for every student: what its sources say is public too
    library = (REPO / "lib").rglob("*.py")
    shown = "\n".join([*public, *(path.read_text() for path in library)])
    lines = {}
    for origin, found in regions.items():
        for region in found:
            for line in region.splitlines():
                line = line.strip()
                if (
                    len(line) >= 12
                    and line not in shown
                    and not line.startswith(("#", "import ", "from "))
                ):
                    lines[line] = origin
    return lines


def test_solution_lines_are_found():
    """The leak check below has something to look for (it would pass vacuously otherwise)."""
    assert len(solution_lines()) >= 10


def test_no_solution_in_exercises():
    texts = {
        p: p.read_text(errors="replace") for p in (REPO / "exercises").rglob("*") if p.is_file()
    }
    for line, origin in solution_lines().items():
        for path, text in texts.items():
            assert line not in text, f"{path} contains solution code from {origin}: {line!r}"
    for path, text in texts.items():
        for marker in ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"):
            assert marker not in text, f"{path} contains the marker {marker!r}"


@pytest.mark.parametrize("name", sorted(ASSIGNMENTS))
def test_student_notebook_starts_with_install_instructions_and_the_total(name):
    """After the install cell, the first cell says what to do, the total points, how to check
    and how to submit."""
    for path in ASSIGNMENTS[name]:
        release = REPO / "exercises" / name / path.name
        cells = json.loads(release.read_text())["cells"]
        assert "install-gradlib" in cells[0]["metadata"].get("tags", []), release.name
        intro = "".join(cells[1]["source"])
        total = sum(
            c["metadata"].get("nbgrader", {}).get("points", 0)
            for c in cells
            if c["metadata"].get("nbgrader", {}).get("grade")
        )
        stated = [float(n) for n in re.findall(r"(\d+(?:\.\d+)?)\s*points", intro)]
        assert stated and stated[0] == total, f"{release.name}: states {stated[:1]}, awards {total}"
        for word in ("submit", "test"):
            assert word in intro.lower(), f"{release.name}: the introduction never says {word!r}"
