"""Feedback HTML without the hidden tests' source.

``nbgrader generate_feedback`` renders the autograded notebooks, which carry the
hidden tests (nbgrader restores every test cell from the gradebook before
running it) -- and the tracebacks of failing tests quote their lines.  Here
nbgrader renders redacted copies instead: in every cell the hidden-test regions
of the source notebooks are replaced by a one-line note, and the error output of
a cell that had hidden tests keeps only its message (``AssertionError: dL/dw
...: differs from the reference ...``), not the traceback.  Finally every HTML
file is checked: if any line of hidden-test code (at least 12 characters) still
appears, :func:`generate_feedback` fails instead of publishing it.
"""

from __future__ import annotations

import html
import json
import re
import shutil
import sys
from pathlib import Path

from gradlib_course.markers import redact_hidden, regions, strip_hidden
from gradlib_course.nbgrader_ext.feedback import run_generate_feedback
from gradlib_course.offline_math import inline_mathjax
from gradlib_course.tools import tool_env

__all__ = ["hidden_test_lines", "secret_lines", "redact_notebook", "generate_feedback", "REDACTED"]

REDACTED = "# (hidden tests: not shown)"
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
MIN_LINE = 12  # shorter lines ("x0 = 1.0") are too common to prove a leak


def hidden_test_lines(source_notebook: Path) -> set[str]:
    """The stripped lines of code inside hidden-test regions of a source notebook."""
    lines: set[str] = set()
    for cell in json.loads(Path(source_notebook).read_text()).get("cells", []):
        src = cell.get("source", "")
        src = "".join(src) if isinstance(src, list) else src
        for body in regions(src, "HIDDEN TESTS"):
            for line in body.splitlines():
                if line.strip() and not line.strip().startswith("#"):
                    lines.add(line.strip())
    return lines


def secret_lines(source_notebook: Path) -> set[str]:
    """The hidden-test lines that nothing the student sees contains (what must never leak).

    A line that the released notebook shows anyway -- ``np.array([0]))`` closing a
    visible call -- proves nothing when it appears in a feedback page.
    """
    shown = "\n".join(
        strip_hidden("".join(src) if isinstance(src := c.get("source", ""), list) else src)
        for c in json.loads(Path(source_notebook).read_text()).get("cells", [])
    )
    return {line for line in hidden_test_lines(source_notebook) if line not in shown}


def redact_notebook(nb: dict, hidden: set[str]) -> dict:
    """Remove hidden tests (regions and any of their lines) and their tracebacks from ``nb``."""
    for cell in nb.get("cells", []):
        src = cell.get("source", "")
        src = "".join(src) if isinstance(src, list) else src
        had_hidden = bool(regions(src, "HIDDEN TESTS")) or any(
            line.strip() in hidden for line in src.splitlines()
        )
        src = redact_hidden(src, REDACTED)
        src = "\n".join(line for line in src.splitlines() if line.strip() not in hidden)
        cell["source"] = src
        for out in cell.get("outputs", []):
            if out.get("output_type") != "error":
                continue
            if had_hidden or any(
                line.strip() in hidden
                for tb in out.get("traceback", [])
                for line in _ANSI.sub("", tb).splitlines()
            ):
                out["traceback"] = [f"{out.get('ename', 'Error')}: {out.get('evalue', '')}"]
    return nb


def _leaks(text: str, hidden: set[str]) -> list[str]:
    plain = html.unescape(_ANSI.sub("", text))
    # the HTML highlighter splits code into spans; compare text with tags removed too
    untagged = html.unescape(re.sub(r"<[^>]+>", "", text))
    return [
        line for line in hidden if len(line) >= MIN_LINE and (line in plain or line in untagged)
    ]


def generate_feedback(
    config, assignment: str, students: list[str] | None = None, progress: bool = True
) -> list[Path]:
    """Write ``feedback/<student>/<assignment>/*.html`` for every autograded student.

    ``config`` is a :class:`gradlib_course.config.CourseConfig`.  Returns the HTML files.
    """
    source_dir = config.source / assignment
    hidden: set[str] = set()  # removed from the pages
    secret: set[str] = set()  # and checked for afterwards
    for nb_path in sorted(source_dir.glob("*.ipynb")):
        hidden |= hidden_test_lines(nb_path)
        secret |= secret_lines(nb_path)
    graded = sorted(p.parent.name for p in config.autograded.glob(f"*/{assignment}") if p.is_dir())
    if students is not None:
        missing = sorted(set(students) - set(graded))
        if missing:
            raise ValueError(f"{assignment} has not been autograded for {missing}")
        graded = [s for s in graded if s in students]
    if not graded:
        raise ValueError(f"nothing of {assignment!r} is autograded yet: run autograde first")
    redacted_root = config.root / "grading" / ".redacted"
    if redacted_root.exists():
        shutil.rmtree(redacted_root)
    todo = []
    for student in graded:
        src = config.autograded / student / assignment
        if not any(src.glob("*.ipynb")):
            continue  # nothing could be graded (not a notebook): no feedback page
        dst = redacted_root / student / assignment
        shutil.copytree(src, dst)
        for path in dst.glob("*.ipynb"):
            nb = json.loads(path.read_text())
            path.write_text(json.dumps(redact_notebook(nb, hidden), indent=1))
        todo.append(student)
    env = tool_env()
    written: list[Path] = []
    # one nbgrader run for all students (its start-up costs seconds)
    command = [sys.executable, "-m", "nbgrader", "generate_feedback", assignment, "--force"]
    command += ["--log-level=INFO", f"--CourseDirectory.autograded_directory={redacted_root}"]
    command += [f"--CourseDirectory.db_url={config.db_url}"]
    notebooks = sum(1 for _ in redacted_root.glob(f"*/{assignment}/*.ipynb"))
    try:
        run_generate_feedback(
            command, config.root, env, notebooks, f"feedback {assignment}", progress
        )
        for student in todo:
            for page in sorted((config.feedback / student / assignment).glob("*.html")):
                leaks = _leaks(page.read_text(), secret)
                if leaks:
                    page.unlink()
                    raise RuntimeError(
                        f"{page} still showed hidden-test code ({leaks[0]!r}); it was removed"
                    )
                # the formulas are typeset without internet: MathJax is in the page
                page.write_text(inline_mathjax(page.read_text()))
                written.append(page)
    finally:
        shutil.rmtree(redacted_root, ignore_errors=True)
    return written
