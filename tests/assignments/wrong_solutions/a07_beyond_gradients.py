"""Realistic mistakes in assignment 7 (Rprop, QuickProp and the BFGS update).

Several variants agree with the visible tests (their mistake needs a step size at the
ceiling, a sign that differs, or a derivative that is exactly zero): the hidden tests alone
must catch them.
"""

import numpy as np

from variants import Variant

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
