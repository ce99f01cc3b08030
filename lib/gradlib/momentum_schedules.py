r"""Momentum schedules: raise the momentum coefficient μ as training proceeds.

:func:`sutskever_momentum` is the schedule of Sutskever, Martens, Dahl and
Hinton (2013), quoted by the DL Notes post ("increased from as low as 0.5 up to
0.99"):

.. math::

    \mu_t = \min\bigl(1 - 2^{-1 - \log_2(\lfloor t / T \rfloor + 1)},\ \mu_{\max}\bigr)
          = \min\Bigl(1 - \frac{1}{2(\lfloor t / T \rfloor + 1)},\ \mu_{\max}\Bigr),

with t = 0, 1, 2, ... the number of updates taken so far and T = 250. It starts
at 0.5, becomes 0.75 after T updates, 5/6 after 2T, ... and never exceeds μ_max.

:class:`MomentumSchedule` drives an optimizer's ``momentum`` with it, the way
:mod:`gradlib.schedules` drives ``lr``: the constructor sets μ₀ and every
:meth:`MomentumSchedule.step` (called after each update) sets the next μ_t.
With a constant learning rate, ``SGD`` (torch's form, b ← μ_t b + g) and the
lectures' velocity form (v ← μ_t v − ηg) still visit the same points, since
v = −ηb holds step by step whatever μ_t is.
"""

from __future__ import annotations

import numpy as np

from .optim.base import Optimizer, check_number

__all__ = ["MomentumSchedule", "sutskever_momentum"]


def sutskever_momentum(t, mu_max: float = 0.99, period: int = 250):
    """μ_t = min(1 − 1 / (2(⌊t / period⌋ + 1)), mu_max) for update t = 0, 1, 2, ...

    Parameters
    ----------
    t : int or array of int
        The number of updates taken so far (≥ 0).
    mu_max : float, default 0.99
        The cap μ_max, in [0, 1).
    period : int, default 250
        T, the number of updates between two increases of μ.

    Returns
    -------
    float for an int ``t``, an array of floats of t's shape otherwise.
    """
    mu_max = check_number("sutskever_momentum", "mu_max", mu_max, low=0.0, high=1.0)
    if isinstance(period, bool) or not isinstance(period, int | np.integer) or period < 1:
        raise ValueError(f"sutskever_momentum: period must be an integer ≥ 1, got {period!r}")
    arr = np.asarray(t)
    if arr.dtype.kind not in "iu" or np.any(arr < 0):
        raise ValueError(f"sutskever_momentum: t must be an integer ≥ 0 (or an array), got {t!r}")
    mu = np.minimum(1.0 - 1.0 / (2.0 * (arr // period + 1)), mu_max)
    return float(mu) if mu.ndim == 0 else mu


class MomentumSchedule:
    """Sets ``optimizer.momentum`` to :func:`sutskever_momentum` of the update count.

    Parameters
    ----------
    optimizer : Optimizer
        An optimizer with a ``momentum`` attribute (``SGD`` with momentum > 0).
    mu_max : float, default 0.99
    period : int, default 250

    Attributes
    ----------
    t : int
        The number of :meth:`step` calls so far; the optimizer's momentum is μ_t.
    """

    def __init__(self, optimizer: Optimizer, mu_max: float = 0.99, period: int = 250):
        if not isinstance(optimizer, Optimizer) or not hasattr(optimizer, "momentum"):
            raise TypeError(
                "MomentumSchedule: expected an optimizer with a momentum coefficient (SGD), got "
                f"{type(optimizer).__name__}"
            )
        self.optimizer, self.mu_max, self.period = optimizer, mu_max, period
        self.t = 0
        self._apply()

    def momentum_at(self, t):
        """μ_t for update count t (an int or int array)."""
        return sutskever_momentum(t, self.mu_max, self.period)

    def step(self) -> float:
        """Call after each update: advance t and set the optimizer's momentum; return it."""
        self.t += 1
        return self._apply()

    def _apply(self) -> float:
        mu = self.momentum_at(self.t)
        self.optimizer.momentum = mu
        return mu

    def __repr__(self) -> str:
        return f"MomentumSchedule(mu_max={self.mu_max}, period={self.period}, t={self.t})"
