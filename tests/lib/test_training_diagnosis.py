"""gradlib.train.diagnose_curves (the four curve patterns) and gradlib.book.training_figures."""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import numpy as np
import pytest

from gradlib.book.training_figures import (
    animate_early_stopping,
    loss_per_epoch,
    plot_digit_predictions,
)
from gradlib.data import load_digits, one_hot, train_val_test_split
from gradlib.losses import MSELoss, SoftmaxCrossEntropyLoss
from gradlib.nn import mlp
from gradlib.optim import SGD, Adam
from gradlib.train import DIAGNOSES, diagnose_curves, fit

E = np.arange(40)


# ------------------------------------------------------------- diagnose_curves
def test_the_four_textbook_shapes():
    flat = 2.0 - 0.005 * E
    low = 2.0 * np.exp(-E / 5) + 0.05
    u_shape = 0.3 + 1.7 * np.exp(-E / 4) + 0.02 * np.maximum(E - 12, 0)
    assert diagnose_curves(flat, flat + 0.01) == "underfitting"
    assert diagnose_curves(low, low + 0.02) == "good fit"
    assert diagnose_curves(low - 0.04, u_shape) == "overfitting onset"
    assert diagnose_curves(low - 0.05, 1.8 - 0.1 * np.exp(-E / 3)) == "severe overfitting"


def test_the_rules_at_their_thresholds():
    # training loss exactly halved: not underfitting (strict inequality)
    assert diagnose_curves([2.0, 1.0], [2.0, 0.5]) == "good fit"
    assert diagnose_curves([2.0, 1.0001], [2.0, 0.5]) == "underfitting"
    # validation minimum exactly half its start: not severe
    assert diagnose_curves([2.0, 0.1], [2.0, 1.0]) == "good fit"
    assert diagnose_curves([2.0, 0.1], [2.0, 1.0001]) == "severe overfitting"
    # a rise of exactly 10 % is not yet overfitting
    assert diagnose_curves([2, 0.1, 0.1], [2, 0.5, 0.55]) == "good fit"
    assert diagnose_curves([2, 0.1, 0.1], [2, 0.5, 0.5501]) == "overfitting onset"
    # custom thresholds
    assert diagnose_curves([2.0, 1.2], [2.0, 1.2], drop=0.7) == "good fit"
    assert diagnose_curves([2, 0.1, 0.1], [2, 0.5, 0.55], rise=0.05) == "overfitting onset"


def test_every_answer_is_one_of_the_four():
    rng = np.random.default_rng(0)
    for _ in range(200):
        n = int(rng.integers(2, 30))
        t, v = rng.uniform(0, 3, n), rng.uniform(0, 3, n)
        assert diagnose_curves(t, v) in DIAGNOSES


@pytest.mark.parametrize(
    "train, val, kwargs, match",
    [
        ([1.0], [1.0], {}, "at least two"),
        ([1.0, 0.5], [1.0, 0.5, 0.2], {}, "same epochs"),
        ([1.0, np.nan], [1.0, 0.5], {}, "NaN"),
        ([1.0, 0.5], [1.0, np.inf], {}, "NaN or infinite"),
        ([[1.0, 0.5]], [[1.0, 0.5]], {}, "1-D"),
        ([1.0, 0.5], [1.0, 0.5], {"drop": 1.5}, "drop"),
        ([1.0, 0.5], [1.0, 0.5], {"rise": -0.1}, "rise"),
    ],
)
def test_bad_curves_are_refused(train, val, kwargs, match):
    with pytest.raises(ValueError, match=match):
        diagnose_curves(train, val, **kwargs)


def test_non_numbers_are_refused():
    with pytest.raises(TypeError, match="sequence of numbers"):
        diagnose_curves(["a", "b"], [1.0, 0.5])


def test_real_runs_give_the_four_patterns():
    """The chapter's runs: a tiny net underfits, a big net on few images overfits."""
    digits = train_val_test_split(*load_digits(), seed=0)

    def run(hidden, n_train, lr):
        model = mlp([64, hidden, 10], seed=0)
        h = fit(
            model,
            SoftmaxCrossEntropyLoss(),
            Adam(model.params(), lr=lr),
            digits.X_train[:n_train],
            digits.y_train[:n_train],
            X_val=digits.X_val,
            y_val=digits.y_val,
            epochs=60,
            batch_size=32,
            seed=0,
        )
        return diagnose_curves(h.train_loss, h.val_loss)

    assert run(1, 600, 1e-3) == "underfitting"
    assert run(32, 600, 3e-3) == "good fit"
    assert run(128, 60, 1e-2) == "overfitting onset"
    assert run(256, 20, 1e-2) == "severe overfitting"


# --------------------------------------------------------------- loss_per_epoch
def _digits_mse():
    X, y = load_digits(samples_per_class=100, seed=0)
    split = train_val_test_split(X, y, seed=0)
    return split.X_train, one_hot(split.y_train)


def test_loss_per_epoch_matches_fit_and_starts_untrained():
    X, Y = _digits_mse()
    a, b = mlp([64, 8, 10], seed=3), mlp([64, 8, 10], seed=3)
    curve = loss_per_epoch(
        a,
        MSELoss(),
        SGD(a.params(), lr=0.05),
        X,
        Y,
        epochs=4,
        batch_size=64,
        seed=np.random.default_rng(7),
    )
    untrained = MSELoss().forward(b.forward(X), Y)
    h = fit(
        b,
        MSELoss(),
        SGD(b.params(), lr=0.05),
        X,
        Y,
        epochs=4,
        batch_size=64,
        seed=np.random.default_rng(7),
    )
    assert curve.shape == (5,)
    assert curve[0] == pytest.approx(untrained)
    np.testing.assert_allclose(curve[1:], h.train_loss, rtol=1e-12)


def test_loss_per_epoch_ends_with_inf_when_the_run_diverges():
    X, Y = _digits_mse()
    model = mlp([64, 32, 10], seed=1)
    curve = loss_per_epoch(
        model, MSELoss(), SGD(model.params(), lr=2.0), X, Y, epochs=50, batch_size=64, seed=0
    )
    assert math.isinf(curve[-1]) and len(curve) < 51
    assert np.all(np.isfinite(curve[:-1]))


# --------------------------------------------------------------------- figures
def test_plot_digit_predictions_colours_titles():
    X, y = load_digits(samples_per_class=3, seed=0)
    predicted = y.copy()
    predicted[:4] = (y[:4] + 1) % 10
    fig = plot_digit_predictions(X, y, predicted)
    titles = [ax.title for ax in fig.axes]
    assert len(titles) == 25
    assert all("true" in t.get_text() for t in titles[:4])
    assert all("true" not in t.get_text() for t in titles[4:])
    assert titles[0].get_color() != titles[5].get_color()
    plt.close(fig)
    with pytest.raises(ValueError, match="shape"):
        plot_digit_predictions(X[:10], y, predicted)


def test_animate_early_stopping_marks_the_stop():
    val = [1.0, 0.8, 0.7, 0.75, 0.72, 0.71, 0.9, 1.0]
    history = {"train_loss": np.linspace(1, 0.1, 8).tolist(), "val_loss": val}
    anim = animate_early_stopping(history, patience=3, interval=50)
    anim._init_draw()
    anim._func(7)
    title = anim._fig.axes[0].title.get_text()
    assert "stopped at epoch 6" in title and "restore epoch 3" in title
    anim._func(3)
    assert "best epoch 3, 1 of 3" in anim._fig.axes[0].title.get_text()
