"""Gradient descent and Newton's method on quadratic losses: the theory of the convergence slides.

A quadratic loss of weights w ∈ ℝⁿ,

    L(w) = ½ wᵀ A w − bᵀ w + c,   ∇L(w) = A w − b,   ∇²L = A,

with A symmetric positive definite has its minimum at w* = A⁻¹ b. Gradient descent
with learning rate η moves the error e = w − w* by e ← (I − ηA) e, so along the
eigenvector of each eigenvalue λᵢ of A the error is multiplied by 1 − ηλᵢ per step.
Everything in this module follows from that one line:

=================================  ===============================================================
function                           what it gives
=================================  ===============================================================
:func:`learning_rate_thresholds`   η_opt = 2/(λ_min + λ_max) (1/a in one dimension) and the
                                   stability limit η_max = 2/λ_max
:func:`condition_number`           κ = λ_max/λ_min, which sets the best achievable speed
:func:`contraction_factors`        1 − ηλᵢ for every eigen-direction
:func:`convergence_factor`         ρ(η) = maxᵢ |1 − ηλᵢ|, the factor the error shrinks by per step
:func:`classify_learning_rate`     "monotone", "oscillating" or "divergent"
:func:`steps_to_reduce`            steps until the worst-case error has shrunk by a given factor
:func:`gradient_descent_quadratic` the path of gradient descent (run by ``optim.SGD``)
:func:`newton_iterates`            the path of the textbook Newton step w ← w − η H⁻¹ ∇L
:func:`matrix_power_sym`           A^p for symmetric positive-definite A (A^½, A^−½: whitening)
:func:`random_spd`                 a seeded random symmetric positive-definite matrix
=================================  ===============================================================

:func:`newton_iterates` is deliberately the *unmodified* step: where the Hessian has
negative eigenvalues it heads for the stationary point of the local quadratic model,
a saddle point or a maximum. :class:`gradlib.optim.Newton` is the safeguarded
version (absolute eigenvalues), which escapes saddle points instead.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from ._checks import check_count, check_number
from .optim.sgd import SGD
from .trajectory import Trajectory

__all__ = [
    "Thresholds",
    "classify_learning_rate",
    "condition_number",
    "contraction_factors",
    "convergence_factor",
    "gradient_descent_quadratic",
    "learning_rate_thresholds",
    "matrix_power_sym",
    "newton_iterates",
    "random_spd",
    "steps_to_reduce",
]

REGIMES = ("monotone", "oscillating", "divergent")


class Thresholds(NamedTuple):
    """The two special learning rates of a quadratic with Hessian A.

    ``optimal``: η_opt = 2/(λ_min + λ_max), the learning rate with the smallest
    worst-case contraction factor (κ − 1)/(κ + 1); in one dimension, 1/a, which
    reaches the minimum in one step. ``maximum``: η_max = 2/λ_max; gradient
    descent converges from every start exactly when η < η_max.
    """

    optimal: float
    maximum: float


def _spd(name: str, A) -> tuple[np.ndarray, np.ndarray]:
    """A as an (n, n) float array (a number becomes 1 × 1) and its ascending eigenvalues."""
    if isinstance(A, numbers.Real) and not isinstance(A, bool):
        A = [[float(A)]]
    arr = np.asarray(A, dtype=np.float64)
    if arr.ndim != 2 or arr.shape[0] != arr.shape[1] or arr.size == 0:
        raise ValueError(
            f"{name}: expected a square matrix (n, n) or a number, got shape {arr.shape}"
        )
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name}: the matrix contains NaN or infinite entries")
    scale = max(float(np.abs(arr).max()), 1e-300)
    if not np.allclose(arr, arr.T, rtol=0.0, atol=1e-10 * scale):
        raise ValueError(f"{name}: the matrix must be symmetric (a Hessian is)")
    eigenvalues = np.linalg.eigvalsh(arr)
    if eigenvalues[0] <= 0:
        raise ValueError(
            f"{name}: the matrix must be positive definite, but its smallest eigenvalue is "
            f"{eigenvalues[0]:.3g} (the quadratic has no minimum)"
        )
    return arr, eigenvalues


def _lr(name: str, lr) -> float:
    return check_number(name, "lr", lr, low=0.0, open_low=True)


def learning_rate_thresholds(A) -> Thresholds:
    """η_opt = 2/(λ_min + λ_max) and η_max = 2/λ_max for a symmetric positive-definite A.

    Parameters
    ----------
    A : float or array_like, shape (n, n)
        The Hessian of the quadratic (a positive number a for L = ½ a w² − b w + c).

    Returns
    -------
    Thresholds
        ``(optimal, maximum)``. For n = 1, ``optimal`` is 1/a and ``maximum`` is 2/a.
    """
    _, lam = _spd("learning_rate_thresholds", A)
    return Thresholds(2.0 / (lam[0] + lam[-1]), 2.0 / lam[-1])


def condition_number(A) -> float:
    """κ = λ_max/λ_min of a symmetric positive-definite A (1.0 for a number).

    At the best learning rate gradient descent shrinks the worst-case error by
    (κ − 1)/(κ + 1) per step, so it needs about (κ/2) ln(1/ε) steps to gain a
    factor ε: the rounder the bowl (κ near 1), the faster.
    """
    _, lam = _spd("condition_number", A)
    return float(lam[-1] / lam[0])


def contraction_factors(A, lr: float) -> np.ndarray:
    """1 − ηλᵢ for the eigenvalues λ₁ ≤ … ≤ λₙ of A, shape (n,).

    Gradient descent multiplies the error's component along eigenvector i by
    this factor every step: in (0, 1) it shrinks monotonically, at 0 it is gone
    after one step, in (−1, 0) it shrinks while changing sign, and at or below −1
    it never shrinks.
    """
    _, lam = _spd("contraction_factors", A)
    return 1.0 - _lr("contraction_factors", lr) * lam


def convergence_factor(A, lr: float) -> float:
    """ρ(η) = maxᵢ |1 − ηλᵢ|: after k steps the error is at most ρᵏ times the initial error.

    Convergence requires ρ < 1, i.e. 0 < η < 2/λ_max. At η_opt = 2/(λ_min + λ_max)
    ρ takes its smallest value, (κ − 1)/(κ + 1) with κ = λ_max/λ_min.
    """
    return float(np.abs(contraction_factors(A, lr)).max())


def classify_learning_rate(a, lr: float) -> str:
    """How gradient descent with learning rate η behaves on a quadratic with curvature a.

    Returns ``"monotone"`` for 0 < η ≤ 1/a (η = 1/a reaches the minimum in one
    step, without overshooting), ``"oscillating"`` for 1/a < η < 2/a (it
    overshoots, converging with alternating sign) and ``"divergent"`` for
    η ≥ 2/a (at η = 2/a exactly the iterates jump between two points forever,
    which is counted as not converging).

    Parameters
    ----------
    a : float or array_like, shape (n, n)
        The curvature a > 0; for a symmetric positive-definite matrix the
        regime of its stiffest direction (λ_max) is returned, which decides it.
    lr : float
        η > 0.

    The comparisons are made against 1/a and 2/a as computed in floating point,
    so ``classify_learning_rate(a, 1 / a)`` is ``"monotone"`` for every a.
    """
    _, lam = _spd("classify_learning_rate", a)
    lr = _lr("classify_learning_rate", lr)
    top = lam[-1]
    if lr <= 1.0 / top:
        return "monotone"
    if lr < 2.0 / top:
        return "oscillating"
    return "divergent"


def steps_to_reduce(A, lr: float, factor: float) -> int:
    """The number of steps k after which ρ(η)ᵏ ≤ ``factor`` (0 < factor < 1).

    This bounds the worst case over all starting points; returns 0 if
    factor ≥ 1 and raises ``ValueError`` when ρ ≥ 1 (no convergence).
    """
    rho = convergence_factor(A, lr)
    factor = check_number("steps_to_reduce", "factor", factor, low=0.0, open_low=True, high=None)
    if factor >= 1.0:
        return 0
    if rho >= 1.0:
        raise ValueError(f"steps_to_reduce: lr={lr} does not converge (ρ = {rho:.3g} ≥ 1)")
    if rho == 0.0:
        return 1
    return math.ceil(math.log(factor) / math.log(rho) - 1e-9)


def gradient_descent_quadratic(A, b, w0, lr: float, steps: int) -> Trajectory:
    """Gradient descent on L(w) = ½ wᵀAw − bᵀw: the iterates and the loss at each.

    Row k of ``iterates`` is w after k steps of w ← w − η (A w − b), row 0 is
    ``w0`` (which is not modified). The update itself is :class:`gradlib.optim.SGD`'s.
    A need not be positive definite here (only symmetric is assumed by the gradient formula).

    Parameters
    ----------
    A : array_like, shape (n, n) (or a number for n = 1)
    b, w0 : array_like, shape (n,) (or numbers for n = 1)
    lr : float
        η ≥ 0.
    steps : int
        ≥ 0.

    Returns
    -------
    Trajectory
        ``iterates`` of shape (steps + 1, n) and ``values``, L at each of them
        (inf or nan once a divergent run has overflowed).
    """
    A = np.atleast_2d(np.asarray(A, dtype=np.float64))
    n = A.shape[0]
    if A.shape != (n, n):
        raise ValueError(f"gradient_descent_quadratic: A must be square, got shape {A.shape}")
    b = np.asarray(b, dtype=np.float64).reshape(-1)
    w = np.array(w0, dtype=np.float64).reshape(-1)
    if b.shape != (n,) or w.shape != (n,):
        raise ValueError(
            f"gradient_descent_quadratic: b and w0 must have shape ({n},), got {b.shape} and "
            f"{w.shape}"
        )
    steps = check_count("gradient_descent_quadratic", "steps", steps)
    opt = SGD([w], lr=lr)
    out = np.empty((steps + 1, n))
    out[0] = w
    with np.errstate(over="ignore", invalid="ignore"):
        for k in range(steps):
            opt.step([A @ w - b])
            out[k + 1] = w
        values = np.array([0.5 * v @ A @ v - b @ v for v in out])
    return Trajectory(out, values)


def newton_iterates(
    gradient: Callable[[np.ndarray], np.ndarray],
    hessian: Callable[[np.ndarray], np.ndarray],
    w0,
    steps: int,
    lr: float = 1.0,
    *,
    value: Callable[[np.ndarray], float] | None = None,
) -> Trajectory:
    """The textbook Newton method w ← w − η H(w)⁻¹ ∇L(w): its iterates.

    The linear system H d = ∇L is solved (H is never inverted). No safeguard:
    with an indefinite H the step goes to the stationary point of the local
    quadratic model, e.g. straight onto a saddle point (compare
    :class:`gradlib.optim.Newton`). A singular H raises ``ValueError``.

    Parameters
    ----------
    gradient, hessian : callables
        ``gradient(w)`` → shape (n,), ``hessian(w)`` → shape (n, n).
    w0 : array_like, shape (n,)
        The start (not modified).
    steps : int
        ≥ 0.
    lr : float, default 1.0
        η; 1 is Newton's step, which minimises a quadratic in one step.
    value : callable, optional
        ``value(w)`` → L(w); given, the trajectory records L at every iterate.

    Returns
    -------
    Trajectory
        ``iterates`` of shape (steps + 1, n); ``values`` is L at each (None without ``value``).
    """
    lr = check_number("newton_iterates", "lr", lr, low=0.0)
    steps = check_count("newton_iterates", "steps", steps)
    w = np.array(w0, dtype=np.float64).reshape(-1)
    out = np.empty((steps + 1, w.size))
    out[0] = w
    for k in range(steps):
        H = np.asarray(hessian(w), dtype=np.float64)
        g = np.asarray(gradient(w), dtype=np.float64).reshape(-1)
        try:
            w = w - lr * np.linalg.solve(H, g)
        except np.linalg.LinAlgError:
            raise ValueError(f"newton_iterates: the Hessian is singular at step {k}") from None
        out[k + 1] = w
    values = None if value is None else np.array([float(value(v)) for v in out])
    return Trajectory(out, values)


def matrix_power_sym(A, power: float) -> np.ndarray:
    """A^p = Q Λ^p Qᵀ for a symmetric positive-definite A = Q Λ Qᵀ, shape (n, n).

    ``power=0.5`` gives A^½ and ``power=-0.5`` A^−½: the change of variables
    u = A^½ w turns ½ wᵀAw into ½ uᵀu, whose contours are circles ("whitening",
    the normalisation of the axes in the convergence slides).
    """
    A, _ = _spd("matrix_power_sym", A)
    lam, Q = np.linalg.eigh(A)
    return (Q * lam**power) @ Q.T


def random_spd(
    n: int, *, seed=None, eigenvalues=None, condition: float | None = None
) -> np.ndarray:
    """A random symmetric positive-definite (n, n) matrix Q diag(λ) Qᵀ with Q a random rotation.

    Parameters
    ----------
    n : int
        The size, ≥ 1.
    seed : int, numpy.random.Generator or None
    eigenvalues : array_like, shape (n,), optional
        The eigenvalues λ (all > 0). By default they are drawn log-uniformly in
        [1, ``condition``] (``condition`` defaults to 10) and the extremes 1 and
        ``condition`` are always included when n ≥ 2, so κ = ``condition`` exactly.
    """
    n = check_count("random_spd", "n", n, low=1)
    rng = np.random.default_rng(seed)
    if eigenvalues is None:
        kappa = (
            10.0 if condition is None else check_number("random_spd", "condition", condition, 1.0)
        )
        lam = np.exp(rng.uniform(0.0, math.log(kappa), size=n))
        if n >= 2:
            lam[:2] = 1.0, kappa
        lam = rng.permutation(lam)
    else:
        lam = np.asarray(eigenvalues, dtype=np.float64).reshape(-1)
        if lam.shape != (n,) or not np.all(lam > 0):
            raise ValueError(f"random_spd: eigenvalues must be {n} positive numbers, got {lam}")
    Q, R = np.linalg.qr(rng.standard_normal((n, n)))
    Q = Q * np.sign(np.diag(R))  # a uniformly distributed rotation (Haar measure)
    A = (Q * lam) @ Q.T
    return 0.5 * (A + A.T)
