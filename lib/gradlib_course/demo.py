"""A synthetic class for trying the grading workflow end to end (``make demo-grading``).

``python -m gradlib_course.demo DIR`` makes a course folder ``DIR`` from the
repository's ``solutions/`` (assignments 01, 02 and 09, whose written answer is
graded by hand), releases the assignments with ``nbgrader generate_assignment``,
imports the class list (``nbgrader db student import``: one student never
submits), writes submissions -- correct, partly wrong, broken and malicious -- as
an LMS would hand them out (one zip per assignment, files named
``<student>_<id>_assignsubmission_file_<notebook>.ipynb``), and then runs every
step: ``collect``, ``autograde``, ``status``, ``manual``, ``mark``, ``feedback``,
``export`` (generic, Canvas, Moodle) and ``report``.

The helpers (:func:`make_course`, :func:`set_cell`, ...) are also what the tests
of :mod:`gradlib_course` build their classes with.
"""

from __future__ import annotations

import argparse
import ast
import copy
import csv
import json
import shlex
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

from gradlib_course.demo_answers import MISTAKES, PATCH_NUMPY
from gradlib_course.tools import tool_env

__all__ = [
    "REPO",
    "make_course",
    "set_cell",
    "drop_cell",
    "source_notebook",
    "release_notebook",
    "demo_class",
    "write_submission",
]

REPO = Path(__file__).resolve().parents[2]
DEMO_ASSIGNMENTS = ("01-chain-rule", "02-backprop", "09-what-backprop-finds")
HAND_GRADED = "09-what-backprop-finds"
# the class list an instructor imports (nbgrader db student import): margaret never submits
ROSTER = [
    ("ada", "Ada", "Lovelace", "ada@example.org"),
    ("alan", "Alan", "Turing", "alan@example.org"),
    ("barbara", "Barbara", "Liskov", "barbara@example.org"),
    ("dennis", "Dennis", "Ritchie", "dennis@example.org"),
    ("edsger", "Edsger", "Dijkstra", "edsger@example.org"),
    ("grace", "Grace", "Hopper", "grace@example.org"),
    ("ken", "Ken", "Thompson", "ken@example.org"),
    ("margaret", "Margaret", "Hamilton", "margaret@example.org"),
]
WRITTEN = {  # what each student writes in a written answer (graded by hand)
    "ada": "At the three-point solution the spoiler's term in the gradient has the factor "
    "sigma'(z4), about e^-22: it vanishes, so that solution stays a (local, not global) "
    "minimum. The cross-entropy has no sigma' factor and moves on.",
    "alan": "The spoiler is too far away for the gradient to notice it.",
    "grace": "Its output saturates, so its gradient is tiny.",
    "edsger": "The squared error's gradient carries sigma', which is exponentially small there.",
    "barbara": "Gradient descent is stuck in a local minimum.",
}


def _env() -> dict[str, str]:
    return tool_env()


def _nbgrader(root: Path, *args: str) -> None:
    """Run ``nbgrader ARGS`` in the course folder; its output is shown only if it fails."""
    proc = subprocess.run(
        [sys.executable, "-m", "nbgrader", *args],
        cwd=root,
        env=_env(),
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"nbgrader {' '.join(args)} failed:\n{proc.stdout}{proc.stderr}")


def make_course(root: Path, assignments, repo: Path = REPO, db_url: str | None = None) -> Path:
    """A course folder at ``root`` with ``assignments`` copied from ``repo/solutions`` and
    released (``nbgrader generate_assignment``).  ``db_url`` overrides the gradebook."""
    root = Path(root)
    root.mkdir(parents=True, exist_ok=True)
    config = (repo / "nbgrader_config.py").read_text()
    if db_url:
        config += f"\nc.CourseDirectory.db_url = {db_url!r}\n"
        # PostgreSQL enforces the assignment -> course link that SQLite does not check
        config += "c.CourseDirectory.course_id = 'gradlib'\n"
    (root / "nbgrader_config.py").write_text(config)
    for name in assignments:
        shutil.copytree(repo / "solutions" / name, root / "solutions" / name, dirs_exist_ok=True)
        _nbgrader(root, "generate_assignment", name, "--force")
    return root


def source_notebook(root: Path, assignment: str) -> tuple[str, dict]:
    """``(notebook name, notebook)`` of the assignment's (single) source notebook."""
    path = sorted((Path(root) / "solutions" / assignment).glob("*.ipynb"))[0]
    return path.stem, json.loads(path.read_text())


def release_notebook(root: Path, assignment: str) -> dict:
    name, _ = source_notebook(root, assignment)
    return json.loads((Path(root) / "exercises" / assignment / f"{name}.ipynb").read_text())


def _index(nb: dict, grade_id: str) -> int:
    for i, cell in enumerate(nb["cells"]):
        if cell.get("metadata", {}).get("nbgrader", {}).get("grade_id") == grade_id:
            return i
    raise KeyError(f"no cell {grade_id!r}")


def set_cell(nb: dict, grade_id: str, source: str) -> dict:
    """A copy of ``nb`` in which cell ``grade_id`` has the source ``source``."""
    nb = copy.deepcopy(nb)
    nb["cells"][_index(nb, grade_id)]["source"] = source
    return nb


def drop_cell(nb: dict, grade_id: str) -> dict:
    nb = copy.deepcopy(nb)
    del nb["cells"][_index(nb, grade_id)]
    return nb


def cell_source(nb: dict, grade_id: str) -> str:
    src = nb["cells"][_index(nb, grade_id)]["source"]
    return "".join(src) if isinstance(src, list) else src


def write_submission(root: Path, student: str, assignment: str, files: dict[str, bytes | str]):
    folder = Path(root) / "submitted" / student / assignment
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        path = folder / name
        if isinstance(content, str):
            path.write_text(content)
        else:
            path.write_bytes(content)


def demo_class(root: Path, assignment: str) -> dict[str, bytes]:
    """The synthetic class of ``assignment``: student -> notebook bytes (what they upload).

    Made from the reference solution and :mod:`gradlib_course.demo_answers`: the
    reference solution, the reference's first part behind a wrapper of the student's
    own (:func:`_wrapped`), a realistic mistake in that part, a crash, a cheat that
    also peeks at the solutions, the untouched release and a file that is not a
    notebook.
    """
    _, src = source_notebook(root, assignment)
    release = release_notebook(root, assignment)
    meta = [(c["cell_type"], c.get("metadata", {}).get("nbgrader", {})) for c in src["cells"]]
    solution_ids = [m["grade_id"] for kind, m in meta if m.get("solution") and kind == "code"]
    written = [m["grade_id"] for kind, m in meta if m.get("grade") and kind == "markdown"]
    first, last = solution_ids[0], solution_ids[-1]
    ((wrong_cell, wrong),) = MISTAKES[assignment].items()
    crash_last = "import os\nos._exit(1)\n"
    secret = sorted((Path(root) / "solutions" / assignment).resolve().glob("*.ipynb"))[0]
    peek = f"\ntry:\n    _peek = open({str(secret)!r}).read()\nexcept OSError:\n    pass\n"
    students = {
        "ada": src,
        "alan": set_cell(src, first, _wrapped(cell_source(src, first))),
        "grace": set_cell(src, wrong_cell, wrong),
        "edsger": set_cell(src, last, crash_last),
        "barbara": set_cell(src, first, "raise ValueError('no idea')\n" + PATCH_NUMPY + peek),
        "ken": release,
    }
    for student, answer in WRITTEN.items():
        for grade_id in written:
            students[student] = set_cell(students[student], grade_id, answer)
    out = {s: json.dumps(nb, indent=1).encode() for s, nb in students.items()}
    out["dennis"] = b"{ this is not a notebook"
    return out


def _wrapped(source: str) -> str:
    """``source`` with its first function renamed and called through a wrapper of that name.

    A correct solution in another style than the reference, made from the reference at
    run time, so that no right answer is written in this package.
    """
    name = next(n.name for n in ast.parse(source).body if isinstance(n, ast.FunctionDef))
    return (
        f"{source.rstrip()}\n\n\n_{name}_first_draft = {name}\n\n\n"
        f"def {name}(*args, **kwargs):  # my own wrapper around my first draft\n"
        f"    return _{name}_first_draft(*args, **kwargs)\n"
    )


def _zip(root: Path, assignment: str, students: dict[str, bytes], target: Path) -> Path:
    nb_name, _ = source_notebook(root, assignment)
    with zipfile.ZipFile(target, "w") as zf:
        for i, (student, content) in enumerate(sorted(students.items())):
            zf.writestr(f"{student}_{1000 + i}_assignsubmission_file_{nb_name}.ipynb", content)
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", help="where to make the demo course (must not exist)")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)
    root = Path(args.folder).resolve()
    if root.exists() and any(root.iterdir()):
        parser.error(f"{root} exists and is not empty")
    from gradlib_course.cli import main as course

    print(f"making the demo course in {root}")
    make_course(root, DEMO_ASSIGNMENTS)
    roster = root / "class-list.csv"
    with open(roster, "w", newline="") as fh:
        csv.writer(fh).writerows([("id", "first_name", "last_name", "email"), *ROSTER])
    print(f"\n$ nbgrader db student import {roster.name}")
    _nbgrader(root, "db", "student", "import", roster.name)
    steps = []
    for a in DEMO_ASSIGNMENTS:
        archive = _zip(root, a, demo_class(root, a), root / f"{a}-download.zip")
        steps += [
            ["collect", a, str(archive)],
            ["autograde", a, "--workers", str(args.workers), "--cell-timeout", "20"],
        ]
    hand = HAND_GRADED
    notebook, src = source_notebook(root, hand)
    (part,) = [  # the written answer
        c["metadata"]["nbgrader"]["grade_id"]
        for c in src["cells"]
        if c["cell_type"] == "markdown" and c["metadata"].get("nbgrader", {}).get("grade")
    ]
    steps += [
        ["status"],
        ["manual", hand],
        ["mark", hand, "ada", part, "3", "--comment", "Complete: the factor, a local minimum."],
        ["mark", hand, "alan", part, "0.5", "--comment", "Which factor? Name it."],
        ["mark", hand, "grace", part, "1.5", "--notebook", notebook, "--comment", "Why tiny?"],
        ["mark", hand, "edsger", part, "2", "--comment", "And is it the global minimum?"],
        ["manual", hand, "--all"],  # barbara's answer is left for the formgrader
        *[["feedback", a] for a in DEMO_ASSIGNMENTS],  # 09: barbara is skipped ...
        ["feedback", hand, "--student", "barbara", "--partial"],  # ... unless asked for
        ["status", hand],
        ["export", "--output", str(root / "grades.csv")],
        ["export", "--format", "canvas", "--canvas-id", "sis-login-id"]
        + ["--output", str(root / "grades-canvas.csv")],
        ["export", hand, "--format", "moodle", "--output", str(root / "grades-moodle.csv")],
        ["report", "--output", str(root / "grading-report.html")],
    ]
    for step in steps:
        print(f"\n$ gradlib-course {shlex.join(step)}")
        code = course(["--course", str(root), *step])
        if code:
            return code
    print(
        f"\nDone: open {root / 'grading-report.html'} and {root / 'feedback'}; barbara's "
        f"{part} still awaits a grader (the formgrader, or gradlib-course mark)."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
