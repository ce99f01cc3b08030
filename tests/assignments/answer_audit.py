"""Does the student's kernel hold a hidden test's answer?  The values, and the literals.

Under ``gradlib-course`` the graded kernel receives the trusted cells without their
answer key (:func:`gradlib_course.kernel_cells.kernel_cell`): instructor cells, visible
tests, and of each hidden test its cases and runs.  None of that may contain the
values the hidden tests expect, or a submission could read them there.

* :func:`expected_values` -- what the hidden tests expect: the ``expected`` argument of
  every :func:`~gradlib.grading.check_close` (and ``check_sequence_close``) their answer
  key makes, with the full library, on the hidden cases -- the judge's computation (in
  a fresh interpreter: ``python answer_audit.py notebook.ipynb`` prints them as JSON);
  beside them the values the visible checks compare with, which the visible text shows
  on purpose.
* :func:`kernel_literals` -- the numbers written in the kernel-side sources (constants,
  constant expressions such as ``2 / 11``, numbers inside strings), each with the number
  of significant digits it was written with.
* :func:`leaks` -- the hidden expected values that a kernel-side literal holds, apart
  from values the visible checks show.  A literal holds a value when it is close enough
  to pass the check (``check_close``'s default relative tolerance) and written with
  enough digits to be a computed result rather than a number someone typed
  (:data:`DIGITS`): hyper-parameters such as 0.9, 0.995 or 1e-8, and round results such
  as 0.25, are everywhere in test code and give nothing away.  Integers are not counted.

The kernel-side sources are :func:`kernel_sources` of the trusted program, as
:mod:`gradlib_course.edition` reads them: what the graded kernel is sent.
"""

from __future__ import annotations

import ast
import json
import math
import operator
import re
import subprocess
import sys
from pathlib import Path

import numpy as np

RTOL = 1e-6  # a literal this close to an expected value would pass check_close's default
DIGITS = 4  # significant digits from which a literal counts as a computed value


# --- what the hidden tests expect (in a fresh interpreter, with the full library) ----------


def _record(path: str) -> dict:
    """Run the source notebook in-kernel; the ``expected`` of every check, per cell and side."""
    import contextlib
    import io
    import warnings

    from IPython.core.inputtransformer2 import TransformerManager

    import gradlib.grading
    import gradlib.grading.checks as checks
    import gradlib.grading.hidden as hidden

    found: dict[str, dict[str, list]] = {}
    state = {"cell": None, "hidden": 0}

    def note(expected):
        try:
            values = np.asarray(expected, dtype=float).ravel()
        except (TypeError, ValueError):
            return
        side = "hidden" if state["hidden"] else "visible"
        found.setdefault(state["cell"], {"hidden": [], "visible": []})[side].extend(
            float(v) for v in values
        )

    original_close, original_sequence = checks.check_close, checks.check_sequence_close
    original_verify = hidden.HiddenTest.verify

    def check_close(what, got, expected, **kw):
        note(expected)
        return original_close(what, got, expected, **kw)

    def check_sequence_close(what, got, expected, **kw):
        note(expected)
        return original_sequence(what, got, expected, **kw)

    def verify(*args, **kw):
        state["hidden"] += 1
        try:
            return original_verify(*args, **kw)
        finally:
            state["hidden"] -= 1

    for module in (checks, gradlib.grading):
        module.check_close, module.check_sequence_close = check_close, check_sequence_close
    hidden.HiddenTest.verify = verify

    cells = json.loads(Path(path).read_text())["cells"]
    namespace: dict = {"__name__": "__main__"}
    transform = TransformerManager().transform_cell
    for cell in cells:
        if cell["cell_type"] != "code":
            continue
        source = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
        state["cell"] = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        with (
            contextlib.redirect_stdout(io.StringIO()),
            warnings.catch_warnings(),
            np.errstate(all="ignore"),
        ):
            warnings.simplefilter("ignore")
            exec(compile(transform(source), f"<{state['cell']}>", "exec"), namespace)  # noqa: S102
    return found


def expected_values(notebook: Path) -> dict[str, dict[str, list[float]]]:
    """``{cell: {"hidden": [...], "visible": [...]}}``: the values the checks compare with."""
    proc = subprocess.run(
        [sys.executable, __file__, str(notebook)],
        capture_output=True, text=True, timeout=900, check=False,
    )  # fmt: skip
    if proc.returncode != 0:
        raise RuntimeError(f"{notebook.name} did not run: {proc.stderr[-3000:]}")
    return json.loads(proc.stdout)


# --- the numbers written in the kernel-side code -----------------------------------------


def kernel_sources(program: list[dict]) -> list[tuple[str, str]]:
    """``(cell, code)`` of what the student's kernel is sent of a notebook's trusted cells."""
    from gradlib_course.kernel_cells import kernel_cell

    return [
        (
            entry["name"],
            kernel_cell(entry["source"]) if entry["kind"] == "test" else entry["source"],
        )
        for entry in program
    ]


_OPERATORS = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.Pow: operator.pow,
    ast.USub: operator.neg,
    ast.UAdd: operator.pos,
}
_NUMBER = re.compile(r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?")


def _digits(text: str) -> int:
    """Significant digits of a number as written (``0.0505`` -> 3, ``1e-08`` -> 1)."""
    mantissa = re.split(r"[eE]", text.lstrip("+-"))[0].replace(".", "")
    return len(mantissa.strip("0")) or 1


def _constant(node: ast.AST):
    """``(value, digits)`` of a constant arithmetic expression (``-0.5``, ``2 / 11``), else None.

    The digits of an expression are those of its longest operand: ``2 / 11`` is typed, not
    a result copied in.
    """
    if isinstance(node, ast.Constant):
        value = node.value
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return value, _digits(repr(value))
        return None
    if isinstance(node, ast.UnaryOp) and type(node.op) in _OPERATORS:
        inner = _constant(node.operand)
        return None if inner is None else (_OPERATORS[type(node.op)](inner[0]), inner[1])
    if isinstance(node, ast.BinOp) and type(node.op) in _OPERATORS:
        left, right = _constant(node.left), _constant(node.right)
        if left is None or right is None:
            return None
        try:
            value = _OPERATORS[type(node.op)](left[0], right[0])
        except (ArithmeticError, ValueError, OverflowError):
            return None
        if isinstance(value, (int, float)) and abs(value) < 1e300:
            return value, max(left[1], right[1])
    return None


def kernel_literals(source: str) -> dict[float, int]:
    """Every number written in ``source`` -> its significant digits (the most, if repeated).

    Constants, constant expressions and numbers inside strings (messages, tables).
    """
    out: dict[float, int] = {}

    def add(value, digits):
        value = float(value)
        if math.isfinite(value):
            out[value] = max(digits, out.get(value, 0))

    for node in ast.walk(ast.parse(source)):
        found = _constant(node)
        if found is not None:
            add(*found)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            for text in _NUMBER.findall(node.value):
                add(float(text), _digits(text))
    return out


# --- the audit ------------------------------------------------------------------------------


def _near(value: float, pool: np.ndarray) -> bool:
    return pool.size > 0 and bool(np.any(np.abs(pool - value) <= RTOL * abs(value)))


def leaks(expected: dict, kernel_sources: list[tuple[str, str]]) -> list[str]:
    """Each hidden expected value written in a kernel-side source (see the module doc)."""
    shown = np.array(sorted({v for e in expected.values() for v in e["visible"]}))
    found = []
    for cell, code in kernel_sources:
        written = kernel_literals(code)
        literals = np.array(sorted(v for v, digits in written.items() if digits >= DIGITS))
        if literals.size == 0:
            continue
        for test_cell, values in expected.items():
            for value in sorted(set(values["hidden"])):
                if not math.isfinite(value) or value == round(value):
                    continue
                if _near(value, literals) and not _near(value, shown):
                    found.append(
                        f"cell {cell} holds {value!r}, which the hidden tests of {test_cell} expect"
                    )
    return found


if __name__ == "__main__":
    json.dump(_record(sys.argv[1]), sys.stdout)
