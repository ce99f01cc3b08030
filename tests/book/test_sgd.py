"""Chapter 4 (stochastic and minibatch gradient descent) quotes facts of the SGD slides and the
Uppsala lecture: the library must reproduce them, and the built page must show the values the
chapter computed."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

from gradlib.book.minibatch_variance import minibatch_gradient_variance, sampling_variance
from gradlib.data import load_digits
from gradlib.landscapes import NoisyRosenbrock, Rosenbrock, minimize
from gradlib.losses import SoftmaxCrossEntropyLoss
from gradlib.nn import Linear, Sequential
from gradlib.optim import BFGS, SGD
from gradlib.schedules import InverseTime, LinearDecay, PolynomialDecayAverage
from gradlib.train import fit, minibatches

from conftest import REPO, built_page_text

PAGE = REPO / "_build" / "html" / "book" / "sgd.html"
SOURCE = REPO / "book" / "sgd.md"

# The Uppsala lecture: N = 20 samples in batches of n_b = 5 -> n / n_b = 4 updates per epoch;
# Rosenbrock with a = 1, b = 100, minimum (1, 1), noise N(0, 30^2).
# The SGD slides: var(batch error) = var(div) / b; polynomial-decay averaging with eta = 3.
LECTURE = {"updates_per_epoch": 4, "sigma": 30.0, "minimum": (1.0, 1.0), "slope": -1.0}


@pytest.fixture(scope="module")
def variance_slope() -> float:
    """The chapter's measurement: the slope of log E||g_B - g||^2 against log B (B <= 64)."""
    X, y = load_digits()
    model = Sequential(Linear(64, 10, init="xavier", seed=0))
    loss = SoftmaxCrossEntropyLoss()
    fit(model, loss, SGD(model.params(), lr=0.5), X, y, epochs=2, batch_size=32, seed=0)

    def batch_gradient(xb, yb):
        loss.forward(model.forward(xb), yb)
        model.backward(loss.backward())
        return np.concatenate([g.ravel() for g in model.grads()])

    sizes = 2 ** np.arange(7)  # the chapter measures up to 512; the slope uses B <= 64
    measured = minibatch_gradient_variance(batch_gradient, X, y, sizes, draws=150, seed=1)
    predicted = sampling_variance(measured[0], len(X), sizes)
    np.testing.assert_allclose(measured, predicted, rtol=0.2)  # the 1/B law, point by point
    return float(np.polyfit(np.log(sizes), np.log(measured), 1)[0])


def test_an_epoch_of_the_lecture_has_four_updates():
    epoch = list(minibatches(np.arange(20.0)[:, None], np.arange(20), 5, seed=0))
    assert len(epoch) == LECTURE["updates_per_epoch"]
    assert sorted(np.concatenate([yb for _, yb in epoch]).tolist()) == list(range(20))
    uneven = list(minibatches(np.arange(17.0)[:, None], np.arange(17), 5, seed=0))
    assert [len(yb) for _, yb in uneven] == [5, 5, 5, 2]


def test_minibatch_variance_falls_like_one_over_b(variance_slope):
    assert variance_slope == pytest.approx(LECTURE["slope"], abs=0.05)


def test_rosenbrock_of_lecture_002():
    exact, noisy = Rosenbrock(), NoisyRosenbrock(seed=0)
    assert noisy.sigma == LECTURE["sigma"]
    assert exact.value(np.array(LECTURE["minimum"])) == 0.0
    w0 = np.array([-1.5, 2.0])
    assert np.allclose(minimize(exact, BFGS, w0, steps=40).iterates[-1], 1.0, atol=1e-2)
    # "terminates at the wrong solution": BFGS with noisy evaluations stays far from (1, 1)
    assert np.linalg.norm(minimize(noisy, BFGS, w0, steps=40).iterates[-1] - 1.0) > 1.0


def test_robbins_monro_and_the_schedules():
    t = np.arange(100_000)
    rate = InverseTime(None, base_lr=1.0).lr_at(t)
    assert np.sum(rate**2) == pytest.approx(math.pi**2 / 6, abs=1e-4)  # sum eta^2 < inf
    assert np.sum(rate) == pytest.approx(math.log(1e5) + 0.5772, abs=1e-3)  # ~ ln t -> inf
    lin = LinearDecay(None, tau=40, final_lr=0.001, base_lr=0.1)
    assert lin.lr_at(0) == 0.1 and lin.lr_at(40) == pytest.approx(0.001)
    assert lin.lr_at(100) == pytest.approx(0.001)  # constant after tau
    assert PolynomialDecayAverage([np.zeros(1)]).eta == 3.0  # the SGD slides' example value


def test_built_page_shows_the_computed_numbers(variance_slope):
    text = built_page_text(PAGE)
    rate = InverseTime(None, base_lr=1.0).lr_at(np.arange(100_000))
    noisy_end = minimize(NoisyRosenbrock(seed=0), BFGS, np.array([-1.5, 2.0]), steps=40)
    expected = [
        f"{variance_slope:.2f}",  # the measured slope
        "5, 5, 5, 2",  # the batch sizes of N = 17, B = 5
        f"{round(float(np.sum(rate**2)), 4)}",  # pi^2 / 6
        f"{round(float(np.linalg.norm(noisy_end.iterates[-1] - 1.0)), 2)}",
        f"{NoisyRosenbrock().sigma}",
    ]
    for number in expected:
        assert number in text, f"{number} is not on the built page"
    assert "an epoch is 4 updates" in re.sub(r"\s+", " ", text)


def test_summary_table_matches_the_library(variance_slope):
    """The summary table is prose: the number it states must equal the computed one."""
    text = SOURCE.read_text()
    summary = text[text.index("## Summary") : text.index("## Exercises")]
    stated = [float(v) for v in re.findall(r"-?\d+\.\d+", summary)]
    assert stated, "the summary states no measured number"
    assert round(variance_slope, 2) in stated, f"slope {variance_slope:.2f} not in the summary"
