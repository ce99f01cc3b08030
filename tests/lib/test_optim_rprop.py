"""gradlib.optim per-weight trend methods: Rprop (with and without backtracking) and QuickProp."""

from __future__ import annotations

import numpy as np
import pytest

from gradlib.book import lecture_forms
from gradlib.optim import QuickProp, Rprop

# --- Rprop ---------------------------------------------------------------------------------------


def rprop_ref(theta, gs, lr=0.01, etas=(0.5, 1.2), step_sizes=(1e-6, 50), backtracking=False):
    """One weight, written from Riedmiller & Braun's description with if/else branches."""
    eta_minus, eta_plus = etas
    lo, hi = step_sizes
    prev, delta, last = 0.0, lr, 0.0
    out = []
    for g in gs:
        if g * prev > 0:
            delta = min(delta * eta_plus, hi)
            change = -np.sign(g) * delta
            prev = g
        elif g * prev < 0:
            delta = max(delta * eta_minus, lo)
            change = -last if backtracking else 0.0
            prev = 0.0
        else:
            delta = min(max(delta, lo), hi)
            change = -np.sign(g) * delta
            prev = g
        theta += change
        last = change
        out.append(theta)
    return out, {"prev": prev, "step_size": delta, "prev_change": last}


GRADS = [
    np.array([1.0, -2.0, 0.5, 0.0, 3.0]),
    np.array([2.0, 1.0, 0.5, -1.0, 3.0]),
    np.array([-1.0, 1.0, 0.5, -1.0, -3.0]),
    np.array([-1.0, -1.0, -0.5, 1.0, 3.0]),
    np.array([0.5, 2.0, 0.5, 1.0, 3.0]),
]


@pytest.mark.parametrize("backtracking", [False, True])
@pytest.mark.parametrize(
    "kw", [{}, {"lr": 0.3, "etas": (0.25, 2.0), "step_sizes": (0.05, 1.0)}], ids=["default", "wide"]
)
def test_rprop_matches_the_branchy_scalar_formula(backtracking, kw):
    theta0 = np.array([0.1, -0.2, 0.3, 0.4, -0.5])
    theta = theta0.copy()
    opt = Rprop([theta], backtracking=backtracking, **kw)
    history = []
    for g in GRADS:
        opt.step([g])
        history.append(theta.copy())
    for j in range(theta0.size):
        expected, state = rprop_ref(
            theta0[j], [g[j] for g in GRADS], backtracking=backtracking, **kw
        )
        np.testing.assert_allclose([h[j] for h in history], expected, rtol=1e-13, atol=1e-15)
        for name, value in state.items():
            assert opt.state[0][name][j] == pytest.approx(value, abs=1e-15), name


def test_rprop_torch_variant_by_hand():
    # Δ₀ = 0.1: g = 1 → step −0.1 (θ = −0.1); g = 2 → Δ = 0.12, θ = −0.22;
    # g = −1 → sign flip: Δ = 0.06, no move, derivative forgotten;
    # g = −1 → no trend (prev = 0): θ = −0.22 + 0.06 = −0.16
    theta = np.zeros(1)
    opt = Rprop([theta], lr=0.1)
    expected = [-0.1, -0.22, -0.22, -0.16]
    for g, want in zip([1.0, 2.0, -1.0, -1.0], expected, strict=True):
        opt.step([np.array([g])])
        assert theta[0] == pytest.approx(want)
    assert opt.state[0]["step_size"][0] == pytest.approx(0.06)


def test_rprop_backtracking_undoes_the_step_on_a_sign_change():
    theta = np.array([0.0])
    opt = Rprop([theta], lr=0.5, backtracking=True)
    opt.step([np.array([1.0])])  # θ = −0.5
    opt.step([np.array([1.0])])  # Δ = 0.6: θ = −1.1
    before_overshoot = -0.5
    assert theta[0] == pytest.approx(-1.1)
    opt.step([np.array([-1.0])])  # the sign flipped: go back to −0.5, Δ = 0.3
    assert theta[0] == pytest.approx(before_overshoot)
    assert opt.state[0]["step_size"][0] == pytest.approx(0.3)
    opt.step([np.array([1.0])])  # the derivative was forgotten: a plain step with Δ = 0.3
    assert theta[0] == pytest.approx(-0.8)
    # without backtracking the weight would have stayed at −1.1 on the flip
    plain = np.array([0.0])
    opt = Rprop([plain], lr=0.5)
    for g in [1.0, 1.0, -1.0]:
        opt.step([np.array([g])])
    assert plain[0] == pytest.approx(-1.1)


def test_rprop_clamps_step_sizes_to_floor_and_ceiling():
    theta = np.zeros(2)
    opt = Rprop([theta], lr=0.2, etas=(0.5, 1.2), step_sizes=(0.05, 0.3))
    sizes = []
    for g in [[1, 1], [1, -1], [1, 1], [1, -1], [1, 1], [1, -1]]:
        opt.step([np.array(g, dtype=float)])
        sizes.append(opt.state[0]["step_size"].copy())
    sizes = np.array(sizes)
    # first weight keeps its sign: 0.2, 0.24, 0.288, then the ceiling 0.3
    np.testing.assert_allclose(sizes[:, 0], [0.2, 0.24, 0.288, 0.3, 0.3, 0.3])
    # second weight flips at every other step: 0.2, 0.1, 0.1 (forgotten), 0.05, 0.05, 0.05 floor
    np.testing.assert_allclose(sizes[:, 1], [0.2, 0.1, 0.1, 0.05, 0.05, 0.05])
    assert np.all(sizes >= 0.05) and np.all(sizes <= 0.3)


def test_rprop_initial_step_size_above_the_ceiling_is_clamped():
    theta = np.zeros(1)
    Rprop([theta], lr=2.0, step_sizes=(1e-6, 0.5)).step([np.ones(1)])
    assert theta[0] == pytest.approx(-0.5)


def test_rprop_backtracking_matches_the_lecture_slides_in_one_dimension():
    def grad(w):
        return 2 * (w - 3.3)

    lecture = lecture_forms.rprop(grad, np.array([0.0]), step0=1.0, steps=25)
    theta = np.array([0.0])
    opt = Rprop([theta], lr=1.0, backtracking=True)
    visited, restored = [theta.copy()], 0
    for _ in range(60):
        g = grad(theta)
        opt.step([g])
        if opt.state[0]["prev"][0] == 0 and g[0] != 0:  # this step undid the last one
            restored += 1
            continue
        visited.append(theta.copy())
        if len(visited) == len(lecture):
            break
    assert restored > 0  # the comparison covers backtracking
    np.testing.assert_allclose(np.array(visited), lecture, rtol=1e-12, atol=1e-12)
    assert abs(lecture[-1, 0] - 3.3) < 1e-2


def test_rprop_converges_on_a_separable_bowl():
    theta = np.array([5.0, -4.0])
    for backtracking in (False, True):
        x = theta.copy()
        opt = Rprop([x], lr=0.1, backtracking=backtracking)
        for _ in range(200):
            opt.step([np.array([2.0, 20.0]) * (x - [1.0, 2.0])])
        np.testing.assert_allclose(x, [1.0, 2.0], atol=1e-4)


# --- QuickProp -----------------------------------------------------------------------------------


def test_quickprop_first_step_is_a_gradient_step():
    theta = np.array([1.0, -2.0])
    QuickProp([theta], lr=0.1).step([np.array([3.0, -4.0])])
    np.testing.assert_allclose(theta, [0.7, -1.6])


@pytest.mark.parametrize("lr", [0.8, 1.5])
def test_quickprop_finds_a_quadratic_minimum_with_one_secant_step(lr):
    # E(w) = a/2 (w − w*)², one independent 1-D problem per element. The first (gradient)
    # step covers the fraction ηa of the way: 0.4 and 0.8 land short, 4 and 7.5 overshoot.
    # The secant step is then exact, as long as the rest of the way is at most μ = 1.75
    # times the first step (ηa ≥ 1/(1 + μ) ≈ 0.36).
    a = np.array([1.0, 5.0, 0.5])
    w_star = np.array([2.0, -1.0, 0.25])
    w = np.array([0.0, 0.0, 3.0])
    opt = QuickProp([w], lr=lr)
    opt.step([a * (w - w_star)])  # gradient step
    assert not np.allclose(w, w_star)
    opt.step([a * (w - w_star)])  # secant step
    np.testing.assert_allclose(w, w_star, rtol=1e-12, atol=1e-12)


def test_quickprop_secant_step_is_capped_when_the_first_step_was_too_short():
    # ηa = 0.1: the minimum is 9 first steps away, the cap allows μ = 1.75 of them
    w = np.zeros(1)
    opt = QuickProp([w], lr=0.1)
    opt.step([w - 1.0])  # a = 1, w* = 1: step 0.1
    opt.step([w - 1.0])
    assert w[0] == pytest.approx(0.1 + 0.175)


def test_quickprop_secant_step_by_hand():
    # g_prev = 4, Δθ_prev = −1 (lr = 0.25), g = 1: Δθ = 1/(4 − 1) · (−1) = −1/3
    theta = np.zeros(1)
    opt = QuickProp([theta], lr=0.25)
    opt.step([np.array([4.0])])
    opt.step([np.array([1.0])])
    assert theta[0] == pytest.approx(-1 - 1 / 3)
    assert opt.state[0]["prev_step"][0] == pytest.approx(-1 / 3)


def test_quickprop_growth_is_limited_by_mu():
    # a constant slope (a linear error) has no parabola minimum: steps grow by μ each time
    theta = np.zeros(1)
    opt = QuickProp([theta], lr=0.1, mu=1.75)
    positions = [0.0]
    for _ in range(4):
        opt.step([np.ones(1)])
        positions.append(theta[0])
    np.testing.assert_allclose(np.diff(positions), -0.1 * 1.75 ** np.arange(4))
    # a slope that shrinks only slightly (g = 0.9 g_prev) would ask for a step 9× the last
    theta = np.zeros(1)
    opt = QuickProp([theta], lr=0.1, mu=1.75)
    opt.step([np.array([1.0])])
    opt.step([np.array([0.9])])
    assert theta[0] == pytest.approx(-0.1 - 0.175)


def test_quickprop_guards_zero_division_and_stays_finite():
    theta = np.array([1.0, 2.0])
    opt = QuickProp([theta], lr=0.1)
    for g in ([0.0, 1.0], [0.0, 1.0], [0.0, 0.0], [0.0, 0.0], [1.0, 0.0]):
        opt.step([np.array(g)])  # RuntimeWarnings are errors in this test suite
        assert np.all(np.isfinite(theta))
    # first weight: zero gradients never move it, then a plain gradient step
    assert theta[0] == pytest.approx(1.0 - 0.1)


def test_quickprop_is_vectorised_over_parameter_arrays():
    # two arrays of different shapes, each element its own 1-D quadratic
    rng = np.random.default_rng(0)
    a1, a2 = rng.uniform(0.5, 2, (3, 4)), rng.uniform(0.5, 2, 5)
    s1, s2 = rng.normal(size=(3, 4)), rng.normal(size=5)
    w1, w2 = np.zeros((3, 4)), np.zeros(5)
    opt = QuickProp([w1, w2], lr=0.8)  # ηa ∈ [0.4, 1.6]: no cap on the secant step
    for _ in range(2):
        opt.step([a1 * (w1 - s1), a2 * (w2 - s2)])
    np.testing.assert_allclose(w1, s1, atol=1e-12)
    np.testing.assert_allclose(w2, s2, atol=1e-12)
