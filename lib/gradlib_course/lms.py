"""The gradebook import files of Canvas and Moodle, as their documentation lays them out.

**Canvas** -- Instructor Guide, "How do I import grades in the Gradebook?"
(https://community.canvaslms.com/t5/Instructor-Guide/How-do-I-import-grades-in-the-Gradebook/ta-p/807)
and the importer itself (canvas-lms ``app/models/gradebook_importer.rb``):

* the header starts ``Student, ID, SIS User ID, SIS Login ID, Section`` -- the
  importer requires ``Student`` and ``ID`` first and ``Section`` as the last
  student column -- and then has one column per assignment, matched by title (a
  title Canvas does not know becomes a new assignment);
* the next row starts with ``Points Possible`` and gives each assignment's points;
* a student is found by ``ID`` (Canvas's numeric user id), else by ``SIS User ID``,
  else by ``SIS Login ID``, else by name; ``Student`` is shown as ``Last, First``;
* a blank grade (or ``-``) means "no score": Canvas leaves the cell ungraded, and
  its own missing-submission policy, if the course has one, may give a zero.
  Students without a submission therefore get a **blank** cell.

**Moodle** -- "Grade import" (https://docs.moodle.org/en/Grade_import) and its CSV
importer (``grade/import/csv/classes/load_data.php``):

* the first row names the columns; each row is one student; on import the grader
  maps one column to a user field ("Map from" -> "Map to": user id, ID number,
  email address or username) and each other column to a grade item (or a new one);
* a grade is a number, or ``-`` (or blank) for "no grade"; for a new grade item
  only ``-`` leaves the grade out, so students without a submission get **-**;
* there is no points-possible row: a grade item's maximum lives in Moodle (a new
  item gets 100), and grades above the site's ``gradepointmax`` (100 by default)
  are refused; a row whose user is not found stops the whole import.
"""

from __future__ import annotations

__all__ = ["FORMATS", "CANVAS_IDS", "CANVAS_HEADER", "MOODLE_HEADER", "canvas_rows", "moodle_rows"]

FORMATS = ("generic", "canvas", "moodle")  # layouts of `gradlib-course export`

CANVAS_HEADER = ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
POINTS_POSSIBLE = "Points Possible"
# which Canvas identifier column holds nbgrader's student id
CANVAS_IDS = {"sis-login-id": "SIS Login ID", "sis-user-id": "SIS User ID", "id": "ID"}
MOODLE_HEADER = ["First name", "Last name", "Student ID", "Email address"]
MOODLE_NO_GRADE = "-"
MOODLE_MAX_GRADE = 100.0  # gradepointmax of a default Moodle site


def number(x: float) -> str:
    """Points as an LMS reads them: ``12``, ``15.5``, ``0.3333`` (at most 4 decimals)."""
    text = f"{x:.4f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text


def _name(student) -> str:
    last, first = (student.last_name or "").strip(), (student.first_name or "").strip()
    if last and first:
        return f"{last}, {first}"
    return last or first or student.id


def canvas_rows(assignments, students, id_column: str = "sis-login-id") -> list[list[str]]:
    """Rows of Canvas's gradebook CSV (header, Points Possible, one row per student).

    ``assignments`` is ``[(name, max_score)]``; ``students`` are
    :class:`gradlib_course.export.StudentGrades`.  ``id_column`` says which Canvas
    identifier holds nbgrader's student id (:data:`CANVAS_IDS`); the ``ID`` column
    otherwise holds nbgrader's ``lms_user_id`` when the gradebook has one.
    """
    if id_column not in CANVAS_IDS:
        raise ValueError(f"unknown Canvas id column {id_column!r}; expected {list(CANVAS_IDS)}")
    if id_column == "id":
        wrong = [s.id for s in students if not s.id.isdigit()]
        if wrong:
            raise ValueError(
                f"Canvas user ids are numbers, but the gradebook has student ids {wrong[:3]}: "
                "choose --canvas-id sis-login-id or sis-user-id"
            )
    rows = [CANVAS_HEADER + [name for name, _ in assignments]]
    rows.append([POINTS_POSSIBLE, "", "", "", ""] + [number(m) for _, m in assignments])
    column = CANVAS_HEADER.index(CANVAS_IDS[id_column])
    for s in students:
        row = [_name(s), s.lms_user_id or "", "", "", ""]
        row[column] = s.id
        row += ["" if s.scores[a] is None else number(s.scores[a]) for a, _ in assignments]
        rows.append(row)
    return rows


def moodle_rows(assignments, students) -> list[list[str]]:
    """Rows of a CSV for Moodle's grade import (header, one row per student)."""
    rows = [MOODLE_HEADER + [name for name, _ in assignments]]
    for s in students:
        row = [s.first_name or "", s.last_name or "", s.id, s.email or ""]
        row += [
            MOODLE_NO_GRADE if s.scores[a] is None else number(s.scores[a]) for a, _ in assignments
        ]
        rows.append(row)
    return rows
