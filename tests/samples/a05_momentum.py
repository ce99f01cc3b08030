"""Realistic mistakes in assignment 5 (momentum and Nesterov).

Some variants agree with the visible tests (they update arrays in place, flatten
matrices, or get the schedule wrong only where the visible tests do not look):
the hidden tests alone must catch them.
"""

import numpy as np

from samples.variants import Alternative, Variant

ASSIGNMENT = "05-momentum"

MOMENTUM = "momentum-step", "momentum-step-tests"
NESTEROV = "nesterov-step", "nesterov-step-tests"
RUN = "run", "run-tests"
SCHEDULE = "schedule", "schedule-tests"

_RUN_HEAD = (
    "def run_momentum(step, grad_fn, theta0, lr, mu, steps):\n"
    "    theta = np.array(theta0, dtype=float)\n"
    "    velocity = np.zeros_like(theta)\n"
    "    thetas = [theta.copy()]\n"
)

VARIANTS = [
    # --- part 1: heavy-ball step ----------------------------------------------------------
    Variant(
        # the Physics 356 lesson's v <- mu v + eta g, returned as is
        "momentum-velocity-sign-flipped",
        *MOMENTUM,
        "def momentum_step(theta, velocity, grad_fn, lr, mu):\n"
        "    v = mu * velocity + lr * grad_fn(theta)\n"
        "    return theta - v, v\n",
    ),
    Variant(
        "momentum-mu-and-lr-swapped",
        *MOMENTUM,
        "def momentum_step(theta, velocity, grad_fn, lr, mu):\n"
        "    v = lr * velocity - mu * grad_fn(theta)\n"
        "    return theta + v, v\n",
    ),
    Variant(
        "momentum-dampened-gradient",  # reads the moving average as (1 - mu) weights
        *MOMENTUM,
        "def momentum_step(theta, velocity, grad_fn, lr, mu):\n"
        "    v = mu * velocity - (1 - mu) * lr * grad_fn(theta)\n"
        "    return theta + v, v\n",
    ),
    Variant(
        "momentum-velocity-reset-each-call",  # ignores the velocity it is given
        *MOMENTUM,
        "def momentum_step(theta, velocity, grad_fn, lr, mu):\n"
        "    v = np.zeros_like(theta)\n"
        "    v = mu * v - lr * grad_fn(theta)\n"
        "    return theta + v, v\n",
    ),
    Variant(
        "momentum-updates-in-place",  # right numbers, but the caller's arrays change
        *MOMENTUM,
        "def momentum_step(theta, velocity, grad_fn, lr, mu):\n"
        "    velocity *= mu\n"
        "    velocity -= lr * grad_fn(theta)\n"
        "    theta += velocity\n"
        "    return theta, velocity\n",
    ),
    Variant(
        "momentum-flattens-parameters",  # right for vectors, wrong shape for matrices
        *MOMENTUM,
        "def momentum_step(theta, velocity, grad_fn, lr, mu):\n"
        "    theta = np.asarray(theta, dtype=float)\n"
        "    v = mu * np.ravel(velocity) - lr * np.ravel(grad_fn(theta))\n"
        "    return np.ravel(theta) + v, v\n",
    ),
    # --- part 2: Nesterov step --------------------------------------------------------------
    Variant(
        "nesterov-gradient-at-theta",  # plain momentum: no look-ahead
        *NESTEROV,
        "def nesterov_step(theta, velocity, grad_fn, lr, mu):\n"
        "    v = mu * velocity - lr * grad_fn(theta)\n"
        "    return theta + v, v\n",
    ),
    Variant(
        "nesterov-look-ahead-without-mu",  # looks ahead by the full velocity
        *NESTEROV,
        "def nesterov_step(theta, velocity, grad_fn, lr, mu):\n"
        "    v = mu * velocity - lr * grad_fn(theta + velocity)\n"
        "    return theta + v, v\n",
    ),
    Variant(
        "nesterov-look-behind",  # sign of the look-ahead flipped
        *NESTEROV,
        "def nesterov_step(theta, velocity, grad_fn, lr, mu):\n"
        "    v = mu * velocity - lr * grad_fn(theta - mu * velocity)\n"
        "    return theta + v, v\n",
    ),
    Variant(
        "nesterov-returns-torch-iterate",  # returns the next look-ahead point as theta
        *NESTEROV,
        "def nesterov_step(theta, velocity, grad_fn, lr, mu):\n"
        "    v = mu * velocity - lr * grad_fn(theta + mu * velocity)\n"
        "    return theta + v + mu * v, v\n",
    ),
    Variant(
        "nesterov-updates-in-place",  # right numbers, but the caller's arrays change
        *NESTEROV,
        "def nesterov_step(theta, velocity, grad_fn, lr, mu):\n"
        "    g = grad_fn(theta + mu * velocity)\n"
        "    velocity *= mu\n"
        "    velocity -= lr * g\n"
        "    theta += velocity\n"
        "    return theta, velocity\n",
    ),
    # --- part 3: the loop -------------------------------------------------------------------
    Variant(
        "run-velocity-not-carried",  # restarts from rest at every step
        *RUN,
        _RUN_HEAD + "    for t in range(steps):\n"
        "        mu_t = mu(t) if callable(mu) else mu\n"
        "        theta, velocity = step(theta, np.zeros_like(theta), grad_fn, lr, mu_t)\n"
        "        thetas.append(np.array(theta, dtype=float))\n"
        "    return np.array(thetas), velocity\n",
    ),
    Variant(
        "run-misses-start",  # forgets row 0
        *RUN,
        _RUN_HEAD + "    thetas = []\n"
        "    for t in range(steps):\n"
        "        mu_t = mu(t) if callable(mu) else mu\n"
        "        theta, velocity = step(theta, velocity, grad_fn, lr, mu_t)\n"
        "        thetas.append(np.array(theta, dtype=float))\n"
        "    return np.array(thetas), velocity\n",
    ),
    Variant(
        "run-schedule-off-by-one",  # the first step uses mu(1): invisible with a constant mu
        *RUN,
        _RUN_HEAD + "    for t in range(steps):\n"
        "        mu_t = mu(t + 1) if callable(mu) else mu\n"
        "        theta, velocity = step(theta, velocity, grad_fn, lr, mu_t)\n"
        "        thetas.append(np.array(theta, dtype=float))\n"
        "    return np.array(thetas), velocity\n",
    ),
    Variant(
        "run-returns-first-velocity",  # keeps the velocity of the first step only
        *RUN,
        _RUN_HEAD + "    first = None\n"
        "    for t in range(steps):\n"
        "        mu_t = mu(t) if callable(mu) else mu\n"
        "        theta, velocity = step(theta, velocity, grad_fn, lr, mu_t)\n"
        "        first = velocity if first is None or steps == 2 else first\n"
        "        thetas.append(np.array(theta, dtype=float))\n"
        "    return np.array(thetas), (velocity if first is None else first)\n",
    ),
    # --- part 4: momentum schedule ----------------------------------------------------------
    Variant(
        "schedule-no-cap",  # forgets mu_max: right until mu_t passes the cap
        *SCHEDULE,
        "def sutskever_momentum(t, mu_max=0.99, period=250):\n"
        "    return float(1.0 - 2.0 ** (-1.0 - np.log2(t // period + 1)))\n",
    ),
    Variant(
        "schedule-ceil-instead-of-floor",  # right on multiples of the period only
        *SCHEDULE,
        "import math\n\n\n"
        "def sutskever_momentum(t, mu_max=0.99, period=250):\n"
        "    k = math.ceil(t / period)\n"
        "    return float(min(1.0 - 2.0 ** (-1.0 - np.log2(k + 1)), mu_max))\n",
    ),
    Variant(
        "schedule-natural-log",
        *SCHEDULE,
        "def sutskever_momentum(t, mu_max=0.99, period=250):\n"
        "    return float(min(1.0 - 2.0 ** (-1.0 - np.log(t // period + 1)), mu_max))\n",
    ),
    Variant(
        "schedule-period-ignored",  # hard-codes the paper's 250
        *SCHEDULE,
        "def sutskever_momentum(t, mu_max=0.99, period=250):\n"
        "    return float(min(1.0 - 2.0 ** (-1.0 - np.log2(t // 250 + 1)), mu_max))\n",
    ),
    Variant(
        "delegates-to-gradlib",  # hands the part to the reference library through an alias
        *SCHEDULE,
        "from gradlib.schedules import sutskever_momentum as helper\n\n\n"
        "def sutskever_momentum(t, mu_max=0.99, period=250):\n"
        "    return helper(t, mu_max, period)\n",
    ),
]


# --- correct solutions in other styles than the reference ------------------------------------
ALTERNATIVES = [
    Alternative(
        "torch-buffer-loops-and-lists",
        {
            "momentum-step": "def momentum_step(theta, velocity, grad_fn, lr, mu):\n"
            "    buffer = mu * (-velocity / lr) + grad_fn(theta)  # torch's b = -v / lr\n"
            "    return theta - lr * buffer, -lr * buffer\n",
            "nesterov-step": "def nesterov_step(theta, velocity, grad_fn, lr, mu):\n"
            "    look = np.empty_like(theta, dtype=float)\n"
            "    for i in np.ndindex(np.shape(theta)):  # element by element\n"
            "        look[i] = theta[i] + mu * velocity[i]\n"
            "    g = grad_fn(look)\n"
            "    new_velocity = np.empty_like(look)\n"
            "    new_theta = np.empty_like(look)\n"
            "    for i in np.ndindex(np.shape(theta)):\n"
            "        new_velocity[i] = mu * velocity[i] - lr * g[i]\n"
            "        new_theta[i] = theta[i] + new_velocity[i]\n"
            "    return new_theta, new_velocity\n",
            "run": "def run_momentum(step, grad_fn, theta0, lr, mu, steps):\n"
            "    thetas = [np.array(theta0, dtype=float)]\n"
            "    velocity = np.zeros(np.shape(theta0))\n"
            "    for t in range(steps):\n"
            "        mu_t = mu(t) if callable(mu) else mu\n"
            "        theta, velocity = step(thetas[-1], velocity, grad_fn, lr, mu_t)\n"
            "        thetas.append(theta)\n"
            "    return [np.stack(thetas), velocity]  # a list as the pair\n",
            "schedule": "def sutskever_momentum(t, mu_max=0.99, period=250):\n"
            "    k = t // period\n"
            "    mu = 1 - 1 / (2 * (k + 1))  # the same formula, simplified\n"
            "    return mu if mu < mu_max else mu_max\n",
        },
        "torch's momentum buffer, element-wise loops, a list pair, the simplified schedule",
    ),
    Alternative(
        "copies-in-place-prints-helper",
        {
            "momentum-step": "def momentum_step(theta, velocity, grad_fn, lr, mu):\n"
            "    new_velocity = np.copy(velocity)\n"
            "    new_velocity *= mu  # in place, on copies\n"
            "    new_velocity -= lr * grad_fn(theta)\n"
            "    new_theta = theta.copy()\n"
            "    new_theta += new_velocity\n"
            "    print('debug: |v| =', np.linalg.norm(new_velocity))\n"
            "    return new_theta, new_velocity\n",
            "nesterov-step": "def nesterov_step(theta, velocity, grad_fn, lr, mu):\n"
            "    g = grad_fn(look_ahead(theta, velocity, mu))\n"
            "    new_velocity = mu * velocity - lr * g\n"
            "    return theta + new_velocity, new_velocity\n",
            "run": "def run_momentum(step, grad_fn, theta0, lr, mu, steps):\n"
            "    schedule = mu if callable(mu) else (lambda t: mu)\n"
            "    theta0 = np.asarray(theta0, dtype=float)\n"
            "    thetas = np.empty((steps + 1, *theta0.shape))\n"
            "    thetas[0] = theta0\n"
            "    velocity = np.zeros_like(theta0)\n"
            "    for t in range(1, steps + 1):\n"
            "        thetas[t], velocity = step(thetas[t - 1], velocity, grad_fn, lr, "
            "schedule(t - 1))\n"
            "    print(f'{steps} steps, final theta {thetas[-1]}')\n"
            "    return thetas, velocity\n",
            "schedule": "def sutskever_momentum(t, mu_max=0.99, period=250):\n"
            "    k = np.floor(t / period)\n"
            "    return np.minimum(1.0 - 0.5 / (k + 1.0), mu_max)  # a numpy scalar\n",
        },
        "in-place updates on copies, debug prints, a helper in an extra cell, a preallocated "
        "array, numpy scalars",
        added=(
            (
                "imports",
                "def look_ahead(theta, velocity, mu):\n"
                '    """My helper: where the velocity alone would carry theta."""\n'
                "    return theta + mu * velocity\n",
            ),
        ),
    ),
    Alternative(
        "reordered-and-math-module",
        {
            "momentum-step": "def momentum_step(theta, velocity, grad_fn, lr, mu):\n"
            "    g = np.asarray(grad_fn(theta), dtype=float)\n"
            "    new_theta = theta + mu * velocity - lr * g  # theta first, then v\n"
            "    return (new_theta, new_theta - theta)\n",
            "nesterov-step": "def nesterov_step(theta, velocity, grad_fn, lr, mu):\n"
            "    phi = theta + mu * velocity\n"
            "    new_theta = phi - lr * grad_fn(phi)  # step from the look-ahead point\n"
            "    return new_theta, new_theta - theta\n",
            "run": "def run_momentum(step, grad_fn, theta0, lr, mu, steps):\n"
            "    theta = np.array(theta0, dtype=float, copy=True)\n"
            "    velocity = 0.0 * theta\n"
            "    history = [theta]\n"
            "    t = 0\n"
            "    while t < steps:\n"
            "        coefficient = mu(t) if callable(mu) else float(mu)\n"
            "        theta, velocity = step(theta, velocity, grad_fn, lr, coefficient)\n"
            "        history.append(np.asarray(theta, dtype=float))\n"
            "        t += 1\n"
            "    return np.array(history), velocity\n",
            "schedule": "import math\n\n\n"
            "def sutskever_momentum(t, mu_max=0.99, period=250):\n"
            "    exponent = -1.0 - math.log2(math.floor(t / period) + 1)\n"
            "    return min(1.0 - math.pow(2.0, exponent), mu_max)\n",
        },
        "another order of operations (theta first, velocity as the difference), a while loop, "
        "the math module",
    ),
]


# --- random inputs for mutation testing ---------------------------------------------------
class _Quadratic:
    """grad L for L(theta) = 0.5 (theta - c)^T A (theta - c) on the flattened theta."""

    def __init__(self, rng, shape):
        n = int(np.prod(shape))
        m = rng.normal(size=(n, n))
        self.a, self.c = m @ m.T / n + 0.1 * np.eye(n), rng.normal(size=n)

    def __call__(self, theta):
        return (self.a @ (np.ravel(theta) - self.c)).reshape(np.shape(theta))


def _shape(rng):
    return [(2,), (3,), (2, 3), (1,)][int(rng.integers(0, 4))]


def _step_args(rng):
    shape = _shape(rng)
    return (
        rng.normal(size=shape),
        rng.normal(size=shape),
        _Quadratic(rng, shape),
        float(rng.uniform(0.01, 0.5)),
        float(rng.uniform(0.0, 0.99)),
    ), {}


def _reference_step(theta, velocity, grad_fn, lr, mu):
    v = mu * velocity - lr * grad_fn(theta + mu * velocity)
    return theta + v, v


def _schedule(t):
    return min(1 - 1 / (2 * (t // 2 + 1)), 0.9)


def _run_args(rng):
    shape = _shape(rng)
    mu = _schedule if rng.random() < 0.3 else float(rng.uniform(0.0, 0.95))
    return (
        _reference_step,
        _Quadratic(rng, shape),
        rng.normal(size=shape),
        float(rng.uniform(0.01, 0.3)),
        mu,
        int(rng.integers(0, 8)),
    ), {}


PROBES = {
    "momentum_step": _step_args,
    "nesterov_step": _step_args,
    "run_momentum": _run_args,
    "sutskever_momentum": lambda rng: (
        (
            int(rng.integers(0, 3000)),
            float(rng.uniform(0.5, 0.999)),
            int(rng.integers(1, 400)),
        ),
        {},
    ),
}
