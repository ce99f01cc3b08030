"""Chapter 3 quotes the facts of the convergence slides: the library must reproduce them,
and the built page must show the values the chapter computed (prose and code cannot drift)."""

from __future__ import annotations

import re

import numpy as np
import pytest
from glue import glued, summary_of

from gradlib.landscapes import Saddle
from gradlib.quadratics import (
    classify_learning_rate,
    condition_number,
    convergence_factor,
    gradient_descent_quadratic,
    learning_rate_thresholds,
    newton_iterates,
    random_spd,
)

from conftest import REPO

PAGE = REPO / "_build" / "html" / "book" / "gradient_descent.html"
SOURCE = REPO / "book" / "gradient_descent.md"

# The chapter's parabola L(w) = ½ a w² − b w and its four learning rates.
A1, B1, W0 = 4.0, 4.0, -1.0
RATES_1D = (0.1, 0.25, 0.4, 0.52)


def test_library_reproduces_the_lecture():
    """Convergence slides, "Convergence for quadratic surfaces" and the slides that follow it."""
    # η_opt = 1/a reaches the optimum in one step; 2 η_opt is the divergence threshold.
    opt, top = learning_rate_thresholds(A1)
    assert (opt, top) == (pytest.approx(1 / A1), pytest.approx(2 / A1))
    w = gradient_descent_quadratic(A1, B1, W0, opt, 3).iterates[:, 0]
    np.testing.assert_allclose(w[1:], B1 / A1)
    # η < η_opt: monotone; η_opt < η < 2 η_opt: oscillating; η > 2 η_opt: divergent.
    assert [classify_learning_rate(A1, lr * opt) for lr in (0.5, 1.0, 1.5, 2.0, 2.5)] == [
        "monotone",
        "monotone",
        "oscillating",
        "divergent",
        "divergent",
    ]
    # Many weights: the rate must stay below twice the smallest per-direction optimum 1/λ_i.
    A = random_spd(5, seed=4, condition=30.0)
    lam = np.linalg.eigvalsh(A)
    assert learning_rate_thresholds(A).maximum == pytest.approx(2 * np.min(1 / lam))
    # Slow when λ_max/λ_min is large: the best worst-case factor is (κ − 1)/(κ + 1).
    kappa = condition_number(A)
    assert convergence_factor(A, learning_rate_thresholds(A).optimal) == pytest.approx(
        (kappa - 1) / (kappa + 1)
    )
    # Newton's method = normalised update: optimal η is 1, and η should not exceed 2.
    assert tuple(learning_rate_thresholds(np.eye(3))) == (pytest.approx(1.0), pytest.approx(2.0))
    b = np.arange(5.0)
    step = newton_iterates(lambda w: A @ w - b, lambda w: A, np.zeros(5), 1).iterates[1]
    np.testing.assert_allclose(step, np.linalg.solve(A, b))
    # A saddle point: the Hessian has positive and negative eigenvalues.
    eigs = np.linalg.eigvalsh(Saddle().hessian(np.zeros(2)))
    assert eigs.min() < 0 < eigs.max()


@pytest.fixture(scope="module")
def chapter():
    return glued("gradient_descent")


def test_the_chapters_numbers_match_the_lecture(chapter):
    """Convergence slides: eta_opt = 1/a, 2 eta_opt diverges; the factors 1 - eta lambda_i."""
    assert chapter["a1d_eta_opt"] == 1 / A1 and chapter["a1d_eta_max"] == 2 / A1
    # the bowl with eigenvalues 1 and 10 at eta = 0.15: factors 1 - 0.15 and 1 - 1.5
    assert (chapter["eig_r1"], chapter["eig_r2"]) == pytest.approx((0.85, -0.5), abs=1e-12)
    assert chapter["newton_opt"] == 1.0 and chapter["newton_max"] == 2.0  # a normalised update
    assert float(chapter["hess_entries"]) == 100_000**2  # n^2 second derivatives for n = 1e5
    assert float(chapter["hess_gb"]) == 100_000**2 * 8 / 1e9  # 8 bytes per entry
    assert chapter["a1d_w1_osc"] > B1 / A1 > chapter["a1d_w1_slow"]  # overshoot vs fall short
    # one step from W0: w1 = W0 - eta (A1 W0 - B1), by hand
    assert chapter["a1d_w1_slow"] == pytest.approx(W0 - 0.1 * (A1 * W0 - B1), abs=1e-6)
    assert chapter["a1d_w1_osc"] == pytest.approx(W0 - 0.4 * (A1 * W0 - B1), abs=1e-6)
    # six steps at eta = 0.52: the error is multiplied by (1 - 0.52 a)^6
    assert chapter["a1d_w6_div"] == pytest.approx(
        B1 / A1 + (1 - 0.52 * A1) ** 6 * (W0 - B1 / A1),
        abs=5e-5,  # glued to 4 decimals
    )
    assert -1 < chapter["r_boundary_49"] < -1 + 1e-15  # 2/a, seen through 1 - eta a
    assert chapter["k100_rho"] == pytest.approx(99 / 101, abs=1e-6)  # (kappa - 1)/(kappa + 1)
    # about (kappa/2) ln(1/eps) steps for kappa = 100 and eps = 1e-6
    assert abs(chapter["k100_steps"] - 50 * np.log(1e6)) < 0.01 * 50 * np.log(1e6)
    # escape time ~ ln(1/delta)/ln(1 + 2 eta) for delta = 1e-3 and eta = 0.1
    assert abs(chapter["saddle_escape"] - np.log(1e3) / np.log(1.2)) <= 1


def test_the_chapters_rosenbrock_numbers_follow_from_its_hessian(chapter):
    """At the minimum (1, 1) the Rosenbrock Hessian is [[802, -400], [-400, 200]] (by hand)."""
    eigs = np.linalg.eigvalsh(np.array([[802.0, -400.0], [-400.0, 200.0]]))
    assert float(chapter["rosen_kappa"]) == round(eigs[-1] / eigs[0])
    assert float(chapter["gd_limit"]) == pytest.approx(2 / eigs[-1], abs=5e-6)
    assert 1 <= chapter["newton_steps"] <= 8  # Newton reaches the minimum within its 8 steps
    assert float(chapter["gd2000_loss"]) > 1e-10  # 2000 gradient steps do not


def test_built_page_has_the_animation_and_figures():
    raw = PAGE.read_text()
    assert "animation" in raw and "data:image/jpeg;base64" in raw, "the animation is missing"
    frames = len(re.findall(r"data:image/jpeg;base64", raw))
    assert 2 <= frames <= 60, f"{frames} animation frames"
    for name in ("fig-regimes-1d", "fig-eigen", "fig-kappa-paths", "fig-whitening", "fig-saddle"):
        assert f'id="{name}"' in raw, name
    assert raw.count('alt="') >= 9, "every figure needs alt text"


def test_summary_table_matches_the_library():
    """The summary table is prose: each number it states must equal a computed one."""
    summary = summary_of("gradient_descent")
    stated = [float(v) for v in re.findall(r"(?<![\w^{])\d+\.\d+", summary)]
    opt, top = learning_rate_thresholds(A1)
    newton_opt, newton_max = learning_rate_thresholds(np.eye(4))
    computed = [opt, top, newton_opt, newton_max]
    for value in computed:
        assert any(abs(value - s) < 1e-12 for s in stated), f"{value} is not in the summary table"
    for s in stated:
        assert any(abs(value - s) < 1e-12 for value in computed), (
            f"{s} in the table is not computed"
        )
    assert "$10^{10}$ for $n = 100\\,000$" in summary


def test_chapter_uses_the_library_and_links_the_assignment():
    text = SOURCE.read_text()
    assert "{doc}`exercises/03-gradient-descent`" in text
    assert ":class: warning" in text and "ipywidgets" in text
    assert "def gradient_descent" not in text, "the chapter must call gradlib, not re-implement it"
