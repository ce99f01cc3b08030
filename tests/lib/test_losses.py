"""gradlib.losses: values against direct formulas, gradients against finite differences."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import seeds

from gradlib.gradcheck import numerical_gradient, relative_error
from gradlib.losses import BCEWithLogitsLoss, MSELoss, SoftmaxCrossEntropyLoss, softmax


def _random_case(seed: int, batch: int, outputs: int, kind: str):
    """``(loss, prediction, target)`` for ``kind`` in mse, mse_half, ce_labels, ce_probs, bce."""
    rng = np.random.default_rng(seed)
    prediction = rng.normal(0, 3, (batch, outputs))
    if kind.startswith("mse"):
        return MSELoss(half=kind == "mse_half"), prediction, rng.normal(size=(batch, outputs))
    if kind == "ce_labels":
        return SoftmaxCrossEntropyLoss(), prediction, rng.integers(0, outputs, batch)
    if kind == "ce_probs":
        return SoftmaxCrossEntropyLoss(), prediction, rng.dirichlet(np.ones(outputs), batch)
    return BCEWithLogitsLoss(), prediction, rng.uniform(0, 1, (batch, outputs))


KINDS = ["mse", "mse_half", "ce_labels", "ce_probs", "bce"]


@settings(max_examples=60, deadline=None)
@given(
    seed=seeds,
    batch=st.integers(1, 5),
    outputs=st.integers(1, 6),
    kind=st.sampled_from(KINDS),
)
def test_backward_matches_finite_differences(seed, batch, outputs, kind):
    loss, prediction, target = _random_case(seed, batch, outputs, kind)
    loss.forward(prediction, target)
    grad = loss.backward()
    assert grad.shape == prediction.shape and grad.dtype == prediction.dtype
    numeric = numerical_gradient(lambda p: loss.forward(p, target), prediction.copy())
    assert relative_error(grad, numeric) < 1e-7 or np.abs(grad - numeric).max() < 1e-9


# ------------------------------------------------------------ values, by hand
def test_mse_gives_the_lectures_single_neuron_numbers():
    loss = MSELoss(half=True)
    assert loss.forward(np.array([[0.7]]), np.array([[2.0]])) == pytest.approx(0.845, abs=1e-12)
    np.testing.assert_allclose(loss.backward(), [[-1.3]], atol=1e-12)


def test_mse_convention_sum_over_outputs_mean_over_batch():
    prediction = np.array([[1.0, 2.0], [0.0, 0.0], [3.0, -1.0]])
    target = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    # row sums of squared errors: 1 + 4 = 5, 0 + 1 = 1, 4 + 4 = 8; mean over 3 rows: 14 / 3
    assert MSELoss().forward(prediction, target) == pytest.approx(14 / 3)
    half = MSELoss(half=True)
    assert half.forward(prediction, target) == pytest.approx(7 / 3)
    np.testing.assert_allclose(half.backward(), (prediction - target) / 3)
    full = MSELoss()
    full.forward(prediction, target)
    np.testing.assert_allclose(full.backward(), 2 * (prediction - target) / 3)


def test_softmax_cross_entropy_by_hand():
    # logits (0, ln 2, ln 5): p = (1, 2, 5) / 8; label 2: L = -ln(5/8); one-hot gives the same
    logits = np.array([[0.0, np.log(2.0), np.log(5.0)]])
    loss = SoftmaxCrossEntropyLoss()
    assert loss.forward(logits, np.array([2])) == pytest.approx(-np.log(5 / 8))
    np.testing.assert_allclose(loss.backward(), [[1 / 8, 2 / 8, 5 / 8 - 1]])
    assert loss.forward(logits, np.array([[0.0, 0.0, 1.0]])) == pytest.approx(-np.log(5 / 8))
    np.testing.assert_allclose(loss.backward(), [[1 / 8, 2 / 8, 5 / 8 - 1]])
    soft = np.array([[0.5, 0.5, 0.0]])  # -(0.5 ln 1/8 + 0.5 ln 2/8)
    assert loss.forward(logits, soft) == pytest.approx(-(0.5 * np.log(1 / 8) + 0.5 * np.log(2 / 8)))
    np.testing.assert_allclose(loss.backward(), [[1 / 8 - 0.5, 2 / 8 - 0.5, 5 / 8]])


def test_cross_entropy_averages_over_the_batch():
    logits = np.array([[0.0, 0.0], [np.log(3.0), 0.0]])  # p = (1/2, 1/2), (3/4, 1/4)
    loss = SoftmaxCrossEntropyLoss()
    assert loss.forward(logits, np.array([0, 1])) == pytest.approx((np.log(2) + np.log(4)) / 2)
    np.testing.assert_allclose(loss.backward(), [[-0.25, 0.25], [0.375, -0.375]])


def test_bce_with_logits_by_hand():
    # x = ln 3: sigmoid = 3/4; y = 1: L = -ln(3/4); y = 0: L = -ln(1/4); gradient (3/4 - y) / B
    x = np.array([[np.log(3.0)], [np.log(3.0)]])
    loss = BCEWithLogitsLoss()
    assert loss.forward(x, np.array([[1.0], [0.0]])) == pytest.approx(
        (-np.log(0.75) - np.log(0.25)) / 2
    )
    np.testing.assert_allclose(loss.backward(), [[-0.125], [0.375]])


def test_large_logits_neither_overflow_nor_warn(recwarn):
    logits = np.array([[1000.0, 0.0, -1000.0], [-1000.0, -1000.0, -999.0]])
    ce = SoftmaxCrossEntropyLoss()
    expected = (2000.0 + np.log1p(2 * np.exp(-1.0))) / 2  # rows: 1000 - (-1000), log(1 + 2/e)
    assert ce.forward(logits, np.array([2, 2])) == pytest.approx(expected)
    assert np.isfinite(ce.backward()).all()
    bce = BCEWithLogitsLoss()
    value = bce.forward(np.array([[800.0], [-800.0]]), np.array([[0.0], [1.0]]))
    assert value == pytest.approx(800.0)
    np.testing.assert_allclose(bce.backward(), [[0.5], [-0.5]])
    np.testing.assert_allclose(softmax(logits)[0], [1.0, 0.0, 0.0])
    assert not recwarn.list


@settings(max_examples=40, deadline=None)
@given(seed=seeds, shift=st.floats(-50, 50))
def test_softmax_sums_to_one_and_ignores_a_shift(seed, shift):
    z = np.random.default_rng(seed).normal(0, 5, (3, 4))
    p = softmax(z)
    np.testing.assert_allclose(p.sum(axis=1), 1.0)
    np.testing.assert_allclose(softmax(z + shift), p, rtol=1e-9, atol=1e-15)
    np.testing.assert_allclose(softmax(z.T, axis=0), p.T)


def test_float32_predictions_give_float32_gradients():
    rng = np.random.default_rng(0)
    p = rng.normal(size=(4, 3)).astype(np.float32)
    cases = [
        (MSELoss(), rng.normal(size=(4, 3))),  # a float64 target is converted
        (SoftmaxCrossEntropyLoss(), np.array([0, 1, 2, 0])),
        (SoftmaxCrossEntropyLoss(), np.eye(3)[[0, 1, 2, 0]]),
        (BCEWithLogitsLoss(), rng.uniform(size=(4, 3)).astype(np.float32)),
    ]
    for loss, target in cases:
        assert isinstance(loss.forward(p, target), float)
        assert loss.backward().dtype == np.float32
    assert softmax(p).dtype == np.float32


def test_backward_returns_a_fresh_array_each_time():
    loss = SoftmaxCrossEntropyLoss()
    loss.forward(np.zeros((2, 3)), np.array([0, 1]))
    first = loss.backward()
    first[...] = 99.0
    np.testing.assert_allclose(loss.backward().sum(axis=1), 0.0, atol=1e-15)


# ------------------------------------------------------------ bad input
@pytest.mark.parametrize("loss", [MSELoss(), SoftmaxCrossEntropyLoss(), BCEWithLogitsLoss()])
def test_backward_before_forward(loss):
    with pytest.raises(ValueError, match="backward was called before forward"):
        loss.backward()


@pytest.mark.parametrize(
    ("loss", "prediction", "target", "error", "message"),
    [
        (
            MSELoss(),
            np.ones((3, 1)),
            np.ones(3),
            ValueError,
            r"prediction \(3, 1\), got \(3,\); reshape it with target.reshape\(-1, 1\)",
        ),
        (MSELoss(), np.ones((3, 2)), np.ones((1, 2)), ValueError, r"\(3, 2\), got \(1, 2\)"),
        (MSELoss(), np.ones(3), np.ones(3), ValueError, r"2-D array of shape \(B, outputs\)"),
        (MSELoss(), np.array([[np.nan]]), np.ones((1, 1)), ValueError, "prediction must contain"),
        (MSELoss(), np.ones((1, 1)), np.array([[np.inf]]), ValueError, "target must contain only"),
        (MSELoss(), np.array([["x"]]), np.ones((1, 1)), TypeError, "real numbers"),
        (
            SoftmaxCrossEntropyLoss(),
            np.zeros((2, 3)),
            np.array([0, 3]),
            ValueError,
            "labels must be in 0..2 for 3 classes, got 3",
        ),
        (
            SoftmaxCrossEntropyLoss(),
            np.zeros((2, 3)),
            np.array([-1, 0]),
            ValueError,
            "labels must be in 0..2 for 3 classes, got -1",
        ),
        (
            SoftmaxCrossEntropyLoss(),
            np.zeros((2, 3)),
            np.array([0.0, 1.0]),
            TypeError,
            "labels must be integers, got dtype float64",
        ),
        (
            SoftmaxCrossEntropyLoss(),
            np.zeros((2, 3)),
            np.array([0, 1, 2]),
            ValueError,
            r"labels of shape \(2,\) or probabilities of shape \(2, 3\), got \(3,\)",
        ),
        (
            SoftmaxCrossEntropyLoss(),
            np.zeros((2, 3)),
            np.ones((2, 2)) / 2,
            ValueError,
            r"got \(2, 2\)",
        ),
        (
            SoftmaxCrossEntropyLoss(),
            np.zeros((2, 3)),
            np.ones((2, 3)),
            ValueError,
            "rows summing to 1",
        ),
        (
            SoftmaxCrossEntropyLoss(),
            np.zeros((1, 2)),
            np.array([[1.5, -0.5]]),
            ValueError,
            "non-negative",
        ),
        (
            BCEWithLogitsLoss(),
            np.zeros((2, 1)),
            np.array([[0.5], [1.5]]),
            ValueError,
            r"targets must be in \[0, 1\], got values from 0.5 to 1.5",
        ),
    ],
)
def test_bad_input_is_reported(loss, prediction, target, error, message):
    with pytest.raises(error, match=message):
        loss.forward(prediction, target)


@pytest.mark.parametrize("dtype", [np.int8, np.int32, np.int64, np.uint8, np.uint64])
def test_labels_of_every_integer_dtype_are_accepted_and_range_checked(dtype):
    logits = np.array([[0.0, np.log(2.0), np.log(5.0)]] * 2)
    loss = SoftmaxCrossEntropyLoss()
    assert loss.forward(logits, np.array([2, 0], dtype=dtype)) == pytest.approx(
        -(np.log(5 / 8) + np.log(1 / 8)) / 2
    )
    with pytest.raises(ValueError, match="labels must be in 0..2 for 3 classes, got 3"):
        loss.forward(logits, np.array([0, 3], dtype=dtype))


def test_bad_arguments():
    with pytest.raises(TypeError, match="half must be True or False"):
        MSELoss(half=1)
    with pytest.raises(ValueError, match="softmax input must contain only finite"):
        softmax([[0.0, np.nan]])
