"""Write one graded submission into the course gradebook (the coordinator's job alone).

Workers return autograded notebooks (:class:`gradlib_course.worker.Result`); here
they become nbgrader records exactly as ``nbgrader autograde`` makes them -- the
submission, each graded cell's score through nbgrader's own ``SaveAutoGrades``,
then the late penalty through its ``AssignLatePenalties`` (with the course's
configured plugin) -- and the notebooks land in ``autograded/`` where
``nbgrader generate_feedback`` finds them.  A notebook that could not be graded
(missing, not a notebook, crashed) scores zero in every part.  A student's scores
are committed together, once: a crash leaves all of them or none.

A small JSON record per student (``grading/<assignment>/<student>.json``) is
written last: it marks the submission as recorded, so an interrupted run resumes
with the students that have none, and it keeps the problems for the report and a
fingerprint of the submitted files, so that a submission collected again with
other content (a late resubmission) is graded again (:func:`graded_students`).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook
from nbgrader.utils import parse_utc

from gradlib_course.nbgrader_ext.scores import assign_late_penalty, save_auto_grades
from gradlib_course.quiet import NOT_IN_SESSION, warnings_ignored
from gradlib_course.worker import Result

__all__ = ["fingerprint", "graded_students", "record", "record_path", "recorded_students"]


def record_path(root: Path, assignment: str, student: str) -> Path:
    return root / "grading" / assignment / f"{student}.json"


def recorded_students(root: Path, assignment: str) -> set[str]:
    folder = root / "grading" / assignment
    return {p.stem for p in folder.glob("*.json")} if folder.is_dir() else set()


def fingerprint(submission: Path) -> str:
    """SHA-256 of the files of a submission folder (names and contents)."""
    digest = hashlib.sha256()
    for path in sorted(submission.rglob("*")):
        if path.is_file() and ".ipynb_checkpoints" not in path.parts:
            digest.update(str(path.relative_to(submission)).encode() + b"\0")
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def graded_students(root: Path, assignment: str, submissions: dict[str, Path]) -> set[str]:
    """The students of ``submissions`` (student -> submission folder) graded as they are now.

    A record without a fingerprint (written before they existed) counts as up to date.
    """
    done = set()
    for student in recorded_students(root, assignment) & set(submissions):
        try:
            kept = json.loads(record_path(root, assignment, student).read_text()).get("fingerprint")
        except (OSError, ValueError):
            continue  # an unreadable record: grade again
        if kept is None or kept == fingerprint(submissions[student]):
            done.add(student)
    return done


def _timestamp(submission: Path):
    stamp = submission / "timestamp.txt"
    if stamp.exists():
        try:
            return parse_utc(stamp.read_text().strip())
        except Exception:  # noqa: BLE001 - an unreadable timestamp is not worth a grade
            return None
    return None


def record(
    result: Result, root: Path, db_url: str, submission: Path, flags=(), config=None
) -> None:
    """Store ``result`` in the gradebook at ``db_url`` and under ``root/autograded``.

    ``config`` is the course's traitlets configuration (for the late-penalty plugin).
    """
    assignment, student = result.assignment, result.student
    notebooks = {
        name: nbformat.reads(text, as_version=4) for name, text in result.notebooks.items()
    }

    def resources(name: str) -> dict:
        info = {"notebook": name, "assignment": assignment, "student": student, "db_url": db_url}
        return {"nbgrader": info}

    with warnings_ignored(NOT_IN_SESSION):
        with Gradebook(db_url) as gb:
            gb.update_or_create_student(student)
            kwargs = {"timestamp": ts} if (ts := _timestamp(submission)) else {}
            gb.update_or_create_submission(assignment, student, **kwargs)
            try:
                names = [nb.name for nb in gb.find_assignment(assignment).notebooks]
                for name in names:
                    if name in notebooks:
                        save_auto_grades(gb, notebooks[name], resources(name))
                        continue
                    for grade in gb.find_submission_notebook(name, assignment, student).grades:
                        grade.auto_score = 0.0
                        grade.needs_manual_grade = False
                gb.db.commit()
            except BaseException:
                gb.db.rollback()
                raise
        for name, nb in notebooks.items():
            assign_late_penalty(nb, resources(name), config)
    target = root / "autograded" / student / assignment
    target.mkdir(parents=True, exist_ok=True)
    for name, text in result.notebooks.items():
        (target / f"{name}.ipynb").write_text(text)
    path = record_path(root, assignment, student)
    path.parent.mkdir(parents=True, exist_ok=True)
    info = {k: v for k, v in asdict(result).items() if k not in ("notebooks", "log")}
    info["flags"] = list(flags)
    info["fingerprint"] = fingerprint(submission)
    info["log_tail"] = result.log[-2000:]
    path.with_suffix(".log").write_text(result.log)
    path.write_text(json.dumps(info, indent=1))
