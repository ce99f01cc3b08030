"""Adaptive per-parameter step sizes: AdaGrad, RMSprop, AdaDelta, Adam and AdaMax.

Each update follows ``torch.optim`` exactly, including where ε enters. The
blocks are written with in-place numpy operations (``out=``) so that a step
allocates nothing on the default path; the comment on each line is the formula
it computes. ``buf`` is a scratch array (see :mod:`gradlib.optim.base`).
"""

from __future__ import annotations

import math

import numpy as np

from .base import Optimizer, check_number, check_pair

__all__ = ["Adadelta", "Adagrad", "Adam", "Adamax", "RMSprop"]


def _check_betas(owner: str, betas) -> tuple[float, float]:
    b1, b2 = check_pair(owner, "betas", betas)
    return (
        check_number(owner, "betas[0]", b1, low=0.0, high=1.0),
        check_number(owner, "betas[1]", b2, low=0.0, high=1.0),
    )


class Adagrad(Optimizer):
    r"""AdaGrad (Duchi, Hazan & Singer 2011), as ``torch.optim.Adagrad``.

    Hyper-parameters
    ----------------
    lr : float, default 0.01
        Learning rate η.
    lr_decay : float, default 0
        δ: at step t the learning rate is η / (1 + (t − 1) δ).
    weight_decay : float, default 0
        λ: g is replaced by g + λθ.
    initial_accumulator_value : float, default 0
        G₀, the starting value of the sum of squared gradients.
    eps : float, default 1e-10
        ε, added to √G (outside the root).

    State (per parameter)
    ---------------------
    ``sum`` G, the running sum of squared gradients (starts at G₀).

    Update
    ------
    .. math::

        \eta_t = \frac{\eta}{1 + (t-1)\delta}, \qquad
        G \leftarrow G + g \odot g, \qquad
        \theta \leftarrow \theta - \eta_t\, \frac{g}{\sqrt{G} + \epsilon}
    """

    hyperparameters = ("lr_decay", "weight_decay", "initial_accumulator_value", "eps")

    def __init__(
        self,
        params,
        lr: float = 0.01,
        lr_decay: float = 0.0,
        weight_decay: float = 0.0,
        initial_accumulator_value: float = 0.0,
        eps: float = 1e-10,
    ):
        name = type(self).__name__
        self.lr_decay = check_number(name, "lr_decay", lr_decay, low=0.0)
        self.weight_decay = check_number(name, "weight_decay", weight_decay, low=0.0)
        self.initial_accumulator_value = check_number(
            name, "initial_accumulator_value", initial_accumulator_value, low=0.0
        )
        self.eps = check_number(name, "eps", eps, low=0.0)
        super().__init__(params, lr)

    def _init_state(self, theta):
        return {"sum": np.full_like(theta, self.initial_accumulator_value)}

    def _update(self, theta, g, s, buf):
        if self.weight_decay:
            g = g + self.weight_decay * theta  # g ← g + λθ
        clr = self.lr / (1 + (self.t - 1) * self.lr_decay)  # η_t = η / (1 + (t − 1)δ)
        G = s["sum"]
        G += np.square(g, out=buf)  # G ← G + g²
        denom = np.sqrt(G, out=buf)  # √G + ε
        denom += self.eps
        theta -= np.multiply(np.divide(g, denom, out=buf), clr, out=buf)  # θ ← θ − η_t g/(√G+ε)


class RMSprop(Optimizer):
    r"""RMSprop (Hinton's lecture 6e), as ``torch.optim.RMSprop``.

    Hyper-parameters
    ----------------
    lr : float, default 0.01
        Learning rate η.
    alpha : float, default 0.99
        α, the decay rate of the running mean of g² (the lectures' γ or β).
    eps : float, default 1e-8
        ε, added to the root (outside it).
    weight_decay : float, default 0
        λ: g is replaced by g + λθ.
    momentum : float, default 0
        μ: momentum applied to the normalised step.
    centered : bool, default False
        Normalise by an estimate of the *variance* of g (subtract the squared
        running mean of g) instead of its raw second moment.

    State (per parameter)
    ---------------------
    ``square_avg`` v (running mean of g²); ``grad_avg`` ḡ (running mean of g,
    used when centered); ``momentum_buffer`` b (used when μ > 0). All start at 0.

    Update
    ------
    .. math::

        v &\leftarrow \alpha v + (1 - \alpha)\, g \odot g \\
        \bar g &\leftarrow \alpha \bar g + (1 - \alpha)\, g, \quad
            D = \sqrt{v - \bar g \odot \bar g} + \epsilon \ \text{(centered)}, \quad
            D = \sqrt{v} + \epsilon \ \text{(otherwise)} \\
        b &\leftarrow \mu b + g / D, \quad \theta \leftarrow \theta - \eta b
            \ \ (\mu > 0); \qquad \theta \leftarrow \theta - \eta\, g / D \ \ (\mu = 0)
    """

    hyperparameters = ("alpha", "eps", "weight_decay", "momentum", "centered")

    def __init__(
        self,
        params,
        lr: float = 0.01,
        alpha: float = 0.99,
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        momentum: float = 0.0,
        centered: bool = False,
    ):
        name = type(self).__name__
        self.alpha = check_number(name, "alpha", alpha, low=0.0, high=1.0, open_high=False)
        self.eps = check_number(name, "eps", eps, low=0.0)
        self.weight_decay = check_number(name, "weight_decay", weight_decay, low=0.0)
        self.momentum = check_number(name, "momentum", momentum, low=0.0)
        self.centered = bool(centered)
        super().__init__(params, lr)

    def _init_state(self, theta):
        return {
            "square_avg": np.zeros_like(theta),
            "grad_avg": np.zeros_like(theta),
            "momentum_buffer": np.zeros_like(theta),
        }

    def _update(self, theta, g, s, buf):
        a = self.alpha
        if self.weight_decay:
            g = g + self.weight_decay * theta  # g ← g + λθ
        v = s["square_avg"]
        v *= a  # v ← αv + (1 − α)g²
        v += np.multiply(np.square(g, out=buf), 1 - a, out=buf)
        if self.centered:
            gbar = s["grad_avg"]
            gbar *= a  # ḡ ← αḡ + (1 − α)g
            gbar += np.multiply(g, 1 - a, out=buf)
            denom = np.subtract(v, np.square(gbar, out=buf), out=buf)  # D = √(v − ḡ²) + ε
            denom = np.sqrt(denom, out=buf)
        else:
            denom = np.sqrt(v, out=buf)  # D = √v + ε
        denom += self.eps
        step = np.divide(g, denom, out=buf)  # g / D
        if self.momentum > 0:
            b = s["momentum_buffer"]
            b *= self.momentum  # b ← μb + g/D
            b += step
            theta -= np.multiply(b, self.lr, out=buf)  # θ ← θ − ηb
        else:
            theta -= np.multiply(step, self.lr, out=buf)  # θ ← θ − η g/D


class Adadelta(Optimizer):
    r"""AdaDelta (Zeiler 2012), as ``torch.optim.Adadelta``.

    Zeiler's method has no learning rate; torch multiplies its step by ``lr``,
    default 1.0, which *is* Zeiler's method (see
    :func:`gradlib.optim.lecture_forms.adadelta`).

    Hyper-parameters
    ----------------
    lr : float, default 1.0
        η, a multiplier of the step.
    rho : float, default 0.9
        ρ, the decay rate of both running means.
    eps : float, default 1e-6
        ε, added *inside* both roots.
    weight_decay : float, default 0
        λ: g is replaced by g + λθ.

    State (per parameter)
    ---------------------
    ``square_avg`` v, the running mean of g²; ``acc_delta`` u, the running mean
    of the squared steps Δ². Both start at 0.

    Update
    ------
    .. math::

        v \leftarrow \rho v + (1 - \rho)\, g \odot g, \quad
        \Delta = \frac{\sqrt{u + \epsilon}}{\sqrt{v + \epsilon}} \odot g, \quad
        u \leftarrow \rho u + (1 - \rho)\, \Delta \odot \Delta, \quad
        \theta \leftarrow \theta - \eta \Delta
    """

    hyperparameters = ("rho", "eps", "weight_decay")
    scratch_arrays = 2

    def __init__(
        self,
        params,
        lr: float = 1.0,
        rho: float = 0.9,
        eps: float = 1e-6,
        weight_decay: float = 0.0,
    ):
        name = type(self).__name__
        self.rho = check_number(name, "rho", rho, low=0.0, high=1.0, open_high=False)
        self.eps = check_number(name, "eps", eps, low=0.0)
        self.weight_decay = check_number(name, "weight_decay", weight_decay, low=0.0)
        super().__init__(params, lr)

    def _init_state(self, theta):
        return {"square_avg": np.zeros_like(theta), "acc_delta": np.zeros_like(theta)}

    def _update(self, theta, g, s, buf):
        rho, eps = self.rho, self.eps
        if self.weight_decay:
            g = g + self.weight_decay * theta  # g ← g + λθ
        delta, tmp = buf
        v, u = s["square_avg"], s["acc_delta"]
        v *= rho  # v ← ρv + (1 − ρ)g²
        v += np.multiply(np.square(g, out=tmp), 1 - rho, out=tmp)
        np.sqrt(np.add(u, eps, out=delta), out=delta)  # Δ = √(u+ε)/√(v+ε) · g
        delta /= np.sqrt(np.add(v, eps, out=tmp), out=tmp)
        delta *= g
        u *= rho  # u ← ρu + (1 − ρ)Δ²
        u += np.multiply(np.square(delta, out=tmp), 1 - rho, out=tmp)
        theta -= np.multiply(delta, self.lr, out=tmp)  # θ ← θ − ηΔ


class Adam(Optimizer):
    r"""Adam (Kingma & Ba 2015), as ``torch.optim.Adam``; ``amsgrad=True`` is AMSGrad.

    Hyper-parameters
    ----------------
    lr : float, default 0.001
        Learning rate η.
    betas : (float, float), default (0.9, 0.999)
        β₁, β₂ ∈ [0, 1): decay rates of the running means of g and g².
    eps : float, default 1e-8
        ε, added to the bias-corrected root (outside it).
    weight_decay : float, default 0
        λ: g is replaced by g + λθ (L2 penalty, not AdamW's decoupled decay).
    amsgrad : bool, default False
        Divide by the running *maximum* of v instead of v (Reddi et al. 2018).

    State (per parameter)
    ---------------------
    ``exp_avg`` m, ``exp_avg_sq`` v, ``max_exp_avg_sq`` v_max (AMSGrad only
    changes it). All start at 0; the step count t is ``self.t``.

    Update
    ------
    .. math::

        m &\leftarrow \beta_1 m + (1 - \beta_1)\, g, \qquad
        v \leftarrow \beta_2 v + (1 - \beta_2)\, g \odot g \\
        v_{\max} &\leftarrow \max(v_{\max}, v) \ \text{and use } v_{\max}
            \text{ for } v \text{ below (AMSGrad)} \\
        \theta &\leftarrow \theta - \frac{\eta}{1 - \beta_1^t}\;
            \frac{m}{\sqrt{v} / \sqrt{1 - \beta_2^t} + \epsilon}

    which is η m̂ / (√v̂ + ε) with the bias-corrected m̂ = m/(1 − β₁ᵗ), v̂ = v/(1 − β₂ᵗ).
    """

    hyperparameters = ("betas", "eps", "weight_decay", "amsgrad")

    def __init__(
        self,
        params,
        lr: float = 0.001,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        amsgrad: bool = False,
    ):
        name = type(self).__name__
        self.betas = _check_betas(name, betas)
        self.eps = check_number(name, "eps", eps, low=0.0)
        self.weight_decay = check_number(name, "weight_decay", weight_decay, low=0.0)
        self.amsgrad = bool(amsgrad)
        super().__init__(params, lr)

    def _init_state(self, theta):
        return {
            "exp_avg": np.zeros_like(theta),
            "exp_avg_sq": np.zeros_like(theta),
            "max_exp_avg_sq": np.zeros_like(theta),
        }

    def _update(self, theta, g, s, buf):
        beta1, beta2 = self.betas
        if self.weight_decay:
            g = g + self.weight_decay * theta  # g ← g + λθ
        m, v = s["exp_avg"], s["exp_avg_sq"]
        m *= beta1  # m ← β1 m + (1 − β1) g
        m += np.multiply(g, 1 - beta1, out=buf)
        v *= beta2  # v ← β2 v + (1 − β2) g²
        v += np.multiply(np.square(g, out=buf), 1 - beta2, out=buf)
        if self.amsgrad:
            v = np.maximum(s["max_exp_avg_sq"], v, out=s["max_exp_avg_sq"])  # v_max
        bias1, bias2 = 1 - beta1**self.t, 1 - beta2**self.t
        denom = np.sqrt(v, out=buf)  # √v / √(1 − β2^t) + ε
        denom /= math.sqrt(bias2)
        denom += self.eps
        step = np.divide(m, denom, out=buf)  # θ ← θ − η/(1 − β1^t) · m / denom
        theta -= np.multiply(step, self.lr / bias1, out=buf)


class Adamax(Optimizer):
    r"""AdaMax (Kingma & Ba 2015, section 7), as ``torch.optim.Adamax``.

    Hyper-parameters
    ----------------
    lr : float, default 0.002
        Learning rate η.
    betas : (float, float), default (0.9, 0.999)
        β₁ for the running mean of g, β₂ for the decay of the running max of |g|.
    eps : float, default 1e-8
        ε, added to |g| inside the max.
    weight_decay : float, default 0
        λ: g is replaced by g + λθ.

    State (per parameter)
    ---------------------
    ``exp_avg`` m and ``exp_inf`` u (the exponentially weighted infinity norm),
    both starting at 0.

    Update
    ------
    .. math::

        m \leftarrow \beta_1 m + (1 - \beta_1)\, g, \quad
        u \leftarrow \max(\beta_2 u,\ |g| + \epsilon), \quad
        \theta \leftarrow \theta - \frac{\eta}{1 - \beta_1^t}\, \frac{m}{u}
    """

    hyperparameters = ("betas", "eps", "weight_decay")

    def __init__(
        self,
        params,
        lr: float = 0.002,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ):
        name = type(self).__name__
        self.betas = _check_betas(name, betas)
        self.eps = check_number(name, "eps", eps, low=0.0)
        self.weight_decay = check_number(name, "weight_decay", weight_decay, low=0.0)
        super().__init__(params, lr)

    def _init_state(self, theta):
        return {"exp_avg": np.zeros_like(theta), "exp_inf": np.zeros_like(theta)}

    def _update(self, theta, g, s, buf):
        beta1, beta2 = self.betas
        if self.weight_decay:
            g = g + self.weight_decay * theta  # g ← g + λθ
        m, u = s["exp_avg"], s["exp_inf"]
        m *= beta1  # m ← β1 m + (1 − β1) g
        m += np.multiply(g, 1 - beta1, out=buf)
        u *= beta2  # u ← max(β2 u, |g| + ε)
        np.maximum(u, np.add(np.abs(g, out=buf), self.eps, out=buf), out=u)
        step = np.divide(m, u, out=buf)  # θ ← θ − η/(1 − β1^t) · m/u
        theta -= np.multiply(step, self.lr / (1 - beta1**self.t), out=buf)
