"""Chapter 4's measurement of minibatch noise (a book helper).

===================================  =========================================================
name                                 what it does
===================================  =========================================================
:func:`minibatch_gradient_variance`  E‖ĝ_B − g‖², measured by drawing minibatches
:func:`sampling_variance`            the same, predicted: σ²(N − B) / (B(N − 1))
===================================  =========================================================

The chapter puts the two side by side on log-log axes (slope −1: the SGD slides'
var/B); the minibatches are the reference's (:func:`gradlib.train.minibatches`).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from gradlib._checks import as_generator, check_positive_int
from gradlib.train import minibatches

__all__ = ["minibatch_gradient_variance", "sampling_variance"]


def minibatch_gradient_variance(
    grad_fn: Callable[[np.ndarray, np.ndarray], np.ndarray],
    X,
    y,
    batch_sizes,
    *,
    draws: int = 200,
    seed=None,
) -> np.ndarray:
    """Measure the variance E‖ĝ_B − g‖² of the minibatch gradient for each batch size B.

    ``grad_fn(X_batch, y_batch)`` returns the mean gradient over a batch (any shape;
    it is flattened). g is ``grad_fn(X, y)``, the full-batch gradient. Minibatches
    come from :func:`gradlib.train.minibatches` (drawn without replacement, whole
    batches only) until ``draws`` of them have been seen for each B.

    Returns
    -------
    ndarray, shape (len(batch_sizes),)
        The mean squared distance of ĝ_B from g: the trace of its covariance matrix.
    """
    X, y = np.asarray(X), np.asarray(y)
    draws = check_positive_int(draws, "draws")
    rng = as_generator(seed)
    full = np.ravel(grad_fn(X, y))
    out = []
    for b in batch_sizes:
        b = check_positive_int(b, "batch size")
        if b > len(X):
            raise ValueError(f"batch size {b} is larger than the data set ({len(X)} rows)")
        total, seen = 0.0, 0
        while seen < draws:
            for xb, yb in minibatches(X, y, b, seed=rng, drop_last=True):
                d = np.ravel(grad_fn(xb, yb)) - full
                total += float(d @ d)
                seen += 1
                if seen == draws:
                    break
        out.append(total / draws)
    return np.array(out)


def sampling_variance(per_sample_variance: float, n: int, batch_size):
    """σ² (N − B) / (B (N − 1)): the variance of a mean of B of N values drawn without replacement.

    ``per_sample_variance`` is σ², the (trace of the) variance of one sample's
    gradient about the full gradient (the B = 1 value). For N → ∞ this is
    the SGD slides' var/B; at B = N it is 0 (the minibatch is the whole data set).
    ``batch_size`` may be an int or an array.
    """
    n = check_positive_int(n, "n")
    b = np.asarray(batch_size, dtype=np.float64)
    if np.any(b < 1) or np.any(b > n):
        raise ValueError(f"batch sizes must be between 1 and N = {n}, got {batch_size!r}")
    out = per_sample_variance * (n - b) / (b * (n - 1)) if n > 1 else np.zeros_like(b)
    return float(out) if np.ndim(out) == 0 else out
