"""The Physics 356 lesson's training loop, with minibatches, early stopping and a history per epoch.

=========================  ====================================================================
name                       what it does
=========================  ====================================================================
:func:`minibatches`        one epoch of ``(X_batch, y_batch)``: each sample exactly once
:class:`EarlyStopping`     stop when the validation loss has not improved for ``patience``
                           epochs, keeping a copy of the best weights
:func:`fit`                the loop; returns a :class:`History`
:func:`evaluate`           loss and accuracy of a model on a data set (evaluation mode)
:func:`predict`            the model's outputs in evaluation mode
:func:`accuracy`           the fraction of rows whose largest output is the right class
=========================  ====================================================================

One epoch of :func:`fit` is the SGD slides' minibatch loop::

    model.train()                                  # Dropout active
    for X_b, y_b in minibatches(X, y, batch_size, seed=rng):   # a new order every epoch
        loss.forward(model.forward(X_b), y_b)
        model.backward(loss.backward())
        optimizer.step(model.grads())
    model.eval()                                   # Dropout off
    ...evaluate training and validation loss and accuracy, record them and optimizer.lr
    schedule.step()                                # or schedule.step(val_loss) (ReduceOnPlateau)
    if early_stopping.step(val_loss, model): break

Epochs are counted from 1 in :class:`History` and :class:`EarlyStopping`
(``best_epoch == 3`` means "after the third pass"; its losses are
``history.val_loss[2]``), as in the lectures' training plots and
:func:`gradlib.book.plotting.plot_training_curves`.

Randomness: the order of the samples comes from ``seed``; the initial weights
and the Dropout masks come from the model's own seed. Same seeds, same run,
to the last bit.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, fields

import numpy as np

from gradlib._checks import (
    as_generator,
    check_flag,
    check_int,
    check_positive_int,
    check_real,
    check_samples,
)

__all__ = [
    "DIAGNOSES",
    "EarlyStopping",
    "History",
    "accuracy",
    "diagnose_curves",
    "evaluate",
    "fit",
    "minibatches",
    "predict",
]


# ------------------------------------------------------------------ minibatches
def _batch_size(batch_size, n: int) -> int:
    """``batch_size`` checked; None means the whole data set, sizes above n are cut to n."""
    if batch_size is None:
        return n
    return min(check_positive_int(batch_size, "batch_size"), n)


def minibatches(X, y, batch_size, *, shuffle=True, seed=None, drop_last=False):
    """The minibatches of one epoch: every sample of ``(X, y)`` exactly once.

    Parameters
    ----------
    X : array, shape (N, ...)
    y : array, shape (N,) or (N, ...)
    batch_size : int or None
        B, the rows per batch. ``None`` (or any B ≥ N) gives one batch of all N
        rows: full-batch gradient descent. ``1`` gives single-sample SGD.
    shuffle : bool
        True: the rows come in a random order, drawn anew at every call
        (the SGD slides: presenting the samples in random order avoids cyclic
        behaviour). False: always the order 0, 1, …, N − 1, the fixed cycle.
    seed : None, int or numpy.random.Generator
        Source of the order. Pass **one Generator for the whole run**: each call
        advances it, so every epoch gets a new order and the run is reproducible
        from the generator's seed. An int gives the same order at every call;
        ``None`` a fresh unpredictable one.
    drop_last : bool
        Leave out the last batch if it has fewer than B rows (then an epoch is
        ⌊N/B⌋ updates, the lecture's count, and some samples skip the epoch).

    Returns
    -------
    iterator of (X_batch, y_batch)
        ``X_batch`` of shape (B, ...) and ``y_batch`` of shape (B,) or (B, ...);
        the last batch may be smaller (unless ``drop_last``). Batches are copies
        when shuffled and views of ``X`` and ``y`` otherwise.

    The arguments are checked, and the order drawn, when this function is
    called, not when the first batch is requested.
    """
    X, y = check_samples(X, y)
    n = len(X)
    b = _batch_size(batch_size, n)
    check_flag(shuffle, "shuffle")
    check_flag(drop_last, "drop_last")
    order = as_generator(seed).permutation(n) if shuffle else None
    stop = n - n % b if drop_last else n
    return _batches(X, y, b, order, stop)


def _batches(X, y, b: int, order, stop: int) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    for start in range(0, stop, b):
        if order is None:
            yield X[start : start + b], y[start : start + b]
        else:
            idx = order[start : start + b]
            yield X[idx], y[idx]


# ---------------------------------------------------------------- early stopping
def _param_list(model, who: str) -> list[np.ndarray]:
    """The parameter arrays of ``model`` (anything with ``params()``) or a list of arrays."""
    params = model.params() if hasattr(model, "params") else model
    if isinstance(params, np.ndarray) or not isinstance(params, list | tuple):
        raise TypeError(
            f"{who}: expected a model with a params() method or a list of arrays, got "
            f"{type(model).__name__}"
        )
    for i, p in enumerate(params):
        if not isinstance(p, np.ndarray):
            raise TypeError(f"{who}: parameter {i} must be a numpy array, got {type(p).__name__}")
    return list(params)


class EarlyStopping:
    """Stop training when the validation loss has not improved for ``patience`` epochs.

    The Physics 356 lesson: stop after ``patience`` consecutive epochs without improvement
    of the validation loss (MATLAB's ``max_fail``, 6 by default) and roll the
    weights back to the best validation epoch.

    Call :meth:`step` once per epoch with the validation loss; it returns True
    when training should stop. A loss *improves* when it is below the best so
    far by more than ``min_delta``; each improvement saves a **copy** of the
    parameters, which :meth:`restore` writes back into the model's own arrays.

    Parameters
    ----------
    patience : int
        How many epochs in a row without improvement stop the run (≥ 0; 0 stops
        at the first epoch that does not improve).
    min_delta : float
        The smallest decrease that counts as an improvement (≥ 0).
    restore_best : bool
        Whether :func:`fit` restores the best weights at the end of the run
        (when it stops early and when it runs out of epochs).

    Attributes
    ----------
    epoch : int
        Number of :meth:`step` calls (epochs seen), counted from 1.
    best_loss : float
        The best validation loss so far (``inf`` before the first step).
    best_epoch : int or None
        The epoch (from 1) of ``best_loss``.
    best_params : list of ndarray or None
        Copies of the parameters at ``best_epoch``.
    wait : int
        Epochs since the last improvement.
    stopped_epoch : int or None
        The epoch at which :meth:`step` first returned True.
    """

    def __init__(self, patience: int = 6, min_delta: float = 0.0, restore_best: bool = True):
        self.patience = check_int(patience, "EarlyStopping: patience", low=0, unit="epochs")
        self.min_delta = check_real(min_delta, "EarlyStopping: min_delta", low=0.0)
        self.restore_best = check_flag(restore_best, "EarlyStopping: restore_best")
        self.reset()

    def __repr__(self) -> str:
        return (
            f"EarlyStopping(patience={self.patience}, min_delta={self.min_delta}, "
            f"restore_best={self.restore_best}; epoch={self.epoch}, best_epoch={self.best_epoch})"
        )

    def reset(self) -> None:
        """Forget everything (as newly built); :func:`fit` calls it at the start of a run."""
        self.epoch = 0
        self.best_loss = math.inf
        self.best_epoch: int | None = None
        self.best_params: list[np.ndarray] | None = None
        self.wait = 0
        self.stopped_epoch: int | None = None

    def step(self, val_loss: float, model) -> bool:
        """End an epoch with its validation loss; return True if training should stop.

        ``model`` is the model (anything with ``params()``) or its list of
        parameter arrays; on an improvement their values are copied.
        """
        val_loss = float(val_loss)
        params = _param_list(model, "EarlyStopping.step")
        self.epoch += 1
        if val_loss < self.best_loss - self.min_delta:  # NaN never improves
            self.best_loss = val_loss
            self.best_epoch = self.epoch
            self.best_params = [p.copy() for p in params]
            self.wait = 0
        else:
            self.wait += 1
        stop = self.wait > 0 and self.wait >= self.patience
        if stop and self.stopped_epoch is None:
            self.stopped_epoch = self.epoch
        return stop

    def restore(self, model) -> None:
        """Copy the best parameters back **into** the model's arrays (in place).

        The arrays keep their identity, so an optimizer holding them sees the
        restored values.
        """
        if self.best_params is None:
            raise ValueError("EarlyStopping.restore: no epoch recorded yet; call step() first")
        params = _param_list(model, "EarlyStopping.restore")
        if len(params) != len(self.best_params):
            raise ValueError(
                f"EarlyStopping.restore: saved {len(self.best_params)} parameter arrays, the "
                f"model has {len(params)}"
            )
        for i, (p, best) in enumerate(zip(params, self.best_params, strict=True)):
            if p.shape != best.shape:
                raise ValueError(
                    f"EarlyStopping.restore: parameter {i} has shape {p.shape}, the saved copy "
                    f"{best.shape}"
                )
            p[...] = best


# ---------------------------------------------------------------------- history
@dataclass
class History(Mapping):
    """What :func:`fit` recorded, one entry per epoch (epochs counted from 1).

    Also a read-only mapping of the entries that are not None, so it can be
    passed to :func:`gradlib.book.plotting.plot_training_curves` or ``pandas``.

    Attributes
    ----------
    train_loss : list of float
        Loss on the whole training set at the end of each epoch (evaluation mode).
    val_loss : list of float or None
        The same on the validation set (None without validation data).
    train_accuracy, val_accuracy : list of float or None
        Fraction classified correctly (None unless the labels are integers).
    lr : list of float
        The learning rate used during each epoch.
    best_epoch : int or None
        With early stopping: the epoch of the lowest validation loss.
    stopped_epoch : int or None
        The epoch at which early stopping ended the run (None if it ran all epochs).
    restored : bool
        Whether the weights of ``best_epoch`` were restored at the end.
    """

    train_loss: list = field(default_factory=list)
    val_loss: list | None = None
    train_accuracy: list | None = None
    val_accuracy: list | None = None
    lr: list = field(default_factory=list)
    best_epoch: int | None = None
    stopped_epoch: int | None = None
    restored: bool = False

    @property
    def epochs(self) -> int:
        """The number of epochs run."""
        return len(self.train_loss)

    def __getitem__(self, key: str):
        if key not in self._keys():
            raise KeyError(key)
        return getattr(self, key)

    def __iter__(self):
        return iter(self._keys())

    def __len__(self) -> int:
        return len(self._keys())

    def _keys(self) -> list[str]:
        return [f.name for f in fields(self) if getattr(self, f.name) is not None]

    def __repr__(self) -> str:
        parts = [f"epochs={self.epochs}"]
        for name in ("train_loss", "val_loss", "train_accuracy", "val_accuracy", "lr"):
            values = getattr(self, name)
            if values:
                parts.append(f"{name}[-1]={values[-1]:.4g}")
        if self.best_epoch is not None:
            parts.append(f"best_epoch={self.best_epoch}")
        if self.stopped_epoch is not None:
            parts.append(f"stopped_epoch={self.stopped_epoch}")
        return f"History({', '.join(parts)})"


# ------------------------------------------------------------------- evaluation
def _is_labels(y: np.ndarray) -> bool:
    return y.ndim == 1 and y.dtype.kind in "iu"


def accuracy(logits, y) -> float:
    """The fraction of rows whose predicted class is the true one.

    Parameters
    ----------
    logits : array, shape (B, C)
        Scores of each class (logits or probabilities): the prediction is the
        column of the largest. With C = 1 (or shape (B,)) the output is one
        logit of a binary classifier and the prediction is ``logit > 0``.
    y : array, shape (B,) or (B, C)
        Integer labels, or one-hot / probability rows (their argmax is the label).
    """
    z, y = np.asarray(logits), np.asarray(y)
    if z.ndim == 1:
        z = z[:, None]
    if z.ndim != 2 or len(z) != len(y) or len(z) == 0:
        raise ValueError(
            f"accuracy: logits must have shape (B, C) and y (B,) or (B, C) with the same B ≥ 1, "
            f"got {np.shape(logits)} and {y.shape}"
        )
    predicted = (z[:, 0] > 0).astype(np.int64) if z.shape[1] == 1 else z.argmax(axis=1)
    if y.ndim == 2:
        if y.shape[1] == 1 and z.shape[1] == 1:
            y = y[:, 0]
        elif y.shape == z.shape:
            y = y.argmax(axis=1)
        else:
            raise ValueError(f"accuracy: y of shape {y.shape} does not match logits {z.shape}")
    elif y.ndim != 1:
        raise ValueError(f"accuracy: y must have shape (B,) or (B, C), got {y.shape}")
    return float(np.mean(predicted == y))


class _EvalMode:
    """Put a model in evaluation mode for a ``with`` block, then back in its previous mode."""

    def __init__(self, model):
        self.model = model

    def __enter__(self):
        self.was_training = getattr(self.model, "training", False)
        if hasattr(self.model, "eval"):
            self.model.eval()

    def __exit__(self, *exc):
        if self.was_training and hasattr(self.model, "train"):
            self.model.train()


def predict(model, X) -> np.ndarray:
    """The model's output for ``X`` (B, features) in evaluation mode, shape (B, outputs).

    For a classifier these are logits; ``predict(model, X).argmax(axis=1)`` are
    the predicted classes. The model returns to its previous mode afterwards.
    """
    with _EvalMode(model):
        return model.forward(X)


def evaluate(model, loss, X, y) -> tuple[float, float | None]:
    """``(loss, accuracy)`` of ``model`` on ``(X, y)`` in evaluation mode (Dropout off).

    ``accuracy`` is None unless ``y`` holds integer class labels (N,). The model
    returns to its previous mode afterwards.
    """
    X, y = check_samples(X, y)
    with _EvalMode(model):
        out = model.forward(X)
        value = float(loss.forward(out, y))
    return value, (accuracy(out, y) if _is_labels(y) else None)


# -------------------------------------------------------------------------- fit
@dataclass
class _Run:
    """What :func:`_check_fit_arguments` hands to the loop: checked data and settings."""

    X: np.ndarray
    y: np.ndarray
    validation: tuple[np.ndarray, np.ndarray] | None
    epochs: int
    batch_size: int
    batches: int  # per epoch, the last one perhaps smaller
    accuracy: bool


def _check_fit_arguments(
    model, optimizer, X, y, epochs, batch_size, X_val, y_val, schedule, early_stopping, metrics
) -> _Run:
    """Every argument of :func:`fit` checked together, before the first update."""
    X, y = check_samples(X, y)
    epochs = check_positive_int(epochs, "epochs")
    b = _batch_size(batch_size, len(X))
    if not hasattr(optimizer, "params") or not hasattr(optimizer, "step"):
        raise TypeError(
            f"fit: optimizer must be a gradlib.optim optimizer, got {type(optimizer).__name__}"
        )
    if getattr(optimizer, "requires_closure", False):
        raise TypeError(
            f"fit: {type(optimizer).__name__} takes a closure (second-order method); fit drives "
            "optimizers whose step takes gradients (SGD, Adam, ...)"
        )
    params, held = model.params(), list(optimizer.params)
    if len(params) != len(held) or any(p is not q for p, q in zip(params, held, strict=True)):
        raise ValueError(
            f"fit: the optimizer does not hold the model's parameter arrays (the model has "
            f"{len(params)}, the optimizer {len(held)}, not the same objects in the same "
            "order); build it from them, e.g. Adam(model.params(), lr=1e-3)"
        )
    validation = None
    if X_val is not None or y_val is not None:
        if X_val is None or y_val is None:
            raise ValueError("fit: pass both X_val and y_val (or neither)")
        validation = check_samples(X_val, y_val, ("X_val", "y_val"))
    if early_stopping is not None:
        if not isinstance(early_stopping, EarlyStopping):
            raise TypeError(
                f"fit: early_stopping must be an EarlyStopping, got {type(early_stopping).__name__}"
            )
        if validation is None:
            raise ValueError("fit: early stopping watches the validation loss; pass X_val, y_val")
    if schedule is not None and getattr(schedule, "optimizer", None) is not optimizer:
        raise ValueError(
            "fit: the schedule is attached to another optimizer; build it on this one, e.g. "
            "StepDecay(optimizer, step_size=10)"
        )
    classification = _is_labels(y) and (validation is None or _is_labels(validation[1]))
    metrics = tuple(("accuracy",) if classification else ()) if metrics is None else tuple(metrics)
    unknown = set(metrics) - {"accuracy"}
    if unknown:
        raise ValueError(f"fit: unknown metrics {sorted(unknown)}; available: ['accuracy']")
    if "accuracy" in metrics and not classification:
        raise ValueError(
            "fit: accuracy needs integer class labels y (and y_val) of shape (N,), got "
            f"dtype {y.dtype} and shape {y.shape}"
        )
    batches = -(-len(X) // b)  # ceil(N / B)
    return _Run(X, y, validation, epochs, b, batches, "accuracy" in metrics)


def _diverged(what: str, value, where: str, optimizer) -> FloatingPointError:
    lr = optimizer.lr
    return FloatingPointError(
        f"fit: {what} became non-finite ({value}) {where}; the learning rate lr={lr:g} is "
        f"probably too large: try a smaller one (e.g. lr={lr / 10:g})"
    )


def _finite_loss(model, loss, X, y, where: str, optimizer) -> tuple[float, np.ndarray]:
    """Forward ``X`` and the loss against ``y``: ``(loss, output)``, or divergence reported."""
    out = model.forward(X)
    if not np.isfinite(out).all():
        raise _diverged("the model's output", "NaN or inf", where, optimizer)
    value = float(loss.forward(out, y))
    if not math.isfinite(value):
        raise _diverged("the loss", value, where, optimizer)
    return value, out


def _record_epoch(history: History, model, loss, run: _Run, epoch: int, optimizer) -> float:
    """Evaluate the model after an epoch, append to ``history``; return the monitored loss."""
    where = f"after epoch {epoch} (evaluated on the whole training set)"
    monitored, out = _finite_loss(model, loss, run.X, run.y, where, optimizer)
    history.train_loss.append(monitored)
    if run.accuracy:
        history.train_accuracy.append(accuracy(out, run.y))
    if run.validation is not None:
        X_val, y_val = run.validation
        where = f"after epoch {epoch} (evaluated on the validation set)"
        monitored, out = _finite_loss(model, loss, X_val, y_val, where, optimizer)
        history.val_loss.append(monitored)
        if run.accuracy:
            history.val_accuracy.append(accuracy(out, y_val))
    return monitored


class _ProgressBar:
    """A tqdm bar over epochs on stderr showing the last losses, or nothing if not wanted."""

    def __init__(self, wanted: bool, epochs: int):
        self.bar = None
        if wanted:
            from tqdm.auto import tqdm

            self.bar = tqdm(total=epochs, desc="fit", unit="epoch", file=sys.stderr)

    def update(self, history: History) -> None:
        if self.bar is not None:
            shown = {"loss": f"{history.train_loss[-1]:.4g}"}
            if history.val_loss:
                shown["val_loss"] = f"{history.val_loss[-1]:.4g}"
            self.bar.set_postfix(shown, refresh=False)
            self.bar.update()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.bar is not None:
            self.bar.close()


def fit(
    model,
    loss,
    optimizer,
    X,
    y,
    *,
    epochs,
    batch_size=32,
    X_val=None,
    y_val=None,
    schedule=None,
    early_stopping=None,
    shuffle=True,
    seed=None,
    progress=False,
    metrics=None,
) -> History:
    """Train ``model`` on ``(X, y)`` with minibatch gradient descent; return the :class:`History`.

    Parameters
    ----------
    model
        A :class:`gradlib.nn.Sequential` (or anything with ``forward``,
        ``backward``, ``params``, ``grads``, ``train``, ``eval``). Its
        parameters are updated in place.
    loss
        A :mod:`gradlib.losses` loss (``forward(prediction, target)``, ``backward()``).
    optimizer
        A first-order :mod:`gradlib.optim` optimizer built on ``model.params()``
        (the very arrays, in order: this is checked).
    X : array (N, features); y : array (N,) labels or (N, outputs) targets
    epochs : int
        The most passes over the training data (≥ 1).
    batch_size : int or None
        Rows per update; None for full-batch gradient descent, 1 for single-sample SGD.
    X_val, y_val : arrays, optional
        Validation data, evaluated after every epoch; needed for early stopping.
    schedule : gradlib.schedules schedule, optional
        Attached to ``optimizer``; stepped after every epoch. A
        :class:`~gradlib.schedules.ReduceOnPlateau` gets the validation loss
        (the training loss without validation data).
    early_stopping : EarlyStopping, optional
        Reset at the start, stepped with the validation loss after every
        epoch; if its ``restore_best``, the best weights are restored at the end.
    shuffle : bool
        A new random order of the samples every epoch (False: the fixed order).
    seed : None, int or numpy.random.Generator
        Source of the orders. Same seed (and same model seed): same run.
    progress : bool
        Show a tqdm progress bar over epochs (on stderr). Off by default.
    metrics : sequence of str or None
        ``("accuracy",)`` or ``()``; the default records accuracy whenever
        ``y`` holds integer class labels (N,).

    Returns
    -------
    History

    Raises
    ------
    FloatingPointError
        When the loss or the model's output becomes NaN or infinite (the
        message names the epoch and batch, and suggests a smaller learning rate).
    ValueError, TypeError
        For inconsistent arguments (lengths of X and y, epochs < 1, an
        optimizer not built on the model's parameters, ...).
    """
    from gradlib.schedules import ReduceOnPlateau

    run = _check_fit_arguments(
        model, optimizer, X, y, epochs, batch_size, X_val, y_val, schedule, early_stopping, metrics
    )
    rng = as_generator(seed)
    history = History(
        val_loss=None if run.validation is None else [],
        train_accuracy=[] if run.accuracy else None,
        val_accuracy=[] if run.accuracy and run.validation is not None else None,
    )
    if early_stopping is not None:
        early_stopping.reset()
    # Divergence is reported by _finite_loss, with the epoch and batch, rather than by
    # numpy's overflow warnings on the way there.
    with _ProgressBar(progress, run.epochs) as bar, np.errstate(all="ignore"):
        for epoch in range(1, run.epochs + 1):  # for each epoch:
            history.lr.append(float(optimizer.lr))
            model.train()
            batches = minibatches(run.X, run.y, run.batch_size, shuffle=shuffle, seed=rng)
            for j, (X_b, y_b) in enumerate(batches, start=1):  # shuffle, then each minibatch:
                where = f"at epoch {epoch}, batch {j} of {run.batches}"
                _finite_loss(model, loss, X_b, y_b, where, optimizer)  # forward pass and loss
                model.backward(loss.backward())  # backward pass: the minibatch gradient
                optimizer.step(model.grads())  # update: θ ← θ − η g (or the optimizer's rule)
            model.eval()
            monitored = _record_epoch(history, model, loss, run, epoch, optimizer)
            bar.update(history)
            if isinstance(schedule, ReduceOnPlateau):
                schedule.step(monitored)
            elif schedule is not None:
                schedule.step()
            if early_stopping is not None and early_stopping.step(monitored, model):
                history.stopped_epoch = epoch
                break
    if early_stopping is not None:
        history.best_epoch = early_stopping.best_epoch
        if early_stopping.restore_best and early_stopping.best_params is not None:
            early_stopping.restore(model)
            history.restored = True
    return history


# --- reading a run: the Physics 356 lesson's four patterns ---------------------------------
#
# The rules of :func:`diagnose_curves` compare each curve with its own first value,
# so they do not depend on the scale of the loss. With ``t`` the training and ``v``
# the validation losses per epoch (first epoch ``t[0]``, last ``t[-1]``):
#
# 1. ``t[-1] > drop * t[0]`` -- the training loss has not even fallen to ``drop``
#    (half) of where it started: **underfitting**;
# 2. otherwise, ``min(v) > drop * v[0]`` -- training did fall, but the validation
#    loss never did: **severe overfitting**;
# 3. otherwise, ``v[-1] > (1 + rise) * min(v)`` -- the validation loss fell and
#    has come back up by more than ``rise`` (10 %) of its minimum: **overfitting onset**;
# 4. otherwise **good fit**.

DIAGNOSES = ("underfitting", "good fit", "overfitting onset", "severe overfitting")
"""The four patterns of the Physics 356 lesson's performance plot, in the order of its panels."""


def _curve(values, name: str) -> np.ndarray:
    try:
        arr = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a sequence of numbers, got {values!r}") from None
    if arr.ndim != 1 or len(arr) < 2:
        raise ValueError(f"{name} must be a 1-D sequence of at least two epochs, got {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} holds NaN or infinite values: a diverged run has no pattern")
    return arr


def diagnose_curves(train_loss, val_loss, *, drop: float = 0.5, rise: float = 0.1) -> str:
    """Which of the four patterns a pair of loss curves shows (one of :data:`DIAGNOSES`).

    Parameters
    ----------
    train_loss, val_loss : sequences of float, same length ≥ 2
        The training and validation loss after each epoch (finite).
    drop : float in (0, 1)
        A curve has "come down" when its value is at most ``drop`` times its first one.
    rise : float ≥ 0
        The validation loss "has risen" when its last value exceeds its minimum by
        more than ``rise`` times that minimum.

    Returns
    -------
    str
        ``"underfitting"``, ``"severe overfitting"``, ``"overfitting onset"`` or
        ``"good fit"`` by the rules above, checked in that order.
    """
    t, v = _curve(train_loss, "train_loss"), _curve(val_loss, "val_loss")
    if len(t) != len(v):
        raise ValueError(
            f"train_loss and val_loss must cover the same epochs, got {len(t)} and {len(v)}"
        )
    drop = check_real(drop, "drop", low=0.0, high=1.0)
    rise = check_real(rise, "rise", low=0.0)
    if t[-1] > drop * t[0]:
        return "underfitting"
    if v.min() > drop * v[0]:
        return "severe overfitting"
    if v[-1] > (1 + rise) * v.min():
        return "overfitting onset"
    return "good fit"
