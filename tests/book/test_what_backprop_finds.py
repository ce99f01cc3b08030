"""Chapter 9 quotes the numbers of Brady et al.'s example (convergence slides): the library must
compute them, the numbers the executed chapter glued must agree with the lecture and with
each other, and the built page must show them."""

from __future__ import annotations

import re

import numpy as np
import pytest
from glue import glued, summary_of

from gradlib.book.neuron_landscape import NeuronLossSlice
from gradlib.perceptron import misclassified, spoiler_example

from conftest import REPO

PAGE = REPO / "_build" / "html" / "book" / "what_backprop_finds.html"

SOFT = (0.1, 0.9)
# Convergence slides ("Backprop vs. Perceptron"): sigma(z) = 1 - eps with eps = 0.1 at the positive
# points gives three equations whose unique solution is w_x = w_y = ln 9 (sigma^-1(0.9)), b = 0.
LN9 = np.log(9.0)
LECTURE_SOLUTION = (LN9, LN9, 0.0)


@pytest.fixture(scope="module")
def chapter():
    return glued("what_backprop_finds")


def test_the_chapters_gradient_descent_finds_the_lectures_solution_and_is_trapped(chapter):
    assert chapter["ln9"] == pytest.approx(LN9, rel=1e-15)
    w3 = (chapter["w3_1"], chapter["w3_2"], chapter["w3_b"])
    np.testing.assert_allclose(w3, LECTURE_SOLUTION, atol=1e-3)
    assert chapter["z4"] == pytest.approx(-10 * LN9)  # the spoiler's pre-activation there
    # In the trap the loss is the spoiler's term alone, 1/4 * 1/2 * 0.9^2 (sigma(z4) ~ 0), and
    # its gradient is killed by sigma'(z4) ~ 9^-10: of order t * 9^-10 / 4 < 1e-8.
    assert chapter["loss_trapped"] == pytest.approx(0.25 * 0.5 * 0.9**2, abs=1e-8)
    assert 0 < chapter["spoiler_grad"] < 1e-8
    assert chapter["loss_separating"] < chapter["loss_trapped"] / 10  # not the global minimum
    assert chapter["move_gd"] < 1e-3  # the spoiler hardly moves gradient descent...
    assert chapter["ce_mistakes"] == 0  # ...but the cross-entropy separates all four points
    assert 0 < chapter["trapped"] < chapter["n_starts"]  # which minimum depends on the start


def test_the_chapters_perceptron_separates_the_spoiler_set(chapter):
    X4, y4 = spoiler_example(distance=10.0)
    weights = [chapter["perc_w1"], chapter["perc_w2"], chapter["perc_b"]]
    assert misclassified(weights, X4, y4) == 0
    assert chapter["perc_epochs"] >= 1
    assert chapter["turn_perc"] > 10  # one new point swings the perceptron's line (degrees)


def test_the_chapters_critical_points_are_what_it_calls_them(chapter):
    assert chapter["slice_global"] < chapter["slice_local"] < chapter["slice_saddle"]
    assert chapter["trap_eig_min"] > 0 > chapter["saddle_eig_neg"]
    # random symmetric matrices: in 1-D half are positive definite; in 4-D fewer than 2^-4
    assert chapter["frac_1"] == pytest.approx(0.5, abs=0.01)
    assert 0 < chapter["frac_4"] < 0.5**4


def test_the_library_finds_the_chapters_critical_points(chapter):
    X4, y4 = spoiler_example()
    surface = NeuronLossSlice(
        X4, y4, [LN9, 0.0, 0.0], (1, 2), targets=SOFT, xlim=(-3, 4), ylim=(-3, 4)
    )
    best, trap, saddle = (c.value for c in surface.critical_points)
    assert (best, trap, saddle) == pytest.approx(
        (chapter["slice_global"], chapter["slice_local"], chapter["slice_saddle"]), rel=1e-9
    )


def test_summary_table_matches_the_chapter(chapter):
    """The summary table is prose: each number it states must equal the computed one."""
    summary = summary_of("what_backprop_finds")
    stated = [float(v) for v in re.findall(r"-?\d+\.\d+", summary)]
    for name in ["ln9", "loss_trapped", "slice_local", "slice_saddle", "slice_global"]:
        value = chapter[name]
        assert any(abs(value - s) < 5e-5 for s in stated), f"{name} = {value} is not in the summary"
    assert f"{chapter['perc_epochs']} epochs" in summary
