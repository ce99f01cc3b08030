"""Grades for an LMS gradebook, read from the nbgrader gradebook.

The grades file, one row per student the gradebook knows, in one of three layouts:

* ``generic``: ``student_id, last_name, first_name, email``, one column per
  assignment (its score; empty if nothing was submitted) and ``total``;
* ``canvas`` and ``moodle``: the import files of those LMSs (:mod:`gradlib_course.lms`).

A score is nbgrader's: the autograded and hand-graded points of every part (a
manual score takes precedence), minus the late penalty, never below zero -- as
``nbgrader export`` computes it.

``parts.csv``: one row per student, assignment and graded part --
``student_id, assignment, notebook, part, score, max_score, graded_by, comment``,
where ``graded_by`` is ``autograder``, ``hand`` or ``awaiting hand grading`` and
``comment`` is the grader's comment on the answer.

Nothing is written if a hand-graded score exceeds its part's maximum (the
formgrader accepts one) or an assignment is unknown.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

from nbgrader.api import Gradebook, MissingEntry

from gradlib_course import lms
from gradlib_course.manual import over_maximum

__all__ = ["FORMATS", "StudentGrades", "class_grades", "grade_table", "part_table", "export_csv"]

FORMATS = lms.FORMATS
_number = lms.number


@dataclass
class StudentGrades:
    id: str
    last_name: str = ""
    first_name: str = ""
    email: str = ""
    lms_user_id: str = ""
    scores: dict[str, float | None] = field(default_factory=dict)  # None: no submission


@dataclass
class Exported:
    students: int
    parts: int
    pending: dict[str, int]  # assignment -> submissions still awaiting hand grading
    warnings: list[str]


def _assignments(gb: Gradebook, names: list[str] | None) -> list[tuple[str, float]]:
    known = [(a.name, float(a.max_score)) for a in gb.assignments]
    if names is None:
        return known
    unknown = [n for n in names if n not in dict(known)]
    if unknown:
        have = [n for n, _ in known]
        raise ValueError(f"unknown assignment {unknown[0]!r}; the gradebook has {have or 'none'}")
    return [(n, m) for n, m in known if n in names]


def class_grades(
    db_url: str, assignments: list[str] | None = None
) -> tuple[list[tuple[str, float]], list[StudentGrades]]:
    """``([(assignment, max_score)], students)`` for every student of the gradebook."""
    with Gradebook(db_url) as gb:
        chosen = _assignments(gb, assignments)
        students = []
        for student in sorted(gb.students, key=lambda s: s.id):
            row = StudentGrades(
                id=student.id,
                last_name=student.last_name or "",
                first_name=student.first_name or "",
                email=student.email or "",
                lms_user_id=str(student.lms_user_id or ""),
            )
            for name, _ in chosen:
                try:
                    sub = gb.find_submission(name, student.id)
                except MissingEntry:
                    row.scores[name] = None
                    continue
                row.scores[name] = max(0.0, sub.score - (sub.late_submission_penalty or 0.0))
            students.append(row)
        return chosen, students


def grade_table(db_url: str, assignments: list[str] | None = None) -> tuple[list[str], list[dict]]:
    """``(columns, rows)`` of the generic one-row-per-student table."""
    chosen, students = class_grades(db_url, assignments)
    names = [n for n, _ in chosen]
    columns = ["student_id", "last_name", "first_name", "email", *names, "total"]
    rows = []
    for s in students:
        row = {"student_id": s.id, "last_name": s.last_name, "first_name": s.first_name}
        row["email"] = s.email
        for name in names:
            row[name] = "" if s.scores[name] is None else _number(s.scores[name])
        row["total"] = _number(sum(v for v in s.scores.values() if v is not None))
        rows.append(row)
    return columns, rows


PART_FIELDS = [
    "student_id",
    "assignment",
    "notebook",
    "part",
    "score",
    "max_score",
    "graded_by",
    "comment",
]


def part_table(db_url: str, assignments: list[str] | None = None) -> list[dict]:
    """One row per student, assignment and graded part (with who graded it)."""
    rows = []
    with Gradebook(db_url) as gb:
        chosen = [n for n, _ in _assignments(gb, assignments)]
        for name in chosen:
            assignment = gb.find_assignment(name)
            for submission in sorted(assignment.submissions, key=lambda s: s.student.id):
                for nb in sorted(submission.notebooks, key=lambda n: n.name):
                    comments = {c.name: c.manual_comment or "" for c in nb.comments}
                    for grade in sorted(nb.grades, key=lambda g: g.name):
                        if grade.needs_manual_grade:
                            by = "awaiting hand grading"
                        elif grade.manual_score is not None:
                            by = "hand"
                        else:
                            by = "autograder"
                        rows.append(
                            {
                                "student_id": submission.student.id,
                                "assignment": name,
                                "notebook": nb.name,
                                "part": grade.name,
                                "score": _number(grade.score),
                                "max_score": _number(grade.max_score),
                                "graded_by": by,
                                "comment": comments.get(grade.name, ""),
                            }
                        )
    return rows


def _write(path: Path, rows: list[list[str]]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(rows)


def export_csv(
    db_url: str,
    grades: Path,
    parts: Path,
    fmt: str = "generic",
    assignments: list[str] | None = None,
    canvas_id: str = "sis-login-id",
) -> Exported:
    """Write the grades file (layout ``fmt``) and the per-part file.

    Everything is computed and checked first; on bad input (an unknown format,
    assignment or Canvas id column, a hand-graded score above its maximum)
    ``ValueError`` is raised and no file is written.
    """
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
    chosen, students = class_grades(db_url, assignments)
    names = [n for n, _ in chosen]
    for name in names:
        wrong = over_maximum(db_url, name)
        if wrong:
            a = wrong[0]
            raise ValueError(
                f"{a.student}'s {a.part} in {name} has the manual score {a.manual_score:g}, "
                f"above its maximum {a.max_score:g}: correct it (gradlib-course mark, or the "
                "formgrader) before exporting"
            )
    warnings = []
    if fmt == "generic":
        columns, table = grade_table(db_url, assignments)
        rows = [columns] + [[r[c] for c in columns] for r in table]
    elif fmt == "canvas":
        rows = lms.canvas_rows(chosen, students, canvas_id)
    else:
        rows = lms.moodle_rows(chosen, students)
        big = [n for n, m in chosen if m > lms.MOODLE_MAX_GRADE]
        if big:
            warnings.append(
                f"{', '.join(big)} can score above {lms.MOODLE_MAX_GRADE:g}, which a default "
                "Moodle site refuses to import (raise gradepointmax, or rescale)"
            )
        no_email = [s.id for s in students if not s.email]
        if no_email:
            warnings.append(
                f"{len(no_email)} student(s) have no email in the gradebook "
                f"({', '.join(no_email[:5])}{', ...' if len(no_email) > 5 else ''}): map "
                "Moodle's import from the Student ID column, or import the class list with emails"
            )
    part_rows = part_table(db_url, assignments)
    pending = {}
    for row in part_rows:
        if row["graded_by"] == "awaiting hand grading":
            pending.setdefault(row["assignment"], set()).add(row["student_id"])
    _write(grades, rows)
    _write(parts, [PART_FIELDS] + [[r[f] for f in PART_FIELDS] for r in part_rows])
    return Exported(
        students=len(students),
        parts=len(part_rows),
        pending={a: len(s) for a, s in pending.items()},
        warnings=warnings,
    )
