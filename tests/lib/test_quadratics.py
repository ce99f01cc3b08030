"""gradlib.quadratics: the thresholds, factors and regimes against the iterates they predict."""

from __future__ import annotations

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
    matrix_power_sym,
    newton_iterates,
    random_spd,
    steps_to_reduce,
)


@pytest.mark.parametrize("a", [0.25, 1.0, 3.0, 49.0, 1e-3, 7e4])
def test_one_dimensional_thresholds(a):
    opt, top = learning_rate_thresholds(a)
    assert opt == pytest.approx(1 / a)
    assert top == pytest.approx(2 / a)
    assert classify_learning_rate(a, 1 / a) == "monotone"
    assert classify_learning_rate(a, 2 / a) == "divergent"
    assert classify_learning_rate(a, 0.5 / a) == "monotone"
    assert classify_learning_rate(a, 1.5 / a) == "oscillating"
    assert classify_learning_rate(a, 2.5 / a) == "divergent"


def test_regimes_match_the_iterates():
    a, b = 2.0, 1.0  # minimum at 0.5
    for lr in np.linspace(0.05, 1.2, 47):
        e = gradient_descent_quadratic([[a]], [b], [2.5], lr, 12).iterates[:, 0] - b / a
        regime = classify_learning_rate(a, lr)
        if regime == "monotone":
            assert np.all(e[1:] >= -1e-12) and np.all(np.diff(np.abs(e)) <= 1e-12)
        elif regime == "oscillating":
            assert np.all(e[1:] * e[:-1] < 0) and abs(e[-1]) < abs(e[0])
        else:
            assert abs(e[-1]) >= abs(e[0]) - 1e-12


def test_one_step_at_the_optimum():
    path = gradient_descent_quadratic(4.0, 2.0, 3.0, 0.25, 3)
    np.testing.assert_allclose(path.iterates[1:, 0], 0.5)
    # L(w) = 2 w^2 - 2 w: L(3) = 12, and L(1/2) = -1/2 at the optimum
    np.testing.assert_allclose(path.values, [12.0, -0.5, -0.5, -0.5])


@pytest.mark.parametrize("n", [1, 2, 3, 7])
def test_multivariate_factors_and_thresholds(n):
    A = random_spd(n, seed=n, condition=20.0)
    lam = np.linalg.eigvalsh(A)
    opt, top = learning_rate_thresholds(A)
    assert opt == pytest.approx(2 / (lam[0] + lam[-1]))
    assert top == pytest.approx(2 / lam[-1])
    np.testing.assert_allclose(contraction_factors(A, 0.03), 1 - 0.03 * lam)
    if n >= 2:
        kappa = lam[-1] / lam[0]
        assert kappa == pytest.approx(20.0)
        assert condition_number(A) == pytest.approx(kappa)
        assert convergence_factor(A, opt) == pytest.approx((kappa - 1) / (kappa + 1))
        # η_opt minimises the worst-case factor
        for lr in np.linspace(0.01, 0.999 * top, 50):
            assert convergence_factor(A, lr) >= convergence_factor(A, opt) - 1e-12


def test_condition_number():
    assert condition_number(3.0) == 1.0
    assert condition_number(np.diag([2.0, 0.5, 1.0])) == pytest.approx(4.0)
    Q = np.linalg.qr(np.random.default_rng(5).normal(size=(3, 3)))[0]
    assert condition_number(Q @ np.diag([1.0, 7.0, 3.0]) @ Q.T) == pytest.approx(7.0)
    with pytest.raises(ValueError, match="positive definite"):
        condition_number(np.diag([1.0, 0.0]))


def test_worst_case_bound_holds_for_iterates():
    A = random_spd(4, seed=3, condition=15.0)
    rng = np.random.default_rng(0)
    b, w0 = rng.normal(size=4), rng.normal(size=4)
    star = np.linalg.solve(A, b)
    lr = learning_rate_thresholds(A).optimal
    path = gradient_descent_quadratic(A, b, w0, lr, 40)
    w = path.iterates
    err = np.linalg.norm(w - star, axis=1)
    rho = convergence_factor(A, lr)
    assert np.all(err <= rho ** np.arange(41) * err[0] * (1 + 1e-9) + 1e-12)
    # the loss gap is the error's A-norm: L(w) - L(w*) = ½ (w - w*)ᵀ A (w - w*)
    gap = np.einsum("ki,ij,kj->k", w - star, A, w - star) / 2
    np.testing.assert_allclose(path.values - (-0.5 * b @ star), gap, atol=1e-12)
    k = steps_to_reduce(A, lr, 1e-3)
    assert rho**k <= 1e-3 < rho ** (k - 1)


def test_steps_to_reduce_edge_cases():
    assert steps_to_reduce(2.0, 0.5, 1e-6) == 1
    assert steps_to_reduce(2.0, 0.1, 2.0) == 0
    with pytest.raises(ValueError, match="does not converge"):
        steps_to_reduce(2.0, 1.0, 0.1)


def test_gradient_descent_matches_the_quadratic_landscape():
    q = Quadratic((1.0, 8.0), angle=0.4)
    x0 = np.array([1.5, -1.0])
    ours = gradient_descent_quadratic(q.A, [0.0, 0.0], x0, 0.2, 15)
    theirs = minimize(q, SGD, x0, 15, lr=0.2)
    np.testing.assert_allclose(ours.iterates, theirs.iterates)
    np.testing.assert_allclose(ours.values, theirs.values, atol=1e-12)  # the bowl's minimum is 0
    assert np.array_equal(x0, [1.5, -1.0])


def test_newton_solves_a_quadratic_in_one_step():
    A = random_spd(5, seed=2, condition=1e3)
    b = np.arange(5.0)
    path = newton_iterates(lambda w: A @ w - b, lambda w: A, np.ones(5), 2)
    assert path.values is None  # it was not given the loss
    w = path.iterates
    np.testing.assert_allclose(w[1], np.linalg.solve(A, b), rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(w[2], w[1], rtol=1e-9, atol=1e-12)


def test_newton_equals_gradient_descent_after_whitening():
    q = Quadratic((1.0, 30.0), angle=0.7)
    half, inv_half = matrix_power_sym(q.A, 0.5), matrix_power_sym(q.A, -0.5)
    np.testing.assert_allclose(half @ half, q.A, atol=1e-12)
    np.testing.assert_allclose(inv_half @ q.A @ inv_half, np.eye(2), atol=1e-12)
    x0 = np.array([1.0, 1.5])
    newton = minimize(q, Newton, x0, 6, lr=0.4).iterates
    gd_white = gradient_descent_quadratic(np.eye(2), [0, 0], half @ x0, 0.4, 6).iterates
    np.testing.assert_allclose(gd_white @ inv_half.T, newton, atol=1e-12)


def test_plain_newton_agrees_with_the_safeguarded_one_where_convex():
    r = Rosenbrock()
    ours = newton_iterates(r.gradient, r.hessian, [-1.2, 1.0], 6, value=r.value)
    theirs = minimize(r, Newton, [-1.2, 1.0], 6)
    np.testing.assert_allclose(ours.iterates, theirs.iterates, rtol=1e-10)
    np.testing.assert_allclose(ours.values, theirs.values, rtol=1e-9, atol=1e-14)


def test_plain_newton_jumps_onto_the_saddle():
    s = Saddle()
    w = newton_iterates(s.gradient, s.hessian, [1.5, 0.01], 3).iterates
    np.testing.assert_allclose(w[1:], 0.0, atol=1e-15)
    safe = minimize(s, Newton, [1.5, 0.01], 3).iterates
    np.testing.assert_allclose(safe[:, 1], 0.01 * 2.0 ** np.arange(4))


def test_input_checks():
    with pytest.raises(ValueError, match="positive definite"):
        learning_rate_thresholds([[1.0, 0.0], [0.0, -1.0]])
    with pytest.raises(ValueError, match="symmetric"):
        learning_rate_thresholds([[1.0, 0.5], [0.0, 1.0]])
    with pytest.raises(ValueError, match="square"):
        learning_rate_thresholds(np.ones((2, 3)))
    with pytest.raises(ValueError, match="lr"):
        classify_learning_rate(1.0, 0.0)
    with pytest.raises(ValueError, match="singular"):
        newton_iterates(lambda w: w, lambda w: np.zeros((2, 2)), [1.0, 1.0], 1)
    with pytest.raises(ValueError, match="steps"):
        gradient_descent_quadratic(1.0, 0.0, 1.0, 0.1, -1)


def test_random_spd():
    A = random_spd(6, seed=7, condition=50.0)
    lam = np.linalg.eigvalsh(A)
    np.testing.assert_allclose(A, A.T)
    assert lam[0] == pytest.approx(1.0) and lam[-1] == pytest.approx(50.0)
    np.testing.assert_array_equal(A, random_spd(6, seed=7, condition=50.0))
    B = random_spd(3, seed=1, eigenvalues=[2.0, 3.0, 5.0])
    np.testing.assert_allclose(np.linalg.eigvalsh(B), [2.0, 3.0, 5.0])
    assert random_spd(1, seed=0).shape == (1, 1)
