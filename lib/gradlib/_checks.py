"""Input validation shared by the array modules of gradlib.

Every helper raises ``TypeError`` (wrong kind of object) or ``ValueError``
(right kind, wrong value or shape) with a message that names the argument, what
was expected and what was given.  The only check that looks at every element,
:func:`check_finite`, costs one BLAS pass over the data.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

__all__ = [
    "as_generator",
    "check_finite",
    "check_float_dtype",
    "check_positive_int",
    "check_real",
    "numeric_array",
]


def numeric_array(x, name: str, *, ndim: int | None = None, what: str = "") -> np.ndarray:
    """``x`` as a real numeric ndarray (no copy if it already is one), with ``ndim`` checked.

    ``what`` describes the expected shape in the error message, e.g. ``"(B, 3)"``.
    Booleans, strings, objects and complex numbers are refused (``TypeError``).
    """
    arr = x if isinstance(x, np.ndarray) else np.asarray(x)
    if arr.dtype.kind not in "iuf":
        raise TypeError(
            f"{name} must be an array of real numbers, got dtype {arr.dtype} ({type(x).__name__})"
        )
    if ndim is not None and arr.ndim != ndim:
        expected = f"of shape {what}" if what else ""
        raise ValueError(f"{name} must be a {ndim}-D array {expected}, got shape {arr.shape}")
    return arr


def check_finite(arr: np.ndarray, name: str) -> None:
    """Raise ``ValueError`` if ``arr`` holds a NaN or an infinity.

    ``arr . arr`` is finite exactly when every entry is, unless the sum of squares
    overflows (entries beyond about 1e154 in float64, 1e19 in float32): that is one
    BLAS pass without a temporary array, and the exact elementwise test runs only
    when it is not finite.
    """
    if arr.dtype.kind != "f":
        return
    if math.isfinite(np.vdot(arr, arr)) or np.isfinite(arr).all():
        return
    bad = np.argwhere(~np.isfinite(arr))[0]
    raise ValueError(
        f"{name} must contain only finite numbers, got {arr[tuple(bad)]} at index "
        f"{tuple(int(i) for i in bad)}"
    )


def check_float_dtype(dtype, name: str = "dtype") -> np.dtype:
    """``dtype`` as a numpy floating dtype (float32 or float64)."""
    try:
        dt = np.dtype(dtype)
    except TypeError as err:
        raise TypeError(f"{name} must be a numpy float dtype, got {dtype!r}") from err
    if dt not in (np.dtype(np.float32), np.dtype(np.float64)):
        raise TypeError(f"{name} must be float32 or float64, got {dt}")
    return dt


def check_positive_int(n, name: str) -> int:
    """``n`` as a Python int, refusing booleans, floats and values < 1."""
    if isinstance(n, bool) or not isinstance(n, numbers.Integral):
        raise TypeError(f"{name} must be a positive integer, got {type(n).__name__}: {n!r}")
    if n < 1:
        raise ValueError(f"{name} must be a positive integer, got {n}")
    return int(n)


def check_real(x, name: str, *, low=None, high=None, high_open: bool = False) -> float:
    """``x`` as a finite Python float within ``[low, high]`` (or ``[low, high)``)."""
    if isinstance(x, bool) or not isinstance(x, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(x).__name__}: {x!r}")
    x = float(x)
    if not np.isfinite(x):
        raise ValueError(f"{name} must be finite, got {x}")
    too_high = high is not None and (x >= high if high_open else x > high)
    if (low is not None and x < low) or too_high:
        interval = f"[{low}, {high}{')' if high_open else ']'}" if high is not None else f">= {low}"
        raise ValueError(f"{name} must be in {interval}, got {x}")
    return x


def as_generator(seed) -> np.random.Generator:
    """A ``numpy.random.Generator`` from ``None`` (fresh entropy), an int seed or a Generator.

    A Generator passed in is used as is (not copied), so several objects can share
    one stream; numpy's global random state is never touched.
    """
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is None or (isinstance(seed, numbers.Integral) and not isinstance(seed, bool)):
        if seed is not None and seed < 0:
            raise ValueError(f"seed must be a non-negative integer, got {seed}")
        return np.random.default_rng(seed)
    raise TypeError(
        f"seed must be None, a non-negative int or a numpy.random.Generator, "
        f"got {type(seed).__name__}: {seed!r}"
    )
