"""Chapter 3 quotes the facts of the convergence slides: the library must reproduce them,
and the built page must show the values the chapter computed (prose and code cannot drift)."""

from __future__ import annotations

import re

import numpy as np
import pytest

from gradlib.landscapes import Quadratic, Rosenbrock, Saddle, minimize
from gradlib.optim import SGD, Newton
from gradlib.quadratics import (
    classify_learning_rate,
    condition_number,
    contraction_factors,
    convergence_factor,
    gradient_descent_quadratic,
    learning_rate_thresholds,
    newton_iterates,
    random_spd,
    steps_to_reduce,
)

from conftest import REPO, built_page_text

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


def _chapter_values() -> dict[str, str]:
    """The numbers the chapter glues into its prose, recomputed as the chapter formats them."""
    paths = {lr: gradient_descent_quadratic(A1, B1, W0, lr, 6).iterates[:, 0] for lr in RATES_1D}
    opt, top = learning_rate_thresholds(A1)
    bowl = Quadratic(eigenvalues=(1.0, 10.0), angle=np.pi / 6)
    r = contraction_factors(bowl.A, 0.15)
    a100 = np.diag([1.0, 100.0])
    best100 = learning_rate_thresholds(a100).optimal
    newton_opt, newton_max = learning_rate_thresholds(np.eye(2))
    banana = Rosenbrock()
    newton_run = minimize(banana, Newton, [-1.2, 1.0], steps=8)
    rosen_eigs = np.linalg.eigvalsh(banana.hessian(np.ones(2)))
    gd_saddle = minimize(Saddle(), SGD, [1.8, 1e-3], steps=45, lr=0.1).iterates
    return {
        "a1d_eta_opt": str(opt),
        "a1d_eta_max": str(top),
        "a1d_w1_slow": str(round(float(paths[0.1][1]), 6)),
        "a1d_w1_osc": str(round(float(paths[0.4][1]), 6)),
        "a1d_w6_div": str(round(float(paths[0.52][6]), 4)),
        "eig_r1": str(round(float(r[0]), 6)),
        "eig_r2": str(round(float(r[1]), 6)),
        "k100_rho": str(round(convergence_factor(a100, best100), 6)),
        "k100_steps": str(steps_to_reduce(a100, best100, 1e-6)),
        "newton_opt": str(newton_opt),
        "newton_max": str(newton_max),
        "newton_steps": str(int(np.argmax(newton_run.values < 1e-10))),
        "gd_limit": f"{learning_rate_thresholds(banana.hessian(np.ones(2))).maximum:.5f}",
        "rosen_kappa": f"{rosen_eigs[-1] / rosen_eigs[0]:.0f}",
        "hess_entries": "1e10",
        "hess_gb": "80",
        "r_boundary_49": str(1 - (2 / 49.0) * 49.0),
        "saddle_escape": str(int(np.argmax(np.abs(gd_saddle[:, 1]) > 1.0))),
    }


def test_chapter_values_match_the_lecture():
    v = _chapter_values()
    assert float(v["a1d_eta_opt"]) == 1 / A1 and float(v["a1d_eta_max"]) == 2 / A1
    assert float(v["eig_r1"]) == pytest.approx(0.85) and float(v["eig_r2"]) == pytest.approx(-0.5)
    assert float(v["newton_opt"]) == 1.0 and float(v["newton_max"]) == 2.0
    assert float(v["hess_entries"]) == 1e10 and float(v["hess_gb"]) == 80  # 8 bytes per entry
    assert float(v["a1d_w1_osc"]) > B1 / A1 > float(v["a1d_w1_slow"])  # overshoot vs fall short
    assert abs(float(v["a1d_w6_div"]) - B1 / A1) > abs(W0 - B1 / A1)  # divergence
    assert -1 < float(v["r_boundary_49"]) < -1 + 1e-15  # 2/a, seen through 1 − ηa
    assert classify_learning_rate(49.0, 2 / 49.0) == "divergent"
    assert float(v["k100_rho"]) == pytest.approx(99 / 101, abs=1e-6)
    # about (κ/2) ln(1/ε) steps for κ = 100 and ε = 10⁻⁶
    assert abs(int(v["k100_steps"]) - 50 * np.log(1e6)) < 0.01 * 50 * np.log(1e6)
    # escape time ≈ ln(1/δ)/ln(1 + 2η) for δ = 10⁻³ and η = 0.1
    assert abs(int(v["saddle_escape"]) - np.log(1e3) / np.log(1.2)) <= 1


@pytest.mark.parametrize("name", sorted(_chapter_values()))
def test_built_page_shows_the_computed_numbers(name):
    # The page's numbers are glued from the executed code, so they appear only if computed.
    assert _chapter_values()[name] in built_page_text(PAGE), name


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
    text = SOURCE.read_text()
    summary = text[text.index("## Summary") : text.index("## Exercises")]
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
