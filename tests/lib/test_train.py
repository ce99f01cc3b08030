"""gradlib.train: minibatches, EarlyStopping, fit and the evaluation helpers."""

from __future__ import annotations

import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gradlib import data, losses, nn, optim, schedules, train
from gradlib.train import EarlyStopping, fit, minibatches

CE = losses.SoftmaxCrossEntropyLoss


def epoch_ids(n, batch_size, **kwargs):
    """The sample ids of one epoch's batches (y = arange(n) identifies the rows)."""
    X = np.arange(2 * n, dtype=float).reshape(n, 2)
    batches = list(minibatches(X, np.arange(n), batch_size, **kwargs))
    for xb, yb in batches:
        np.testing.assert_array_equal(xb[:, 0], 2 * yb)  # rows and labels stay together
    return [yb for _, yb in batches]


# ------------------------------------------------------------------ minibatches
@settings(max_examples=40, deadline=None)
@given(n=st.integers(1, 60), batch_size=st.integers(1, 70), shuffle=st.booleans())
def test_minibatches_cover_every_sample_once(n, batch_size, shuffle):
    ids = epoch_ids(n, batch_size, shuffle=shuffle, seed=0)
    np.testing.assert_array_equal(np.sort(np.concatenate(ids)), np.arange(n))
    b = min(batch_size, n)
    assert [len(i) for i in ids[:-1]] == [b] * (len(ids) - 1)
    assert len(ids) == -(-n // b)


@settings(max_examples=40, deadline=None)
@given(n=st.integers(1, 60), batch_size=st.integers(1, 70))
def test_minibatches_drop_last(n, batch_size):
    ids = epoch_ids(n, batch_size, seed=1, drop_last=True)
    b = min(batch_size, n)
    assert len(ids) == n // b and all(len(i) == b for i in ids)  # ⌊N/B⌋ full batches
    seen = np.concatenate(ids) if ids else np.array([], dtype=int)
    assert len(np.unique(seen)) == len(seen) == (n // b) * b


def test_minibatches_new_order_every_epoch_from_one_generator():
    rng = np.random.default_rng(7)
    epochs = [np.concatenate(epoch_ids(50, 8, seed=rng)) for _ in range(4)]
    for a in range(4):
        for b in range(a + 1, 4):
            assert not np.array_equal(epochs[a], epochs[b])
    rng = np.random.default_rng(7)  # the same seed replays the same epochs
    again = [np.concatenate(epoch_ids(50, 8, seed=rng)) for _ in range(4)]
    for a, b in zip(epochs, again, strict=True):
        np.testing.assert_array_equal(a, b)


def test_minibatches_int_seed_gives_the_same_order_each_call():
    first = np.concatenate(epoch_ids(30, 4, seed=3))
    np.testing.assert_array_equal(first, np.concatenate(epoch_ids(30, 4, seed=3)))
    assert not np.array_equal(first, np.arange(30))
    assert not np.array_equal(first, np.concatenate(epoch_ids(30, 4, seed=4)))


def test_minibatches_without_shuffle_are_the_fixed_cycle():
    rng = np.random.default_rng(0)
    for _ in range(3):
        ids = epoch_ids(10, 4, shuffle=False, seed=rng)
        assert [list(i) for i in ids] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    X = np.ones((10, 3))
    xb, _ = next(minibatches(X, np.arange(10), 4, shuffle=False))
    assert np.shares_memory(xb, X)  # views, no copy


def test_minibatches_full_batch_and_single_sample():
    X, y = np.arange(12.0).reshape(6, 2), np.arange(6)
    (full,) = minibatches(X, y, None, shuffle=False)
    np.testing.assert_array_equal(full[0], X)
    assert len(list(minibatches(X, y, 6, seed=0))) == 1
    assert len(list(minibatches(X, y, 100, seed=0))) == 1
    singles = list(minibatches(X, y, 1, seed=0))
    assert len(singles) == 6 and all(xb.shape == (1, 2) for xb, _ in singles)


def test_minibatches_errors_are_raised_at_the_call():
    with pytest.raises(ValueError, match="same number of rows.*got 5 and 4"):
        minibatches(np.zeros((5, 2)), np.zeros(4), 2)  # no iteration needed
    with pytest.raises(ValueError, match="batch_size must be a positive integer, got 0"):
        minibatches(np.zeros((5, 2)), np.zeros(5), 0)
    with pytest.raises(TypeError, match="batch_size"):
        minibatches(np.zeros((5, 2)), np.zeros(5), 2.0)


# --------------------------------------------------------------- EarlyStopping
def test_early_stopping_restores_the_best_epoch_into_the_optimizers_arrays():
    model = nn.Linear(3, 2, seed=0)
    opt = optim.SGD(model.params(), lr=0.1)
    held = list(opt.params)
    stopper = EarlyStopping(patience=3)
    val_losses = [5.0, 4.0, 3.0, 3.5, 3.2, 4.0, 5.0, 6.0]  # best: epoch 3
    snapshots = []
    for epoch, val in enumerate(val_losses, start=1):
        for p in model.params():
            p[...] = epoch + np.arange(p.size).reshape(p.shape)  # "training" changes the weights
        snapshots.append([p.copy() for p in model.params()])
        if stopper.step(val, model):
            break
    assert epoch == 6 and stopper.stopped_epoch == 6  # 3 epochs without improvement after 3
    assert stopper.best_epoch == 3 and stopper.best_loss == 3.0
    stopper.restore(model)
    for p, q, best in zip(model.params(), held, snapshots[2], strict=True):
        assert p is q  # in place: still the optimizer's arrays
        np.testing.assert_array_equal(p, best)
    assert not np.array_equal(model.weight, snapshots[-1][0])


def test_early_stopping_keeps_copies_not_references():
    params = [np.zeros(3)]
    stopper = EarlyStopping(patience=2)
    stopper.step(1.0, params)
    params[0] += 5.0  # training goes on, worse
    stopper.step(2.0, params)
    np.testing.assert_array_equal(stopper.best_params[0], np.zeros(3))
    stopper.restore(params)
    np.testing.assert_array_equal(params[0], np.zeros(3))


def test_early_stopping_min_delta_and_patience_zero():
    stopper = EarlyStopping(patience=2, min_delta=0.1)
    assert [stopper.step(v, [np.zeros(1)]) for v in (1.0, 0.95, 0.92)] == [False, False, True]
    assert stopper.best_epoch == 1  # 0.95 and 0.92 are not 0.1 better than 1.0
    stopper = EarlyStopping(patience=0)
    assert [stopper.step(v, [np.zeros(1)]) for v in (3.0, 2.0, 2.5)] == [False, False, True]


def test_early_stopping_errors():
    with pytest.raises(ValueError, match="patience must be ≥ 0 epochs, got -1"):
        EarlyStopping(patience=-1)
    with pytest.raises(ValueError, match="call step"):
        EarlyStopping(patience=1).restore([np.zeros(2)])
    stopper = EarlyStopping(patience=1)
    stopper.step(1.0, [np.zeros(2)])
    with pytest.raises(ValueError, match=r"shape \(3,\), the saved copy \(2,\)"):
        stopper.restore([np.zeros(3)])


def overfitting_run(seed=1, restore_best=True):
    """A big MLP on 40 noisy moons: the validation loss falls, then rises."""
    X, y = data.moons(40, 0.35, seed=seed)
    X_val, y_val = data.moons(200, 0.35, seed=100 + seed)
    model = nn.mlp([2, 64, 64, 2], seed=seed)
    opt = optim.Adam(model.params(), lr=0.02)
    held = list(opt.params)
    stopper = EarlyStopping(patience=10, restore_best=restore_best)
    history = fit(
        model, CE(), opt, X, y, X_val=X_val, y_val=y_val, epochs=300, batch_size=8,
        early_stopping=stopper, seed=seed,
    )  # fmt: skip
    return model, held, history, (X_val, y_val)


def test_fit_with_early_stopping_ends_with_the_best_weights():
    model, held, history, (X_val, y_val) = overfitting_run()
    best = history.best_epoch
    assert history.stopped_epoch == history.epochs == best + 10  # patience 10
    assert best == int(np.argmin(history.val_loss)) + 1
    assert history.val_loss[-1] > history.val_loss[best - 1]  # it did get worse
    val_loss, _ = train.evaluate(model, CE(), X_val, y_val)
    assert val_loss == pytest.approx(history.val_loss[best - 1], rel=1e-12)  # restored
    assert history.restored
    assert all(p is q for p, q in zip(model.params(), held, strict=True))


def test_fit_without_restore_keeps_the_last_weights():
    model, _, history, (X_val, y_val) = overfitting_run(restore_best=False)
    assert not history.restored
    val_loss, _ = train.evaluate(model, CE(), X_val, y_val)
    assert val_loss == pytest.approx(history.val_loss[-1], rel=1e-12)


# ------------------------------------------------------------------------ fit
def digits_run(fit_seed, model_seed=0, epochs=4):
    X, y = data.load_digits(samples_per_class=20, seed=0)
    split = data.train_val_test_split(X, y, seed=0)
    model = nn.mlp([64, 16, 10], dropout=0.2, seed=model_seed)
    opt = optim.SGD(model.params(), lr=0.1, momentum=0.9)
    history = fit(
        model, CE(), opt, split.X_train, split.y_train, X_val=split.X_val, y_val=split.y_val,
        epochs=epochs, batch_size=16, seed=fit_seed,
    )  # fmt: skip
    return history, [p.copy() for p in model.params()]


def test_fit_is_reproducible_from_its_seed():
    h1, w1 = digits_run(fit_seed=3)
    h2, w2 = digits_run(fit_seed=3)
    assert h1 == h2
    for a, b in zip(w1, w2, strict=True):
        np.testing.assert_array_equal(a, b)
    h3, w3 = digits_run(fit_seed=4)  # another order of the samples
    assert h3.train_loss != h1.train_loss
    assert not np.array_equal(w3[0], w1[0])


def test_fit_history_records_every_epoch():
    history, _ = digits_run(fit_seed=0, epochs=5)
    assert history.epochs == 5
    for name in ("train_loss", "val_loss", "train_accuracy", "val_accuracy", "lr"):
        assert len(history[name]) == 5, name
    assert history.lr == [0.1] * 5
    assert all(0 <= a <= 1 for a in history.train_accuracy + history.val_accuracy)
    assert history.train_loss[-1] < history.train_loss[0]
    assert history.best_epoch is None and history.stopped_epoch is None


def test_fit_records_the_evaluation_mode_loss_of_the_final_weights():
    X, y = data.moons(64, 0.2, seed=0)
    model = nn.mlp([2, 16, 2], dropout=0.5, seed=0)
    history = fit(model, CE(), optim.Adam(model.params(), lr=0.01), X, y, epochs=3, seed=0)
    assert model.training is False
    loss, acc = train.evaluate(model, CE(), X, y)
    assert loss == history.train_loss[-1] and acc == history.train_accuracy[-1]


def test_fit_learns_xor():
    X, y = data.xor(200, noise=0.1, seed=0)
    model = nn.mlp([2, 8, 2], activation="tanh", seed=0)
    history = fit(model, CE(), optim.Adam(model.params(), lr=0.05), X, y, epochs=30, seed=0)
    assert history.train_accuracy[-1] == 1.0
    X_new, y_new = data.xor(100, noise=0.1, seed=1)
    assert train.accuracy(train.predict(model, X_new), y_new) == 1.0


def test_fit_schedule_sets_the_lr_of_each_epoch():
    X, y = data.xor(40, noise=0.1, seed=0)
    model = nn.mlp([2, 4, 2], seed=0)
    opt = optim.SGD(model.params(), lr=0.4)
    schedule = schedules.StepDecay(opt, step_size=2, gamma=0.5)
    history = fit(model, CE(), opt, X, y, epochs=5, schedule=schedule, seed=0)
    assert history.lr == [0.4, 0.4, 0.2, 0.2, 0.1]
    assert schedule.epoch == 5


class RecordingPlateau(schedules.ReduceOnPlateau):
    def step(self, loss):
        self.seen = [*getattr(self, "seen", []), loss]
        return super().step(loss)


def test_fit_gives_reduce_on_plateau_the_validation_loss():
    X, y = data.moons(60, 0.3, seed=0)
    X_val, y_val = data.moons(60, 0.3, seed=1)
    model = nn.mlp([2, 32, 2], seed=0)
    opt = optim.Adam(model.params(), lr=0.05)
    plateau = RecordingPlateau(opt, factor=0.5, patience=0)
    history = fit(
        model, CE(), opt, X, y, X_val=X_val, y_val=y_val, epochs=12, schedule=plateau, seed=0
    )
    assert plateau.seen == history.val_loss
    # patience 0: the rate halves after every epoch that does not beat the best
    lr, best = [0.05], np.inf
    for val in history.val_loss[:-1]:
        best, lr = (val, lr + [lr[-1]]) if val < best * (1 - 1e-4) else (best, lr + [lr[-1] / 2])
    assert history.lr == pytest.approx(lr, rel=1e-12)
    assert len(set(history.lr)) > 1


def test_fit_regression_has_no_accuracy_and_history_is_a_mapping():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(50, 3))
    y = X @ np.array([[1.0], [-2.0], [0.5]])
    model = nn.mlp([3, 1], seed=0)
    history = fit(
        model, losses.MSELoss(), optim.SGD(model.params(), lr=0.1), X, y, epochs=20, seed=0
    )
    assert history.train_accuracy is None and history.val_loss is None
    assert set(history) == {"train_loss", "lr", "restored"}
    assert history.get("val_loss") is None and history["train_loss"] is history.train_loss
    assert history.train_loss[-1] < 1e-3
    import matplotlib.pyplot as plt

    from gradlib.book.plotting import plot_training_curves

    ax = plot_training_curves(history)
    assert len(ax.lines) == 1  # no empty validation curve
    plt.close(ax.figure)


def test_fit_metrics_can_be_turned_off():
    X, y = data.xor(20, noise=0.1, seed=0)
    model = nn.mlp([2, 4, 2], seed=0)
    h = fit(model, CE(), optim.SGD(model.params(), lr=0.1), X, y, epochs=2, metrics=(), seed=0)
    assert h.train_accuracy is None and h.train_loss


def test_fit_progress_bar_only_when_asked(capsys):
    X, y = data.xor(20, noise=0.1, seed=0)
    model = nn.mlp([2, 4, 2], seed=0)
    opt = optim.SGD(model.params(), lr=0.1)
    fit(model, CE(), opt, X, y, epochs=2, seed=0)
    assert capsys.readouterr() == ("", "")
    fit(model, CE(), opt, X, y, epochs=2, seed=0, progress=True)
    out, err = capsys.readouterr()
    assert out == "" and "2/2" in err


# ------------------------------------------------------------------- errors
def small_problem():
    X, y = data.xor(20, noise=0.1, seed=0)
    model = nn.mlp([2, 4, 2], seed=0)
    return model, X, y


def test_fit_diverging_loss_names_epoch_and_batch():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3))
    y = X @ np.array([[1.0], [-2.0], [0.5]])
    model = nn.mlp([3, 8, 1], seed=0)
    opt = optim.SGD(model.params(), lr=50.0)
    with pytest.raises(FloatingPointError) as info:
        fit(model, losses.MSELoss(), opt, X, y, epochs=50, batch_size=10, seed=0)
    message = str(info.value)
    assert re.search(r"non-finite.*(at epoch \d+, batch \d+ of 4|after epoch \d+)", message)
    assert "lr=50" in message and "smaller" in message


@pytest.mark.parametrize(
    "change, error, match",
    [
        ({"y": np.zeros(19, dtype=int)}, ValueError, "same number of rows.*got 20 and 19"),
        ({"epochs": 0}, ValueError, "epochs must be a positive integer, got 0"),
        ({"batch_size": -1}, ValueError, "batch_size must be a positive integer, got -1"),
        ({"X_val": np.zeros((5, 2))}, ValueError, "both X_val and y_val"),
        ({"early_stopping": EarlyStopping(3)}, ValueError, "pass X_val, y_val"),
        ({"metrics": ("f1",)}, ValueError, r"unknown metrics \['f1'\]"),
    ],
)
def test_fit_argument_errors(change, error, match):
    model, X, y = small_problem()
    kwargs = {"X": X, "y": y, "epochs": 1, **change}
    with pytest.raises(error, match=match):
        fit(model, CE(), optim.SGD(model.params(), lr=0.1), **kwargs)


def test_fit_refuses_an_optimizer_on_other_arrays():
    model, X, y = small_problem()
    copies = optim.SGD([p.copy() for p in model.params()], lr=0.1)
    with pytest.raises(ValueError, match=r"does not hold the model's parameter arrays"):
        fit(model, CE(), copies, X, y, epochs=1)
    partial = optim.SGD(model.params()[:2], lr=0.1)
    with pytest.raises(ValueError, match="the model has 4, the optimizer 2"):
        fit(model, CE(), partial, X, y, epochs=1)
    with pytest.raises(TypeError, match="closure"):
        fit(model, CE(), optim.BFGS(model.params()), X, y, epochs=1)


def test_fit_refuses_a_schedule_of_another_optimizer_and_accuracy_of_floats():
    model, X, y = small_problem()
    opt = optim.SGD(model.params(), lr=0.1)
    other = schedules.StepDecay(optim.SGD([np.zeros(2)], lr=0.1), step_size=1)
    with pytest.raises(ValueError, match="another optimizer"):
        fit(model, CE(), opt, X, y, epochs=1, schedule=other)
    with pytest.raises(ValueError, match="accuracy needs integer class labels"):
        fit(model, CE(), opt, X, data.one_hot(y), epochs=1, metrics=("accuracy",))


# ---------------------------------------------------------------- helpers
def test_accuracy_and_predict_and_evaluate():
    logits = np.array([[2.0, 1.0, 0.0], [0.0, 3.0, 1.0], [0.0, 0.0, 5.0], [1.0, 0.0, 0.0]])
    assert train.accuracy(logits, np.array([0, 1, 2, 2])) == 0.75
    assert train.accuracy(logits, data.one_hot(np.array([0, 1, 2, 2]), 3)) == 0.75
    assert train.accuracy(np.array([[0.3], [-1.0]]), np.array([1, 1])) == 0.5  # binary logit
    with pytest.raises(ValueError, match=r"got \(4, 3\) and \(3,\)"):
        train.accuracy(logits, np.array([0, 1, 2]))

    model, X, y = small_problem()
    model = nn.mlp([2, 8, 2], dropout=0.5, seed=0).train()
    out = train.predict(model, X)
    np.testing.assert_array_equal(out, train.predict(model, X))  # dropout off
    assert model.training  # back in its previous mode
    loss, acc = train.evaluate(model, CE(), X, y)
    assert loss == CE().forward(out, y) and acc == train.accuracy(out, y)
    assert model.training
    _, none = train.evaluate(model, losses.MSELoss(), X, np.zeros((20, 2)))
    assert none is None
