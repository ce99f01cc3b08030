"""gradlib.optim first-order methods: SGD, Adagrad, RMSprop, Adadelta, Adam, Adamax.

Each optimizer is checked against (1) a few numbers worked out by hand in the
comments and (2) an independent scalar implementation of its formula below,
written with Python floats and ``math`` one weight at a time, for the first
three steps and the state they leave. Then multi-step behaviour on quadratics
and the lectures' alternative forms (gradlib.book.lecture_forms).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from gradlib.book import lecture_forms
from gradlib.landscapes import Quadratic
from gradlib.optim import SGD, Adadelta, Adagrad, Adam, Adamax, RMSprop

# --- independent scalar references: one weight θ, its gradients g_1, g_2, ... ----------------


def sgd_ref(theta, gs, lr, momentum=0.0, dampening=0.0, nesterov=False, weight_decay=0.0):
    b, out = None, []
    for g in gs:
        g = g + weight_decay * theta
        if momentum:
            b = g if b is None else momentum * b + (1 - dampening) * g
            d = g + momentum * b if nesterov else b
        else:
            d = g
        theta = theta - lr * d
        out.append(theta)
    return out, {"momentum_buffer": 0.0 if b is None else b}


def adagrad_ref(
    theta, gs, lr=0.01, lr_decay=0.0, weight_decay=0.0, initial_accumulator_value=0.0, eps=1e-10
):
    G, out = initial_accumulator_value, []
    for t, g in enumerate(gs, 1):
        g = g + weight_decay * theta
        G = G + g * g
        theta = theta - lr / (1 + (t - 1) * lr_decay) * g / (math.sqrt(G) + eps)
        out.append(theta)
    return out, {"sum": G}


def rmsprop_ref(
    theta, gs, lr=0.01, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0, centered=False
):
    v = gbar = b = 0.0
    out = []
    for g in gs:
        g = g + weight_decay * theta
        v = alpha * v + (1 - alpha) * g * g
        if centered:
            gbar = alpha * gbar + (1 - alpha) * g
            denom = math.sqrt(v - gbar * gbar) + eps
        else:
            denom = math.sqrt(v) + eps
        if momentum:
            b = momentum * b + g / denom
            theta = theta - lr * b
        else:
            theta = theta - lr * g / denom
        out.append(theta)
    return out, {"square_avg": v, "grad_avg": gbar, "momentum_buffer": b}


def adadelta_ref(theta, gs, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0.0):
    v = u = 0.0
    out = []
    for g in gs:
        g = g + weight_decay * theta
        v = rho * v + (1 - rho) * g * g
        delta = math.sqrt(u + eps) / math.sqrt(v + eps) * g
        u = rho * u + (1 - rho) * delta * delta
        theta = theta - lr * delta
        out.append(theta)
    return out, {"square_avg": v, "acc_delta": u}


def adam_ref(theta, gs, lr=0.001, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, amsgrad=False):
    b1, b2 = betas
    m = v = vmax = 0.0
    out = []
    for t, g in enumerate(gs, 1):
        g = g + weight_decay * theta
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        vmax = max(vmax, v)
        m_hat = m / (1 - b1**t)  # bias corrections
        v_hat = (vmax if amsgrad else v) / (1 - b2**t)
        theta = theta - lr * m_hat / (math.sqrt(v_hat) + eps)
        out.append(theta)
    return out, {"exp_avg": m, "exp_avg_sq": v, "max_exp_avg_sq": vmax if amsgrad else 0.0}


def adamax_ref(theta, gs, lr=0.002, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
    b1, b2 = betas
    m = u = 0.0
    out = []
    for t, g in enumerate(gs, 1):
        g = g + weight_decay * theta
        m = b1 * m + (1 - b1) * g
        u = max(b2 * u, abs(g) + eps)
        theta = theta - lr / (1 - b1**t) * m / u
        out.append(theta)
    return out, {"exp_avg": m, "exp_inf": u}


# Two parameter arrays and three gradient steps: signs flip, one gradient is 0, sizes vary.
THETA0 = [np.array([[0.5, -1.0], [2.0, 0.0]]), np.array([0.3, -0.7, 1.5])]
GRADS = [
    [np.array([[0.2, -3.0], [0.0, 1.0]]), np.array([1e-3, 4.0, -0.5])],
    [np.array([[-0.1, -2.0], [0.5, 1.5]]), np.array([2e-3, -4.0, -0.5])],
    [np.array([[0.4, 1.0], [-0.5, 0.2]]), np.array([-1e-3, 3.0, 0.0])],
]

CASES = [
    (SGD, sgd_ref, {"lr": 0.1}),
    (SGD, sgd_ref, {"lr": 0.1, "momentum": 0.9}),
    (SGD, sgd_ref, {"lr": 0.1, "momentum": 0.9, "dampening": 0.3, "weight_decay": 0.05}),
    (SGD, sgd_ref, {"lr": 0.1, "momentum": 0.8, "nesterov": True}),
    (Adagrad, adagrad_ref, {}),
    (Adagrad, adagrad_ref, {"lr": 0.5, "lr_decay": 0.3, "initial_accumulator_value": 0.1}),
    (Adagrad, adagrad_ref, {"lr": 0.5, "eps": 0.05, "weight_decay": 0.1}),
    (RMSprop, rmsprop_ref, {}),
    (RMSprop, rmsprop_ref, {"lr": 0.05, "alpha": 0.9, "eps": 0.1, "momentum": 0.5}),
    (RMSprop, rmsprop_ref, {"lr": 0.05, "alpha": 0.8, "centered": True, "weight_decay": 0.1}),
    (RMSprop, rmsprop_ref, {"centered": True, "momentum": 0.9, "eps": 0.01}),
    (Adadelta, adadelta_ref, {}),
    (Adadelta, adadelta_ref, {"lr": 0.5, "rho": 0.5, "eps": 0.1, "weight_decay": 0.2}),
    (Adam, adam_ref, {}),
    (Adam, adam_ref, {"lr": 0.1, "betas": (0.5, 0.8), "eps": 0.1}),
    (Adam, adam_ref, {"lr": 0.1, "betas": (0.8, 0.9), "amsgrad": True, "weight_decay": 0.1}),
    (Adamax, adamax_ref, {}),
    (Adamax, adamax_ref, {"lr": 0.1, "betas": (0.5, 0.7), "eps": 0.1, "weight_decay": 0.1}),
]


def _case_id(case):
    cls, _, kw = case
    return cls.__name__ + "(" + ",".join(f"{k}={v}" for k, v in kw.items()) + ")"


@pytest.mark.parametrize("case", CASES, ids=[_case_id(c) for c in CASES])
def test_three_steps_and_state_match_the_scalar_formula(case):
    cls, ref, kw = case
    params = [p.copy() for p in THETA0]
    opt = cls(params, **kw)
    history = []
    for grads in GRADS:
        opt.step(grads)
        history.append([p.copy() for p in params])
    assert opt.t == 3
    for i, theta0 in enumerate(THETA0):
        for idx in np.ndindex(theta0.shape):
            expected, state = ref(theta0[idx], [g[i][idx] for g in GRADS], **kw)
            got = [h[i][idx] for h in history]
            np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-15)
            for name, value in state.items():
                assert opt.state[i][name][idx] == pytest.approx(value, rel=1e-12, abs=1e-15), name


# --- numbers worked out by hand ----------------------------------------------------------------


def test_sgd_momentum_by_hand():
    # θ = 1, η = 0.1, μ = 0.9, g = 2 then −1:
    # b = 2, θ = 1 − 0.2 = 0.8;  b = 0.9·2 − 1 = 0.8, θ = 0.8 − 0.08 = 0.72
    theta = np.array([1.0])
    opt = SGD([theta], lr=0.1, momentum=0.9)
    opt.step([np.array([2.0])])
    assert theta[0] == pytest.approx(0.8)
    opt.step([np.array([-1.0])])
    assert theta[0] == pytest.approx(0.72)
    assert opt.state[0]["momentum_buffer"][0] == pytest.approx(0.8)


def test_sgd_nesterov_by_hand():
    # θ = 1, η = 0.1, μ = 0.5, g = 2 then 1:
    # b = 2, d = 2 + 0.5·2 = 3, θ = 0.7;  b = 0.5·2 + 1 = 2, d = 1 + 1 = 2, θ = 0.5
    theta = np.array([1.0])
    opt = SGD([theta], lr=0.1, momentum=0.5, nesterov=True)
    opt.step([np.array([2.0])])
    assert theta[0] == pytest.approx(0.7)
    opt.step([np.array([1.0])])
    assert theta[0] == pytest.approx(0.5)


def test_adam_first_step_is_lr_times_sign_by_hand():
    # t = 1: m̂ = g and v̂ = g², so θ ← θ − η g / (|g| + ε)
    g = np.array([3.0, -0.5, 1e-9])
    theta = np.zeros(3)
    Adam([theta], lr=0.1).step([g])
    np.testing.assert_allclose(theta, -0.1 * g / (np.abs(g) + 1e-8), rtol=1e-13)
    # the third weight: ε matters, 1e-9/(1e-9 + 1e-8) = 1/11
    assert theta[2] == pytest.approx(-0.1 / 11)


def test_adam_second_step_by_hand():
    # β = (0.5, 0.5), ε = 0, η = 1, g = 1 then 3:
    # m = 0.5, then 0.25 + 1.5 = 1.75 → m̂ = 1.75/0.75 = 7/3
    # v = 0.5, then 0.25 + 4.5 = 4.75 → v̂ = 4.75/0.75 = 19/3
    # step 2 moves by (7/3)/√(19/3)
    theta = np.zeros(1)
    opt = Adam([theta], lr=1.0, betas=(0.5, 0.5), eps=0.0)
    opt.step([np.ones(1)])
    assert theta[0] == pytest.approx(-1.0)
    opt.step([np.full(1, 3.0)])
    assert theta[0] == pytest.approx(-1.0 - (7 / 3) / math.sqrt(19 / 3))
    assert opt.state[0]["exp_avg"][0] == pytest.approx(1.75)
    assert opt.state[0]["exp_avg_sq"][0] == pytest.approx(4.75)


def test_amsgrad_divides_by_the_running_max_by_hand():
    # β = (0, 0.5), ε = 0: v = 0.5·16 = 8 after g = 4; then g = 0 → v = 4, v_max stays 8,
    # and m = 0, so θ does not move; then g = 1: v = 2.5, v_max = 8, m = 1,
    # θ moves by 1/√(8/(1 − 0.125)) = 1/√(64/7)
    theta = np.zeros(1)
    opt = Adam([theta], lr=1.0, betas=(0.0, 0.5), eps=0.0, amsgrad=True)
    opt.step([np.full(1, 4.0)])
    before = theta.copy()
    opt.step([np.zeros(1)])
    assert theta[0] == before[0]
    opt.step([np.ones(1)])
    assert theta[0] == pytest.approx(before[0] - 1 / math.sqrt(64 / 7))
    assert opt.state[0]["max_exp_avg_sq"][0] == pytest.approx(8.0)


def test_adagrad_lr_decay_by_hand():
    # η = 1, δ = 1, ε = 0, g = 1 every step: G = t, η_t = 1/t, step_t = (1/t)/√t
    theta = np.zeros(1)
    opt = Adagrad([theta], lr=1.0, lr_decay=1.0, eps=0.0)
    for _ in range(3):
        opt.step([np.ones(1)])
    assert theta[0] == pytest.approx(-(1 + 1 / (2 * math.sqrt(2)) + 1 / (3 * math.sqrt(3))))


def test_rmsprop_first_step_by_hand():
    # v = (1 − α) g² → step = η g / (√(1 − α) |g| + ε); α = 0.75, ε = 0: step = η / 0.5 · sign(g)
    theta = np.zeros(2)
    RMSprop([theta], lr=0.1, alpha=0.75, eps=0.0).step([np.array([5.0, -0.01])])
    np.testing.assert_allclose(theta, [-0.2, 0.2])


def test_rmsprop_centered_first_step_by_hand():
    # centered: v − ḡ² = (1 − α) g² − (1 − α)² g² = α(1 − α) g²; α = 0.5 → |g|/2, step 2η·sign(g)
    theta = np.zeros(1)
    RMSprop([theta], lr=0.1, alpha=0.5, eps=0.0, centered=True).step([np.array([3.0])])
    assert theta[0] == pytest.approx(-0.2)


def test_adadelta_first_step_by_hand():
    # v = (1 − ρ) g², Δ = √ε / √((1 − ρ) g² + ε) · g; ρ = 0.5, ε = 1, g = 1: Δ = 1/√1.5
    theta = np.zeros(1)
    opt = Adadelta([theta], rho=0.5, eps=1.0)
    opt.step([np.ones(1)])
    assert theta[0] == pytest.approx(-1 / math.sqrt(1.5))
    assert opt.state[0]["acc_delta"][0] == pytest.approx(0.5 / 1.5)


def test_adamax_by_hand():
    # β = (0.5, 0.5), ε = 0: g = 2 → m = 1, u = 2, step = 1/(1 − 0.5) · 1/2 = 1
    # g = −1 → m = 0, u = max(1, 1) = 1 → no move
    theta = np.zeros(1)
    opt = Adamax([theta], lr=1.0, betas=(0.5, 0.5), eps=0.0)
    opt.step([np.full(1, 2.0)])
    assert theta[0] == pytest.approx(-1.0)
    opt.step([np.full(1, -1.0)])
    assert theta[0] == pytest.approx(-1.0)
    assert opt.state[0]["exp_inf"][0] == pytest.approx(1.0)


# --- behaviour over many steps -----------------------------------------------------------------


def _run(opt_cls, landscape, x0, steps, **kw):
    x = np.array(x0, dtype=float)
    opt = opt_cls([x], **kw)
    for _ in range(steps):
        opt.step([landscape.gradient(x)])
    return x


@pytest.mark.parametrize("angle", [0.0, 0.7])
def test_gradient_descent_converges_below_two_over_lambda_max_and_diverges_above(angle):
    bowl = Quadratic(eigenvalues=(1.0, 10.0), angle=angle, center=(0.5, -0.5))
    x0 = bowl.center + np.array([1.0, 1.0])
    limit = 2 / 10.0
    near = _run(SGD, bowl, x0, 200, lr=0.95 * limit)
    far = _run(SGD, bowl, x0, 60, lr=1.05 * limit)
    assert np.linalg.norm(near - bowl.center) < 1e-6
    assert np.linalg.norm(far - bowl.center) > 10 * np.linalg.norm(x0 - bowl.center)


def test_gradient_descent_with_the_optimal_step_solves_a_round_bowl_in_one_step():
    # the convergence slides: η_opt = 1/λ reaches the minimum of a round quadratic at once
    bowl = Quadratic(eigenvalues=(4.0, 4.0), center=(1.0, 2.0))
    x = _run(SGD, bowl, [-3.0, 5.0], 1, lr=1 / 4.0)
    np.testing.assert_allclose(x, bowl.center, atol=1e-14)


@pytest.mark.parametrize(
    "cls, kw",
    [
        (SGD, {"lr": 0.05, "momentum": 0.9}),
        (SGD, {"lr": 0.05, "momentum": 0.9, "nesterov": True}),
        (Adagrad, {"lr": 0.5}),
        (RMSprop, {"lr": 0.01}),
        (Adadelta, {"lr": 1.0, "eps": 1e-4}),
        (Adam, {"lr": 0.05}),
        (Adamax, {"lr": 0.05}),
    ],
)
def test_every_method_approaches_the_minimum_of_an_ill_conditioned_bowl(cls, kw):
    bowl = Quadratic(eigenvalues=(1.0, 20.0), angle=0.3)
    x0 = np.array([1.5, -1.0])
    x = _run(cls, bowl, x0, 500, **kw)
    assert bowl.value(x) < 1e-2 * bowl.value(x0)


# --- the lectures' forms give the same iterates ------------------------------------------------

BOWL = Quadratic(eigenvalues=(0.5, 4.0), angle=0.4, center=(0.3, -0.2))
X0 = np.array([2.0, 1.5])


def _iterates(cls, steps, **kw):
    x = X0.copy()
    opt = cls([x], **kw)
    out = [x.copy()]
    for _ in range(steps):
        opt.step([BOWL.gradient(x)])
        out.append(x.copy())
    return np.array(out)


def test_lecture_momentum_velocity_form_gives_the_same_iterates():
    lecture = lecture_forms.momentum(BOWL.gradient, X0, lr=0.1, mu=0.9, steps=60)
    ours = _iterates(SGD, 60, lr=0.1, momentum=0.9)
    np.testing.assert_allclose(ours, lecture, rtol=1e-11, atol=1e-13)
    assert not np.allclose(ours, _iterates(SGD, 60, lr=0.1))  # momentum changes the path


def test_lecture_nesterov_look_ahead_points_are_torch_form_iterates():
    thetas, lookaheads = lecture_forms.nesterov(BOWL.gradient, X0, lr=0.1, mu=0.9, steps=60)
    ours = _iterates(SGD, 60, lr=0.1, momentum=0.9, nesterov=True)
    np.testing.assert_allclose(ours, lookaheads, rtol=1e-11, atol=1e-13)
    # the mapping is not trivial: θ_t and θ_t + μv_t differ along the way, and
    # Nesterov differs from plain momentum
    assert np.max(np.abs(thetas - lookaheads)) > 1e-2
    assert not np.allclose(ours, _iterates(SGD, 60, lr=0.1, momentum=0.9))


def test_lecture_adadelta_without_learning_rate_is_lr_one():
    lecture = lecture_forms.adadelta(BOWL.gradient, X0, rho=0.95, eps=1e-6, steps=100)
    ours = _iterates(Adadelta, 100, lr=1.0, rho=0.95, eps=1e-6)
    np.testing.assert_allclose(ours, lecture, rtol=1e-12, atol=1e-14)
    assert np.linalg.norm(lecture[-1] - lecture[0]) > 1e-3  # it does move
