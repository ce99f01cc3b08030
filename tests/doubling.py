"""A small hidden test for the tests of hidden tests: the student's code must double ``x``.

Shared by the notebook's side (``tests/lib/test_grading_hidden.py``) and the
grader's (``tests/course/test_recording.py``).
"""

from __future__ import annotations

import numpy as np

from gradlib.grading import check_close, grader_only


def cases():
    """Five cases, ``("trial k", x)`` with ``x`` of 3 seeded random numbers."""
    rng = np.random.default_rng(0)
    for trial in range(5):
        yield f"trial {trial}", rng.normal(size=3)


def make(student):
    """``(run, check)`` of the hidden test of ``student(x)``, the function said to double."""

    def run(x):
        return student(x)

    @grader_only
    def check(what, got, x):
        check_close(f"2x for {what}", got, 2 * x)

    return run, check
