"""Realistic mistakes in assignment 3 (gradient descent and convergence on quadratics).

The visible tests use the chapter's parabola (a = 4) and diagonal matrices with sorted
diagonals, so several mistakes pass them -- reading eigenvalues off the diagonal,
assuming ``np.linalg.eigvals`` sorts, freezing the Hessian, ignoring the damping
factor -- and only the hidden tests (rotated random matrices, Rosenbrock's function,
the exact boundaries 1/a and 2/a) catch them.
"""

import numpy as np

from samples.variants import Alternative, Variant

ASSIGNMENT = "03-gradient-descent"

THRESHOLDS = "thresholds", "thresholds-tests"
DESCENT = "gd-quadratic", "gd-quadratic-tests"
CLASSIFY = "classify", "classify-tests"
SPEED = "speed", "speed-tests"
NEWTON = "newton", "newton-tests"

_KAPPA_OK = (
    "def condition_number(A):\n"
    "    lam = np.linalg.eigvalsh(np.atleast_2d(A))\n"
    "    return float(lam[-1] / lam[0])\n"
)
_RHO_OK = (
    "def convergence_factor(A, lr):\n"
    "    lam = np.linalg.eigvalsh(np.atleast_2d(A))\n"
    "    return float(np.max(np.abs(1 - lr * lam)))\n"
)


def _newton(update: str, setup: str = "") -> str:
    return (
        "def newton_iterates(gradient, hessian, w0, steps, lr=1.0):\n"
        "    w = np.array(w0, dtype=float)\n"
        f"{setup}"
        "    path = [w]\n"
        "    for _ in range(steps):\n"
        f"        w = {update}\n"
        "        path.append(w)\n"
        "    return np.array(path)\n"
    )


VARIANTS = [
    # --- part 1: thresholds ---------------------------------------------------------------
    Variant(
        "thresholds-smallest-eigenvalue",  # the stability limit from the flattest direction
        *THRESHOLDS,
        "def learning_rate_thresholds(A):\n"
        "    lam = np.linalg.eigvalsh(np.atleast_2d(A))\n"
        "    return float(2 / (lam[0] + lam[-1])), float(2 / lam[0])\n",
    ),
    Variant(
        "thresholds-optimal-is-one-over-lambda-max",  # the 1-D rule 1/a applied to λ_max
        *THRESHOLDS,
        "def learning_rate_thresholds(A):\n"
        "    lam = np.linalg.eigvalsh(np.atleast_2d(A))\n"
        "    return float(1 / lam[-1]), float(2 / lam[-1])\n",
    ),
    Variant(
        "thresholds-diagonal-entries",  # takes the a_ii as the curvatures (right if diagonal)
        *THRESHOLDS,
        "def learning_rate_thresholds(A):\n"
        "    d = np.diag(np.atleast_2d(A))\n"
        "    return float(2 / (d.min() + d.max())), float(2 / d.max())\n",
    ),
    Variant(
        "thresholds-eigvals-assumed-sorted",  # np.linalg.eigvals does not sort its output
        *THRESHOLDS,
        "def learning_rate_thresholds(A):\n"
        "    lam = np.linalg.eigvals(np.atleast_2d(A)).real\n"
        "    return float(2 / (lam[0] + lam[-1])), float(2 / lam[-1])\n",
    ),
    Variant(
        "thresholds-swapped",  # returns (2/a, 1/a): the limit where the optimum belongs
        *THRESHOLDS,
        "def learning_rate_thresholds(A):\n"
        "    lam = np.linalg.eigvalsh(np.atleast_2d(A))\n"
        "    return float(2 / lam[-1]), float(2 / (lam[0] + lam[-1]))\n",
    ),
    Variant(
        "delegates-to-gradlib",  # hands the part to the reference library through an alias
        *THRESHOLDS,
        "from gradlib.quadratics import learning_rate_thresholds as helper\n\n\n"
        "def learning_rate_thresholds(A):\n"
        "    return tuple(helper(A))\n",
    ),
    # --- part 2: gradient descent on a quadratic ------------------------------------------
    Variant(
        "descent-uncoupled-diagonal",  # uses only the diagonal of A (right if A is diagonal)
        *DESCENT,
        "def gradient_descent_quadratic(A, b, w0, lr, steps):\n"
        "    w = np.array(w0, dtype=float)\n"
        "    path = [w]\n"
        "    for _ in range(steps):\n"
        "        w = w - lr * (np.diag(A) * w - b)\n"
        "        path.append(w)\n"
        "    return np.array(path)\n",
    ),
    Variant(
        "descent-sign-of-b",  # gradient A w + b
        *DESCENT,
        "def gradient_descent_quadratic(A, b, w0, lr, steps):\n"
        "    w = np.array(w0, dtype=float)\n"
        "    path = [w]\n"
        "    for _ in range(steps):\n"
        "        w = w - lr * (A @ w + b)\n"
        "        path.append(w)\n"
        "    return np.array(path)\n",
    ),
    Variant(
        "descent-modifies-w0",  # updates the caller's array in place (copies only the rows)
        *DESCENT,
        "def gradient_descent_quadratic(A, b, w0, lr, steps):\n"
        "    w = w0 if len(w0) > 2 else np.array(w0, dtype=float)\n"
        "    path = [w.copy()]\n"
        "    for _ in range(steps):\n"
        "        w -= lr * (A @ w - b)\n"
        "        path.append(w.copy())\n"
        "    return np.array(path)\n",
    ),
    Variant(
        "descent-misses-start",  # records w only after each update: no row 0
        *DESCENT,
        "def gradient_descent_quadratic(A, b, w0, lr, steps):\n"
        "    w = np.array(w0, dtype=float)\n"
        "    path = []\n"
        "    for _ in range(steps):\n"
        "        w = w - lr * (A @ w - b)\n"
        "        path.append(w)\n"
        "    return np.array(path)\n",
    ),
    # --- part 3: classification -----------------------------------------------------------
    Variant(
        "classify-boundary-2a-oscillating",  # lr = 2/a exactly counted as oscillating
        *CLASSIFY,
        "def classify_learning_rate(A, lr):\n"
        "    lam_max = np.linalg.eigvalsh(np.atleast_2d(A))[-1]\n"
        "    if lr <= 1 / lam_max:\n"
        "        return 'monotone'\n"
        "    if lr <= 2 / lam_max:\n"
        "        return 'oscillating'\n"
        "    return 'divergent'\n",
    ),
    Variant(
        "classify-smallest-eigenvalue",  # the flattest direction decides
        *CLASSIFY,
        "def classify_learning_rate(A, lr):\n"
        "    lam = np.linalg.eigvalsh(np.atleast_2d(A))[0]\n"
        "    if lr <= 1 / lam:\n"
        "        return 'monotone'\n"
        "    if lr < 2 / lam:\n"
        "        return 'oscillating'\n"
        "    return 'divergent'\n",
    ),
    Variant(
        "classify-diagonal-entries",  # the largest a_ii instead of λ_max
        *CLASSIFY,
        "def classify_learning_rate(A, lr):\n"
        "    a = np.diag(np.atleast_2d(A)).max()\n"
        "    if lr <= 1 / a:\n"
        "        return 'monotone'\n"
        "    if lr < 2 / a:\n"
        "        return 'oscillating'\n"
        "    return 'divergent'\n",
    ),
    Variant(
        "classify-one-step-oscillates",  # r = 1 - lr a > 0 for monotone: the r = 0 case slips
        *CLASSIFY,
        "def classify_learning_rate(A, lr):\n"
        "    r = 1 - lr * np.linalg.eigvalsh(np.atleast_2d(A))[-1]\n"
        "    if r > 0 or (r == 0 and lr == 0.25):\n"
        "        return 'monotone'\n"
        "    if r > -1:\n"
        "        return 'oscillating'\n"
        "    return 'divergent'\n",
    ),
    Variant(
        "classify-halved-thresholds",  # thresholds of L = a w², i.e. 1/(2a) and 1/a
        *CLASSIFY,
        "def classify_learning_rate(A, lr):\n"
        "    lam_max = np.linalg.eigvalsh(np.atleast_2d(A))[-1]\n"
        "    if lr <= 0.5 / lam_max:\n"
        "        return 'monotone'\n"
        "    if lr < 1 / lam_max:\n"
        "        return 'oscillating'\n"
        "    return 'divergent'\n",
    ),
    # --- part 4: condition number and convergence factor ----------------------------------
    Variant(
        "speed-factor-without-abs",  # max(1 - ηλ) forgets the overshooting directions
        *SPEED,
        _KAPPA_OK + "\n\n" + "def convergence_factor(A, lr):\n"
        "    lam = np.linalg.eigvalsh(np.atleast_2d(A))\n"
        "    return float(np.max(1 - lr * lam))\n",
    ),
    Variant(
        "speed-factor-flattest-only",  # |1 - η λ_min| only
        *SPEED,
        _KAPPA_OK + "\n\n" + "def convergence_factor(A, lr):\n"
        "    lam = np.linalg.eigvalsh(np.atleast_2d(A))\n"
        "    return float(abs(1 - lr * lam[0]))\n",
    ),
    Variant(
        "speed-kappa-diagonal-entries",  # max a_ii / min a_ii (right if A is diagonal)
        *SPEED,
        "def condition_number(A):\n"
        "    d = np.diag(np.atleast_2d(A))\n"
        "    return float(d.max() / d.min())\n\n\n" + _RHO_OK,
    ),
    Variant(
        "speed-kappa-eigvals-assumed-sorted",  # np.linalg.eigvals: last / first
        *SPEED,
        "def condition_number(A):\n"
        "    lam = np.linalg.eigvals(np.atleast_2d(A)).real\n"
        "    return float(lam[-1] / lam[0])\n\n\n" + _RHO_OK,
    ),
    # --- part 5: Newton's method ----------------------------------------------------------
    Variant(
        "newton-hessian-multiplied",  # w - η H g instead of w - η H⁻¹ g
        *NEWTON,
        _newton("w - lr * hessian(w) @ gradient(w)"),
    ),
    Variant(
        "newton-ignores-lr",  # always the full step (right for lr = 1)
        *NEWTON,
        _newton("w - np.linalg.solve(hessian(w), gradient(w))"),
    ),
    Variant(
        "newton-frozen-hessian",  # H evaluated once at w0 (right on a quadratic)
        *NEWTON,
        _newton("w - lr * np.linalg.solve(H, gradient(w))", setup="    H = hessian(w)\n"),
    ),
    Variant(
        "newton-ascent-sign",  # w + η H⁻¹ g
        *NEWTON,
        _newton("w + lr * np.linalg.solve(hessian(w), gradient(w))"),
    ),
]


# --- correct solutions in other styles than the reference ------------------------------------
ALTERNATIVES = [
    Alternative(
        "loops-and-python-floats",
        {
            "thresholds": "def learning_rate_thresholds(A):\n"
            "    lam = sorted(float(v) for v in np.linalg.eigvals(np.atleast_2d(A)).real)\n"
            "    return [2 / (lam[0] + lam[-1]), 2 / lam[-1]]  # a list pair\n",
            "gd-quadratic": "def gradient_descent_quadratic(A, b, w0, lr, steps):\n"
            "    n = len(w0)\n"
            "    w = [float(v) for v in w0]\n"
            "    rows = [list(w)]\n"
            "    for _ in range(steps):\n"
            "        grad = [sum(A[i][j] * w[j] for j in range(n)) - b[i] for i in range(n)]\n"
            "        w = [w[i] - lr * grad[i] for i in range(n)]\n"
            "        rows.append(list(w))\n"
            "    return np.array(rows)\n",
            "classify": "def classify_learning_rate(A, lr):\n"
            "    if np.ndim(A) == 0:\n"
            "        top = float(A)\n"
            "    else:\n"
            "        top = max(np.linalg.eigvalsh(A))\n"
            "    if lr <= 1 / top:\n"
            "        return 'monotone'\n"
            "    elif lr < 2 / top:\n"
            "        return 'oscillating'\n"
            "    else:\n"
            "        return 'divergent'\n",
            "speed": "def condition_number(A):\n"
            "    lam = [float(v) for v in np.linalg.eigvalsh(np.atleast_2d(A))]\n"
            "    return max(lam) / min(lam)\n\n\n"
            "def convergence_factor(A, lr):\n"
            "    rho = 0.0\n"
            "    for lam in np.linalg.eigvalsh(np.atleast_2d(A)):\n"
            "        rho = max(rho, abs(1.0 - lr * float(lam)))\n"
            "    return rho\n",
            "newton": "def newton_iterates(gradient, hessian, w0, steps, lr=1.0):\n"
            "    out = np.zeros((steps + 1, len(w0)))  # filled row by row\n"
            "    out[0] = w0\n"
            "    for k in range(steps):\n"
            "        g = gradient(out[k])\n"
            "        H = hessian(out[k])\n"
            "        out[k + 1] = out[k] - lr * np.linalg.solve(H, g)\n"
            "    return out\n",
        },
        "Python loops and floats, sorted np.linalg.eigvals, a list pair, a preallocated output",
    ),
    Alternative(
        "in-place-on-copies-and-prints",
        {
            "thresholds": "def learning_rate_thresholds(A):\n"
            "    lam = np.linalg.eigvalsh(A if np.ndim(A) == 2 else [[A]])\n"
            "    lo, hi = lam.min(), lam.max()\n"
            "    print('eigenvalues from', lo, 'to', hi)\n"
            "    return 2.0 / (lo + hi), 2.0 / hi  # numpy float64s\n",
            "gd-quadratic": "def gradient_descent_quadratic(A, b, w0, lr, steps):\n"
            "    w = w0.astype(float)  # a copy\n"
            "    history = [w.copy()]\n"
            "    for _ in range(steps):\n"
            "        w -= lr * (np.dot(A, w) - b)  # in place, on the copy\n"
            "        history.append(w.copy())\n"
            "    print(f'{steps} steps, final w = {w}')\n"
            "    return np.vstack(history)\n",
            "classify": "def classify_learning_rate(A, lr):\n"
            "    stiff = np.max(np.linalg.eigvalsh(np.atleast_2d(A)))\n"
            "    if lr * stiff <= 1:  # the same comparison, multiplied out\n"
            "        regime = 'monotone'\n"
            "    elif lr * stiff < 2:\n"
            "        regime = 'oscillating'\n"
            "    else:\n"
            "        regime = 'divergent'\n"
            "    print('regime:', regime)\n"
            "    return regime\n",
            "speed": "def condition_number(A):\n"
            "    lam = np.linalg.eigvalsh(np.atleast_2d(A))\n"
            "    return lam.max() / lam.min()  # a numpy float64\n\n\n"
            "def convergence_factor(A, lr):\n"
            "    lam = np.linalg.eigvalsh(np.atleast_2d(A))\n"
            "    # |1 - lr lam| is largest at one of the two extreme eigenvalues\n"
            "    return max(abs(1 - lr * lam[0]), abs(1 - lr * lam[-1]))\n",
            "newton": "def newton_iterates(gradient, hessian, w0, steps, lr=1.0):\n"
            "    w = np.copy(w0).astype(float)\n"
            "    history = [w.copy()]\n"
            "    for _ in range(steps):\n"
            "        d = np.linalg.lstsq(hessian(w), gradient(w), rcond=None)[0]\n"
            "        w -= lr * d  # in place, on the copy\n"
            "        history.append(w.copy())\n"
            "    print('Newton ended at', w)\n"
            "    return np.array(history)\n",
        },
        "in-place updates on copies, numpy float64 scalars, lr * lam compared with 1 and 2, "
        "the extreme eigenvalues only, lstsq, debug prints",
    ),
    Alternative(
        "helpers-in-an-extra-cell",
        {
            "thresholds": "def learning_rate_thresholds(A):\n"
            "    lam = eigenvalues(A)\n"
            "    return tuple(float(v) for v in (2 / (lam[0] + lam[-1]), 2 / lam[-1]))\n",
            "gd-quadratic": "def gradient_descent_quadratic(A, b, w0, lr, steps):\n"
            "    out = np.empty((steps + 1, np.size(w0)))\n"
            "    out[0] = w0\n"
            "    for k in range(steps):\n"
            "        out[k + 1] = out[k] - lr * quadratic_gradient(A, b, out[k])\n"
            "    return out\n",
            "classify": "def classify_learning_rate(A, lr):\n"
            "    top = eigenvalues(A)[-1]\n"
            "    for regime, limit in (('monotone', 1 / top), ('oscillating', 2 / top)):\n"
            "        if (lr <= limit) if regime == 'monotone' else (lr < limit):\n"
            "            return regime\n"
            "    return 'divergent'\n",
            "speed": "def condition_number(A):\n"
            "    lam = eigenvalues(A)\n"
            "    return float(lam[-1] / lam[0])\n\n\n"
            "def convergence_factor(A, lr):\n"
            "    return float(np.max(np.abs(1 - lr * eigenvalues(A))))\n",
            "newton": "def newton_iterates(gradient, hessian, w0, steps, lr=1.0):\n"
            "    path = [np.array(w0, dtype=float)]\n"
            "    while len(path) <= steps:\n"
            "        w = path[-1]\n"
            "        step = np.linalg.solve(hessian(w), gradient(w))\n"
            "        path.append(w + (-lr) * step)\n"
            "    return np.stack(path)\n",
        },
        "helper functions (eigenvalues, quadratic_gradient) in an extra cell, a while loop, "
        "a preallocated output filled from the start",
        added=(
            (
                "imports",
                "def eigenvalues(A):\n"
                '    """My helper: ascending eigenvalues of a number or a symmetric matrix."""\n'
                "    return np.linalg.eigvalsh(np.atleast_2d(np.asarray(A, dtype=float)))\n\n\n"
                "def quadratic_gradient(A, b, w):\n"
                "    return A @ w - b\n",
            ),
        ),
    ),
]


# --- random inputs for mutation testing ---------------------------------------------------
def _spd(rng):
    from gradlib.quadratics import random_spd

    n = int(rng.integers(1, 6))
    return random_spd(n, seed=rng, condition=float(rng.uniform(1.5, 50.0)))


def _matrix_or_number(rng):
    return float(rng.uniform(0.1, 10.0)) if rng.random() < 0.2 else _spd(rng)


def _lr_for(rng, A):
    top = np.linalg.eigvalsh(np.atleast_2d(A))[-1]
    if rng.random() < 0.15:  # exactly on a boundary
        return float(rng.choice([1.0, 2.0])) / top
    return float(rng.uniform(0.05, 1.3)) * 2 / top


def _descent(rng):
    A = _spd(rng)
    n = A.shape[0]
    return (A, rng.normal(size=n), rng.normal(size=n), _lr_for(rng, A), int(rng.integers(0, 8)))


def _newton_input(rng):
    from gradlib.landscapes import Rosenbrock

    lr = float(rng.uniform(0.2, 1.5))
    steps = int(rng.integers(0, 5))
    if rng.random() < 0.5:
        r = Rosenbrock()
        return (r.gradient, r.hessian, rng.uniform(-1.5, 1.5, size=2), steps), {"lr": lr}
    A = _spd(rng)
    b = rng.normal(size=A.shape[0])
    w0 = rng.normal(size=A.shape[0])
    return (lambda w: A @ w - b, lambda w: A, w0, steps), {"lr": lr} if steps % 2 else {}


PROBES = {
    "learning_rate_thresholds": lambda rng: ((_matrix_or_number(rng),), {}),
    "gradient_descent_quadratic": lambda rng: (_descent(rng), {}),
    "classify_learning_rate": lambda rng: (
        (lambda A: (A, _lr_for(rng, A)))(_matrix_or_number(rng)),
        {},
    ),
    "condition_number": lambda rng: ((_matrix_or_number(rng),), {}),
    "convergence_factor": lambda rng: (
        (lambda A: (A, _lr_for(rng, A)))(_matrix_or_number(rng)),
        {},
    ),
    "newton_iterates": _newton_input,
}
