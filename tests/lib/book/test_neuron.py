"""gradlib.book.neuron: the single-neuron graph against hand derivations and finite differences."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from gradlib.book.neuron import gradient_descent, neuron_graph, neuron_loss_and_gradient

finite = st.floats(-5, 5, allow_nan=False, allow_infinity=False)


def _loss(x, w, y):
    z = float(np.dot(w, x))
    return 0.5 * (y - max(z, 0.0)) ** 2


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(1, 6).flatmap(
        lambda n: st.tuples(
            arrays(np.float64, n, elements=finite), arrays(np.float64, n, elements=finite)
        )
    ),
    y=finite,
)
def test_gradient_matches_finite_differences(n, y):
    x, w = n
    z = float(np.dot(w, x))
    if abs(z) < 1e-3:  # the ReLU kink: finite differences are not meaningful there
        return
    _, grad = neuron_loss_and_gradient(x, w, y)
    eps = 1e-6
    numeric = np.array(
        [(_loss(x, w + eps * e, y) - _loss(x, w - eps * e, y)) / (2 * eps) for e in np.eye(len(w))]
    )
    np.testing.assert_allclose(grad, numeric, rtol=1e-6, atol=1e-6)


def test_intermediate_values_and_gradients():
    g = neuron_graph([2.0, 1.0], [0.3, 0.1], 2.0)
    assert [a.data for a in g.a] == pytest.approx([0.6, 0.1])
    assert g.y_hat.grad == pytest.approx(-1.3)
    assert g.z.grad == pytest.approx(-1.3)
    assert [xi.grad for xi in g.x] == pytest.approx([-1.3 * 0.3, -1.3 * 0.1])


def test_inactive_neuron_has_zero_gradient():
    _, grad = neuron_loss_and_gradient([1.0, 2.0], [-1.0, 0.2], 3.0)
    np.testing.assert_array_equal(grad, [0.0, 0.0])


def test_gradient_descent_trajectory_follows_the_update_rule():
    x, w, y, lr = np.array([1.0, -2.0, 0.5]), np.array([0.4, -0.3, 0.2]), 1.5, 0.05
    weights, losses = gradient_descent(x, w, y, lr, steps=4)
    assert weights.shape == (5, 3) and losses.shape == (5,)
    for k in range(4):
        loss, grad = neuron_loss_and_gradient(x, weights[k], y)
        assert losses[k] == pytest.approx(loss)
        np.testing.assert_allclose(weights[k + 1], weights[k] - lr * grad)
    np.testing.assert_array_equal(w, [0.4, -0.3, 0.2])  # the input is not modified


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (([1.0, 2.0], [1.0], 1.0), "same shape"),
        (([[1.0]], [[1.0]], 1.0), "1-D"),
        (([np.nan], [1.0], 1.0), "finite"),
        (([1.0], [1.0], np.inf), "finite"),
    ],
)
def test_bad_input_is_reported(args, message):
    with pytest.raises(ValueError, match=message):
        neuron_graph(*args)


@pytest.mark.parametrize(("lr", "steps"), [(-0.1, 1), (0.0, 1), (0.1, -1), (0.1, 1.5)])
def test_bad_hyper_parameters_are_reported(lr, steps):
    with pytest.raises(ValueError, match="learning rate|steps"):
        gradient_descent([1.0], [1.0], 1.0, lr, steps)


def test_the_walkthrough_agrees_with_the_reference_engine_and_optimizer():
    """The book's one-neuron walkthrough gives what gradlib's Value and SGD give."""
    from gradlib.autodiff import Value
    from gradlib.optim import SGD

    rng = np.random.default_rng(3)
    for _ in range(10):
        x, w0, y = rng.normal(size=4), rng.normal(size=4), float(rng.normal())
        walkthrough, _ = gradient_descent(x, w0, y, lr=0.1, steps=5)
        w = w0.copy()
        optimizer, path = SGD([w], lr=0.1), [w.copy()]
        for _ in range(5):
            weights = [Value(float(v)) for v in w]
            z = sum((wi * float(xi) for wi, xi in zip(weights, x, strict=True)), Value(0.0))
            (0.5 * (y - z.relu()) ** 2).backward()
            optimizer.step([np.array([wi.grad for wi in weights])])
            path.append(w.copy())
        np.testing.assert_allclose(walkthrough, path, rtol=1e-12, atol=1e-12)
