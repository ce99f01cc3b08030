"""Data sets for the book and the assignments, all offline: the 8×8 digits and toy sets.

==========================  ===================================================  ==============
function                    returns                                              classes
==========================  ===================================================  ==============
:func:`load_digits`         scikit-learn's bundled handwritten digits, X (N, 64)  10
                            in [0, 1], optionally ``samples_per_class`` each
:func:`xor`                 noisy points around the four corners of the unit      2
                            square, label = x₁ XOR x₂
:func:`moons`               two interleaving half circles                        2
:func:`two_spirals`         two intertwined spirals                              2
==========================  ===================================================  ==============

Every function returns ``(X, y)``: ``X`` float of shape ``(N, features)`` (one
sample per row), ``y`` int64 labels of shape ``(N,)``. Randomness comes from
``seed`` (``None``, an int or a ``numpy.random.Generator``); numpy's global
random state is never touched.

:func:`train_val_test_split` splits a data set three ways, stratified by class
(by default 70 % / 15 % / 15 %, the default division of MATLAB's ``patternnet``
in the Physics 356 lesson), and :func:`one_hot` turns labels into one-hot rows.

Example::

    >>> from gradlib.data import load_digits, train_val_test_split
    >>> X, y = load_digits(samples_per_class=100, seed=0)
    >>> X.shape, y.shape
    ((1000, 64), (1000,))
    >>> split = train_val_test_split(X, y, seed=0)
    >>> split.X_train.shape, split.X_val.shape, split.X_test.shape
    ((700, 64), (150, 64), (150, 64))
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np

from gradlib._checks import (
    as_generator,
    check_float_dtype,
    check_positive_int,
    check_real,
    check_samples,
)

__all__ = [
    "DataSplit",
    "load_digits",
    "moons",
    "one_hot",
    "train_val_test_split",
    "two_spirals",
    "xor",
]


# ---------------------------------------------------------------------- digits
@functools.lru_cache(maxsize=1)
def _digits_raw() -> tuple[np.ndarray, np.ndarray]:
    """The 1797 digits as read from scikit-learn's bundled file (read-only, cached)."""
    from sklearn.datasets import load_digits as sklearn_digits  # ships with sklearn, no network

    bunch = sklearn_digits()
    X = np.asarray(bunch.data, dtype=np.float64)  # (1797, 64), integers 0..16
    y = np.asarray(bunch.target, dtype=np.int64)  # (1797,)
    X.flags.writeable = False
    y.flags.writeable = False
    return X, y


def load_digits(samples_per_class=None, seed=None, dtype=np.float64):
    """scikit-learn's 8×8 handwritten digits (UCI), pixels scaled to [0, 1].

    The lectures' worked example uses MATLAB's 28×28 DigitDataset; this is the
    small offline stand-in (1797 images, 174 to 183 per class), with the same
    samples-per-class knob (its ``n_per_class``).

    Parameters
    ----------
    samples_per_class : int or None
        If given, keep this many images of each digit, drawn at random without
        replacement (at most 174, the size of the smallest class); ``None``
        keeps all 1797.
    seed : None, int or numpy.random.Generator
        Chooses the sub-sample (unused when ``samples_per_class`` is None).
    dtype : float64 or float32
        dtype of ``X``.

    Returns
    -------
    X : ndarray, shape (N, 64)
        One image per row, the 8×8 pixels row by row, values in [0, 1]
        (the original 0..16 intensities divided by 16).
    y : ndarray of int64, shape (N,)
        The digit of each image, 0..9. The rows keep the data set's original
        order (the digits are interleaved, not grouped by class).
    """
    dtype = check_float_dtype(dtype)
    X, y = _digits_raw()
    if samples_per_class is not None:
        k = check_positive_int(samples_per_class, "samples_per_class")
        counts = np.bincount(y)
        if k > counts.min():
            raise ValueError(
                f"samples_per_class must be at most {counts.min()} (the digits data set has "
                f"{counts.min()} to {counts.max()} images per class; the smallest is digit "
                f"{counts.argmin()}), got {k}"
            )
        rng = as_generator(seed)
        keep = np.concatenate(
            [rng.choice(np.flatnonzero(y == c), size=k, replace=False) for c in range(len(counts))]
        )
        keep.sort()  # original order: classes stay interleaved
        X, y = X[keep], y[keep]
    return (X / 16.0).astype(dtype), y.copy()


# ----------------------------------------------------------------------- split
@dataclass(frozen=True)
class DataSplit:
    """The three parts of a data set returned by :func:`train_val_test_split`.

    ``X_*`` have the feature shape of the input (one sample per row), ``y_*``
    that of the labels; the rows of each part are in random order.
    """

    X_train: np.ndarray
    y_train: np.ndarray
    X_val: np.ndarray
    y_val: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray

    def __repr__(self) -> str:
        sizes = ", ".join(f"{n}={len(getattr(self, 'X_' + n))}" for n in ("train", "val", "test"))
        return f"DataSplit({sizes})"


def _allocate(group_sizes: list[int], fractions: np.ndarray) -> list[np.ndarray]:
    """How many items of each group go to each part: ``counts[g][k]`` ≈ ``fractions[k] * n_g``.

    Every group gives each part ``floor(f n)`` items, or one more: the items
    left over go, one each, to parts with a fractional remainder, those that are
    furthest below their share of all the groups so far first. So each group is
    split in the proportions to within one item per part, and the totals stay
    within about one item of ``f N`` (ties do not all favour the same part).
    """
    assigned = np.zeros(len(fractions), dtype=np.int64)
    seen = 0
    out = []
    for n in group_sizes:
        seen += n
        exact = fractions * n
        sizes = np.floor(exact + 1e-9).astype(np.int64)
        left = n - int(sizes.sum())
        deficit = fractions * seen - (assigned + sizes)
        deficit[exact - sizes <= 1e-9] = -np.inf  # whole shares take no extra item
        sizes[np.argsort(-deficit, kind="stable")[:left]] += 1
        assigned += sizes
        out.append(sizes)
    return out


def train_val_test_split(X, y, fractions=(0.7, 0.15, 0.15), seed=None, stratify=True) -> DataSplit:
    """Split ``(X, y)`` at random into training, validation and test sets.

    The Physics 356 lesson: train on the first, watch the second for early stopping, and
    report the third, which played no part in any choice. MATLAB's
    ``patternnet`` divides 70 % / 15 % / 15 % by default; so does this function.

    Parameters
    ----------
    X : array, shape (N, ...)
        Samples, one per row.
    y : array, shape (N,) or (N, ...)
        Labels or targets of the rows of ``X``.
    fractions : three floats ≥ 0 summing to 1
        Shares of training, validation and test (the training share must be > 0;
        a share of 0 gives an empty part).
    seed : None, int or numpy.random.Generator
    stratify : bool
        If True (the default), ``y`` must hold integer class labels of shape
        ``(N,)`` and each class is split in the given proportions separately
        (to within one sample per class and part), so every part has about the
        class mix of the whole. If False, the rows are split without looking
        at ``y`` (use this for regression targets).

    Returns
    -------
    DataSplit
        With ``X_train, y_train, X_val, y_val, X_test, y_test`` (copies; the rows
        of each part shuffled).
    """
    X, y = check_samples(X, y)
    try:
        fr = [float(f) for f in fractions]
    except TypeError:
        raise TypeError(
            f"fractions must be three numbers (train, val, test), got {fractions!r}"
        ) from None
    if len(fr) != 3:
        raise ValueError(f"fractions must be three numbers (train, val, test), got {fractions!r}")
    if any(not math.isfinite(f) or f < 0 for f in fr) or fr[0] == 0:
        raise ValueError(
            f"fractions must be ≥ 0 with a positive training share, got {tuple(fractions)}"
        )
    if abs(sum(fr) - 1.0) > 1e-6:
        raise ValueError(f"fractions must sum to 1, got {tuple(fractions)} (sum {sum(fr):.6g})")
    fr_arr = np.array(fr)
    rng = as_generator(seed)
    parts: list[list[np.ndarray]] = [[], [], []]
    if stratify:
        if y.ndim != 1 or y.dtype.kind not in "iub":
            raise ValueError(
                "stratify=True needs integer class labels of shape (N,), got dtype "
                f"{y.dtype} and shape {y.shape}; pass stratify=False for other targets"
            )
        groups = [np.flatnonzero(y == c) for c in np.unique(y)]
    else:
        groups = [np.arange(len(y))]
    for idx, sizes in zip(groups, _allocate([len(g) for g in groups], fr_arr), strict=True):
        idx = rng.permutation(idx)
        ends = np.cumsum(sizes)
        for part, chunk in zip(parts, np.split(idx, ends[:-1]), strict=True):
            part.append(chunk)
    out = []
    for part in parts:
        idx = rng.permutation(np.concatenate(part))
        out += [X[idx], y[idx]]
    return DataSplit(*out)


# -------------------------------------------------------------------- toy sets
def _toy_args(n, noise, n_min: int = 1) -> tuple[int, float]:
    n = check_positive_int(n, "n")
    if n < n_min:
        raise ValueError(f"n must be at least {n_min} (one sample per class), got {n}")
    return n, check_real(noise, "noise", low=0.0)


def _shuffled(X: np.ndarray, y: np.ndarray, rng: np.random.Generator):
    order = rng.permutation(len(y))
    return X[order], y[order].astype(np.int64)


def xor(n=200, noise=0.1, seed=None):
    """Points around the corners of the unit square labelled by XOR: the classic non-linear task.

    Sample i sits at corner ``i mod 4`` of (0, 0), (0, 1), (1, 0), (1, 1) (so the
    four corners get n/4 samples each, to within one), plus Gaussian noise of
    standard deviation ``noise`` on each coordinate; its label is
    ``x₁ XOR x₂`` of the corner. ``xor(4, noise=0)`` is the truth table (rows
    shuffled). No straight line separates the classes; a hidden layer can.

    Returns ``X`` float64 (n, 2) and ``y`` int64 (n,) in {0, 1}, rows in random order.
    """
    n, noise = _toy_args(n, noise)
    rng = as_generator(seed)
    corners = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    which = np.arange(n) % 4
    X = corners[which] + noise * rng.standard_normal((n, 2))
    y = np.array([0, 1, 1, 0])[which]
    return _shuffled(X, y, rng)


def moons(n=200, noise=0.1, seed=None):
    """Two interleaving half circles: scikit-learn's ``make_moons``, seeded the gradlib way.

    Class 0: ``(cos θ, sin θ)``; class 1: ``(1 − cos θ, 0.5 − sin θ)``, with θ
    evenly spaced in [0, π]; class 0 gets ``n // 2`` points, class 1 the rest.
    Gaussian noise of standard deviation ``noise`` is added to each coordinate.
    ``seed`` (an int, a ``numpy.random.Generator`` or None) draws the seed that
    scikit-learn is given.

    Returns ``X`` float64 (n, 2) and ``y`` int64 (n,) in {0, 1}, rows in random order.
    """
    from sklearn.datasets import make_moons

    n, noise = _toy_args(n, noise, n_min=2)
    rng = as_generator(seed)
    X, y = make_moons(n_samples=n, noise=noise, random_state=int(rng.integers(2**31)))
    return X.astype(np.float64), y.astype(np.int64)


def two_spirals(n=200, noise=0.1, seed=None, turns=1.5):
    """Two intertwined spirals, a hard case for a small network.

    Along a spiral the angle runs from 0 to ``turns`` full turns and the radius
    grows from 0 to 1 with it, r = θ / (2π · turns): class 0 is the points
    ``r (cos θ, sin θ)``, class 1 the same points rotated by half a turn
    (``−r (cos θ, sin θ)``). The points are evenly spaced in θ; class 0 gets
    ``ceil(n/2)`` of them. Gaussian noise of standard deviation ``noise`` is
    added to each coordinate (the arms are about ``1 / (2 turns)`` apart).

    Returns ``X`` float64 (n, 2) in about [−1, 1]², ``y`` int64 (n,) in {0, 1},
    rows in random order.
    """
    n, noise = _toy_args(n, noise, n_min=2)
    turns = check_real(turns, "turns", low=0.0)
    if turns == 0:
        raise ValueError("turns must be positive, got 0")
    rng = as_generator(seed)
    n0 = (n + 1) // 2

    def arm(m: int) -> np.ndarray:
        theta = np.linspace(0.0, 2 * np.pi * turns, m)
        r = theta / (2 * np.pi * turns)
        return r[:, None] * np.column_stack([np.cos(theta), np.sin(theta)])

    X = np.concatenate([arm(n0), -arm(n - n0)])
    X += noise * rng.standard_normal(X.shape)
    y = np.repeat([0, 1], [n0, n - n0])
    return _shuffled(X, y, rng)


# --------------------------------------------------------------------- one-hot
def one_hot(y, num_classes=None, dtype=np.float64) -> np.ndarray:
    """Integer labels ``y`` (N,) as one-hot rows (N, num_classes): row i has a 1 in column y[i].

    ``num_classes`` defaults to ``max(y) + 1``. The targets that
    ``SoftmaxCrossEntropyLoss`` also accepts as probabilities.
    """
    y = np.asarray(y)
    if y.ndim != 1 or y.dtype.kind not in "iu":
        raise ValueError(
            f"one_hot: y must be integer labels of shape (N,), got dtype {y.dtype} and shape "
            f"{y.shape}"
        )
    dtype = check_float_dtype(dtype)
    if num_classes is None:
        if len(y) == 0:
            raise ValueError("one_hot: pass num_classes for an empty y")
        num_classes = int(y.max()) + 1
    num_classes = check_positive_int(num_classes, "one_hot: num_classes")
    if len(y) and (y.min() < 0 or y.max() >= num_classes):
        bad = y[(y < 0) | (y >= num_classes)][0]
        raise ValueError(
            f"one_hot: labels must be in 0..{num_classes - 1} for num_classes={num_classes}, "
            f"got {bad}"
        )
    out = np.zeros((len(y), num_classes), dtype=dtype)
    out[np.arange(len(y)), y] = 1
    return out
