"""gradlib.nn: layers against finite differences, the lectures' numbers and hand derivations."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given, settings
from strategies import MLPCase, mlp_cases

from gradlib import nn
from gradlib.gradcheck import check_model_gradients
from gradlib.losses import MSELoss, SoftmaxCrossEntropyLoss

ALL_ACTIVATIONS = [nn.ReLU, nn.LeakyReLU, nn.Sigmoid, nn.Tanh, nn.Identity]


def _assert_gradients_match(report, loss_value: float):
    """Relative error < 1e-6 for every array, except where its errors are all below the noise
    of the central difference itself: rounding gives about 1e-16 |L| / eps = 1e-10 |L|, so an
    array whose entries all agree within 1e-9 max(1, |L|) is as close as it can be checked
    (a LeakyReLU's negative side, for instance, makes gradients of 1e-4 and less)."""
    floor = 1e-9 * max(1.0, abs(loss_value))
    for record in report:
        assert record.relative_error < 1e-6 or record.max_abs_error < floor, str(report)


# ------------------------------------------------------------ finite differences
@settings(max_examples=120, deadline=None)
@given(case=mlp_cases())
def test_every_gradient_matches_finite_differences(case: MLPCase):
    model, loss, x, target = case.build()
    assume(case.min_distance_to_kink(model, x) > 1e-3)  # no ReLU input next to its kink
    report = check_model_gradients(model, loss, x, target)
    assert [r.shape for r in report] == [p.shape for p in model.params()] + [x.shape]
    _assert_gradients_match(report, loss.forward(model.forward(x), target))


@pytest.mark.parametrize("activation", ALL_ACTIVATIONS)
def test_each_activation_alone_matches_finite_differences(activation):
    rng = np.random.default_rng(1)
    z = rng.normal(0, 2, (4, 5))
    z[np.abs(z) < 1e-2] = 0.5  # keep away from the ReLU kink
    model = nn.Sequential(activation())
    target = rng.normal(size=(4, 5))
    report = check_model_gradients(model, MSELoss(), z, target)
    assert len(report) == 1 and report[0].relative_error < 1e-7


# ------------------------------------------------------------ the lectures' numbers
def test_single_neuron_walkthrough_of_the_lecture():
    """The Physics 356 lesson: x = (2, 1), w = (0.3, 0.1), y = 2, ReLU, L = (y - y_hat)^2 / 2."""
    layer = nn.Linear(2, 1)
    layer.weight[...] = [[0.3, 0.1]]
    layer.bias[...] = 0.0
    model, loss = nn.Sequential(layer, nn.ReLU()), MSELoss(half=True)
    x, y = np.array([[2.0, 1.0]]), np.array([[2.0]])

    assert model.forward(x)[0, 0] == pytest.approx(0.7)
    assert loss.forward(model.forward(x), y) == pytest.approx(0.845, abs=1e-12)
    assert loss.backward()[0, 0] == pytest.approx(-1.3, abs=1e-12)
    model.backward(loss.backward())
    np.testing.assert_allclose(layer.grad_weight, [[-2.6, -1.3]], atol=1e-12)

    layer.weight -= 0.1 * layer.grad_weight  # the lecture's neuron has no bias to update
    np.testing.assert_allclose(layer.weight, [[0.56, 0.23]], atol=1e-12)
    assert loss.forward(model.forward(x), y) == pytest.approx(0.21125, abs=1e-12)


def _two_layer():
    """x -> Linear(2, 3) -> ReLU -> Linear(3, 1) with small hand-picked weights."""
    first, second = nn.Linear(2, 3), nn.Linear(3, 1)
    first.weight[...] = [[1.0, -1.0], [2.0, 0.0], [-1.0, 1.0]]
    first.bias[...] = [0.0, -1.0, 0.5]
    second.weight[...] = [[1.0, -2.0, 0.5]]
    second.bias[...] = [0.25]
    return first, second, nn.Sequential(first, nn.ReLU(), second)


def test_two_layer_delta_recursion_by_hand():
    """The Physics 356 lesson's two-layer network, every number by hand for x = (1, 2), y = 1:

    z1 = W1 x + b1 = (-1, 1, 1.5), a1 = relu(z1) = (0, 1, 1.5), y_hat = W2 a1 + b2 = -1,
    delta2 = y_hat - y = -2, dL/dW2 = delta2 a1^T = (0, -2, -3), dL/db2 = -2,
    delta1 = W2^T delta2 * 1[z1 > 0] = (-2, 4, -1) * (0, 1, 1) = (0, 4, -1),
    dL/dW1 = delta1 x^T = [[0, 0], [4, 8], [-1, -2]], dL/db1 = delta1,
    dL/dx = W1^T delta1 = (9, -1), L = 1/2 (y - y_hat)^2 = 2.
    """
    first, second, model = _two_layer()
    loss = MSELoss(half=True)
    x, y = np.array([[1.0, 2.0]]), np.array([[1.0]])
    assert loss.forward(model.forward(x), y) == 2.0
    dx = model.backward(loss.backward())
    np.testing.assert_array_equal(second.grad_weight, [[0.0, -2.0, -3.0]])
    np.testing.assert_array_equal(second.grad_bias, [-2.0])
    np.testing.assert_array_equal(first.grad_weight, [[0.0, 0.0], [4.0, 8.0], [-1.0, -2.0]])
    np.testing.assert_array_equal(first.grad_bias, [0.0, 4.0, -1.0])
    np.testing.assert_array_equal(dx, [[9.0, -1.0]])


def test_batch_rows_average_the_lectures_column_formulas():
    """The row form (grad_W = delta^T A) is the batch mean of the column form delta a^T."""
    rng = np.random.default_rng(7)
    first, second, model = _two_layer()
    loss = MSELoss(half=True)
    xs, ys = rng.normal(size=(5, 2)), rng.normal(size=(5, 1))
    loss.forward(model.forward(xs), ys)
    model.backward(loss.backward())

    W1, b1 = first.weight, first.bias[:, None]
    W2, b2 = second.weight, second.bias[:, None]
    sums = [np.zeros_like(W1), np.zeros_like(b1), np.zeros_like(W2), np.zeros_like(b2)]
    for x, y in zip(xs, ys, strict=True):  # one column vector at a time, as in the lecture
        x, y = x[:, None], y[:, None]
        z1 = W1 @ x + b1
        a1 = np.maximum(z1, 0)
        y_hat = W2 @ a1 + b2
        delta2 = y_hat - y
        delta1 = (W2.T @ delta2) * (z1 > 0)
        for total, term in zip(sums, [delta1 @ x.T, delta1, delta2 @ a1.T, delta2], strict=True):
            total += term
    expected = [s / len(xs) for s in sums]
    got = [first.grad_weight, first.grad_bias[:, None]]
    got += [second.grad_weight, second.grad_bias[:, None]]
    for g, e in zip(got, expected, strict=True):
        np.testing.assert_allclose(g, e, rtol=1e-12, atol=1e-15)


# ------------------------------------------------------------ activations
def test_relu_and_leaky_relu_derivatives_at_zero_follow_torch():
    z = np.array([[-1.0, 0.0, 2.0]])
    relu, leaky = nn.ReLU(), nn.LeakyReLU(negative_slope=0.1)
    np.testing.assert_array_equal(relu.forward(z), [[0.0, 0.0, 2.0]])
    np.testing.assert_array_equal(relu.backward(np.ones((1, 3))), [[0.0, 0.0, 1.0]])
    np.testing.assert_allclose(leaky.forward(z), [[-0.1, 0.0, 2.0]])
    np.testing.assert_allclose(leaky.backward(np.ones((1, 3))), [[0.1, 0.1, 1.0]])


def test_sigmoid_and_tanh_are_stable_at_extreme_inputs(recwarn):
    z = np.array([[-1000.0, -40.0, 0.0, 40.0, 1000.0]])
    sigmoid, tanh = nn.Sigmoid(), nn.Tanh()
    s = sigmoid.forward(z)
    assert s[0, 0] == 0.0 and s[0, -1] == 1.0 and s[0, 2] == 0.5
    assert s[0, 1] == pytest.approx(np.exp(-40.0), rel=1e-12)  # no cancellation in the tail
    np.testing.assert_allclose(sigmoid.backward(np.ones_like(z)), s * (1 - s))
    np.testing.assert_array_equal(tanh.forward(z)[0, [0, -1]], [-1.0, 1.0])
    np.testing.assert_allclose(tanh.backward(np.ones_like(z)), 1 - np.tanh(z) ** 2)
    assert not recwarn.list


def test_identity_passes_values_and_gradients_through():
    layer, z = nn.Identity(), np.arange(6.0).reshape(2, 3)
    np.testing.assert_array_equal(layer.forward(z), z)
    np.testing.assert_array_equal(layer.backward(-z), -z)


# ------------------------------------------------------------ dropout
def test_dropout_keeps_the_mean_and_drops_at_rate_p():
    """Each output is 0 (probability p) or 1/(1-p): mean 1, variance p/(1-p) per entry.

    Over n = 200,000 entries the sample mean has standard deviation sqrt(p/(1-p)/n) and
    the dropped fraction sqrt(p(1-p)/n), both below 0.0015 for p = 0.3: 5 sigma bounds.
    """
    p, shape = 0.3, (1000, 200)
    n = shape[0] * shape[1]
    layer = nn.Dropout(p, seed=0)
    out = layer.forward(np.ones(shape))
    assert set(np.unique(out).tolist()) == {0.0, 1 / (1 - p)}
    assert abs(out.mean() - 1.0) < 5 * np.sqrt(p / (1 - p) / n)
    assert abs(np.mean(out == 0) - p) < 5 * np.sqrt(p * (1 - p) / n)


def test_dropout_backward_uses_the_forward_mask():
    layer = nn.Dropout(0.5, seed=3)
    x = np.random.default_rng(0).normal(size=(6, 8))
    y = layer.forward(x)
    grad = layer.backward(np.ones_like(x))
    np.testing.assert_array_equal(grad, layer.mask)
    np.testing.assert_array_equal(y, x * layer.mask)
    assert (grad == 0).any() and (grad == 2.0).any()


def test_dropout_same_seed_same_masks_and_eval_is_identity():
    x = np.ones((4, 10))
    a, b, c = nn.Dropout(0.5, seed=11), nn.Dropout(0.5, seed=11), nn.Dropout(0.5, seed=12)
    masks_a = [a.forward(x) for _ in range(3)]
    masks_b = [b.forward(x) for _ in range(3)]
    for ma, mb in zip(masks_a, masks_b, strict=True):
        np.testing.assert_array_equal(ma, mb)
    assert not np.array_equal(masks_a[1], masks_a[0])  # a new mask every forward
    assert not np.array_equal(c.forward(x), masks_a[0])
    a.eval()
    assert a.forward(x) is not None and np.array_equal(a.forward(x), x) and a.mask is None
    np.testing.assert_array_equal(a.backward(2 * x), 2 * x)
    a.train()
    assert not np.array_equal(a.forward(x), x)


def test_dropout_zero_p_is_the_identity_in_training():
    x = np.random.default_rng(0).normal(size=(3, 4))
    np.testing.assert_array_equal(nn.Dropout(0.0, seed=0).forward(x), x)


def test_train_and_eval_propagate_to_every_layer():
    model = nn.mlp([3, 4, 4, 2], dropout=0.2, seed=0)
    assert all(layer.training for layer in model)
    assert model.eval() is model and not any(layer.training for layer in model)
    model.train()
    assert all(layer.training for layer in model)


# ------------------------------------------------------------ Linear, params, grads
@pytest.mark.parametrize(("init", "std"), [("he", np.sqrt(2 / 400)), ("xavier", np.sqrt(2 / 700))])
def test_initialisation_scale(init, std):
    """Sample std of 120,000 normal weights: relative standard error 1/sqrt(2n) = 0.2%."""
    layer = nn.Linear(400, 300, init=init, seed=0)
    assert layer.weight.shape == (300, 400) and layer.bias.shape == (300,)
    assert abs(layer.weight.std() / std - 1) < 0.01
    assert abs(layer.weight.mean()) < 5 * std / np.sqrt(layer.weight.size)
    np.testing.assert_array_equal(layer.bias, 0.0)


def test_seeding_is_reproducible_and_never_touches_the_global_state():
    before = np.random.get_state()[1].copy()  # noqa: NPY002 (the global state, unused)
    a, b = nn.mlp([3, 5, 2], seed=42), nn.mlp([3, 5, 2], seed=42)
    for p, q in zip(a.params(), b.params(), strict=True):
        np.testing.assert_array_equal(p, q)
    assert not np.array_equal(nn.mlp([3, 5, 2], seed=43).params()[0], a.params()[0])
    rng = np.random.default_rng(5)
    state = rng.bit_generator.state
    nn.Linear(3, 2, seed=rng)
    assert rng.bit_generator.state != state  # a Generator passed in is used, not copied
    np.testing.assert_array_equal(np.random.get_state()[1], before)  # noqa: NPY002


def test_params_are_the_arrays_themselves_and_grads_match_them():
    model = nn.mlp([3, 4, 2], seed=0)
    x = np.random.default_rng(0).normal(size=(5, 3))
    assert [p.shape for p in model.params()] == [(4, 3), (4,), (2, 4), (2,)]
    assert [g.shape for g in model.grads()] == [p.shape for p in model.params()]
    assert nn.ReLU().params() == [] and nn.ReLU().grads() == []
    out = model.forward(x)
    model.backward(np.ones_like(out))
    assert model.grads()[0] is model[0].grad_weight and model.grads()[3] is model[2].grad_bias
    for p in model.params():
        p *= 0.0  # an optimizer's in-place update reaches the model
    np.testing.assert_array_equal(model.forward(x), 0.0)
    assert [name for name, _ in model.named_params()] == [
        "0.weight",
        "0.bias",
        "2.weight",
        "2.bias",
    ]


def test_sequential_backward_chains_the_layers_and_can_skip_the_input_gradient():
    model = nn.mlp([3, 4, 4, 2], activation="tanh", seed=1)
    x = np.random.default_rng(1).normal(size=(5, 3))
    out = model.forward(x)
    g = np.random.default_rng(2).normal(size=out.shape)
    dx = model.backward(g)
    grads = [q.copy() for q in model.grads()]
    manual = g
    for layer in reversed(model.layers):
        manual = layer.backward(manual)
    np.testing.assert_allclose(dx, manual)
    assert model.backward(g, input_grad=False) is None
    for q, r in zip(model.grads(), grads, strict=True):
        np.testing.assert_array_equal(q, r)


def test_first_layer_without_parameters_is_skipped_when_no_input_gradient_is_needed():
    model = nn.Sequential(nn.Tanh(), nn.Linear(3, 2, seed=0))
    x = np.random.default_rng(0).normal(size=(4, 3))
    model.forward(x)
    full = model.backward(np.ones((4, 2)))
    assert full.shape == (4, 3)
    assert model.backward(np.ones((4, 2)), input_grad=False) is None


def test_mlp_builder():
    model = nn.mlp([4, 8, 8, 3], activation="sigmoid", dropout=0.1, seed=0)
    kinds = [type(layer) for layer in model]
    hidden = [nn.Linear, nn.Sigmoid, nn.Dropout]
    assert kinds == hidden + hidden + [nn.Linear]
    assert model[0].init == "xavier" and nn.mlp([2, 2], seed=0)[0].init == "he"
    assert type(nn.mlp([2, 3, 1], output_activation="sigmoid", seed=0)[-1]) is nn.Sigmoid
    assert "Linear(4, 8)" in repr(model)


# ------------------------------------------------------------ float32
def test_float32_end_to_end_keeps_the_dtype():
    model = nn.mlp([3, 6, 6, 4], activation="leaky_relu", dropout=0.2, seed=0, dtype=np.float32)
    loss = SoftmaxCrossEntropyLoss()
    x = np.random.default_rng(0).normal(size=(5, 3)).astype(np.float32)
    out = model.forward(x)
    assert out.dtype == np.float32
    value = loss.forward(out, np.array([0, 1, 2, 3, 0]))
    assert isinstance(value, float)
    grad = loss.backward()
    assert grad.dtype == np.float32
    assert model.backward(grad).dtype == np.float32
    assert {g.dtype for g in model.grads()} == {np.dtype(np.float32)}
    for layer in (nn.Sigmoid(), nn.Tanh(), nn.ReLU(), nn.LeakyReLU(), nn.Identity()):
        assert layer.forward(x).dtype == np.float32
        assert layer.backward(x).dtype == np.float32


def test_integer_input_is_converted_to_the_parameters_dtype():
    layer = nn.Linear(2, 2, seed=0, dtype=np.float32)
    assert layer.forward(np.array([[1, 2]])).dtype == np.float32
    assert nn.ReLU().forward([[1, -2]]).dtype == np.float64


# ------------------------------------------------------------ bad input
@pytest.mark.parametrize(
    ("make", "error", "message"),
    [
        (lambda: nn.Linear(0, 3), ValueError, "in_features must be a positive integer, got 0"),
        (lambda: nn.Linear(2.0, 3), TypeError, "in_features must be a positive integer, got float"),
        (lambda: nn.Linear(2, True), TypeError, "out_features must be a positive integer"),
        (lambda: nn.Linear(2, 3, init="glorot"), ValueError, 'init must be "he" or "xavier"'),
        (lambda: nn.Linear(2, 3, dtype=np.int64), TypeError, "float32 or float64, got int64"),
        (lambda: nn.Linear(2, 3, seed="abc"), TypeError, "seed must be None"),
        (lambda: nn.Linear(2, 3, seed=-1), ValueError, "non-negative"),
        (lambda: nn.Dropout(1.0), ValueError, r"in \[0.0, 1.0\), got 1.0"),
        (lambda: nn.Dropout(-0.1), ValueError, r"in \[0.0, 1.0\), got -0.1"),
        (lambda: nn.Dropout(float("nan")), ValueError, "finite"),
        (lambda: nn.Dropout("0.5"), TypeError, "real number, got str"),
        (lambda: nn.LeakyReLU(np.inf), ValueError, "negative_slope must be finite"),
        (lambda: nn.mlp([3]), ValueError, "at least two"),
        (lambda: nn.mlp([3, 0, 2]), ValueError, r"sizes\[1\] must be a positive integer, got 0"),
        (lambda: nn.mlp([3, 2], activation="gelu"), ValueError, "activation must be one of"),
        (
            lambda: nn.Sequential(nn.Linear(2, 3), nn.ReLU(), nn.Linear(4, 1)),
            ValueError,
            r"layer 0 Linear\(2, 3\) outputs 3 features but layer 2 Linear\(4, 1\) expects 4",
        ),
        (
            lambda: nn.Sequential(nn.Linear(2, 3), nn.Linear(3, 1, dtype=np.float32)),
            TypeError,
            "one dtype",
        ),
        (lambda: nn.Sequential([nn.ReLU()]), TypeError, r"Sequential\(\*layers\)"),
        (lambda: nn.Sequential(nn.ReLU(), "relu"), TypeError, "layer 1 must have forward"),
    ],
)
def test_bad_arguments_are_reported(make, error, message):
    with pytest.raises(error, match=message):
        make()


@pytest.mark.parametrize(
    ("x", "error", "message"),
    [
        (np.ones(3), ValueError, r"must be a 2-D array of shape \(B, 3\), got shape \(3,\)"),
        (np.ones((2, 4)), ValueError, r"must have shape \(B, 3\), got \(2, 4\)"),
        (np.ones((2, 3, 1)), ValueError, "2-D array"),
        (np.array([[1.0, np.nan, 0.0]]), ValueError, r"finite numbers, got nan at index \(0, 1\)"),
        (np.array([[1.0, np.inf, 0.0]]), ValueError, "finite numbers, got inf"),
        (np.array([["a", "b", "c"]]), TypeError, "real numbers, got dtype <U1"),
        (np.ones((2, 3), dtype=np.float32), TypeError, "dtype float32 but the layer's parameters"),
        (np.ones((2, 3), dtype=bool), TypeError, "real numbers, got dtype bool"),
    ],
)
def test_bad_input_to_linear_and_to_a_sequential(x, error, message):
    with pytest.raises(error, match=message):
        nn.Linear(3, 2, seed=0).forward(x)
    with pytest.raises(error, match=message):
        nn.mlp([3, 4, 2], seed=0).forward(x)


def test_bad_input_to_an_activation():
    with pytest.raises(ValueError, match=r"ReLU.forward input must be a 2-D array"):
        nn.ReLU().forward(np.ones(4))
    with pytest.raises(ValueError, match="Tanh.forward input must contain only finite"):
        nn.Tanh().forward([[np.nan]])


@pytest.mark.parametrize(
    "layer", [nn.Linear(3, 2, seed=0), nn.ReLU(), nn.Dropout(0.5), nn.mlp([3, 2], seed=0)]
)
def test_backward_before_forward_is_reported(layer):
    with pytest.raises(ValueError, match="backward was called before forward"):
        layer.backward(np.ones((2, 2)))


def test_backward_checks_grad_out_against_the_forward_output():
    layer = nn.Linear(3, 2, seed=0)
    layer.forward(np.ones((4, 3)))
    expected = r"shape of the last forward output \(4, 2\), got \(1, 2\)"
    with pytest.raises(ValueError, match=expected):
        layer.backward(np.ones((1, 2)))  # would broadcast over the batch
    with pytest.raises(ValueError, match=r"got \(4, 2, 1\)"):
        layer.backward(np.ones((4, 2, 1)))
    with pytest.raises(TypeError, match="dtype of the forward pass, float64, got float32"):
        layer.backward(np.ones((4, 2), dtype=np.float32))
    with pytest.raises(ValueError, match="grad_out must contain only finite"):
        layer.backward(np.full((4, 2), np.nan))
    model = nn.mlp([3, 4, 2], seed=0)
    model.forward(np.ones((4, 3)))
    with pytest.raises(ValueError, match=r"shape of the last forward output \(4, 2\), got \(4,\)"):
        model.backward(np.ones(4))


def test_a_failing_layer_does_not_leave_the_checks_switched_off():
    model = nn.mlp([3, 4, 2], seed=0)
    model.forward(np.ones((2, 3)))
    with pytest.raises(ValueError):
        model.backward(np.ones((2, 5)))
    with pytest.raises(ValueError, match="finite"):
        nn.ReLU().forward([[np.nan]])  # checks are on again outside the Sequential


# ------------------------------------------------------------ checks at the boundary only
def test_a_subclass_that_overrides_the_public_methods_is_used_inside_a_sequential():
    """The book's buggy ReLU rewrites ``backward`` itself; a Sequential must call that method
    (not the parent's equations), so the gradient check sees the bug below the faulty layer."""

    class UngatedReLU(nn.ReLU):
        def backward(self, upstream):
            return upstream  # no gate

    class Doubled(nn.Identity):
        def forward(self, x):
            return 2 * super().forward(x)

        def backward(self, grad_out):
            return 2 * super().backward(grad_out)

    rng = np.random.default_rng(3)
    x, labels = rng.normal(size=(8, 2)), rng.integers(0, 3, 8)
    net = nn.mlp([2, 6, 3], seed=7)
    buggy = nn.Sequential(net[0], UngatedReLU(), net[2])
    assert (net[0].forward(x) < 0).any()  # the missing gate matters for this input
    report = check_model_gradients(buggy, SoftmaxCrossEntropyLoss(), x, labels)
    first_layer, last_layer = report[:2], report[2:4]
    assert all(r.relative_error > 1e-3 for r in first_layer)
    assert all(r.relative_error < 1e-6 for r in last_layer)

    doubled = nn.Sequential(nn.Linear(2, 3, seed=0), Doubled())
    np.testing.assert_allclose(doubled.forward(x), 2 * doubled[0].forward(x))
    report = check_model_gradients(doubled, MSELoss(), x, rng.normal(size=(8, 3)))
    _assert_gradients_match(report, 1.0)


def test_a_sequential_checks_its_input_against_its_first_linear_even_when_nested():
    inner = nn.Sequential(nn.Tanh(), nn.Linear(3, 4, seed=0, dtype=np.float32))
    model = nn.Sequential(inner, nn.ReLU(), nn.Linear(4, 2, seed=1, dtype=np.float32))
    with pytest.raises(ValueError, match=r"Sequential.forward input must have shape \(B, 3\)"):
        model.forward(np.ones((2, 5), dtype=np.float32))
    with pytest.raises(TypeError, match="dtype float64 but the layer's parameters are float32"):
        model.forward(np.ones((2, 3)))
    assert model.forward(np.ones((2, 3), dtype=int)).dtype == np.float32  # integers converted
    with pytest.raises(ValueError, match="finite numbers, got nan"):
        model.forward(np.array([[0.0, np.nan, 1.0]], dtype=np.float32))


def test_an_empty_sequential_says_so():
    with pytest.raises(ValueError, match="has no layers to run"):
        nn.Sequential().forward(np.ones((2, 3)))
