"""Wrong and correct-but-different solutions of every assignment.

Each module ``aNN_<name>.py`` of this package defines ``ASSIGNMENT`` (the folder name in
``solutions/``), ``VARIANTS``, a list of :class:`Variant`, ``ALTERNATIVES``, a list of
:class:`Alternative`, and ``PROBES``, random inputs for each function the students
write (used by mutation testing).

* A variant replaces the source of ONE solution cell of the source notebook with a
  realistic mistake; grading it must cost exactly the points of the test cell it
  names, and nothing else -- in-kernel and judged outside the kernel alike.
* An alternative is a *correct* solution written in another style than the reference
  (loops instead of vectorised code, another order of operations, copies, ``dict(...)``
  states, numpy or Python scalars, prints, extra helpers and cells); it must get full
  marks, in-kernel and judged.
"""

from __future__ import annotations

import importlib
import json
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Variant:
    student: str  # the submission's student id: says what is wrong
    cell: str  # grade_id of the solution cell that is replaced
    tests: str  # grade_id of the test cell that must lose its points
    source: str  # the wrong solution cell


@dataclass(frozen=True)
class Alternative:
    student: str  # the submission's student id: says what style it is written in
    cells: dict  # grade_id of a solution cell -> its new source (several cells at once)
    style: str  # one line: how it differs from the reference solution
    added: tuple = ()  # (grade_id of the cell it follows, source) of extra code cells


def _modules():
    """The per-assignment modules of this package (``a01_chain_rule``, ...)."""
    for path in sorted(HERE.glob("a[0-9][0-9]_*.py")):
        yield importlib.import_module(f"{__package__}.{path.stem}")


def load_variants() -> dict[str, list[Variant]]:
    """``{assignment: [Variant, ...]}`` from every assignment's module."""
    found: dict[str, list[Variant]] = {}
    for module in _modules():
        found.setdefault(module.ASSIGNMENT, []).extend(module.VARIANTS)
    return found


def load_alternatives() -> dict[str, list[Alternative]]:
    """``{assignment: [Alternative, ...]}`` from every assignment's module."""
    found: dict[str, list[Alternative]] = {}
    for module in _modules():
        found.setdefault(module.ASSIGNMENT, []).extend(getattr(module, "ALTERNATIVES", []))
    return found


def apply_alternative(notebook: dict, alternative: Alternative) -> dict:
    """A copy of the source ``notebook`` with ``alternative``'s cells in place."""
    nb = json.loads(json.dumps(notebook))
    ids = [c.get("metadata", {}).get("nbgrader", {}).get("grade_id") for c in nb["cells"]]
    for grade_id, source in alternative.cells.items():
        if grade_id not in ids:
            raise KeyError(f"{alternative.student}: no cell {grade_id!r}")
        nb["cells"][ids.index(grade_id)]["source"] = source
    for after, source in reversed(alternative.added):
        if after not in ids:
            raise KeyError(f"{alternative.student}: no cell {after!r} to add a cell after")
        cell = {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": []}
        nb["cells"].insert(ids.index(after) + 1, {**cell, "source": source})
    return nb


def load_probes() -> dict[str, dict]:
    """``{assignment: {function name: make_input(rng) -> (args, kwargs)}}``.

    The probes feed random inputs to the students' functions in mutation testing
    (see ``mutation.py``); each ``wrong_solutions`` module defines ``PROBES``.
    """
    found: dict[str, dict] = {}
    for module in _modules():
        found.setdefault(module.ASSIGNMENT, {}).update(getattr(module, "PROBES", {}))
    return found
