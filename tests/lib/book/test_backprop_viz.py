"""gradlib.book.backprop_viz: error signals per layer and the decision-boundary figures."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pytest

from gradlib.book.backprop_viz import (
    animate_decision_boundary,
    class_probability,
    decision_grid,
    error_signals,
    plot_decision_boundary,
)
from gradlib.data import moons
from gradlib.losses import MSELoss, SoftmaxCrossEntropyLoss
from gradlib.nn import Linear, Sequential, Tanh, mlp


def test_error_signals_are_the_gradients_of_the_pre_activations():
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(6, 3)), rng.integers(0, 2, size=6)
    model = mlp([3, 4, 5, 2], activation="tanh", seed=1)
    loss = SoftmaxCrossEntropyLoss()
    deltas = error_signals(model, loss, X, y)
    assert [d.shape for d in deltas] == [(6, 4), (6, 5), (6, 2)]
    # the output signal is the loss gradient; the others follow the recursion
    loss.forward(model.forward(X), y)
    np.testing.assert_allclose(deltas[2], loss.backward())
    t2 = np.tanh(model[2].forward(model[1].forward(model[0].forward(X))))
    np.testing.assert_allclose(deltas[1], (deltas[2] @ model[4].weight) * (1 - t2**2))
    # and each Linear's weight gradient is delta^T @ its input
    np.testing.assert_allclose(model[0].grad_weight, deltas[0].T @ X)


def test_error_signals_of_a_single_layer_and_finite_differences():
    layer = Linear(2, 1, seed=0)
    X, y = np.array([[1.0, 2.0], [0.5, -1.0]]), np.array([[0.3], [0.1]])
    (delta,) = error_signals(layer, MSELoss(), X, y)
    eps = 1e-6
    for i in range(2):
        z = layer.forward(X)
        up, down = z.copy(), z.copy()
        up[i] += eps
        down[i] -= eps
        numeric = (MSELoss().forward(up, y) - MSELoss().forward(down, y)) / (2 * eps)
        assert delta[i, 0] == pytest.approx(numeric, rel=1e-6)


def test_decision_grid_covers_the_data():
    X = np.array([[0.0, 0.0], [1.0, 2.0]])
    xs, ys, points = decision_grid(X, n=5, margin=0.5)
    assert xs[0] == -0.5 and xs[-1] == 1.5 and ys[0] == -0.5 and ys[-1] == 2.5
    assert points.shape == (25, 2)
    assert tuple(points.reshape(5, 5, 2)[1, 3]) == (xs[3], ys[1])
    with pytest.raises(ValueError, match=r"\(N, 2\)"):
        decision_grid(np.zeros((3, 3)))


def test_class_probability_is_a_softmax_column_and_restores_the_mode():
    model = Sequential(Linear(2, 2, seed=0), Tanh())
    model.train()
    points = np.random.default_rng(1).normal(size=(7, 2))
    p1 = class_probability(model, points)
    assert p1.shape == (7,) and np.all((p1 > 0) & (p1 < 1))
    np.testing.assert_allclose(p1 + class_probability(model, points, cls=0), 1.0)
    assert model.training


def test_figures_draw():
    X, y = moons(40, seed=0)
    model = mlp([2, 4, 2], seed=0)
    xs, ys, grid = decision_grid(X, n=12)
    prob = class_probability(model, grid)
    ax = plot_decision_boundary(prob, xs, ys, X, y)
    assert ax.get_xlabel() and ax.get_ylabel()
    plt.close(ax.figure)
    anim = animate_decision_boundary([(0, prob), (2, prob)], xs, ys, X, y, [1.0, 0.5, 0.25])
    anim._draw_frame(1)
    anim._draw_was_started = True  # drawn by hand: no "deleted without rendering" warning
    assert "after 2 steps" in anim._fig.axes[0].get_title()
    with pytest.raises(ValueError, match="at least one snapshot"):
        animate_decision_boundary([], xs, ys, X, y, [1.0])
