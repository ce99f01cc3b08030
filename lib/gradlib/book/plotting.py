"""The book's figure style and its recurring figures.

One place decides how every figure looks, so the chapters keep only the lines
that say *what* is plotted:

* :func:`use_book_style` -- the style file ``gradlib.mplstyle``: fonts, sizes, a
  colour-blind-safe palette, white figure background (readable in the site's
  light and dark themes);
* :func:`plot_landscape` -- filled contours of a 2-D test function with its
  minima and saddle points marked;
* :func:`plot_trajectories` -- optimizer paths drawn on a landscape;
* :func:`animate_trajectories` -- the same paths as an animation that plays in a
  static web page (JavaScript controls: play, pause, step, scrub);
* :func:`plot_training_curves` -- training and validation loss per epoch.

A trajectory is an array of shape ``(steps + 1, 2)``: row ``k`` is the iterate
after ``k`` steps.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from gradlib.trajectory import Trajectory

__all__ = [
    "PALETTE",
    "use_book_style",
    "plot_landscape",
    "plot_trajectories",
    "animate_trajectories",
    "plot_training_curves",
    "animation_html",
]

STYLE = Path(__file__).with_name("gradlib.mplstyle")  # the style file
# its colour cycle (Okabe & Ito's colour-blind-safe palette), for figures that pick colours
PALETTE = [
    f"#{c}"
    for c in re.findall(
        r"'([0-9A-Fa-f]{6})'", re.search(r"axes.prop_cycle:.*", STYLE.read_text())[0]
    )
]


def use_book_style() -> None:
    """Apply the book's figure style (``gradlib.mplstyle``) to matplotlib (once per chapter)."""
    import matplotlib.pyplot as plt

    plt.style.use(STYLE)


def _trajectory(name: str, path) -> np.ndarray:
    if isinstance(path, Trajectory):
        path = path.iterates
    arr = np.asarray(path, dtype=np.float64)
    if arr.ndim != 2 or arr.shape[1] != 2:
        raise ValueError(f"trajectory {name!r} must have shape (steps + 1, 2), got {arr.shape}")
    return arr


def plot_landscape(landscape, ax=None, *, levels: int = 30, log: bool | None = None, n: int = 300):
    """Filled contours of ``landscape`` over its plotting window, critical points marked.

    Parameters
    ----------
    landscape : gradlib.landscapes.Landscape
        Anything with ``value`` (vectorised over a ``(2, n, n)`` grid), ``grid(n)``,
        ``xlim``, ``ylim`` and ``critical_points``.
    log : bool, optional
        Space the contour levels logarithmically above the minimum (the default
        when the largest value is far above the median, as on Rosenbrock's banana).
    """
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots()
    grid = landscape.grid(n)
    values = np.asarray(landscape.value(grid))
    lo, hi = float(values.min()), float(values.max())
    if log is None:
        log = hi - lo > 40 * max(float(np.percentile(values, 25)) - lo, 1e-12)
    if log:
        shifted = values - lo + 1e-3 * (hi - lo) / levels
        bounds = np.geomspace(shifted.min(), shifted.max(), levels)
        ax.contourf(grid[0], grid[1], shifted, levels=bounds, cmap="viridis", norm="log")
        ax.contour(grid[0], grid[1], shifted, levels=bounds, colors="white", linewidths=0.3)
    else:
        ax.contourf(grid[0], grid[1], values, levels=levels, cmap="viridis")
        ax.contour(grid[0], grid[1], values, levels=levels, colors="white", linewidths=0.3)
    for point in getattr(landscape, "critical_points", ()):
        marker = "*" if "minimum" in point.kind else "X"
        size = 14 if point.kind == "global minimum" else 10
        ax.plot(
            *point.point, marker=marker, color="white", markeredgecolor="black", markersize=size
        )
    ax.set_xlim(*landscape.xlim)
    ax.set_ylim(*landscape.ylim)
    ax.set_xlabel("$x$")
    ax.set_ylabel("$y$")
    ax.set_aspect("equal" if _similar_ranges(landscape) else "auto")
    ax.grid(False)
    return ax


def _similar_ranges(landscape) -> bool:
    wx = landscape.xlim[1] - landscape.xlim[0]
    wy = landscape.ylim[1] - landscape.ylim[0]
    return 0.33 < wx / wy < 3.0


def plot_trajectories(landscape, trajectories: Mapping[str, np.ndarray], ax=None, **contour_kw):
    """Draw each named trajectory over :func:`plot_landscape`; start ``o``, end ``s``.

    A trajectory is a :class:`gradlib.trajectory.Trajectory` or its ``iterates``
    (an array of shape (steps + 1, 2)).
    """
    ax = plot_landscape(landscape, ax=ax, **contour_kw)
    for i, (name, path) in enumerate(trajectories.items()):
        path = _trajectory(name, path)
        color = PALETTE[i % len(PALETTE)]
        ax.plot(path[:, 0], path[:, 1], "-", color=color, lw=1.6, label=name)
        ax.plot(*path[0], "o", color=color, markeredgecolor="white")
        ax.plot(*path[-1], "s", color=color, markeredgecolor="white")
    if trajectories:
        ax.legend(loc="best")
    return ax


def animate_trajectories(
    landscape,
    trajectories: Mapping[str, np.ndarray],
    *,
    frames: int = 60,
    interval: int = 80,
    title: str = "",
    **contour_kw,
):
    """An animation of the trajectories moving over the landscape.

    Returns a ``matplotlib.animation.FuncAnimation``; in a notebook, display
    ``HTML(anim.to_jshtml())`` -- self-contained JavaScript with play, pause, step
    and a scrub slider, which works in the static book without a kernel.
    ``frames`` frames are spread evenly over the longest trajectory.
    """
    import matplotlib.pyplot as plt
    from matplotlib.animation import FuncAnimation

    paths = {name: _trajectory(name, p) for name, p in trajectories.items()}
    if not paths:
        raise ValueError("animate_trajectories needs at least one trajectory")
    longest = max(len(p) for p in paths.values())
    frames = max(2, min(int(frames), longest))
    steps = np.unique(np.linspace(0, longest - 1, frames).round().astype(int))

    fig, ax = plt.subplots()
    plot_landscape(landscape, ax=ax, **contour_kw)
    lines, heads = [], []
    for i, name in enumerate(paths):
        color = PALETTE[i % len(PALETTE)]
        (line,) = ax.plot([], [], "-", color=color, lw=1.6, label=name)
        (head,) = ax.plot([], [], "o", color=color, markeredgecolor="white", markersize=7)
        lines.append(line)
        heads.append(head)
    ax.legend(loc="best")
    label = ax.set_title(title)

    def draw(frame: int):
        k = steps[frame]
        for line, head, path in zip(lines, heads, paths.values(), strict=True):
            upto = path[: min(k, len(path) - 1) + 1]
            line.set_data(upto[:, 0], upto[:, 1])
            head.set_data([upto[-1, 0]], [upto[-1, 1]])
        label.set_text(f"{title}  (step {k})".strip())
        return [*lines, *heads, label]

    anim = FuncAnimation(fig, draw, frames=len(steps), interval=interval, blit=False)
    plt.close(fig)
    return anim


def plot_training_curves(history: Mapping[str, list[float]], ax=None, *, metric: str = "loss"):
    """Training and validation ``metric`` per epoch from a history mapping.

    ``history`` holds ``f"train_{metric}"`` and optionally ``f"val_{metric}"``
    lists; a ``best_epoch`` entry, if present, is marked with a dotted line.
    """
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots()
    train = history.get(f"train_{metric}")
    if train is None:
        raise ValueError(f"history has no 'train_{metric}' entry; keys: {sorted(history)}")
    epochs = np.arange(1, len(train) + 1)
    ax.plot(epochs, train, label=f"training {metric}")
    val = history.get(f"val_{metric}")
    if val is not None:
        ax.plot(epochs[: len(val)], val, label=f"validation {metric}")
    best = history.get("best_epoch")
    if best is not None:
        ax.axvline(best, color="0.4", ls=":", label=f"best epoch ({best})")
    ax.set_xlabel("epoch")
    ax.set_ylabel(metric)
    ax.legend()
    return ax


_CDN_LINK = re.compile(r"<link[^>]*href=\"https?://[^\"]*\"[^>]*>")


def animation_html(anim, alt: str, *, default_mode: str = "once") -> str:
    """``anim`` as self-contained HTML for the book: JavaScript player, no network, alt text.

    ``anim.to_jshtml()`` links a stylesheet for its button icons from a CDN (the
    book's theme already has the icons, and the site must work offline) and leaves
    the frame without alternative text; both are fixed here.  The figure is closed.
    """
    import matplotlib.pyplot as plt

    if not isinstance(alt, str) or not alt.strip():
        raise ValueError("alt must describe the animation for readers who cannot see it")
    page = anim.to_jshtml(default_mode=default_mode)
    page = _CDN_LINK.sub("", page)
    page = page.replace("<img id=", f'<img alt="{html.escape(alt, quote=True)}" id=', 1)
    plt.close(anim._fig)
    return page
