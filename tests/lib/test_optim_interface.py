"""The interface every gradlib optimizer shares: state_dict round trips, reset_state, a
mutable lr, dtypes, untouched inputs, and clear errors for bad input."""

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
    Optimizer,
    QuickProp,
    RMSprop,
    Rprop,
)

# every first-order optimizer, with hyper-parameters that exercise all of its state
FIRST_ORDER = [
    (SGD, {"lr": 0.05, "momentum": 0.9, "nesterov": True, "weight_decay": 0.01}),
    (Adagrad, {"lr": 0.1, "lr_decay": 0.01}),
    (RMSprop, {"lr": 0.01, "centered": True, "momentum": 0.5}),
    (Adadelta, {"lr": 1.0}),
    (Adam, {"lr": 0.01, "amsgrad": True}),
    (Adamax, {"lr": 0.01}),
    (Rprop, {"lr": 0.01, "backtracking": True}),
    (QuickProp, {"lr": 0.01}),
]
IDS = [c.__name__ for c, _ in FIRST_ORDER]
SHAPES = [(3, 4), (4,), (2, 3)]


def _problem(seed=0):
    """Parameters and a deterministic gradient function (a bowl plus a wobble)."""
    rng = np.random.default_rng(seed)
    params = [rng.normal(size=s) for s in SHAPES]
    targets = [rng.normal(size=s) for s in SHAPES]

    def grads(ps):
        return [2 * (p - t) + 0.3 * np.sin(3 * p) for p, t in zip(ps, targets, strict=True)]

    return params, grads


def _run(opt, params, grads, steps):
    out = []
    for _ in range(steps):
        opt.step(grads(params))
        out.append([p.copy() for p in params])
    return out


@pytest.mark.parametrize("cls, kw", FIRST_ORDER, ids=IDS)
def test_state_dict_round_trip_gives_identical_iterates(cls, kw):
    params, grads = _problem()
    opt = cls(params, **kw)
    _run(opt, params, grads, 4)
    saved_params = [p.copy() for p in params]
    saved = opt.state_dict()
    expected = _run(opt, params, grads, 5)

    fresh_params = [p.copy() for p in saved_params]
    other = cls(fresh_params, **{**kw, "lr": 123.0})  # hyper-parameters are restored too
    other.load_state_dict(saved)
    assert other.t == 4 and other.lr == kw["lr"]
    got = _run(other, fresh_params, grads, 5)
    for a, b in zip(expected, got, strict=True):
        for x, y in zip(a, b, strict=True):
            np.testing.assert_array_equal(x, y)


@pytest.mark.parametrize("cls, kw", FIRST_ORDER, ids=IDS)
def test_state_dict_is_a_deep_copy_both_ways(cls, kw):
    params, grads = _problem()
    opt = cls(params, **kw)
    _run(opt, params, grads, 2)
    saved = opt.state_dict()
    before = {k: v.copy() for k, v in opt.state[0].items()}
    for arr in saved["state"][0].values():
        arr += 1.0  # editing the copy does not touch the optimizer
    for k, v in opt.state[0].items():
        np.testing.assert_array_equal(v, before[k])
    opt.load_state_dict(saved)
    for arr in saved["state"][0].values():
        arr -= 5.0  # nor does editing the dict after loading it
    for k, v in opt.state[0].items():
        np.testing.assert_array_equal(v, before[k] + 1.0)


@pytest.mark.parametrize("cls, kw", FIRST_ORDER, ids=IDS)
def test_reset_state_starts_a_fresh_run(cls, kw):
    params, grads = _problem()
    start = [p.copy() for p in params]
    opt = cls(params, **kw)
    _run(opt, params, grads, 3)
    for p, s in zip(params, start, strict=True):
        p[...] = s
    opt.reset_state()
    assert opt.t == 0
    again = _run(opt, params, grads, 3)
    fresh_params = [s.copy() for s in start]
    fresh = _run(cls(fresh_params, **kw), fresh_params, grads, 3)
    for a, b in zip(again, fresh, strict=True):
        for x, y in zip(a, b, strict=True):
            np.testing.assert_array_equal(x, y)


LINEAR_IN_LR = [c for c in FIRST_ORDER if c[0] is not Rprop]  # Rprop: lr is only Δ₀


@pytest.mark.parametrize("cls, kw", LINEAR_IN_LR, ids=[c.__name__ for c, _ in LINEAR_IN_LR])
def test_lr_is_a_mutable_attribute_that_changes_the_next_step(cls, kw):
    params, grads = _problem()
    a = cls([p.copy() for p in params], **kw)
    b = cls([p.copy() for p in params], **kw)
    b.lr = kw["lr"] / 2
    ga = grads(a.params)
    a.step(ga)
    b.step(ga)
    step_a = [pa - p for pa, p in zip(a.params, params, strict=True)]
    step_b = [pb - p for pb, p in zip(b.params, params, strict=True)]
    # on the first step every one of these rules is linear in η
    for sa, sb in zip(step_a, step_b, strict=True):
        np.testing.assert_allclose(sb, sa / 2, rtol=1e-12, atol=1e-15)


def test_rprop_lr_is_the_initial_step_size_and_takes_effect_on_reset():
    x = np.zeros(1)
    opt = Rprop([x], lr=0.1)
    opt.lr = 0.5
    opt.step([np.ones(1)])
    assert x[0] == pytest.approx(-0.1)  # like torch: lr only seeds the step sizes
    opt.reset_state()
    opt.step([np.ones(1)])
    assert x[0] == pytest.approx(-0.6)


@pytest.mark.parametrize("cls, kw", FIRST_ORDER, ids=IDS)
def test_float32_parameters_stay_float32_and_agree_with_float64(cls, kw):
    params, grads = _problem()
    p32 = [p.astype(np.float32) for p in params]
    opt32 = cls(p32, **kw)
    opt64 = cls(params, **kw)
    for _ in range(5):
        opt32.step([g.astype(np.float32) for g in grads(p32)])
        opt64.step(grads(params))
    for a, b, s in zip(p32, params, opt32.state, strict=True):
        assert a.dtype == np.float32
        assert all(v.dtype == np.float32 for v in s.values())
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("cls, kw", FIRST_ORDER, ids=IDS)
def test_step_updates_in_place_and_never_modifies_the_gradients(cls, kw):
    params, grads = _problem()
    ids = [id(p) for p in params]
    opt = cls(params, **kw)
    for _ in range(3):
        gs = grads(params)
        copies = [g.copy() for g in gs]
        before = [p.copy() for p in params]
        opt.step(gs)
        for g, c in zip(gs, copies, strict=True):
            np.testing.assert_array_equal(g, c)
    assert [id(p) for p in opt.params] == ids
    assert any(not np.array_equal(p, b) for p, b in zip(params, before, strict=True))


def test_closure_optimizers_round_trip_their_state():
    def rosen(x):
        return (1 - x[0]) ** 2 + 100 * (x[1] - x[0] ** 2) ** 2

    def grad(x):
        return np.array(
            [-2 * (1 - x[0]) - 400 * x[0] * (x[1] - x[0] ** 2), 200 * (x[1] - x[0] ** 2)]
        )

    def run(opt, x, steps):
        out = []
        for _ in range(steps):
            opt.step(lambda: (rosen(x), [grad(x)]))
            out.append(x.copy())
        return out

    x = np.array([-1.2, 1.0])
    opt = BFGS([x])
    run(opt, x, 5)
    saved, saved_x = opt.state_dict(), x.copy()
    expected = run(opt, x, 5)
    y = saved_x.copy()
    other = BFGS([y])
    other.load_state_dict(saved)
    np.testing.assert_array_equal(np.array(run(other, y, 5)), np.array(expected))
    other.reset_state()
    np.testing.assert_array_equal(other.state[0]["inverse_hessian"], np.eye(2))
    assert Newton([np.zeros(2)], damping=0.5).state_dict()["hyperparameters"]["damping"] == 0.5


def test_repr_lists_shapes_and_hyperparameters():
    text = repr(Adam([np.zeros((2, 3))], lr=0.1))
    assert text.startswith("Adam([(2, 3)], lr=0.1, betas=(0.9, 0.999)")


def test_defaults_follow_torch():
    x = [np.zeros(1)]
    assert (Adagrad(x).lr, Adagrad(x).eps, Adagrad(x).lr_decay) == (0.01, 1e-10, 0.0)
    r = RMSprop(x)
    assert (r.lr, r.alpha, r.eps, r.momentum, r.centered) == (0.01, 0.99, 1e-8, 0.0, False)
    d = Adadelta(x)
    assert (d.lr, d.rho, d.eps) == (1.0, 0.9, 1e-6)
    a = Adam(x)
    assert (a.lr, a.betas, a.eps, a.weight_decay) == (0.001, (0.9, 0.999), 1e-8, 0)
    assert a.amsgrad is False
    m = Adamax(x)
    assert (m.lr, m.betas, m.eps) == (0.002, (0.9, 0.999), 1e-8)
    p = Rprop(x)
    assert (p.lr, p.etas, p.step_sizes, p.backtracking) == (0.01, (0.5, 1.2), (1e-6, 50), False)
    s = SGD(x, lr=0.1)
    assert (s.momentum, s.dampening, s.nesterov, s.weight_decay) == (0, 0, False, 0)
    with pytest.raises(TypeError):
        SGD(x)  # lr is required


# --- bad input ---------------------------------------------------------------------------------


@pytest.mark.parametrize("cls, kw", FIRST_ORDER, ids=IDS)
def test_mismatched_gradients_are_rejected(cls, kw):
    opt = cls([np.zeros((2, 3)), np.zeros(4)], **kw)
    with pytest.raises(ValueError, match="expects 2 gradient arrays.*got 1"):
        opt.step([np.zeros((2, 3))])
    with pytest.raises(ValueError, match=r"grads\[1\] has shape \(3,\), expected \(4,\)"):
        opt.step([np.zeros((2, 3)), np.zeros(3)])
    with pytest.raises(TypeError, match=r"grads\[0\] must be a numpy array, got list"):
        opt.step([[0.0] * 3, np.zeros(4)])
    with pytest.raises(TypeError, match="list of 2 gradient arrays, got ndarray"):
        opt.step(np.zeros(4))
    with pytest.raises(TypeError, match="got a callable; only Newton and BFGS take a closure"):
        opt.step(lambda: (0.0, []))
    assert opt.t == 0  # nothing was half-done


@pytest.mark.parametrize("cls", [SGD, Adam, BFGS, Newton])
def test_bad_params_are_rejected(cls):
    kw = {"lr": 0.1}
    with pytest.raises(TypeError, match="list of numpy arrays, got a single ndarray.*\\[x\\]"):
        cls(np.zeros(3), **kw)
    with pytest.raises(TypeError, match=r"params\[1\] must be a numpy array, got list"):
        cls([np.zeros(2), [1.0, 2.0]], **kw)
    with pytest.raises(TypeError, match=r"params\[0\] must have a floating dtype.*int64"):
        cls([np.zeros(2, dtype=np.int64)], **kw)
    with pytest.raises(TypeError, match="list of numpy arrays, got float"):
        cls(3.0, **kw)
    with pytest.raises(ValueError, match="at least one array, got an empty list"):
        cls([], **kw)
    frozen = np.zeros(2)
    frozen.flags.writeable = False
    with pytest.raises(ValueError, match="read-only"):
        cls([frozen], **kw)


ALL = [SGD, Adagrad, RMSprop, Adadelta, Adam, Adamax, Rprop, QuickProp, Newton, BFGS]


@pytest.mark.parametrize("cls", ALL)
def test_negative_learning_rate_is_rejected_at_construction_and_later(cls):
    with pytest.raises(ValueError, match=r"lr must be in \[0.0, inf\), got -0.1"):
        cls([np.zeros(2)], lr=-0.1)
    opt = cls([np.zeros(2)], lr=0.1)
    with pytest.raises(ValueError, match="lr must be"):
        opt.lr = -1.0
    with pytest.raises(TypeError, match="lr must be a real number, got str"):
        opt.lr = "0.1"
    assert opt.lr == 0.1


BAD_HYPERPARAMETERS = [
    (Adam, {"betas": (1.0, 0.999)}, ValueError, r"betas\[0\] must be in \[0.0, 1.0\), got 1.0"),
    (Adam, {"betas": (0.9, -0.1)}, ValueError, r"betas\[1\] must be in \[0.0, 1.0\)"),
    (Adamax, {"betas": (0.9, 1.5)}, ValueError, r"betas\[1\] must be in"),
    (Adam, {"betas": 0.9}, TypeError, "betas must be a pair of numbers, got 0.9"),
    (Adam, {"eps": -1e-8}, ValueError, "eps must be in"),
    (Adam, {"lr": float("nan")}, ValueError, "lr must be finite, got nan"),
    (SGD, {"lr": 0.1, "momentum": -0.5}, ValueError, "momentum must be in .*got -0.5"),
    (SGD, {"lr": 0.1, "nesterov": True}, ValueError, "Nesterov momentum requires momentum > 0"),
    (
        SGD,
        {"lr": 0.1, "momentum": 0.9, "dampening": 0.1, "nesterov": True},
        ValueError,
        "requires momentum > 0 and dampening = 0, got momentum=0.9, dampening=0.1",
    ),
    (SGD, {"lr": 0.1, "weight_decay": -1}, ValueError, "weight_decay must be in"),
    (RMSprop, {"momentum": -0.1}, ValueError, "momentum must be in"),
    (RMSprop, {"alpha": 1.5}, ValueError, r"alpha must be in \[0.0, 1.0\], got 1.5"),
    (Adadelta, {"rho": -0.1}, ValueError, "rho must be in"),
    (Adagrad, {"lr_decay": -1}, ValueError, "lr_decay must be in"),
    (Rprop, {"etas": (1.2, 0.5)}, ValueError, r"etas\[0\] \(η₋\) must be in \(0.0, 1.0\), got 1.2"),
    (Rprop, {"etas": (0.5, 1.0)}, ValueError, r"etas\[1\] \(η₊\) must be in \(1.0, inf\), got 1"),
    (Rprop, {"etas": (0.0, 1.2)}, ValueError, r"etas\[0\]"),
    (Rprop, {"step_sizes": (1.0, 0.1)}, ValueError, r"step_sizes\[1\] \(Δ_max\) must be in \[1.0"),
    (QuickProp, {"mu": 0}, ValueError, r"mu must be in \(0.0, inf\)"),
    (Newton, {"damping": -1}, ValueError, "damping must be in"),
    (BFGS, {"c1": 1.5}, ValueError, "c1 must be in"),
    (BFGS, {"max_backtracks": 0}, ValueError, "max_backtracks must be an integer"),
]


@pytest.mark.parametrize("cls, kw, error, pattern", BAD_HYPERPARAMETERS)
def test_bad_hyperparameters_name_what_was_expected_and_given(cls, kw, error, pattern):
    with pytest.raises(error, match=pattern):
        cls([np.zeros(2)], **kw)


def test_load_state_dict_rejects_foreign_state():
    a = Adam([np.zeros(3)])
    with pytest.raises(ValueError, match="from a SGD"):
        a.load_state_dict(SGD([np.zeros(3)], lr=0.1).state_dict())
    with pytest.raises(ValueError, match=r"shape \(4,\), expected \(3,\)"):
        a.load_state_dict(Adam([np.zeros(4)]).state_dict())
    with pytest.raises(ValueError, match="state for 1 parameter arrays, got 2"):
        a.load_state_dict(Adam([np.zeros(3), np.zeros(1)]).state_dict())
    with pytest.raises(TypeError, match="expected a dict from state_dict"):
        a.load_state_dict({"lr": 0.1})


def test_every_optimizer_is_an_optimizer():
    for cls, kw in FIRST_ORDER:
        assert isinstance(cls([np.zeros(1)], **kw), Optimizer)
        assert not cls.requires_closure
    assert BFGS.requires_closure and Newton.requires_closure and Newton.requires_hessian


def test_state_dict_format_names_every_hyperparameter_and_state_array():
    """The format saved runs rely on: the hyper-parameters are the constructor's arguments."""
    x = [np.zeros(2)]
    expected = {
        SGD(x, lr=0.1): (
            {"lr", "momentum", "dampening", "nesterov", "weight_decay"},
            {"momentum_buffer"},
        ),
        Adam(x): (
            {"lr", "betas", "eps", "weight_decay", "amsgrad"},
            {"exp_avg", "exp_avg_sq", "max_exp_avg_sq"},
        ),
        Rprop(x): (
            {"lr", "etas", "step_sizes", "backtracking"},
            {"prev", "step_size", "prev_change"},
        ),
        BFGS(x): (
            {"lr", "c1", "shrink", "max_backtracks"},
            {"inverse_hessian", "prev_x", "prev_grad", "has_prev", "scaled"},
        ),
    }
    for opt, (hyperparameters, state) in expected.items():
        saved = opt.state_dict()
        assert set(saved) == {"optimizer", "t", "hyperparameters", "state"}
        assert saved["optimizer"] == type(opt).__name__ and saved["t"] == 0
        assert set(saved["hyperparameters"]) == hyperparameters, type(opt).__name__
        assert [set(s) for s in saved["state"]] == [state], type(opt).__name__
