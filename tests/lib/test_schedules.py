"""gradlib.schedules: learning-rate schedules (values, epoch semantics, driving optimizers)
and iterate averaging (Polyak, polynomial decay)."""

from __future__ import annotations

import numpy as np
import pytest

from gradlib.optim import (
    BFGS,
    SGD,
    Adadelta,
    Adagrad,
    Adam,
    Adamax,
    Newton,
    QuickProp,
    RMSprop,
    Rprop,
)
from gradlib.schedules import (
    Constant,
    Exponential,
    InverseTime,
    LinearDecay,
    PolyakAverage,
    PolynomialDecay,
    PolynomialDecayAverage,
    ReduceOnPlateau,
    StepDecay,
)

# --- values at chosen epochs, worked out by hand ------------------------------------------------


@pytest.mark.parametrize(
    "make, expected",
    [
        # η₀ = 0.8 throughout
        (lambda: Constant(None, base_lr=0.8), {0: 0.8, 7: 0.8, 1000: 0.8}),
        # ×0.5 every 3 epochs: epochs 0–2 → 0.8, 3–5 → 0.4, 6 → 0.2
        (
            lambda: StepDecay(None, step_size=3, gamma=0.5, base_lr=0.8),
            {0: 0.8, 2: 0.8, 3: 0.4, 5: 0.4, 6: 0.2, 9: 0.1},
        ),
        # 0.8 · 0.5ᵗ
        (lambda: Exponential(None, gamma=0.5, base_lr=0.8), {0: 0.8, 1: 0.4, 3: 0.1}),
        # the Uppsala lecture: (1 − t/τ)γ₀ + (t/τ)γ_τ with γ₀ = 0.8, γ_τ = 0.02, τ = 10
        (
            lambda: LinearDecay(None, tau=10, final_lr=0.02, base_lr=0.8),
            {0: 0.8, 5: 0.41, 9: 0.098, 10: 0.02, 50: 0.02},
        ),
        # c/(t₀ + t) with t₀ = 4, c = 0.8·4 = 3.2
        (lambda: InverseTime(None, t0=4, base_lr=0.8), {0: 0.8, 4: 0.4, 12: 0.2}),
        # the convergence slides's quadratic decay η₀/(t + 1)²
        (lambda: PolynomialDecay(None, power=2, base_lr=0.8), {0: 0.8, 1: 0.2, 3: 0.05}),
        # and its 1/t decay η₀/(t + 1)
        (lambda: PolynomialDecay(None, power=1, base_lr=0.8), {1: 0.4, 7: 0.1}),
    ],
    ids=["constant", "step", "exponential", "linear", "inverse-time", "quadratic", "1/t"],
)
def test_rates_at_chosen_epochs(make, expected):
    schedule = make()
    for t, lr in expected.items():
        assert schedule.lr_at(t) == pytest.approx(lr, rel=1e-12)
    ts = np.array(sorted(expected))
    np.testing.assert_allclose(schedule.lr_at(ts), [expected[t] for t in ts], rtol=1e-12)


def test_constructor_sets_epoch_zero_and_each_step_ends_an_epoch():
    x = np.zeros(1)
    opt = SGD([x], lr=1.0)
    schedule = StepDecay(opt, step_size=2, gamma=0.1)
    seen = [opt.lr]  # the rate of epoch 0, set by the constructor
    for _ in range(5):
        # ... train one epoch with opt.lr ...
        schedule.step()
        seen.append(opt.lr)
    np.testing.assert_allclose(seen, [1.0, 1.0, 0.1, 0.1, 0.01, 0.01])
    assert schedule.epoch == 5 and schedule.lr == pytest.approx(0.01)


def test_constructor_overwrites_lr_with_the_rate_of_epoch_zero():
    opt = SGD([np.zeros(1)], lr=0.5)
    InverseTime(opt, t0=2.0, base_lr=0.3)  # an explicit base_lr wins over the optimizer's lr
    assert opt.lr == pytest.approx(0.3)


def test_the_optimizer_uses_the_scheduled_rate_in_its_update():
    x = np.zeros(1)
    opt = SGD([x], lr=0.2)
    schedule = LinearDecay(opt, tau=4, final_lr=0.0)
    positions = []
    for _ in range(5):
        opt.step([np.ones(1)])  # g = 1: each step moves by the current rate
        schedule.step()
        positions.append(x[0])
    # rates 0.2, 0.15, 0.1, 0.05, 0 → cumulative −0.2, −0.35, −0.45, −0.5, −0.5
    np.testing.assert_allclose(positions, [-0.2, -0.35, -0.45, -0.5, -0.5])


OPTIMIZERS = [
    lambda p: SGD(p, lr=0.1),
    lambda p: Adagrad(p, lr=0.1),
    lambda p: RMSprop(p, lr=0.1),
    lambda p: Adadelta(p, lr=0.1),
    lambda p: Adam(p, lr=0.1),
    lambda p: Adamax(p, lr=0.1),
    lambda p: QuickProp(p, lr=0.1),
    lambda p: Newton(p, lr=0.1),
    lambda p: BFGS(p, lr=0.1),
]
SCHEDULES = [
    lambda o: Constant(o),
    lambda o: StepDecay(o, step_size=2),
    lambda o: Exponential(o, gamma=0.9),
    lambda o: LinearDecay(o, tau=3, final_lr=0.001),
    lambda o: InverseTime(o),
    lambda o: PolynomialDecay(o),
]


@pytest.mark.parametrize("make_opt", OPTIMIZERS)
@pytest.mark.parametrize("make_schedule", SCHEDULES)
def test_any_schedule_drives_any_optimizer(make_opt, make_schedule):
    opt = make_opt([np.zeros(2)])
    schedule = make_schedule(opt)
    assert schedule.base_lr == 0.1
    for epoch in range(1, 5):
        schedule.step()
        assert opt.lr == schedule.lr_at(epoch)


def test_rprop_steps_ignore_lr_so_every_learning_rate_schedule_refuses_it():
    """Rprop reads lr only at reset (its initial step size Δ₀): a schedule could not change a
    single step, so it is refused with the reason instead of doing nothing silently."""
    grads = [np.array([1.0, -2.0]), np.array([1.0, 3.0]), np.array([-1.0, 3.0])]
    x, y = np.zeros(2), np.zeros(2)
    kept, changed = Rprop([x], lr=0.1), Rprop([y], lr=0.1)
    changed.lr = 5.0  # what a schedule would do
    for g in grads:
        kept.step([g])
        changed.step([g])
    np.testing.assert_array_equal(x, y)  # the premise: lr changed nothing
    for make_schedule in [*SCHEDULES, lambda o: ReduceOnPlateau(o)]:
        opt = Rprop([np.zeros(2)], lr=0.1)
        with pytest.raises(ValueError, match=r"Rprop reads lr only when its state is reset"):
            make_schedule(opt)
        assert opt.lr == 0.1  # refused before touching it
    assert StepDecay(None, step_size=2, base_lr=0.1).lr_at(2) == pytest.approx(0.01)


def test_schedule_argument_errors():
    opt = SGD([np.zeros(1)], lr=0.1)
    with pytest.raises(ValueError, match="without an optimizer, pass base_lr"):
        StepDecay(None, step_size=2)
    with pytest.raises(TypeError, match="expected an Optimizer or None, got float"):
        StepDecay(0.1, step_size=2)
    with pytest.raises(ValueError, match="step_size must be ≥ 1 epoch, got 0"):
        StepDecay(opt, step_size=0)
    with pytest.raises(TypeError, match="step_size must be an int, got float"):
        StepDecay(opt, step_size=2.5)
    with pytest.raises(ValueError, match="gamma must be in"):
        Exponential(opt, gamma=-0.5)
    with pytest.raises(ValueError, match="tau must be an integer ≥ 1"):
        LinearDecay(opt, tau=0, final_lr=0.0)
    with pytest.raises(ValueError, match="t0 must be in"):
        InverseTime(opt, t0=0)
    with pytest.raises(ValueError, match=r"t \(the epoch\) must be an integer ≥ 0 or an array"):
        Constant(opt).lr_at(-1)
    with pytest.raises(ValueError, match=r"t \(the epoch\) must be an integer ≥ 0.*got 1.5"):
        Constant(opt).lr_at(1.5)


# --- ReduceOnPlateau ---------------------------------------------------------------------------


def _plateau_rates(losses, **kw):
    opt = SGD([np.zeros(1)], lr=1.0)
    schedule = ReduceOnPlateau(opt, **kw)
    rates = [opt.lr]
    for loss in losses:
        schedule.step(loss)
        rates.append(opt.lr)
    return rates, schedule


def test_plateau_reduces_after_more_than_patience_bad_epochs():
    # patience 2: epoch 0 sets the best; epochs 1, 2, 3 are bad; the 3rd bad one (> 2) reduces,
    # so epoch 4 trains with 0.1; then 3 more bad epochs reduce again
    rates, schedule = _plateau_rates([1.0] * 7, patience=2, factor=0.1)
    np.testing.assert_allclose(rates, [1, 1, 1, 1, 0.1, 0.1, 0.1, 0.01])
    assert schedule.num_bad_epochs == 0


def test_plateau_improvement_resets_the_count():
    rates, _ = _plateau_rates([1.0, 1.0, 1.0, 0.5, 0.6, 0.6, 0.6], patience=2, factor=0.5)
    # bad, bad, then 0.5 improves (count 0), then three bad epochs → reduce after the last one
    np.testing.assert_allclose(rates, [1, 1, 1, 1, 1, 1, 1, 0.5])


def test_plateau_cooldown_ignores_bad_epochs():
    # patience 0: every bad epoch reduces, except during the 2 cooldown epochs after a reduction
    rates, _ = _plateau_rates([1.0] * 6, patience=0, cooldown=2, factor=0.1)
    np.testing.assert_allclose(rates, [1, 1, 0.1, 0.1, 0.1, 0.01, 0.01])


def test_plateau_relative_and_absolute_thresholds():
    # rel 0.1: 0.95 is not below 1.0·(1 − 0.1) = 0.9, so it is a bad epoch
    rates, s = _plateau_rates([1.0, 0.95], patience=0, threshold=0.1)
    assert rates[-1] == pytest.approx(0.1) and s.best == 1.0
    # abs 0.01: 0.95 < 1.0 − 0.01 improves
    rates, s = _plateau_rates([1.0, 0.95], patience=0, threshold=0.01, threshold_mode="abs")
    assert rates[-1] == 1.0 and s.best == 0.95


def test_plateau_max_mode_and_min_lr():
    # accuracy going up is an improvement; flat accuracy reduces, never below min_lr
    rates, _ = _plateau_rates([0.5, 0.6, 0.6, 0.6, 0.6], mode="max", patience=0, min_lr=0.05)
    np.testing.assert_allclose(rates, [1, 1, 1, 0.1, 0.05, 0.05])


def test_plateau_lr_at_reports_past_epochs_only():
    rates, schedule = _plateau_rates([1.0] * 3, patience=0)
    np.testing.assert_allclose(schedule.lr_at(np.arange(4)), rates)
    with pytest.raises(ValueError, match="depend on losses not seen yet"):
        schedule.lr_at(4)


def test_plateau_argument_errors():
    opt = SGD([np.zeros(1)], lr=0.1)
    with pytest.raises(ValueError, match="factor must be in \\[0.0, 1.0\\), got 10"):
        ReduceOnPlateau(opt, factor=10)
    with pytest.raises(ValueError, match="mode must be 'min' or 'max', got 'up'"):
        ReduceOnPlateau(opt, mode="up")
    with pytest.raises(ValueError, match="patience must be an integer ≥ 0, got -1"):
        ReduceOnPlateau(opt, patience=-1)


# --- iterate averaging ------------------------------------------------------------------------


def test_polyak_average_equals_the_arithmetic_mean_of_the_iterates():
    rng = np.random.default_rng(2)
    a, b = np.zeros((2, 3)), np.zeros(4)
    avg = PolyakAverage([a, b])
    seen_a, seen_b = [], []
    for _ in range(7):
        a[...] = rng.normal(size=a.shape)  # as if an optimizer had updated them in place
        b[...] = rng.normal(size=b.shape)
        avg.update()
        seen_a.append(a.copy())
        seen_b.append(b.copy())
    np.testing.assert_allclose(avg.average[0], np.mean(seen_a, axis=0), rtol=1e-13)
    np.testing.assert_allclose(avg.average[1], np.mean(seen_b, axis=0), rtol=1e-13)


def test_polynomial_decay_average_by_hand():
    # η = 3: w_t = 4/(t + 3) → w₁ = 1, w₂ = 0.8, w₃ = 2/3.
    # θ = 1, 2, 4: ξ₁ = 1, ξ₂ = 0.2·1 + 0.8·2 = 1.8, ξ₃ = 1.8/3 + (2/3)·4 = 3.2666…
    theta = np.zeros(1)
    avg = PolynomialDecayAverage([theta], eta=3.0)
    expected = [1.0, 1.8, 1.8 / 3 + 8 / 3]
    for value, want in zip([1.0, 2.0, 4.0], expected, strict=True):
        theta[0] = value
        avg.update()
        assert avg.average[0][0] == pytest.approx(want)


def test_polynomial_decay_average_matches_its_recursion_and_weights_recent_iterates():
    rng = np.random.default_rng(3)
    theta = np.zeros(3)
    avg = PolynomialDecayAverage([theta], eta=2.0)
    xi = None
    for t in range(1, 20):
        theta[...] = t + rng.normal(size=3)  # drifting iterates
        avg.update()
        w = (2.0 + 1) / (t + 2.0)
        xi = theta.copy() if xi is None else (1 - w) * xi + w * theta
        np.testing.assert_allclose(avg.average[0], xi, rtol=1e-13)
    # it follows the drift more closely than the plain mean (which would be near 10)
    assert np.all(avg.average[0] > 12)


def test_polynomial_decay_average_with_eta_zero_is_polyak_and_reset_forgets():
    x = np.zeros(2)
    a, b = PolynomialDecayAverage([x], eta=0.0), PolyakAverage([x])
    for v in [1.0, 5.0, -2.0]:
        x[...] = v
        a.update()
        b.update()
    np.testing.assert_allclose(a.average[0], b.average[0])
    np.testing.assert_allclose(b.average[0], [4 / 3, 4 / 3])
    b.reset()
    assert b.t == 0
    x[...] = 7.0
    b.update()
    np.testing.assert_allclose(b.average[0], [7.0, 7.0])


def test_averaging_keeps_dtype_and_rejects_bad_input():
    avg = PolyakAverage([np.ones(3, dtype=np.float32)])
    avg.update()
    assert avg.average[0].dtype == np.float32
    with pytest.raises(TypeError, match="list of numpy arrays"):
        PolyakAverage(np.ones(3))
    with pytest.raises(ValueError, match="eta must be in"):
        PolynomialDecayAverage([np.ones(3)], eta=-1)
