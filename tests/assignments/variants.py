"""Wrong solutions of every assignment, used to prove the hidden tests catch real mistakes.

Each file ``wrong_solutions/<anything>.py`` defines ``ASSIGNMENT`` (the folder name in
``solutions/``), ``VARIANTS``, a list of :class:`Variant`, and ``PROBES``, random
inputs for each function the students write (used by mutation testing). A variant replaces the
source of ONE solution cell of the source notebook; grading it must cost exactly the
points of the test cell it names, and nothing else.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Variant:
    student: str  # the submission's student id: says what is wrong
    cell: str  # grade_id of the solution cell that is replaced
    tests: str  # grade_id of the test cell that must lose its points
    source: str  # the wrong solution cell


def _modules():
    for path in sorted((HERE / "wrong_solutions").glob("*.py")):
        spec = importlib.util.spec_from_file_location(f"wrong_solutions.{path.stem}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        yield module


def load_variants() -> dict[str, list[Variant]]:
    """``{assignment: [Variant, ...]}`` from every module in ``wrong_solutions/``."""
    found: dict[str, list[Variant]] = {}
    for module in _modules():
        found.setdefault(module.ASSIGNMENT, []).extend(module.VARIANTS)
    return found


def load_probes() -> dict[str, dict]:
    """``{assignment: {function name: make_input(rng) -> (args, kwargs)}}``.

    The probes feed random inputs to the students' functions in mutation testing
    (see ``mutation.py``); each ``wrong_solutions`` module defines ``PROBES``.
    """
    found: dict[str, dict] = {}
    for module in _modules():
        found.setdefault(module.ASSIGNMENT, {}).update(getattr(module, "PROBES", {}))
    return found
