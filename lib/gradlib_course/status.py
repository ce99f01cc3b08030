"""The state of a class at a glance: who is collected, graded, given feedback, or missing.

Per assignment, from the course folder and the gradebook:

* **submitted** -- a folder ``submitted/<student>/<assignment>/`` (``collect``);
* **graded** -- a submission in the gradebook (``autograde``, or plain nbgrader);
* **not graded yet** -- submitted, but not in the gradebook;
* **awaiting manual grading** -- graded, with parts nbgrader marks
  ``needs_manual_grade`` (see :mod:`gradlib_course.manual`);
* **feedback written** -- ``feedback/<student>/<assignment>/*.html``;
* **feedback to rewrite** -- a page that shows another score than the gradebook
  now holds (a part was graded by hand or regraded since), or that was written
  while answers still awaited a grader;
* **failed to grade** -- the problems ``autograde`` recorded for the submission
  (``grading/<assignment>/<student>.json``): not a notebook, missing, stopped ...;
* **missing** -- students the gradebook knows (from other assignments, or a class
  list imported with ``nbgrader db student import``) without a submission.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from nbgrader.api import Gradebook

__all__ = ["AssignmentStatus", "class_status", "format_status", "status_rows", "ROWS"]


@dataclass
class AssignmentStatus:
    assignment: str
    max_score: float
    submitted: list[str] = field(default_factory=list)
    graded: list[str] = field(default_factory=list)
    not_graded: list[str] = field(default_factory=list)
    awaiting_manual: dict[str, list[str]] = field(default_factory=dict)  # student -> parts
    feedback: list[str] = field(default_factory=list)
    feedback_outdated: list[str] = field(default_factory=list)
    failed: dict[str, list[str]] = field(default_factory=dict)  # student -> reasons
    missing: list[str] = field(default_factory=list)


# (label, attribute) of the rows of the table, in order
ROWS = [
    ("submitted", "submitted"),
    ("graded", "graded"),
    ("not graded yet", "not_graded"),
    ("awaiting manual grading", "awaiting_manual"),
    ("feedback written", "feedback"),
    ("feedback to rewrite", "feedback_outdated"),
    ("failed to grade", "failed"),
    ("missing", "missing"),
]


def _shown_score(page: Path, notebook: str) -> float | None:
    """The notebook score a feedback page shows (nbgrader's ``<h4>NAME (Score: X / Y)``)."""
    try:
        text = page.read_text(errors="replace")
    except OSError:
        return None
    pattern = rf"<h4>\s*{re.escape(html.escape(notebook))} \(Score: (-?[0-9.]+) / [0-9.]+\)"
    match = re.search(pattern, text)
    return float(match.group(1)) if match else None


def _failures(root: Path, assignment: str) -> dict[str, list[str]]:
    out = {}
    for path in sorted((root / "grading" / assignment).glob("*.json")):
        try:
            problems = json.loads(path.read_text()).get("problems") or []
        except (OSError, ValueError):
            problems = ["its grading record is unreadable"]
        if problems:
            out[path.stem] = list(problems)
    return out


def class_status(config, assignments: list[str] | None = None) -> dict[str, AssignmentStatus]:
    """``assignment -> AssignmentStatus`` for ``assignments`` (default: all in the gradebook).

    ``config`` is a :class:`gradlib_course.config.CourseConfig`.
    """
    out: dict[str, AssignmentStatus] = {}
    with Gradebook(config.db_url) as gb:
        known = sorted(s.id for s in gb.students)
        for spec in gb.assignments:
            name = spec.name
            if assignments is not None and name not in assignments:
                continue
            status = AssignmentStatus(name, float(spec.max_score))
            status.submitted = sorted(
                p.parent.name for p in config.submitted.glob(f"*/{name}") if p.is_dir()
            )
            subs = {sub.student.id: sub for sub in spec.submissions}
            status.graded = sorted(subs)
            status.not_graded = sorted(set(status.submitted) - set(subs))
            for student, sub in sorted(subs.items()):
                parts = sorted(
                    g.name for nb in sub.notebooks for g in nb.grades if g.needs_manual_grade
                )
                if parts:
                    status.awaiting_manual[student] = parts
                pages = [
                    (nb, config.feedback / student / name / f"{nb.name}.html")
                    for nb in sub.notebooks
                ]
                written = [(nb, p) for nb, p in pages if p.is_file()]
                if not written:
                    continue
                status.feedback.append(student)
                for nb, page in written:
                    shown = _shown_score(page, nb.name)
                    now = nb.score - (nb.late_submission_penalty or 0.0)
                    if parts or (shown is not None and abs(shown - round(now, 2)) > 0.005):
                        status.feedback_outdated.append(student)
                        break
            failures = _failures(config.root, name)
            seen = set(subs) | set(status.submitted)
            status.failed = {s: p for s, p in failures.items() if s in seen}
            status.missing = sorted(set(known) - set(subs) - set(status.submitted))
            out[name] = status
    return out


def status_rows(status: AssignmentStatus) -> list[tuple[str, list[str]]]:
    """``(label, entries)`` of every row of the table; an entry is a student (and why)."""
    rows = []
    for label, attr in ROWS:
        value = getattr(status, attr)
        if isinstance(value, dict):
            entries = [f"{k} ({'; '.join(v)})" for k, v in value.items()]
        else:
            entries = list(value)
        rows.append((label, entries))
    return rows


def format_status(statuses: dict[str, AssignmentStatus]) -> str:
    """A plain-text table per assignment: count and students of every row."""
    blocks = []
    width = max(len(label) for label, _ in ROWS)
    for name, status in statuses.items():
        lines = [f"{name} ({status.max_score:g} points)"]
        for label, entries in status_rows(status):
            lines.append(f"  {label:<{width}}  {len(entries):>4}  {', '.join(entries)}".rstrip())
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)
