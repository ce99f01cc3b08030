"""Chapter 6 (adaptive learning rates) quotes facts from the SGD slides and the DL Notes post.
The tests read what the executed chapter computed (its glued values) and check them against
the lectures' facts and formulas and the library, and that the built page shows them."""

from __future__ import annotations

import inspect
import math
import re

import numpy as np
import pytest
from glue import glued, summary_of

from gradlib.book import lecture_forms
from gradlib.landscapes import Beale, Plateau, Saddle, minimize
from gradlib.optim import SGD, Adadelta, Adagrad, Adam, Adamax, RMSprop

from conftest import REPO

PAGE = REPO / "_build" / "html" / "book" / "adaptive.html"

# The DL Notes post: "Typical values are β1 = 0.9 and β2 = 0.999", ε "usually set to 1e-8".
LECTURE_ADAM = {"betas": (0.9, 0.999), "eps": 1e-8}
# The SGD slides, "Smoothing the trajectory": the five steps (x, y) of the oscillating path.
LECTURE_STEPS = np.array([[1, 2.5], [1, -3], [3, 2.5], [1, -2], [2, 1.5]])


@pytest.fixture(scope="module")
def chapter():
    return glued("adaptive")


def _defaults(cls) -> dict:
    return {n: p.default for n, p in inspect.signature(cls).parameters.items() if n != "params"}


def test_adam_defaults_are_the_lectures(chapter):
    defaults = _defaults(Adam)
    assert defaults["betas"] == LECTURE_ADAM["betas"]
    assert defaults["eps"] == LECTURE_ADAM["eps"]
    assert defaults["lr"] == 0.001
    # and the chapter shows the lectures' values
    assert (chapter["adam_beta1"], chapter["adam_beta2"]) == LECTURE_ADAM["betas"]
    assert chapter["adam_eps"] == LECTURE_ADAM["eps"]
    assert chapter["adam_lr"] == 0.001


def test_bias_correction_at_step_one(chapter):
    beta1, beta2 = LECTURE_ADAM["betas"]
    # after one step m_1 = (1 - beta1) g and v_1 = (1 - beta2) g^2
    assert chapter["bias_m1"] == pytest.approx(1 - beta1, rel=1e-12)
    assert chapter["bias_v1"] == pytest.approx(1 - beta2, rel=1e-12)
    assert chapter["bias_uncorrected"] == pytest.approx(0.1 / math.sqrt(0.001), rel=1e-12)
    assert chapter["bias_corrected"] == pytest.approx(1.0, rel=1e-6)  # the step is lr * sign(g)
    # the smallest t with 1 - beta^t >= 0.9: t >= log(0.1) / log(beta)
    assert chapter["bias_m_steps"] == math.ceil(math.log(0.1) / math.log(beta1))
    assert chapter["bias_v_steps"] == math.ceil(math.log(0.1) / math.log(beta2))


@pytest.mark.parametrize("g", [np.array([3e-4, -7.0]), np.array([-250.0, 1e-2])])
def test_library_adam_state_after_one_step(g):
    theta = np.zeros(2)
    opt = Adam([theta], lr=0.01)
    opt.step([g])
    m, v = opt.state[0]["exp_avg"], opt.state[0]["exp_avg_sq"]
    np.testing.assert_allclose(m, 0.1 * g, rtol=1e-12)
    np.testing.assert_allclose(v, 0.001 * g**2, rtol=1e-12)
    np.testing.assert_allclose(-theta / 0.01, np.sign(g), rtol=1e-4)


def test_per_parameter_steps_divide_out_the_gradients_size(chapter):
    # the first Adam step (lr 0.1) is lr * sign(g) whatever |g|
    assert chapter["adam_first_small"] == pytest.approx(0.1, rel=1e-4)
    assert chapter["adam_first_large"] == pytest.approx(0.1, rel=1e-9)
    # constant gradient: AdaGrad's step is lr / sqrt(t), RMSprop's first lr / sqrt(1 - alpha)
    assert chapter["adagrad_step_100"] == pytest.approx(1 / math.sqrt(100), rel=1e-9)
    assert chapter["rmsprop_first_step"] == pytest.approx(1 / math.sqrt(1 - 0.99), rel=1e-6)
    # aligned scaling helps; rotated by 45 degrees, RMSprop loses most of its advantage
    assert chapter["rms_final_loss"] < 1e-6 * chapter["gd_final_loss"]
    assert chapter["rms_final_loss"] < 1e-6 * chapter["rms_rotated_loss"]


def test_adams_average_step_follows_the_signal_to_noise_ratio(chapter):
    for name, ratio in [("snr_step_2", 2.0), ("snr_step_10", 10.0)]:
        assert float(chapter[name]) == pytest.approx(1 / math.sqrt(1 + ratio**2), abs=0.03)


def test_one_scale_adam_against_per_parameter_adam(chapter):
    # the first one-scale step is lr * g / |g|: the small coordinate (1e-3 of 1e3) barely moves
    g = np.array([1e-3, 1e3])
    assert chapter["one_first_small"] == pytest.approx(0.1 * g[0] / np.linalg.norm(g), rel=1e-4)
    assert chapter["one_loss_01"] > 100 * chapter["adam_loss_01"]
    assert chapter["one_loss_1"] < chapter["one_loss_01"]


def test_steps_on_beales_steep_wall(chapter):
    start = np.array([2.0, -2.0])
    # the gradient's length, by central differences of the library's function
    h, f = 1e-6, Beale().value
    fd = [(f(start + h * e) - f(start - h * e)) / (2 * h) for e in np.eye(2)]
    assert chapter["beale_grad"] == pytest.approx(np.linalg.norm(fd), rel=1e-6)
    # gradient descent's first step is lr |g|, farther than the minimum
    assert chapter["beale_gd_first"] == pytest.approx(0.005 * chapter["beale_grad"], rel=1e-12)
    assert chapter["beale_gd_first"] > np.linalg.norm(Beale().global_minimum.point - start)
    # Adam's steps are at most about lr in each coordinate
    assert chapter["beale_adam_max"] == pytest.approx(math.sqrt(2) * 0.1, rel=1e-3)
    assert chapter["beale_rms_final"] < Beale().value(start) / 1000


def test_adadelta_lecture_form_is_torch_form_with_lr_one(chapter):
    # the chapter's run (the saddle): the two forms agree up to rounding
    assert 0 <= chapter["adadelta_gap"] < 1e-12
    # another landscape, by the test
    beale, start = Beale(), [1.0, 1.5]
    zeiler = lecture_forms.adadelta(beale.gradient, start, rho=0.9, eps=1e-6, steps=200)
    torch_form = minimize(beale, Adadelta, start, 200, lr=1.0, rho=0.9, eps=1e-6)
    np.testing.assert_allclose(zeiler, torch_form.iterates, rtol=0, atol=1e-12)
    assert _defaults(Adadelta)["lr"] == 1.0


def test_adadeltas_first_step_is_the_chapters(chapter):
    """sqrt(eps) / sqrt((1 - rho) g^2) times g: the library's first step, for two gradients."""
    for g in (7.0, -300.0):
        x = np.zeros(1)
        Adadelta([x], rho=0.9, eps=1e-6).step([np.array([g])])
        assert -x[0] == pytest.approx(chapter["adadelta_first"] * np.sign(g), rel=1e-6)


def test_lecture_001_oscillating_path(chapter):
    total_x, total_y = np.abs(LECTURE_STEPS).sum(axis=0)
    assert (chapter["osc_total_x"], chapter["osc_total_y"]) == (total_x, total_y)
    assert chapter["osc_net_y"] == LECTURE_STEPS[:, 1].sum()
    assert chapter["osc_ratio_raw"] == pytest.approx(total_y / total_x, rel=1e-12)
    # RMSprop brings the ratio of vertical to horizontal movement towards 1
    assert abs(math.log(chapter["osc_ratio_scaled"])) < abs(math.log(chapter["osc_ratio_raw"])) / 2


def test_saddle_adaptive_methods_break_the_symmetry_sooner(chapter):
    """The DL Notes post: adaptive methods leave the symmetry line much sooner than plain SGD."""
    # gradient descent multiplies y by 1 + 2 lr (lr = 0.1) per step: from 1e-6 and from 1e-3
    for name, y0 in [("esc_gd_01", 1e-6), ("esc_gd_01_closer", 1e-3)]:
        assert chapter[name] == math.ceil(math.log(1 / y0) / math.log(1.2)), name
    assert chapter["esc_rms_01"] < chapter["esc_adam_01"] < chapter["esc_gd_01"] / 2
    # the adaptive escape hardly depends on the start; gradient descent's does
    adam_gain = chapter["esc_adam_001"] - chapter["esc_adam_001_closer"]
    assert 0 <= adam_gain < (chapter["esc_gd_01"] - chapter["esc_gd_01_closer"]) / 10
    # AdaDelta has no learning rate: Zeiler's form (which has none) escapes at the same step
    path = lecture_forms.adadelta(Saddle().gradient, [1.0, 1e-6], rho=0.9, eps=1e-6, steps=300)
    assert chapter["esc_adadelta"] == int(np.argmax(np.abs(path[:, 1]) > 1))


def test_plateau_adaptive_methods_leave_the_plateau_but_stop_in_the_local_minimum(chapter):
    plateau = Plateau()
    assert chapter["plateau_global"] == plateau.global_minimum.value
    assert chapter["plateau_local"] == plateau.minima[1].value > plateau.global_minimum.value
    # started at x = 4: gradient descent is still on the plateau (x > 1), AdaGrad near its edge
    assert 1 < chapter["plateau_adagrad_x"] < chapter["plateau_gd_x"] < 4
    # AdaDelta's steps first grow from sqrt(eps): it leaves last
    left = [chapter[f"plateau_{k}"] for k in ("rms", "adam", "momentum")]
    assert all(0 < k < chapter["plateau_adadelta"] for k in left)


def test_plateau_momentum_reaches_the_global_minimum():
    """DL Notes post: getting past the flat region, momentum does better than adaptive methods.
    (The chapter prints where each run ends but does not glue it: the runs are repeated here.)"""
    plateau = Plateau()
    start = [4.0, 0.5]
    glob, local = plateau.minima[0].point[0], plateau.minima[1].point[0]
    momentum = minimize(plateau, SGD, start, 300, lr=0.05, momentum=0.95).iterates[-1]
    assert abs(momentum[0] - glob) < 0.05
    for cls, kw in [(RMSprop, {"lr": 0.05, "alpha": 0.9}), (Adam, {"lr": 0.05}), (Adadelta, {})]:
        end = minimize(plateau, cls, start, 300, **kw).iterates[-1]
        assert abs(end[0] - local) < 0.05, cls.__name__


def test_summary_table_matches_the_library(chapter):
    """Every default the summary table states is the library's, and so is the step-1 ratio."""
    summary = summary_of("adaptive")
    stated = {float(v) for v in re.findall(r"(?<![\d^{-])\d+\.\d+", summary)}
    powers = {10.0 ** -int(e) for e in re.findall(r"10\^\{-(\d+)\}", summary)}
    expected = [
        _defaults(Adagrad)["lr"],
        _defaults(RMSprop)["lr"],
        _defaults(RMSprop)["alpha"],
        _defaults(Adadelta)["lr"],
        _defaults(Adadelta)["rho"],
        _defaults(Adam)["lr"],
        *_defaults(Adam)["betas"],
        _defaults(Adamax)["lr"],
        *_defaults(Adamax)["betas"],
    ]
    for value in expected:
        assert any(abs(value - s) < 1e-12 for s in stated), f"{value} not in the summary"
    for cls in (Adagrad, RMSprop, Adadelta, Adam, Adamax):
        eps = _defaults(cls)["eps"]
        assert any(math.isclose(eps, p) for p in powers), f"{cls.__name__} eps {eps} missing"
    ratio = chapter["bias_uncorrected"]
    assert any(abs(ratio - s) < 1e-4 for s in stated), "the step-1 ratio is not in the summary"
