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
import io
import json
import re
from datetime import datetime, timezone
from pathlib import Path

import jinja2
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
    what = record.get("protection") or record.get("sandbox", "?")
    return f"{what}, {processes}"


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


def _rows(info: dict) -> dict:
    """One assignment's tables, as rows of text for the template."""
    return {
        "status": [[label, len(who), ", ".join(who)] for label, who in status_rows(info["status"])],
        "hand_graded": [
            [
                a.student,
                a.part,
                f"{a.manual_score:g} / {a.max_score:g}"
                + (" (above the maximum!)" if a.manual_score > a.max_score else ""),
                a.comment,
            ]
            for a in info["hand_graded"]
        ],
        "pending": [[a.student, a.notebook, a.part, f"{a.max_score:g}"] for a in info["pending"]],
        "failures": [[n, m] for m, n in info["failures"]],
        "flags": [
            [s, f["kind"], f["notebook"], f["cell"], f["detail"]]
            for s, flags in sorted(info["flags"].items())
            for f in flags
        ],
        "problems": [[s, p] for s, ps in sorted(info["problems"].items()) for p in ps],
    }


def write_report(config, output: Path, assignments=None, progress=True) -> dict:
    """Write the HTML report to ``output`` (template ``templates/report.html.j2``)."""
    from gradlib_course.sandbox import probe

    data = collect_report_data(config, assignments, progress)
    shown = []
    for name, info in data["assignments"].items():
        scores = list(info["scores"].values())
        shown.append(
            {
                "name": name,
                "count": len(scores),
                "mean": sum(scores) / len(scores) if scores else 0.0,
                "max_score": f"{info['max_score']:g}",
                "protection": list(info["protection"].items()),
                "plots": _plots(name, info) if scores else [],
                **_rows(info),
            }
        )
    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("gradlib_course", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    page = environment.get_template("report.html.j2").render(
        root=str(config.root),
        stamp=datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        sandbox=probe(),
        assignments=shown,
    )
    Path(output).write_text(page)
    return data
