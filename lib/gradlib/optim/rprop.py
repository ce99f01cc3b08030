"""Methods that treat every weight on its own: Rprop and QuickProp (the convergence slides).

Both look at the derivative of each weight separately and use the *trend* of
its sign or value, not the size of the gradient step alone.
"""

from __future__ import annotations

import numpy as np

from gradlib._checks import check_gradients, check_number, check_pair

from .base import Optimizer, zeros_state

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
      :func:`gradlib.book.lecture_forms.rprop`.

    Hyper-parameters
    ----------------
    lr : float, default 0.01
        Δ₀, the initial step size of every weight. Changing ``lr`` later has no
        effect until :meth:`reset_state` (as in torch), so a learning-rate schedule
        (:mod:`gradlib.schedules`) refuses an Rprop: it could not change a step.
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

    lr_used_at_every_step = False  # only reset_state reads lr, as Δ₀

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

    def reset_state(self):
        """Every weight's step size back to Δ₀ = lr; no previous slope or change."""
        self.t = 0
        self.state = [
            {
                "prev": np.zeros_like(theta),
                "step_size": np.full_like(theta, self.lr),
                "prev_change": np.zeros_like(theta),
            }
            for theta in self.params
        ]

    def step(self, grads):
        """One Rprop update: each weight moves by its own step size against its slope's sign,

        which grows by η₊ while the sign holds and shrinks by η₋ when it flips.
        """
        grads = check_gradients(self.name, grads, self.params)
        self.t += 1
        eta_minus, eta_plus = self.etas
        for theta, g, s in zip(self.params, grads, self.state, strict=True):
            g_prev, step_size, prev_change = s["prev"], s["step_size"], s["prev_change"]
            kept = g * g_prev > 0  # the derivative kept its sign: speed up
            flipped = g * g_prev < 0  # it changed sign, a minimum was overshot: slow down
            factor = np.select([kept, flipped], [eta_plus, eta_minus], default=1.0)
            step_size[...] = np.clip(factor * step_size, *self.step_sizes)  # Δ ← clip(Δ · factor)
            g = np.where(flipped, 0.0, g)  # forget the derivative where it flipped
            change = -np.sign(g) * step_size  # Δθ = −sign(g) Δ, 0 where it was forgotten ...
            if self.backtracking:
                change = np.where(flipped, -prev_change, change)  # ... or undo the last change
            theta += change  # θ ← θ + Δθ
            g_prev[...] = g  # g_prev ← g
            prev_change[...] = change  # Δθ_prev ← Δθ


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

    def __init__(self, params, lr: float = 0.01, mu: float = 1.75):
        self.mu = check_number(type(self).__name__, "mu", mu, low=0.0, open_low=True)
        super().__init__(params, lr)

    def reset_state(self):
        """No previous slope g_prev and no previous step Δθ_prev (zeros): t = 0."""
        self.t = 0
        self.state = zeros_state(self.params, "prev_grad", "prev_step")

    def step(self, grads):
        """One QuickProp update: each weight jumps to the minimum of its secant parabola,

        Δθ = g / (g_prev − g) · Δθ_prev, at most μ times the last step.
        """
        grads = check_gradients(self.name, grads, self.params)
        self.t += 1
        mu = self.mu
        for theta, g, s in zip(self.params, grads, self.state, strict=True):
            g_prev, prev_step = s["prev_grad"], s["prev_step"]
            # the secant ratio r = g / (g_prev − g), taken as 0 where g_prev = g
            r = np.divide(g, g_prev - g, out=np.zeros_like(g), where=g_prev != g)
            # at most μ × the last step, where the parabola's minimum is further (or does not exist)
            too_far = (g * g_prev > 0) & (np.abs(g) >= mu / (1 + mu) * np.abs(g_prev))
            r = np.where(too_far, mu, r)
            step = np.where(
                prev_step != 0, r * prev_step, -self.lr * g
            )  # Δθ; a gradient step at first
            theta += step  # θ ← θ + Δθ
            g_prev[...] = g  # g_prev ← g
            prev_step[...] = step  # Δθ_prev ← Δθ
