"""Methods that treat every weight on its own: Rprop and QuickProp (the convergence slides).

Both look at the derivative of each weight separately and use the *trend* of
its sign or value, not the size of the gradient step alone.
"""

from __future__ import annotations

import numpy as np

from .base import Optimizer, check_number, check_pair

__all__ = ["QuickProp", "Rprop"]


class Rprop(Optimizer):
    r"""Resilient backpropagation (Riedmiller & Braun 1993): a step size per weight.

    Only the *sign* of each derivative is used. Each weight has its own step
    size Δ: it grows by η₊ while the derivative keeps its sign and shrinks by
    η₋ when the sign flips (a minimum was overshot), within a floor and a ceiling.

    Two variants, chosen by ``backtracking``:

    * ``backtracking=False`` (default) is what ``torch.optim.Rprop`` implements
      (often called Rprop⁻): where the sign flipped, the weight does not move
      this step and its derivative is forgotten (set to 0).
    * ``backtracking=True`` is the lectures' version with weight backtracking
      (Rprop⁺ of the 1993 paper): where the sign flipped, the weight's last
      change is *undone* (θ goes back to where it was before the overshoot) and
      its derivative is forgotten, so the next step goes the old way again with
      the reduced step size. The lecture's slide does the undo and that smaller
      step in one iteration; here they take two steps (the step between them
      sees the gradient at the restored point), see
      :func:`gradlib.optim.lecture_forms.rprop`.

    Hyper-parameters
    ----------------
    lr : float, default 0.01
        Δ₀, the initial step size of every weight. (Changing ``lr`` later has no
        effect until :meth:`reset_state`, as in torch.)
    etas : (float, float), default (0.5, 1.2)
        (η₋, η₊) with 0 < η₋ < 1 < η₊: the shrink and growth factors.
    step_sizes : (float, float), default (1e-6, 50)
        (Δ_min, Δ_max), the floor and ceiling of every step size.
    backtracking : bool, default False
        Undo the last change of a weight whose derivative changed sign (Rprop⁺).

    State (per parameter)
    ---------------------
    ``prev`` g_prev (the last remembered derivative, 0 at the start and after a
    sign flip), ``step_size`` Δ (starts at Δ₀), ``prev_change`` Δθ_prev (the
    change applied to θ at the last step, 0 at the start).

    Update (elementwise)
    --------------------
    .. math::

        \Delta &\leftarrow \operatorname{clip}\bigl(\Delta \cdot
            \{\eta_+ \text{ if } g\,g_{prev} > 0;\ \eta_- \text{ if } g\,g_{prev} < 0;
            \ 1 \text{ otherwise}\},\ \Delta_{\min}, \Delta_{\max}\bigr) \\
        \Delta\theta &= -\operatorname{sign}(g)\,\Delta \ \text{ where } g\,g_{prev} \ge 0;
            \quad \text{where } g\,g_{prev} < 0:\
            \Delta\theta = 0 \ \text{(torch)}, \ \
            \Delta\theta = -\Delta\theta_{prev} \ \text{(backtracking)},\ \ g \leftarrow 0 \\
        \theta &\leftarrow \theta + \Delta\theta, \quad g_{prev} \leftarrow g, \quad
            \Delta\theta_{prev} \leftarrow \Delta\theta
    """

    hyperparameters = ("etas", "step_sizes", "backtracking")
    scratch_arrays = 2

    def __init__(
        self,
        params,
        lr: float = 0.01,
        etas: tuple[float, float] = (0.5, 1.2),
        step_sizes: tuple[float, float] = (1e-6, 50),
        backtracking: bool = False,
    ):
        name = type(self).__name__
        eta_minus, eta_plus = check_pair(name, "etas", etas)
        eta_minus = check_number(name, "etas[0] (η₋)", eta_minus, low=0.0, high=1.0, open_low=True)
        eta_plus = check_number(name, "etas[1] (η₊)", eta_plus, low=1.0, open_low=True)
        lo, hi = check_pair(name, "step_sizes", step_sizes)
        lo = check_number(name, "step_sizes[0] (Δ_min)", lo, low=0.0)
        hi = check_number(name, "step_sizes[1] (Δ_max)", hi, low=lo)
        self.etas = (eta_minus, eta_plus)
        self.step_sizes = (lo, hi)
        self.backtracking = bool(backtracking)
        super().__init__(params, lr)

    def _init_state(self, theta):
        return {
            "prev": np.zeros_like(theta),
            "step_size": np.full_like(theta, self.lr),
            "prev_change": np.zeros_like(theta),
        }

    def _update(self, theta, g, s, buf):
        # Elementwise choices are blends with 0/1 masks (m·a + (1 − m)·b written as sums of
        # products that are exactly a or 0): exact, and far faster than np.where on scalars.
        eta_minus, eta_plus = self.etas
        g_prev, delta, prev_change = s["prev"], s["step_size"], s["prev_change"]
        factor, tmp = buf
        trend = np.multiply(g, g_prev, out=tmp)  # the sign of g·g_prev
        grew, flipped, steady = trend > 0, trend < 0, trend == 0
        np.multiply(grew, eta_plus, out=factor)  # η₊ where the sign held, η₋ where it
        factor += np.multiply(flipped, eta_minus, out=tmp)  # flipped, 1 where g·g_prev = 0
        factor += steady
        delta *= factor  # Δ ← clip(Δ·factor, Δ_min, Δ_max)
        np.clip(delta, *self.step_sizes, out=delta)
        np.multiply(g, ~flipped, out=g_prev)  # g_prev ← g, forgotten (0) where it flipped
        change = np.sign(g_prev, out=factor)  # Δθ = −sign(g)Δ, which is 0 where flipped ...
        change *= delta
        np.negative(change, out=change)
        if self.backtracking:
            change -= np.multiply(flipped, prev_change, out=tmp)  # ... or −Δθ_prev (undo)
        theta += change  # θ ← θ + Δθ
        prev_change[...] = change


class QuickProp(Optimizer):
    r"""QuickProp (Fahlman 1988): a per-weight secant (Newton) step, as in the convergence slides.

    Each weight's error curve is modelled as a parabola through its last two
    derivatives; the step jumps to that parabola's minimum. The second
    derivative is the finite difference (g − g_prev)/Δθ_prev, so Newton's step
    −g/E'' becomes

    .. math::

        \Delta\theta = \frac{g}{g_{prev} - g}\,\Delta\theta_{prev}.

    Fahlman's safeguards, all elementwise and vectorised:

    * **no previous step** (Δθ_prev = 0, e.g. the first step): a plain gradient
      step Δθ = −η g;
    * **maximum growth factor** μ: a step is at most μ times the previous one.
      When g and g_prev have the same sign and |g| ≥ μ/(1 + μ)·|g_prev| (the
      parabola's minimum is more than μ previous steps away, or the parabola
      opens downwards), Δθ = μ Δθ_prev;
    * **division by zero**: where g_prev = g the ratio is taken as 0 unless the
      growth rule above applies.

    Fahlman also adds a gradient term −η g to the secant step when the slopes
    agree; the lecture's version, implemented here, does not.

    Hyper-parameters
    ----------------
    lr : float, default 0.01
        η, the learning rate of the plain gradient steps.
    mu : float, default 1.75
        μ > 0, the maximum growth factor of a step.

    State (per parameter)
    ---------------------
    ``prev_grad`` g_prev and ``prev_step`` Δθ_prev, both starting at 0.

    Update (elementwise)
    --------------------
    .. math::

        r &= \mu \ \text{ if } g\,g_{prev} > 0 \text{ and }
            |g| \ge \tfrac{\mu}{1 + \mu}|g_{prev}|; \quad
            r = \frac{g}{g_{prev} - g} \ \text{ otherwise } (0 \text{ if } g_{prev} = g) \\
        \Delta\theta &= r\,\Delta\theta_{prev} \ \text{ if } \Delta\theta_{prev} \ne 0,
            \quad \Delta\theta = -\eta\, g \ \text{ otherwise} \\
        \theta &\leftarrow \theta + \Delta\theta, \quad g_{prev} \leftarrow g, \quad
            \Delta\theta_{prev} \leftarrow \Delta\theta
    """

    hyperparameters = ("mu",)
    scratch_arrays = 2

    def __init__(self, params, lr: float = 0.01, mu: float = 1.75):
        self.mu = check_number(type(self).__name__, "mu", mu, low=0.0, open_low=True)
        super().__init__(params, lr)

    def _init_state(self, theta):
        return {"prev_grad": np.zeros_like(theta), "prev_step": np.zeros_like(theta)}

    def _update(self, theta, g, s, buf):
        # Elementwise choices are blends with 0/1 masks (see Rprop._update).
        mu = self.mu
        g_prev, step = s["prev_grad"], s["prev_step"]
        r, tmp = buf
        no_prev = step == 0
        denom = np.subtract(g_prev, g, out=tmp)
        undefined = denom == 0
        denom += undefined  # divide by 1 where g_prev = g ...
        np.divide(g, denom, out=r)  # r = g/(g_prev − g)
        r *= ~undefined  # ... and take r = 0 there
        same_sign = np.multiply(g, g_prev, out=tmp) > 0
        limit = np.multiply(np.abs(g_prev, out=tmp), mu / (1 + mu), out=tmp)
        cap = same_sign & (np.abs(g) >= limit)  # at most μ × the last step:
        r *= ~cap  # r ← μ where the parabola's minimum is further (or does not exist)
        r += np.multiply(cap, mu, out=tmp)
        step *= r  # Δθ = r Δθ_prev (the state now holds the new step), which is 0 where
        step -= np.multiply(np.multiply(g, self.lr, out=tmp), no_prev, out=tmp)  # no last step
        theta += step  # θ ← θ + Δθ
        g_prev[...] = g
