"""Realistic mistakes in assignment 7 (Rprop, QuickProp and the BFGS update).

Several variants agree with the visible tests (their mistake needs a step size at the
ceiling, a sign that differs, or a derivative that is exactly zero): the hidden tests alone
must catch them.
"""

import numpy as np

from samples.variants import Alternative, Variant

ASSIGNMENT = "07-beyond-gradients"

RPROP = "rprop", "rprop-tests"
BACKTRACK = "rprop-backtracking", "rprop-backtracking-tests"
QUICKPROP = "quickprop", "quickprop-tests"
BFGS_UPDATE = "bfgs", "bfgs-tests"

_RPROP_HEAD = (
    "def rprop_step(theta, grad, prev_grad, step_size, etas=(0.5, 1.2), step_sizes=(1e-6, 50.0)):\n"
)
_BACKTRACK_HEAD = (
    "def rprop_backtracking_step(theta, grad, prev_grad, step_size, prev_change,\n"
    "                            etas=(0.5, 1.2), step_sizes=(1e-6, 50.0)):\n"
)
_QUICKPROP_HEAD = "def quickprop_step(theta, grad, prev_grad, prev_step, lr=0.01, mu=1.75):\n"
_BFGS_HEAD = "def bfgs_inverse_update(M, s, y):\n"

VARIANTS = [
    # --- part 1: Rprop without backtracking ---------------------------------------------------
    Variant(
        "rprop-etas-swapped",  # reads etas as (eta_plus, eta_minus)
        *RPROP,
        _RPROP_HEAD + "    eta_plus, eta_minus = etas\n"
        "    trend = grad * prev_grad\n"
        "    factor = np.where(trend > 0, eta_plus, np.where(trend < 0, eta_minus, 1.0))\n"
        "    step = np.clip(step_size * factor, *step_sizes)\n"
        "    grad = np.where(trend < 0, 0.0, grad)\n"
        "    return theta - np.sign(grad) * step, grad, step\n",
    ),
    Variant(
        "rprop-no-floor-or-ceiling",  # never clips: passes the visible tests (no bound reached)
        *RPROP,
        _RPROP_HEAD + "    eta_minus, eta_plus = etas\n"
        "    trend = grad * prev_grad\n"
        "    factor = np.where(trend > 0, eta_plus, np.where(trend < 0, eta_minus, 1.0))\n"
        "    step = step_size * factor\n"
        "    grad = np.where(trend < 0, 0.0, grad)\n"
        "    return theta - np.sign(grad) * step, grad, step\n",
    ),
    Variant(
        "rprop-clip-only-when-changed",  # clips only the sizes it multiplied: Δ₀ above Δ_max stays
        *RPROP,
        _RPROP_HEAD + "    eta_minus, eta_plus = etas\n"
        "    trend = grad * prev_grad\n"
        "    step = np.where(trend > 0, np.minimum(step_size * eta_plus, step_sizes[1]),\n"
        "                    np.where(trend < 0,\n"
        "                             np.maximum(step_size * eta_minus, step_sizes[0]),\n"
        "                             step_size))\n"
        "    grad = np.where(trend < 0, 0.0, grad)\n"
        "    return theta - np.sign(grad) * step, grad, step\n",
    ),
    Variant(
        "rprop-remembers-flipped-gradient",  # no move on a flip, but the derivative is kept
        *RPROP,
        _RPROP_HEAD + "    eta_minus, eta_plus = etas\n"
        "    trend = grad * prev_grad\n"
        "    factor = np.where(trend > 0, eta_plus, np.where(trend < 0, eta_minus, 1.0))\n"
        "    step = np.clip(step_size * factor, *step_sizes)\n"
        "    move = np.where(trend < 0, 0.0, np.sign(grad))\n"
        "    return theta - move * step, grad.copy(), step\n",
    ),
    Variant(
        "delegates-to-gradlib",  # hands the step to gradlib's Rprop
        *RPROP,
        "from gradlib.optim import Rprop as _R\n\n\n"
        + _RPROP_HEAD
        + "    out = theta.astype(float).copy()\n"
        "    opt = _R([out], lr=1.0, etas=etas, step_sizes=step_sizes)\n"
        "    opt.state[0]['prev'][...] = prev_grad\n"
        "    opt.state[0]['step_size'][...] = step_size\n"
        "    opt.step([np.asarray(grad, dtype=float)])\n"
        "    return out, opt.state[0]['prev'].copy(), opt.state[0]['step_size'].copy()\n",
    ),
    Variant(
        "rprop-updates-step-size-in-place",  # right numbers, but overwrites the caller's arrays
        *RPROP,
        _RPROP_HEAD + "    eta_minus, eta_plus = etas\n"
        "    trend = grad * prev_grad\n"
        "    step_size *= np.where(trend > 0, eta_plus, np.where(trend < 0, eta_minus, 1.0))\n"
        "    np.clip(step_size, *step_sizes, out=step_size)\n"
        "    grad = np.where(trend < 0, 0.0, grad)\n"
        "    return theta - np.sign(grad) * step_size, grad, step_size\n",
    ),
    # --- part 2: Rprop with backtracking ----------------------------------------------------------
    Variant(
        "backtracking-keeps-flipped-gradient",  # undoes, but does not forget the derivative
        *BACKTRACK,
        _BACKTRACK_HEAD + "    eta_minus, eta_plus = etas\n"
        "    trend = grad * prev_grad\n"
        "    factor = np.where(trend > 0, eta_plus, np.where(trend < 0, eta_minus, 1.0))\n"
        "    step = np.clip(step_size * factor, *step_sizes)\n"
        "    change = np.where(trend < 0, -prev_change, -np.sign(grad) * step)\n"
        "    return theta + change, grad.copy(), step, change\n",
    ),
    Variant(
        "backtracking-as-on-the-slide",  # undo and the smaller step in the same iteration
        *BACKTRACK,
        _BACKTRACK_HEAD + "    eta_minus, eta_plus = etas\n"
        "    trend = grad * prev_grad\n"
        "    flipped = trend < 0\n"
        "    factor = np.where(trend > 0, eta_plus, np.where(flipped, eta_minus, 1.0))\n"
        "    step = np.clip(step_size * factor, *step_sizes)\n"
        "    grad = np.where(flipped, 0.0, grad)\n"
        "    change = np.where(flipped, -prev_change - np.sign(prev_grad) * step,\n"
        "                      -np.sign(grad) * step)\n"
        "    return theta + change, grad, step, change\n",
    ),
    Variant(
        "backtracking-forgets-the-undo",  # returns change 0 for an undone weight (visible passes)
        *BACKTRACK,
        _BACKTRACK_HEAD + "    eta_minus, eta_plus = etas\n"
        "    trend = grad * prev_grad\n"
        "    flipped = trend < 0\n"
        "    factor = np.where(trend > 0, eta_plus, np.where(flipped, eta_minus, 1.0))\n"
        "    step = np.clip(step_size * factor, *step_sizes)\n"
        "    grad = np.where(flipped, 0.0, grad)\n"
        "    new_theta = theta + np.where(flipped, -prev_change, -np.sign(grad) * step)\n"
        "    return new_theta, grad, step, -np.sign(grad) * step\n",
    ),
    Variant(
        "backtracking-no-ceiling",  # never clips (visible passes)
        *BACKTRACK,
        _BACKTRACK_HEAD + "    eta_minus, eta_plus = etas\n"
        "    trend = grad * prev_grad\n"
        "    flipped = trend < 0\n"
        "    step = step_size * np.where(trend > 0, eta_plus, np.where(flipped, eta_minus, 1.0))\n"
        "    grad = np.where(flipped, 0.0, grad)\n"
        "    change = np.where(flipped, -prev_change, -np.sign(grad) * step)\n"
        "    return theta + change, grad, step, change\n",
    ),
    # --- part 3: QuickProp ---------------------------------------------------------------
    Variant(
        "quickprop-no-growth-cap",  # the pure secant step, however large
        *QUICKPROP,
        _QUICKPROP_HEAD + "    denom = prev_grad - grad\n"
        "    ratio = np.where(denom == 0, 0.0, grad / np.where(denom == 0, 1.0, denom))\n"
        "    step = np.where(prev_step == 0, -lr * grad, ratio * prev_step)\n"
        "    return theta + step, step\n",
    ),
    Variant(
        "quickprop-cap-ignores-signs",  # caps where the sign changed too (visible passes)
        *QUICKPROP,
        _QUICKPROP_HEAD + "    denom = prev_grad - grad\n"
        "    ratio = np.where(denom == 0, 0.0, grad / np.where(denom == 0, 1.0, denom))\n"
        "    ratio = np.where(np.abs(grad) >= mu / (1 + mu) * np.abs(prev_grad), mu, ratio)\n"
        "    step = np.where(prev_step == 0, -lr * grad, ratio * prev_step)\n"
        "    return theta + step, step\n",
    ),
    Variant(
        "quickprop-divides-by-zero",  # no guard for g == prev_grad (visible passes)
        *QUICKPROP,
        _QUICKPROP_HEAD + "    ratio = grad / (prev_grad - grad)\n"
        "    limit = mu / (1 + mu) * np.abs(prev_grad)\n"
        "    capped = (grad * prev_grad > 0) & (np.abs(grad) >= limit)\n"
        "    ratio = np.where(capped, mu, ratio)\n"
        "    step = np.where(prev_step == 0, -lr * grad, ratio * prev_step)\n"
        "    return theta + step, step\n",
    ),
    Variant(
        "quickprop-no-first-gradient-step",  # with no previous step it never starts moving
        *QUICKPROP,
        _QUICKPROP_HEAD + "    denom = prev_grad - grad\n"
        "    ratio = np.where(denom == 0, 0.0, grad / np.where(denom == 0, 1.0, denom))\n"
        "    limit = mu / (1 + mu) * np.abs(prev_grad)\n"
        "    capped = (grad * prev_grad > 0) & (np.abs(grad) >= limit)\n"
        "    step = np.where(capped, mu, ratio) * prev_step\n"
        "    return theta + step, step\n",
    ),
    Variant(
        "quickprop-moves-theta-in-place",  # theta += step: the caller's theta changes too
        *QUICKPROP,
        _QUICKPROP_HEAD + "    denom = prev_grad - grad\n"
        "    ratio = np.where(denom == 0, 0.0, grad / np.where(denom == 0, 1.0, denom))\n"
        "    limit = mu / (1 + mu) * np.abs(prev_grad)\n"
        "    capped = (grad * prev_grad > 0) & (np.abs(grad) >= limit)\n"
        "    step = np.where(prev_step == 0, -lr * grad, np.where(capped, mu, ratio) * prev_step)\n"
        "    theta += step\n"
        "    return theta, step\n",
    ),
    # --- part 4: BFGS update -------------------------------------------------------------
    Variant(
        "bfgs-s-and-y-swapped",  # the update of the Hessian's form applied to the inverse
        *BFGS_UPDATE,
        _BFGS_HEAD + "    sy = float(s @ y)\n"
        "    if sy <= 1e-10 * np.linalg.norm(s) * np.linalg.norm(y):\n"
        "        return M.copy()\n"
        "    rho, eye = 1.0 / sy, np.eye(len(s))\n"
        "    return (eye - rho * np.outer(y, s)) @ M @ (eye - rho * np.outer(s, y)) "
        "+ rho * np.outer(y, y)\n",
    ),
    Variant(
        "bfgs-no-curvature-check",  # updates even when y's <= 0 (visible passes)
        *BFGS_UPDATE,
        _BFGS_HEAD + "    rho, eye = 1.0 / float(s @ y), np.eye(len(s))\n"
        "    return (eye - rho * np.outer(s, y)) @ M @ (eye - rho * np.outer(y, s)) "
        "+ rho * np.outer(s, s)\n",
    ),
    Variant(
        "bfgs-missing-ss-term",  # forgets the + rho s s^T correction
        *BFGS_UPDATE,
        _BFGS_HEAD + "    sy = float(s @ y)\n"
        "    if sy <= 1e-10 * np.linalg.norm(s) * np.linalg.norm(y):\n"
        "        return M.copy()\n"
        "    rho, eye = 1.0 / sy, np.eye(len(s))\n"
        "    return (eye - rho * np.outer(s, y)) @ M @ (eye - rho * np.outer(y, s))\n",
    ),
    Variant(
        "bfgs-special-cases-the-identity",  # right from M = I only, scaled identity otherwise
        *BFGS_UPDATE,
        _BFGS_HEAD + "    sy = float(s @ y)\n"
        "    if sy <= 1e-10 * np.linalg.norm(s) * np.linalg.norm(y):\n"
        "        return M.copy()\n"
        "    rho, eye = 1.0 / sy, np.eye(len(s))\n"
        "    new = (eye - rho * np.outer(s, y)) @ eye @ (eye - rho * np.outer(y, s)) "
        "+ rho * np.outer(s, s)\n"
        "    return new if np.allclose(M, eye) else new * np.trace(M) / len(s)\n",
    ),
]


# --- correct solutions in other styles than the reference ------------------------------------
ALTERNATIVES = [
    Alternative(
        "elementwise-loops-and-lists",
        {
            "rprop": _RPROP_HEAD + "    new_theta = np.array(theta, dtype=float)\n"
            "    new_prev = np.array(grad, dtype=float)\n"
            "    new_size = np.array(step_size, dtype=float)\n"
            "    for i in np.ndindex(new_theta.shape):  # one weight at a time\n"
            "        trend = grad[i] * prev_grad[i]\n"
            "        if trend > 0:\n"
            "            new_size[i] *= etas[1]\n"
            "        elif trend < 0:\n"
            "            new_size[i] *= etas[0]\n"
            "        new_size[i] = min(max(new_size[i], step_sizes[0]), step_sizes[1])\n"
            "        if trend < 0:\n"
            "            new_prev[i] = 0.0\n"
            "        elif new_prev[i] > 0:\n"
            "            new_theta[i] -= new_size[i]\n"
            "        elif new_prev[i] < 0:\n"
            "            new_theta[i] += new_size[i]\n"
            "    return [new_theta, new_prev, new_size]  # a list\n",
            "rprop-backtracking": _BACKTRACK_HEAD + "    eta_minus, eta_plus = etas\n"
            "    lo, hi = step_sizes\n"
            "    shape = np.shape(theta)\n"
            "    new_theta, new_prev, new_size, change = (np.zeros(shape) for _ in range(4))\n"
            "    for i in np.ndindex(shape):\n"
            "        trend = grad[i] * prev_grad[i]\n"
            "        factor = eta_plus if trend > 0 else eta_minus if trend < 0 else 1.0\n"
            "        new_size[i] = min(max(step_size[i] * factor, lo), hi)\n"
            "        if trend < 0:\n"
            "            change[i] = -prev_change[i]  # undo\n"
            "            new_prev[i] = 0.0\n"
            "        else:\n"
            "            change[i] = -np.sign(grad[i]) * new_size[i]\n"
            "            new_prev[i] = grad[i]\n"
            "        new_theta[i] = theta[i] + change[i]\n"
            "    return [new_theta, new_prev, new_size, change]\n",
            "quickprop": _QUICKPROP_HEAD + "    step = np.zeros(np.shape(theta))\n"
            "    for i in np.ndindex(step.shape):\n"
            "        g, gp, sp = grad[i], prev_grad[i], prev_step[i]\n"
            "        if sp == 0:\n"
            "            step[i] = -lr * g\n"
            "        elif g * gp > 0 and abs(g) >= mu / (1 + mu) * abs(gp):\n"
            "            step[i] = mu * sp\n"
            "        elif gp == g:\n"
            "            step[i] = 0.0\n"
            "        else:\n"
            "            step[i] = g / (gp - g) * sp\n"
            "    return [theta + step, step]\n",
            "bfgs": "import math\n\n\n" + _BFGS_HEAD + "    n = len(s)\n"
            "    sy = sum(s[i] * y[i] for i in range(n))\n"
            "    norms = math.sqrt(sum(v * v for v in s)) * math.sqrt(sum(v * v for v in y))\n"
            "    if sy <= 1e-10 * norms:\n"
            "        return np.array(M, dtype=float)\n"
            "    rho = 1.0 / sy\n"
            "    # A = I - rho s y^T; the update is A M A^T + rho s s^T\n"
            "    A = [[float(i == j) - rho * s[i] * y[j] for j in range(n)] for i in range(n)]\n"
            "    AM = [[sum(A[i][k] * M[k][j] for k in range(n)) for j in range(n)]\n"
            "          for i in range(n)]\n"
            "    return np.array([[sum(AM[i][k] * A[j][k] for k in range(n)) + rho * s[i] * s[j]\n"
            "                      for j in range(n)] for i in range(n)])\n",
        },
        "Python loops one weight (one matrix entry) at a time, lists instead of tuples",
    ),
    Alternative(
        "helpers-cell-reuse-and-prints",
        {
            "rprop": _RPROP_HEAD + "    trend = trend_of(grad, prev_grad)\n"
            "    factor = np.select([trend > 0, trend < 0], [etas[1], etas[0]], default=1.0)\n"
            "    size = clip(step_size * factor, *step_sizes)\n"
            "    remembered = grad * (trend >= 0)  # 0 where the sign flipped\n"
            "    print('rprop: largest step size', size.max())\n"
            "    return theta - np.sign(remembered) * size, remembered, size\n",
            "rprop-backtracking": _BACKTRACK_HEAD
            + "    # part 1's step, then undo where the sign flipped\n"
            "    moved, new_prev, new_size = rprop_step(theta, grad, prev_grad, step_size, etas,\n"
            "                                           step_sizes)\n"
            "    flipped = trend_of(grad, prev_grad) < 0\n"
            "    change = np.where(flipped, -prev_change, moved - theta)\n"
            "    return theta + change, new_prev, new_size, change\n",
            "quickprop": _QUICKPROP_HEAD + "    denom = prev_grad - grad\n"
            "    ratio = np.divide(grad, denom, out=np.zeros(np.shape(grad)), where=denom != 0)\n"
            "    same_sign = trend_of(grad, prev_grad) > 0\n"
            "    grow = same_sign & ((1 + mu) * np.abs(grad) >= mu * np.abs(prev_grad))\n"
            "    step = np.select([prev_step == 0, grow], [-lr * grad, mu * prev_step],\n"
            "                     default=ratio * prev_step)\n"
            "    print(f'quickprop: {int(grow.sum())} capped')\n"
            "    return theta + step, step\n",
            "bfgs": _BFGS_HEAD + "    M = np.asarray(M, dtype=float)\n"
            "    sy = np.dot(s, y)\n"
            "    if not sy > 1e-10 * np.sqrt(s @ s) * np.sqrt(y @ y):\n"
            "        print('bfgs: the curvature condition fails, M is kept')\n"
            "        return M.copy()\n"
            "    rho = 1 / sy\n"
            "    My, yM = M @ y, y @ M  # the product form, multiplied out\n"
            "    return (M - rho * (np.outer(s, yM) + np.outer(My, s))\n"
            "            + (rho**2 * (y @ My) + rho) * np.outer(s, s))\n",
        },
        "helpers in an extra cell, part 2 built on part 1, np.select/np.divide(where=), the "
        "BFGS update multiplied out, debug prints",
        added=(
            (
                "imports",
                "def clip(x, lo, hi):\n"
                '    """My helper: x limited to [lo, hi], entry by entry."""\n'
                "    return np.minimum(np.maximum(x, lo), hi)\n\n\n"
                "def trend_of(grad, prev_grad):\n"
                '    """+1 where the derivative kept its sign, -1 where it flipped, else 0."""\n'
                "    return np.sign(grad) * np.sign(prev_grad)\n",
            ),
        ),
    ),
    Alternative(
        "masks-in-place-on-copies",
        {
            "rprop": _RPROP_HEAD
            + "    theta, grad, step_size = theta.copy(), grad.copy(), step_size.copy()\n"
            "    flipped = grad * prev_grad < 0\n"
            "    step_size[grad * prev_grad > 0] *= etas[1]\n"
            "    step_size[flipped] *= etas[0]\n"
            "    np.clip(step_size, step_sizes[0], step_sizes[1], out=step_size)\n"
            "    grad[flipped] = 0.0\n"
            "    theta -= np.sign(grad) * step_size  # in place, on my copy\n"
            "    return theta, grad, step_size\n",
            "rprop-backtracking": _BACKTRACK_HEAD + "    new_theta = np.copy(theta)\n"
            "    grad, step_size = np.copy(grad), np.copy(step_size)\n"
            "    flipped = grad * prev_grad < 0\n"
            "    step_size[grad * prev_grad > 0] *= etas[1]\n"
            "    step_size[flipped] *= etas[0]\n"
            "    np.clip(step_size, *step_sizes, out=step_size)\n"
            "    grad[flipped] = 0\n"
            "    change = -np.sign(grad) * step_size\n"
            "    change[flipped] = -prev_change[flipped]\n"
            "    new_theta += change\n"
            "    return new_theta, grad, step_size, change\n",
            "quickprop": _QUICKPROP_HEAD + "    step = np.zeros_like(theta, dtype=float)\n"
            "    secant = prev_grad != grad\n"
            "    g, gp, sp = grad[secant], prev_grad[secant], prev_step[secant]\n"
            "    step[secant] = g / (gp - g) * sp\n"
            "    limit = mu / (1 + mu) * np.abs(prev_grad)\n"
            "    cap = (grad * prev_grad > 0) & (np.abs(grad) >= limit)\n"
            "    step[cap] = mu * prev_step[cap]\n"
            "    first = prev_step == 0\n"
            "    step[first] = -lr * grad[first]\n"
            "    new_theta = theta.copy()\n"
            "    new_theta += step\n"
            "    return new_theta, step\n",
            "bfgs": _BFGS_HEAD + "    new = np.array(M, dtype=float, copy=True)\n"
            "    sy = np.float64(s @ y)\n"
            "    if sy <= 1e-10 * np.linalg.norm(s) * np.linalg.norm(y):\n"
            "        return new\n"
            "    rho = 1.0 / sy\n"
            "    left = np.eye(len(s)) - rho * np.outer(s, y)\n"
            "    new[...] = left @ new @ left.T  # (I - rho y s^T) is left's transpose\n"
            "    new += rho * np.outer(s, s)\n"
            "    return new\n",
        },
        "boolean masks and in-place updates on copies (*=, out=, +=), numpy scalars",
    ),
]


# --- random inputs for mutation testing ---------------------------------------------------
def _with_zeros(rng, a, p=0.2):
    a = a.copy()
    a[rng.random(a.shape) < p] = 0.0
    return a


def _rprop_args(rng, backtracking=False):
    n = int(rng.integers(1, 7))
    theta = rng.normal(size=n)
    grad = _with_zeros(rng, rng.normal(size=n))
    prev = _with_zeros(rng, rng.normal(size=n))
    sizes = (float(rng.uniform(0.01, 0.1)), float(rng.uniform(0.3, 1.0)))
    step = rng.uniform(0.0, 1.5, size=n)  # some below the floor, some above the ceiling
    etas = (float(rng.uniform(0.3, 0.7)), float(rng.uniform(1.1, 1.6)))
    if backtracking:
        change = _with_zeros(rng, rng.normal(size=n) * 0.3)
        return (theta, grad, prev, step, change, etas, sizes), {}
    return (theta, grad, prev, step, etas, sizes), {}


def _quickprop_args(rng):
    n = int(rng.integers(1, 7))
    theta, grad = rng.normal(size=n), rng.normal(size=n)
    prev_grad, prev_step = rng.normal(size=n), _with_zeros(rng, rng.normal(size=n))
    mask = rng.random(n) < 0.3
    grad[mask] = prev_grad[mask]
    mask = rng.random(n) < 0.2
    grad[mask], prev_grad[mask] = 0.0, 0.0
    prev_grad = _with_zeros(rng, prev_grad, 0.15)
    return (
        theta,
        grad,
        prev_grad,
        prev_step,
        float(rng.uniform(0.01, 0.5)),
        float(rng.uniform(1.1, 4.0)),
    ), {}


def _bfgs_args(rng):
    n = int(rng.integers(1, 6))
    a = rng.normal(size=(n, n))
    M = a @ a.T + 0.5 * np.eye(n)
    s = rng.normal(size=n)
    kind = rng.integers(0, 4)
    if kind == 0:
        y = np.zeros(n)
    elif kind == 1:
        y = -s * rng.uniform(0.5, 2.0)  # negative curvature
    else:
        h = rng.normal(size=(n, n))
        y = (h @ h.T + 0.5 * np.eye(n)) @ s
    return (M, s, y), {}


PROBES = {
    "rprop_step": lambda rng: _rprop_args(rng),
    "rprop_backtracking_step": lambda rng: _rprop_args(rng, backtracking=True),
    "quickprop_step": _quickprop_args,
    "bfgs_inverse_update": _bfgs_args,
}
