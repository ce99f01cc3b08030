"""Second-order methods: Newton's method with a curvature safeguard, and BFGS with a line search.

They need the objective itself, not only a gradient, so their ``step`` takes a
closure (as ``torch.optim.LBFGS``)::

    def closure():                      # evaluates at the *current* parameters
        return loss, [grad_1, ...]      # BFGS
        return loss, [grad_1, ...], H   # Newton: H is the (n, n) Hessian
    opt.step(closure)

All parameter arrays together form one vector x of n numbers (raveled and
concatenated in order); H and BFGS's inverse-Hessian estimate are n × n. That
is fine for the 2-D landscapes and small models of the course and impossible
for a real network -- the reason the lectures call these methods "too
expensive" and why quasi-Newton ideas survive only in diagonal form (QuickProp,
AdaDelta) or in limited memory (L-BFGS).
"""

from __future__ import annotations

import numpy as np

from gradlib._checks import check_count, check_gradients, check_number

from .base import Optimizer

__all__ = ["BFGS", "ClosureOptimizer", "Newton"]


class ClosureOptimizer(Optimizer):
    """Base class of optimizers that evaluate the objective themselves (Newton, BFGS).

    They treat all parameter arrays as one flat vector x (the arrays raveled and
    concatenated in order), keep their state in ``self.state[0]`` (whole-vector
    arrays such as BFGS's inverse-Hessian estimate) and take a closure::

        def closure():
            return loss, grads            # grads: list of arrays shaped like params
                                          # Newton: return loss, grads, hessian (n, n)
        opt.step(closure)                 # returns the loss at the starting point
    """

    requires_closure = True
    #: True when the closure must also return the Hessian (``Newton``)
    requires_hessian = False

    @property
    def size(self) -> int:
        """n, the total number of scalars in all parameter arrays."""
        return sum(p.size for p in self.params)

    def reset_state(self) -> None:
        self.t = 0
        self.state = [{}]

    def _flat(self, arrays) -> np.ndarray:
        return np.concatenate([np.ravel(a) for a in arrays]).astype(np.float64, copy=False)

    def _set_flat(self, x: np.ndarray) -> None:
        start = 0
        for p in self.params:
            p[...] = x[start : start + p.size].reshape(p.shape)
            start += p.size

    def _evaluate(self, closure) -> tuple:
        """Call the closure and check its result: (loss, flat gradient[, hessian])."""
        out = closure()
        want = 3 if self.requires_hessian else 2
        names = "(loss, grads, hessian)" if self.requires_hessian else "(loss, grads)"
        if not isinstance(out, tuple) or len(out) != want:
            got = f"a tuple of length {len(out)}" if isinstance(out, tuple) else type(out).__name__
            raise TypeError(f"{self.name}: the closure must return a tuple {names}, got {got}")
        loss, grads = float(out[0]), check_gradients(self.name, out[1], self.params)
        g = self._flat(grads)
        if not self.requires_hessian:
            return loss, g
        n = self.size
        hessian = np.asarray(out[2], dtype=np.float64)
        if hessian.shape != (n, n):
            raise ValueError(
                f"{self.name}: the closure's hessian must have shape ({n}, {n}) (all "
                f"parameters flattened), got {hessian.shape}"
            )
        return loss, g, hessian

    def step(self, closure=None) -> float:
        """Take one step; ``closure`` re-evaluates the objective at the current parameters.

        Returns the loss at the parameters the step started from.
        """
        if closure is None or not callable(closure):
            names = "(loss, grads, hessian)" if self.requires_hessian else "(loss, grads)"
            raise TypeError(
                f"{self.name}.step needs a closure: a function of no arguments returning "
                f"{names} at the current parameters; got "
                f"{'nothing' if closure is None else type(closure).__name__}"
            )
        self.t += 1
        return self._closure_step(closure, self.state[0])

    def _closure_step(self, closure, s: dict) -> float:
        raise NotImplementedError


class Newton(ClosureOptimizer):
    r"""Newton's method, θ ← θ − η H⁻¹ g, made safe for non-convex functions.

    On a quadratic with positive-definite H the step with η = 1 lands exactly
    on the minimum (the convergence slides). Where H has negative eigenvalues the plain
    Newton step heads for the stationary point of the local quadratic model --
    uphill along those directions, towards a saddle or a maximum. This class
    therefore uses the **absolute values of the eigenvalues** ("saddle-free
    Newton", Dauphin et al. 2014) plus a Levenberg–Marquardt damping λ ≥ 0:

    .. math::

        H = Q \Lambda Q^\top, \qquad
        \theta \leftarrow \theta - \eta\, Q\, (|\Lambda| + \lambda I)^{-1} Q^\top g .

    With a positive-definite H and λ = 0 this is exactly Newton's step. The step
    is always a descent direction (gᵀ step < 0 unless g = 0), because the
    modified matrix is positive definite. A singular H with λ = 0 raises
    ``ValueError``: pass ``damping > 0``.

    Hyper-parameters
    ----------------
    lr : float, default 1.0
        η, the step multiplier (1 is Newton's step; the lectures note η should
        not exceed 2 on a quadratic).
    damping : float, default 0.0
        λ, added to every |eigenvalue|. Large λ turns the step into gradient
        descent with learning rate η/λ.

    State
    -----
    None besides the step count ``t``.

    Closure
    -------
    ``closure()`` returns ``(loss, grads, hessian)``: ``grads`` a list of arrays
    shaped like the parameters, ``hessian`` the (n, n) matrix of second
    derivatives with respect to the flattened parameters.
    """

    requires_hessian = True

    def __init__(self, params, lr: float = 1.0, damping: float = 0.0):
        self.damping = check_number(type(self).__name__, "damping", damping, low=0.0)
        super().__init__(params, lr)

    def _closure_step(self, closure, s):
        loss, g, H = self._evaluate(closure)
        eigenvalues, Q = np.linalg.eigh(0.5 * (H + H.T))
        curvature = np.abs(eigenvalues) + self.damping  # |Λ| + λ
        if np.any(curvature <= 0):
            raise ValueError(
                f"{self.name}: the Hessian is singular (an eigenvalue is 0) and damping is 0; "
                "pass damping > 0"
            )
        step = Q @ ((Q.T @ g) / curvature)  # (|Λ| + λI)⁻¹ g in H's eigenbasis
        self._set_flat(self._flat(self.params) - self.lr * step)  # θ ← θ − η step
        return loss


class BFGS(ClosureOptimizer):
    r"""BFGS quasi-Newton with a backtracking (Armijo) line search.

    BFGS keeps an estimate M of the *inverse* Hessian and moves along
    d = −M g. Between two iterates it observes s = θ_new − θ_old and the change
    of gradient y = g_new − g_old; the secant condition of the Uppsala lecture,
    y = H s, is imposed on the new estimate (M y = s) with the smallest change
    to M (Nocedal & Wright 2006, eq. 6.17):

    .. math::

        \rho = \frac{1}{y^\top s}, \qquad
        M \leftarrow (I - \rho\, s y^\top)\, M\, (I - \rho\, y s^\top) + \rho\, s s^\top .

    The update is skipped when yᵀs ≤ 10⁻¹⁰ ‖s‖ ‖y‖ (curvature condition fails, M
    would lose positive definiteness). Before the first update M is scaled to
    (yᵀs / yᵀy) I (eq. 6.20). If d is not a descent direction M is reset to I.

    Line search: starting from α = η, α is multiplied by ``shrink`` until the
    Armijo condition L(θ + α d) ≤ L(θ) + c₁ α gᵀd holds; after
    ``max_backtracks`` failures the parameters are left where they were and
    M is reset to I.

    Hyper-parameters
    ----------------
    lr : float, default 1.0
        η, the first step length tried by the line search (1 is the full
        quasi-Newton step).
    c1 : float, default 1e-4
        The Armijo sufficient-decrease constant, 0 < c₁ < 1.
    shrink : float, default 0.5
        The backtracking factor, 0 < shrink < 1.
    max_backtracks : int, default 60
        The largest number of step halvings per line search.

    State
    -----
    ``inverse_hessian`` M (n × n, starts at I), ``prev_x`` and ``prev_grad``
    (θ and g where the last step started), ``has_prev`` (1.0 once a step was
    taken, else 0.0), ``scaled`` (1.0 once M was scaled, else 0.0).

    Closure
    -------
    ``closure()`` returns ``(loss, grads)``. It is called once at the start of
    every step and once per line-search trial.
    """

    def __init__(
        self,
        params,
        lr: float = 1.0,
        c1: float = 1e-4,
        shrink: float = 0.5,
        max_backtracks: int = 60,
    ):
        name = type(self).__name__
        self.c1 = check_number(name, "c1", c1, low=0.0, high=1.0, open_low=True)
        self.shrink = check_number(name, "shrink", shrink, low=0.0, high=1.0, open_low=True)
        self.max_backtracks = check_count(name, "max_backtracks", max_backtracks, low=1)
        super().__init__(params, lr)

    def reset_state(self):
        n = self.size
        self.t = 0
        self.state = [
            {
                "inverse_hessian": np.eye(n),
                "prev_x": np.zeros(n),
                "prev_grad": np.zeros(n),
                "has_prev": np.array(0.0),
                "scaled": np.array(0.0),
            }
        ]

    def _closure_step(self, closure, s):
        loss, g = self._evaluate(closure)
        x = self._flat(self.params).copy()
        M = s["inverse_hessian"]
        if s["has_prev"]:
            s_vec, y = x - s["prev_x"], g - s["prev_grad"]  # s = θ − θ_prev, y = g − g_prev
            sy = float(s_vec @ y)
            if sy > 1e-10 * np.linalg.norm(s_vec) * np.linalg.norm(y):
                if not s["scaled"]:
                    M[...] = np.eye(len(x)) * (sy / float(y @ y))  # M₀ = (yᵀs / yᵀy) I
                    s["scaled"][...] = 1.0
                rho = 1.0 / sy  # M ← (I − ρsyᵀ) M (I − ρysᵀ) + ρssᵀ
                My = M @ y
                M += rho * (
                    (1.0 + rho * float(y @ My)) * np.outer(s_vec, s_vec)
                    - np.outer(s_vec, My)
                    - np.outer(My, s_vec)
                )
        d = -M @ g  # d = −M g
        slope = float(g @ d)
        if slope > 0 or (slope == 0 and np.any(g)):
            M[...] = np.eye(len(x))  # not a descent direction: restart from I
            d, slope = -g, -float(g @ g)
        alpha = self.lr
        for _ in range(self.max_backtracks):
            self._set_flat(x + alpha * d)
            trial = float(self._evaluate(closure)[0])
            if trial <= loss + self.c1 * alpha * slope:  # Armijo: sufficient decrease
                break
            alpha *= self.shrink
        else:
            self._set_flat(x)  # no acceptable step: stay, restart the estimate
            M[...] = np.eye(len(x))
        s["prev_x"][...] = x
        s["prev_grad"][...] = g
        s["has_prev"][...] = 1.0
        return loss
