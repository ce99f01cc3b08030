"""gradlib.landscapes: gradients and Hessians against finite differences, stated critical
points, vectorised values for contour plots, the noisy Rosenbrock, the plateau's design, and
minimize()."""

from __future__ import annotations

import functools

import numpy as np
import pytest

from gradlib.landscapes import (
    Beale,
    Landscape,
    LongValley,
    Noisy,
    NoisyRosenbrock,
    Plateau,
    Quadratic,
    Rosenbrock,
    Saddle,
    minimize,
)
from gradlib.optim import BFGS, SGD, Adam, Newton

try:  # the shared finite-difference helper, when it exists
    from gradlib.gradcheck import numerical_gradient as _shared_numerical_gradient
except ImportError:
    _shared_numerical_gradient = None


def numerical_gradient(f, x, eps=1e-6):
    """Central differences (f(x + εe_i) − f(x − εe_i)) / 2ε, one coordinate at a time."""
    if _shared_numerical_gradient is not None:
        return np.asarray(_shared_numerical_gradient(f, x.copy(), eps), dtype=np.float64)
    grad = np.zeros_like(x, dtype=np.float64)
    for i in range(x.size):
        e = np.zeros_like(x, dtype=np.float64)
        e.flat[i] = eps
        grad.flat[i] = (f(x + e) - f(x - e)) / (2 * eps)
    return grad


LANDSCAPES = [
    Quadratic(),
    Quadratic(eigenvalues=(0.5, 30.0), angle=1.1, center=(1.0, -2.0)),
    Saddle(),
    Rosenbrock(),
    Rosenbrock(a=0.5, b=20.0),
    Beale(),
    LongValley(),
    Plateau(),
]
IDS = [repr(land) for land in LANDSCAPES]


def _random_points(landscape, n, seed=0):
    rng = np.random.default_rng(seed)
    return rng.uniform(
        [landscape.xlim[0], landscape.ylim[0]], [landscape.xlim[1], landscape.ylim[1]], (n, 2)
    )


@pytest.mark.parametrize("landscape", LANDSCAPES, ids=IDS)
def test_gradient_matches_central_differences(landscape):
    for p in _random_points(landscape, 20):
        numeric = numerical_gradient(landscape.value, p)
        scale = 1 + np.abs(numeric).max()
        np.testing.assert_allclose(landscape.gradient(p), numeric, atol=1e-6 * scale, rtol=1e-6)


@pytest.mark.parametrize("landscape", LANDSCAPES, ids=IDS)
def test_hessian_matches_central_differences_of_the_gradient(landscape):
    for p in _random_points(landscape, 20, seed=1):
        numeric = np.stack(
            [numerical_gradient(lambda q, i=i: landscape.gradient(q)[i], p) for i in range(2)]
        )
        H = landscape.hessian(p)
        assert H.shape == (2, 2)
        np.testing.assert_allclose(H, H.T, atol=1e-12)
        scale = 1 + np.abs(numeric).max()
        np.testing.assert_allclose(H, numeric, atol=1e-5 * scale, rtol=1e-5)


@pytest.mark.parametrize("landscape", LANDSCAPES, ids=IDS)
def test_stated_critical_points_have_zero_gradient_the_stated_value_and_the_right_curvature(
    landscape,
):
    assert landscape.critical_points, "every landscape states its minima or saddle points"
    for c in landscape.critical_points:
        assert c.point.shape == (2,)
        np.testing.assert_allclose(landscape.gradient(c.point), 0.0, atol=1e-12)
        assert landscape.value(c.point) == pytest.approx(c.value, abs=1e-12)
        eig = np.linalg.eigvalsh(landscape.hessian(c.point))
        if c.kind.endswith("minimum"):
            assert np.all(eig > 0)
        else:
            assert c.kind == "saddle point" and eig.min() < 0 < eig.max()
    if landscape.global_minimum is not None:
        best = landscape.global_minimum.value
        assert all(best <= m.value for m in landscape.minima)
        # nothing in the plotting window is lower than the stated global minimum
        assert landscape.value(landscape.grid(120)).min() >= best - 1e-12
        # and the window shows it
        x, y = landscape.global_minimum.point
        assert (
            landscape.xlim[0] < x < landscape.xlim[1] and landscape.ylim[0] < y < landscape.ylim[1]
        )


@pytest.mark.parametrize("landscape", LANDSCAPES, ids=IDS)
def test_values_and_gradients_are_vectorised_over_grids(landscape):
    grid = landscape.grid(7)
    assert grid.shape == (2, 7, 7)
    Z, G = landscape.value(grid), landscape.gradient(grid)
    assert Z.shape == (7, 7) and G.shape == (2, 7, 7)
    for i, j in [(0, 0), (3, 5), (6, 6)]:
        assert Z[i, j] == pytest.approx(landscape.value(grid[:, i, j]), rel=1e-14)
        np.testing.assert_allclose(G[:, i, j], landscape.gradient(grid[:, i, j]), rtol=1e-14)
    assert isinstance(landscape.value(grid[:, 0, 0]), float)


def test_known_values_by_hand():
    assert Rosenbrock().value([0.0, 0.0]) == 1.0  # (1 − 0)² + 100(0 − 0)²
    np.testing.assert_allclose(Rosenbrock().gradient([0.0, 0.0]), [-2.0, 0.0])
    assert Saddle().value([2.0, 3.0]) == -5.0
    assert Beale().value([0.0, 0.0]) == pytest.approx(1.5**2 + 2.25**2 + 2.625**2)
    # a rotated bowl: along the first eigenvector (cos a, sin a) the curvature is λ₁
    bowl = Quadratic(eigenvalues=(2.0, 8.0), angle=np.pi / 6)
    u = np.array([np.cos(np.pi / 6), np.sin(np.pi / 6)])
    assert bowl.value(u) == pytest.approx(0.5 * 2.0)
    assert bowl.value([-u[1], u[0]]) == pytest.approx(0.5 * 8.0)
    np.testing.assert_allclose(np.linalg.eigvalsh(bowl.hessian([0.3, 0.1])), [2.0, 8.0])
    assert bowl.condition_number == 4.0
    valley = LongValley(slope=0.2, steepness=4.0)
    assert valley.value([np.sqrt(3), 0.5]) == pytest.approx(0.2 * (2 - 1) + 4.0 * 0.25)


def test_plateau_has_a_flat_region_in_front_of_a_local_and_a_deeper_global_minimum():
    land = Plateau()
    glob, local = land.global_minimum, [m for m in land.minima if m.kind == "local minimum"][0]
    (saddle,) = land.saddle_points
    assert glob.value < local.value < saddle.value
    # from the plateau (large x) one meets the local minimum, the barrier, then the global one
    assert glob.point[0] < saddle.point[0] < local.point[0] < 3.0
    np.testing.assert_allclose(local.point, [np.log(2), 0.0], atol=1e-15)
    np.testing.assert_allclose(glob.point, [-np.log(3) / 2, 0.0], atol=1e-15)
    # the gradient all but vanishes on the plateau, compared with the slopes of the wells
    grid = land.grid(200)
    steepest = np.linalg.norm(land.gradient(grid), axis=0).max()
    for x in np.linspace(4.0, land.xlim[1], 5):
        for y in (-0.3, 0.0, 0.3):
            assert np.linalg.norm(land.gradient([x, y])[0]) < 1e-2 * steepest
    # and the plateau is higher than both minima: descending from it is possible
    assert land.value([4.5, 0.0]) > local.value + 1.0


def test_plateau_separates_plain_descent_from_momentum():
    # the DL Notes post animation: from the plateau, gradient descent crawls, momentum reaches
    # the global minimum, Adam settles in the nearer local one
    land = Plateau()
    start = [4.0, 0.5]
    plain = minimize(land, SGD, start, 300, lr=0.05).iterates[-1]
    heavy = minimize(land, SGD, start, 300, lr=0.05, momentum=0.9).iterates[-1]
    adam = minimize(land, Adam, start, 300, lr=0.05).iterates[-1]
    assert plain[0] > 2.0
    np.testing.assert_allclose(heavy, land.global_minimum.point, atol=1e-3)
    np.testing.assert_allclose(adam, [np.log(2), 0.0], atol=1e-3)


# --- the noisy Rosenbrock -----------------------------------------------------------------------


def test_noisy_rosenbrock_is_reproducible_unbiased_and_has_the_stated_spread():
    a, b = NoisyRosenbrock(seed=7), NoisyRosenbrock(seed=7)
    p = np.array([0.3, -0.4])
    assert a.value(p) == b.value(p)
    np.testing.assert_array_equal(a.gradient(p), b.gradient(p))
    assert NoisyRosenbrock(seed=8).value(p) != NoisyRosenbrock(seed=7).value(p)
    exact = Rosenbrock()
    n = 4000
    values = a.value(np.repeat(p[:, None], n, axis=1))  # n draws at once
    grads = np.array([a.gradient(p) for _ in range(n)])
    sigma = a.sigma
    assert sigma == 30.0  # the Uppsala lecture: e ~ N(0, 30²)
    assert abs(values.mean() - exact.value(p)) < 4 * sigma / np.sqrt(n)
    assert abs(values.std() / sigma - 1) < 0.05
    assert np.all(np.abs(grads.mean(axis=0) - exact.gradient(p)) < 4 * sigma / np.sqrt(n))
    np.testing.assert_allclose(grads.std(axis=0) / sigma, 1, atol=0.05)
    np.testing.assert_array_equal(a.hessian(p), exact.hessian(p))
    assert a.critical_points == exact.critical_points and a.xlim == exact.xlim


def test_noisy_accepts_a_generator_and_any_landscape():
    rng = np.random.default_rng(0)
    noisy = Noisy(Saddle(), sigma=0.5, seed=rng)
    assert noisy.rng is rng
    assert noisy.value([0.0, 0.0]) != 0.0
    assert Noisy(Saddle(), sigma=0.0).value([1.0, 2.0]) == -3.0
    with pytest.raises(TypeError, match="expected a Landscape, got function"):
        Noisy(lambda x: 0.0, sigma=1.0)
    with pytest.raises(ValueError, match="sigma must be in"):
        Noisy(Saddle(), sigma=-1.0)


# --- minimize -------------------------------------------------------------------------------------


def test_minimize_returns_the_whole_trajectory_of_the_update_rule():
    bowl = Quadratic(eigenvalues=(1.0, 4.0))
    traj = minimize(bowl, SGD, [1.0, 1.0], 3, lr=0.1)
    assert traj.iterates.shape == (4, 2) and traj.values.shape == (4,)
    # by hand: x ← x − 0.1·(x, 4y) = (0.9x, 0.6y)
    np.testing.assert_allclose(traj.iterates, [[1, 1], [0.9, 0.6], [0.81, 0.36], [0.729, 0.216]])
    np.testing.assert_allclose(traj.values, bowl.value(traj.iterates.T))
    xs, fs = traj  # a named tuple: unpacks
    assert xs is traj.iterates and fs is traj.values


def test_minimize_accepts_a_factory_or_an_instance():
    bowl = Quadratic()
    by_class = minimize(bowl, Adam, [1.0, -1.0], 10, lr=0.1)
    by_factory = minimize(bowl, functools.partial(Adam, lr=0.1), [1.0, -1.0], 10)
    x = np.zeros(2)
    by_instance = minimize(bowl, Adam([x], lr=0.1), [1.0, -1.0], 10)
    np.testing.assert_array_equal(by_class.iterates, by_factory.iterates)
    np.testing.assert_array_equal(by_class.iterates, by_instance.iterates)
    np.testing.assert_array_equal(x, by_class.iterates[-1])  # the instance's array was used


def test_minimize_drives_closure_optimizers():
    bowl = Quadratic(eigenvalues=(0.3, 9.0), angle=0.5, center=(0.2, 0.1))
    newton = minimize(bowl, Newton, [2.0, 2.0], 1)
    np.testing.assert_allclose(newton.iterates[-1], bowl.center, atol=1e-12)
    bfgs = minimize(bowl, BFGS, [2.0, 2.0], 20)
    np.testing.assert_allclose(bfgs.iterates[-1], bowl.center, atol=1e-8)


def test_minimize_on_a_noisy_landscape_records_noise_free_values():
    noisy = NoisyRosenbrock(seed=1)
    traj = minimize(noisy, SGD, [-1.0, 1.0], 5, lr=1e-4)
    np.testing.assert_allclose(traj.values, Rosenbrock().value(traj.iterates.T))
    again = minimize(NoisyRosenbrock(seed=1), SGD, [-1.0, 1.0], 5, lr=1e-4)
    np.testing.assert_array_equal(traj.iterates, again.iterates)


def test_minimize_bad_input():
    bowl = Quadratic()
    with pytest.raises(ValueError, match=r"shape \(2,\), got shape \(3,\)"):
        minimize(bowl, SGD, [1.0, 2.0, 3.0], 5, lr=0.1)
    with pytest.raises(ValueError, match="steps must be an integer ≥ 0, got -1"):
        minimize(bowl, SGD, [1.0, 2.0], -1, lr=0.1)
    with pytest.raises(TypeError, match="expected a Landscape, got function"):
        minimize(lambda x: 0.0, SGD, [1.0, 2.0], 5, lr=0.1)
    with pytest.raises(TypeError, match="optimizer must be an Optimizer class.*got str"):
        minimize(bowl, "adam", [1.0, 2.0], 5)
    with pytest.raises(ValueError, match=r"exactly one parameter array of shape \(2,\)"):
        minimize(bowl, SGD([np.zeros(3)], lr=0.1), [1.0, 2.0], 5)
    with pytest.raises(TypeError, match="must return an Optimizer, got int"):
        minimize(bowl, lambda params: 3, [1.0, 2.0], 5)


def test_landscape_input_checks():
    with pytest.raises(ValueError, match=r"got shape \(3,\)"):
        Saddle().value([1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="hessian needs one point"):
        Saddle().hessian(np.zeros((2, 4)))
    with pytest.raises(ValueError, match="eigenvalues must be two positive numbers"):
        Quadratic(eigenvalues=(1.0, -1.0))
    assert isinstance(Plateau(), Landscape)
