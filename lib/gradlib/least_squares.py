"""Least squares and minibatch stochastic gradient descent on it.

The chapter *Stochastic and minibatch gradient descent* and its assignment use
these; the pieces they are built from live elsewhere (:func:`gradlib.train.minibatches`
for the order of the samples, :mod:`gradlib.schedules` for the learning rates).

===================================  =========================================================
name                                 what it does
===================================  =========================================================
:func:`least_squares_loss`           J(w) = (1/2B) ‖X w − y‖², the mean half squared error
:func:`least_squares_gradient`       ∇J(w) = Xᵀ(X w − y) / B, the **mean** over the B rows
:func:`least_squares_landscape`      J of a two-weight problem as a ``Quadratic`` landscape
:func:`sgd_least_squares`            the Uppsala lecture's minibatch SG loop: every iterate
===================================  =========================================================

Shapes: ``X`` is (N, d) (one sample per row; add a column of ones for a bias),
``y`` is (N,), the weights ``w`` are (d,).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from gradlib._checks import as_generator, check_positive_int, check_samples, numeric_array
from gradlib.landscapes import Quadratic
from gradlib.optim import SGD
from gradlib.train import minibatches
from gradlib.trajectory import Trajectory

__all__ = [
    "least_squares_gradient",
    "least_squares_landscape",
    "least_squares_loss",
    "sgd_least_squares",
]


def _xy(X, y) -> tuple[np.ndarray, np.ndarray]:
    X, y = check_samples(X, y)
    X = numeric_array(X, "X", ndim=2, what="(N, d)").astype(np.float64, copy=False)
    y = numeric_array(y, "y", ndim=1, what="(N,)").astype(np.float64, copy=False)
    return X, y


def _half_mse(w: np.ndarray, X: np.ndarray, y: np.ndarray) -> float:
    r = X @ w - y
    return 0.5 * float(r @ r) / len(X)


def least_squares_loss(w, X, y) -> float:
    """J(w) = (1/2B) Σ_i (x_i·w − y_i)² over the B rows of ``X`` (a float)."""
    X, y = _xy(X, y)
    return _half_mse(np.asarray(w, dtype=np.float64), X, y)


def least_squares_gradient(w, X, y) -> np.ndarray:
    """∇J(w) = Xᵀ(X w − y) / B, shape (d,): the mean of the B per-sample gradients."""
    X, y = _xy(X, y)
    return X.T @ (X @ np.asarray(w, dtype=np.float64) - y) / len(X)


def least_squares_landscape(X, y) -> Quadratic:
    """The loss of a problem with d = 2 weights as a :class:`~gradlib.landscapes.Quadratic`.

    J(w) = ½ (w − w*)ᵀ A (w − w*) + J(w*) with A = XᵀX / N and w* the least-squares
    solution; the landscape drops the constant J(w*), so its minimum value is 0.
    """
    X, y = _xy(X, y)
    if X.shape[1] != 2:
        raise ValueError(f"least_squares_landscape needs d = 2 weights, got X of shape {X.shape}")
    A = X.T @ X / len(X)
    lam, vecs = np.linalg.eigh(A)
    center = np.linalg.solve(A, X.T @ y / len(X))
    angle = math.atan2(vecs[1, 0], vecs[0, 0])
    return Quadratic(eigenvalues=tuple(lam), angle=angle, center=tuple(center))


def sgd_least_squares(
    X,
    y,
    w0,
    lr: float | Callable[[int], float],
    batch_size: int | None,
    epochs: int,
    *,
    shuffle: bool = True,
    seed=None,
    drop_last: bool = False,
) -> Trajectory:
    """Minibatch SGD on J(w) = (1/2N) ‖X w − y‖²: every iterate and J at each.

    The Uppsala lecture's algorithm: in every epoch the samples are reshuffled (one
    ``rng.permutation(N)``, drawn by :func:`gradlib.train.minibatches`) and cut
    into batches of ``batch_size`` rows (the last one smaller unless
    ``drop_last``); each batch gives one step w ← w − η_e ĝ with ĝ the batch's
    mean gradient.

    Parameters
    ----------
    lr : float or callable
        η, or a function ``epoch -> η_e`` (epochs from 0), e.g. a schedule's ``lr_at``.
    batch_size : int or None
        B (None: the whole data set, i.e. gradient descent).
    shuffle : bool
        False presents the samples in the fixed order 0, 1, …, N − 1 every epoch
        (the cyclic order the SGD slides warn about).
    seed : None, int or numpy.random.Generator
        The source of the orders; a Generator is advanced by one permutation per epoch.

    Returns
    -------
    Trajectory
        ``iterates`` of shape (epochs · ⌈N/B⌉ + 1, d) (⌊N/B⌋ with ``drop_last``):
        row 0 is ``w0``, row k the weights after k updates; ``values``: J on the
        whole data set at each row.
    """
    X, y = _xy(X, y)
    epochs = check_positive_int(epochs, "epochs")
    rng = as_generator(seed)
    lr_at = lr if callable(lr) else (lambda epoch: lr)
    w = np.array(w0, dtype=np.float64)
    optimizer, path = SGD([w], lr=float(lr_at(0))), [w.copy()]
    for epoch in range(epochs):
        optimizer.lr = float(lr_at(epoch))
        for xb, yb in minibatches(X, y, batch_size, shuffle=shuffle, seed=rng, drop_last=drop_last):
            optimizer.step([least_squares_gradient(w, xb, yb)])  # w ← w − η_e ĝ, in place
            path.append(w.copy())
    return Trajectory(np.array(path), np.array([_half_mse(v, X, y) for v in path]))  # X, y checked
