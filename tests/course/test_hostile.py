"""A class of hostile and broken submissions graded with one command.

One course, graded once for the whole module (2 workers): honest students
(perfect, blank, partly wrong) next to the matrix of :func:`classes.hostile_cases`.
Each hostile submission must lose exactly the points of the parts it breaks,
be flagged where a flag applies, and the rest of the class must be graded as if
the hostile ones were not there.  Then feedback, export and report run on it.
"""

from __future__ import annotations

import csv
import json
import os
import re
import subprocess

import pytest
from gradlib_course.autograde import autograde
from gradlib_course.cgroup import pids_root
from gradlib_course.cgroup import probe as process_limit_probe
from gradlib_course.cli import main as course
from gradlib_course.config import CourseConfig
from gradlib_course.demo import make_course
from gradlib_course.feedback import secret_lines
from gradlib_course.sandbox import probe
from gradlib_course.worker import Limits

from course_classes import (
    A1,
    FULL_1,
    ZERO_1,
    expected_normal,
    hostile_cases,
    normal_class,
    part_scores,
    write_cases,
)

SANDBOX = probe()
PROCESS_LIMIT = process_limit_probe()
# generous per-cell limit: an honest cell must never time out on a busy machine
LIMITS = Limits(cell_timeout=20, notebook_timeout=300, memory_mb=1536, sandbox=SANDBOX)


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = make_course(tmp_path_factory.mktemp("hostile") / "course", [A1])
    honest = normal_class(root, A1)
    cases = hostile_cases(root)
    if not PROCESS_LIMIT:  # a fork bomb would take the machine down
        cases = {s: c for s, c in cases.items() if not c.needs_process_limit}
    write_cases(root, cases)
    results = autograde(
        root, A1, workers=2, limits=LIMITS, progress=False, unsafe=SANDBOX == "none"
    )
    config = CourseConfig(root)
    return {
        "root": root,
        "config": config,
        "honest": honest,
        "cases": cases,
        "results": {r.student: r for r in results},
        "scores": part_scores(config.db_url, A1),
        "records": {
            p.stem: json.loads(p.read_text()) for p in (root / "grading" / A1).glob("*.json")
        },
    }


HOSTILE = [
    "loop",
    "exit",
    "segfault",
    "membomb",
    "forkbomb",
    "uses-own-folder",
    "deleted-solution",
    "deleted-test",
    "duplicated-test",
    "duplicated-cell-id",
    "reordered",
    "retyped-test",
    "edited-test",
    "invalid-json",
    "empty-file",
    "wrong-name",
    "other-assignment",
    "patch-allclose",
    "patch-helper",
    "reference",
    "settrace",
    "reads-source",
    "reads-other-student",
    "reads-gradebook",
    "reads-through-proc",
]


def test_every_hostile_case_is_in_the_matrix(graded):
    expected = set(HOSTILE) - (set() if PROCESS_LIMIT else {"forkbomb"})
    assert sorted(graded["cases"]) == sorted(expected)


def _case(graded, student):
    if student not in graded["cases"]:
        pytest.skip("no per-kernel process limit on this machine: the fork bomb is not run")
    return graded["cases"][student]


def test_every_student_is_graded_once(graded):
    students = set(graded["honest"]) | set(graded["cases"])
    assert set(graded["scores"]) == students
    assert set(graded["records"]) == students


@pytest.mark.parametrize("student", HOSTILE)
def test_hostile_submission_loses_only_the_parts_it_breaks(graded, student):
    case = _case(graded, student)
    if case.sandbox_only and SANDBOX != "bubblewrap":
        pytest.skip("reading other files is only prevented inside the bubblewrap sandbox")
    got = graded["scores"][student]
    assert got == pytest.approx(case.scores), graded["records"][student]["log_tail"]


@pytest.mark.parametrize("student", HOSTILE)
def test_hostile_submission_is_flagged_and_explained(graded, student):
    case = _case(graded, student)
    record = graded["records"][student]
    kinds = {f["kind"] for f in record["flags"]}
    assert case.flags <= kinds, record["flags"]
    if case.problem:
        assert any(case.problem in p for p in record["problems"]), record["problems"]


def test_rest_of_the_class_is_graded_normally(graded):
    expected = expected_normal(graded["root"], A1, graded["honest"])
    for student, parts in expected.items():
        assert graded["scores"][student] == pytest.approx(parts), student
        assert graded["records"][student]["flags"] == [], student
        assert graded["records"][student]["problems"] == [], student
    assert expected["perfect"] == pytest.approx(FULL_1)
    assert expected["blank"] == pytest.approx(ZERO_1)


def test_the_sandbox_in_use_is_recorded(graded):
    assert {r["sandbox"] for r in graded["records"].values()} == {SANDBOX}
    limit = LIMITS.max_processes if PROCESS_LIMIT else None
    assert {r["process_limit"] for r in graded["records"].values()} == {limit}


def test_no_student_process_or_process_group_outlives_grading(graded):
    root = pids_root()
    if root is not None:
        assert not list(root.glob(f"gradlib-{os.getpid()}-*"))
    # this class's kernels are the only ones started with its memory limit
    ours = f"--memory-mb={LIMITS.memory_mb}"
    running = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True).stdout
    assert ours not in running


def test_rerun_skips_graded_students(graded):
    again = autograde(
        graded["root"], A1, workers=1, limits=LIMITS, progress=False, unsafe=SANDBOX == "none"
    )
    assert again == []


def test_feedback_hides_hidden_tests_but_keeps_failure_messages(graded):
    root = graded["root"]
    assert course(["--course", str(root), "-q", "feedback", A1]) == 0
    hidden = secret_lines(root / "solutions" / A1 / "chain-rule.ipynb")
    assert len(hidden) > 20
    pages = sorted((root / "feedback").glob(f"*/{A1}/chain-rule.html"))
    assert {p.parent.parent.name for p in pages} >= set(graded["honest"])
    long_lines = [line for line in hidden if len(line) >= 12]
    for page in pages:
        text = re.sub(r"<[^>]+>", "", page.read_text())
        for line in long_lines:
            assert line not in text, (page, line)
    # the failed test's message is there: the wrong forward pass fails a hidden test
    text = (root / "feedback" / "wrong-forward" / A1 / "chain-rule.html").read_text()
    assert "AssertionError" in text and "differs from the reference" in text
    # and a kernel that died explains itself
    text = (root / "feedback" / "exit" / A1 / "chain-rule.html").read_text()
    assert "the kernel died while running this cell" in text


def test_export_has_one_row_per_student_and_a_total(graded, tmp_path):
    root = graded["root"]
    out = tmp_path / "grades.csv"
    assert course(["--course", str(root), "export", "--output", str(out)]) == 0
    with open(out, newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == ["student_id", "last_name", "first_name", "email", A1, "total"]
    assert len(rows) == len(graded["scores"])
    by_student = {r["student_id"]: r for r in rows}
    assert float(by_student["perfect"][A1]) == 12 == float(by_student["perfect"]["total"])
    assert float(by_student["exit"]["total"]) == 8
    with open(tmp_path / "grades-parts.csv", newline="") as fh:
        parts = list(csv.DictReader(fh))
    assert len(parts) == 4 * len(rows)
    assert {r["part"] for r in parts} == set(FULL_1)


def test_report_shows_plots_flags_and_sandbox(graded, tmp_path):
    out = tmp_path / "report.html"
    assert course(["--course", str(graded["root"]), "-q", "report", "--output", str(out)]) == 0
    page = out.read_text()
    assert page.count("data:image/png;base64,") == 2
    for text in ("monkeypatch", "trace-hook", "reference", "locked-cell", SANDBOX):
        assert text in page
    assert "not a valid notebook" in page
    assert "Most frequent failure messages" in page


def test_command_line_errors_are_clear(graded, tmp_path, capsys):
    root = str(graded["root"])
    assert course(["--course", root, "autograde", "99-nothing"]) == 2
    assert "unknown assignment '99-nothing'" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        course(["--course", root, "autograde", A1, "--workers", "0"])
    assert "expected a positive number" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        course(["--course", root, "autograde", A1, "--cell-timeout", "soon"])
    assert course(["--course", root, "autograde", A1, "--max-processes", "5"]) == 2
    assert "max_processes must be an integer of at least 32" in capsys.readouterr().err
    assert course(["--course", str(tmp_path), "export"]) == 2
    assert "not a course folder" in capsys.readouterr().err
    assert course(["--course", root, "autograde", A1, "--student", "nobody"]) == 2
    assert "no submission of 01-chain-rule from nobody" in capsys.readouterr().err
