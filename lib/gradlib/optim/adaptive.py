"""Adaptive per-parameter step sizes: AdaGrad, RMSprop, AdaDelta, Adam and AdaMax.

Each update follows ``torch.optim`` exactly, including where ε enters, and is
written as the formula in its docstring: one numpy line per equation, the state
arrays overwritten with ``[...] =`` and θ updated in place (see
:mod:`gradlib.optim.base`).
"""

from __future__ import annotations

import numpy as np

from gradlib._checks import check_gradients, check_number, check_pair

from .base import Optimizer, zeros_state

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

    def reset_state(self):
        """G, the sum of squared gradients, starts at G₀ everywhere; t = 0."""
        self.t = 0
        self.state = [
            {"sum": np.full_like(theta, self.initial_accumulator_value)} for theta in self.params
        ]

    def step(self, grads):
        """One AdaGrad update of every parameter from its gradient ``grads[i]``:

        G ← G + g ⊙ g and θ ← θ − η_t g / (√G + ε).
        """
        grads = check_gradients(self.name, grads, self.params)
        self.t += 1
        for theta, g, s in zip(self.params, grads, self.state, strict=True):
            if self.weight_decay:
                g = g + self.weight_decay * theta  # g ← g + λθ
            lr_t = self.lr / (1 + (self.t - 1) * self.lr_decay)  # η_t = η / (1 + (t − 1)δ)
            G = s["sum"]
            G += g * g  # G ← G + g ⊙ g
            theta -= lr_t * g / (np.sqrt(G) + self.eps)  # θ ← θ − η_t g / (√G + ε)


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

    def reset_state(self):
        """Zero v, ḡ and the momentum buffer b of each parameter, and t."""
        self.t = 0
        self.state = zeros_state(self.params, "square_avg", "grad_avg", "momentum_buffer")

    def step(self, grads):
        """One RMSprop update of every parameter from its gradient ``grads[i]``, shaped like it:

        v ← αv + (1 − α) g ⊙ g, D = √v + ε (centered: √(v − ḡ ⊙ ḡ) + ε), θ ← θ − η g / D.
        """
        grads = check_gradients(self.name, grads, self.params)
        self.t += 1
        alpha, mu = self.alpha, self.momentum
        for theta, g, s in zip(self.params, grads, self.state, strict=True):
            if self.weight_decay:
                g = g + self.weight_decay * theta  # g ← g + λθ
            v = s["square_avg"]
            v[...] = alpha * v + (1 - alpha) * g * g  # v ← αv + (1 − α) g ⊙ g
            if self.centered:
                g_bar = s["grad_avg"]
                g_bar[...] = alpha * g_bar + (1 - alpha) * g  # ḡ ← αḡ + (1 − α) g
                D = np.sqrt(v - g_bar * g_bar) + self.eps  # D = √(v − ḡ ⊙ ḡ) + ε
            else:
                D = np.sqrt(v) + self.eps  # D = √v + ε
            if mu > 0:
                b = s["momentum_buffer"]
                b[...] = mu * b + g / D  # b ← μb + g / D
                theta -= self.lr * b  # θ ← θ − ηb
            else:
                theta -= self.lr * g / D  # θ ← θ − η g / D


class Adadelta(Optimizer):
    r"""AdaDelta (Zeiler 2012), as ``torch.optim.Adadelta``.

    Zeiler's method has no learning rate; torch multiplies its step by ``lr``,
    default 1.0, which *is* Zeiler's method (see
    :func:`gradlib.book.lecture_forms.adadelta`).

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

    def reset_state(self):
        """Both running means, v of g² and u of Δ², start again from zero."""
        self.t = 0
        self.state = zeros_state(self.params, "square_avg", "acc_delta")

    def step(self, grads):
        """One AdaDelta update of every parameter θ from its gradient g = ``grads[i]``:

        v ← ρv + (1 − ρ) g², Δ = √(u + ε) / √(v + ε) ⊙ g, u ← ρu + (1 − ρ) Δ², θ ← θ − ηΔ.
        """
        grads = check_gradients(self.name, grads, self.params)
        self.t += 1
        rho, eps = self.rho, self.eps
        for theta, g, s in zip(self.params, grads, self.state, strict=True):
            if self.weight_decay:
                g = g + self.weight_decay * theta  # g ← g + λθ
            v, u = s["square_avg"], s["acc_delta"]
            v[...] = rho * v + (1 - rho) * g * g  # v ← ρv + (1 − ρ) g ⊙ g
            delta = np.sqrt(u + eps) / np.sqrt(v + eps) * g  # Δ = √(u + ε) / √(v + ε) ⊙ g
            u[...] = rho * u + (1 - rho) * delta * delta  # u ← ρu + (1 − ρ) Δ ⊙ Δ
            theta -= self.lr * delta  # θ ← θ − ηΔ


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
        \hat m &= \frac{m}{1 - \beta_1^t}, \qquad \hat v = \frac{v}{1 - \beta_2^t}, \qquad
        \theta \leftarrow \theta - \eta\, \frac{\hat m}{\sqrt{\hat v} + \epsilon}

    (torch writes the same step as η/(1 − β₁ᵗ) · m / (√v / √(1 − β₂ᵗ) + ε); the two
    agree up to rounding.)
    """

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

    def reset_state(self):
        """m, v and v_max back to zero for every parameter, and the step count t too."""
        self.t = 0
        self.state = zeros_state(self.params, "exp_avg", "exp_avg_sq", "max_exp_avg_sq")

    def step(self, grads):
        """One Adam update of each parameter θ from its gradient g = ``grads[i]`` (θ's shape):

        m ← β₁m + (1 − β₁)g, v ← β₂v + (1 − β₂)g², θ ← θ − η m̂ / (√v̂ + ε).
        """
        grads = check_gradients(self.name, grads, self.params)
        self.t += 1
        beta1, beta2 = self.betas
        for theta, g, s in zip(self.params, grads, self.state, strict=True):
            if self.weight_decay:
                g = g + self.weight_decay * theta  # g ← g + λθ
            m, v = s["exp_avg"], s["exp_avg_sq"]
            m[...] = beta1 * m + (1 - beta1) * g  # m ← β₁m + (1 − β₁) g
            v[...] = beta2 * v + (1 - beta2) * g * g  # v ← β₂v + (1 − β₂) g ⊙ g
            if self.amsgrad:
                v_max = s["max_exp_avg_sq"]
                v_max[...] = np.maximum(v_max, v)  # v_max ← max(v_max, v), used for v below
                v = v_max
            m_hat = m / (1 - beta1**self.t)  # bias corrections
            v_hat = v / (1 - beta2**self.t)
            theta -= self.lr * m_hat / (np.sqrt(v_hat) + self.eps)  # θ ← θ − η m̂ / (√v̂ + ε)


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

    def reset_state(self):
        """m and the weighted infinity norm u at zero; t = 0 restarts the bias correction."""
        self.t = 0
        self.state = zeros_state(self.params, "exp_avg", "exp_inf")

    def step(self, grads):
        """One AdaMax update of each parameter θ in place, g = ``grads[i]`` its gradient:

        m ← β₁m + (1 − β₁)g, u ← max(β₂u, |g| + ε), θ ← θ − η/(1 − β₁ᵗ) · m/u.
        """
        grads = check_gradients(self.name, grads, self.params)
        self.t += 1
        beta1, beta2 = self.betas
        for theta, g, s in zip(self.params, grads, self.state, strict=True):
            if self.weight_decay:
                g = g + self.weight_decay * theta  # g ← g + λθ
            m, u = s["exp_avg"], s["exp_inf"]
            m[...] = beta1 * m + (1 - beta1) * g  # m ← β₁m + (1 − β₁) g
            u[...] = np.maximum(beta2 * u, np.abs(g) + self.eps)  # u ← max(β₂u, |g| + ε)
            theta -= self.lr / (1 - beta1**self.t) * m / u  # θ ← θ − η/(1 − β₁ᵗ) · m/u
