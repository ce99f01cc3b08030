"""The export layouts (generic, Canvas, Moodle) and the gradebook checks, on small gradebooks
built with nbgrader's own API (real SQLite gradebooks, no grading run).

Two assignments: ``01-chain-rule`` (a 4-point test cell and a 2-point written answer)
and ``02-backprop`` (a 150-point test cell, more than a default Moodle site takes).
``ada`` submitted both (``02`` a day late, penalised), ``bo`` only ``01`` and
``cy`` nothing; ``bo``'s written answer still waits for a grader.
"""

from __future__ import annotations

import csv
import datetime
from pathlib import Path

import pytest
from gradlib_course.cli import build_parser
from gradlib_course.config import CourseConfig
from gradlib_course.export import export_csv
from gradlib_course.identity import check_gradebook
from gradlib_course.manual import mark, pending
from nbgrader.api import Gradebook

from conftest import REPO

A1, A2 = "01-chain-rule", "02-backprop"
NB = "nb"
ADA = {"test": 3.0, "essay": 1.5, "big": 120.0, "penalty": 20.0}
BO = {"test": 1.0 / 3.0}
# nbgrader's add_submission triggers SQLAlchemy's session warning (nbgrader's own code)
pytestmark = pytest.mark.filterwarnings("ignore:.*not in session.*")


def _gradebook(path: Path) -> str:
    url = f"sqlite:///{path}"
    with Gradebook(url) as gb:
        gb.update_or_create_assignment(A1, course_id="")
        gb.update_or_create_notebook(NB, A1)
        gb.update_or_create_grade_cell("test", NB, A1, max_score=4, cell_type="code")
        gb.update_or_create_grade_cell("essay", NB, A1, max_score=2, cell_type="markdown")
        gb.update_or_create_solution_cell("essay", NB, A1)
        gb.update_or_create_assignment(A2, course_id="", duedate=datetime.datetime(2026, 1, 1))
        gb.update_or_create_notebook(NB, A2)
        gb.update_or_create_grade_cell("big", NB, A2, max_score=150, cell_type="code")
        gb.update_or_create_student("ada", first_name="Ada", last_name="Lovelace, C.")
        gb.update_or_create_student("bo", email="bo@example.org", lms_user_id="4711")
        gb.update_or_create_student("cy")
        gb.add_submission(A1, "ada")
        gb.add_submission(A1, "bo")
        gb.add_submission(A2, "ada", timestamp=datetime.datetime(2026, 1, 2))
        for student, scores in (("ada", ADA), ("bo", BO)):
            for part in ("test", "essay"):
                grade = gb.find_grade(part, NB, A1, student)
                grade.auto_score = scores.get(part)
                grade.needs_manual_grade = part not in scores
        grade = gb.find_grade("essay", NB, A1, "ada")
        grade.auto_score, grade.manual_score = None, ADA["essay"]
        big = gb.find_grade("big", NB, A2, "ada")
        big.auto_score, big.needs_manual_grade = ADA["big"], False
        gb.find_submission_notebook(NB, A2, "ada").late_submission_penalty = ADA["penalty"]
        gb.db.commit()
    return url


@pytest.fixture
def db(tmp_path) -> str:
    return _gradebook(tmp_path / "gradebook.db")


def _export(db, tmp_path, fmt, **kwargs) -> tuple[list[list[str]], object]:
    grades = tmp_path / f"{fmt}.csv"
    done = export_csv(db, grades, tmp_path / f"{fmt}-parts.csv", fmt, **kwargs)
    with open(grades, newline="", encoding="utf-8") as fh:
        return list(csv.reader(fh)), done


def test_generic_layout_scores_penalties_and_missing(db, tmp_path):
    rows, done = _export(db, tmp_path, "generic")
    assert rows[0] == ["student_id", "last_name", "first_name", "email", A1, A2, "total"]
    by_id = {r[0]: r for r in rows[1:]}
    a1 = ADA["test"] + ADA["essay"]
    a2 = ADA["big"] - ADA["penalty"]  # the late penalty is taken off, as nbgrader's export does
    assert [float(x) for x in by_id["ada"][4:]] == [a1, a2, a1 + a2]
    assert by_id["bo"][4:] == ["0.3333", "", "0.3333"]  # four decimals at most
    assert by_id["cy"][4:] == ["", "", "0"]
    assert by_id["ada"][1] == "Lovelace, C."  # a comma survives the CSV quoting
    assert done.pending == {A1: 1}  # bo's essay


def test_canvas_layout(db, tmp_path):
    rows, _ = _export(db, tmp_path, "canvas")
    header, points, *students = rows
    assert header == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", A1, A2]
    assert points == ["Points Possible", "", "", "", "", "6", "150"]
    assert [r[:5] for r in students] == [
        ["Lovelace, C., Ada", "", "", "ada", ""],
        ["bo", "4711", "", "bo", ""],  # nbgrader's lms_user_id is Canvas's user ID
        ["cy", "", "", "cy", ""],
    ]
    assert [r[5:] for r in students] == [
        [f"{ADA['test'] + ADA['essay']:g}", f"{ADA['big'] - ADA['penalty']:g}"],
        ["0.3333", ""],
        ["", ""],  # blank: "no score" for Canvas, never a zero
    ]
    assert not {"total", "Current Score", "Final Score"} & set(header)  # read-only in Canvas


def test_canvas_id_columns(db, tmp_path):
    rows, _ = _export(db, tmp_path, "canvas", canvas_id="sis-user-id")
    assert [(r[2], r[3]) for r in rows[2:]] == [("ada", ""), ("bo", ""), ("cy", "")]
    with pytest.raises(ValueError, match="Canvas user ids are numbers"):
        _export(db, tmp_path / "x", "canvas", canvas_id="id")
    with Gradebook(db) as gb:  # a class collected from Canvas's own download: numeric ids
        for sid in ("1001", "1002"):
            gb.update_or_create_student(sid)
        for s in ("ada", "bo", "cy"):
            gb.remove_student(s)
    rows, _ = _export(db, tmp_path, "canvas", canvas_id="id")
    assert [r[1] for r in rows[2:]] == ["1001", "1002"]


def test_moodle_layout(db, tmp_path):
    rows, done = _export(db, tmp_path, "moodle")
    header, *students = rows
    assert header == ["First name", "Last name", "Student ID", "Email address", A1, A2]
    assert students[0][:4] == ["Ada", "Lovelace, C.", "ada", ""]
    assert students[1][:4] == ["", "", "bo", "bo@example.org"]
    assert [r[4:] for r in students] == [
        [f"{ADA['test'] + ADA['essay']:g}", f"{ADA['big'] - ADA['penalty']:g}"],
        ["0.3333", "-"],
        ["-", "-"],  # "-": no grade, for existing and for new Moodle grade items alike
    ]
    assert any(f"{A2} can score above 100" in w for w in done.warnings)
    assert any("2 student(s) have no email" in w for w in done.warnings)


def test_an_assignment_subset_and_the_parts_file(db, tmp_path):
    rows, _ = _export(db, tmp_path, "generic", assignments=[A2])
    assert rows[0] == ["student_id", "last_name", "first_name", "email", A2, "total"]
    with open(tmp_path / "generic-parts.csv", newline="") as fh:
        parts = list(csv.DictReader(fh))
    assert {p["assignment"] for p in parts} == {A2}
    export_csv(db, tmp_path / "all.csv", tmp_path / "all-parts.csv")
    with open(tmp_path / "all-parts.csv", newline="") as fh:
        by_key = {
            (p["student_id"], p["part"]): p for p in csv.DictReader(fh) if p["assignment"] == A1
        }
    assert by_key[("ada", "essay")]["graded_by"] == "hand"
    assert by_key[("bo", "essay")]["graded_by"] == "awaiting hand grading"
    assert by_key[("bo", "test")]["graded_by"] == "autograder"


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"fmt": "blackboard"}, "unknown format 'blackboard'"),
        ({"assignments": ["03-nothing"]}, "unknown assignment '03-nothing'"),
        ({"fmt": "canvas", "canvas_id": "email"}, "unknown Canvas id column 'email'"),
    ],
)
def test_bad_export_input_writes_nothing(db, tmp_path, kwargs, message):
    with pytest.raises(ValueError, match=message):
        export_csv(db, tmp_path / "g.csv", tmp_path / "p.csv", **kwargs)
    assert not list(tmp_path.glob("*.csv"))


def test_mark_grades_through_nbgraders_api_and_refuses_bad_scores(db):
    assert [(a.student, a.part) for a in pending(db, A1)] == [("bo", "essay")]
    for score in (2.01, -0.5, float("nan"), "two"):
        with pytest.raises(ValueError):
            mark(db, A1, "bo", "essay", score)
    assert [(a.student, a.part) for a in pending(db, A1)] == [("bo", "essay")]
    answer = mark(db, A1, "bo", "essay", "2", comment="Clear and complete.")
    assert (answer.manual_score, answer.comment, answer.needs_manual_grade) == (
        2.0,
        "Clear and complete.",
        False,
    )
    assert pending(db, A1) == []
    with Gradebook(db) as gb:
        assert gb.find_submission(A1, "bo").score == BO["test"] + 2.0


def _course(folder: Path, db_url: str, extra: str = "") -> CourseConfig:
    (folder / "solutions" / A1).mkdir(parents=True)
    (folder / "solutions" / A2).mkdir(parents=True)
    for a in (A1, A2):
        (folder / "solutions" / a / f"{NB}.ipynb").write_text("{}")
    config = (
        REPO / "nbgrader_config.py"
    ).read_text() + f"\nc.CourseDirectory.db_url = {db_url!r}\n"
    (folder / "nbgrader_config.py").write_text(config + extra)
    return CourseConfig(folder)


def test_the_gradebook_check(db, tmp_path):
    check_gradebook(_course(tmp_path / "same", db))  # its own gradebook: fine
    other = _course(tmp_path / "other", db, "c.CourseDirectory.course_id = 'stats-101'\n")
    with pytest.raises(ValueError, match="says course_id = 'stats-101'"):
        check_gradebook(other)
    renamed = _course(tmp_path / "renamed", db)
    (renamed.source / A2 / f"{NB}.ipynb").rename(renamed.source / A2 / "other.ipynb")
    with pytest.raises(ValueError, match=r"has notebook\(s\) \['nb'\] in '02-backprop'"):
        check_gradebook(renamed)
    empty = tmp_path / "empty.db"
    empty.write_bytes(b"")  # a file, but no gradebook in it
    with pytest.raises(ValueError, match="is not an nbgrader gradebook"):
        check_gradebook(_course(tmp_path / "empty", f"sqlite:///{empty}"))
    assert empty.read_bytes() == b""


@pytest.mark.parametrize("command", ["manual", "mark", "status", "export", "feedback"])
def test_the_new_commands_have_help(command):
    with pytest.raises(SystemExit) as exit_:
        build_parser().parse_args([command, "--help"])
    assert exit_.value.code == 0
