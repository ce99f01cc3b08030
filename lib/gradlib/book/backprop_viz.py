"""Figures of the backpropagation chapter: error signals per layer and decision boundaries.

==================================  ==============================================================
name                                what it does
==================================  ==============================================================
:func:`error_signals`               one forward and backward pass, keeping the error signal
                                    ``delta = dL/dz`` of every ``Linear`` layer's output
:func:`decision_grid`               a regular grid of points over a 2-D data set
:func:`class_probability`           the softmax probability of one class at given points
:func:`plot_decision_boundary`      class-probability contours with the data on top
:func:`animate_decision_boundary`   the boundary evolving during training, next to the loss curve
==================================  ==============================================================

:func:`error_signals` spells out what :meth:`gradlib.nn.Sequential.backward` does:
the loss hands ``delta`` of the output layer to the last layer, and every layer's
``backward`` turns the gradient with respect to its output into the gradient with
respect to its input -- ``Linear`` multiplies by ``W``, an activation applies its
derivative -- which is the lectures' recursion
``delta_l = (W_{l+1}^T delta_{l+1}) * phi'(z_l)`` written for rows.
"""

from __future__ import annotations

import numpy as np

from gradlib._checks import check_positive_int
from gradlib.losses import softmax
from gradlib.nn import Linear

__all__ = [
    "error_signals",
    "decision_grid",
    "class_probability",
    "plot_decision_boundary",
    "animate_decision_boundary",
]


def error_signals(model, loss, X, y) -> list[np.ndarray]:
    """The error signal of every ``Linear`` layer of ``model`` after one backward pass.

    Parameters
    ----------
    model : gradlib.nn.Sequential
    loss : a loss of :mod:`gradlib.losses`
    X : array (B, in); y : the loss's target

    Returns
    -------
    list of ndarray
        ``deltas[k]`` (shape ``(B, out_k)``) is ``dL/dZ`` of the ``k``-th ``Linear``
        layer (in forward order), with ``L`` the batch-mean loss: row ``i`` is the
        lectures' per-sample ``delta`` of sample ``i`` divided by ``B``.  The
        layers' parameter gradients are those of this pass, as after
        ``model.backward``.
    """
    layers = list(getattr(model, "layers", [model]))
    loss.forward(model.forward(X), y)
    grad = loss.backward()
    deltas = []
    for layer in reversed(layers):
        if isinstance(layer, Linear):
            deltas.append(grad)
        grad = layer.backward(grad)
    return deltas[::-1]


def decision_grid(X, n: int = 80, margin: float = 0.25):
    """A regular ``n`` x ``n`` grid covering the points ``X`` (N, 2) plus a margin.

    Returns ``xs`` (n,), ``ys`` (n,) and ``points`` (n * n, 2), the grid's points
    row by row (``points.reshape(n, n, 2)[i, j] == (xs[j], ys[i])``).
    """
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[1] != 2:
        raise ValueError(f"decision_grid needs points of shape (N, 2), got {X.shape}")
    n = check_positive_int(n, "n")
    low, high = X.min(axis=0) - margin, X.max(axis=0) + margin
    xs, ys = np.linspace(low[0], high[0], n), np.linspace(low[1], high[1], n)
    gx, gy = np.meshgrid(xs, ys)
    return xs, ys, np.column_stack([gx.ravel(), gy.ravel()])


def class_probability(model, points, cls: int = 1) -> np.ndarray:
    """Softmax probability of class ``cls`` that ``model`` assigns to ``points`` (M, in) -> (M,).

    The model is run in evaluation mode (and put back in the mode it was in).
    """
    training = getattr(model, "training", False)
    model.eval()
    try:
        return softmax(model.forward(points), axis=1)[:, cls]
    finally:
        if training:
            model.train()


def _scatter(ax, X, y):
    from matplotlib.colors import ListedColormap

    from gradlib.book.plotting import PALETTE

    cmap = ListedColormap([PALETTE[0], PALETTE[1]])
    ax.scatter(
        X[:, 0], X[:, 1], c=y, cmap=cmap, vmin=0, vmax=1, s=12, edgecolors="white", linewidths=0.4
    )


def _draw_boundary(ax, prob, xs, ys, X, y):
    grid = np.asarray(prob).reshape(len(ys), len(xs))
    filled = ax.contourf(xs, ys, grid, levels=np.linspace(0, 1, 11), cmap="RdBu_r", alpha=0.55)
    ax.contour(xs, ys, grid, levels=[0.5], colors="k", linewidths=1.4)
    _scatter(ax, X, y)
    ax.set_xlabel("feature $x_1$")
    ax.set_ylabel("feature $x_2$")
    ax.set_aspect("equal")
    ax.grid(False)
    return filled


def plot_decision_boundary(prob, xs, ys, X, y, ax=None):
    """Contours of a class probability on the grid ``xs``, ``ys``, the 0.5 line and the data.

    ``prob`` has ``len(xs) * len(ys)`` entries (see :func:`decision_grid` and
    :func:`class_probability`); ``X`` (N, 2) and ``y`` (N,) labels in {0, 1}.
    Returns the axes; the filled contours carry a colour bar.
    """
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots()
    filled = _draw_boundary(ax, prob, xs, ys, np.asarray(X), np.asarray(y))
    ax.figure.colorbar(filled, ax=ax, label="probability of class 1")
    return ax


def animate_decision_boundary(
    snapshots, xs, ys, X, y, losses, *, interval: int = 150, figsize=(9.0, 3.9)
):
    """The decision boundary during training, and the loss curve up to the same step.

    Parameters
    ----------
    snapshots : sequence of (step, prob)
        The training step and the class-1 probability on the grid at that step.
    xs, ys : the grid (see :func:`decision_grid`)
    X, y : the training data, (N, 2) and (N,) labels in {0, 1}
    losses : sequence of float
        The training loss after every step (``losses[k]`` after ``k`` steps).

    Returns a ``matplotlib.animation.FuncAnimation`` (display ``anim.to_jshtml()``).
    """
    import matplotlib.pyplot as plt
    from matplotlib.animation import FuncAnimation

    from gradlib.book.plotting import PALETTE

    snapshots = list(snapshots)
    if not snapshots:
        raise ValueError("animate_decision_boundary needs at least one snapshot")
    X, y, losses = np.asarray(X), np.asarray(y), np.asarray(losses, dtype=np.float64)
    fig, (ax_b, ax_l) = plt.subplots(
        1, 2, figsize=figsize, gridspec_kw={"width_ratios": [1.0, 1.1]}
    )
    # The probability is an image updated in place and only the 0.5 line is redrawn:
    # much cheaper per frame than clearing the axes and drawing filled contours again.
    shape = (len(ys), len(xs))
    image = ax_b.imshow(
        np.asarray(snapshots[0][1]).reshape(shape),
        origin="lower",
        extent=(xs[0], xs[-1], ys[0], ys[-1]),
        cmap="RdBu_r",
        vmin=0.0,
        vmax=1.0,
        alpha=0.55,
        interpolation="bilinear",
        aspect="equal",
    )
    _scatter(ax_b, X, y)
    ax_b.grid(False)
    ax_b.set_xlabel("feature $x_1$")
    ax_b.set_ylabel("feature $x_2$")
    title = ax_b.set_title("")
    boundary = []
    steps = np.arange(len(losses))
    ax_l.semilogy(steps, losses, color="0.8", lw=1.2, label="whole run")
    (line,) = ax_l.semilogy([], [], color=PALETTE[0], label="so far")
    (head,) = ax_l.semilogy([], [], "o", color=PALETTE[0])
    ax_l.set_xlabel("gradient-descent step")
    ax_l.set_ylabel("training loss (cross-entropy, log scale)")
    ax_l.legend(loc="upper right")

    def draw(frame: int):
        step, prob = snapshots[frame]
        grid = np.asarray(prob).reshape(shape)
        image.set_data(grid)
        for artist in boundary:
            artist.remove()
        boundary.clear()
        if grid.min() < 0.5 < grid.max():
            boundary.append(ax_b.contour(xs, ys, grid, levels=[0.5], colors="k", linewidths=1.4))
        title.set_text(f"decision boundary after {step} steps")
        line.set_data(steps[: step + 1], losses[: step + 1])
        head.set_data([step], [losses[step]])
        return [image, line, head, title]

    draw(0)
    fig.tight_layout()
    anim = FuncAnimation(fig, draw, frames=len(snapshots), interval=interval, blit=False)
    plt.close(fig)
    return anim
