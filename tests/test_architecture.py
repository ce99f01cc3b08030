"""Imports point one way: book helpers -> reference; grading -> reference; workflow -> all.

The reference (``gradlib`` without its ``book`` and ``grading`` sub-packages) is what
students read and what hidden tests compare against: it uses nothing else of the
project.  The book's helpers and the grading helpers use the reference only, and
``gradlib.grading`` holds only what a notebook calls.  The instructor's workflow
(``gradlib_course``) may use everything, except its recording package, which runs in
the student's kernel, where the sandbox shows nothing else of the workflow.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

LIB = Path(__file__).resolve().parent.parent / "lib"
MODULES = sorted(LIB.rglob("*.py"))


def _name(path: Path) -> str:
    parts = list(path.relative_to(LIB).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _layer(module: str) -> str:
    if module.startswith("gradlib_course.recording"):
        return "recording"
    if module.startswith("gradlib_course"):
        return "workflow"
    if module.startswith("gradlib.book"):
        return "book"
    if module.startswith("gradlib.grading"):
        return "grading"
    return "reference"


ALLOWED = {
    "reference": {"reference"},
    "book": {"book", "reference"},
    "grading": {"grading", "reference"},
    "recording": {"recording", "grading"},
    "workflow": {"workflow", "recording", "grading", "reference", "book"},
}


def _imports(path: Path, project_only: bool = True) -> set[str]:
    module, found = _name(path), set()
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            found |= {f"{base}.{a.name}" for a in node.names} | {base}
    if not project_only:
        return found
    return {m for m in found if m.split(".")[0] in ("gradlib", "gradlib_course")}


@pytest.mark.parametrize("path", MODULES, ids=_name)
def test_imports_point_one_way(path):
    layer = _layer(_name(path))
    wrong = sorted(m for m in _imports(path) if _layer(m) not in ALLOWED[layer])
    assert not wrong, f"{_name(path)} ({layer}) must not import {wrong}"


def test_the_layers_are_all_there():
    layers = {_layer(_name(p)) for p in MODULES}
    assert layers == {"reference", "book", "grading", "recording", "workflow"}


def test_gradlib_grading_holds_only_what_a_notebook_calls():
    grading = sorted(p.stem for p in (LIB / "gradlib" / "grading").glob("*.py"))
    assert grading == ["__init__", "checks", "guard", "hidden"]


# what the graded kernel has to import the recording package with: the sandbox shows it
# the Python installation and gradlib's edition, of gradlib_course only this package
KERNEL_IMPORTS = set(sys.stdlib_module_names) | {"numpy", "IPython", "gradlib"}
RECORDING = sorted((LIB / "gradlib_course" / "recording").rglob("*.py"))


@pytest.mark.parametrize("path", RECORDING, ids=_name)
def test_the_recording_package_imports_only_what_a_graded_kernel_has(path):
    found = {m for m in _imports(path, project_only=False) if m}
    wrong = sorted(
        m for m in found if m.split(".")[0] not in KERNEL_IMPORTS and _layer(m) != "recording"
    )
    assert not wrong, f"{_name(path)} runs in the graded kernel and must not import {wrong}"


def test_the_instructors_package_runs_nothing_when_the_kernel_imports_it():
    tree = ast.parse((LIB / "gradlib_course" / "__init__.py").read_text())
    assert all(isinstance(n, ast.Expr) for n in tree.body), "only a docstring"
