"""gradlib.optim second-order methods: Newton (with the |eigenvalue| safeguard) and BFGS."""

from __future__ import annotations

import numpy as np
import pytest

from gradlib.landscapes import Beale, Quadratic, Rosenbrock, Saddle, minimize
from gradlib.optim import BFGS, Newton


def _closure(landscape, x, hessian=False):
    def closure():
        if hessian:
            return landscape.value(x), [landscape.gradient(x)], landscape.hessian(x)
        return landscape.value(x), [landscape.gradient(x)]

    return closure


# --- Newton ------------------------------------------------------------------------------------


@pytest.mark.parametrize("angle", [0.0, 0.9, 2.5])
def test_newton_solves_a_quadratic_in_one_step(angle):
    bowl = Quadratic(eigenvalues=(0.2, 50.0), angle=angle, center=(-0.7, 1.3))
    x = np.array([3.0, -2.0])
    opt = Newton([x])
    loss = opt.step(_closure(bowl, x, hessian=True))
    assert loss == pytest.approx(bowl.value([3.0, -2.0]))  # the loss where the step started
    np.testing.assert_allclose(x, bowl.center, atol=1e-12)


def test_newton_on_several_parameter_arrays_uses_the_flattened_hessian():
    # f(a, b) = ½ Σ d_i z_i² over z = (a.ravel(), b): one step reaches 0
    d = np.array([1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
    a, b = np.ones((2, 2)), np.full(2, -3.0)

    def closure():
        z = np.concatenate([a.ravel(), b])
        g = d * z
        return 0.5 * float(d @ z**2), [g[:4].reshape(2, 2), g[4:]], np.diag(d)

    Newton([a, b]).step(closure)
    np.testing.assert_allclose(a, 0, atol=1e-15)
    np.testing.assert_allclose(b, 0, atol=1e-15)


def test_newton_with_abs_eigenvalues_goes_downhill_at_a_saddle():
    # x² − y² at (1, 0.1): H = diag(2, −2), g = (2, −0.2).
    saddle = Saddle()
    start = np.array([1.0, 0.1])
    g, H = saddle.gradient(start), saddle.hessian(start)
    # The plain Newton step θ − H⁻¹g jumps onto the saddle point (0, 0) ...
    np.testing.assert_allclose(start - np.linalg.solve(H, g), [0.0, 0.0], atol=1e-15)
    # ... the |Λ| step goes to (1 − 2/2, 0.1 + 0.2/2) = (0, 0.2): away from it, downhill
    x = start.copy()
    Newton([x]).step(_closure(saddle, x, hessian=True))
    np.testing.assert_allclose(x, [0.0, 0.2], atol=1e-15)
    assert saddle.value(x) < saddle.value(start)
    traj = minimize(saddle, Newton, start, 5)
    assert np.all(np.diff(traj.values) < 0) and abs(traj.iterates[-1, 1]) > 1.0


def test_newton_damping_by_hand():
    # H = diag(4, −1), g = (4, 2), λ = 1: step = (4/(4 + 1), 2/(1 + 1)) = (0.8, 1)
    x = np.zeros(2)
    Newton([x], damping=1.0).step(lambda: (0.0, [np.array([4.0, 2.0])], np.diag([4.0, -1.0])))
    np.testing.assert_allclose(x, [-0.8, -1.0])


def test_newton_step_is_a_descent_direction_where_the_hessian_is_indefinite():
    rosen = Rosenbrock()
    rng = np.random.default_rng(4)
    indefinite = 0
    for p in rng.uniform([-2, -1], [2, 3], size=(40, 2)):
        H = rosen.hessian(p)
        indefinite += np.linalg.eigvalsh(H).min() < 0
        x = p.copy()
        Newton([x], lr=1e-3).step(_closure(rosen, x, hessian=True))
        assert rosen.gradient(p) @ (x - p) < 0
    assert indefinite > 0  # the sample did include non-convex points


def test_newton_singular_hessian_needs_damping():
    x = np.zeros(2)

    def closure():
        return 0.0, [np.ones(2)], np.diag([1.0, 0.0])

    with pytest.raises(ValueError, match="singular.*damping > 0"):
        Newton([x]).step(closure)
    Newton([x], damping=0.5).step(closure)
    np.testing.assert_allclose(x, [-1 / 1.5, -1 / 0.5])


def test_newton_closure_must_return_a_hessian_of_the_right_shape():
    x = np.zeros(2)
    with pytest.raises(TypeError, match=r"\(loss, grads, hessian\).*length 2"):
        Newton([x]).step(lambda: (0.0, [np.ones(2)]))
    with pytest.raises(ValueError, match=r"shape \(2, 2\).*got \(3, 3\)"):
        Newton([x]).step(lambda: (0.0, [np.ones(2)], np.eye(3)))


# --- BFGS ---------------------------------------------------------------------------------------


def test_bfgs_reaches_the_rosenbrock_minimum_from_the_classic_start():
    traj = minimize(Rosenbrock(), BFGS, [-1.2, 1.0], 100)
    np.testing.assert_allclose(traj.iterates[-1], [1.0, 1.0], atol=1e-6)
    assert traj.values[-1] < 1e-12
    assert np.all(np.diff(traj.values) <= 0)  # the line search never accepts an increase
    first_hit = np.argmax(np.linalg.norm(traj.iterates - 1.0, axis=1) < 1e-6)
    assert 0 < first_hit < 60  # superlinear: far fewer steps than gradient descent needs


def test_bfgs_reaches_the_beale_minimum():
    traj = minimize(Beale(), BFGS, [1.0, 1.5], 100)
    np.testing.assert_allclose(traj.iterates[-1], [3.0, 0.5], atol=1e-6)


def test_bfgs_update_satisfies_the_secant_condition():
    # after a step, the new inverse-Hessian estimate M maps y = g_new − g_old onto s = θ_new − θ_old
    bowl = Quadratic(eigenvalues=(1.0, 8.0), angle=0.5)
    x = np.array([2.0, 1.0])
    opt = BFGS([x])
    closure = _closure(bowl, x)
    xs, gs = [], []
    for _ in range(3):
        xs.append(x.copy())
        gs.append(bowl.gradient(x))
        opt.step(closure)  # the update for the previous pair happens at the start of a step
    s, y = xs[2] - xs[1], gs[2] - gs[1]
    M = opt.state[0]["inverse_hessian"]
    np.testing.assert_allclose(M @ y, s, rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(M, M.T, atol=1e-14)
    assert np.all(np.linalg.eigvalsh(M) > 0)


def test_bfgs_first_update_scales_the_identity_by_hand():
    # f = 3x²/2 in 1-D, x = 1: g = 3, d = −3. α = 1 gives x = −2, f = 6 > 1.5: rejected;
    # α = 1/2 gives x = −0.5, f = 0.375: accepted. Next step: g = −1.5, s = −1.5, y = −4.5,
    # M₀ = sᵀy/yᵀy = 1/3, and the 1-D BFGS update keeps M = s/y = 1/3 = 1/f″, so the full
    # step d = −M g = 0.5 lands on the minimum 0.
    x = np.array([1.0])

    def closure():
        return 1.5 * x[0] ** 2, [3.0 * x]

    opt = BFGS([x])
    opt.step(closure)
    assert x[0] == pytest.approx(-0.5)
    opt.step(closure)
    assert opt.state[0]["inverse_hessian"][0, 0] == pytest.approx(1 / 3)
    assert x[0] == pytest.approx(0.0, abs=1e-15)


def test_bfgs_handles_several_parameter_arrays():
    rng = np.random.default_rng(1)
    A = rng.normal(size=(5, 5))
    A = A @ A.T + np.eye(5)
    target = rng.normal(size=5)
    a, b = np.zeros((2, 2)), np.zeros(1)

    def closure():
        z = np.concatenate([a.ravel(), b]) - target
        g = A @ z
        return 0.5 * float(z @ g), [g[:4].reshape(2, 2), g[4:]]

    opt = BFGS([a, b])
    for _ in range(30):
        opt.step(closure)
    np.testing.assert_allclose(np.concatenate([a.ravel(), b]), target, atol=1e-8)


@pytest.mark.parametrize("cls", [BFGS, Newton])
def test_missing_closure_is_a_clear_error(cls):
    x = np.zeros(2)
    with pytest.raises(TypeError, match=f"{cls.__name__}.step needs a closure.*got nothing"):
        cls([x]).step()
    with pytest.raises(TypeError, match="needs a closure.*got list"):
        cls([x]).step([np.zeros(2)])


def test_bfgs_closure_returning_only_the_loss_is_a_clear_error():
    x = np.zeros(2)
    with pytest.raises(TypeError, match=r"closure must return a tuple \(loss, grads\), got float"):
        BFGS([x]).step(lambda: 1.0)
