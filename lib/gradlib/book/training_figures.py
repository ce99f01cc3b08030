"""Chapter 8's figures of training runs (a book helper).

=================================  ===========================================================
name                               what it does
=================================  ===========================================================
:func:`loss_per_epoch`             the training loss before and after every epoch, stopping
                                   (with ``inf``) when it overflows instead of raising
:func:`plot_digit_predictions`     a grid of 8×8 digits titled with the prediction, green if
                                   right and red if wrong (the Physics 356 lesson's 5×5 test grid)
:func:`animate_early_stopping`     one training run drawn epoch by epoch with the state of
                                   early stopping (best epoch, epochs without improvement)
=================================  ===========================================================

The diagnosis of a run (:func:`gradlib.train.diagnose_curves`) is the reference's.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["animate_early_stopping", "loss_per_epoch", "plot_digit_predictions"]


def loss_per_epoch(model, loss, optimizer, X, y, *, epochs, batch_size=32, seed=None):
    """The training loss before training and after each of ``epochs`` epochs of :func:`fit`.

    Unlike :func:`gradlib.train.fit`, a run whose loss overflows does not raise:
    the curve ends with ``inf`` at the epoch where it happened. Used to draw
    the learning-rate regimes, divergence included.

    Returns
    -------
    ndarray, shape (k + 1,)
        Entry 0 is the loss of the untrained model, entry ``e`` the loss after
        epoch ``e``; ``k = epochs`` unless the run diverged (then the last entry is inf).
    """
    from gradlib._checks import as_generator
    from gradlib.train import evaluate, fit

    rng = as_generator(seed)
    with np.errstate(over="ignore", invalid="ignore"):
        curve = [evaluate(model, loss, X, y)[0]]
    for _ in range(epochs):
        try:
            history = fit(model, loss, optimizer, X, y, epochs=1, batch_size=batch_size, seed=rng)
        except FloatingPointError:
            curve.append(math.inf)
            break
        curve.append(history.train_loss[0])
    return np.array(curve)


def plot_digit_predictions(images, labels, predicted, *, rows: int = 5, cols: int = 5, fig=None):
    """A ``rows`` × ``cols`` grid of 8×8 digits titled with the predicted class.

    A title is green when the prediction is right and red (with the true class)
    when it is wrong, as in the Physics 356 lesson's grid of test predictions.

    Parameters
    ----------
    images : array, shape (N, 64)
        Flattened 8×8 images (row by row), N ≥ rows · cols; the first rows · cols are drawn.
    labels, predicted : int arrays, shape (N,)
    fig : matplotlib Figure, optional

    Returns
    -------
    matplotlib Figure
    """
    import matplotlib.pyplot as plt

    images = np.asarray(images)
    n = rows * cols
    if images.ndim != 2 or images.shape[1] != 64 or len(images) < n:
        raise ValueError(f"images must have shape (N ≥ {n}, 64), got {images.shape}")
    if fig is None:
        fig = plt.figure(figsize=(1.25 * cols, 1.45 * rows))
    axes = fig.subplots(rows, cols)
    for k, ax in enumerate(np.ravel(axes)):
        ax.imshow(images[k].reshape(8, 8), cmap="gray_r", vmin=0, vmax=1)
        right = int(predicted[k]) == int(labels[k])
        title = f"pred {predicted[k]}" if right else f"pred {predicted[k]} (true {labels[k]})"
        ax.set_title(title, color="#009E73" if right else "#D55E00", fontsize=9)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.grid(False)
        for spine in ax.spines.values():
            spine.set_visible(False)
    return fig


def animate_early_stopping(
    history, patience: int, *, epochs: int | None = None, interval: int = 200, ylim=None, dpi=80
):
    """Training and validation loss drawn epoch by epoch with early stopping's state.

    ``history`` is a :class:`gradlib.train.History` (or a mapping with
    ``train_loss`` and ``val_loss``) of a run **without** early stopping; each
    frame adds one epoch, marks the best validation epoch so far and shows how
    many epochs have passed without improvement, until ``patience`` of them
    would stop the run (the stop is then marked). ``epochs`` limits the frames to
    the first epochs of the run; ``dpi`` sets the frames' resolution (the page
    embeds every frame as an image). Returns a
    ``matplotlib.animation.FuncAnimation``; show ``HTML(anim.to_jshtml())``.
    """
    import matplotlib.pyplot as plt
    from matplotlib.animation import FuncAnimation

    from gradlib.book.plotting import PALETTE

    train = np.asarray(history["train_loss"], dtype=np.float64)[:epochs]
    val = np.asarray(history["val_loss"], dtype=np.float64)[:epochs]
    epochs = np.arange(1, len(train) + 1)
    # the state of early stopping after each epoch (strict improvement, min_delta = 0)
    best_at, waits, best, best_epoch, wait, stop = [], [], math.inf, 0, 0, None
    for e, value in enumerate(val, start=1):
        if value < best:
            best, best_epoch, wait = value, e, 0
        else:
            wait += 1
        best_at.append(best_epoch)
        waits.append(wait)
        if stop is None and wait >= max(patience, 1):
            stop = e

    fig, ax = plt.subplots(figsize=(6.4, 3.8), dpi=dpi)
    (line_t,) = ax.plot([], [], color=PALETTE[0], label="training loss")
    (line_v,) = ax.plot([], [], color=PALETTE[1], label="validation loss")
    (best_dot,) = ax.plot([], [], "o", color=PALETTE[2], markersize=8, label="best so far")
    best_line = ax.axvline(0, color=PALETTE[2], ls="--", lw=1.2)
    stop_line = ax.axvline(0, color="0.3", ls=":", lw=1.4, label="stop")
    ax.set_xlim(0.5, len(train) + 0.5)
    top = max(train.max(), val.max())
    ax.set_ylim(ylim if ylim is not None else (0, 1.05 * top))
    ax.set_xlabel("epoch")
    ax.set_ylabel("cross-entropy loss")
    ax.legend(loc="upper right")  # while every line is visible: the legend keeps their looks
    stop_line.set_visible(False)
    title = ax.set_title("epoch 0: stopped at epoch 0, restore epoch 0")
    fig.tight_layout()

    def draw(frame: int):
        e = frame + 1
        line_t.set_data(epochs[:e], train[:e])
        line_v.set_data(epochs[:e], val[:e])
        b = best_at[frame]
        best_dot.set_data([b], [val[b - 1]])
        best_line.set_xdata([b, b])
        stopped = stop is not None and e >= stop
        stop_line.set_visible(stopped)
        if stopped:
            stop_line.set_xdata([stop, stop])
            title.set_text(f"epoch {e}: stopped at epoch {stop}, restore epoch {best_at[stop - 1]}")
        else:
            title.set_text(f"epoch {e}: best epoch {b}, {waits[frame]} of {patience} without gain")
        return [line_t, line_v, best_dot, best_line, stop_line, title]

    anim = FuncAnimation(fig, draw, frames=len(train), interval=interval, blit=False)
    plt.close(fig)
    return anim
