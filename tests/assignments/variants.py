"""Wrong solutions of every assignment, used to prove the hidden tests catch real mistakes.

Each file ``wrong_solutions/<anything>.py`` defines ``ASSIGNMENT`` (the folder name in
``solutions/``) and ``VARIANTS``, a list of :class:`Variant`. A variant replaces the
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


def load_variants() -> dict[str, list[Variant]]:
    """``{assignment: [Variant, ...]}`` from every module in ``wrong_solutions/``."""
    found: dict[str, list[Variant]] = {}
    for path in sorted((HERE / "wrong_solutions").glob("*.py")):
        spec = importlib.util.spec_from_file_location(f"wrong_solutions.{path.stem}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        found.setdefault(module.ASSIGNMENT, []).extend(module.VARIANTS)
    return found
