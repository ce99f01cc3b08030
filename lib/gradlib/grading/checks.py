"""Comparison helpers for the graded notebooks' tests.

A failing check raises ``AssertionError`` with a message a student can act on:
what was compared, the expected and received shapes, and where it differs.  A
visible test (its expected value is in the cell the student reads) says
``expected 0.7, got 0.747`` (at which index, for arrays); inside a hidden test's
check (:func:`hiding_expected`, which :func:`gradlib.grading.hidden_tests` sets)
the message gives only the size of the largest error -- never the hidden test's
inputs or expected values.
The checks also silence numpy's floating-point warnings, because nbgrader
scores a test cell that writes anything to stderr as zero.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

import numpy as np

__all__ = ["check_close", "check_sequence_close", "hiding_expected", "quiet"]

_HIDDEN: ContextVar[bool] = ContextVar("gradlib_grading_hidden", default=False)


@contextmanager
def hiding_expected() -> Iterator[None]:
    """Within this block, failing checks do not show the expected values (hidden tests)."""
    token = _HIDDEN.set(True)
    try:
        yield
    finally:
        _HIDDEN.reset(token)


def _pair(expected: float, got: float) -> str:
    """``expected 0.7, got 0.747`` with as many digits as it takes to tell them apart."""
    for digits in (6, 10, 17):
        e, g = f"{expected:.{digits}g}", f"{got:.{digits}g}"
        if e != g:
            break
    return f"expected {e}, got {g}"


def quiet():
    """A context manager that silences numpy floating-point warnings (``np.errstate``)."""
    return np.errstate(all="ignore")


def _as_array(what: str, value) -> np.ndarray:
    if value is None:
        raise AssertionError(f"{what}: your code returned None -- did you forget a `return`?")
    try:
        with quiet():
            return np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise AssertionError(
            f"{what}: expected numbers, got {type(value).__name__} ({exc})"
        ) from None


def check_close(what: str, got, expected, *, rtol: float = 1e-6, atol: float = 1e-9) -> None:
    """Assert ``got`` equals ``expected`` elementwise within ``atol + rtol * |expected|``.

    Parameters
    ----------
    what : str
        What is compared, in the student's terms ("dL/dw for a neuron with 3 inputs").
    got, expected : array_like
        The student's result and the reference result.
    """
    got_a, exp_a = _as_array(what, got), np.asarray(expected, dtype=np.float64)
    if got_a.shape != exp_a.shape:
        raise AssertionError(f"{what}: expected shape {exp_a.shape}, got shape {got_a.shape}")
    with quiet():
        if not np.all(np.isfinite(got_a)):
            bad = int(np.sum(~np.isfinite(got_a)))
            raise AssertionError(f"{what}: {bad} of your {got_a.size} values are NaN or infinite")
        err = np.abs(got_a - exp_a)
        tol = atol + rtol * np.abs(exp_a)
        if np.all(err <= tol):
            return
        worst = int(np.argmax(err - tol))
    index = tuple(int(i) for i in np.unravel_index(worst, exp_a.shape))
    where = "" if exp_a.ndim == 0 else f" at index {index}"
    outside = int(np.sum(err > tol))
    tolerance = f"atol={atol:g}, rtol={rtol:g}"
    if _HIDDEN.get():
        raise AssertionError(
            f"{what}: differs from the reference; max abs error {err.max():.3g}{where} "
            f"({outside} of {exp_a.size} values outside the tolerance {tolerance})"
        )
    pair = _pair(float(exp_a[index]), float(got_a[index]))
    if exp_a.ndim == 0:
        raise AssertionError(f"{what}: {pair} (tolerance {tolerance})")
    raise AssertionError(
        f"{what}:{where} {pair} ({outside} of {exp_a.size} values outside the tolerance "
        f"{tolerance})"
    )


def check_sequence_close(what: str, got, expected, *, rtol: float = 1e-6, atol: float = 1e-9):
    """Like :func:`check_close` for a trajectory: report the first step that differs."""
    got_a, exp_a = _as_array(what, got), np.asarray(expected, dtype=np.float64)
    if got_a.shape != exp_a.shape:
        raise AssertionError(f"{what}: expected shape {exp_a.shape}, got shape {got_a.shape}")
    for k in range(exp_a.shape[0]):
        check_close(f"{what}, step {k}", got_a[k], exp_a[k], rtol=rtol, atol=atol)
