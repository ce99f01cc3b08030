"""Comparison helpers for the graded notebooks' tests.

A failing check raises ``AssertionError`` with a message a student can act on:
what was compared, the expected and received shapes, and the size of the
largest error -- never the hidden test's inputs or the full expected array.
The checks also silence numpy's floating-point warnings, because nbgrader
scores a test cell that writes anything to stderr as zero.
"""

from __future__ import annotations

import inspect
import sys
import types

import numpy as np

__all__ = ["check_close", "check_sequence_close", "quiet", "ReferenceUsed", "call_student"]


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
    raise AssertionError(
        f"{what}: differs from the reference; max abs error {err.max():.3g}{where} "
        f"({int(np.sum(err > tol))} of {exp_a.size} values outside the tolerance "
        f"atol={atol:g}, rtol={rtol:g})"
    )


def check_sequence_close(what: str, got, expected, *, rtol: float = 1e-6, atol: float = 1e-9):
    """Like :func:`check_close` for a trajectory: report the first step that differs."""
    got_a, exp_a = _as_array(what, got), np.asarray(expected, dtype=np.float64)
    if got_a.shape != exp_a.shape:
        raise AssertionError(f"{what}: expected shape {exp_a.shape}, got shape {got_a.shape}")
    for k in range(exp_a.shape[0]):
        check_close(f"{what}, step {k}", got_a[k], exp_a[k], rtol=rtol, atol=atol)


class ReferenceUsed(AssertionError):
    """The student's function ran ``gradlib``'s implementation of the graded part."""


def _code_objects(obj, seen: set[int] | None = None) -> dict[types.CodeType, str]:
    """Code objects of a function, method, class (all its methods) or module (all it defines)."""
    seen = set() if seen is None else seen
    if id(obj) in seen:
        return {}
    seen.add(id(obj))
    obj = inspect.unwrap(obj) if callable(obj) else obj
    if isinstance(obj, (staticmethod, classmethod)):
        obj = obj.__func__
    if isinstance(obj, types.MethodType):
        obj = obj.__func__
    if isinstance(obj, types.FunctionType):
        codes = {obj.__code__: f"{obj.__module__}.{obj.__qualname__}"}
        for const in obj.__code__.co_consts:  # nested functions (e.g. backward closures)
            if isinstance(const, types.CodeType):
                codes[const] = f"{obj.__module__}.{obj.__qualname__}"
        return codes
    codes: dict[types.CodeType, str] = {}
    if isinstance(obj, type):
        for member in vars(obj).values():
            codes.update(_code_objects(member, seen))
    elif isinstance(obj, types.ModuleType):
        for member in vars(obj).values():
            if getattr(member, "__module__", None) == obj.__name__:
                codes.update(_code_objects(member, seen))
    elif isinstance(obj, property):
        for f in (obj.fget, obj.fset, obj.fdel):
            if f is not None:
                codes.update(_code_objects(f, seen))
    return codes


def call_student(what: str, func, *args, forbidden=(), **kwargs):
    """Call the student's ``func(*args, **kwargs)`` and make sure it is their own work.

    While ``func`` runs, every Python call is watched (``sys.setprofile``); if any
    of the ``forbidden`` functions, classes or modules of ``gradlib`` executes --
    however it was reached: imported, aliased, fetched with ``getattr`` -- the call
    fails with :class:`ReferenceUsed`, so the part earns no points. Numpy warnings
    are silenced (nbgrader scores a test that writes to stderr as zero).

    Returns what ``func`` returned. An exception raised by ``func`` propagates.
    """
    codes: dict[types.CodeType, str] = {}
    for obj in forbidden:
        codes.update(_code_objects(obj))
    if forbidden and not codes:
        raise ValueError(f"nothing to watch in forbidden={forbidden!r}")
    used: list[str] = []

    def watch(frame, event, arg):
        if event == "call" and frame.f_code in codes:
            used.append(codes[frame.f_code])

    previous = sys.getprofile()
    sys.setprofile(watch)
    try:
        with quiet():
            result = func(*args, **kwargs)
    finally:
        sys.setprofile(previous)
    if used:
        raise ReferenceUsed(
            f"{what}: your code runs gradlib's own implementation ({used[0]}). This part "
            "is graded on code you write yourself, so it earns no points while it calls "
            "the reference."
        )
    return result
