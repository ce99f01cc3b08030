"""Grades as CSV for an LMS gradebook, read from the nbgrader gradebook.

``grades.csv``: one row per student -- ``student_id, last_name, first_name, email``,
one column per assignment (its score; empty if nothing was submitted) and ``total``.
``parts.csv``: one row per student, assignment and graded part --
``student_id, assignment, notebook, part, score, max_score``.
"""

from __future__ import annotations

import csv
from pathlib import Path

from nbgrader.api import Gradebook, MissingEntry

__all__ = ["grade_table", "part_table", "export_csv"]


def _number(x: float) -> str:
    return f"{x:g}"


def grade_table(db_url: str) -> tuple[list[str], list[dict]]:
    """``(columns, rows)`` of the one-row-per-student table."""
    with Gradebook(db_url) as gb:
        assignments = [a.name for a in gb.assignments]
        columns = ["student_id", "last_name", "first_name", "email", *assignments, "total"]
        rows = []
        for student in sorted(gb.students, key=lambda s: s.id):
            row = {
                "student_id": student.id,
                "last_name": student.last_name or "",
                "first_name": student.first_name or "",
                "email": student.email or "",
            }
            total = 0.0
            for name in assignments:
                try:
                    score = gb.find_submission(name, student.id).score
                except MissingEntry:
                    row[name] = ""
                    continue
                row[name] = _number(score)
                total += score
            row["total"] = _number(total)
            rows.append(row)
        return columns, rows


def part_table(db_url: str) -> list[dict]:
    """One row per student, assignment and graded part."""
    rows = []
    with Gradebook(db_url) as gb:
        for assignment in gb.assignments:
            for submission in sorted(assignment.submissions, key=lambda s: s.student.id):
                for nb in submission.notebooks:
                    for grade in sorted(nb.grades, key=lambda g: g.name):
                        rows.append(
                            {
                                "student_id": submission.student.id,
                                "assignment": assignment.name,
                                "notebook": nb.name,
                                "part": grade.name,
                                "score": _number(grade.score),
                                "max_score": _number(grade.max_score),
                            }
                        )
    return rows


def export_csv(db_url: str, grades: Path, parts: Path) -> tuple[int, int]:
    """Write both CSV files; returns their numbers of data rows."""
    columns, rows = grade_table(db_url)
    with open(grades, "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)
    part_rows = part_table(db_url)
    with open(parts, "w", newline="") as fh:
        fields = ["student_id", "assignment", "notebook", "part", "score", "max_score"]
        writer = csv.DictWriter(fh, fieldnames=fields)
        writer.writeheader()
        writer.writerows(part_rows)
    return len(rows), len(part_rows)
