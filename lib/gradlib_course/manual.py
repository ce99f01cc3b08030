"""Answers graded by hand: which wait for a grader, and grading one, in nbgrader's gradebook.

nbgrader marks a graded part ``needs_manual_grade`` when autograding cannot score
it -- a written answer (a markdown cell with points) that the student changed, for
instance; one left as released scores zero and needs nobody.  A grader then sets
``Grade.manual_score`` (which takes precedence over the autograder's score) and
may write ``Comment.manual_comment`` on the answer cell, in the formgrader or
through its API.  :func:`mark` does exactly what the formgrader's ``PUT
/formgrader/api/grade/<id>`` and ``PUT /formgrader/api/comment/<id>`` do, on the
same gradebook, after checking the input: nothing is written unless all of it
is valid (the formgrader itself accepts a score above the part's maximum; such a
score is reported by :func:`over_maximum` and refused by the export).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from nbgrader.api import Gradebook, MissingEntry

from gradlib_course.quiet import NOT_IN_SESSION, warnings_ignored

__all__ = ["Answer", "hand_graded", "pending", "over_maximum", "mark"]


@dataclass(frozen=True)
class Answer:
    """One graded part of one student's submission, as far as hand grading goes."""

    student: str
    notebook: str
    part: str  # the grade cell's id, e.g. "written-answer"
    cell_type: str  # "markdown" (a written answer) or "code"
    max_score: float
    auto_score: float | None
    manual_score: float | None
    needs_manual_grade: bool
    comment: str  # the grader's comment ("" if none)

    @property
    def score(self) -> float:
        """What counts, as nbgrader counts it (the manual score wins)."""
        if self.manual_score is not None:
            return self.manual_score
        return self.auto_score or 0.0


def _assignment(gb: Gradebook, assignment: str):
    try:
        return gb.find_assignment(assignment)
    except MissingEntry:
        known = sorted(a.name for a in gb.assignments)
        raise ValueError(
            f"unknown assignment {assignment!r}; the gradebook has {known or 'none'}"
        ) from None


def _answers(db_url: str, assignment: str) -> list[Answer]:
    """Every part that needs a grader or was graded by one, in student order."""
    out = []
    with Gradebook(db_url) as gb:
        spec = _assignment(gb, assignment)
        for sub in sorted(spec.submissions, key=lambda s: s.student.id):
            for nb in sorted(sub.notebooks, key=lambda n: n.name):
                comments = {c.name: c.manual_comment or "" for c in nb.comments}
                for g in sorted(nb.grades, key=lambda g: g.name):
                    if not g.needs_manual_grade and g.manual_score is None:
                        continue
                    out.append(
                        Answer(
                            student=sub.student.id,
                            notebook=nb.name,
                            part=g.name,
                            cell_type=g.cell_type or "",
                            max_score=float(g.max_score),
                            auto_score=g.auto_score,
                            manual_score=g.manual_score,
                            needs_manual_grade=bool(g.needs_manual_grade),
                            comment=comments.get(g.name, ""),
                        )
                    )
    return out


def pending(db_url: str, assignment: str) -> list[Answer]:
    """The answers of ``assignment`` that still wait for a grader."""
    return [a for a in _answers(db_url, assignment) if a.needs_manual_grade]


def hand_graded(db_url: str, assignment: str) -> list[Answer]:
    """The answers of ``assignment`` a grader has scored (manual score set)."""
    return [a for a in _answers(db_url, assignment) if a.manual_score is not None]


def over_maximum(db_url: str, assignment: str) -> list[Answer]:
    """Hand-graded answers whose manual score exceeds the part's maximum."""
    return [a for a in hand_graded(db_url, assignment) if a.manual_score > a.max_score]


def _points(text) -> float:
    try:
        value = float(text)
    except (TypeError, ValueError):
        raise ValueError(f"a score is a number of points, got {text!r}") from None
    if not math.isfinite(value):
        raise ValueError(f"a score is a finite number of points, got {text!r}")
    return value


def mark(
    db_url: str,
    assignment: str,
    student: str,
    part: str,
    score,
    comment: str | None = None,
    notebook: str | None = None,
) -> Answer:
    """Give ``student``'s ``part`` of ``assignment`` the manual score ``score`` (and ``comment``).

    Raises ``ValueError`` -- and writes nothing -- for an unknown assignment, student,
    notebook or part, a score outside ``0 .. max``, or a comment on a part that has
    no answer cell (nbgrader keeps comments on solution cells).  Returns the answer
    as stored.
    """
    points = _points(score)
    with warnings_ignored(NOT_IN_SESSION), Gradebook(db_url) as gb:
        spec = _assignment(gb, assignment)
        try:
            sub = gb.find_submission(assignment, student)
        except MissingEntry:
            graded = sorted(s.student.id for s in spec.submissions)
            raise ValueError(
                f"no graded submission of {assignment} from {student!r} "
                f"(graded: {', '.join(graded) or 'nobody yet'})"
            ) from None
        notebooks = [nb for nb in sub.notebooks if notebook in (None, nb.name)]
        if not notebooks:
            names = sorted(nb.name for nb in sub.notebooks)
            raise ValueError(f"{assignment} has no notebook {notebook!r} (it has {names})")
        found = [(nb, g) for nb in notebooks for g in nb.grades if g.name == part]
        if not found:
            parts = sorted({g.name for nb in notebooks for g in nb.grades})
            raise ValueError(f"{assignment} has no graded part {part!r}; its parts are {parts}")
        if len(found) > 1:
            names = sorted(nb.name for nb, _ in found)
            raise ValueError(f"part {part!r} is in notebooks {names}: say which with --notebook")
        nb, grade = found[0]
        if not 0 <= points <= grade.max_score:
            raise ValueError(
                f"{part} of {assignment} is worth 0 to {grade.max_score:g} points; got {points:g}"
            )
        note = next((c for c in nb.comments if c.name == part), None)
        if comment is not None and note is None:
            raise ValueError(
                f"{part} is not an answer cell, so it takes no comment (nbgrader keeps "
                "comments on the cells students write in)"
            )
        # as the formgrader's GradeHandler and CommentHandler do
        grade.manual_score = points
        grade.needs_manual_grade = False
        if comment is not None:
            note.manual_comment = comment
        gb.db.commit()
        return Answer(
            student=student,
            notebook=nb.name,
            part=part,
            cell_type=grade.cell_type or "",
            max_score=float(grade.max_score),
            auto_score=grade.auto_score,
            manual_score=grade.manual_score,
            needs_manual_grade=bool(grade.needs_manual_grade),
            comment=(note.manual_comment or "") if note is not None else "",
        )
