"""Input validation shared by the array modules of gradlib: the one place where it lives.

The layers, losses and optimizers check what a user passes in at the public
boundary (a constructor, ``forward``/``backward`` of a layer or ``Sequential``,
a loss's ``forward``) with these helpers, and then run
their equations on arrays known to be right.

Every helper raises ``TypeError`` (wrong kind of object) or ``ValueError``
(right kind, wrong value or shape) with a message that names the argument, what
was expected and what was given.
"""

from __future__ import annotations

import numbers

import numpy as np

__all__ = [
    "as_generator",
    "check_batch",
    "check_finite",
    "check_float_dtype",
    "check_grad_out",
    "check_labels",
    "check_positive_int",
    "check_real",
    "check_same_shape",
    "numeric_array",
]


# ---------------------------------------------------------------------- arrays
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
    """Raise ``ValueError`` if ``arr`` holds a NaN or an infinity (naming the first one)."""
    if arr.dtype.kind != "f" or np.isfinite(arr).all():
        return
    bad = np.argwhere(~np.isfinite(arr))[0]
    raise ValueError(
        f"{name} must contain only finite numbers, got {arr[tuple(bad)]} at index "
        f"{tuple(int(i) for i in bad)}"
    )


def check_batch(
    x, name: str, *, dtype=None, width: int | None = None, columns: str = "features"
) -> np.ndarray:
    """``x`` as a finite float array of shape ``(B, width)`` (any width if ``width`` is None).

    Integer arrays and lists are converted to ``dtype`` (default float64); a float
    array must already have ``dtype`` if one is given (the dtype of a layer's
    parameters).  ``columns`` names the second axis in messages when ``width`` is None.
    """
    arr = numeric_array(x, name, ndim=2, what=f"(B, {width or columns})")
    if arr.dtype.kind != "f":  # integers: plain data, converted
        arr = arr.astype(dtype or np.float64)
    if dtype is not None and arr.dtype != dtype:
        raise TypeError(
            f"{name} has dtype {arr.dtype} but the layer's parameters are {dtype}; "
            f"convert one of them (e.g. x.astype(np.{dtype}))"
        )
    if width is not None and arr.shape[1] != width:
        raise ValueError(f"{name} must have shape (B, {width}), got {arr.shape}")
    check_finite(arr, name)
    return arr


def check_grad_out(grad_out, name: str, shape: tuple, dtype) -> np.ndarray:
    """``grad_out`` as a finite array with exactly the ``shape`` and ``dtype`` of a forward output.

    Nothing broadcasts: a gradient of shape ``(1, n)`` for a batch of ``B`` rows is an error.
    """
    grad_out = numeric_array(grad_out, name)
    if grad_out.shape != shape:
        raise ValueError(
            f"{name} must have the shape of the last forward output {shape}, got {grad_out.shape}"
        )
    if grad_out.dtype != dtype:
        raise TypeError(
            f"{name} must have the dtype of the forward pass, {dtype}, got {grad_out.dtype}"
        )
    check_finite(grad_out, name)
    return grad_out


def check_same_shape(target, name: str, like: np.ndarray) -> np.ndarray:
    """``target`` as a finite array with the shape and dtype of ``like`` (no broadcasting).

    A target of another real dtype is converted to ``like``'s dtype.
    """
    t = numeric_array(target, name)
    if t.shape != like.shape:
        hint = ""
        if t.ndim == 1 and like.shape == (t.shape[0], 1):
            hint = "; reshape it with target.reshape(-1, 1)"
        raise ValueError(
            f"{name} must have the shape of the prediction {like.shape}, got {t.shape}{hint}"
        )
    t = t.astype(like.dtype, copy=False)
    check_finite(t, name)
    return t


def check_labels(labels: np.ndarray, name: str, classes: int) -> np.ndarray:
    """Integer class labels, each in ``0 .. classes - 1``."""
    if labels.dtype.kind not in "iu":
        raise TypeError(
            f"{name} must be integers, got dtype {labels.dtype}; "
            "use labels.astype(int) (or pass one-hot rows of shape (B, C))"
        )
    out_of_range = (labels < 0) | (labels >= classes)
    if out_of_range.any():
        raise ValueError(
            f"{name} must be in 0..{classes - 1} for {classes} classes, "
            f"got {labels[out_of_range][0]}"
        )
    return labels


# ---------------------------------------------------------------------- numbers
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


# ---------------------------------------------------------------------- randomness
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
