"""A submission made from the committed release -- install cell first -- is graded as before.

Students now submit notebooks that start with the install cell (book/_ext/install_cell.py),
a cell without nbgrader metadata.  Here one student's submission is the committed
``exercises/05-momentum`` notebook with the solutions filled in: ``gradlib-course
autograde`` (sandboxed) gives full marks with no integrity flag, and ``feedback`` writes a
page that carries MathJax inside instead of loading it from a CDN.
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys

import pytest
from gradlib_course.demo import make_course, write_submission
from gradlib_course.offline_math import MATHJAX_COMPONENT
from gradlib_course.tools import tool_env

from conftest import REPO

sys.path.insert(0, str(REPO / "tests" / "dist"))
from test_fresh_install import solved  # noqa: E402

A5 = "05-momentum"


def _run(root, *args) -> subprocess.CompletedProcess:
    cli = [sys.executable, "-m", "gradlib_course", "--course", str(root), "-q", *args]
    proc = subprocess.run(cli, env=tool_env(), capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, f"{args}: {proc.stdout[-2000:]}\n{proc.stderr[-3000:]}"
    return proc


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = make_course(tmp_path_factory.mktemp("released") / "course", [A5])
    (released,) = (REPO / "exercises" / A5).glob("*.ipynb")
    nb = solved(released, REPO / "solutions" / A5 / released.name)
    assert nb["cells"][0]["metadata"]["tags"] == ["install-gradlib"]
    write_submission(root, "ada", A5, {released.name: json.dumps(nb)})
    _run(root, "autograde", A5, "--workers", "1")
    _run(root, "export", A5, "--output", str(root / "grades.csv"))
    _run(root, "feedback", A5)
    return root


def test_full_marks_and_no_flag(graded):
    with open(graded / "grades.csv", newline="") as fh:
        (row,) = [row for row in csv.DictReader(fh) if row["student_id"] == "ada"]
    assert float(row[A5]) == 11.0, row  # all 11 points of the assignment
    record = json.loads((graded / "grading" / A5 / "ada.json").read_text())
    assert not record.get("flags"), record.get("flags")


def test_the_feedback_page_carries_mathjax(graded):
    (page,) = (graded / "feedback" / "ada" / A5).glob("*.html")
    text = page.read_text()
    assert MATHJAX_COMPONENT in text and "window.MathJax" in text
    assert "cdnjs.cloudflare.com" not in text and "latest.js?config" not in text
