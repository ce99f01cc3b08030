"""gradlib.book.explorer: a kernel-free explorer holds one opaque picture per grid point.

(That its sliders swap the pictures in a real browser is tested in tests/book/test_browser.py.)"""

from __future__ import annotations

import base64
import io
import json
import re

import matplotlib.image as mpimg
import matplotlib.pyplot as plt
import pytest

from gradlib.book.explorer import MAX_FRAMES, grid_explorer


def _draw(lr, momentum=0.0):
    fig, ax = plt.subplots(figsize=(2, 1.5))
    ax.plot([0, 1], [lr, momentum])
    return fig


def _alt(lr, momentum=0.0):
    return f"line from {lr} to {momentum} </script>"


def _data(explorer):
    match = re.search(r'<script type="application/json">(.*?)</script>', explorer.html, re.S)
    return json.loads(match.group(1))


def test_one_picture_and_one_alt_text_per_grid_point():
    ex = grid_explorer(_draw, {"lr": [0.1, 0.5, 1.0], "momentum": [0.0, 0.9]}, alt=_alt)
    assert ex.frames == 6 and ex.names == ("lr", "momentum")
    data = _data(ex)
    assert sorted(data["pictures"]) == [f"{i},{j}" for i in range(3) for j in range(2)]
    assert data["texts"]["2,1"] == "line from 1.0 to 0.9 </script>"
    assert data["labels"] == [["0.1", "0.5", "1"], ["0", "0.9"]]
    assert len(set(data["pictures"].values())) == 6  # every grid point drew its own figure
    assert ex.html.count('type="range"') == 2
    assert ex.html.count("</script>") == 2  # the alt text's "</script>" is escaped in the data


def test_initial_values_choose_the_first_picture():
    ex = grid_explorer(_draw, {"lr": [0.1, 0.5, 1.0]}, alt=_alt, initial={"lr": 0.5})
    data = _data(ex)
    assert f'src="{data["pictures"]["1"]}"' in ex.html
    assert 'value="1"' in ex.html


def test_pictures_are_opaque_so_they_read_on_a_dark_theme():
    ex = grid_explorer(_draw, {"lr": [0.1]}, alt=_alt)
    uri = _data(ex)["pictures"]["0"]
    image = mpimg.imread(io.BytesIO(base64.b64decode(uri.split(",", 1)[1])), format="png")
    assert image.shape[2] == 3 or (image[..., 3] == 1).all()


def test_figures_are_closed():
    before = len(plt.get_fignums())
    grid_explorer(_draw, {"lr": [0.1, 0.2]}, alt=_alt)
    assert len(plt.get_fignums()) == before


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"grid": {}}, ValueError, "grid must map parameter names"),
        ({"grid": {"lr": []}}, ValueError, r"grid\['lr'\] has no values"),
        ({"grid": {"lr": list(range(MAX_FRAMES + 1))}}, ValueError, "at most 200"),
        ({"grid": {"lr": [1]}, "initial": {"lr": 2}}, ValueError, "initial lr=2 is not one of"),
        ({"grid": {"lr": [1]}, "alt": "text"}, TypeError, "draw and alt must be callables"),
    ],
)
def test_bad_arguments(kwargs, error, message):
    kwargs = {"alt": _alt, **kwargs}
    with pytest.raises(error, match=message):
        grid_explorer(_draw, **kwargs)


def test_draw_must_return_a_figure():
    with pytest.raises(TypeError, match="must return a matplotlib Figure, got NoneType"):
        grid_explorer(lambda lr: None, {"lr": [1]}, alt=_alt)
