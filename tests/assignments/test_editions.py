"""Every assignment graded against its edition of gradlib (:mod:`gradlib_course.edition`).

For each assignment the edition is planned from its source notebook, written and
compiled; then

* every module of the edition imports, and every function the assignment grades
  raises ``ReferenceUsed`` there, however it is reached;
* the source notebook, run the way the graded kernel runs it (test cells without
  their answer key, hidden tests recording) against the edition, shows no error in
  any cell -- no instructor cell, visible test or hidden case needs what the edition
  removed -- and, judged with the full library, earns every point;
* the edition holds no implementation of what the assignment grades: no module
  keeps the source of a removed function;
* and the code the kernel is sent holds none of the hidden tests' answers: no value the
  answer key expects on a hidden case is written in an instructor cell, a visible test
  or a hidden test's cases and runs, apart from what the visible checks show
  (:mod:`answer_audit`).

The sandboxed pipeline grades with the same editions in ``tests/course``.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from answer_audit import expected_values, kernel_sources, leaks
from gradlib_course.edition import make_edition, materialize, plan, tables_of
from gradlib_course.judge import judge_notebook, program_from_notebook
from gradlib_course.notebooks import list_assignments

from conftest import REPO

ASSIGNMENTS = list_assignments(REPO / "solutions")
NOTEBOOKS = {name: paths[0] for name, paths in sorted(ASSIGNMENTS.items())}
RUNNER = Path(__file__).with_name("edition_run.py")


def _program(path: Path) -> dict:
    return {path.stem: program_from_notebook(json.loads(path.read_text())["cells"])}


class _Editions(dict):
    def __init__(self, cache: Path):
        super().__init__()
        self.cache = cache

    def __missing__(self, name: str):
        edition = make_edition(name, _program(NOTEBOOKS[name]))
        self[name] = (edition, materialize(edition, self.cache))
        return self[name]


@pytest.fixture(scope="module")
def editions(tmp_path_factory):
    """``assignment -> (edition, its package folder)``, each made when first asked for."""
    return _Editions(tmp_path_factory.mktemp("editions"))


@pytest.mark.parametrize("assignment", sorted(NOTEBOOKS))
def test_the_source_notebook_runs_cleanly_against_its_edition_and_earns_every_point(
    editions, assignment
):
    _, folder = editions[assignment]
    path = NOTEBOOKS[assignment]
    proc = subprocess.run(
        [sys.executable, str(RUNNER), str(folder.parent), str(path)],
        capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    executed = json.loads(proc.stdout)
    errors = {
        c["metadata"].get("nbgrader", {}).get("grade_id"): o["ename"] + ": " + o["evalue"][:300]
        for c in executed
        for o in c["outputs"]
        if o["output_type"] == "error"
    }
    assert errors == {}, errors
    nb = nbformat.from_dict({"cells": executed, "metadata": {}, "nbformat": 4, "nbformat_minor": 5})
    report = judge_notebook(nb, _program(path)[path.stem], path.stem, tables_of(folder))
    assert report["problems"] == [] and report["flags"] == [], report
    assert report["verdicts"] and all(v is None for v in report["verdicts"].values()), report


def _defined_functions(text: str) -> dict[str, ast.AST]:
    out = {}

    def visit(body, prefix):
        for node in body:
            if isinstance(node, ast.ClassDef):
                visit(node.body, [*prefix, node.name])
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                out[".".join([*prefix, node.name])] = node

    visit(ast.parse(text).body, [])
    return out


@pytest.mark.parametrize("assignment", sorted(NOTEBOOKS))
def test_the_edition_holds_no_implementation_of_what_is_graded(editions, assignment):
    edition, folder = editions[assignment]
    kept, removed = plan(_program(NOTEBOOKS[assignment]))
    assert removed, "every assignment grades something"
    stubbed = 0
    for relative, text in edition.files.items():
        if not relative.endswith(".py"):
            continue
        module = relative[: -len(".py")].replace("/", ".").removesuffix(".__init__")
        graded_module = any(m == module and q is None for m, q in removed)
        unused = not any(module == k or module.startswith(k + ".") for k in kept)
        for qualname, node in _defined_functions(text).items():
            graded = graded_module or any(
                m == module and (qualname == q or qualname.startswith(q + "."))
                for m, q in removed
                if q
            )
            if graded or unused:
                body = [ast.unparse(s) for s in node.body]
                assert len(body) == 1 and body[0].startswith("raise __import__("), (
                    module,
                    qualname,
                    body[:3],
                )
                stubbed += 1
    assert stubbed >= len(removed)


@pytest.mark.parametrize("assignment", sorted(NOTEBOOKS))
def test_every_module_of_the_edition_imports_and_graded_code_raises(editions, assignment):
    _, folder = editions[assignment]
    kept, removed = plan(_program(NOTEBOOKS[assignment]))
    targets = sorted(f"{m}:{q}" if q else m for m, q in removed)
    code = f"""
import importlib, inspect, pkgutil, sys
sys.path.insert(0, {str(folder.parent)!r})
import gradlib
from gradlib.grading import ReferenceUsed
for info in pkgutil.walk_packages(gradlib.__path__, "gradlib."):
    importlib.import_module(info.name)
called = 0
for target in {targets!r}:
    module, _, qualname = target.partition(":")
    obj = importlib.import_module(module)
    objects = [obj] if not qualname else []
    for part in qualname.split(".") if qualname else []:
        obj = getattr(obj, part)
    if qualname:
        objects = [obj]
    for holder in objects:
        members = [holder] if inspect.isfunction(holder) else [
            m for n, m in vars(holder).items()
            if inspect.isfunction(m) and m.__module__ == module]
        for member in members:
            try:
                code = member.__code__
                first = code.co_argcount
                keywords = code.co_varnames[first : first + code.co_kwonlyargcount]
                member(*[None] * code.co_argcount, **dict.fromkeys(keywords))
            except ReferenceUsed:
                called += 1
            else:
                raise AssertionError(f"{{member.__qualname__}} did not raise")
print(called)
"""
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert int(proc.stdout) >= len(targets)


@pytest.mark.parametrize("assignment", sorted(NOTEBOOKS))
def test_the_kernel_is_sent_no_hidden_answer(assignment):
    path = NOTEBOOKS[assignment]
    expected = expected_values(path)
    assert sum(len(v["hidden"]) for v in expected.values()) > 100, expected.keys()
    assert leaks(expected, kernel_sources(_program(path)[path.stem])) == []


def test_the_answer_audit_finds_an_answer_written_into_the_kernel_side_code():
    path = NOTEBOOKS["02-backprop"]
    expected = expected_values(path)
    shown = expected["softmax-ce-tests"]["visible"]
    answer = next(  # the last random case's, far from what the visible checks show
        v
        for v in reversed(expected["softmax-ce-tests"]["hidden"])
        if v != round(v) and min(abs(v - w) for w in shown) > 1e-3
    )
    program = _program(path)[path.stem]
    assert leaks(expected, kernel_sources(program)) == []

    def planted(where: str, line: str) -> list[dict]:
        out = []
        for entry in program:
            source = entry["source"]
            if entry["name"] == "softmax-ce-tests":
                assert source.count(where) == 1
                source = source.replace(where, line + where)
            out.append({**entry, "source": source})
        return out

    # in the hidden cases (the kernel runs them), in the visible part, rounded to 7 digits
    for where, line in [
        ("def _softmax_run(", f"_SEEN = {answer!r}\n\n\n"),
        ("### BEGIN HIDDEN TESTS", f"note = 'about {answer:.7g}'\n"),
    ]:
        found = leaks(expected, kernel_sources(planted(where, line)))
        assert [f for f in found if "softmax-ce-tests" in f.split(" holds")[0]], (where, found)
    # the answer key itself is never sent to the kernel
    key = "    result, logits_after = got\n"
    assert leaks(expected, kernel_sources(planted(key, f"    _answer = {answer!r}\n"))) == []
