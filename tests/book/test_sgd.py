"""Chapter 4 (stochastic and minibatch gradient descent) quotes facts of the SGD slides and the
Uppsala lecture: the library must reproduce them, and the built page must show the values the
chapter computed."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
from glue import glued, summary_of

from gradlib.landscapes import NoisyRosenbrock, Rosenbrock, minimize
from gradlib.optim import BFGS
from gradlib.schedules import InverseTime, LinearDecay, PolynomialDecayAverage
from gradlib.train import minibatches

from conftest import REPO

PAGE = REPO / "_build" / "html" / "book" / "sgd.html"

# The Uppsala lecture: N = 20 samples in batches of n_b = 5 -> n / n_b = 4 updates per epoch;
# Rosenbrock with a = 1, b = 100, minimum (1, 1), noise N(0, 30^2).
# The SGD slides: var(batch error) = var(div) / b; polynomial-decay averaging with eta = 3.
LECTURE = {"updates_per_epoch": 4, "sigma": 30.0, "minimum": (1.0, 1.0), "slope": -1.0}


@pytest.fixture(scope="module")
def chapter():
    return glued("sgd")


def test_an_epoch_of_the_lecture_has_four_updates():
    epoch = list(minibatches(np.arange(20.0)[:, None], np.arange(20), 5, seed=0))
    assert len(epoch) == LECTURE["updates_per_epoch"]
    assert sorted(np.concatenate([yb for _, yb in epoch]).tolist()) == list(range(20))
    uneven = list(minibatches(np.arange(17.0)[:, None], np.arange(17), 5, seed=0))
    assert [len(yb) for _, yb in uneven] == [5, 5, 5, 2]


def test_the_chapters_measurements_follow_the_lectures_laws(chapter):
    """The SGD slides: var(batch gradient) = var(one sample) / B, for batches drawn without
    replacement times (N - B)/(N - 1); the Uppsala lecture: four updates per epoch."""
    assert float(chapter["var_slope"]) == pytest.approx(LECTURE["slope"], abs=0.05)
    n = chapter["var_n"]
    assert chapter["var_ratio_512"] == pytest.approx((n - 512) / (n - 1), rel=0.1)
    assert chapter["epoch_updates"] == LECTURE["updates_per_epoch"]
    assert chapter["uneven_sizes"] == "5, 5, 5, 2"
    # the work to a given accuracy: GD's grows with N, single-sample SGD's does not
    assert chapter["red_ratio_large"] > 20 * chapter["red_ratio_small"]
    assert float(chapter["red_sgd_epochs"]) < 1 < chapter["red_gd_epochs"]
    # cyclic order repeats itself exactly every epoch; reshuffling gets closer on average
    assert float(chapter["cyc_spread"]) < 1e-12 and chapter["shuf_dist"] < chapter["cyc_dist"]


def test_the_chapters_schedules_and_sums_are_robbins_monro(chapter):
    assert chapter["rm_inv_sq"] == pytest.approx(math.pi**2 / 6, abs=1e-4)  # sum 1/t^2 < inf
    assert chapter["rm_quad_sum"] == pytest.approx(math.pi**2 / 6, abs=1e-4)
    assert chapter["rm_exp_sum"] == pytest.approx(1 / (1 - 0.99), rel=1e-3)  # a geometric sum
    assert chapter["rm_inv_sum"] > 10  # sum 1/t grows like ln t without bound
    constant = float(chapter["sched_const"])
    for name in ("sched_linear", "sched_step", "sched_plateau"):
        assert float(chapter[name]) < constant / 5, name  # decaying rates end closer
    # averaging the iterates ends closer than the last iterate
    assert chapter["avg_poly"] < chapter["avg_last"] and chapter["avg_polyak"] < chapter["avg_last"]


def test_the_chapters_rosenbrock_is_the_uppsala_lectures(chapter):
    assert chapter["rb_sigma"] == LECTURE["sigma"] and chapter["rb_min"] == 0.0
    assert float(chapter["rb_bfgs_exact"]) < 1e-3  # BFGS on exact values converges...
    assert chapter["rb_bfgs_noisy_dist"] > 1.0  # ...with noise it stops at a wrong point
    assert chapter["rb_sgd_decay"] < chapter["rb_sgd_noisy"]  # a decaying rate tames the noise


def test_rosenbrock_of_lecture_002():
    exact, noisy = Rosenbrock(), NoisyRosenbrock(seed=0)
    assert noisy.sigma == LECTURE["sigma"]
    assert exact.value(np.array(LECTURE["minimum"])) == 0.0
    w0 = np.array([-1.5, 2.0])
    assert np.allclose(minimize(exact, BFGS, w0, steps=40).iterates[-1], 1.0, atol=1e-2)
    # "terminates at the wrong solution": BFGS with noisy evaluations stays far from (1, 1)
    assert np.linalg.norm(minimize(noisy, BFGS, w0, steps=40).iterates[-1] - 1.0) > 1.0


def test_robbins_monro_and_the_schedules():
    t = np.arange(100_000)
    rate = InverseTime(None, base_lr=1.0).lr_at(t)
    assert np.sum(rate**2) == pytest.approx(math.pi**2 / 6, abs=1e-4)  # sum eta^2 < inf
    assert np.sum(rate) == pytest.approx(math.log(1e5) + 0.5772, abs=1e-3)  # ~ ln t -> inf
    lin = LinearDecay(None, tau=40, final_lr=0.001, base_lr=0.1)
    assert lin.lr_at(0) == 0.1 and lin.lr_at(40) == pytest.approx(0.001)
    assert lin.lr_at(100) == pytest.approx(0.001)  # constant after tau
    assert PolynomialDecayAverage([np.zeros(1)]).eta == 3.0  # the SGD slides' example value


def test_summary_table_matches_the_chapter(chapter):
    """The summary table is prose: the number it states must equal the computed one."""
    summary = summary_of("sgd")
    stated = [float(v) for v in re.findall(r"-?\d+\.\d+", summary)]
    assert stated, "the summary states no measured number"
    assert float(chapter["var_slope"]) in stated, f"slope {chapter['var_slope']} not in the summary"
