"""gradlib.book.plotting: the shared figures draw what they are given and reject malformed input."""

from __future__ import annotations

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pytest

from gradlib.book.plotting import (
    PALETTE,
    animate_trajectories,
    plot_landscape,
    plot_training_curves,
    plot_trajectories,
    use_book_style,
)
from gradlib.landscapes import Beale, Quadratic, Rosenbrock


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_book_style_sets_the_palette():
    use_book_style()
    colors = matplotlib.rcParams["axes.prop_cycle"].by_key()["color"]
    assert [c.lower() for c in colors] == [c.lower() for c in PALETTE]


def test_landscape_marks_every_critical_point_and_uses_its_window():
    land = Beale()
    ax = plot_landscape(land)
    marked = [tuple(np.round(line.get_xydata()[0], 6)) for line in ax.lines]
    for point in land.critical_points:
        assert tuple(np.round(point.point, 6)) in marked
    assert ax.get_xlim() == pytest.approx(land.xlim)
    assert ax.get_ylim() == pytest.approx(land.ylim)


def test_log_levels_are_chosen_for_steep_landscapes_only():
    steep = plot_landscape(Rosenbrock()).collections[0].norm
    mild = plot_landscape(Quadratic((1.0, 2.0))).collections[0].norm
    assert type(steep).__name__ == "LogNorm"
    assert type(mild).__name__ != "LogNorm"


def test_trajectories_are_drawn_in_order_with_start_and_end():
    path = np.array([[1.0, 1.0], [2.0, 0.5], [3.0, 0.5]])
    ax = plot_trajectories(Beale(), {"gradient descent": path})
    drawn = [line for line in ax.lines if line.get_label() == "gradient descent"]
    assert len(drawn) == 1
    np.testing.assert_array_equal(drawn[0].get_xydata(), path)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["gradient descent"]


def test_malformed_trajectory_is_reported():
    with pytest.raises(ValueError, match=r"shape \(steps \+ 1, 2\), got \(3,\)"):
        plot_trajectories(Beale(), {"bad": np.zeros(3)})
    with pytest.raises(ValueError, match="at least one"):
        animate_trajectories(Beale(), {})


def test_animation_plays_in_a_static_page():
    paths = {"a": np.linspace([-1.2, 1.0], [1.0, 1.0], 41), "b": np.zeros((11, 2))}
    anim = animate_trajectories(Rosenbrock(), paths, frames=5, title="demo")
    html = anim.to_jshtml()
    assert "anim_slider" in html or 'type="range"' in html  # the scrub slider
    assert html.count("data:image/png;base64") == 5 or html.count("frames[") >= 5


def test_training_curves_need_training_values():
    ax = plot_training_curves({"train_loss": [3, 2, 1], "val_loss": [3, 2.5, 2.6], "best_epoch": 2})
    assert [line.get_label() for line in ax.lines][:2] == ["training loss", "validation loss"]
    with pytest.raises(ValueError, match="train_accuracy"):
        plot_training_curves({"train_loss": [1.0]}, metric="accuracy")


def test_animation_html_works_offline_and_describes_itself():
    from gradlib.book.plotting import animate_trajectories, animation_html

    bowl = Quadratic((1.0, 4.0))
    path = np.array([[2.0, 1.0], [1.0, 0.5], [0.5, 0.2], [0.1, 0.0]])
    anim = animate_trajectories(bowl, {"GD": path}, frames=4)
    page = animation_html(anim, alt='Gradient descent "path" on a bowl')
    assert "https://" not in page and "http://" not in page  # nothing from a CDN
    assert 'alt="Gradient descent &quot;path&quot; on a bowl"' in page
    assert page.count("<img") == 1 and "play_animation" in page
    with pytest.raises(ValueError, match="alt must describe"):
        animation_html(anim, alt=" ")
