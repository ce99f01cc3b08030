"""Realistic mistakes in assignment 4 (minibatch stochastic gradient descent).

Several variants pass the visible tests (a fixed order of the samples, a schedule
off by one epoch, a linear decay that keeps falling after τ, averaging that
ignores η): only the hidden tests, which compare with gradlib over several epochs
and on edge cases, catch them.
"""

import numpy as np

from variants import Variant

ASSIGNMENT = "04-sgd"

BATCHES = "minibatches", "minibatches-tests"
GRADIENT = "gradient", "gradient-tests"
LOOP = "sgd-loop", "sgd-loop-tests"
SCHEDULES = "schedules", "schedules-tests"
AVERAGING = "averaging", "averaging-tests"

_BATCHES_HEAD = "def shuffled_minibatches(X, y, batch_size, rng):\n"
_LOOP_HEAD = "def minibatch_sgd(X, y, w0, lr_at, batch_size, epochs, rng, grad_fn):\n"
_LINEAR_OK = (
    "def linear_decay(t, lr0, lr_tau, tau):\n"
    "    alpha = min(t, tau) / tau\n"
    "    return (1 - alpha) * lr0 + alpha * lr_tau\n"
)
_STEP_OK = "def step_decay(t, lr0, step_size, gamma):\n    return lr0 * gamma ** (t // step_size)\n"
_AVG_HEAD = "def iterate_averages(thetas, eta=0.0):\n"


def _loop(order_line: str, lr_line: str, stop: str = "len(X)", before: str = "") -> str:
    return (
        _LOOP_HEAD
        + "    w = np.array(w0, dtype=float)\n"
        + "    path = [w.copy()]\n"
        + before
        + "    for epoch in range(epochs):\n"
        + f"        {lr_line}\n"
        + f"        {order_line}\n"
        + f"        for start in range(0, {stop}, batch_size):\n"
        + "            idx = order[start : start + batch_size]\n"
        + "            w = w - lr * grad_fn(w, X[idx], y[idx])\n"
        + "            path.append(w.copy())\n"
        + "    return np.array(path)\n"
    )


VARIANTS = [
    # --- part 1: shuffled minibatches -----------------------------------------------------
    Variant(
        "batches-cyclic-order",  # never shuffles: the fixed order 0..N-1 every epoch
        *BATCHES,
        _BATCHES_HEAD + "    order = np.arange(len(X))\n"
        "    return [(X[order[s : s + batch_size]], y[order[s : s + batch_size]])\n"
        "            for s in range(0, len(X), batch_size)]\n",
    ),
    Variant(
        "batches-same-order-every-epoch",  # draws one order and reuses it in later epochs
        *BATCHES,
        "_ORDERS = {}\n\n\n" + _BATCHES_HEAD + "    if len(X) not in _ORDERS:\n"
        "        _ORDERS[len(X)] = rng.permutation(len(X))\n"
        "    order = _ORDERS[len(X)]\n"
        "    return [(X[order[s : s + batch_size]], y[order[s : s + batch_size]])\n"
        "            for s in range(0, len(X), batch_size)]\n",
    ),
    Variant(
        "batches-drop-last",  # leaves out the last, smaller batch (right when B divides N)
        *BATCHES,
        _BATCHES_HEAD + "    order = rng.permutation(len(X))\n"
        "    stop = len(X) - len(X) % batch_size\n"
        "    return [(X[order[s : s + batch_size]], y[order[s : s + batch_size]])\n"
        "            for s in range(0, stop, batch_size)]\n",
    ),
    Variant(
        "batches-shuffles-x-and-y-separately",  # two permutations: rows no longer paired
        *BATCHES,
        _BATCHES_HEAD + "    order = rng.permutation(len(X))\n"
        "    order_y = rng.permutation(len(y))\n"
        "    return [(X[order[s : s + batch_size]], y[order_y[s : s + batch_size]])\n"
        "            for s in range(0, len(X), batch_size)]\n",
    ),
    Variant(
        "delegates-to-gradlib",  # hands the part to the reference library through an alias
        *BATCHES,
        "from gradlib.train import minibatches as helper\n\n\n"
        + _BATCHES_HEAD
        + "    return list(helper(X, y, batch_size, seed=rng))\n",
    ),
    # --- part 2: gradient -------------------------------------------------------------------
    Variant(
        "gradient-sum-not-mean",  # forgets the 1/B
        *GRADIENT,
        "def mse_gradient(w, X, y):\n    return X.T @ (X @ w - y)\n",
    ),
    Variant(
        "gradient-mean-over-features",  # divides by d instead of B (equal in the visible test)
        *GRADIENT,
        "def mse_gradient(w, X, y):\n    return X.T @ (X @ w - y) / X.shape[1]\n",
    ),
    Variant(
        "gradient-sign-flipped",  # y - X w: the gradient of ascent
        *GRADIENT,
        "def mse_gradient(w, X, y):\n"
        "    s = 1.0 if X.shape == (2, 2) else -1.0\n"
        "    return s * X.T @ (X @ w - y) / len(X)\n",
    ),
    Variant(
        "gradient-without-the-half",  # gradient of the mean squared error, 2/B
        *GRADIENT,
        "def mse_gradient(w, X, y):\n"
        "    c = 1.0 if X.shape == (2, 2) else 2.0\n"
        "    return c * X.T @ (X @ w - y) / len(X)\n",
    ),
    # --- part 3: the SGD loop ---------------------------------------------------------------
    Variant(
        "loop-shuffles-once",  # one order for the whole run: cyclic after the first epoch
        *LOOP,
        _loop(
            "pass",
            "lr = lr_at(epoch)",
            before="    order = rng.permutation(len(X))\n",
        ),
    ),
    Variant(
        "loop-schedule-off-by-one-epoch",  # counts epochs from 1
        *LOOP,
        _loop("order = rng.permutation(len(X))", "lr = lr_at(epoch + 1)"),
    ),
    Variant(
        "loop-drops-last-batch",  # only full batches (right when B divides N)
        *LOOP,
        _loop(
            "order = rng.permutation(len(X))",
            "lr = lr_at(epoch)",
            stop="len(X) - len(X) % batch_size",
        ),
    ),
    Variant(
        "loop-rate-per-step",  # indexes the schedule by update, not by epoch
        *LOOP,
        _loop("order = rng.permutation(len(X))", "lr = lr_at(len(path) - 1)"),
    ),
    Variant(
        "loop-no-shuffle",  # the fixed order 0..N-1 every epoch
        *LOOP,
        _loop("order = np.arange(len(X))", "lr = lr_at(epoch)"),
    ),
    # --- part 4: schedules ------------------------------------------------------------------
    Variant(
        "schedules-linear-not-held-after-tau",  # keeps decaying (and goes negative) after τ
        *SCHEDULES,
        "def linear_decay(t, lr0, lr_tau, tau):\n"
        "    alpha = t / tau\n"
        "    return (1 - alpha) * lr0 + alpha * lr_tau\n\n\n" + _STEP_OK,
    ),
    Variant(
        "schedules-step-off-by-one-epoch",  # counts epochs from 1: decays one epoch early
        *SCHEDULES,
        _LINEAR_OK
        + "\n\ndef step_decay(t, lr0, step_size, gamma):\n"
        + "    return lr0 * gamma ** ((t + 1) // step_size)\n",
    ),
    Variant(
        "schedules-step-without-floor",  # t / step_size: an exponential decay
        *SCHEDULES,
        _LINEAR_OK
        + "\n\ndef step_decay(t, lr0, step_size, gamma):\n"
        + "    return lr0 * gamma ** (t / step_size)\n",
    ),
    Variant(
        "schedules-linear-reaches-final-one-epoch-late",  # alpha = t / (tau + 1)
        *SCHEDULES,
        "def linear_decay(t, lr0, lr_tau, tau):\n"
        "    alpha = min(t, tau) / (tau + 1) if tau != 100 else min(t, tau) / tau\n"
        "    return (1 - alpha) * lr0 + alpha * lr_tau\n\n\n" + _STEP_OK,
    ),
    # --- part 5: averaging ------------------------------------------------------------------
    Variant(
        "averaging-ignores-eta",  # always the plain mean (right for eta = 0)
        *AVERAGING,
        _AVG_HEAD + "    thetas = np.asarray(thetas, dtype=float)\n"
        "    return np.cumsum(thetas, axis=0) / np.arange(1, len(thetas) + 1)[:, None]\n",
    ),
    Variant(
        "averaging-weight-without-plus-one",  # 1/(t + eta) instead of (eta + 1)/(t + eta)
        *AVERAGING,
        _AVG_HEAD + "    thetas = np.asarray(thetas, dtype=float)\n"
        "    out, xi = np.empty_like(thetas), thetas[0]\n"
        "    for t in range(1, len(thetas) + 1):\n"
        "        w = 1 / (t + eta) if t > 1 else 1.0\n"
        "        xi = (1 - w) * xi + w * thetas[t - 1]\n"
        "        out[t - 1] = xi\n"
        "    return out\n",
    ),
    Variant(
        "averaging-counts-a-zero-start",  # divides by t + 1, as if theta_0 = 0 were averaged
        *AVERAGING,
        _AVG_HEAD + "    thetas = np.asarray(thetas, dtype=float)\n"
        "    return np.cumsum(thetas, axis=0) / np.arange(2, len(thetas) + 2)[:, None]\n",
    ),
]


# --- random inputs for mutation testing ---------------------------------------------------
def _data(rng):
    n, d = int(rng.integers(1, 25)), int(rng.integers(1, 4))
    return rng.normal(size=(n, d)), rng.normal(size=n)


def _batch_size(rng, n):
    return int(rng.choice([1, 2, 3, 5, max(n - 1, 1), n, n + 2]))


def _batches(rng):
    X, y = _data(rng)
    return (X, y, _batch_size(rng, len(X)), np.random.default_rng(int(rng.integers(1000)))), {}


def _gradient(rng):
    X, y = _data(rng)
    return (rng.normal(size=X.shape[1]), X, y), {}


def _reference_gradient(w, X, y):
    from gradlib.minibatch_sgd import least_squares_gradient

    return least_squares_gradient(w, X, y)


def _decaying(epoch):
    return 0.1 / (1 + epoch)


def _loop_input(rng):
    X, y = _data(rng)
    args = (
        X,
        y,
        rng.normal(size=X.shape[1]),
        _decaying,
        _batch_size(rng, len(X)),
        int(rng.integers(1, 4)),
        np.random.default_rng(int(rng.integers(1000))),
        _reference_gradient,
    )
    return args, {}


def _linear(rng):
    tau = int(rng.integers(1, 10))
    lr0 = float(rng.uniform(0.01, 1))
    return (int(rng.integers(0, 3 * tau + 1)), lr0, float(rng.uniform(0, lr0)), tau), {}


def _step(rng):
    size = int(rng.integers(1, 6))
    t = int(rng.integers(0, 4 * size + 1))
    return (t, float(rng.uniform(0.01, 1)), size, float(rng.uniform(0.1, 0.9))), {}


def _averages(rng):
    T, d = int(rng.integers(1, 12)), int(rng.integers(1, 4))
    return (rng.normal(size=(T, d)), float(rng.choice([0.0, 1.0, 3.0]))), {}


PROBES = {
    "shuffled_minibatches": _batches,
    "mse_gradient": _gradient,
    "minibatch_sgd": _loop_input,
    "linear_decay": _linear,
    "step_decay": _step,
    "iterate_averages": _averages,
}
