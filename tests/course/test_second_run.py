"""An instructor's second run: every failure they can cause ends in one sentence.

One course (assignment 05; any would do) for the whole module, collected from
an LMS zip and graded once by the command line (without the sandbox, which is not the point
here).  Then the failures of a grading week, table-driven: each case asserts the
exit status, the one-line message, and that the course folder (files, grading
records, gradebook scores) is exactly as before.  Then the sequences that change
it: autograde twice in a row, a damaged zip and then a good one (a late student
and a resubmission, graded by the next autograde), a zip with one unsafe entry,
two autograde runs at once, and ``--force`` after the hidden tests changed.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from gradlib_course.cli import main as course
from gradlib_course.demo import REPO, _nbgrader, make_course, set_cell, source_notebook
from gradlib_course.lock import assignment_lock, lock_path
from gradlib_course.notebooks import graded_parts
from gradlib_course.tools import tool_env

from course_classes import part_scores
from samples.variants import load_variants

A1 = "05-momentum"
NB = "momentum.ipynb"
FULL_1 = {p.grade_id: float(p.points) for p in graded_parts(REPO / "solutions" / A1 / NB)}
WRONG = next(v for v in load_variants()[A1] if v.tests == "momentum-step-tests")


def _lms_zip(path: Path, notebooks: dict[str, dict | bytes], extra: dict | None = None) -> Path:
    """A Moodle-style download: ``<student>_<id>_assignsubmission_file_chain-rule.ipynb``."""
    with zipfile.ZipFile(path, "w") as zf:
        for i, (student, nb) in enumerate(notebooks.items()):
            data = nb if isinstance(nb, bytes) else json.dumps(nb)
            zf.writestr(f"submissions/{student}_{100 + i}_assignsubmission_file_{NB}", data)
        for name, data in (extra or {}).items():
            zf.writestr(name, data)
    return path


def _run(root: Path, *args: str, capsys) -> tuple[int, str, str]:
    status = course(["--course", str(root), "-q", *args])
    out, err = capsys.readouterr()
    return status, out, err


def _state(root: Path) -> dict:
    """Everything a command could change: files (but the lock file) and gradebook scores."""
    files = {}
    for path in sorted(root.rglob("*")):
        if path.is_file() and path.suffix != ".lock" and path.name != "gradebook.db":
            files[str(path.relative_to(root))] = hashlib.sha256(path.read_bytes()).hexdigest()
    return {"files": files, "scores": part_scores(f"sqlite:///{root / 'gradebook.db'}", A1)}


def _scores(root: Path) -> dict:
    return {
        s: {p: float(v) for p, v in parts.items()} for s, parts in _state(root)["scores"].items()
    }


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    base = tmp_path_factory.mktemp("second-run")
    root = make_course(base / "course", [A1])
    _, src = source_notebook(root, A1)
    wrong = set_cell(src, WRONG.cell, WRONG.source)
    _lms_zip(base / "first.zip", {"perfect": src, "wrongfwd": wrong})
    assert course(["--course", str(root), "-q", "collect", A1, str(base / "first.zip")]) == 0
    args = ["--course", str(root), "-q", "autograde", A1, "--unsafe-no-sandbox"]
    assert course(args) == 0
    scores = _scores(root)
    assert scores["perfect"] == FULL_1 and scores["wrongfwd"]["momentum-step-tests"] == 0
    return {"root": root, "base": base, "src": src, "wrong": wrong}


def _no_course(base: Path) -> list[str]:
    (base / "not-a-course").mkdir(exist_ok=True)
    return ["--course", str(base / "not-a-course"), "status"]


def _no_gradebook(base: Path) -> list[str]:
    folder = base / "no-gradebook"
    folder.mkdir(exist_ok=True)
    (folder / "nbgrader_config.py").write_text("c = get_config()  # noqa: F821\n")
    return ["--course", str(folder), "status"]


def _damaged(base: Path) -> Path:
    path = base / "damaged.zip"
    good = _lms_zip(base / "tmp.zip", {"ada": {"cells": []}}).read_bytes()
    path.write_bytes(good[: len(good) // 2])  # a download cut short: no central directory
    return path


def _unmatched(base: Path) -> Path:
    with zipfile.ZipFile(base / "unmatched.zip", "w") as zf:
        zf.writestr("notes.txt", "no notebook here")
        zf.writestr("chain-rule.ipynb", "{}")  # no student in the name
    return base / "unmatched.zip"


def _unsafe_only(base: Path) -> Path:
    with zipfile.ZipFile(base / "unsafe-only.zip", "w") as zf:
        zf.writestr(f"../../eve_1_assignsubmission_file_{NB}", "{}")
    return base / "unsafe-only.zip"


# (name, argv maker, exit status, a piece of the one-line message); the course must not change
FAILURES = [
    ("wrong folder", lambda b: _no_course(b), 2, "is not a course folder"),
    ("missing gradebook", lambda b: _no_gradebook(b), 2, "no gradebook at"),
    ("unknown assignment", lambda b: ["autograde", "99-nothing"], 2, "unknown assignment"),
    ("unknown student", lambda b: ["autograde", A1, "--student", "nobody"], 2,
     f"no submission of {A1} from nobody"),
    ("collect: unknown assignment", lambda b: ["collect", "99-nothing", str(_damaged(b))], 2,
     "unknown assignment '99-nothing'"),
    ("collect: no such file", lambda b: ["collect", A1, str(b / "nowhere.zip")], 2,
     "does not exist"),
    ("collect: damaged zip", lambda b: ["collect", A1, str(_damaged(b))], 2,
     "damaged.zip is neither a zip nor a tar archive"),
    ("collect: not an archive", lambda b: ["collect", A1, str(b / "first.zip") + "x"], 2,
     "does not exist"),
    ("collect: nothing matches", lambda b: ["collect", A1, str(_unmatched(b))], 2,
     "no file in unmatched.zip matched --pattern"),
    ("collect: only an unsafe entry", lambda b: ["collect", A1, str(_unsafe_only(b))], 2,
     "leads out of the archive's folder"),
    ("mark: unknown student", lambda b: ["mark", A1, "nobody", "run-tests", "1"], 2,
     "nobody"),
    ("feedback: unknown assignment", lambda b: ["feedback", "99-nothing"], 2,
     "unknown assignment"),
    ("nothing new to grade", lambda b: ["autograde", A1, "--unsafe-no-sandbox"], 0,
     f"nothing new to grade: the 2 submission(s) of {A1} are graded"),
]  # fmt: skip


@pytest.mark.parametrize("argv, status, message", [c[1:] for c in FAILURES],
                         ids=[c[0] for c in FAILURES])  # fmt: skip
def test_a_failure_is_one_sentence_and_changes_nothing(graded, capsys, argv, status, message):
    root = graded["root"]
    before = _state(root)
    got, out, err = _run(root, *argv(graded["base"]), capsys=capsys)
    text = (out + err).strip()
    assert got == status, text
    assert message in text
    assert "Traceback" not in text and len(text.splitlines()) == 1, text
    if status:
        assert text.startswith("gradlib-course ") and ": error: " in text
    assert _state(root) == before
    assert not list((root / "downloaded" / A1).glob(".collect-*"))


def test_a_run_in_progress_is_named(graded, capsys):
    root = graded["root"]
    before = _state(root)
    with assignment_lock(root, A1, f"autograde {A1}"):
        got, out, err = _run(root, "autograde", A1, "--force", "--unsafe-no-sandbox", capsys=capsys)
        assert got == 2
        assert f"`gradlib-course autograde {A1}` (pid" in err and "wait until" in err
        got, _, err = _run(root, "collect", A1, str(graded["base"] / "first.zip"), capsys=capsys)
        assert got == 2 and f"is working on {A1}" in err
    assert _state(root) == before


def test_a_crashed_run_leaves_no_lock(graded):
    root = graded["root"]
    code = (
        "import os, sys\nfrom gradlib_course.lock import assignment_lock\n"
        f"with assignment_lock({str(root)!r}, {A1!r}, 'autograde'):\n    os._exit(9)\n"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 9
    assert lock_path(root, A1).exists()
    with assignment_lock(root, A1, "autograde"):  # the kernel released it with the process
        pass


def test_damaged_zip_then_a_good_one_then_autograde_grades_only_what_is_new(graded, capsys):
    root, base = graded["root"], graded["base"]
    before = _state(root)
    got, _, err = _run(root, "collect", A1, str(_damaged(base)), capsys=capsys)
    assert got == 2 and "download it again" in err
    assert _state(root) == before  # (the first download is still there, as it was)
    # the good one: a late student, and the wrong student's corrected resubmission
    _lms_zip(base / "late.zip", {"late": graded["src"], "wrongfwd": graded["src"]})
    got, out, _ = _run(root, "collect", A1, str(base / "late.zip"), capsys=capsys)
    assert got == 0, out
    assert "collected 2 file(s) from late.zip" in out and "1 of them replacing" in out
    assert sorted(p.name for p in (root / "downloaded" / A1 / "archive").iterdir()) == ["late"]
    got, out, _ = _run(root, "autograde", A1, "--unsafe-no-sandbox", capsys=capsys)
    assert got == 0 and out.startswith("graded 2 submission(s)"), out
    assert _scores(root) == {"perfect": FULL_1, "wrongfwd": FULL_1, "late": FULL_1}
    got, out, _ = _run(root, "autograde", A1, "--unsafe-no-sandbox", capsys=capsys)
    assert got == 0 and "nothing new to grade: the 3 submission(s)" in out


def test_a_zip_with_one_unsafe_and_two_good_entries(graded, capsys):
    root, base = graded["root"], graded["base"]
    escape = base / "x.ipynb"
    _lms_zip(
        base / "mixed.zip",
        {"ada": graded["src"], "grace": graded["wrong"]},
        {"../../x.ipynb": json.dumps(graded["src"]), "submissions/readme.txt": "hello"},
    )
    got, out, _ = _run(root, "collect", A1, str(base / "mixed.zip"), capsys=capsys)
    assert got == 0, out
    lines = out.splitlines()
    assert lines[0] == "collected 2 file(s) from mixed.zip: the submissions of 2 student(s)"
    assert "  skipped ../../x.ipynb: its name leads out of the archive's folder (..)" in lines
    assert "  skipped submissions/readme.txt: not a notebook" in lines
    assert (root / "submitted" / "ada" / A1 / NB).is_file()
    assert (root / "submitted" / "grace" / A1 / NB).is_file()
    assert not escape.exists() and not (root.parent / "x.ipynb").exists()
    assert not list(root.rglob("x.ipynb"))


def test_two_autograde_runs_at_once(graded, capsys):
    root = graded["root"]
    args = ["autograde", A1, "--student", "perfect", "--force", "--unsafe-no-sandbox"]
    first = subprocess.Popen(
        [sys.executable, "-m", "gradlib_course", "--course", str(root), "-q", *args],
        env=tool_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 120
    while not lock_path(root, A1).exists() or not lock_path(root, A1).read_text():
        assert first.poll() is None and time.monotonic() < deadline, first.communicate()
        time.sleep(0.05)
    got, out, err = _run(root, *args, capsys=capsys)
    out1, err1 = first.communicate(timeout=600)
    assert first.returncode == 0, err1
    assert got == 2 and f"(pid {first.pid}," in err and "wait until it has finished" in err
    assert out1.startswith("graded 1 submission(s)") and not out
    assert _scores(root)["perfect"] == FULL_1


def _lenient(source: str) -> str:
    """``source`` (a test cell) with the body of its hidden test's check made to pass all."""
    import ast

    tree = ast.parse(source)
    call = next(
        n
        for n in ast.walk(tree)
        if isinstance(n, ast.Call) and getattr(n.func, "id", "") == "hidden_tests"
    )
    name = call.args[2].id
    check = next(n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name == name)
    lines = source.splitlines(keepends=True)
    first, last = check.body[0].lineno - 1, check.body[-1].end_lineno
    return "".join(lines[:first] + ["    return None  # (any result passes)\n"] + lines[last:])


def test_force_after_the_hidden_tests_changed(graded, capsys):
    """The instructor loosens a part's hidden check: the new tests decide."""
    root, base = graded["root"], graded["base"]
    _lms_zip(base / "hana.zip", {"hana": graded["wrong"]})
    assert _run(root, "collect", A1, str(base / "hana.zip"), capsys=capsys)[0] == 0
    assert _run(root, "autograde", A1, "--unsafe-no-sandbox", capsys=capsys)[0] == 0
    assert _scores(root)["hana"]["momentum-step-tests"] == 0  # (graded with the old tests)
    _, src = source_notebook(root, A1)
    cell = next(c for c in src["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id")
                == WRONG.tests)  # fmt: skip
    loosened = set_cell(src, WRONG.tests, _lenient("".join(cell["source"])))
    (root / "solutions" / A1 / NB).write_text(json.dumps(loosened))
    _nbgrader(root, "generate_assignment", A1, "--force")
    got, out, _ = _run(root, "autograde", A1, "--unsafe-no-sandbox", capsys=capsys)
    assert got == 0 and "nothing new to grade" in out  # the submissions did not change
    got, out, _ = _run(root, "autograde", A1, "--student", "hana", "--force",
                       "--unsafe-no-sandbox", capsys=capsys)  # fmt: skip
    assert got == 0 and out.startswith("graded 1 submission(s)"), out
    # hana's step is wrong: the old hidden test took its points, the new one gives them
    assert _scores(root)["hana"] == FULL_1
