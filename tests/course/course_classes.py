"""Synthetic classes for the tests of :mod:`gradlib_course`.

Assignment 01 (the chain rule) has four parts: ``forward-tests`` (3 points),
``local-derivatives-tests`` (3), ``backward-tests`` (4) and ``gd-step-tests`` (2); the
gradient-descent part gets the reference gradient, so it does not depend on the
student's backward pass.  Most hostile submissions therefore break the
``backward`` cell and must lose exactly the 4 points of ``backward-tests``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from gradlib_course.demo import (
    REPO,
    cell_source,
    drop_cell,
    release_notebook,
    set_cell,
    source_notebook,
    write_submission,
)
from nbgrader.api import Gradebook

from samples.variants import load_variants

A1, A2 = "01-chain-rule", "02-backprop"
PARTS_1 = {
    "forward-tests": 3,
    "local-derivatives-tests": 3,
    "backward-tests": 4,
    "gd-step-tests": 2,
}
FULL_1 = dict(PARTS_1)
ZERO_1 = dict.fromkeys(PARTS_1, 0)
NO_BACKWARD = {**FULL_1, "backward-tests": 0}


@dataclass
class Case:
    files: dict  # file name -> str | bytes
    scores: dict  # part -> expected score
    flags: set = field(default_factory=set)  # expected flag kinds (a subset of those raised)
    problem: str = ""  # a substring of one of the recorded problems
    sandbox_only: bool = False  # the expectation holds only with bubblewrap
    needs_process_limit: bool = False  # never run without a per-kernel process limit


def _nb(nb: dict) -> str:
    return json.dumps(nb)


# the partly wrong students: named for the part they get wrong, from the shared samples
WRONG = {A1: {"wrong-forward": "forward-tests", "wrong-descent": "gd-step-tests"},
         A2: {"wrong-relu": "relu-tests", "wrong-gradcheck": "gradcheck-tests"}}  # fmt: skip


def wrong_variants(root: Path, assignment: str) -> dict[str, tuple[dict, str]]:
    """Partly wrong students: ``student -> (notebook, grade_id of the part that fails)``.

    Each gets the first wrong solution of its part in ``tests/samples``.
    """
    _, src = source_notebook(root, assignment)
    variants = load_variants()[assignment]
    out = {}
    for student, part in WRONG[assignment].items():
        variant = next(v for v in variants if v.tests == part)
        out[student] = (set_cell(src, variant.cell, variant.source), part)
    return out


def normal_class(root: Path, assignment: str) -> dict[str, str]:
    """perfect, blank and partly wrong students; returns ``student -> failing part or ''``."""
    name, src = source_notebook(root, assignment)
    students = {"perfect": (src, ""), "blank": (release_notebook(root, assignment), "*")}
    students.update(wrong_variants(root, assignment))
    for student, (nb, _) in students.items():
        write_submission(root, student, assignment, {f"{name}.ipynb": _nb(nb)})
    return {s: fail for s, (_, fail) in students.items()}


def hostile_cases(root: Path) -> dict[str, Case]:
    """The matrix of hostile and broken submissions of assignment 01."""
    _, src = source_notebook(root, A1)
    _, other = source_notebook(REPO, A2)  # the course has only assignment 01
    backward = cell_source(src, "backward")
    cells = src["cells"]
    ids = [c["metadata"].get("nbgrader", {}).get("grade_id") for c in cells]

    def with_backward(code: str, keep=False) -> dict:
        return set_cell(src, "backward", code + ("\n" + backward if keep else ""))

    reordered = json.loads(json.dumps(src))
    i, j = ids.index("backward"), ids.index("backward-tests")
    reordered["cells"][i], reordered["cells"][j] = reordered["cells"][j], reordered["cells"][i]
    duplicated = json.loads(json.dumps(src))
    duplicated["cells"].insert(j + 1, json.loads(json.dumps(cells[j])))
    copied_id = json.loads(json.dumps(duplicated))  # a copy made by hand: same cell id twice
    duplicated["cells"][j + 1]["id"] = "copy-of-backward-tests"  # as Jupyter duplicates a cell
    retyped = json.loads(json.dumps(src))
    retyped["cells"][j]["cell_type"] = "markdown"
    retyped["cells"][j].pop("outputs", None)
    retyped["cells"][j].pop("execution_count", None)
    edited_test = set_cell(src, "backward-tests", "print('all good')\n")
    secret = (root / "solutions" / A1 / "chain-rule.ipynb").resolve()
    other_student = (root / "submitted" / "perfect" / A1 / "chain-rule.ipynb").resolve()
    gradebook = (root / "gradebook.db").resolve()
    file = "chain-rule.ipynb"
    return {
        "loop": Case({file: _nb(with_backward("while True:\n    pass\n"))}, NO_BACKWARD),
        "exit": Case({file: _nb(with_backward("import os\nos._exit(1)\n"))}, NO_BACKWARD),
        "segfault": Case(
            {file: _nb(with_backward("import ctypes\nctypes.string_at(0)\n"))}, NO_BACKWARD
        ),
        # not hostile: the kernel works in the notebook's own folder, which it may write
        "uses-own-folder": Case(
            {
                file: _nb(
                    set_cell(
                        src,
                        "forward",
                        "import os\n"
                        "here = os.getcwd()\n"
                        "assert here.endswith('/uses-own-folder/01-chain-rule'), here\n"
                        "with open('scratch.txt', 'w') as f:\n    f.write('ok')\n"
                        + cell_source(src, "forward"),
                    )
                )
            },
            FULL_1,
        ),
        # as root RLIMIT_NPROC does nothing: contained by a pids cgroup, or not run at all
        "forkbomb": Case(
            {file: _nb(with_backward("import os\nwhile True:\n    os.fork()\n"))},
            NO_BACKWARD,
            needs_process_limit=True,
        ),
        "membomb": Case(
            {
                file: _nb(
                    with_backward(
                        "def _grow():\n    chunks = []\n    while True:\n"
                        "        chunks.append(np.ones(2**24))\n_grow()\n"
                    )
                )
            },
            NO_BACKWARD,
        ),
        "deleted-solution": Case({file: _nb(drop_cell(src, "backward"))}, NO_BACKWARD),
        "deleted-test": Case(
            {file: _nb(drop_cell(src, "backward-tests"))}, NO_BACKWARD, {"locked-cell"}
        ),
        "duplicated-test": Case({file: _nb(duplicated)}, FULL_1, {"locked-cell"}),
        "duplicated-cell-id": Case({file: _nb(copied_id)}, FULL_1, {"locked-cell"}),
        "reordered": Case({file: _nb(reordered)}, NO_BACKWARD, {"locked-cell"}),
        "retyped-test": Case({file: _nb(retyped)}, FULL_1, {"locked-cell"}),
        "edited-test": Case({file: _nb(edited_test)}, FULL_1, {"locked-cell"}),
        "invalid-json": Case({file: '{"cells": [oops'}, ZERO_1, problem="not a valid notebook"),
        "empty-file": Case({file: b""}, ZERO_1, problem="not a valid notebook"),
        "wrong-name": Case({"chain_rule.ipynb": _nb(src)}, ZERO_1, problem="missing"),
        "other-assignment": Case({file: _nb(other)}, ZERO_1),
        "patch-allclose": Case(
            {file: _nb(with_backward("np.allclose = lambda *a, **k: True\n", keep=True))},
            FULL_1,
            {"monkeypatch"},
        ),
        "patch-helper": Case(
            {
                file: _nb(
                    with_backward(
                        "import gradlib.grading\n"
                        "gradlib.grading.call_student = lambda what, f, *a, **k: f(*a)\n",
                        keep=True,
                    )
                )
            },
            FULL_1,
            {"monkeypatch"},
        ),
        "reference": Case(
            {
                file: _nb(
                    with_backward(
                        "from gradlib.book.neuron import neuron_loss_and_gradient\n\n\n"
                        "def neuron_backward(x, w, y):\n"
                        "    return neuron_loss_and_gradient(x, w, y)[1]\n"
                    )
                )
            },
            NO_BACKWARD,
            {"reference"},
        ),
        "settrace": Case(
            {file: _nb(with_backward("import sys\nsys.setprofile(None)\n", keep=True))},
            FULL_1,
            {"trace-hook"},
        ),
        "reads-source": Case(
            {file: _nb(with_backward(f"_stolen = open({str(secret)!r}).read()\n", keep=True))},
            NO_BACKWARD,
            {"file-access"},
            sandbox_only=True,
        ),
        "reads-other-student": Case(
            {
                file: _nb(
                    with_backward(f"_copied = open({str(other_student)!r}).read()\n", keep=True)
                )
            },
            NO_BACKWARD,
            {"file-access"},
            sandbox_only=True,
        ),
        "reads-through-proc": Case(
            {
                file: _nb(
                    with_backward(
                        f"import os\n_via = open(f'/proc/{{os.getppid()}}/root{secret}').read()\n",
                        keep=True,
                    )
                )
            },
            NO_BACKWARD,
            {"file-access"},
            sandbox_only=True,
        ),
        "reads-gradebook": Case(
            {file: _nb(with_backward(f"_db = open({str(gradebook)!r}, 'rb').read()\n", keep=True))},
            NO_BACKWARD,
            {"file-access"},
            sandbox_only=True,
        ),
    }


def write_cases(root: Path, cases: dict[str, Case]) -> None:
    for student, case in cases.items():
        write_submission(root, student, A1, case.files)


def part_scores(db_url: str, assignment: str) -> dict[str, dict[str, float]]:
    """``student -> {part: score}`` from the gradebook."""
    scores: dict[str, dict[str, float]] = {}
    with Gradebook(db_url) as gb:
        for sub in gb.find_assignment(assignment).submissions:
            parts = scores.setdefault(sub.student.id, {})
            for nb in sub.notebooks:
                for grade in nb.grades:
                    parts[grade.name] = grade.score
    return scores


def expected_normal(root: Path, assignment: str, students: dict[str, str]) -> dict:
    """Expected part scores of :func:`normal_class` students."""
    from gradlib_course.notebooks import graded_parts

    parts = {p.grade_id: p.points for p in graded_parts(source_notebook_path(root, assignment))}
    out = {}
    for student, failing in students.items():
        out[student] = {
            p: (0.0 if failing in ("*", p) else float(points)) for p, points in parts.items()
        }
    return out


def source_notebook_path(root: Path, assignment: str) -> Path:
    return sorted((root / "solutions" / assignment).glob("*.ipynb"))[0]
