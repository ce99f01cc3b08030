"""Chapter 2 quotes the lectures' formulas on a worked example and on the lecture's single
neuron.  The tests read what the executed chapter computed (its glued values), check them
against the lecture and against the formulas worked by hand, and check that the built page
shows them; the library's layers are checked on examples of their own."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
from glue import glued, summary_of

from gradlib.book.backprop_viz import error_signals
from gradlib.gradcheck import check_model_gradients
from gradlib.losses import MSELoss, SoftmaxCrossEntropyLoss, softmax
from gradlib.nn import Linear, ReLU, Sequential, mlp

from conftest import REPO, built_page_text

PAGE = REPO / "_build" / "html" / "book" / "backprop.html"

# The chapter's two-layer example; its first hidden unit is the Physics 356 lesson's single neuron
# (x = (2, 1), w = (0.3, 0.1), y = 2: L = 0.845, dL/dz = -1.3, dL/dw = (-2.6, -1.3)).
X, TARGET = np.array([[2.0, 1.0]]), np.array([[2.0]])
W1, W2 = np.array([[0.3, 0.1], [-0.5, 0.2]]), np.array([[1.0, 0.5]])
LECTURE = {"L": 0.845, "delta": -1.3, "dL/dw": (-2.6, -1.3)}
# Softmax example: logits (2, 1, 0.1), class 0, by hand: p = e^z / sum e^z.
LOGITS = np.array([[2.0, 1.0, 0.1]])
GLUED_DIGITS = 1e-6  # the worked example's numbers are glued rounded to 6 decimals


@pytest.fixture(scope="module")
def chapter():
    return glued("backprop")


def _by_hand():
    """The worked example in the lectures' column form, with numpy and no library."""
    x, y = X[0], TARGET[0, 0]
    z1 = W1 @ x
    a1 = np.maximum(z1, 0)
    y_hat = float(W2[0] @ a1)
    delta2 = y_hat - y  # half squared error
    dq1 = W2[0] * delta2
    delta1 = dq1 * (z1 > 0)
    return {
        "bp_z1a": z1[0],
        "bp_z1b": z1[1],
        "bp_loss": 0.5 * (y_hat - y) ** 2,
        "bp_delta2": delta2,
        "bp_dq1b": dq1[1],
        "bp_dW2a": delta2 * a1[0],
        "bp_dW1_11": delta1[0] * x[0],
        "bp_dW1_12": delta1[0] * x[1],
    }


def test_the_chapters_worked_example_is_the_lectures(chapter):
    assert chapter["bp_loss"] == pytest.approx(LECTURE["L"], abs=GLUED_DIGITS)
    assert chapter["bp_delta2"] == pytest.approx(LECTURE["delta"], abs=GLUED_DIGITS)
    dW1 = (chapter["bp_dW1_11"], chapter["bp_dW1_12"])
    np.testing.assert_allclose(dW1, LECTURE["dL/dw"], atol=GLUED_DIGITS)


@pytest.mark.parametrize("name", list(_by_hand()))
def test_the_chapters_worked_example_follows_the_delta_recursion(chapter, name):
    assert chapter[name] == pytest.approx(_by_hand()[name], abs=GLUED_DIGITS)


def test_library_closes_the_relu_gate_in_the_worked_example():
    """What the chapter states but does not glue: delta1 = (-1.3, 0) and the zero row of
    dL/dW1 of the unit that did not fire (so the example is repeated here)."""
    net = Sequential(Linear(2, 2), ReLU(), Linear(2, 1))
    net[0].weight[:], net[2].weight[:] = W1, W2
    loss = MSELoss(half=True)
    loss.forward(net.forward(X), TARGET)
    delta1 = net[1].backward(net[2].backward(loss.backward()))
    net[0].backward(delta1)
    np.testing.assert_allclose(delta1, [[LECTURE["delta"], 0.0]], atol=1e-12)
    np.testing.assert_allclose(net[0].grad_weight[0], LECTURE["dL/dw"], atol=1e-12)
    np.testing.assert_allclose(net[0].grad_weight[1], [0.0, 0.0], atol=0)
    assert net[2].grad_weight[0, 1] == 0.0


def test_softmax_cross_entropy_example(chapter):
    p = np.exp(LOGITS[0]) / np.exp(LOGITS[0]).sum()
    # the chapter's numbers (glued rounded to 4 decimals), by hand
    assert chapter["bp_p0"] == pytest.approx(p[0], abs=5e-5)
    assert chapter["bp_ce"] == pytest.approx(-math.log(p[0]), abs=5e-5)
    assert chapter["bp_delta0"] == pytest.approx(p[0] - 1, abs=5e-5)
    # the library: stable for shifted logits, delta = p - onehot
    np.testing.assert_allclose(softmax(LOGITS)[0], p, rtol=1e-12)
    for shift in (0.0, 1000.0):
        ce = SoftmaxCrossEntropyLoss()
        assert ce.forward(LOGITS + shift, np.array([0])) == pytest.approx(-math.log(p[0]))
        np.testing.assert_allclose(ce.backward()[0], p - [1, 0, 0], atol=1e-12)


def test_signals_vanish_through_sigmoids(chapter):
    # the chapter's deep sigmoid network: the signal shrinks by orders of magnitude
    assert chapter["bp_vanish_ratio"] > 1e3


def test_dying_relu(chapter):
    # a percentage of the 32 units of the first hidden layer
    dead_units = chapter["bp_dead1_pct"] / 100 * 32
    assert 0 < dead_units <= 32 and dead_units == round(dead_units)
    assert 0 < chapter["bp_dead2_step"] < 400
    # a dead layer: no gradient reaches the weights, and the output is constant; the best
    # constant for two equal classes predicts 1/2, a loss of ln 2
    assert chapter["bp_dead_grad"] == 0.0
    assert chapter["bp_dead_loss"] == pytest.approx(math.log(2), rel=1e-9)


def test_gradient_checking(chapter):
    # central differences are more accurate than one-sided ones; both far better than 1e-6
    assert 0 < chapter["bp_best_central"] < chapter["bp_best_onesided"] / 10
    assert chapter["bp_best_onesided"] < 1e-6
    # the correct network passes the summary's check (relative error < 1e-6)
    assert 0 <= chapter["bp_report_worst"] < 1e-6


def test_training_lowers_the_loss(chapter):
    assert 0 < chapter["bp_train_loss1"] < chapter["bp_train_loss0"] / 10


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


def test_built_page_has_the_animation_and_no_errors():
    text = PAGE.read_text()
    assert "anim" in text and "Animation" in text, "the JavaScript animation is missing"
    assert "Traceback" not in built_page_text(PAGE)


def test_summary_table_matches_the_chapter(chapter):
    """The summary is prose: each number it states must equal the computed one."""
    summary = summary_of("backprop")
    stated = [float(v) for v in re.findall(r"-?\d+\.\d+", summary)]
    for name in ("bp_delta2", "bp_dW1_11", "bp_dW1_12"):
        value = chapter[name]
        assert any(abs(value - s) < 1e-9 for s in stated), f"{name} = {value} not in the summary"
