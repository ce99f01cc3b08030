"""Chapter 6 (adaptive learning rates) quotes facts from the SGD slides and the DL Notes post:
the library must reproduce them, and the built page must show the computed values."""

from __future__ import annotations

import inspect
import math
import re

import numpy as np
import pytest

from gradlib.book import lecture_forms
from gradlib.landscapes import Beale, Plateau, Saddle, minimize
from gradlib.optim import SGD, Adadelta, Adagrad, Adam, Adamax, RMSprop

from conftest import REPO, built_page_text

PAGE = REPO / "_build" / "html" / "book" / "adaptive.html"
SOURCE = REPO / "book" / "adaptive.md"

# The DL Notes post: "Typical values are β1 = 0.9 and β2 = 0.999", ε "usually set to 1e-8".
LECTURE_ADAM = {"betas": (0.9, 0.999), "eps": 1e-8}
# The SGD slides, "Smoothing the trajectory": the five steps (x, y) of the oscillating path.
LECTURE_STEPS = np.array([[1, 2.5], [1, -3], [3, 2.5], [1, -2], [2, 1.5]])


def _defaults(cls) -> dict:
    return {n: p.default for n, p in inspect.signature(cls).parameters.items() if n != "params"}


def test_adam_defaults_are_the_lectures():
    defaults = _defaults(Adam)
    assert defaults["betas"] == LECTURE_ADAM["betas"]
    assert defaults["eps"] == LECTURE_ADAM["eps"]
    assert defaults["lr"] == 0.001


def test_bias_correction_at_step_one():
    g = np.array([0.5, -40.0])
    theta = np.zeros(2)
    opt = Adam([theta], lr=0.001)
    opt.step([g])
    m, v = opt.state[0]["exp_avg"], opt.state[0]["exp_avg_sq"]
    np.testing.assert_allclose(m, 0.1 * g, rtol=1e-12)
    np.testing.assert_allclose(v, 0.001 * g**2, rtol=1e-12)
    np.testing.assert_allclose(np.abs(m) / np.sqrt(v), 0.1 / math.sqrt(0.001), rtol=1e-12)
    assert 0.1 / math.sqrt(0.001) == pytest.approx(3.16227766, abs=1e-8)
    np.testing.assert_allclose(-theta / 0.001, np.sign(g), rtol=1e-6)


def test_adadelta_lecture_form_is_torch_form_with_lr_one():
    for landscape, start in [(Saddle(), [1.0, 1e-6]), (Beale(), [1.0, 1.5])]:
        zeiler = lecture_forms.adadelta(landscape.gradient, start, rho=0.9, eps=1e-6, steps=200)
        torch_form = minimize(landscape, Adadelta, start, 200, lr=1.0, rho=0.9, eps=1e-6)
        np.testing.assert_allclose(zeiler, torch_form.iterates, rtol=0, atol=1e-12)
    assert _defaults(Adadelta)["lr"] == 1.0


def test_lecture_001_oscillating_path():
    assert np.abs(LECTURE_STEPS).sum(axis=0).tolist() == [8.0, 11.5]
    assert LECTURE_STEPS[:, 1].sum() == 1.5


def _escape(path):
    away = np.abs(path[:, 1]) > 1.0
    return int(np.argmax(away)) if away.any() else None


def test_saddle_adaptive_methods_break_the_symmetry_sooner():
    """The DL Notes post: adaptive methods leave the symmetry line much sooner than plain SGD."""
    saddle = Saddle()
    for y0 in (1e-3, 1e-6):
        start = [1.0, y0]
        gd = _escape(minimize(saddle, SGD, start, 300, lr=0.01).iterates)
        for cls, kw in [(RMSprop, {"alpha": 0.9}), (Adam, {})]:
            adaptive = _escape(minimize(saddle, cls, start, 300, lr=0.01, **kw).iterates)
            assert adaptive is not None and (gd is None or adaptive < gd)
    # AdaDelta has no learning rate: the lecture's runs at three rates coincide.
    paths = [lecture_forms.adadelta(saddle.gradient, [1.0, 1e-6], 0.9, 1e-6, 100)] * 3
    assert all(np.array_equal(p, paths[0]) for p in paths)


def test_plateau_momentum_reaches_the_global_minimum():
    """DL Notes post: getting past the flat region, momentum does better than adaptive methods."""
    plateau = Plateau()
    start = [4.0, 0.5]
    glob, local = plateau.minima[0].point[0], plateau.minima[1].point[0]
    momentum = minimize(plateau, SGD, start, 300, lr=0.05, momentum=0.95).iterates[-1]
    assert abs(momentum[0] - glob) < 0.05
    for cls, kw in [(RMSprop, {"lr": 0.05, "alpha": 0.9}), (Adam, {"lr": 0.05}), (Adadelta, {})]:
        end = minimize(plateau, cls, start, 300, **kw).iterates[-1]
        assert abs(end[0] - local) < 0.05, cls.__name__


@pytest.mark.parametrize(
    "number",
    ["3.1623", "0.1000", "0.0010", "1.0000", "0.999", "1e-08", "11.5", "8.0"],
)
def test_built_page_shows_the_computed_numbers(number):
    assert number in built_page_text(PAGE)


def test_the_page_shows_the_gap_between_zeilers_adadelta_and_the_librarys():
    start = np.array([1.0, 1e-6])
    zeiler = lecture_forms.adadelta(Saddle().gradient, start, rho=0.9, eps=1e-6, steps=200)
    library = minimize(Saddle(), Adadelta, start, 200, lr=1.0, rho=0.9, eps=1e-6).iterates
    gap = float(np.max(np.abs(zeiler - library)))
    assert gap < 1e-12  # the same method, up to rounding
    assert f"{gap:.1e}" in built_page_text(PAGE)


def test_summary_table_matches_the_library():
    """Every default the summary table states is the library's, and so is the step-1 ratio."""
    text = SOURCE.read_text()
    summary = text[text.index("## Summary") : text.index("## Exercises")]
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
    ratio = 0.1 / math.sqrt(0.001)
    assert any(abs(ratio - s) < 1e-4 for s in stated), "the step-1 ratio is not in the summary"
