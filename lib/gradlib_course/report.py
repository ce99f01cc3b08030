"""One self-contained HTML page about a course's grading (plots embedded as PNG).

Per assignment: the state of the class (the table of ``gradlib-course status``:
submitted, graded, awaiting manual grading, feedback, failed, missing), the score
distribution, the pass rate of every part (full marks in that part, among the
parts already graded), the answers graded by hand with their scores and comments
and those still awaiting a grader, the most frequent failure messages of the test
cells, the submissions with problems (not a notebook, missing, stopped) and the
integrity flags (:mod:`gradlib_course.integrity`), and which sandbox protected
the run.  Everything comes from the gradebook, ``autograded/``, ``feedback/`` and
the grading records in ``grading/<assignment>/<student>.json``.
"""

from __future__ import annotations

import base64
import collections
import html
import io
import json
import re
from datetime import datetime, timezone
from pathlib import Path

from nbgrader.api import Gradebook
from tqdm.auto import tqdm

from gradlib_course.manual import hand_graded, pending
from gradlib_course.status import class_status, status_rows

__all__ = ["collect_report_data", "write_report"]

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def _failure_messages(path: Path) -> list[str]:
    try:
        nb = json.loads(path.read_text())
    except (OSError, ValueError):
        return []
    messages = []
    for cell in nb.get("cells", []):
        if not cell.get("metadata", {}).get("nbgrader", {}).get("grade"):
            continue
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                first = _ANSI.sub("", str(out.get("evalue", ""))).strip().splitlines()
                text = f"{out.get('ename', 'Error')}: {first[0] if first else ''}"
                messages.append(text[:200])
    return messages


def collect_report_data(config, assignments: list[str] | None = None, progress=True) -> dict:
    """Everything the report shows, as plain data (also handy for tests)."""
    data: dict = {"assignments": {}}
    with Gradebook(config.db_url) as gb:
        names = [a.name for a in gb.assignments]
        for name in tqdm(assignments or names, desc="report", disable=not progress):
            spec = gb.find_assignment(name)
            parts = {}
            for nb in spec.notebooks:
                for cell in nb.grade_cells:
                    parts[cell.name] = {"max": cell.max_score, "passed": 0, "graded": 0}
            scores = {}
            for sub in spec.submissions:
                scores[sub.student.id] = sub.score
                for nb in sub.notebooks:
                    for g in nb.grades:
                        if g.needs_manual_grade:
                            continue  # not graded yet: neither passed nor failed
                        part = parts.setdefault(
                            g.name, {"max": g.max_score, "passed": 0, "graded": 0}
                        )
                        part["graded"] += 1
                        part["passed"] += g.score >= g.max_score
            failures: collections.Counter = collections.Counter()
            for path in sorted(config.autograded.glob(f"*/{name}/*.ipynb")):
                failures.update(set(_failure_messages(path)))
            records = {}
            for path in sorted((config.root / "grading" / name).glob("*.json")):
                try:
                    records[path.stem] = json.loads(path.read_text())
                except ValueError:
                    continue
            data["assignments"][name] = {
                "max_score": spec.max_score,
                "scores": scores,
                "parts": parts,
                "failures": failures.most_common(10),
                "problems": {s: r["problems"] for s, r in records.items() if r.get("problems")},
                "flags": {s: r["flags"] for s, r in records.items() if r.get("flags")},
                "protection": dict(collections.Counter(_protection(r) for r in records.values())),
                "hand_graded": hand_graded(config.db_url, name),
                "pending": pending(config.db_url, name),
            }
    for name, status in class_status(config, list(data["assignments"])).items():
        data["assignments"][name]["status"] = status
    return data


def _protection(record: dict) -> str:
    """What confined a submission's kernel, as the report states it."""
    limit = record.get("process_limit")
    processes = f"at most {limit} processes" if limit else "no process limit"
    return f"{record.get('sandbox', '?')}, {processes}"


def _png(fig) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=90, bbox_inches="tight")
    return base64.b64encode(buffer.getvalue()).decode()


def _plots(name: str, info: dict) -> list[str]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    images = []
    fig, ax = plt.subplots(figsize=(5, 3))
    scores = list(info["scores"].values())
    top = max(info["max_score"], 1)
    ax.hist(scores, bins=min(20, max(5, int(top) + 1)), range=(0, top), color="#4477aa")
    ax.set(xlabel="score", ylabel="students", title=f"{name}: score distribution")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))  # whole students
    images.append(_png(fig))
    plt.close(fig)
    fig, ax = plt.subplots(figsize=(5, 0.4 * len(info["parts"]) + 1))
    labels = list(info["parts"])
    rates = [100 * p["passed"] / p["graded"] if p["graded"] else 0 for p in info["parts"].values()]
    ax.barh(labels, rates, color="#228833")
    ax.set(
        xlim=(0, 100), xlabel="% of students with full marks", title=f"{name}: pass rate per part"
    )
    ax.invert_yaxis()
    images.append(_png(fig))
    plt.close(fig)
    return images


def _table(header: list[str], rows: list[list]) -> str:
    head = "".join(f"<th>{html.escape(str(h))}</th>" for h in header)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>" for row in rows
    )
    return f"<table><tr>{head}</tr>{body}</table>"


def _status_table(status) -> str:
    rows = [[label, len(who), ", ".join(who)] for label, who in status_rows(status)]
    return _table(["", "students", "who"], rows)


def write_report(config, output: Path, assignments=None, progress=True) -> dict:
    """Write the HTML report to ``output``; returns the data it shows."""
    from gradlib_course.sandbox import probe

    data = collect_report_data(config, assignments, progress)
    sections = []
    for name, info in data["assignments"].items():
        scores = list(info["scores"].values())
        mean = sum(scores) / len(scores) if scores else 0.0
        parts = [
            f"<h2>{html.escape(name)}</h2>",
            f"<p>{len(scores)} submissions, mean {mean:.2f} of {info['max_score']:g} points. "
            "Protection while grading: "
            + ", ".join(
                f"<b>{html.escape(k)}</b> ({n} submissions)" for k, n in info["protection"].items()
            )
            + ".</p>",
        ]
        if scores:
            parts += [
                f'<img alt="plot" src="data:image/png;base64,{img}">' for img in _plots(name, info)
            ]
        parts.append("<h3>State of the class</h3>")
        parts.append(_status_table(info["status"]))
        parts.append("<h3>Graded by hand</h3>")
        parts.append(
            _table(
                ["student", "part", "score", "comment"],
                [
                    [
                        a.student,
                        a.part,
                        f"{a.manual_score:g} / {a.max_score:g}"
                        + (" (above the maximum!)" if a.manual_score > a.max_score else ""),
                        a.comment,
                    ]
                    for a in info["hand_graded"]
                ],
            )
        )
        parts.append("<h3>Awaiting manual grading</h3>")
        parts.append(
            _table(
                ["student", "notebook", "part", "points"],
                [[a.student, a.notebook, a.part, f"{a.max_score:g}"] for a in info["pending"]],
            )
        )
        parts.append("<h3>Most frequent failure messages</h3>")
        parts.append(_table(["students", "message"], [[n, m] for m, n in info["failures"]]))
        parts.append("<h3>Integrity flags (never change a grade)</h3>")
        flag_rows = [
            [s, f["kind"], f["notebook"], f["cell"], f["detail"]]
            for s, flags in sorted(info["flags"].items())
            for f in flags
        ]
        parts.append(_table(["student", "flag", "notebook", "cell", "detail"], flag_rows))
        parts.append("<h3>Problems with submissions</h3>")
        parts.append(
            _table(
                ["student", "problem"],
                [[s, p] for s, ps in sorted(info["problems"].items()) for p in ps],
            )
        )
        sections.append("\n".join(parts))
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Grading report</title>
<style>body{{font-family:sans-serif;max-width:60em;margin:auto}}
table{{border-collapse:collapse}}
td,th{{border:1px solid #ccc;padding:2px 6px;text-align:left}}</style>
</head><body><h1>Grading report</h1>
<p>Course {html.escape(str(config.root))}, {stamp}. Sandbox available on this machine now:
<b>{probe()}</b>.</p>
{"".join(sections)}
</body></html>
"""
    Path(output).write_text(page)
    return data
