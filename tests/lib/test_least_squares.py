"""gradlib.least_squares (the loss, the minibatch SGD loop) and the book's minibatch variance."""

from __future__ import annotations

import numpy as np
import pytest

from gradlib.book.minibatch_variance import minibatch_gradient_variance, sampling_variance
from gradlib.gradcheck import numerical_gradient
from gradlib.least_squares import (
    least_squares_gradient,
    least_squares_landscape,
    least_squares_loss,
    sgd_least_squares,
)
from gradlib.schedules import LinearDecay
from gradlib.train import minibatches


def _problem(n=23, d=3, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    y = X @ rng.normal(size=d) + 0.3 * rng.normal(size=n)
    return X, y, rng.normal(size=d)


def test_gradient_is_the_mean_gradient_and_matches_finite_differences():
    X, y, w = _problem()
    g = least_squares_gradient(w, X, y)
    num = numerical_gradient(lambda v: least_squares_loss(v, X, y), w.copy())
    np.testing.assert_allclose(g, num, rtol=1e-6, atol=1e-8)
    per_sample = [least_squares_gradient(w, X[i : i + 1], y[i : i + 1]) for i in range(len(X))]
    np.testing.assert_allclose(g, np.mean(per_sample, axis=0), atol=1e-12)


def test_landscape_has_the_least_squares_minimum_and_curvature():
    X, y, _ = _problem(d=2)
    q = least_squares_landscape(X, y)
    w_star = np.linalg.lstsq(X, y, rcond=None)[0]
    np.testing.assert_allclose(q.center, w_star, atol=1e-10)
    np.testing.assert_allclose(q.A, X.T @ X / len(X), atol=1e-10)
    w = np.array([0.3, -1.2])
    assert q.value(w) == pytest.approx(
        least_squares_loss(w, X, y) - least_squares_loss(w_star, X, y)
    )
    np.testing.assert_allclose(q.gradient(w), least_squares_gradient(w, X, y), atol=1e-10)
    with pytest.raises(ValueError, match="d = 2"):
        least_squares_landscape(*_problem(d=3)[:2])


@pytest.mark.parametrize("shuffle", [True, False])
@pytest.mark.parametrize("drop_last", [True, False])
def test_sgd_is_the_lecture_loop(shuffle, drop_last):
    X, y, w0 = _problem()
    sched = LinearDecay(None, tau=3, final_lr=0.01, base_lr=0.1)
    path = sgd_least_squares(
        X, y, w0, sched.lr_at, 5, 4, shuffle=shuffle, seed=7, drop_last=drop_last
    )
    rng, w, expected = np.random.default_rng(7), w0.copy(), [w0.copy()]
    for epoch in range(4):
        for xb, yb in minibatches(X, y, 5, shuffle=shuffle, seed=rng, drop_last=drop_last):
            w = w - sched.lr_at(epoch) * xb.T @ (xb @ w - yb) / len(xb)
            expected.append(w)
    per_epoch = 4 if drop_last else 5
    assert path.iterates.shape == (4 * per_epoch + 1, 3)
    np.testing.assert_allclose(path.iterates, expected, atol=1e-12)
    # the values are J on the whole data set, (1/2N) ||X w - y||², at every iterate
    residuals = np.array(expected) @ X.T - y
    np.testing.assert_allclose(path.values, 0.5 * np.mean(residuals**2, axis=1), rtol=1e-12)


def test_full_batch_sgd_is_gradient_descent_and_w0_is_untouched():
    X, y, w0 = _problem()
    keep = w0.copy()
    path = sgd_least_squares(X, y, w0, 0.05, None, 3, seed=1)
    w = keep.copy()
    for k in range(3):
        w = w - 0.05 * least_squares_gradient(w, X, y)
        np.testing.assert_allclose(path.iterates[k + 1], w, atol=1e-12)
    np.testing.assert_array_equal(w0, keep)


def test_measured_variance_follows_the_sampling_formula():
    X, y, w = _problem(n=200, d=2, seed=3)

    def grad(xb, yb):
        return least_squares_gradient(w, xb, yb)

    per_sample = np.mean(
        [np.sum((grad(X[i : i + 1], y[i : i + 1]) - grad(X, y)) ** 2) for i in range(len(X))]
    )
    sizes = [1, 4, 20, 100]
    measured = minibatch_gradient_variance(grad, X, y, sizes, draws=2000, seed=0)
    predicted = sampling_variance(per_sample, len(X), np.array(sizes))
    np.testing.assert_allclose(measured, predicted, rtol=0.15)
    assert minibatch_gradient_variance(grad, X, y, [200], draws=3, seed=0)[0] == pytest.approx(
        0.0, abs=1e-20
    )


def test_sampling_variance_limits_and_checks():
    assert sampling_variance(2.0, 10, 1) == pytest.approx(2.0)
    assert sampling_variance(2.0, 10, 10) == 0.0
    assert sampling_variance(2.0, 10**9, 4) == pytest.approx(0.5)
    with pytest.raises(ValueError):
        sampling_variance(1.0, 10, 11)
    with pytest.raises(ValueError, match=r"same number of rows \(samples\), got 3 and 4"):
        least_squares_gradient(np.zeros(2), np.zeros((3, 2)), np.zeros(4))
    with pytest.raises(ValueError, match="larger"):
        minibatch_gradient_variance(lambda a, b: a.mean(0), np.zeros((3, 2)), np.zeros(3), [4])
