"""Schedules that drive an optimizer's ``lr`` (or ``momentum``), and iterate averaging.

Schedules
---------
A schedule is attached to an optimizer and owns its ``lr``; an optimizer that
reads ``lr`` only when its state is reset (``Rprop``, whose ``lr`` is the initial
step size) is refused, since no schedule could change its steps. Epochs count as in
``torch.optim.lr_scheduler``:

* the **constructor** records the optimizer's current ``lr`` as η₀ (``base_lr``)
  and sets ``lr = lr_at(0)``, the rate of epoch 0;
* call :meth:`Schedule.step` **once at the end of every epoch**: after the
  n-th call ``epoch == n`` and ``optimizer.lr == lr_at(n)``, the rate used
  during epoch n (epochs are numbered from 0).

So ``StepDecay(opt, step_size=10)`` trains epochs 0–9 with η₀ and epochs 10–19
with γη₀; ``LinearDecay(opt, tau=100, final_lr=...)`` reaches ``final_lr`` in
epoch 100. "Epoch" may equally be read as "iteration" if ``step()`` is called
after every update (as the iteration-indexed formulas of the lectures do).

``lr_at(t)`` is the same rule as a pure function of t (an int or an array of
them), for plots; it does not touch the optimizer. A schedule can also be built
without an optimizer, ``StepDecay(None, step_size=10, base_lr=0.1)``, just to
plot it.

=========================  ================================================  ===============
schedule                   η_t                                               torch
=========================  ================================================  ===============
:class:`Constant`          η₀                                                --
:class:`StepDecay`         η₀ γ^⌊t / step_size⌋                              ``StepLR``
:class:`Exponential`       η₀ γᵗ  (= η₀ e^{−βt} with γ = e^{−β})              ``ExponentialLR``
:class:`LinearDecay`       (1 − t/τ) η₀ + (t/τ) η_τ for t ≤ τ, then η_τ        ``LinearLR``-like
:class:`InverseTime`       η₀ t₀ / (t₀ + t)  (= c / (t₀ + t))                  --
:class:`PolynomialDecay`   η₀ (t₀ / (t₀ + t))^p  (p = 2: quadratic decay)     --
:class:`ReduceOnPlateau`   × factor when the monitored loss stalls            ``ReduceLROnPlateau``
=========================  ================================================  ===============

Momentum schedules
------------------
:class:`MomentumSchedule` is a schedule of the momentum coefficient μ instead of η:
:func:`sutskever_momentum`, the schedule of Sutskever, Martens, Dahl and Hinton
(2013) that the DL Notes post quotes ("increased from as low as 0.5 up to 0.99"),

.. math::

    \\mu_t = \\min\\Bigl(1 - \frac{1}{2(\\lfloor t / T \rfloor + 1)},\\ \\mu_{\\max}\\Bigr),

with t the number of updates so far and T = 250: 0.5, then 0.75 after T updates,
5/6 after 2T, ..., never above μ_max.  Call its ``step()`` after every update.  With
a constant learning rate, ``SGD`` (torch's form, b ← μ_t b + g) and the lectures'
velocity form (v ← μ_t v − ηg) still visit the same points, since v = −ηb holds step
by step whatever μ_t is.

Iterate averaging
-----------------
:class:`PolyakAverage` and :class:`PolynomialDecayAverage` keep a running
average ξ of the parameters (the SGD slides: averaging the SGD iterates improves
the convergence bound).
"""

from __future__ import annotations

import math

import numpy as np

from ._checks import as_parameter_list, check_count, check_counts, check_int, check_number
from .optim.base import Optimizer

__all__ = [
    "Constant",
    "Exponential",
    "InverseTime",
    "IterateAverage",
    "LinearDecay",
    "PolyakAverage",
    "PolynomialDecay",
    "PolynomialDecayAverage",
    "MomentumSchedule",
    "ReduceOnPlateau",
    "Schedule",
    "StepDecay",
    "sutskever_momentum",
]


class Schedule:
    """Base class: attaches to an optimizer, sets ``lr_at(0)`` now and ``lr_at(epoch)`` on step().

    A schedule sets one hyper-parameter, named by the class attribute ``sets``:
    ``"lr"`` for the learning-rate schedules, ``"momentum"`` for
    :class:`MomentumSchedule`.

    Parameters
    ----------
    optimizer : Optimizer or None
        The optimizer whose hyper-parameter this schedule sets; None to only compute values.
    base_lr : float, optional (keyword only)
        η₀. Defaults to the optimizer's ``lr`` at construction; required when
        ``optimizer`` is None.

    Attributes
    ----------
    epoch : int
        The number of :meth:`step` calls so far: the epoch whose value is set now.
    """

    sets = "lr"

    def __init__(self, optimizer: Optimizer | None, *, base_lr: float | None = None):
        name = type(self).__name__
        if optimizer is not None and not isinstance(optimizer, Optimizer):
            raise TypeError(
                f"{name}: expected an Optimizer or None, got {type(optimizer).__name__}"
            )
        if optimizer is None and base_lr is None:
            raise ValueError(f"{name}: without an optimizer, pass base_lr= (the initial rate)")
        if self.sets == "lr" and optimizer is not None and not optimizer.lr_used_at_every_step:
            raise ValueError(
                f"{name}: {optimizer.name} reads lr only when its state is reset (as its "
                "initial step size), so a learning-rate schedule could not change any of its "
                f"steps; schedule an optimizer whose update uses lr at every step, or call "
                f"{optimizer.name}.reset_state() after setting lr yourself"
            )
        self.optimizer = optimizer
        self.base_lr = check_number(
            name, "base_lr", optimizer.lr if base_lr is None else base_lr, low=0.0
        )
        self.epoch = 0
        self._apply()

    def lr_at(self, t):
        """The learning rate of epoch t (int or int array; a float for an int)."""
        t = check_counts("lr_at", "t (the epoch)", t)
        out = self._rate(t)
        return float(out) if np.ndim(out) == 0 else np.asarray(out, dtype=np.float64)

    @property
    def lr(self) -> float:
        """The rate of the current epoch."""
        return self.lr_at(self.epoch)

    def step(self) -> float:
        """End the current epoch: advance ``epoch`` and set the optimizer's ``lr``; return it."""
        self.epoch += 1
        return self._apply()

    def _apply(self) -> float:
        value = self.lr
        if self.optimizer is not None:
            setattr(self.optimizer, self.sets, value)
        return value

    def _rate(self, t):
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_lr={self.base_lr}, epoch={self.epoch})"


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
    period = check_count("sutskever_momentum", "period", period, low=1)
    arr = check_counts("sutskever_momentum", "t", t)
    mu = np.minimum(1.0 - 1.0 / (2.0 * (arr // period + 1)), mu_max)
    return float(mu) if mu.ndim == 0 else mu


class MomentumSchedule(Schedule):
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
        The number of :meth:`step` calls so far (updates); the optimizer's momentum is μ_t.
    """

    sets = "momentum"

    def __init__(self, optimizer: Optimizer, mu_max: float = 0.99, period: int = 250):
        if not isinstance(optimizer, Optimizer) or not hasattr(optimizer, "momentum"):
            raise TypeError(
                "MomentumSchedule: expected an optimizer with a momentum coefficient (SGD), got "
                f"{type(optimizer).__name__}"
            )
        self.mu_max, self.period = mu_max, period
        super().__init__(optimizer)

    def _rate(self, t):
        return sutskever_momentum(t, self.mu_max, self.period)

    momentum_at = Schedule.lr_at  # (the same rule, named for what it gives)

    @property
    def t(self) -> int:
        return self.epoch

    def __repr__(self) -> str:
        return f"MomentumSchedule(mu_max={self.mu_max}, period={self.period}, t={self.t})"


class Constant(Schedule):
    """η_t = η₀: the rate never changes (a baseline for comparisons)."""

    def _rate(self, t):
        return np.full(np.shape(t), self.base_lr)


class StepDecay(Schedule):
    """η_t = η₀ γ^⌊t / step_size⌋: multiply by γ every ``step_size`` epochs (``torch`` StepLR).

    The lectures' "fix the rate until the loss plateaus, then divide by 10" with
    a fixed plateau length; γ = 0.1 divides by ten.
    """

    def __init__(self, optimizer, step_size: int, gamma: float = 0.1, *, base_lr=None):
        self.step_size = check_int(step_size, "StepDecay: step_size", low=1, unit="epoch")
        self.gamma = check_number("StepDecay", "gamma", gamma, low=0.0, open_low=True)
        super().__init__(optimizer, base_lr=base_lr)

    def _rate(self, t):
        return self.base_lr * self.gamma ** (t // self.step_size)


class Exponential(Schedule):
    """η_t = η₀ γᵗ (``torch`` ExponentialLR); the convergence slides' η₀ e^{−βt} is γ = e^{−β}."""

    def __init__(self, optimizer, gamma: float, *, base_lr=None):
        self.gamma = check_number("Exponential", "gamma", gamma, low=0.0, open_low=True)
        super().__init__(optimizer, base_lr=base_lr)

    def _rate(self, t):
        return self.base_lr * self.gamma ** t.astype(np.float64)


class LinearDecay(Schedule):
    """The Uppsala lecture's linear decay: η_t = (1 − t/τ) η₀ + (t/τ) η_τ until t = τ, then η_τ.

    Parameters
    ----------
    tau : int
        τ ≥ 1, the epoch at which the decay ends.
    final_lr : float
        η_τ ≥ 0 (the lecture suggests about 1% of η₀).
    """

    def __init__(self, optimizer, tau: int, final_lr: float, *, base_lr=None):
        self.tau = check_count("LinearDecay", "tau", tau, low=1)
        self.final_lr = check_number("LinearDecay", "final_lr", final_lr, low=0.0)
        super().__init__(optimizer, base_lr=base_lr)

    def _rate(self, t):
        a = np.minimum(t, self.tau) / self.tau  # α = t/τ, frozen at 1 after τ
        return (1 - a) * self.base_lr + a * self.final_lr


class PolynomialDecay(Schedule):
    """η_t = η₀ (t₀ / (t₀ + t))^p: p = 1 is the 1/t decay, p = 2 the quadratic decay.

    With t₀ = 1 these are the convergence slides' η₀/(t + 1) and η₀/(t + 1)². (Not torch's
    PolynomialLR, which decays to zero at a fixed epoch.)

    Parameters
    ----------
    power : float, default 2.0
        p > 0.
    t0 : float, default 1.0
        t₀ > 0: how many epochs pass before the rate has fallen noticeably.
    """

    def __init__(self, optimizer, power: float = 2.0, t0: float = 1.0, *, base_lr=None):
        name = type(self).__name__
        self.power = check_number(name, "power", power, low=0.0, open_low=True)
        self.t0 = check_number(name, "t0", t0, low=0.0, open_low=True)
        super().__init__(optimizer, base_lr=base_lr)

    def _rate(self, t):
        return self.base_lr * (self.t0 / (self.t0 + t)) ** self.power


class InverseTime(PolynomialDecay):
    """η_t = η₀ t₀ / (t₀ + t), the c/(t₀ + t) decay with c = η₀ t₀.

    It satisfies the Robbins–Monro conditions of the Uppsala lecture (Σ η_t = ∞,
    Σ η_t² < ∞) and is the η ∝ 1/t rate of the SGD slides.
    """

    def __init__(self, optimizer, t0: float = 1.0, *, base_lr=None):
        super().__init__(optimizer, power=1.0, t0=t0, base_lr=base_lr)


class ReduceOnPlateau(Schedule):
    """Multiply the rate by ``factor`` when the monitored loss stops improving (``torch``
    ReduceLROnPlateau, same arguments and semantics).

    Call ``step(loss)`` at the end of every epoch with the validation loss. The
    loss *improves* when it beats the best so far by more than ``threshold``
    (relative: loss < best·(1 − threshold); absolute: loss < best − threshold;
    reversed for ``mode="max"``). Each epoch without improvement is a *bad
    epoch*; when there have been more than ``patience`` bad epochs in a row the
    rate becomes max(lr·factor, min_lr) (unchanged if that changes it by less
    than ``eps``), the count restarts, and for the next ``cooldown`` epochs bad
    epochs are not counted.

    Example: patience=2 → losses 1.0 (best), 1.0, 1.0, 1.0: the 3rd bad epoch
    (epoch 3) reduces the rate, so epoch 4 trains with η₀·factor.

    ``lr_at(t)`` returns the rate that was set for epoch t ≤ ``epoch`` (the
    future depends on losses not seen yet).
    """

    def __init__(
        self,
        optimizer,
        mode: str = "min",
        factor: float = 0.1,
        patience: int = 10,
        threshold: float = 1e-4,
        threshold_mode: str = "rel",
        cooldown: int = 0,
        min_lr: float = 0.0,
        eps: float = 1e-8,
        *,
        base_lr=None,
    ):
        name = type(self).__name__
        if mode not in ("min", "max"):
            raise ValueError(f"{name}: mode must be 'min' or 'max', got {mode!r}")
        if threshold_mode not in ("rel", "abs"):
            raise ValueError(
                f"{name}: threshold_mode must be 'rel' or 'abs', got {threshold_mode!r}"
            )
        self.factor = check_number(name, "factor", factor, low=0.0, high=1.0)
        self.mode, self.threshold_mode = mode, threshold_mode
        self.patience = check_count(name, "patience", patience)
        self.cooldown = check_count(name, "cooldown", cooldown)
        self.threshold = check_number(name, "threshold", threshold, low=0.0)
        self.min_lr = check_number(name, "min_lr", min_lr, low=0.0)
        self.eps = check_number(name, "eps", eps, low=0.0)
        self.best = math.inf if mode == "min" else -math.inf
        self.num_bad_epochs = 0
        self.cooldown_counter = 0
        self._history: list[float] = []
        self._current = None
        super().__init__(optimizer, base_lr=base_lr)

    def is_better(self, a: float, best: float) -> bool:
        """Whether loss ``a`` improves on ``best`` by more than the threshold."""
        sign = 1.0 if self.mode == "min" else -1.0  # "max" mode: compare negated losses
        if self.threshold_mode == "rel":
            return sign * a < sign * best * (1 - sign * self.threshold)
        return sign * a < sign * best - self.threshold

    def step(self, loss: float) -> float:  # type: ignore[override]
        """End the current epoch with its monitored ``loss``; return the next epoch's rate."""
        loss = float(loss)
        self.epoch += 1
        if self.is_better(loss, self.best):
            self.best = loss
            self.num_bad_epochs = 0
        else:
            self.num_bad_epochs += 1
        if self.cooldown_counter > 0:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0  # bad epochs during cooldown do not count
        lr = self._current
        if self.num_bad_epochs > self.patience:
            reduced = max(lr * self.factor, self.min_lr)
            if lr - reduced > self.eps:
                lr = reduced
            self.cooldown_counter = self.cooldown
            self.num_bad_epochs = 0
        self._current = lr
        return self._apply()

    @property
    def lr(self) -> float:
        return self._current

    def _apply(self) -> float:
        if self._current is None:  # construction: epoch 0 trains with η₀
            self._current = self.base_lr
        self._history.append(self._current)
        if self.optimizer is not None:
            self.optimizer.lr = self._current
        return self._current

    def _rate(self, t):
        if np.any(t > self.epoch):
            raise ValueError(
                f"ReduceOnPlateau.lr_at: epochs after the current one ({self.epoch}) depend on "
                f"losses not seen yet; got {np.max(t)}"
            )
        return np.asarray(self._history)[t]


class IterateAverage:
    """Base class: a running weighted average ξ of a list of parameter arrays.

    Call :meth:`update` after every optimizer step; ``average`` holds ξ, one
    array per parameter (same shapes and dtypes). The first update sets ξ = θ.

    The recursion is ξ_t = (1 − w_t) ξ_{t−1} + w_t θ_t with w_1 = 1; subclasses
    choose w_t. Only the iterates passed to :meth:`update` are averaged (θ₀,
    the starting point, is not, unless you call update() before the first step).
    """

    def __init__(self, params):
        self.params = as_parameter_list(params, type(self).__name__)
        self.reset()

    def weight(self, t: int) -> float:
        raise NotImplementedError

    def reset(self) -> None:
        """Forget the average (t = 0)."""
        self.t = 0
        self.average = [np.zeros_like(p) for p in self.params]

    def update(self) -> None:
        """Fold the current parameters in: ξ ← (1 − w_t) ξ + w_t θ."""
        self.t += 1
        w = self.weight(self.t)
        for avg, theta in zip(self.average, self.params, strict=True):
            avg += w * (theta - avg)


class PolyakAverage(IterateAverage):
    """The running mean of the iterates (Polyak–Ruppert averaging): ξ_t = (θ_1 + … + θ_t)/t.

    As a recursion, ξ_t = (1 − 1/t) ξ_{t−1} + θ_t / t.
    """

    def weight(self, t: int) -> float:
        return 1.0 / t


class PolynomialDecayAverage(IterateAverage):
    """Polynomial-decay averaging (Shamir & Zhang 2013), from the SGD slides.

    .. math::

        \\xi_t = \\Bigl(1 - \\frac{\\eta + 1}{t + \\eta}\\Bigr) \\xi_{t-1}
                 + \\frac{\\eta + 1}{t + \\eta}\\, \\theta_t

    Recent iterates weigh more than in the plain mean (η = 0 *is* the plain
    mean), which keeps the O(1/t) rate of SGD with step sizes ∝ 1/t on strongly
    convex problems instead of losing a log t factor.

    Parameters
    ----------
    eta : float, default 3.0
        η ≥ 0, a small constant (here η is *not* a learning rate; 3 is the
        value used as an example by Shamir & Zhang).
    """

    def __init__(self, params, eta: float = 3.0):
        self.eta = check_number("PolynomialDecayAverage", "eta", eta, low=0.0)
        super().__init__(params)

    def weight(self, t: int) -> float:
        return (self.eta + 1) / (t + self.eta)
