"""Chapter 5 (momentum and Nesterov) quotes the lectures' numbers and its own measurements.
The tests read what the executed chapter computed (its glued values) and check them against
the lectures' formulas and the library, and that the built page shows them."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
from glue import glued, summary_of

from gradlib.book import lecture_forms
from gradlib.landscapes import Beale
from gradlib.optim import SGD
from gradlib.schedules import sutskever_momentum

from conftest import REPO, built_page_text

PAGE = REPO / "_build" / "html" / "book" / "momentum.html"

# The Physics 356 lesson and the SGD slides: typical mu = 0.9; the DL Notes post: mu = 0.95 on a
# hard surface, lr = 0.01 on the saddle, a momentum schedule "from as low as 0.5 up to 0.99".
LECTURE = {"mu": 0.9, "mu_hard": 0.95, "saddle_lr": 0.01, "schedule": (0.5, 0.99)}
SLOPE = np.array([1.0, 0.0])


@pytest.fixture(scope="module")
def chapter():
    return glued("momentum")


def _buffer_amplification(mu: float, steps: int = 2000) -> float:
    """Last step over lr * |slope| of the library's SGD (torch's buffer form), constant slope."""
    x = np.zeros(2)
    opt = SGD([x], lr=0.1, momentum=mu)
    for _ in range(steps):
        before = x.copy()
        opt.step([SLOPE.copy()])
    return abs(x[0] - before[0]) / 0.1


def test_effective_step_is_lr_over_one_minus_mu(chapter):
    # the chapter measures the amplification with the lectures' velocity form
    for name, mu in [("amp_09", LECTURE["mu"]), ("amp_095", LECTURE["mu_hard"]), ("amp_099", 0.99)]:
        assert chapter[name] == pytest.approx(1 / (1 - mu), rel=1e-6), name
        # torch's buffer form, b -> g / (1 - mu), gives the same factor
        assert _buffer_amplification(mu) == pytest.approx(chapter[name], rel=1e-6), name
    # after t steps the factor is (1 - mu^t) / (1 - mu): the first t within 10 % of the limit
    t = chapter["steps_to_90pct_09"]
    assert 1 - LECTURE["mu"] ** t >= 0.9 > 1 - LECTURE["mu"] ** (t - 1)


def test_lecture_and_torch_forms_agree_on_beale(chapter):
    assert 0 <= chapter["diff_heavy"] < 1e-12  # the same run, up to rounding
    assert 0 <= chapter["diff_nesterov"] < 1e-12
    assert chapter["diff_theta_phi"] > 0.1  # different points of the same run


def test_lecture_nesterov_look_ahead_is_torchs_parameter():
    """The library's two Nesterov forms, on a surface the chapter does not use."""
    bowl_grad = lambda th: np.array([1.0, 30.0]) * th  # noqa: E731
    x0, lr, mu = np.array([2.0, 1.0]), 0.02, LECTURE["mu"]
    theta, lookahead = lecture_forms.nesterov(bowl_grad, x0, lr=lr, mu=mu, steps=50)
    x, torch = x0.copy(), [x0.copy()]
    opt = SGD([x], lr=lr, momentum=mu, nesterov=True)
    for _ in range(50):
        opt.step([bowl_grad(x)])
        torch.append(x.copy())
    np.testing.assert_allclose(lookahead, torch, atol=1e-12)
    assert np.abs(theta - np.array(torch)).max() > 1e-3


def test_momentum_escapes_the_saddle_faster(chapter):
    escape = {k: chapter[f"escape_{k}"] for k in ("gd", "mom", "nag")}
    # gradient descent multiplies y by 1 + 2 lr per step, from 1e-3 to beyond 1
    growth = 1 + 2 * LECTURE["saddle_lr"]
    assert escape["gd"] == math.ceil(math.log(1 / 1e-3) / math.log(growth))
    assert escape["nag"] < escape["mom"] < escape["gd"] / 4


def test_nesterov_overshoots_less_on_beale(chapter):
    minimum_x = Beale().global_minimum.point[0]
    # momentum shoots past the minimum; Nesterov overshoots less
    assert minimum_x < chapter["beale_nag_xmax"] < chapter["beale_mom_xmax"]
    assert 0 < chapter["beale_nag_dist"] < chapter["beale_mom_dist"] < chapter["beale_gd_dist"]


def test_momentum_runs_faster_along_the_valley_floor(chapter):
    # all start at x = -9; the minimum is at x = 0
    gd, mom, nag = (chapter[f"valley_{k}_x"] for k in ("gd", "mom", "nag"))
    assert -9 < gd < -1
    assert abs(mom) < abs(gd) / 10 and abs(nag) < abs(gd) / 10


def test_schedule_goes_from_half_to_the_cap(chapter):
    start, cap = LECTURE["schedule"]
    assert sutskever_momentum(0, mu_max=cap) == start
    assert sutskever_momentum(250, mu_max=cap) == 0.75
    assert sutskever_momentum(12249, mu_max=cap) < cap == sutskever_momentum(12250, mu_max=cap)
    # the chapter's numbers, from the formula: mu = 1 - 1 / (2 (k + 1)) after k periods of 250
    assert chapter["mu_0"] == start
    assert chapter["mu_250"] == 1 - 1 / (2 * 2)
    periods = next(k for k in range(1000) if 1 - 1 / (2 * (k + 1)) >= cap)
    assert chapter["t_cap"] == 250 * periods


def test_schedule_damps_the_early_ringing_of_a_large_constant_momentum(chapter):
    assert 0 < chapter["bowl_sched"] < chapter["bowl_099"] / 100


def test_built_page_has_a_small_animation_and_no_error_output():
    raw = PAGE.read_text()
    assert "anim_step_forward" in raw, "the JavaScript animation is missing"
    frames = len(set(re.findall(r"frames\[(\d+)\]", raw)))
    assert 2 <= frames <= 60, f"the animation has {frames} frames"
    assert "Traceback" not in built_page_text(PAGE)


def test_summary_table_matches_the_chapter(chapter):
    """The summary table is prose: each number it states must equal the computed one."""
    summary = summary_of("momentum")
    stated = [float(v) for v in re.findall(r"-?\d+\.\d+", summary)]
    start, cap = LECTURE["schedule"]
    for value in [chapter["amp_09"], chapter["amp_095"], chapter["mu_0"], cap]:
        assert any(abs(value - s) < 1e-9 for s in stated), f"{value} is not in the summary table"
    assert "250" in summary
