"""Chapter 2 quotes the lectures' formulas on a worked example and on the lecture's single
neuron: the library must compute those numbers, and the built page must show the
computed values (prose and code cannot drift apart)."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

from gradlib.book.backprop_viz import error_signals
from gradlib.gradcheck import check_model_gradients
from gradlib.losses import MSELoss, SoftmaxCrossEntropyLoss, softmax
from gradlib.nn import Linear, ReLU, Sequential, mlp

from conftest import REPO, built_page_text

PAGE = REPO / "_build" / "html" / "book" / "backprop.html"
SOURCE = REPO / "book" / "backprop.md"

# The chapter's two-layer example; its first hidden unit is the Physics 356 lesson's single neuron
# (x = (2, 1), w = (0.3, 0.1), y = 2: L = 0.845, dL/dz = -1.3, dL/dw = (-2.6, -1.3)).
X, TARGET = np.array([[2.0, 1.0]]), np.array([[2.0]])
W1, W2 = np.array([[0.3, 0.1], [-0.5, 0.2]]), np.array([[1.0, 0.5]])
LECTURE = {"L": 0.845, "delta": -1.3, "dL/dw": (-2.6, -1.3)}
# Softmax example: logits (2, 1, 0.1), class 0, by hand: p = e^z / sum e^z.
LOGITS = np.array([[2.0, 1.0, 0.1]])


def _worked_example():
    net = Sequential(Linear(2, 2), ReLU(), Linear(2, 1))
    net[0].weight[:], net[2].weight[:] = W1, W2
    loss = MSELoss(half=True)
    value = loss.forward(net.forward(X), TARGET)
    delta2 = loss.backward()
    dq1 = net[2].backward(delta2)
    delta1 = net[1].backward(dq1)
    net[0].backward(delta1)
    return net, value, delta2, dq1, delta1


def test_library_reproduces_the_lecture_through_the_delta_recursion():
    net, value, delta2, dq1, delta1 = _worked_example()
    assert value == pytest.approx(LECTURE["L"], abs=1e-12)
    assert delta2[0, 0] == pytest.approx(LECTURE["delta"], abs=1e-12)
    np.testing.assert_allclose(dq1, [[-1.3, -0.65]], atol=1e-12)
    np.testing.assert_allclose(delta1, [[-1.3, 0.0]], atol=1e-12)  # the closed ReLU gate
    np.testing.assert_allclose(net[0].grad_weight[0], LECTURE["dL/dw"], atol=1e-12)
    np.testing.assert_allclose(net[0].grad_weight[1], [0.0, 0.0], atol=0)
    np.testing.assert_allclose(net[2].grad_weight, [[-0.91, 0.0]], atol=1e-12)
    # the recursion in column form, by hand: delta1 = W2^T delta2 * 1[z1 > 0]
    z1 = W1 @ X[0]
    by_hand = (W2.T @ delta2[0]) * (z1 > 0)
    np.testing.assert_allclose(delta1[0], by_hand, atol=1e-12)
    np.testing.assert_allclose(net[0].grad_weight, np.outer(by_hand, X[0]), atol=1e-12)


def test_softmax_cross_entropy_example():
    p = np.exp(LOGITS[0]) / np.exp(LOGITS[0]).sum()
    np.testing.assert_allclose(softmax(LOGITS)[0], p, rtol=1e-12)
    for shift in (0.0, 1000.0):
        ce = SoftmaxCrossEntropyLoss()
        assert ce.forward(LOGITS + shift, np.array([0])) == pytest.approx(-math.log(p[0]))
        np.testing.assert_allclose(ce.backward()[0], p - [1, 0, 0], atol=1e-12)
    assert round(p[0], 4) == 0.659 and round(-math.log(p[0]), 4) == 0.417


def test_batch_weight_gradient_is_the_mean_of_outer_products():
    rng = np.random.default_rng(0)
    A, Delta = rng.normal(size=(5, 3)), rng.normal(size=(5, 4))
    layer = Linear(3, 4, seed=1)
    layer.forward(A)
    layer.backward(Delta / 5)
    np.testing.assert_allclose(
        layer.grad_weight, sum(np.outer(d, a) for d, a in zip(Delta, A, strict=True)) / 5
    )


def test_error_signals_follow_the_recursion():
    rng = np.random.default_rng(3)
    X_, y_ = rng.normal(size=(7, 2)), rng.integers(0, 3, size=7)
    model = mlp([2, 5, 4, 3], seed=2)
    deltas = error_signals(model, SoftmaxCrossEntropyLoss(), X_, y_)
    assert [d.shape for d in deltas] == [(7, 5), (7, 4), (7, 3)]
    z1 = model[0].forward(X_)
    z2 = model[2].forward(model[1].forward(z1))
    np.testing.assert_allclose(deltas[1], (deltas[2] @ model[4].weight) * (z2 > 0), atol=1e-14)
    np.testing.assert_allclose(deltas[0], (deltas[1] @ model[2].weight) * (z1 > 0), atol=1e-14)
    assert check_model_gradients(model, SoftmaxCrossEntropyLoss(), X_, y_).ok(1e-6)


@pytest.mark.parametrize(
    "number",
    [
        "0.845",
        "-1.3",
        "-0.65",
        "-0.91",
        "-2.6",
        "0.7",
        "-0.8",
        "0.659",
        "0.417",
        "-0.341",
        "62.5",
        "0.693147",
    ],
)
def test_built_page_shows_the_computed_numbers(number):
    # The page's numbers are glued from the executed code, so they appear only if computed.
    assert number in built_page_text(PAGE)


def test_built_page_has_the_animation_and_no_errors():
    text = PAGE.read_text()
    assert "anim" in text and "Animation" in text, "the JavaScript animation is missing"
    assert "Traceback" not in built_page_text(PAGE)


def test_summary_table_matches_the_library():
    """The summary is prose: each number it states must equal the computed one."""
    text = SOURCE.read_text()
    summary = text[text.index("## Summary") : text.index("## Exercises")]
    net, _, delta2, _, delta1 = _worked_example()
    stated = [float(v) for v in re.findall(r"-?\d+\.\d+", summary)]
    for value in [delta2[0, 0], *delta1[0][:1], *net[0].grad_weight[0]]:
        assert any(abs(value - s) < 1e-9 for s in stated), f"{value} is not in the summary"
