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
import re
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


# --- one screen per idea: a public call reaches its equation in its own file ---------------------
REFERENCE = [p for p in MODULES if _layer(_name(p)) == "reference"]
VALIDATION = LIB / "gradlib" / "_checks.py"
INLINE_INTEGER_CHECK = re.compile(r"isinstance\([^)]*(numbers\.Integral|np\.integer)")


def test_the_reference_modules_are_found():
    names = {_name(p) for p in REFERENCE}
    assert {"gradlib._checks", "gradlib.nn", "gradlib.optim.sgd", "gradlib.schedules"} <= names


@pytest.mark.parametrize("path", REFERENCE, ids=_name)
def test_integer_checks_are_written_once_in_the_validation_module(path):
    """Counts (steps, epochs, periods, patience, n...) are checked by ``_checks.check_count``,
    ``check_int`` or ``check_positive_int``, not by another inline copy of the test."""
    if path == VALIDATION:
        assert len(INLINE_INTEGER_CHECK.findall(path.read_text())) >= 3
        return
    inline = [
        f"{_name(path)}:{i}"
        for i, line in enumerate(path.read_text().splitlines(), start=1)
        if INLINE_INTEGER_CHECK.search(line)
    ]
    assert not inline, f"an integer check written again outside _checks.py: {inline}"


def _defined_functions(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    return {n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)}


def test_persistence_lives_in_its_own_module_not_beside_the_update_rules():
    optim = LIB / "gradlib" / "optim"
    for path in sorted(optim.glob("*.py")):
        found = _defined_functions(path) & {"state_dict", "load_state_dict"}
        if path.name == "state_dict.py":
            assert found == {"state_dict", "load_state_dict"}
        else:
            assert not found, f"{path.name} defines {sorted(found)}: they belong in state_dict.py"
            assert "deepcopy" not in path.read_text(), path.name


def test_each_first_order_optimizer_holds_its_constructor_state_and_step():
    """Constructor, reset_state and step are the class's own: nothing between ``step`` and the
    update rule (no ``_update``, ``_init_state`` or ``hyperparameters`` convention)."""
    from gradlib import optim

    first_order = [
        cls
        for cls in vars(optim).values()
        if isinstance(cls, type)
        and issubclass(cls, optim.Optimizer)
        and cls not in (optim.Optimizer, optim.ClosureOptimizer)
        and not issubclass(cls, optim.ClosureOptimizer)
    ]
    assert {c.__name__ for c in first_order} >= {"SGD", "Adam", "Rprop", "QuickProp"}
    for cls in first_order:
        assert {"__init__", "reset_state", "step"} <= set(vars(cls)), cls.__name__
        for convention in ("_update", "_init_state", "hyperparameters"):
            assert not any(convention in vars(k) for k in cls.__mro__), (cls, convention)


def test_each_layer_writes_its_equations_in_its_public_forward_and_backward():
    from gradlib import nn

    layers = [nn.Linear, nn.ReLU, nn.LeakyReLU, nn.Sigmoid, nn.Tanh, nn.Identity, nn.Dropout]
    for cls in [*layers, nn.Sequential]:
        assert {"forward", "backward"} <= set(vars(cls)), cls.__name__
    protocol = {"_forward", "_backward", "_input_spec", "_output_spec", "_unchecked"}
    assert not _defined_functions(LIB / "gradlib" / "nn.py") & protocol
