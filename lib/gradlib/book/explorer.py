"""Explorers that work without a kernel: a figure for every point of a parameter grid.

A live notebook can redraw a figure when a slider moves (``ipywidgets``); the static
HTML book has no Python behind it.  :func:`grid_explorer` therefore draws the figure
for every combination of the parameter values in advance and returns a small
self-contained HTML widget: one slider per parameter and an image that the page's
own JavaScript swaps when a slider moves.  Nothing is loaded from the network, so
the explorer works offline and in the built book as in a notebook.

Example (in a chapter)::

    from IPython.display import HTML
    from gradlib.book.explorer import grid_explorer

    def draw(lr):
        fig, ax = plt.subplots()
        ...                                   # one figure for this learning rate
        return fig

    HTML(grid_explorer(draw, {"lr": [0.01, 0.1, 0.5]},
                       alt=lambda lr: f"Trajectory of gradient descent with lr={lr}").html)

Keep grids small: every combination is one PNG inside the page (at the default
size and resolution, about 20-40 kB each).
"""

from __future__ import annotations

import base64
import html
import io
import itertools
import json
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import matplotlib.pyplot as plt

__all__ = ["GridExplorer", "grid_explorer"]

MAX_FRAMES = 200  # a page with more pictures than this is too heavy to load


@dataclass(frozen=True)
class GridExplorer:
    """The HTML of an explorer (``.html``) and what it holds, for tests and captions."""

    html: str
    names: tuple[str, ...]
    values: tuple[tuple, ...]
    frames: int

    def _repr_html_(self) -> str:  # shown as-is by Jupyter and by the book
        return self.html


def _label(value) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _png(fig, dpi: int) -> str:
    buffer = io.BytesIO()
    # An opaque white background: the figure stays readable on the site's dark theme.
    fig.savefig(buffer, format="png", dpi=dpi, facecolor="white", bbox_inches="tight")
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def grid_explorer(
    draw: Callable[..., plt.Figure],
    grid: Mapping[str, Sequence],
    *,
    alt: Callable[..., str],
    labels: Mapping[str, str] | None = None,
    initial: Mapping[str, object] | None = None,
    dpi: int = 80,
) -> GridExplorer:
    """Draw ``draw(**params)`` for every point of ``grid`` and wrap the figures in sliders.

    Parameters
    ----------
    draw : callable
        ``draw(**params) -> matplotlib Figure``; called once per combination (the
        figure is closed after it is saved).
    grid : mapping of str to sequence
        Parameter name -> the values its slider offers (in slider order).
    alt : callable
        ``alt(**params) -> str``, the alternative text of each picture (for screen
        readers, and shown if the picture cannot load).
    labels : mapping, optional
        Parameter name -> label shown beside its slider (default: the name).
    initial : mapping, optional
        Parameter name -> the value shown first (default: the first of each list).
    dpi : int
        Resolution of the pictures.
    """
    if not callable(draw) or not callable(alt):
        raise TypeError("draw and alt must be callables taking the grid's parameters")
    if not isinstance(grid, Mapping) or not grid:
        raise ValueError(f"grid must map parameter names to lists of values, got {grid!r}")
    names = tuple(grid)
    values = tuple(tuple(grid[n]) for n in names)
    for name, options in zip(names, values, strict=True):
        if not options:
            raise ValueError(f"grid[{name!r}] has no values")
    frames = 1
    for options in values:
        frames *= len(options)
    if frames > MAX_FRAMES:
        raise ValueError(f"the grid has {frames} combinations; at most {MAX_FRAMES} fit a page")
    labels = {**{n: n for n in names}, **(labels or {})}
    initial = dict(initial or {})
    start = []
    for name, options in zip(names, values, strict=True):
        if name in initial and initial[name] not in options:
            raise ValueError(f"initial {name}={initial[name]!r} is not one of {list(options)}")
        start.append(options.index(initial[name]) if name in initial else 0)

    pictures, texts = {}, {}
    for index in itertools.product(*(range(len(v)) for v in values)):
        params = {n: v[i] for n, v, i in zip(names, values, index, strict=True)}
        key = ",".join(map(str, index))
        figure = draw(**params)
        if not isinstance(figure, plt.Figure):
            raise TypeError(f"draw must return a matplotlib Figure, got {type(figure).__name__}")
        pictures[key] = _png(figure, dpi)
        texts[key] = str(alt(**params))

    uid = "gx-" + uuid.uuid4().hex[:10]
    first = ",".join(map(str, start))
    sliders = []
    for k, (name, options) in enumerate(zip(names, values, strict=True)):
        shown = _label(options[start[k]])
        sliders.append(
            f'<label style="display:flex;gap:.6em;align-items:center;margin:.2em 0">'
            f'<span style="min-width:9em">{html.escape(labels[name])}</span>'
            f'<input type="range" min="0" max="{len(options) - 1}" step="1" '
            f'value="{start[k]}" data-param="{k}" aria-valuetext="{html.escape(shown)}" '
            f'style="flex:1;max-width:22em">'
            f'<output style="min-width:4em">{html.escape(shown)}</output></label>'
        )
    data = json.dumps(
        {
            "pictures": pictures,
            "texts": texts,
            "labels": [[_label(v) for v in options] for options in values],
        }
    ).replace("<", "\\u003c")  # no "</script>" can end the data early
    body = (
        f'<div class="gradlib-explorer" id="{uid}" style="max-width:100%">'
        f"{''.join(sliders)}"
        f'<img src="{pictures[first]}" alt="{html.escape(texts[first])}" '
        f'style="max-width:100%;height:auto;display:block">'
        f'<script type="application/json">{data}</script>'
        "<script>(function(){"
        f'var root=document.getElementById("{uid}");'
        "var data=JSON.parse(root.querySelector('script[type=\"application/json\"]')"
        ".textContent);"
        'var inputs=root.querySelectorAll("input[type=range]");var img=root.querySelector("img");'
        "function show(){var key=[];inputs.forEach(function(el,k){var i=+el.value;key.push(i);"
        "var text=data.labels[k][i];el.setAttribute('aria-valuetext',text);"
        "el.parentNode.querySelector('output').textContent=text;});key=key.join(',');"
        "img.src=data.pictures[key];img.alt=data.texts[key];}"
        'inputs.forEach(function(el){el.addEventListener("input",show);});'
        "})();</script></div>"
    )
    return GridExplorer(body, names, values, frames)
