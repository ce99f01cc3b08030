"""A synthetic class for trying the grading workflow end to end (``make demo-grading``).

``python -m gradlib.course.demo DIR`` makes a course folder ``DIR`` from the
repository's ``solutions/`` (assignments 01 and 02), releases the assignments with
``nbgrader generate_assignment``, writes submissions -- correct, partly wrong,
broken and malicious -- as an LMS would hand them out (one zip per assignment,
files named ``<student>_<id>_assignsubmission_file_<notebook>.ipynb``), and
then runs every step: ``collect``, ``autograde``, ``feedback``, ``export``, ``report``.

The helpers (:func:`make_course`, :func:`set_cell`, ...) are also what the tests
of :mod:`gradlib.course` build their classes with.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

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

REPO = Path(__file__).resolve().parents[3]
DEMO_ASSIGNMENTS = ("01-chain-rule", "02-backprop")


def _env() -> dict[str, str]:
    return {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
    }


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
        proc = subprocess.run(
            [sys.executable, "-m", "nbgrader", "generate_assignment", name, "--force"],
            cwd=root,
            env=_env(),
            capture_output=True,
            text=True,
            check=False,
        )
        if proc.returncode != 0:
            raise RuntimeError(f"generate_assignment {name} failed:\n{proc.stdout}{proc.stderr}")
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
    """The synthetic class of ``assignment``: student -> notebook bytes (what they upload)."""
    _, src = source_notebook(root, assignment)
    release = release_notebook(root, assignment)
    solution_ids = [
        c["metadata"]["nbgrader"]["grade_id"]
        for c in src["cells"]
        if c.get("metadata", {}).get("nbgrader", {}).get("solution")
    ]
    first, last = solution_ids[0], solution_ids[-1]
    broken_first = "raise ValueError('I did not get this part')\n"
    crash_last = "import os\nos._exit(1)\n"
    patch = "\nimport numpy as np\nnp.allclose = lambda *args, **kwargs: True\n"
    secret = sorted((Path(root) / "solutions" / assignment).resolve().glob("*.ipynb"))[0]
    peek = f"\ntry:\n    _peek = open({str(secret)!r}).read()\nexcept OSError:\n    pass\n"
    students = {
        "ada": src,
        "alan": src,
        "grace": set_cell(src, first, broken_first),
        "edsger": set_cell(src, last, crash_last),
        "barbara": set_cell(src, first, cell_source(src, first) + patch + peek),
        "ken": release,
    }
    out = {s: json.dumps(nb, indent=1).encode() for s, nb in students.items()}
    out["dennis"] = b"{ this is not a notebook"
    return out


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
    from gradlib.course.cli import main as course

    print(f"making the demo course in {root}")
    make_course(root, DEMO_ASSIGNMENTS)
    steps = []
    for a in DEMO_ASSIGNMENTS:
        archive = _zip(root, a, demo_class(root, a), root / f"{a}-download.zip")
        steps += [
            ["collect", a, str(archive)],
            ["autograde", a, "--workers", str(args.workers), "--cell-timeout", "20"],
            ["feedback", a],
        ]
    steps += [
        ["export", "--output", str(root / "grades.csv")],
        ["report", "--output", str(root / "grading-report.html")],
    ]
    for step in steps:
        print(f"\n$ gradlib-course {' '.join(step)}")
        code = course(["--course", str(root), *step])
        if code:
            return code
    print(f"\nDone: open {root / 'grading-report.html'} and {root / 'feedback'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
