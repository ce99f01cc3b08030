"""gradlib.perceptron: the perceptron rule, the logistic neuron, the convergence slides' spoiler."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import seeds

from gradlib.gradcheck import numerical_gradient
from gradlib.perceptron import (
    logistic_train,
    misclassified,
    perceptron_train,
    predict,
    spoiler_example,
)

SOFT = (0.1, 0.9)  # targets with an exact fit: sigmoid(z) = 0.9 at z = ln 9
S = np.log(9.0)


# ------------------------------------------------------------ the spoiler (the convergence slides)
def test_spoiler_data():
    X3, y3 = spoiler_example(with_spoiler=False)
    X4, y4 = spoiler_example(distance=10.0)
    np.testing.assert_array_equal(X3, [[1, 0], [0, 1], [-1, 0]])
    np.testing.assert_array_equal(X4[-1], [0, -10])
    assert y3.tolist() == [1, 1, -1] and y4.tolist() == [1, 1, -1, 1]
    assert misclassified([1.0, 0.0, 0.5], X4, y4) == 0  # x1 = -1/2 separates all four


def test_the_perceptron_separates_all_four_points():
    X, y = spoiler_example()
    for seed in range(5):
        path, converged = perceptron_train(X, y, epochs=1000, seed=seed)
        weights = path.iterates[-1]
        assert converged and path.values[-1] == 0
        assert misclassified(weights, X, y) == 0
        np.testing.assert_array_equal(predict(weights, X), y)


def test_gradient_descent_on_three_points_finds_the_lectures_unique_solution():
    """With targets 0.1 / 0.9 the three equations z_i = +-ln 9 give w = (ln 9, ln 9), b = 0."""
    X, y = spoiler_example(with_spoiler=False)
    path = logistic_train(X, y, epochs=5000, lr=1.0, targets=SOFT)
    np.testing.assert_allclose(path.iterates[-1], [S, S, 0.0], atol=1e-3)
    assert misclassified(path.iterates[-1], X, y) == 0 and path.values[-1] < 1e-9
    assert np.all(np.diff(path.values) <= 1e-15)  # gradient descent only went downhill


@pytest.mark.parametrize("targets", [SOFT, (0.0, 1.0)])
def test_backprop_keeps_the_three_point_solution_and_misclassifies_the_spoiler(targets):
    """Adding the spoiler (0, -10) after training on three points: its term of the squared
    error sits in the flat tail of the sigmoid (z = -10 ln 9 or less), so the gradient
    hardly changes and gradient descent carries on as before, on the wrong side of the
    spoiler, although separating weights exist and have a lower loss."""
    X3, y3 = spoiler_example(with_spoiler=False)
    X4, y4 = spoiler_example(distance=10.0)
    start = logistic_train(X3, y3, epochs=5000, targets=targets).iterates[-1]
    path = logistic_train(X4, y4, epochs=5000, targets=targets, w0=start)
    weights = path.iterates[-1]
    assert predict(weights, X4).tolist() == [1, 1, -1, -1]  # the spoiler is misclassified
    assert min(misclassified(w, X4, y4) for w in path.iterates) == 1  # at every step
    if targets == SOFT:  # it goes on to the three points' optimum as if the spoiler were not there
        np.testing.assert_allclose(weights, [S, S, 0.0], atol=1e-4)
    separating = perceptron_train(X4, y4, epochs=1000, seed=0)[0].iterates[-1]
    saturated = 10 * separating / np.abs(separating).max()  # outputs near 0 and 1
    at_separator = logistic_train(X4, y4, epochs=1, lr=1e-12, targets=targets, w0=saturated)
    assert misclassified(at_separator.iterates[0], X4, y4) == 0
    assert at_separator.values[0] < path.values[-1] / 10  # so it was not the global minimum


def test_cross_entropy_is_not_fooled_by_the_spoiler():
    """With the cross-entropy loss the spoiler's gradient does not vanish (sigmoid - t, not
    times sigmoid'), and gradient descent moves on to separate all four points."""
    X3, y3 = spoiler_example(with_spoiler=False)
    X4, y4 = spoiler_example()
    start = logistic_train(X3, y3, epochs=5000, targets=SOFT).iterates[-1]
    weights = logistic_train(X4, y4, epochs=5000, loss="cross_entropy", w0=start).iterates[-1]
    assert misclassified(weights, X4, y4) == 0


# ------------------------------------------------------------ the perceptron rule
def test_one_epoch_of_the_rule_by_hand():
    """Points in the given order (seed 0 shuffles 2 points; with one point there is no order):
    w = 0: y (w . [x, 1]) = 0 <= 0 counts as a mistake, so w += lr y [x, 1]."""
    X, y = np.array([[2.0, -1.0]]), np.array([-1])
    path, converged = perceptron_train(X, y, epochs=5, lr=0.5, seed=0)
    after = [-1.0, 0.5, -0.5]
    np.testing.assert_array_equal(path.iterates, [[0.0, 0.0, 0.0], after, after])
    assert path.values.tolist() == [1, 0, 0] and path.steps == 2 and converged


@settings(max_examples=30, deadline=None)
@given(seed=seeds, n=st.integers(2, 30), d=st.integers(1, 4))
def test_the_perceptron_converges_on_separable_data(seed, n, d):
    """Points at distance >= 0.1 from a random hyperplane with offset |c| <= 0.2, |x| <= 1.2.

    In the augmented space [x, 1] the radius is R <= sqrt(1.2^2 + 1) < 1.6 and the margin
    >= 0.1 / sqrt(1 + 0.2^2) > 0.098, so Novikoff's bound allows at most (R / margin)^2 < 270
    updates: 300 epochs (each with an update until convergence) are enough."""
    rng = np.random.default_rng(seed)
    normal = rng.normal(size=d)
    normal /= np.linalg.norm(normal)
    X = rng.uniform(-1, 1, (n, d)) / np.sqrt(d)
    offset = rng.uniform(-0.2, 0.2)
    side = X @ normal + offset
    X[np.abs(side) < 0.1] += 0.2 * np.sign(side[np.abs(side) < 0.1] + 1e-12)[:, None] * normal
    y = np.where(X @ normal + offset > 0, 1, 0)  # labels in {0, 1} work too
    path, converged = perceptron_train(X, y, epochs=300, seed=seed)
    assert converged and misclassified(path.iterates[-1], X, y) == 0


def test_labels_in_zero_one_and_in_plus_minus_one_give_the_same_run():
    X, y = spoiler_example()
    a, converged_a = perceptron_train(X, y, epochs=100, seed=4)
    b, converged_b = perceptron_train(X, (y + 1) // 2, epochs=100, seed=4)
    np.testing.assert_array_equal(a.iterates, b.iterates)
    np.testing.assert_array_equal(a.values, b.values)
    assert converged_a and converged_b


def test_an_inseparable_problem_does_not_converge():
    X, y = np.array([[0.0], [1.0], [2.0]]), np.array([1, -1, 1])
    path, converged = perceptron_train(X, y, epochs=50, seed=0)
    assert not converged and path.steps == 50 and path.values[-1] > 0


# ------------------------------------------------------------ the logistic neuron
@pytest.mark.parametrize("loss", ["squared", "cross_entropy"])
def test_logistic_steps_follow_the_gradient_of_the_loss(loss):
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(6, 2)), np.array([1, -1, 1, 1, -1, -1])
    w0, lr = np.array([0.3, -0.2, 0.1]), 0.5
    t = np.where(y > 0, 0.9, 0.1)

    def objective(w):
        z = X @ w[:2] + w[2]
        s = 1 / (1 + np.exp(-z))
        if loss == "squared":
            return float(np.mean(0.5 * (s - t) ** 2))
        return float(np.mean(-(t * np.log(s) + (1 - t) * np.log(1 - s))))

    path = logistic_train(X, y, epochs=3, lr=lr, loss=loss, targets=(0.1, 0.9), w0=w0)
    assert path.iterates.shape == (4, 3) and path.values.shape == (4,)
    for k in range(4):
        assert path.values[k] == pytest.approx(objective(path.iterates[k]), rel=1e-12)
    for k in range(3):
        grad = numerical_gradient(objective, path.iterates[k].copy())
        np.testing.assert_allclose(
            path.iterates[k + 1], path.iterates[k] - lr * grad, rtol=1e-7, atol=1e-9
        )


# ------------------------------------------------------------ bad input
@pytest.mark.parametrize(
    ("call", "error", "message"),
    [
        (
            lambda: perceptron_train([[0.0], [1.0]], [1, 2]),
            ValueError,
            r"labels must be in \{-1, \+1\} or in \{0, 1\}, got values \[1, 2\]",
        ),
        (
            lambda: perceptron_train([[0.0], [1.0]], [1]),
            ValueError,
            r"X and y must have the same number of rows \(samples\), got 2 and 1",
        ),
        (lambda: perceptron_train([0.0, 1.0], [1, -1]), ValueError, r"2-D array of shape \(n, d\)"),
        (lambda: perceptron_train([[np.nan]], [1]), ValueError, "X must contain only finite"),
        (lambda: perceptron_train([[0.0]], [1], epochs=0), ValueError, "epochs must be a positive"),
        (lambda: perceptron_train([[0.0]], [1], lr=-1.0), ValueError, r"lr must be in \(0.0, inf"),
        (lambda: perceptron_train([[0.0]], [1], seed="x"), TypeError, "seed must be None"),
        (lambda: perceptron_train([[0.0]], [1], w0=[1.0]), ValueError, r"w0 must have shape"),
        (lambda: logistic_train([[0.0]], [1], loss="hinge"), ValueError, "loss must be"),
        (lambda: logistic_train([[0.0]], [1], targets=(0.0, 2.0)), ValueError, "targets must be"),
        (lambda: spoiler_example(distance=0), ValueError, "distance must be positive"),
    ],
)
def test_bad_input_is_reported(call, error, message):
    with pytest.raises(error, match=message):
        call()
