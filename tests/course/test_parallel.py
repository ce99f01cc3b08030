"""Parallel grading gives exactly the scores of plain serial ``nbgrader autograde``,
and a run that is killed half-way resumes without losing or duplicating grades.

Two copies of one course (assignments 01 and 02, honest students): one graded by
``nbgrader autograde`` (one kernel at a time), the other by ``gradlib-course
autograde --workers 2`` -- killed (SIGKILL to its whole process group) as soon as
the first student is recorded, then run again.
"""

from __future__ import annotations

import datetime
import os
import shutil
import signal
import subprocess
import sys
import time

import pytest
from gradlib_course.cgroup import pids_root
from gradlib_course.demo import make_course
from gradlib_course.tools import tool_env
from nbgrader.api import Gradebook

from conftest import run_tool
from course_classes import A1, A2, expected_normal, normal_class, part_scores

DUE = datetime.datetime(2026, 1, 1, 12, 0)
LATE = {"perfect": "2026-01-02 12:00:00.000000 UTC", "blank": "2026-01-01 11:00:00.000000 UTC"}


def _cli(root, *args) -> list[str]:
    return [sys.executable, "-m", "gradlib_course", "--course", str(root), "-q", *args]


def _env():
    return tool_env()


@pytest.fixture(scope="module")
def courses(tmp_path_factory):
    base = tmp_path_factory.mktemp("parallel")
    root = make_course(base / "parallel", [A1, A2])
    honest = {a: normal_class(root, a) for a in (A1, A2)}
    # assignment 02 is due on 1 January; one student submits a day late, one in time,
    # and a late notebook scores zero (nbgrader's LateSubmissionPlugin, course config)
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        gb.update_or_create_assignment(A2, duedate=DUE)
    for student, stamp in LATE.items():
        (root / "submitted" / student / A2 / "timestamp.txt").write_text(stamp)
    with open(root / "nbgrader_config.py", "a") as config:
        config.write("\nc.LateSubmissionPlugin.penalty_method = 'zero'\n")
    serial = base / "serial"
    shutil.copytree(root, serial)
    for a in (A1, A2):
        run_tool(["nbgrader", "autograde", a, "--create", "--force"], cwd=serial)

    # the first run is killed as soon as one student is recorded ...
    records = root / "grading" / A1
    scratch = base / "killed"  # its own temp folder: other tests' stay untouched
    scratch.mkdir()
    proc = subprocess.Popen(
        _cli(root, "autograde", A1, "--workers", "2"),
        env={**_env(), "TMPDIR": str(scratch)},
        start_new_session=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 180
    while not list(records.glob("*.json")) and time.monotonic() < deadline:
        if proc.poll() is not None:
            break
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    before = sorted(p.stem for p in records.glob("*.json"))
    # ... and then run again to the end, which also removes what the killed run left:
    # its process groups, with any kernel it was starting when it was killed
    resumed = run_tool(_cli(root, "autograde", A1, "--workers", "2"), cwd=root).stdout
    left_by_killed_run = _groups_of(proc.pid) + _processes_using(scratch)
    shutil.rmtree(scratch, ignore_errors=True)
    run_tool(_cli(root, "autograde", A2, "--workers", "2"), cwd=root)
    return {
        "root": root,
        "serial": serial,
        "honest": honest,
        "before": before,
        "resumed": resumed,
        "left_by_killed_run": left_by_killed_run,
    }


def _groups_of(pid: int) -> list:
    root = pids_root()
    return sorted(root.glob(f"gradlib-{pid}-*")) if root else []


def _processes_using(folder) -> list[str]:
    ps = subprocess.run(["ps", "-eo", "args"], capture_output=True, text=True, check=True)
    return [line for line in ps.stdout.splitlines() if str(folder) in line]


@pytest.mark.parametrize("assignment", [A1, A2])
def test_parallel_scores_equal_serial_scores(courses, assignment):
    parallel = part_scores(f"sqlite:///{courses['root'] / 'gradebook.db'}", assignment)
    serial = part_scores(f"sqlite:///{courses['serial'] / 'gradebook.db'}", assignment)
    assert parallel == serial
    # and both are right
    assert parallel == expected_normal(courses["root"], assignment, courses["honest"][assignment])


def _late(root) -> dict:
    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gb:
        return {
            sub.student.id: (
                sub.total_seconds_late,
                sub.late_submission_penalty,
                sub.score,
                [nb.late_submission_penalty for nb in sub.notebooks],
            )
            for sub in gb.find_assignment(A2).submissions
        }


def test_late_penalties_equal_serial_ones(courses):
    parallel, serial = _late(courses["root"]), _late(courses["serial"])
    assert parallel == serial
    seconds, penalty, score, _ = parallel["perfect"]
    assert seconds == 24 * 3600 and penalty == score > 0  # late: all points taken
    assert parallel["blank"][:2] == (0, 0)  # in time
    assert parallel["wrong-relu"][:2] == (0, 0)  # no timestamp


def test_killed_run_resumes_with_the_students_left(courses):
    students = set(courses["honest"][A1])
    before = set(courses["before"])
    assert 1 <= len(before) < len(students), "the run was not interrupted half-way"
    assert f"graded {len(students) - len(before)} submission(s)" in courses["resumed"]


def test_a_killed_run_leaves_no_process_behind(courses):
    assert courses["left_by_killed_run"] == []


def test_no_grade_is_lost_or_duplicated(courses):
    with Gradebook(f"sqlite:///{courses['root'] / 'gradebook.db'}") as gb:
        for a in (A1, A2):
            spec = gb.find_assignment(a)
            cells = sum(len(nb.grade_cells) for nb in spec.notebooks)
            subs = [s.student.id for s in spec.submissions]
            assert sorted(subs) == sorted(courses["honest"][a])
            for sub in spec.submissions:
                grades = [g for nb in sub.notebooks for g in nb.grades]
                assert len(grades) == cells
                assert all(g.auto_score is not None for g in grades)
    for a in (A1, A2):
        autograded = sorted((courses["root"] / "autograded").glob(f"*/{a}/*.ipynb"))
        assert len(autograded) == len(courses["honest"][a])


def test_no_submissions_is_a_clear_error(courses, tmp_path):
    root = tmp_path / "empty"
    shutil.copytree(courses["serial"], root, ignore=shutil.ignore_patterns("submitted*"))
    proc = subprocess.run(
        _cli(root, "autograde", A1), env=_env(), capture_output=True, text=True, check=False
    )
    assert proc.returncode == 2
    assert "there are no submissions of 01-chain-rule" in proc.stderr
