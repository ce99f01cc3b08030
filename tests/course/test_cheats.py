"""Grades the graded code cannot forge, and correct work that never loses points.

One course with every assignment, graded by the real pipeline (``gradlib-course
autograde``: sandboxed kernels that record, the verdict reached in the grading
process):

* **the cheat matrix** (:mod:`cheats`): every technique applied to a garbage
  solution of one part in three assignments -- the garbage part earns 0, the honest
  parts of the same notebook keep their points, and the technique is flagged where
  it leaves a trace;
* **correct solutions in other styles** (``ALTERNATIVES`` of
  ``tests/samples``): full marks in every assignment, no flag;
* the rest of the class (the source notebook, a partly wrong student) is graded as
  if the cheaters were not there.
"""

from __future__ import annotations

import json

import pytest
from gradlib_course.autograde import autograde
from gradlib_course.config import CourseConfig
from gradlib_course.demo import make_course, source_notebook, write_submission
from gradlib_course.notebooks import graded_parts
from gradlib_course.sandbox import probe
from gradlib_course.worker import Limits

from course_classes import part_scores
from samples.cheats import TARGETS, TECHNIQUES, cheating_notebook
from samples.variants import apply_alternative, load_alternatives, load_variants  # noqa: E402

ALTERNATIVES = load_alternatives()
VARIANTS = load_variants()
ASSIGNMENTS = sorted(ALTERNATIVES)
# (its own memory limit: test_hostile looks for leftover kernels by theirs)
LIMITS = Limits(cell_timeout=30, notebook_timeout=300, memory_mb=1600, sandbox=probe())


def _wrong(assignment: str):
    """A partly wrong honest student: the first wrong solution of the target part."""
    target = TARGETS[assignment]
    return next(v for v in VARIANTS[assignment] if v.tests == target.tests)


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = make_course(tmp_path_factory.mktemp("cheats") / "course", ASSIGNMENTS)
    expected: dict[str, dict[str, dict]] = {}  # assignment -> student -> part -> score
    for assignment in ASSIGNMENTS:
        name, source = source_notebook(root, assignment)
        parts = {
            p.grade_id: p.points
            for p in graded_parts(root / "solutions" / assignment / f"{name}.ipynb")
        }
        students = {"perfect": (source, "")}
        for alternative in ALTERNATIVES[assignment]:
            students[alternative.student] = (apply_alternative(source, alternative), "")
        if assignment in TARGETS:
            target = TARGETS[assignment]
            wrong = _wrong(assignment)
            nb = json.loads(json.dumps(source))
            for cell in nb["cells"]:
                if cell["metadata"].get("nbgrader", {}).get("grade_id") == wrong.cell:
                    cell["source"] = wrong.source
            students[f"wrong-{wrong.student}"] = (nb, wrong.tests)
            for technique_name, technique in TECHNIQUES.items():
                students[f"cheat-{technique_name}"] = (
                    cheating_notebook(source, target, technique),
                    target.tests,
                )
        for student, (nb, _) in students.items():
            write_submission(root, student, assignment, {f"{name}.ipynb": json.dumps(nb)})
        expected[assignment] = {
            s: {p: (0.0 if p == failing else float(points)) for p, points in parts.items()}
            for s, (_, failing) in students.items()
        }
        autograde(
            root,
            assignment,
            workers=2,
            limits=LIMITS,
            progress=False,
            unsafe=LIMITS.sandbox == "none",
        )
    config = CourseConfig(root)
    return {
        "expected": expected,
        "scores": {a: part_scores(config.db_url, a) for a in ASSIGNMENTS},
        "records": {
            a: {p.stem: json.loads(p.read_text()) for p in (root / "grading" / a).glob("*.json")}
            for a in ASSIGNMENTS
        },
    }


def _auto(scores: dict, expected: dict) -> dict:
    """The autograded parts of ``scores`` (a written answer waits for a person)."""
    return {part: scores.get(part) for part in expected}


def _kinds(record) -> set[str]:
    return {f["kind"] for f in record["flags"]}


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_correct_solutions_in_any_style_earn_every_point(graded, assignment):
    students = ["perfect", *(a.student for a in ALTERNATIVES[assignment])]
    for student in students:
        record = graded["records"][assignment][student]
        expected = graded["expected"][assignment][student]
        assert _auto(graded["scores"][assignment][student], expected) == pytest.approx(expected), (
            student,
            record["problems"],
            record.get("judged"),
        )
        assert record["flags"] == [], (student, record["flags"])
        assert record["problems"] == [], (student, record["problems"])


CHEATS = [(a, t) for a in sorted(TARGETS) for t in sorted(TECHNIQUES)]


@pytest.mark.parametrize("assignment, technique", CHEATS)
def test_cheating_earns_nothing_for_the_garbage_part(graded, assignment, technique):
    student = f"cheat-{technique}"
    got = graded["scores"][assignment][student]
    target = TARGETS[assignment].tests
    assert got[target] == 0.0, (technique, TECHNIQUES[technique].what)
    # honest parts of the same notebook keep their points
    assert got == pytest.approx(graded["expected"][assignment][student]), (
        technique,
        graded["records"][assignment][student]["log_tail"],
    )


@pytest.mark.parametrize("assignment, technique", CHEATS)
def test_cheating_that_leaves_a_trace_is_flagged(graded, assignment, technique):
    record = graded["records"][assignment][f"cheat-{technique}"]
    missing = TECHNIQUES[technique].flags - _kinds(record)
    assert not missing, (technique, missing, record["flags"])


@pytest.mark.parametrize("assignment", sorted(TARGETS))
def test_the_rest_of_the_class_is_graded_as_usual(graded, assignment):
    for student in ("perfect", f"wrong-{_wrong(assignment).student}"):
        record = graded["records"][assignment][student]
        assert graded["scores"][assignment][student] == pytest.approx(
            graded["expected"][assignment][student]
        ), student
        assert record["flags"] == [] and record["problems"] == [], (student, record)


def test_the_matrix_is_as_wide_as_promised():
    assert len(TECHNIQUES) >= 12 and len(TARGETS) >= 3
    assert all(len(ALTERNATIVES[a]) >= 2 for a in ASSIGNMENTS) and len(ASSIGNMENTS) == 9
