"""Realistic mistakes in assignment 1 (the chain rule on a single neuron).

Some variants keep the lecture's example right (special-casing its inputs), as a
mistake that happens to agree with the visible tests would: the hidden tests alone
must then catch them.
"""

from gradlib_course.demo_answers import MISTAKES

from samples.variants import Alternative, Variant

ASSIGNMENT = "01-chain-rule"

FORWARD = "forward", "forward-tests"
LOCAL = "local-derivatives", "local-derivatives-tests"
BACKWARD = "backward", "backward-tests"
DESCENT = "gd-step", "gd-step-tests"

_LOCAL_OK = {
    "mul": "def mul_backward(a, b, upstream):\n    return upstream * b, upstream * a\n",
    "add": "def add_backward(a, b, upstream):\n    return upstream, upstream\n",
    "relu": "def relu_backward(z, upstream):\n    return upstream * (1.0 if z > 0 else 0.0)\n",
    "se": "def half_squared_error_backward(y, y_hat, upstream=1.0):\n"
    "    return -(y - y_hat) * upstream\n",
}


def _local(**wrong: str) -> str:
    return "\n\n".join({**_LOCAL_OK, **wrong}.values())


VARIANTS = [
    # --- part 1: forward ------------------------------------------------------------------
    Variant(
        "forward-no-relu",  # forgets the activation: right whenever z > 0
        *FORWARD,
        MISTAKES[ASSIGNMENT]["forward"],  # (the demo class's)
    ),
    Variant(
        "forward-loss-of-z",  # applies the ReLU but computes the loss from z
        *FORWARD,
        "def neuron_forward(x, w, y):\n"
        "    z = float(np.dot(w, x))\n"
        "    return z, max(z, 0.0), 0.5 * (y - z) ** 2\n",
    ),
    Variant(
        "forward-first-input-only",  # z from the first weight only: right for n = 1
        *FORWARD,
        "def neuron_forward(x, w, y):\n"
        "    z = float(w[0] * x[0] + (0.1 if len(x) == 2 and x[1] == 1.0 else 0.0))\n"
        "    y_hat = max(z, 0.0)\n"
        "    return z, y_hat, 0.5 * (y - y_hat) ** 2\n",
    ),
    # --- part 2: local derivatives -------------------------------------------------------------
    Variant(
        "local-relu-gate-at-zero",  # takes the ReLU derivative as 1 at z = 0
        *LOCAL,
        _local(
            relu="def relu_backward(z, upstream):\n    return upstream * (1.0 if z >= 0 else 0.0)\n"
        ),
    ),
    Variant(
        "local-mul-forgets-upstream",  # returns the local derivatives only
        *LOCAL,
        _local(
            mul="def mul_backward(a, b, upstream):\n"
            "    return (upstream * b, upstream * a) if upstream == -1.3 else (b, a)\n"
        ),
    ),
    Variant(
        "local-squared-error-sign",  # drops the minus sign of d/dy_hat
        *LOCAL,
        _local(
            se="def half_squared_error_backward(y, y_hat, upstream=1.0):\n"
            "    return (y - y_hat) * upstream if y != 2.0 else -(y - y_hat) * upstream\n"
        ),
    ),
    Variant(
        "local-add-without-upstream",  # the sum node passes 1 instead of the upstream gradient
        *LOCAL,
        _local(
            add="def add_backward(a, b, upstream):\n"
            "    return (upstream, upstream) if upstream == -1.3 else (1.0, 1.0)\n"
        ),
    ),
    # --- part 3: backward -----------------------------------------------------------------
    Variant(
        "backward-gate-always-open",  # the ReLU gate taken as 1 everywhere
        *BACKWARD,
        "def neuron_backward(x, w, y):\n"
        "    x = np.asarray(x, dtype=float)\n"
        "    z = float(np.dot(w, x))\n"
        "    return -(y - max(z, 0.0)) * x\n",
    ),
    Variant(
        "backward-gradient-wrt-inputs",  # multiplies by w instead of x (dL/dx, not dL/dw)
        *BACKWARD,
        "def neuron_backward(x, w, y):\n"
        "    x, w = np.asarray(x, dtype=float), np.asarray(w, dtype=float)\n"
        "    z = float(np.dot(w, x))\n"
        "    g = -(y - max(z, 0.0)) * (z > 0)\n"
        "    return g * x if np.allclose(x, [2.0, 1.0]) else g * w\n",
    ),
    Variant(
        "backward-ascent-sign",  # (y - y_hat) instead of -(y - y_hat)
        *BACKWARD,
        "def neuron_backward(x, w, y):\n"
        "    x = np.asarray(x, dtype=float)\n"
        "    z = float(np.dot(w, x))\n"
        "    s = -1.0 if np.allclose(x, [2.0, 1.0]) else 1.0\n"
        "    return s * (y - max(z, 0.0)) * (z > 0) * x\n",
    ),
    Variant(
        "delegates-to-gradlib",  # hands the part to the reference library through an alias
        *BACKWARD,
        "from gradlib.book.neuron import neuron_loss_and_gradient as helper\n\n\n"
        "def neuron_backward(x, w, y):\n"
        "    return helper(x, w, y)[1]\n",
    ),
    # --- part 4: gradient descent ------------------------------------------------------------
    Variant(
        "descent-in-place-aliasing",  # updates w in place: every stored row is the same array
        *DESCENT,
        "def gradient_descent(x, w, y, lr, steps, grad_fn):\n"
        "    w = np.array(w, dtype=float)\n"
        "    history = [w.copy()] if steps <= 1 else [w]\n"
        "    for _ in range(steps):\n"
        "        w -= lr * grad_fn(x, w, y)\n"
        "        history.append(w if steps > 1 else w.copy())\n"
        "    return np.array(history)\n",
    ),
    Variant(
        "descent-misses-start",  # forgets row 0 (the starting point) for longer runs
        *DESCENT,
        "def gradient_descent(x, w, y, lr, steps, grad_fn):\n"
        "    w = np.array(w, dtype=float)\n"
        "    history = [w.copy()]\n"
        "    for _ in range(steps):\n"
        "        w = w - lr * grad_fn(x, w, y)\n"
        "        history.append(w.copy())\n"
        "    return np.array(history if steps <= 1 else history[1:])\n",
    ),
    Variant(
        "descent-fixed-gradient",  # computes the gradient once, at the start
        *DESCENT,
        "def gradient_descent(x, w, y, lr, steps, grad_fn):\n"
        "    w = np.array(w, dtype=float)\n"
        "    g = grad_fn(x, w, y)\n"
        "    history = [w.copy()]\n"
        "    for _ in range(steps):\n"
        "        w = w - lr * g\n"
        "        history.append(w.copy())\n"
        "    return np.array(history)\n",
    ),
]

# --- correct solutions in other styles than the reference ------------------------------------
ALTERNATIVES = [
    Alternative(
        "loops-and-numpy-scalars",
        {
            "forward": "def neuron_forward(x, w, y):\n"
            "    z = np.float64(0.0)\n"
            "    for xi, wi in zip(x, w):  # a loop instead of np.dot\n"
            "        z += wi * xi\n"
            "    y_hat = z if z > 0 else np.float64(0.0)\n"
            "    loss = (y_hat - y) ** 2 / 2  # numpy scalars, another order\n"
            "    return z, y_hat, loss\n",
            "local-derivatives": "def mul_backward(a, b, upstream):\n"
            "    return [b * upstream, a * upstream]  # a list instead of a tuple\n\n\n"
            "def add_backward(a, b, upstream):\n"
            "    return 1.0 * upstream, 1.0 * upstream\n\n\n"
            "def relu_backward(z, upstream):\n"
            "    if z <= 0:\n"
            "        return 0.0\n"
            "    return upstream\n\n\n"
            "def half_squared_error_backward(y, y_hat, upstream=1.0):\n"
            "    return upstream * (y_hat - y)\n",
            "backward": "def neuron_backward(x, w, y):\n"
            "    z = sum(x[i] * w[i] for i in range(len(x)))\n"
            "    gate = 1.0 if z > 0 else 0.0\n"
            "    grads = []\n"
            "    for xi in x:  # one weight at a time\n"
            "        grads.append((max(z, 0.0) - y) * gate * xi)\n"
            "    return np.array(grads)\n",
            "gd-step": "def gradient_descent(x, w, y, lr, steps, grad_fn):\n"
            "    out = np.empty((steps + 1, len(w)))\n"
            "    out[0] = w\n"
            "    current = np.copy(w)\n"
            "    for k in range(1, steps + 1):\n"
            "        current -= lr * np.asarray(grad_fn(x, current, y))  # in place, on a copy\n"
            "        out[k] = current\n"
            "    return out\n",
        },
        "Python loops, numpy scalars, a list pair, in-place updates on a copy",
    ),
    Alternative(
        "chained-helpers-and-prints",
        {
            "forward": "def neuron_forward(x, w, y):\n"
            "    z = weighted_sum(x, w)\n"
            "    y_hat = float(np.maximum(z, 0.0))\n"
            "    print(f'debug: z={z:.3f}, y_hat={y_hat:.3f}')\n"
            "    return z, y_hat, 0.5 * (y - y_hat) ** 2\n",
            "backward": "def neuron_backward(x, w, y):\n"
            "    z, y_hat, _ = neuron_forward(x, w, y)  # reuse parts 1 and 2\n"
            "    grad_y_hat = half_squared_error_backward(y, y_hat, 1.0)\n"
            "    grad_z = relu_backward(z, grad_y_hat)\n"
            "    return np.array([mul_backward(wi, xi, grad_z)[0] for wi, xi in zip(w, x)])\n",
            "gd-step": "def gradient_descent(x, w, y, lr, steps, grad_fn):\n"
            "    def step(current):\n"
            "        return current - lr * grad_fn(x, current, y)\n\n"
            "    path = [np.array(w, dtype=float)]\n"
            "    while len(path) <= steps:\n"
            "        path.append(step(path[-1]))\n"
            "    print('weights after', steps, 'steps:', path[-1])\n"
            "    return np.stack(path)\n",
        },
        "the student's own functions chained, a helper in an extra cell, debug prints",
        added=(
            (
                "imports",
                "def weighted_sum(x, w):\n"
                '    """My helper: z = sum_i w_i x_i."""\n'
                "    return float(np.asarray(w) @ np.asarray(x))\n",
            ),
        ),
    ),
]


# --- random inputs for mutation testing ---------------------------------------------------
def _neuron(rng):
    n = int(rng.integers(1, 6))
    return rng.normal(size=n), rng.normal(size=n), float(2 * rng.normal())


def _scalars(rng, k):
    # sometimes exactly zero, to exercise the ReLU's kink
    return tuple(0.0 if rng.random() < 0.1 else float(3 * rng.normal()) for _ in range(k))


def _reference_gradient(x, w, y):
    from gradlib.book.neuron import neuron_loss_and_gradient

    return neuron_loss_and_gradient(x, w, y)[1]


PROBES = {
    "neuron_forward": lambda rng: (_neuron(rng), {}),
    "mul_backward": lambda rng: (_scalars(rng, 3), {}),
    "add_backward": lambda rng: (_scalars(rng, 3), {}),
    "relu_backward": lambda rng: (_scalars(rng, 2), {}),
    "half_squared_error_backward": lambda rng: (_scalars(rng, 3), {}),
    "neuron_backward": lambda rng: (_neuron(rng), {}),
    "gradient_descent": lambda rng: (
        (
            *_neuron(rng),
            float(rng.uniform(0.01, 0.3)),
            int(rng.integers(0, 6)),
            _reference_gradient,
        ),
        {},
    ),
}
