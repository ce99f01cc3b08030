"""Chapter 7 quotes numbers from the Uppsala lecture, the convergence slides and its own race on
Rosenbrock's banana.  The tests read what the executed chapter computed (its glued values) and
check them against the lectures' facts and formulas and against the library on examples of
their own, and that the built page shows them."""

from __future__ import annotations

import re

import numpy as np
import pytest
from glue import glued, summary_of

from gradlib.book import lecture_forms
from gradlib.landscapes import Beale, Quadratic, Rosenbrock, minimize
from gradlib.optim import BFGS, Newton, QuickProp, Rprop

from conftest import REPO

PAGE = REPO / "_build" / "html" / "book" / "beyond_gradients.html"
SOURCE = REPO / "book" / "beyond_gradients.md"

START, STEPS, TARGET = (-1.2, 1.0), 3000, 1e-4  # the race: iterations until L < 1e-4
# Riedmiller and Braun's factors and step bounds; Fahlman's growth cap
RPROP = {"etas": (0.5, 1.2), "step_sizes": (1e-6, 50.0)}
QUICKPROP_MU = 1.75
# The convergence slides: a network of 100,000 parameters has 10^10 cross-derivative terms.
HESSIAN = {"n": 100_000, "entries": 1e10}
# the race's methods that model curvature, and the first-order ones
CURVATURE = ["race_newton", "race_newton_damped", "race_bfgs", "race_scg"]
FIRST_ORDER = ["race_adam", "race_quickprop", "race_rprop"]


@pytest.fixture(scope="module")
def chapter():
    return glued("beyond_gradients")


def _steps_to(values, tol=TARGET):
    below = np.flatnonzero(values < tol)
    return int(below[0]) if below.size else None


def test_rprop_defaults_are_riedmiller_and_brauns(chapter):
    opt = Rprop([np.zeros(1)])
    assert opt.etas == RPROP["etas"]
    assert opt.step_sizes == RPROP["step_sizes"]
    assert QuickProp([np.zeros(1)]).mu == QUICKPROP_MU
    assert (chapter["eta_minus"], chapter["eta_plus"]) == RPROP["etas"]
    assert (chapter["step_min"], chapter["step_max"]) == RPROP["step_sizes"]
    assert chapter["qp_mu"] == QUICKPROP_MU


def test_rosenbrock_is_the_lectures_banana():
    # the Uppsala lecture: J = (1 - t1)^2 + 100 (t2 - t1^2)^2, solution (1, 1)
    banana = Rosenbrock()
    assert (banana.a, banana.b) == (1.0, 100.0)
    np.testing.assert_array_equal(banana.global_minimum.point, [1.0, 1.0])
    assert banana.value(np.array([1.0, 1.0])) == 0.0
    assert banana.value(np.array([-1.2, 1.0])) == pytest.approx(24.2)


def test_slide_rprop_equals_backtracking_rprop_in_one_dimension(chapter):
    # the chapter's parabola: the same points once the undo steps are left out
    assert chapter["rprop_1d_undos"] > 0
    assert 0 <= chapter["rprop_1d_diff"] <= 1e-12


def test_library_backtracking_rprop_is_the_slides_loop_on_another_parabola():
    def grad(w):
        return 2 * (w + 1.7)

    slide = lecture_forms.rprop(grad, np.array([0.5]), step0=0.3, steps=15)
    w = np.array([0.5])
    opt = Rprop([w], lr=0.3, backtracking=True)
    points, undo = [0.5], [False]
    while undo.count(False) < len(slide):
        g = grad(w)
        opt.step([g])
        points.append(w[0])
        undo.append(g[0] != 0 and opt.state[0]["prev"][0] == 0)
    points, undo = np.array(points), np.array(undo)
    assert undo.sum() > 0
    np.testing.assert_allclose(points[~undo], slide[:, 0], atol=1e-12)


def test_slide_rprop_stalls_on_a_coupled_bowl(chapter):
    # the slide's loop keeps its first direction; Rprop with backtracking reaches the minimum (0)
    assert 0 <= chapter["plus_2d_loss"] < 1e-6 * chapter["slide_2d_loss"]


def test_quickprop_secant_step_and_cap(chapter):
    # L(w) = (w - 3)^2 from w = 0, lr = 0.1: a gradient step of 0.1 * |L'(0)| = 0.6
    first = 0.1 * 2 * 3.0
    assert chapter["qp_first"] == pytest.approx(first, rel=1e-12)
    # the secant through two derivatives of a parabola lands on its vertex, the minimum 3
    assert chapter["qp_secant"] == pytest.approx(3.0, rel=1e-12)
    # with mu = 1.75 the second step is capped at mu times the first
    assert chapter["qp_capped"] == pytest.approx(first + QUICKPROP_MU * first, rel=1e-12)


@pytest.mark.parametrize("mu", [10.0, QUICKPROP_MU])
def test_library_quickprop_on_another_parabola(mu):
    w, lr, vertex = np.array([0.0]), 0.05, 5.0
    opt = QuickProp([w], lr=lr, mu=mu)
    opt.step([2 * (w - vertex)])
    first = lr * 2 * vertex
    assert w[0] == pytest.approx(first)
    opt.step([2 * (w - vertex)])
    # secant step (vertex - first) is mu_needed = (vertex - first) / first times the first
    expected = vertex if (vertex - first) / first <= mu else first + mu * first
    assert w[0] == pytest.approx(expected)


def test_newton_optimal_step_multiplier(chapter):
    # convergence slides: on a quadratic the optimal eta is 1 (one step); eta = 0.5 leaves
    # (1 - eta)^2 of the loss
    assert 0 <= chapter["newton_dist"] < 1e-12
    assert chapter["newton_ratio_half"] == pytest.approx((1 - 0.5) ** 2, rel=1e-12)


def test_newton_step_multiplier_must_stay_below_two():
    """The chapter prints these runs but does not glue them: they are repeated here."""
    bowl = Quadratic(eigenvalues=(1.0, 10.0), angle=0.5, center=(0.5, -0.3))
    two = minimize(bowl, Newton, (1.5, 1.5), 3, lr=2.0)
    np.testing.assert_allclose(two.values, two.values[0])
    assert minimize(bowl, Newton, (1.5, 1.5), 3, lr=2.2).values[-1] > two.values[0]


def test_hessian_size_of_the_lectures_network(chapter):
    n = chapter["hess_n"]
    assert n == HESSIAN["n"]
    assert chapter["hess_entries"] == HESSIAN["entries"] == float(n) ** 2
    assert chapter["hess_gb"] == pytest.approx(HESSIAN["entries"] * 8 / 1e9)  # float64: 8 bytes
    assert chapter["hess_flops"] == float(n) ** 3


def test_bfgs_estimate_satisfies_the_secant_condition(chapter):
    assert 0 <= chapter["secant_residual"] < 1e-10


def test_library_bfgs_estimate_stays_positive_definite_on_beale():
    beale = Beale()
    x = np.array([1.0, 1.5])
    opt = BFGS([x])
    for _ in range(8):
        before = opt.state_dict()["state"][0]
        opt.step(lambda: (beale.value(x), [beale.gradient(x)]))
        s = opt.state[0]["prev_x"] - before["prev_x"]
        y = opt.state[0]["prev_grad"] - before["prev_grad"]
    M = opt.state[0]["inverse_hessian"]
    assert y @ s > 0
    assert np.linalg.norm(M @ y - s) < 1e-10 * max(1.0, np.linalg.norm(s))
    assert np.all(np.linalg.eigvalsh(M) > 0)


def test_race_results(chapter):
    # every method that models curvature beats every per-weight first-order method
    assert max(chapter[k] for k in CURVATURE) < min(chapter[k] for k in FIRST_ORDER)
    # Newton is fastest; damping makes it slower, and Adam is far slower than BFGS
    assert 0 < chapter["race_newton"] < chapter["race_newton_damped"]
    assert 10 * chapter["race_bfgs"] < chapter["race_adam"]
    assert chapter["race_quickprop"] < chapter["race_rprop"] < STEPS
    # gradient descent and Rprop with backtracking do not get there within the 3000 steps
    assert chapter["race_gd_final"] >= TARGET and chapter["race_rprop_bt_final"] >= TARGET
    # Newton's second step overshoots far above the start (L = 24.2)
    assert chapter["newton_overshoot"] > Rosenbrock().value(np.array(START))
    # SCG: one gradient per iteration plus one for its curvature estimate, at most
    assert chapter["race_scg"] < chapter["race_scg_gradients"] <= 2 * chapter["race_scg"] + 1


def test_summary_table_matches_the_chapter(chapter):
    """The summary table is prose: each number it states must equal the computed one."""
    summary = summary_of("beyond_gradients")
    rows = {line.split("|")[1].strip(): line for line in summary.splitlines() if "|" in line}
    for key, row in [
        ("race_rprop", "Rprop (torch)"),
        ("race_quickprop", "QuickProp"),
        ("race_adam", "Adam, $\\eta = 0.1$"),
        ("race_newton", "Newton"),
        ("race_newton_damped", "Newton, damping $\\lambda = 1$"),
        ("race_bfgs", "BFGS"),
        ("race_scg", "SCG"),
    ]:
        last = rows[row].rstrip(" |").split("|")[-1].strip()
        assert last == str(chapter[key]), f"{row}: table says {last}, the chapter {chapter[key]}"
    assert "not within 3000" in rows["Rprop with backtracking"]
    assert chapter["race_rprop_bt_final"] >= TARGET
    stated = [float(v) for v in re.findall(r"\d+\.\d+", summary)]
    for value in [chapter["eta_plus"], chapter["eta_minus"], chapter["qp_mu"]]:
        assert value in stated, f"{value} is not in the summary"
    assert "10^{10}" in summary and chapter["hess_entries"] == 1e10


def _chapter_function(name: str):
    """A function defined in one of the chapter's code cells, executed from the chapter's source."""
    text = SOURCE.read_text()
    cells = re.findall(r"```\{code-cell\} ipython3\n(.*?)\n```", text, re.S)
    (cell,) = [c for c in cells if f"def {name}(" in c]
    definition = cell[cell.index(f"def {name}(") :]
    end = re.search(r"\n(?=\S)", definition)  # the first line that is not indented
    namespace = {"np": np}
    exec(definition[: end.start()] if end else definition, namespace)
    return namespace[name]


def test_scaled_conjugate_gradients_of_the_chapter(chapter):
    scg = _chapter_function("scaled_conjugate_gradient")
    # conjugate directions: an n-dimensional quadratic is solved in about n iterations
    rng = np.random.default_rng(1)
    q = rng.normal(size=(4, 4))
    a, b = q @ q.T + np.eye(4), rng.normal(size=4)
    path, _ = scg(lambda w: 0.5 * w @ a @ w - b @ w, lambda w: a @ w - b, np.zeros(4), 4)
    exact = np.linalg.solve(a, b)
    assert np.linalg.norm(path[-1] - exact) < 1e-4 * np.linalg.norm(exact)
    # the chapter's six-dimensional quadratic: close, but not to rounding error (as the page says)
    assert 1e-12 < chapter["scg_quad_error"]
    # the race path is not glued, so it is run again for a property the chapter only states:
    # SCG never accepts a step that raises the loss; it reaches the target when the chapter says
    banana = Rosenbrock()
    path, evaluations = scg(banana.value, banana.gradient, START, STEPS)
    assert path.shape == (STEPS + 1, 2) and evaluations <= 2 * STEPS + 1
    values = banana.value(path.T)
    assert np.all(np.diff(values) <= 0), "SCG only accepts steps that lower the loss"
    assert _steps_to(values) == chapter["race_scg"]
