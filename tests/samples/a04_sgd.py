"""Realistic mistakes in assignment 4 (minibatch stochastic gradient descent).

Several variants pass the visible tests (a fixed order of the samples, a schedule
off by one epoch, a linear decay that keeps falling after τ, averaging that
ignores η): only the hidden tests, which compare with gradlib over several epochs
and on edge cases, catch them.
"""

import numpy as np

from samples.variants import Alternative, Variant

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


# --- correct solutions in other styles than the reference ------------------------------------
ALTERNATIVES = [
    Alternative(
        "loops-and-python-scalars",
        {
            "minibatches": _BATCHES_HEAD + "    order = rng.permutation(len(y))\n"
            "    batches = []\n"
            "    start = 0\n"
            "    while start < len(order):  # a loop; each pair a list, rows gathered one by one\n"
            "        idx = order[start : start + batch_size]\n"
            "        xb, yb = np.array([X[i] for i in idx]), np.array([y[i] for i in idx])\n"
            "        batches.append([xb, yb])\n"
            "        start += batch_size\n"
            "    return batches\n",
            "gradient": "def mse_gradient(w, X, y):\n"
            "    total = np.zeros(len(w))\n"
            "    for x_i, y_i in zip(X, y):  # the sum of the per-sample gradients\n"
            "        total += (float(x_i @ w) - y_i) * x_i\n"
            "    return total / len(y)\n",
            "sgd-loop": _LOOP_HEAD + "    n_batches = -(-len(X) // batch_size)\n"
            "    path = np.empty((epochs * n_batches + 1, len(w0)))\n"
            "    w = np.copy(w0)\n"
            "    path[0] = w\n"
            "    k = 0\n"
            "    for epoch in range(epochs):\n"
            "        for xb, yb in shuffled_minibatches(X, y, batch_size, rng):  # part 1\n"
            "            w -= lr_at(epoch) * grad_fn(w, xb, yb)  # in place, on a copy\n"
            "            k += 1\n"
            "            path[k] = w\n"
            "    return path\n",
            "schedules": "import math\n\n\n"
            "def linear_decay(t, lr0, lr_tau, tau):\n"
            "    if t >= tau:\n"
            "        return lr_tau\n"
            "    return lr0 + (lr_tau - lr0) * t / tau  # another order\n\n\n"
            "def step_decay(t, lr0, step_size, gamma):\n"
            "    lr = lr0\n"
            "    for _ in range(math.floor(t / step_size)):  # one decay per completed step_size\n"
            "        lr *= gamma\n"
            "    return lr\n",
            "averaging": _AVG_HEAD + "    rows = [list(map(float, row)) for row in thetas]\n"
            "    xi = rows[0]\n"
            "    out = [xi]\n"
            "    for t in range(2, len(rows) + 1):  # Python lists and floats\n"
            "        a = (eta + 1) / (t + eta)\n"
            "        xi = [(1 - a) * x + a * r for x, r in zip(xi, rows[t - 1])]\n"
            "        out.append(xi)\n"
            "    return np.array(out)\n",
        },
        "Python loops and lists, list pairs, part 1 reused, in-place updates on a copy, "
        "Python scalars, another order of operations",
    ),
    Alternative(
        "vectorised-numpy-scalars-prints",
        {
            "minibatches": _BATCHES_HEAD + "    order = rng.permutation(X.shape[0])\n"
            "    pieces = np.array_split(order, range(batch_size, len(order), batch_size))\n"
            "    print(f'debug: {len(pieces)} batches of up to {batch_size} rows')\n"
            "    return [(X[p], y[p]) for p in pieces]\n",
            "gradient": "def mse_gradient(w, X, y):\n"
            "    residual = X @ w - y\n"
            "    return np.mean(residual[:, None] * X, axis=0)  # a mean of per-sample gradients\n",
            "sgd-loop": _LOOP_HEAD + "    rows = [np.array(w0, dtype=float)]\n"
            "    for epoch in range(epochs):\n"
            "        rows += sgd_epoch(X, y, rows[-1], lr_at(epoch), batch_size, rng, grad_fn)\n"
            "        print('epoch', epoch, 'ends at', rows[-1])\n"
            "    return np.vstack(rows)\n",
            "schedules": "def linear_decay(t, lr0, lr_tau, tau):\n"
            "    # a numpy scalar; np.interp holds the last value after tau\n"
            "    return np.interp(t, [0, tau], [lr0, lr_tau])\n\n\n"
            "def step_decay(t, lr0, step_size, gamma):\n"
            "    return lr0 * np.power(gamma, np.floor_divide(t, step_size))\n",
            "averaging": _AVG_HEAD
            + "    out = np.array(thetas, dtype=float)  # a copy, updated in place\n"
            "    for t in range(2, len(out) + 1):\n"
            "        out[t - 1] = out[t - 2] + (eta + 1) / (t + eta) * (out[t - 1] - out[t - 2])\n"
            "    return out\n",
        },
        "vectorised numpy, numpy scalars, debug prints, a helper in an extra cell",
        added=(
            (
                "sgd-loop",
                "def sgd_epoch(X, y, w, lr, batch_size, rng, grad_fn):\n"
                '    """My helper: the weights after each update of one epoch."""\n'
                "    order = rng.permutation(len(X))\n"
                "    out = []\n"
                "    for start in range(0, len(X), batch_size):\n"
                "        idx = order[start : start + batch_size]\n"
                "        w = w - lr * np.asarray(grad_fn(w, X[idx], y[idx]))\n"
                "        out.append(w)\n"
                "    return out\n",
            ),
        ),
    ),
    Alternative(
        "generators-einsum-and-special-cases",
        {
            "minibatches": _BATCHES_HEAD + "    def batches(order):\n"
            "        for start in range(0, len(order), batch_size):\n"
            "            rows = order[start : start + batch_size]\n"
            "            yield X[rows], y[rows]\n\n"
            "    return list(batches(rng.permutation(len(X))))\n",
            "gradient": "def mse_gradient(w, X, y):\n"
            "    return np.einsum('bi,b->i', X, np.dot(X, w) - y) / X.shape[0]\n",
            "sgd-loop": _LOOP_HEAD + "    w = np.asarray(w0, dtype=float)\n"
            "    path = [w]\n"
            "    for epoch in range(epochs):\n"
            "        order = rng.permutation(len(X))\n"
            "        for idx in np.array_split(order, range(batch_size, len(X), batch_size)):\n"
            "            w = w - lr_at(epoch) * grad_fn(w, X[idx], y[idx])  # the rate per batch\n"
            "            path.append(w)\n"
            "    return np.stack(path)\n",
            "schedules": "def linear_decay(t, lr0, lr_tau, tau):\n"
            "    alpha = t / tau if t < tau else 1.0\n"
            "    return lr0 * (1.0 - alpha) + lr_tau * alpha\n\n\n"
            "def step_decay(t, lr0, step_size, gamma):\n"
            "    return float(lr0 * gamma ** int(t / step_size))\n",
            "averaging": _AVG_HEAD + "    thetas = np.asarray(thetas, dtype=float)\n"
            "    if eta == 0:  # Polyak: the running mean\n"
            "        return running_mean(thetas)\n"
            "    xi, out = thetas[0].copy(), []\n"
            "    for t, theta in enumerate(thetas, start=1):\n"
            "        weight = (eta + 1) / (t + eta)\n"
            "        xi = xi + weight * (theta - xi)\n"
            "        out.append(xi)\n"
            "    return np.array(out)\n",
        },
        "generators, einsum, the rate read per batch, special-cased Polyak mean from a helper cell",
        added=(
            (
                "imports",
                "def running_mean(rows):\n"
                '    """My helper: the mean of the first t rows, for every t."""\n'
                "    return np.cumsum(rows, axis=0) / np.arange(1, len(rows) + 1)[:, None]\n",
            ),
        ),
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
    from gradlib.least_squares import least_squares_gradient

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
