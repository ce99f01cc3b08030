"""The lectures' own way of writing some methods, as short loops (a book helper).

Why it exists: ``gradlib.optim`` -- the reference -- implements one form of each
method, torch's, so that nothing a student learns here needs unlearning in
PyTorch.  The lectures
write a few of them differently; these functions run the lectures' form on a
gradient function so that the book can show the equivalence (and the tests
prove it). Each returns the whole trajectory as the array of its iterates, row 0
the start: the ``iterates`` of a :class:`gradlib.trajectory.Trajectory`. These loops
are given a gradient function only, so there is no objective to record beside them
(and Nesterov's form returns its look-ahead points as a second array).

* **momentum** -- lectures: v ← μv − η∇L(θ), θ ← θ + v;
  same iterates as ``SGD(lr=η, momentum=μ)``.
* **Nesterov** -- lectures: v ← μv − η∇L(θ + μv), θ ← θ + v (look-ahead);
  ``SGD(..., nesterov=True)`` stores the look-ahead points θ + μv as its iterates.
* **AdaDelta** -- lectures: no learning rate; same iterates as ``Adadelta(lr=1.0)``.
* **Rprop** (the convergence slides) -- undo and take the smaller step in one
  iteration; ``Rprop(backtracking=True)`` visits the same points plus the
  restored ones.

The convergence slides also write momentum as v ← μv + η∇L(θ), θ ← θ − v: the same
recursion with the sign of v flipped.

``grad`` is a function θ ↦ ∇L(θ) for one array θ (any shape); ``theta0`` is
not modified.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

__all__ = ["adadelta", "momentum", "nesterov", "rprop"]

Gradient = Callable[[np.ndarray], np.ndarray]


def momentum(grad: Gradient, theta0, lr: float, mu: float, steps: int) -> np.ndarray:
    """Momentum as a velocity (SGD slides, DL Notes post): v ← μv − η∇L(θ), θ ← θ + v, v₀ = 0.

    Returns the iterates θ₀ … θ_steps, shape ``(steps + 1, *theta0.shape)``.
    Identical (up to rounding) to ``SGD(lr=η, momentum=μ)`` for a constant η,
    because v = −η b where b is torch's momentum buffer.
    """
    theta = np.array(theta0, dtype=float)
    v = np.zeros_like(theta)
    out = [theta.copy()]
    for _ in range(steps):
        v = mu * v - lr * grad(theta)
        theta = theta + v
        out.append(theta.copy())
    return np.array(out)


def nesterov(grad: Gradient, theta0, lr: float, mu: float, steps: int):
    """Nesterov's look-ahead form (SGD slides, DL Notes post, convergence slides).

    v ← μv − η∇L(θ + μv), θ ← θ + v, v₀ = 0: the gradient is taken at the
    look-ahead point φ = θ + μv, where momentum alone would carry θ.

    Returns ``(thetas, lookaheads)``, each of shape ``(steps + 1, *theta0.shape)``.
    torch's reformulation (``SGD(nesterov=True)``) stores φ as the parameters:
    its iterates equal ``lookaheads`` (φ₀ = θ₀ because v₀ = 0).
    """
    theta = np.array(theta0, dtype=float)
    v = np.zeros_like(theta)
    thetas, lookaheads = [theta.copy()], [theta.copy()]
    for _ in range(steps):
        v = mu * v - lr * grad(theta + mu * v)
        theta = theta + v
        thetas.append(theta.copy())
        lookaheads.append(theta + mu * v)
    return np.array(thetas), np.array(lookaheads)


def adadelta(grad: Gradient, theta0, rho: float, eps: float, steps: int) -> np.ndarray:
    """AdaDelta as Zeiler wrote it (the DL Notes post): no learning rate.

    E[g²] ← ρE[g²] + (1 − ρ)g², Δθ = −√(E[Δθ²] + ε)/√(E[g²] + ε) · g,
    E[Δθ²] ← ρE[Δθ²] + (1 − ρ)Δθ², θ ← θ + Δθ.

    Returns the iterates, shape ``(steps + 1, *theta0.shape)``; equal to
    ``Adadelta(lr=1.0, rho=ρ, eps=ε)``.
    """
    theta = np.array(theta0, dtype=float)
    mean_sq_grad = np.zeros_like(theta)
    mean_sq_step = np.zeros_like(theta)
    out = [theta.copy()]
    for _ in range(steps):
        g = grad(theta)
        mean_sq_grad = rho * mean_sq_grad + (1 - rho) * g**2
        step = -np.sqrt(mean_sq_step + eps) / np.sqrt(mean_sq_grad + eps) * g
        mean_sq_step = rho * mean_sq_step + (1 - rho) * step**2
        theta = theta + step
        out.append(theta.copy())
    return np.array(out)


def rprop(
    grad: Gradient,
    theta0,
    step0: float,
    steps: int,
    etas=(0.5, 1.2),
    step_sizes=(1e-6, 50.0),
) -> np.ndarray:
    """Rprop with weight backtracking as on the convergence slides ("Rprop (simplified)").

    Each weight keeps a signed step Δw (starting at sign(∂E/∂w)·Δ₀) and the last
    derivative D_prev. Every iteration: w ← w − Δw, D = ∂E/∂w; if D has the sign
    of D_prev, Δw ← min(η₊|Δw|, Δ_max)·sign(Δw) and D_prev ← D; otherwise the
    step is undone (w ← w + Δw) and shrunk, Δw ← max(η₋|Δw|, Δ_min)·sign(Δw),
    and the next iteration takes that smaller step from the restored point.

    Returns the points where a derivative is evaluated, shape
    ``(steps + 1, *theta0.shape)``. For a one-dimensional θ,
    ``Rprop(lr=Δ₀, backtracking=True)`` visits the same points plus the restored
    point after each undo (where it spends one gradient evaluation). In several
    dimensions the two differ: the slides keep each Δw's initial sign, Rprop⁺
    follows the sign of the current derivative.
    """
    eta_minus, eta_plus = etas
    lo, hi = step_sizes
    w = np.array(theta0, dtype=float)
    d_prev = grad(w)
    dw = np.sign(d_prev) * step0
    out = [w.copy()]
    for _ in range(steps):
        w = w - dw
        out.append(w.copy())
        d = grad(w)
        same = np.sign(d) == np.sign(d_prev)
        w = np.where(same, w, w + dw)  # undo the overshooting step
        size = np.where(
            same, np.minimum(eta_plus * np.abs(dw), hi), np.maximum(eta_minus * np.abs(dw), lo)
        )
        dw = np.sign(dw) * size
        d_prev = np.where(same, d, d_prev)
    return np.array(out)
