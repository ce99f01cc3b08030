"""Realistic mistakes in assignment 6 (adaptive learning rates).

Several variants agree with the visible tests (ε in the wrong place only matters when ε
is not negligible; a forgotten learning rate only when lr ≠ 1; in-place updates only when
the caller keeps its arrays): the hidden tests alone must catch them.
"""

from samples.variants import Alternative, Variant

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
    Variant(
        "rmsprop-stores-into-the-given-state",  # right numbers, but rewrites the caller's dict
        *RMSPROP,
        "def rmsprop_step(theta, g, state, lr=0.01, alpha=0.99, eps=1e-8):\n"
        "    v = state.get('square_avg', np.zeros_like(theta))\n"
        "    state['square_avg'] = alpha * v + (1 - alpha) * g * g\n"
        "    return theta - lr * g / (np.sqrt(state['square_avg']) + eps), state\n",
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


# --- correct solutions in other styles than the reference ------------------------------------
ALTERNATIVES = [
    Alternative(
        "elementwise-loops-and-dict-calls",
        {
            "adagrad-step": "import math\n\n\n"
            "def adagrad_step(theta, g, state, lr=0.01, eps=1e-10):\n"
            "    G = np.zeros(np.shape(theta))\n"
            "    if 'sum' in state:\n"
            "        G = np.array(state['sum'], dtype=float)\n"
            "    new_theta = np.array(theta, dtype=float)  # a copy, updated in place below\n"
            "    for i in np.ndindex(new_theta.shape):  # one entry at a time\n"
            "        G[i] += float(g[i]) ** 2\n"
            "        new_theta[i] -= lr * g[i] / (math.sqrt(G[i]) + eps)\n"
            "    return [new_theta, dict(sum=G)]  # a list pair, a dict(...) state\n",
            "rmsprop-step": "def rmsprop_step(theta, g, state, lr=0.01, alpha=0.99, eps=1e-8):\n"
            "    v = np.zeros(np.shape(theta)) if not state else np.copy(state['square_avg'])\n"
            "    new_theta = np.copy(theta)\n"
            "    for i in np.ndindex(v.shape):\n"
            "        v[i] = alpha * v[i] + (1.0 - alpha) * g[i] * g[i]\n"
            "        new_theta[i] = theta[i] - lr * g[i] / (math.sqrt(v[i]) + eps)\n"
            "    return [new_theta, dict(square_avg=v)]\n",
            "adadelta-step": "def adadelta_step(theta, g, state, lr=1.0, rho=0.9, eps=1e-6):\n"
            "    shape = np.shape(theta)\n"
            "    v = np.copy(state.get('square_avg', np.zeros(shape)))\n"
            "    u = np.copy(state.get('acc_delta', np.zeros(shape)))\n"
            "    new_theta = np.copy(theta)\n"
            "    for i in np.ndindex(shape):\n"
            "        v[i] = rho * v[i] + (1 - rho) * g[i] ** 2\n"
            "        step = math.sqrt((u[i] + eps) / (v[i] + eps)) * g[i]  # one root\n"
            "        u[i] = rho * u[i] + (1 - rho) * step**2\n"
            "        new_theta[i] -= lr * step\n"
            "    return [new_theta, dict(square_avg=v, acc_delta=u)]\n",
            "adam-step": "def adam_step(theta, g, state, lr=0.001, betas=(0.9, 0.999), eps=1e-8):\n"
            "    b1, b2 = betas\n"
            "    t = int(state.get('step', 0)) + 1\n"
            "    m = np.copy(state['exp_avg']) if state else np.zeros(np.shape(theta))\n"
            "    v = np.copy(state['exp_avg_sq']) if state else np.zeros(np.shape(theta))\n"
            "    new_theta = np.copy(theta)\n"
            "    c1, c2 = 1 - b1**t, 1 - b2**t\n"
            "    for i in np.ndindex(m.shape):\n"
            "        m[i] = b1 * m[i] + (1 - b1) * g[i]\n"
            "        v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i]\n"
            "        new_theta[i] -= lr * (m[i] / c1) / (math.sqrt(v[i] / c2) + eps)\n"
            "    return [new_theta, dict(step=t, exp_avg=m, exp_avg_sq=v)]\n",
            "adamax-step": "def adamax_step(theta, g, state, lr=0.002, betas=(0.9, 0.999),"
            " eps=1e-8):\n"
            "    b1, b2 = betas\n"
            "    t = state.get('step', 0) + 1\n"
            "    m = np.copy(state.get('exp_avg', np.zeros(np.shape(theta))))\n"
            "    u = np.copy(state.get('exp_inf', np.zeros(np.shape(theta))))\n"
            "    new_theta = np.copy(theta)\n"
            "    for i in np.ndindex(m.shape):\n"
            "        m[i] = b1 * m[i] + (1 - b1) * g[i]\n"
            "        u[i] = max(b2 * u[i], abs(g[i]) + eps)\n"
            "        new_theta[i] = theta[i] - lr * m[i] / ((1 - b1**t) * u[i])\n"
            "    return [new_theta, dict(step=t, exp_avg=m, exp_inf=u)]\n",
        },
        "elementwise Python loops on copies, math.sqrt, list pairs, dict(...) states",
    ),
    Alternative(
        "helpers-cell-prints-and-other-mappings",
        {
            "adagrad-step": "def adagrad_step(theta, g, state, lr=0.01, eps=1e-10):\n"
            "    G = array_or_zeros(state, 'sum', theta)\n"
            "    G += np.square(g)  # in place, on a copy\n"
            "    scale = lr / (np.sqrt(G) + eps)\n"
            "    print('adagrad: largest move', np.max(np.abs(scale * g)))\n"
            "    # a read-only mapping that also counts the calls\n"
            "    return theta - scale * g, MappingProxyType({'sum': G, 'calls':"
            " state.get('calls', 0) + 1})\n",
            "rmsprop-step": "def rmsprop_step(theta, g, state, lr=0.01, alpha=0.99, eps=1e-8):\n"
            "    v = running_mean(array_or_zeros(state, 'square_avg', theta), g**2, alpha)\n"
            "    return theta - lr * (g / (v**0.5 + eps)), OrderedDict(square_avg=v)\n",
            "adadelta-step": "def adadelta_step(theta, g, state, lr=1.0, rho=0.9, eps=1e-6):\n"
            "    v = running_mean(array_or_zeros(state, 'square_avg', theta), g * g, rho)\n"
            "    u_old = array_or_zeros(state, 'acc_delta', theta)\n"
            "    delta = g * np.sqrt(u_old + eps) / np.sqrt(v + eps)\n"
            "    new_state = dict(square_avg=v)\n"
            "    new_state['acc_delta'] = running_mean(u_old, delta**2, rho)\n"
            "    return theta - lr * delta, new_state\n",
            "adam-step": "def adam_step(theta, g, state, lr=0.001, betas=(0.9, 0.999), eps=1e-8):\n"
            "    beta1, beta2 = betas\n"
            "    t = state.get('step', 0) + 1\n"
            "    m = running_mean(array_or_zeros(state, 'exp_avg', theta), g, beta1)\n"
            "    v = running_mean(array_or_zeros(state, 'exp_avg_sq', theta), g * g, beta2)\n"
            "    denom = np.sqrt(v) / np.sqrt(1 - beta2**t) + eps  # sqrt(v_hat), another order\n"
            "    step = (lr / (1 - beta1**t)) * m / denom\n"
            "    print(f'adam step {t}: |step| <= {np.abs(step).max():.3g}')\n"
            "    return theta - step, {'step': t, 'exp_avg': m, 'exp_avg_sq': v}\n",
            "adamax-step": "def adamax_step(theta, g, state, lr=0.002, betas=(0.9, 0.999),"
            " eps=1e-8):\n"
            "    beta1, beta2 = betas\n"
            "    t = state['step'] + 1 if state else 1\n"
            "    m = running_mean(array_or_zeros(state, 'exp_avg', theta), g, beta1)\n"
            "    u = np.fmax(beta2 * array_or_zeros(state, 'exp_inf', theta), np.abs(g) + eps)\n"
            "    return theta - lr * m / u / (1 - beta1**t), {'step': t, 'exp_avg': m,"
            " 'exp_inf': u}\n",
        },
        "helpers in an extra cell, debug prints, MappingProxyType/OrderedDict states with an "
        "extra key, sqrt(v_hat) as sqrt(v) / sqrt(1 - beta2^t)",
        added=(
            (
                "imports",
                "from collections import OrderedDict\n"
                "from types import MappingProxyType\n\n\n"
                "def running_mean(old, new, decay):\n"
                '    """My helper: the exponentially weighted mean decay * old + (1 - decay) *'
                ' new."""\n'
                "    return decay * old + (1.0 - decay) * new\n\n\n"
                "def array_or_zeros(state, key, theta):\n"
                '    """A copy of state[key], or zeros before the first step."""\n'
                "    if key in state:\n"
                "        return np.array(state[key], dtype=float)\n"
                "    return np.zeros_like(theta, dtype=float)\n",
            ),
        ),
    ),
    Alternative(
        "torch-style-copies-updated-in-place",
        {
            "adagrad-step": "def adagrad_step(theta, g, state, lr=0.01, eps=1e-10):\n"
            "    # copy the whole state, then update the copies in place, as torch does\n"
            "    new_state = {key: value.copy() for key, value in state.items()}\n"
            "    new_state.setdefault('sum', np.zeros_like(theta))\n"
            "    G = new_state['sum']\n"
            "    np.add(G, g * g, out=G)\n"
            "    new_theta = theta.copy()\n"
            "    new_theta -= lr * g / (np.sqrt(G) + eps)\n"
            "    return new_theta, new_state\n",
            "rmsprop-step": "import copy\n\n\n"
            "def rmsprop_step(theta, g, state, lr=0.01, alpha=0.99, eps=1e-8):\n"
            "    new_state = copy.deepcopy(dict(state)) if state else {'square_avg':"
            " np.zeros_like(theta)}\n"
            "    v = new_state['square_avg']\n"
            "    v *= alpha\n"
            "    v += (1 - alpha) * np.square(g)\n"
            "    return theta - lr * g / np.add(np.sqrt(v), eps), new_state\n",
            "adadelta-step": "def adadelta_step(theta, g, state, lr=1.0, rho=0.9, eps=1e-6):\n"
            "    new_state = {k: np.array(v, copy=True) for k, v in state.items()}\n"
            "    v = new_state.setdefault('square_avg', np.zeros_like(theta))\n"
            "    u = new_state.setdefault('acc_delta', np.zeros_like(theta))\n"
            "    v *= rho\n"
            "    v += (1 - rho) * g * g\n"
            "    delta = np.sqrt(np.divide(u + eps, v + eps)) * g\n"
            "    u *= rho\n"
            "    u += (1 - rho) * np.square(delta)\n"
            "    return theta - lr * delta, new_state\n",
            "adam-step": "from collections import namedtuple\n\n"
            "Step = namedtuple('Step', 'theta state')  # still a pair\n\n\n"
            "def adam_step(theta, g, state, lr=0.001, betas=(0.9, 0.999), eps=1e-8):\n"
            "    beta1, beta2 = betas\n"
            "    t = np.int64(state.get('step', 0)) + 1  # a numpy integer\n"
            "    m = np.copy(state['exp_avg']) if 'exp_avg' in state else np.zeros_like(theta)\n"
            "    v = np.copy(state['exp_avg_sq']) if 'exp_avg_sq' in state else"
            " np.zeros_like(theta)\n"
            "    m *= beta1\n"
            "    m += (1 - beta1) * g\n"
            "    v *= beta2\n"
            "    v += (1 - beta2) * g**2\n"
            "    m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)\n"
            "    new_theta = theta - lr * m_hat / (np.sqrt(v_hat) + eps)\n"
            "    return Step(new_theta, dict(step=t, exp_avg=m, exp_avg_sq=v))\n",
            "adamax-step": "def adamax_step(theta, g, state, lr=0.002, betas=(0.9, 0.999),"
            " eps=1e-8):\n"
            "    beta1, beta2 = np.float64(betas[0]), np.float64(betas[1])\n"
            "    new_state = {k: np.copy(v) for k, v in state.items()}\n"
            "    t = new_state.get('step', 0) + 1\n"
            "    m = new_state.get('exp_avg', np.zeros_like(theta))\n"
            "    u = new_state.get('exp_inf', np.zeros_like(theta))\n"
            "    m *= beta1\n"
            "    m += (1 - beta1) * g\n"
            "    np.maximum(beta2 * u, np.abs(g) + eps, out=u)\n"
            "    new_state.update(step=t, exp_avg=m, exp_inf=u)\n"
            "    return theta - (lr / (1 - beta1**t)) * (m / u), new_state\n",
        },
        "torch-style: copy the state, update the copies in place (out=, *=), numpy scalars, "
        "a namedtuple pair",
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
