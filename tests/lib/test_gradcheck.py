"""gradlib.gradcheck on known functions and broken layers, and the scalar engine
gradlib.autodiff.Value checked with it on random expression graphs."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from strategies import expression_programs, finite_floats, seeds

from gradlib import nn
from gradlib.autodiff import Value
from gradlib.gradcheck import (
    GradientReport,
    check_model_gradients,
    numerical_gradient,
    relative_error,
)
from gradlib.losses import BCEWithLogitsLoss, MSELoss, SoftmaxCrossEntropyLoss


# ------------------------------------------------------------ numerical_gradient
def test_numerical_gradient_of_known_functions():
    x = np.array([[0.5, -1.0, 2.0], [0.0, 3.0, -0.25]])
    np.testing.assert_allclose(numerical_gradient(lambda v: np.sum(v**2), x), 2 * x, atol=1e-8)
    np.testing.assert_allclose(
        numerical_gradient(lambda v: np.sin(v).sum(), x), np.cos(x), rtol=1e-8, atol=1e-9
    )
    a = np.array([[1.0, 2.0], [3.0, 4.0]])  # f(v) = v^T A v has gradient (A + A^T) v
    v = np.array([0.3, -0.7])
    np.testing.assert_allclose(numerical_gradient(lambda u: u @ a @ u, v), (a + a.T) @ v, atol=1e-8)


def test_numerical_gradient_is_exact_for_quadratics_up_to_rounding():
    """Central differences have no truncation error for polynomials of degree 2."""
    x = np.array([1.0, -2.0, 0.5])
    grad = numerical_gradient(lambda v: float(3 * v[0] ** 2 - v[1] * v[2] + v[2]), x, eps=1e-3)
    np.testing.assert_allclose(grad, [6.0, -0.5, 3.0], atol=1e-10)  # (6 v0, -v2, 1 - v1)


def test_numerical_gradient_restores_x_exactly_even_if_f_fails():
    x = np.array([0.1, 0.2, 0.7])
    original = x.copy()
    numerical_gradient(lambda v: float(np.prod(v)), x)
    assert x.tobytes() == original.tobytes()

    calls = []

    def failing(v):
        calls.append(v.copy())
        if len(calls) == 3:
            raise RuntimeError("boom")
        return float(v.sum())

    with pytest.raises(RuntimeError, match="boom"):
        numerical_gradient(failing, x)
    assert x.tobytes() == original.tobytes()
    assert calls[2][1] == pytest.approx(0.2 + 1e-6)  # x is changed in place while f runs


@pytest.mark.parametrize(
    ("f", "x", "eps", "error", "message"),
    [
        (lambda v: 0.0, [1.0, 2.0], 1e-6, TypeError, "numpy array of floats .* got list"),
        (lambda v: 0.0, np.array([1, 2]), 1e-6, TypeError, "of dtype int64"),
        (lambda v: 0.0, np.ones(2), 0.0, ValueError, "eps must be positive, got 0.0"),
        (lambda v: 0.0, np.ones(2), "1e-6", TypeError, "eps must be a real number"),
        (lambda v: v, np.ones(2), 1e-6, TypeError, "f must return a real number"),
        (lambda v: np.nan, np.ones(2), 1e-6, ValueError, "f returned nan"),
        ("f", np.ones(2), 1e-6, TypeError, "f must be callable"),
    ],
)
def test_numerical_gradient_bad_input(f, x, eps, error, message):
    with pytest.raises(error, match=message):
        numerical_gradient(f, x, eps)


# ------------------------------------------------------------ relative_error
arrays = st.integers(1, 6).flatmap(
    lambda n: st.tuples(
        st.lists(finite_floats(-1e3, 1e3), min_size=n, max_size=n),
        st.lists(finite_floats(-1e3, 1e3), min_size=n, max_size=n),
    )
)


@settings(max_examples=80, deadline=None)
@given(pair=arrays, scale=st.floats(1e-3, 1e3))
def test_relative_error_properties(pair, scale):
    a, b = np.array(pair[0]), np.array(pair[1])
    e = relative_error(a, b)
    assert 0.0 <= e <= 1.0
    assert e == relative_error(b, a)
    assert relative_error(a, a) == 0.0
    assert (e == 0.0) == np.array_equal(a, b)
    assert relative_error(scale * a, scale * b) == pytest.approx(e, rel=1e-9, abs=1e-300)


def test_relative_error_values():
    assert relative_error([1.0, 2.0], [1.0, 2.2]) == pytest.approx(0.2 / 4.2)
    assert relative_error([0.0, 0.0], [0.0, 0.0]) == 0.0
    assert relative_error([1.0], [0.0]) == 1.0 and relative_error([1.0], [-1.0]) == 1.0
    assert relative_error(3.0, 3.0) == 0.0
    # one tiny entry does not dominate: 1e-12 against 0 next to entries of size 1
    assert relative_error([1.0, 1e-12], [1.0, 0.0]) < 1e-12
    with pytest.raises(ValueError, match=r"one shape, got \(2,\) and \(3,\)"):
        relative_error(np.ones(2), np.ones(3))
    with pytest.raises(ValueError, match="finite"):
        relative_error([np.nan], [1.0])


# ------------------------------------------------------------ check_model_gradients
class WrongBiasLinear(nn.Linear):
    """A Linear whose backward averages the bias gradient over the batch a second time."""

    def backward(self, grad_out, *, input_grad=True):
        out = super().backward(grad_out, input_grad=input_grad)
        self.grad_bias = self.grad_bias / len(grad_out)
        return out


class ForgetsTheGateReLU(nn.ReLU):
    """A ReLU whose backward lets every gradient through (the gate forgotten)."""

    def backward(self, grad_out):
        return grad_out


def _model(first, activation):
    rng = np.random.default_rng(0)
    for layer in (first,):
        layer.bias[...] = rng.normal(size=layer.bias.shape)
    return nn.Sequential(first, activation, nn.Linear(4, 2, seed=1))


def test_a_correct_model_passes_and_the_report_reads_as_a_table():
    model = _model(nn.Linear(3, 4, seed=0), nn.Tanh())
    x = np.random.default_rng(1).normal(size=(5, 3))
    report = check_model_gradients(model, SoftmaxCrossEntropyLoss(), x, np.array([0, 1, 1, 0, 1]))
    assert isinstance(report, GradientReport) and report.ok() and report.worst < 1e-7
    assert [(r.layer, r.name, r.shape) for r in report] == [
        ("0: Linear(3, 4)", "weight", (4, 3)),
        ("0: Linear(3, 4)", "bias", (4,)),
        ("2: Linear(4, 2)", "weight", (2, 4)),
        ("2: Linear(4, 2)", "bias", (2,)),
        ("input", "x", (5, 3)),
    ]
    text = str(report).splitlines()
    assert text[0].split() == ["layer", "param", "shape", "rel.", "error", "max", "abs", "err"]
    assert text[2].startswith("0: Linear(3, 4)  weight  (4, 3)") and text[2].endswith("ok")
    assert "(4,)" in text[3] and len(text) == 7


def test_a_wrong_bias_gradient_is_flagged():
    model = _model(WrongBiasLinear(3, 4, seed=0), nn.Tanh())
    x = np.random.default_rng(1).normal(size=(5, 3))
    report = check_model_gradients(model, MSELoss(), x, np.zeros((5, 2)))
    by_name = {(r.layer.split(":")[0], r.name): r.relative_error for r in report}
    assert by_name[("0", "bias")] > 0.5  # off by the factor 5 = B
    assert by_name[("0", "weight")] < 1e-7 and by_name[("2", "weight")] < 1e-7
    assert not report.ok() and "<-- CHECK" in str(report)


def test_a_forgotten_relu_gate_is_flagged():
    model = _model(nn.Linear(3, 4, seed=0), ForgetsTheGateReLU())
    x = np.random.default_rng(1).normal(size=(6, 3))
    report = check_model_gradients(model, BCEWithLogitsLoss(), x, np.ones((6, 2)))
    assert report[0].relative_error > 0.01 and report[-1].relative_error > 0.01
    assert report[2].relative_error < 1e-7  # the layer above the ReLU is still right


def test_dropout_in_training_mode_is_checked_with_a_fixed_mask():
    model = nn.mlp([3, 8, 2], activation="tanh", dropout=0.5, seed=3)
    x = np.random.default_rng(0).normal(size=(4, 3))
    dropout = model[2]
    state = dropout.rng.bit_generator.state
    report = check_model_gradients(model, MSELoss(), x, np.zeros((4, 2)))
    assert report.worst < 1e-7
    assert (dropout.mask == 0).any()  # some units were dropped, so the mask mattered
    # afterwards the generator has advanced by exactly one forward pass
    replay = nn.Dropout(0.5, seed=np.random.default_rng())
    replay.rng.bit_generator.state = state
    replay.forward(np.ones((4, 8)))
    assert dropout.rng.bit_generator.state == replay.rng.bit_generator.state


def test_without_fixing_the_mask_the_check_would_fail():
    """The reason for rewinding the generators: fresh masks make finite differences noise."""
    model = nn.mlp([3, 8, 2], activation="tanh", dropout=0.5, seed=3)
    x = np.random.default_rng(0).normal(size=(4, 3))
    loss, target = MSELoss(), np.zeros((4, 2))
    loss.forward(model.forward(x), target)
    model.backward(loss.backward())
    numeric = numerical_gradient(lambda _: loss.forward(model.forward(x), target), model[0].weight)
    assert relative_error(model[0].grad_weight, numeric) > 0.5


def test_check_model_gradients_of_a_single_layer_and_its_parameters_are_restored():
    layer = nn.Linear(3, 2, seed=0)
    weight = layer.weight.copy()
    x = np.random.default_rng(0).normal(size=(2, 3))
    report = check_model_gradients(layer, MSELoss(), x, np.ones((2, 2)), check_input=False)
    assert [(r.layer, r.name) for r in report] == [
        ("Linear(3, 2)", "weight"),
        ("Linear(3, 2)", "bias"),
    ]
    assert report.worst < 1e-7
    assert weight.tobytes() == layer.weight.tobytes()


# ------------------------------------------------------------ autodiff.Value
def _apply(op: str, a, b, c):
    """One instruction of strategies.expression_programs, on Values or on floats."""
    if op == "neg":
        return -a
    if op == "tanh":
        return a.tanh()
    if op == "sigmoid":
        return a.sigmoid()
    if op == "relu":
        return a.relu()
    if op == "square":
        return a**2
    if op == "exp_tanh":
        return a.tanh().exp()
    if op == "log_1p_square":
        return (a * a + 1).log()
    if op == "cube_half":
        return 0.5 * a**3
    if op == "add":
        return a + b
    if op == "sub":
        return a - b
    if op == "mul":
        return a * b
    if op == "div_1p_square":
        return a / (b * b + 1)
    if op == "add_const":
        return c + a
    if op == "mul_const":
        return a * c
    raise AssertionError(op)


def evaluate(leaves, instructions):
    """The Value of the last instruction and the smallest |input| of any relu."""
    nodes = [Value(v) for v in leaves]
    kink = math.inf
    for op, i, j, c in instructions:
        if op == "relu":
            kink = min(kink, abs(nodes[i].data))
        nodes.append(_apply(op, nodes[i], nodes[j], c))
    return nodes, kink


@settings(max_examples=150, deadline=None)
@given(program=expression_programs())
def test_value_gradients_match_finite_differences(program):
    leaves, instructions = program
    nodes, kink = evaluate(leaves, instructions)
    out = nodes[-1]
    assume(kink > 1e-3 and abs(out.data) < 1e3)
    out.backward()
    analytic = np.array([leaf.grad for leaf in nodes[: len(leaves)]])
    numeric = numerical_gradient(
        lambda v: evaluate(list(v), instructions)[0][-1].data, np.array(leaves, dtype=float)
    )
    # Central differences round off about 1e-16 |f| / eps = 1e-10 |f|: below ten times that,
    # a difference cannot be seen (log(1 + a^2) at a = 1e-6 has gradient 2e-6, for instance).
    floor = 1e-9 * max(1.0, abs(out.data))
    error = relative_error(analytic, numeric)
    assert error < 1e-6 or np.max(np.abs(analytic - numeric)) < floor, (analytic, numeric)


def test_value_reused_nodes_collect_every_path():
    x = Value(3.0)
    y = x * x + x  # dy/dx = 2x + 1 = 7
    z = y * y  # dz/dx = 2 y dy/dx = 2 * 12 * 7
    z.backward()
    assert y.grad == 24.0 and x.grad == 168.0
    z.backward()  # a second backward does not pile up
    assert x.grad == 168.0


def test_value_single_neuron_numbers_of_the_lecture():
    x1, x2, w1, w2 = Value(2.0), Value(1.0), Value(0.3), Value(0.1)
    loss = 0.5 * (2.0 - (w1 * x1 + w2 * x2).relu()) ** 2
    loss.backward()
    assert loss.data == pytest.approx(0.845) and w1.grad == pytest.approx(-2.6)
    assert w2.grad == pytest.approx(-1.3)
    w1n, w2n = w1.data - 0.1 * w1.grad, w2.data - 0.1 * w2.grad
    assert (w1n, w2n) == (pytest.approx(0.56), pytest.approx(0.23))
    assert 0.5 * (2.0 - (w1n * 2.0 + w2n * 1.0)) ** 2 == pytest.approx(0.21125)


@pytest.mark.parametrize(
    ("make", "error", "message"),
    [
        (lambda: Value("1.0"), TypeError, "Value data must be a real number, got str"),
        (lambda: Value(True), TypeError, "got bool"),
        (lambda: Value(float("nan")), ValueError, "Value data must be finite, got nan"),
        (lambda: Value(1.0) + "a", TypeError, "operand must be a real number"),
        (lambda: Value(0.0).log(), ValueError, "log needs a positive argument, got 0.0"),
        (lambda: Value(2.0) ** Value(2.0), TypeError, "exponent must be a plain number"),
        (lambda: Value(-2.0) ** 0.5, ValueError, "negative base .* integer exponent, got 0.5"),
        (lambda: Value(0.0) ** -1, ValueError, "no finite derivative"),
        (lambda: Value(1.0) / 0.0, ZeroDivisionError, "division of a Value by zero"),
    ],
)
def test_value_error_messages(make, error, message):
    with pytest.raises(error, match=message):
        make()


@settings(max_examples=30, deadline=None)
@given(a=finite_floats(-30, 30))
def test_value_sigmoid_is_stable_and_matches_the_formula(a):
    s = Value(a).sigmoid()
    assert s.data == pytest.approx(1 / (1 + math.exp(-a)), rel=1e-12)


@settings(max_examples=20, deadline=None)
@given(seed=seeds)
def test_value_agrees_with_the_array_layers(seed):
    """A 2-2-1 tanh network through Value and through gradlib.nn gives the same gradients."""
    rng = np.random.default_rng(seed)
    model = nn.mlp([2, 2, 1], activation="tanh", seed=rng)
    x, y = rng.normal(size=2), float(rng.normal())
    loss = MSELoss(half=True)
    loss.forward(model.forward(x[None, :]), np.array([[y]]))
    model.backward(loss.backward())
    w1, b1, w2, b2 = ([[Value(v) for v in row] for row in np.atleast_2d(p)] for p in model.params())
    hidden = [
        (sum((w * xi for w, xi in zip(row, x, strict=True)), Value(0.0)) + b).tanh()
        for row, b in zip(w1, b1[0], strict=True)
    ]
    out = sum((w * h for w, h in zip(w2[0], hidden, strict=True)), Value(0.0)) + b2[0][0]
    value_loss = 0.5 * (out - y) ** 2
    value_loss.backward()
    np.testing.assert_allclose([[w.grad for w in row] for row in w1], model[0].grad_weight)
    np.testing.assert_allclose([b.grad for b in b1[0]], model[0].grad_bias)
    np.testing.assert_allclose([w.grad for w in w2[0]], model[2].grad_weight[0])
