"""Sutskever et al.'s momentum schedule and the driver that sets an optimizer's momentum."""

from __future__ import annotations

import numpy as np
import pytest

from gradlib.landscapes import Quadratic
from gradlib.optim import SGD
from gradlib.schedules import MomentumSchedule, sutskever_momentum


def test_schedule_values_by_hand():
    # 1 - 2^(-1 - log2(k + 1)) = 1 - 1/(2(k + 1)) with k = floor(t / 250)
    assert sutskever_momentum(0) == 0.5
    assert sutskever_momentum(249) == 0.5
    assert sutskever_momentum(250) == 0.75
    assert sutskever_momentum(500) == pytest.approx(5 / 6)
    assert sutskever_momentum(10**6) == 0.99
    assert sutskever_momentum(10**6, mu_max=0.9) == 0.9


def test_schedule_matches_the_papers_log_form():
    t = np.arange(0, 20000, 7)
    paper = np.minimum(1 - 2.0 ** (-1 - np.log2(np.floor(t / 250) + 1)), 0.995)
    np.testing.assert_allclose(sutskever_momentum(t, mu_max=0.995), paper, rtol=0, atol=1e-14)


def test_schedule_is_nondecreasing_and_capped():
    mu = sutskever_momentum(np.arange(5000), mu_max=0.95, period=10)
    assert np.all(np.diff(mu) >= 0)
    assert mu.max() == 0.95


@pytest.mark.parametrize(
    "kwargs", [{"t": -1}, {"t": 1.5}, {"t": 3, "mu_max": 1.0}, {"t": 3, "period": 0}]
)
def test_schedule_rejects_bad_input(kwargs):
    with pytest.raises((ValueError, TypeError)):
        sutskever_momentum(**kwargs)


def test_driver_sets_momentum_and_matches_the_velocity_form():
    bowl = Quadratic(eigenvalues=(1.0, 20.0), angle=0.4)
    x = np.array([1.5, -1.0])
    opt = SGD([x], lr=0.02, momentum=0.9)
    sched = MomentumSchedule(opt, mu_max=0.95, period=5)
    assert opt.momentum == 0.5
    theta, v = np.array([1.5, -1.0]), np.zeros(2)
    for t in range(40):
        mu = sched.momentum_at(t)
        assert opt.momentum == mu
        v = mu * v - 0.02 * bowl.gradient(theta)
        theta = theta + v
        opt.step([bowl.gradient(x)])
        sched.step()
        np.testing.assert_allclose(x, theta, rtol=1e-12, atol=1e-14)
    assert sched.t == 40


def test_driver_rejects_an_optimizer_without_momentum():
    from gradlib.optim import Adam

    with pytest.raises(TypeError):
        MomentumSchedule(Adam([np.zeros(2)], lr=0.1))
