"""Input validation shared by the array modules of gradlib: the one place where it lives.

The layers, losses and optimizers check what a user passes in at the public
boundary (a constructor, ``forward``/``backward`` of a layer or ``Sequential``,
a loss's ``forward``, an optimizer's ``step``) with these helpers, and then run
their equations on arrays known to be right.

Every helper raises ``TypeError`` (wrong kind of object) or ``ValueError``
(right kind, wrong value or shape) with a message that names the argument, what
was expected and what was given.
"""

from __future__ import annotations

import contextlib
import contextvars
import numbers
from collections.abc import Sequence

import numpy as np

__all__ = [
    "as_generator",
    "as_parameter_list",
    "check_batch",
    "check_count",
    "check_counts",
    "check_flag",
    "check_forward_done",
    "check_finite",
    "check_float_dtype",
    "check_gradients",
    "check_int",
    "check_layer_grad",
    "check_layer_input",
    "check_labels",
    "check_number",
    "check_pair",
    "check_positive_int",
    "check_real",
    "check_same_shape",
    "neighbours_checked",
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


def check_samples(X, y, names: tuple[str, str] = ("X", "y")) -> tuple[np.ndarray, np.ndarray]:
    """``X`` and ``y`` as arrays holding the same number (at least one) of samples, one per row."""
    X, y = np.asarray(X), np.asarray(y)
    if X.ndim == 0 or y.ndim == 0:
        raise ValueError(
            f"{names[0]} and {names[1]} must be arrays with one row per sample, got shapes "
            f"{X.shape} and {y.shape}"
        )
    if len(X) != len(y):
        raise ValueError(
            f"{names[0]} and {names[1]} must have the same number of rows (samples), got "
            f"{len(X)} and {len(y)}"
        )
    if len(X) == 0:
        raise ValueError(f"{names[0]} and {names[1]} must hold at least one sample, got 0 rows")
    return X, y


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


# ---------------------------------------------------------------------- layers
_NEIGHBOURS_CHECKED = contextvars.ContextVar("gradlib_neighbours_checked", default=False)


@contextlib.contextmanager
def neighbours_checked():
    """Inside this block the layer checks below pass their arrays through unchecked.

    :class:`gradlib.nn.Sequential` checks the input of the whole network (and the
    gradient of its output) once, then runs its layers in this block: each layer's
    input is the output of the layer before, already right, and a network that
    diverges reaches the end of the forward pass, where :func:`gradlib.train.fit`
    reports the non-finite output with the epoch and batch.
    """
    token = _NEIGHBOURS_CHECKED.set(True)
    try:
        yield
    finally:
        _NEIGHBOURS_CHECKED.reset(token)


def check_layer_input(x, name: str, *, dtype=None, width: int | None = None) -> np.ndarray:
    """:func:`check_batch` of a layer's ``forward`` input (unchecked inside a Sequential)."""
    if _NEIGHBOURS_CHECKED.get():
        return x
    return check_batch(x, name, dtype=dtype, width=width)


def check_layer_grad(grad_out, name: str, saved, *, width: int | None = None) -> np.ndarray:
    """``grad_out`` of a layer's ``backward``, checked against what its ``forward`` stored.

    ``saved`` is the array the last ``forward`` stored (None before the first
    one); the forward output had its rows and dtype, and ``width`` columns (its
    own width if None).  ``grad_out`` must be finite with exactly that shape and
    dtype: nothing broadcasts, a gradient of shape ``(1, n)`` for a batch of ``B``
    rows is an error.  Unchecked inside a Sequential (see :func:`neighbours_checked`),
    except for the missing forward.
    """
    if saved is None:
        layer = name.split(".")[0]
        raise ValueError(f"{layer}.backward was called before forward: run forward(x) first")
    if _NEIGHBOURS_CHECKED.get():
        return grad_out
    shape = saved.shape if width is None else (*saved.shape[:-1], width)
    grad_out = numeric_array(grad_out, name)
    if grad_out.shape != shape:
        raise ValueError(
            f"{name} must have the shape of the last forward output {shape}, got {grad_out.shape}"
        )
    if grad_out.dtype != saved.dtype:
        raise TypeError(
            f"{name} must have the dtype of the forward pass, {saved.dtype}, got {grad_out.dtype}"
        )
    check_finite(grad_out, name)
    return grad_out


def check_forward_done(saved, owner: str):
    """``saved`` (what a ``forward`` stored for ``backward``), or the error if it is None."""
    if saved is None:
        raise ValueError(
            f"{owner}.backward was called before forward: run forward(prediction, target) first"
        )
    return saved


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


def check_count(owner: str, name: str, value, low: int = 0) -> int:
    """``value`` as a Python int ≥ ``low``: a number of steps, epochs, updates, dimensions.

    Booleans, floats and anything else are refused with ``ValueError``, like a
    count that is too small; the message starts with ``owner`` (who was called).
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < low:
        raise ValueError(f"{owner}: {name} must be an integer ≥ {low}, got {value!r}")
    return int(value)


def check_int(value, name: str, *, low: int, unit: str = "") -> int:
    """``value`` as a Python int ≥ ``low``: ``TypeError`` if no int, ``ValueError`` if smaller.

    ``unit`` names what is counted in the message (``"epochs"``).
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}: {value!r}")
    if value < low:
        raise ValueError(f"{name} must be ≥ {low}{' ' + unit if unit else ''}, got {value}")
    return int(value)


def check_counts(owner: str, name: str, t) -> np.ndarray:
    """``t``, an integer ≥ 0 or an array of them (epochs, updates), as an integer array."""
    arr = np.asarray(t)
    if arr.dtype.kind not in "iu" or np.any(arr < 0):
        raise ValueError(f"{owner}: {name} must be an integer ≥ 0 or an array of them, got {t!r}")
    return arr


def check_flag(value, name: str) -> bool:
    """``value`` if it is ``True`` or ``False`` (not 0, 1, None or a string), else ``TypeError``."""
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be True or False, got {value!r}")
    return value


def check_positive_int(n, name: str) -> int:
    """``n`` as a Python int, refusing booleans, floats and values < 1."""
    if isinstance(n, bool) or not isinstance(n, numbers.Integral):
        raise TypeError(f"{name} must be a positive integer, got {type(n).__name__}: {n!r}")
    if n < 1:
        raise ValueError(f"{name} must be a positive integer, got {n}")
    return int(n)


def check_real(x, name: str, *, low=None, high=None, high_open: bool = False) -> float:
    """``x`` as a finite Python float within ``[low, high]`` (or ``[low, high)``).

    :func:`check_number` for a function's argument: the message names the argument only.
    """
    return check_number(None, name, x, low, high, open_high=high_open)


def check_number(
    owner: str | None, name: str, value, low=None, high=None, *, open_low=False, open_high=True
) -> float:
    """Return ``value`` as a finite float after checking it lies between ``low`` and ``high``.

    By default the interval is ``[low, high)``; ``open_low``/``open_high`` choose the
    kind of each end, and a bound of None means unbounded on that side.  Messages
    start with ``owner`` (the class or function that was called), if one is given.
    """
    who = f"{owner}: {name}" if owner else name
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{who} must be a real number, got {type(value).__name__}: {value!r}")
    value = float(value)
    if not np.isfinite(value):
        raise ValueError(f"{who} must be finite, got {value!r}")
    too_low = low is not None and (value <= low if open_low else value < low)
    too_high = high is not None and (value >= high if open_high else value > high)
    if too_low or too_high:
        left = "(-inf" if low is None else f"{'(' if open_low else '['}{low}"
        right = "inf)" if high is None else f"{high}{')' if open_high else ']'}"
        raise ValueError(f"{who} must be in {left}, {right}, got {value!r}")
    return value


def check_pair(owner: str, name: str, value) -> tuple:
    """Check that ``value`` is a pair (tuple or list of length 2) and return it as a tuple."""
    if not isinstance(value, tuple | list) or len(value) != 2:
        raise TypeError(f"{owner}: {name} must be a pair of numbers, got {value!r}")
    return tuple(value)


# ---------------------------------------------------------------------- optimizers
def as_parameter_list(params, owner: str) -> list[np.ndarray]:
    """Check that ``params`` is a non-empty list of writeable float arrays and return it as a list.

    The arrays themselves are kept (not copied): updating them in place is the point.
    """
    if isinstance(params, np.ndarray):
        raise TypeError(
            f"{owner}: params must be a list of numpy arrays, got a single ndarray of shape "
            f"{params.shape} (wrap it in a list: [x])"
        )
    try:
        params = list(params)
    except TypeError:
        raise TypeError(
            f"{owner}: params must be a list of numpy arrays, got {type(params).__name__}"
        ) from None
    if not params:
        raise ValueError(f"{owner}: params must contain at least one array, got an empty list")
    for i, p in enumerate(params):
        if not isinstance(p, np.ndarray):
            raise TypeError(f"{owner}: params[{i}] must be a numpy array, got {type(p).__name__}")
        if not np.issubdtype(p.dtype, np.floating):
            raise TypeError(
                f"{owner}: params[{i}] must have a floating dtype (float32 or float64) to be "
                f"updated in place, got dtype {p.dtype}"
            )
        if not p.flags.writeable:
            raise ValueError(f"{owner}: params[{i}] is read-only; pass a writeable array")
    return params


def check_gradients(owner: str, grads, params: list[np.ndarray]) -> list[np.ndarray]:
    """``grads`` checked to be a list of arrays, one per parameter and of its shape."""
    if callable(grads) and not isinstance(grads, np.ndarray):
        raise TypeError(
            f"{owner}.step expects a list of gradient arrays, got a callable; only "
            "Newton and BFGS take a closure"
        )
    if isinstance(grads, np.ndarray) or not isinstance(grads, Sequence):
        raise TypeError(
            f"{owner}.step expects a list of {len(params)} gradient arrays, got "
            f"{type(grads).__name__}"
        )
    if len(grads) != len(params):
        raise ValueError(
            f"{owner}.step expects {len(params)} gradient arrays (one per parameter), "
            f"got {len(grads)}"
        )
    for i, (p, g) in enumerate(zip(params, grads, strict=True)):
        if not isinstance(g, np.ndarray):
            raise TypeError(
                f"{owner}.step: grads[{i}] must be a numpy array, got {type(g).__name__}"
            )
        if g.shape != p.shape:
            raise ValueError(
                f"{owner}.step: grads[{i}] has shape {g.shape}, expected {p.shape} "
                f"(the shape of params[{i}])"
            )
    return list(grads)


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
