"""Realistic mistakes in assignment 6 (adaptive learning rates).

Several variants agree with the visible tests (ε in the wrong place only matters when ε
is not negligible; a forgotten learning rate only when lr ≠ 1; in-place updates only when
the caller keeps its arrays): the hidden tests alone must catch them.
"""

from variants import Variant

ASSIGNMENT = "06-adaptive"

ADAGRAD = "adagrad-step", "adagrad-step-tests"
RMSPROP = "rmsprop-step", "rmsprop-step-tests"
ADADELTA = "adadelta-step", "adadelta-step-tests"
ADAM = "adam-step", "adam-step-tests"
ADAMAX = "adamax-step", "adamax-step-tests"

_ADAGRAD_HEAD = "def adagrad_step(theta, g, state, lr=0.01, eps=1e-10):\n"
_RMSPROP_HEAD = (
    "def rmsprop_step(theta, g, state, lr=0.01, alpha=0.99, eps=1e-8):\n"
    "    v = state['square_avg'] if state else np.zeros_like(theta)\n"
)
_ADADELTA_HEAD = (
    "def adadelta_step(theta, g, state, lr=1.0, rho=0.9, eps=1e-6):\n"
    "    if state:\n"
    "        v, u = state['square_avg'], state['acc_delta']\n"
    "    else:\n"
    "        v, u = np.zeros_like(theta), np.zeros_like(theta)\n"
    "    v = rho * v + (1 - rho) * g * g\n"
)
_ADAM_HEAD = (
    "def adam_step(theta, g, state, lr=0.001, betas=(0.9, 0.999), eps=1e-8):\n"
    "    beta1, beta2 = betas\n"
    "    if state:\n"
    "        t, m, v = state['step'], state['exp_avg'], state['exp_avg_sq']\n"
    "    else:\n"
    "        t, m, v = 0, np.zeros_like(theta), np.zeros_like(theta)\n"
)
_ADAMAX_HEAD = (
    "def adamax_step(theta, g, state, lr=0.002, betas=(0.9, 0.999), eps=1e-8):\n"
    "    beta1, beta2 = betas\n"
    "    if state:\n"
    "        t, m, u = state['step'], state['exp_avg'], state['exp_inf']\n"
    "    else:\n"
    "        t, m, u = 0, np.zeros_like(theta), np.zeros_like(theta)\n"
    "    t = t + 1\n"
    "    m = beta1 * m + (1 - beta1) * g\n"
)

VARIANTS = [
    # --- part 1: AdaGrad ------------------------------------------------------------------
    Variant(
        "adagrad-accumulates-g",  # sums the gradients, not their squares
        *ADAGRAD,
        _ADAGRAD_HEAD + "    G = state['sum'] if state else np.zeros_like(theta)\n"
        "    G = G + g\n"
        "    return theta - lr * g / (np.sqrt(G) + eps), {'sum': G}\n",
    ),
    Variant(
        "adagrad-eps-inside-sqrt",  # sqrt(G + eps): negligible for the visible tests' eps
        *ADAGRAD,
        _ADAGRAD_HEAD + "    G = state['sum'] if state else np.zeros_like(theta)\n"
        "    G = G + g * g\n"
        "    return theta - lr * g / np.sqrt(G + eps), {'sum': G}\n",
    ),
    Variant(
        "adagrad-forgets-the-history",  # G = g² of the current step only (sign descent)
        *ADAGRAD,
        _ADAGRAD_HEAD + "    G = g * g\n"
        "    return theta - lr * g / (np.sqrt(G) + eps), {'sum': G}\n",
    ),
    Variant(
        "adagrad-updates-in-place",  # right numbers, but overwrites the caller's arrays
        *ADAGRAD,
        _ADAGRAD_HEAD + "    G = state['sum'] if state else np.zeros_like(theta)\n"
        "    G += g * g\n"
        "    theta -= lr * g / (np.sqrt(G) + eps)\n"
        "    return theta, {'sum': G}\n",
    ),
    # --- part 2: RMSprop ------------------------------------------------------------------
    Variant(
        "rmsprop-alpha-swapped",  # v = (1 - α) v + α g²
        *RMSPROP,
        _RMSPROP_HEAD + "    v = (1 - alpha) * v + alpha * g * g\n"
        "    return theta - lr * g / (np.sqrt(v) + eps), {'square_avg': v}\n",
    ),
    Variant(
        "rmsprop-eps-inside-sqrt",  # sqrt(v + eps), the lecture's way, not torch's
        *RMSPROP,
        _RMSPROP_HEAD + "    v = alpha * v + (1 - alpha) * g * g\n"
        "    return theta - lr * g / np.sqrt(v + eps), {'square_avg': v}\n",
    ),
    Variant(
        "rmsprop-no-one-minus-alpha",  # v = α v + g²
        *RMSPROP,
        _RMSPROP_HEAD + "    v = alpha * v + g * g\n"
        "    return theta - lr * g / (np.sqrt(v) + eps), {'square_avg': v}\n",
    ),
    # --- part 3: AdaDelta -----------------------------------------------------------------
    Variant(
        "adadelta-accumulates-before-step",  # the applied step already uses the updated u
        *ADADELTA,
        _ADADELTA_HEAD + "    delta = np.sqrt(u + eps) / np.sqrt(v + eps) * g\n"
        "    u = rho * u + (1 - rho) * delta * delta\n"
        "    new_theta = theta - lr * np.sqrt(u + eps) / np.sqrt(v + eps) * g\n"
        "    return new_theta, {'square_avg': v, 'acc_delta': u}\n",
    ),
    Variant(
        "adadelta-eps-outside-denominator",  # sqrt(v) + eps below the fraction
        *ADADELTA,
        _ADADELTA_HEAD + "    delta = np.sqrt(u + eps) / (np.sqrt(v) + eps) * g\n"
        "    u = rho * u + (1 - rho) * delta * delta\n"
        "    return theta - lr * delta, {'square_avg': v, 'acc_delta': u}\n",
    ),
    Variant(
        "adadelta-ignores-lr",  # Zeiler's form: right only for lr = 1
        *ADADELTA,
        _ADADELTA_HEAD + "    delta = np.sqrt(u + eps) / np.sqrt(v + eps) * g\n"
        "    u = rho * u + (1 - rho) * delta * delta\n"
        "    return theta - delta, {'square_avg': v, 'acc_delta': u}\n",
    ),
    Variant(
        "adadelta-accumulates-scaled-step",  # u collects (lr Δ)² instead of Δ²
        *ADADELTA,
        _ADADELTA_HEAD + "    delta = lr * np.sqrt(u + eps) / np.sqrt(v + eps) * g\n"
        "    u = rho * u + (1 - rho) * delta * delta\n"
        "    return theta - delta, {'square_avg': v, 'acc_delta': u}\n",
    ),
    # --- part 4: Adam ---------------------------------------------------------------------
    Variant(
        "adam-no-bias-correction",
        *ADAM,
        _ADAM_HEAD + "    m = beta1 * m + (1 - beta1) * g\n"
        "    v = beta2 * v + (1 - beta2) * g * g\n"
        "    new_theta = theta - lr * m / (np.sqrt(v) + eps)\n"
        "    return new_theta, {'step': t + 1, 'exp_avg': m, 'exp_avg_sq': v}\n",
    ),
    Variant(
        "adam-bias-correction-t-from-zero",  # corrects with t before counting the step
        *ADAM,
        _ADAM_HEAD + "    m = beta1 * m + (1 - beta1) * g\n"
        "    v = beta2 * v + (1 - beta2) * g * g\n"
        "    m_hat = m / (1 - beta1**t)\n"
        "    v_hat = v / (1 - beta2**t)\n"
        "    new_theta = theta - lr * m_hat / (np.sqrt(v_hat) + eps)\n"
        "    return new_theta, {'step': t + 1, 'exp_avg': m, 'exp_avg_sq': v}\n",
    ),
    Variant(
        "adam-eps-inside-sqrt",  # sqrt(v_hat + eps): invisible with eps = 1e-8 and |g| ~ 1
        *ADAM,
        _ADAM_HEAD + "    t = t + 1\n"
        "    m = beta1 * m + (1 - beta1) * g\n"
        "    v = beta2 * v + (1 - beta2) * g * g\n"
        "    m_hat = m / (1 - beta1**t)\n"
        "    v_hat = v / (1 - beta2**t)\n"
        "    new_theta = theta - lr * m_hat / np.sqrt(v_hat + eps)\n"
        "    return new_theta, {'step': t, 'exp_avg': m, 'exp_avg_sq': v}\n",
    ),
    Variant(
        "delegates-to-gradlib",  # runs gradlib's Adam on a copy of the state
        *ADAM,
        "from gradlib.optim import Adam as _Adam\n\n\n"
        "def adam_step(theta, g, state, lr=0.001, betas=(0.9, 0.999), eps=1e-8):\n"
        "    theta = np.array(theta, dtype=float)\n"
        "    opt = _Adam([theta], lr=lr, betas=betas, eps=eps)\n"
        "    if state:\n"
        "        opt.t = state['step']\n"
        "        opt.state[0]['exp_avg'][...] = state['exp_avg']\n"
        "        opt.state[0]['exp_avg_sq'][...] = state['exp_avg_sq']\n"
        "    opt.step([g])\n"
        "    s = opt.state[0]\n"
        "    return theta, {'step': opt.t, 'exp_avg': s['exp_avg'].copy(),\n"
        "                   'exp_avg_sq': s['exp_avg_sq'].copy()}\n",
    ),
    # --- part 5: AdaMax -------------------------------------------------------------------
    Variant(
        "adamax-sum-instead-of-max",  # u = β2 u + |g| + ε: right at the first step
        *ADAMAX,
        _ADAMAX_HEAD + "    u = beta2 * u + np.abs(g) + eps\n"
        "    new_theta = theta - lr / (1 - beta1**t) * m / u\n"
        "    return new_theta, {'step': t, 'exp_avg': m, 'exp_inf': u}\n",
    ),
    Variant(
        "adamax-no-bias-correction",
        *ADAMAX,
        _ADAMAX_HEAD + "    u = np.maximum(beta2 * u, np.abs(g) + eps)\n"
        "    new_theta = theta - lr * m / u\n"
        "    return new_theta, {'step': t, 'exp_avg': m, 'exp_inf': u}\n",
    ),
    Variant(
        "adamax-eps-outside-max",  # max(β2 u, |g|) + ε: ε piles up in u
        *ADAMAX,
        _ADAMAX_HEAD + "    u = np.maximum(beta2 * u, np.abs(g)) + eps\n"
        "    new_theta = theta - lr / (1 - beta1**t) * m / u\n"
        "    return new_theta, {'step': t, 'exp_avg': m, 'exp_inf': u}\n",
    ),
    Variant(
        "adamax-corrects-u-like-v",  # divides u by 1 - β2^t as Adam does v
        *ADAMAX,
        _ADAMAX_HEAD + "    u = np.maximum(beta2 * u, np.abs(g) + eps)\n"
        "    u_hat = u / (1 - beta2**t)\n"
        "    new_theta = theta - lr / (1 - beta1**t) * m / u_hat\n"
        "    return new_theta, {'step': t, 'exp_avg': m, 'exp_inf': u}\n",
    ),
]


# --- random inputs for mutation testing ---------------------------------------------------
def _arrays(rng):
    shape = [(3,), (2, 2), (1,)][int(rng.integers(3))]
    scale = [1e-3, 1.0, 30.0][int(rng.integers(3))]
    return shape, rng.normal(size=shape), scale * rng.normal(size=shape)


def _positive(rng, shape):
    return rng.uniform(0.01, 2.0, size=shape)


def _probe(make_state, make_hp):
    def make_input(rng):
        shape, theta, g = _arrays(rng)
        state = make_state(rng, shape) if rng.random() < 0.6 else {}
        return (theta, g, state), make_hp(rng)

    return make_input


def _eps(rng):
    return [1e-8, 1e-3, 0.1][int(rng.integers(3))]


def _betas(rng):
    return (float(rng.uniform(0.0, 0.95)), float(rng.uniform(0.5, 0.999)))


PROBES = {
    "adagrad_step": _probe(
        lambda rng, s: {"sum": _positive(rng, s)},
        lambda rng: {"lr": float(rng.uniform(0.01, 1.0)), "eps": _eps(rng)},
    ),
    "rmsprop_step": _probe(
        lambda rng, s: {"square_avg": _positive(rng, s)},
        lambda rng: {
            "lr": float(rng.uniform(0.01, 1.0)),
            "alpha": float(rng.uniform(0.6, 0.99)),
            "eps": _eps(rng),
        },
    ),
    "adadelta_step": _probe(
        lambda rng, s: {"square_avg": _positive(rng, s), "acc_delta": _positive(rng, s)},
        lambda rng: {
            "lr": float(rng.uniform(0.1, 3.0)),
            "rho": float(rng.uniform(0.6, 0.99)),
            "eps": _eps(rng),
        },
    ),
    "adam_step": _probe(
        lambda rng, s: {
            "step": int(rng.integers(1, 20)),
            "exp_avg": rng.normal(size=s),
            "exp_avg_sq": _positive(rng, s),
        },
        lambda rng: {"lr": float(rng.uniform(0.001, 0.3)), "betas": _betas(rng), "eps": _eps(rng)},
    ),
    "adamax_step": _probe(
        lambda rng, s: {
            "step": int(rng.integers(1, 20)),
            "exp_avg": rng.normal(size=s),
            "exp_inf": _positive(rng, s),
        },
        lambda rng: {"lr": float(rng.uniform(0.001, 0.3)), "betas": _betas(rng), "eps": _eps(rng)},
    ),
}
