"""Mutation testing of the hidden tests: do they notice when the solution changes?

For every solution cell of a source notebook, small edits (mutants) are made to
the code inside ``### BEGIN SOLUTION`` ... ``### END SOLUTION``: an operator
swapped, a comparison loosened, a constant changed, a minus sign dropped. Each
mutant is then

1. *probed*: the mutated function and the original are called on the same random
   inputs (the ``PROBES`` of the assignment's module in ``tests/samples``);
   a mutant whose outputs never differ is equivalent and not counted;
2. *graded*: all the notebook's cells run in-process (fast: no kernel, no
   nbgrader), and the mutant is *killed* when a test cell of its part fails.

The score of an assignment is killed / behaviour-changing mutants.
"""

from __future__ import annotations

import ast
import copy
import json
import signal
import sys
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext, redirect_stderr, redirect_stdout
from dataclasses import dataclass
from io import StringIO
from pathlib import Path

import nbformat
import numpy as np
from gradlib_course.judge import judge_notebook, program_from_notebook
from gradlib_course.kernel_cells import kernel_cell
from gradlib_course.recording import wire
from gradlib_course.recording.recorder import recording
from nbformat.v4 import new_output

_SWAP_BINOP = {
    ast.Add: ast.Sub,
    ast.Sub: ast.Add,
    ast.Mult: ast.Div,
    ast.Div: ast.Mult,
    ast.Pow: ast.Mult,
    ast.FloorDiv: ast.Div,
    ast.MatMult: ast.Mult,
}
_SWAP_CMP = {
    ast.Gt: ast.GtE,
    ast.GtE: ast.Gt,
    ast.Lt: ast.LtE,
    ast.LtE: ast.Lt,
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
    ast.Is: ast.IsNot,
    ast.IsNot: ast.Is,
}
_SWAP_BOOL = {ast.And: ast.Or, ast.Or: ast.And}


@dataclass
class Mutant:
    cell: str  # grade_id of the mutated solution cell
    line: int  # line in the cell
    description: str
    source: str  # the whole mutated cell
    changes_behaviour: bool = False
    killed: bool = False


def _cell_source(cell: dict) -> str:
    src = cell["source"]
    return "".join(src) if isinstance(src, list) else src


def _region_lines(source: str) -> set[int]:
    """1-based line numbers strictly inside BEGIN/END SOLUTION markers."""
    inside, lines = False, set()
    for number, line in enumerate(source.splitlines(), start=1):
        if "### BEGIN SOLUTION" in line:
            inside = True
        elif "### END SOLUTION" in line:
            inside = False
        elif inside:
            lines.add(number)
    return lines


class _Mutator(ast.NodeTransformer):
    """Applies the ``target``-th possible mutation (or counts them when target is None)."""

    def __init__(self, lines: set[int], target: int | None):
        self.lines, self.target, self.count, self.done = lines, target, 0, None

    def _hit(self, node, description: str) -> bool:
        if getattr(node, "lineno", None) not in self.lines:
            return False
        hit = self.count == self.target
        if hit:
            self.done = (node.lineno, description)
        self.count += 1
        return hit

    def visit_BinOp(self, node):
        self.generic_visit(node)
        new = _SWAP_BINOP.get(type(node.op))
        if new and self._hit(node, f"{type(node.op).__name__} -> {new.__name__}"):
            node.op = new()
        return node

    def visit_AugAssign(self, node):
        self.generic_visit(node)
        new = _SWAP_BINOP.get(type(node.op))
        if new and self._hit(node, f"augmented {type(node.op).__name__} -> {new.__name__}"):
            node.op = new()
        return node

    def visit_Compare(self, node):
        self.generic_visit(node)
        new = _SWAP_CMP.get(type(node.ops[0]))
        if new and self._hit(node, f"{type(node.ops[0]).__name__} -> {new.__name__}"):
            node.ops = [new(), *node.ops[1:]]
        return node

    def visit_BoolOp(self, node):
        self.generic_visit(node)
        new = _SWAP_BOOL[type(node.op)]
        if self._hit(node, f"{type(node.op).__name__} -> {new.__name__}"):
            node.op = new()
        return node

    def visit_UnaryOp(self, node):
        self.generic_visit(node)
        if isinstance(node.op, (ast.USub, ast.Not)) and self._hit(
            node, f"drop {type(node.op).__name__}"
        ):
            return node.operand
        return node

    def visit_Constant(self, node):
        value = node.value
        if isinstance(value, bool):
            if self._hit(node, f"{value} -> {not value}"):
                return ast.copy_location(ast.Constant(not value), node)
        elif isinstance(value, (int, float)):
            new = value + 1 if isinstance(value, int) else (value * 2 if value else 1.0)
            if self._hit(node, f"{value!r} -> {new!r}"):
                return ast.copy_location(ast.Constant(new), node)
        return node


def mutants_of(cell_id: str, source: str) -> Iterator[Mutant]:
    """Every single-edit mutant of the solution region of one cell."""
    lines = _region_lines(source)
    tree = ast.parse(source)
    counter = _Mutator(lines, None)
    counter.visit(copy.deepcopy(tree))
    for k in range(counter.count):
        mutator = _Mutator(lines, k)
        mutated = ast.fix_missing_locations(mutator.visit(copy.deepcopy(tree)))
        line, description = mutator.done
        yield Mutant(cell_id, line, description, ast.unparse(mutated))


class _Timeout(Exception):
    pass


@contextmanager
def _time_limit(seconds: float):
    def handler(signum, frame):
        raise _Timeout()

    old = signal.signal(signal.SIGALRM, handler)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def _transform(source: str) -> str:
    from IPython.core.inputtransformer2 import TransformerManager

    return TransformerManager().transform_cell(source)


def run_notebook(
    cells: list[dict], seconds: float = 20.0, *, judged: bool = False, program=None
) -> tuple[dict, dict[str, bool]]:
    """Execute code cells in one fresh namespace; ``{grade_id: passed}`` of the test cells.

    A cell that raises fails (test cells) or is recorded and skipped (others), as a
    kernel would continue; the whole run is bounded by ``seconds``.  With ``judged``
    the run is graded the way ``gradlib-course`` grades: the cells run with hidden
    tests recording, first, and without their answer key (:func:`kernel_cell`), and then
    :func:`gradlib_course.judge.judge_notebook` judges the recorded results in a
    namespace of its own, with the trusted ``program`` (default: the cells' own).
    """
    namespace: dict = {"__name__": "__main__"}
    results: dict[str, bool] = {}
    executed: list[dict] = []
    sink = StringIO()
    try:
        with (
            _time_limit(seconds),
            redirect_stdout(sink),
            redirect_stderr(sink),
            warnings.catch_warnings(),
            np.errstate(all="ignore"),
        ):
            warnings.simplefilter("ignore")
            for cell in cells:
                if cell["cell_type"] != "code":
                    continue
                meta = cell.get("metadata", {}).get("nbgrader", {})
                source = _cell_source(cell)
                outputs: list[dict] = []
                if judged and meta.get("grade"):
                    source = kernel_cell(source)

                def emit(payload, outputs=outputs):  # through JSON, as a kernel's output goes
                    data = {wire.MIME: json.loads(json.dumps(payload))}
                    outputs.append(new_output("display_data", data=data))

                try:
                    with recording(emit) if judged else nullcontext():
                        exec(compile(_transform(source), "<cell>", "exec"), namespace)
                    ok = True
                except _Timeout:
                    raise
                except BaseException as exc:  # noqa: BLE001 - a student's cell may raise anything
                    ok = False
                    outputs.append(new_output("error", ename=type(exc).__name__, evalue=str(exc)))
                if meta.get("grade"):
                    results[meta["grade_id"]] = ok
                executed.append({**copy.deepcopy(cell), "outputs": outputs})
    except _Timeout:
        pass  # cells not reached count as failed below
    if judged:
        nb = nbformat.from_dict(
            {"cells": executed, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
        )
        with _time_limit(seconds), np.errstate(all="ignore"):
            judge_notebook(nb, program or program_from_notebook(cells))
        for cell in nb.cells:
            gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
            if gid in results:
                results[gid] = not any(o.get("output_type") == "error" for o in cell.outputs)
    return namespace, results


def _same(a, b) -> bool:
    if isinstance(a, BaseException) or isinstance(b, BaseException):
        return type(a) is type(b)
    if isinstance(a, (tuple, list)) and isinstance(b, (tuple, list)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    try:
        with np.errstate(all="ignore"):
            x, y = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
            return x.shape == y.shape and bool(
                np.allclose(x, y, rtol=1e-9, atol=1e-12, equal_nan=True)
            )
    except (TypeError, ValueError):
        return a == b


def _call(func: Callable, args, kwargs):
    try:
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return func(*copy.deepcopy(args), **copy.deepcopy(kwargs))
    except Exception as exc:  # noqa: BLE001
        return exc


def _differs(
    original_ns: dict, mutant_ns: dict, probes: dict[str, Callable], n_probes: int
) -> bool:
    """Whether any probed function returns something else (or hangs) under the mutant."""
    rng = np.random.default_rng(20261122)
    try:
        with _time_limit(10.0):
            for name, make_input in probes.items():
                if name not in original_ns or name not in mutant_ns:
                    continue
                for _ in range(n_probes):
                    args, kwargs = make_input(rng)
                    before = _call(original_ns[name], args, kwargs)
                    if not _same(before, _call(mutant_ns[name], args, kwargs)):
                        return True
    except _Timeout:
        return True
    return False


def mutation_report(
    notebook: Path, probes: dict[str, Callable], n_probes: int = 60, *, judged: bool = False
) -> list[Mutant]:
    """All mutants of a source notebook, each marked behaviour-changing and/or killed.

    ``judged``: grade each mutant as ``gradlib-course`` does (see :func:`run_notebook`).
    """
    nb = json.loads(Path(notebook).read_text())
    original_ns, baseline = run_notebook(nb["cells"], judged=judged)
    if not baseline or not all(baseline.values()):
        failed = sorted(k for k, ok in baseline.items() if not ok)
        raise AssertionError(f"{notebook}: the source notebook itself fails {failed}")
    mutants = []
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 3000))
    for index, cell in enumerate(nb["cells"]):
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if cell["cell_type"] != "code" or not meta.get("solution"):
            continue
        for mutant in mutants_of(meta["grade_id"], _cell_source(cell)):
            cells = copy.deepcopy(nb["cells"])
            cells[index]["source"] = mutant.source
            mutant_ns, results = run_notebook(cells, judged=judged)
            mutant.killed = any(not results.get(gid, False) for gid in baseline)
            mutant.changes_behaviour = _differs(original_ns, mutant_ns, probes, n_probes)
            mutants.append(mutant)
    return mutants
