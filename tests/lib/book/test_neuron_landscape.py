"""gradlib.book.neuron_landscape: the logistic neuron's loss over two weights, critical points."""

from __future__ import annotations

import numpy as np
import pytest

from gradlib.book.neuron_landscape import (
    NeuronLossSlice,
    critical_point_kind,
    decision_boundary,
    find_critical_points,
    fraction_positive_definite,
)
from gradlib.gradcheck import numerical_gradient
from gradlib.landscapes import Beale, Plateau, Saddle
from gradlib.perceptron import logistic_train, spoiler_example

S = np.log(9.0)
SOFT = (0.1, 0.9)


def _slice(loss="squared", axes=(1, 2)):
    X, y = spoiler_example()
    return NeuronLossSlice(
        X, y, [S, 0.0, 0.0], axes, loss=loss, targets=SOFT, xlim=(-3, 4), ylim=(-3, 4)
    )


@pytest.mark.parametrize("loss", ["squared", "cross_entropy"])
@pytest.mark.parametrize("axes", [(1, 2), (0, 2), (1, 0)])
def test_value_matches_logistic_train_and_derivatives_match_finite_differences(loss, axes):
    ls = _slice(loss, axes)
    X, y = spoiler_example()
    rng = np.random.default_rng(0)
    for _ in range(5):
        p = rng.uniform(-2, 2, 2)
        path = logistic_train(X, y, epochs=1, loss=loss, targets=SOFT, w0=ls.full_weights(p))
        assert ls.value(p) == pytest.approx(path.values[0], rel=1e-12)
        np.testing.assert_allclose(
            ls.gradient(p), numerical_gradient(ls.value, p.copy()), atol=1e-8
        )
        rows = [numerical_gradient(lambda q, k=k: ls.gradient(q)[k], p.copy()) for k in range(2)]
        np.testing.assert_allclose(ls.hessian(p), rows, atol=1e-7)


def test_value_and_gradient_are_vectorised_over_a_grid():
    ls = _slice()
    grid = ls.grid(7)
    values, grads = ls.value(grid), ls.gradient(grid)
    assert values.shape == (7, 7) and grads.shape == (2, 7, 7)
    point = grid[:, 3, 5]
    assert values[3, 5] == pytest.approx(ls.value(point))
    np.testing.assert_allclose(grads[:, 3, 5], ls.gradient(point))


def test_the_spoiler_slice_has_the_lectures_local_minimum_a_saddle_and_a_separating_minimum():
    points = _slice().critical_points
    kinds = [c.kind for c in points]
    assert kinds == ["global minimum", "local minimum", "saddle point"]
    best, local, saddle = points
    np.testing.assert_allclose(local.point, [S, 0.0], atol=1e-5)  # the three points' solution
    assert local.value == pytest.approx(0.9**2 / 2 / 4, abs=1e-8)  # the spoiler's term alone
    assert best.value < local.value / 10 < saddle.value
    assert local.value < saddle.value


def test_critical_point_kind():
    assert critical_point_kind([[2.0, 0.0], [0.0, 1.0]]) == "local minimum"
    assert critical_point_kind([[2.0, 0.0], [0.0, -1.0]]) == "saddle point"
    assert critical_point_kind(-np.eye(3)) == "local maximum"
    assert critical_point_kind([[1.0, 0.0], [0.0, 0.0]]) == "degenerate"


@pytest.mark.parametrize("landscape", [Saddle(), Beale(), Plateau()])
def test_find_critical_points_agrees_with_the_known_ones(landscape):
    found = find_critical_points(landscape, n=10)
    for known in landscape.critical_points:
        match = [c for c in found if np.linalg.norm(c.point - known.point) < 1e-6]
        assert match, f"{known} not found"
        assert match[0].kind == known.kind


def test_fraction_positive_definite_falls_with_dimension():
    fractions = [fraction_positive_definite(d, 4000, seed=1) for d in (1, 2, 3, 4)]
    assert fractions[0] == pytest.approx(0.5, abs=0.03)
    assert all(a > b for a, b in zip(fractions, fractions[1:], strict=False))
    assert fractions[3] < 2.0**-4  # fewer minima than if each eigenvalue's sign were a coin flip


def test_errors():
    X, y = spoiler_example()
    with pytest.raises(ValueError):
        NeuronLossSlice(X, y, [1.0, 2.0])
    with pytest.raises(ValueError):
        NeuronLossSlice(X, y, [1.0, 2.0, 3.0], axes=(1, 1))
    with pytest.raises(ValueError):
        NeuronLossSlice(X, y, [1.0, 2.0, 3.0], loss="hinge")
    with pytest.raises(ValueError):
        fraction_positive_definite(0)


@pytest.mark.parametrize("weights", [[1.0, 0.0, 0.5], [0.0, 2.0, -1.0], [2.0, 1.0, 1.0], [S, S, 0]])
def test_decision_boundary_points_lie_on_the_line(weights):
    xs, ys = decision_boundary(weights, (-3, 3), (-11, 3), n=5)
    assert xs.shape == ys.shape == (5,)
    np.testing.assert_allclose(weights[0] * xs + weights[1] * ys + weights[2], 0.0, atol=1e-12)
    with pytest.raises(ValueError):
        decision_boundary([0.0, 0.0, 1.0], (-1, 1), (-1, 1))
