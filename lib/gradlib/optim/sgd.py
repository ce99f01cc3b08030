"""Stochastic gradient descent, with optional momentum, dampening, Nesterov and weight decay."""

from __future__ import annotations

from gradlib._checks import check_gradients, check_number

from .base import Optimizer, zeros_state

__all__ = ["SGD"]


class SGD(Optimizer):
    r"""Gradient descent with optional (Nesterov) momentum, written as ``torch.optim.SGD``.

    Plain gradient descent is ``SGD(params, lr)`` (momentum 0).

    Hyper-parameters
    ----------------
    lr : float
        Learning rate η (required, ≥ 0).
    momentum : float, default 0
        Momentum coefficient μ (≥ 0).
    dampening : float, default 0
        τ: the new gradient enters the momentum buffer with weight 1 − τ.
    nesterov : bool, default False
        Use Nesterov's accelerated gradient (needs μ > 0 and τ = 0).
    weight_decay : float, default 0
        λ, an L2 penalty: g is replaced by g + λθ.

    State (per parameter)
    ---------------------
    ``momentum_buffer`` b, zeros before the first step (unused when μ = 0).

    Update (t = 1, 2, ...)
    ----------------------
    .. math::

        g &\leftarrow g + \lambda\theta \\
        b &\leftarrow g \ \text{at } t = 1, \quad
            b \leftarrow \mu b + (1 - \tau)\, g \ \text{afterwards} \\
        d &= g + \mu b \ \text{(Nesterov)}, \quad d = b \ \text{(momentum)},
            \quad d = g \ (\mu = 0) \\
        \theta &\leftarrow \theta - \eta\, d

    The lectures write momentum as a velocity, v ← μv − η∇L(θ), θ ← θ + v, and
    Nesterov as a look-ahead, v ← μv − η∇L(θ + μv), θ ← θ + v. With a constant η
    these give the same iterates as the form above (v = −ηb); the Nesterov
    iterates here are the lectures' look-ahead points θ + μv. See
    :mod:`gradlib.book.lecture_forms`, whose functions the tests compare with
    this class.
    """

    def __init__(
        self,
        params,
        lr: float,
        momentum: float = 0.0,
        dampening: float = 0.0,
        nesterov: bool = False,
        weight_decay: float = 0.0,
    ):
        name = type(self).__name__
        self.momentum = check_number(name, "momentum", momentum, low=0.0)
        self.dampening = check_number(name, "dampening", dampening)
        self.weight_decay = check_number(name, "weight_decay", weight_decay, low=0.0)
        self.nesterov = bool(nesterov)
        if self.nesterov and (self.momentum <= 0 or self.dampening != 0):
            raise ValueError(
                f"{name}: Nesterov momentum requires momentum > 0 and dampening = 0, got "
                f"momentum={self.momentum}, dampening={self.dampening}"
            )
        super().__init__(params, lr)

    def reset_state(self):
        """The momentum buffer b of every parameter, zeros (t = 0)."""
        self.t = 0
        self.state = zeros_state(self.params, "momentum_buffer")

    def step(self, grads):
        """One SGD update of every parameter θ from its gradient g = ``grads[i]``:

        b ← μb + (1 − τ)g, then θ ← θ − η(g + μb) with Nesterov, θ ← θ − ηb without.
        """
        grads = check_gradients(self.name, grads, self.params)
        self.t += 1
        lr = self.lr
        for theta, g, s in zip(self.params, grads, self.state, strict=True):
            if self.weight_decay:
                g = g + self.weight_decay * theta  # g ← g + λθ
            d = g
            if self.momentum:
                b = s["momentum_buffer"]
                if self.t == 1:
                    b[...] = g  # b ← g
                else:
                    b[...] = self.momentum * b + (1 - self.dampening) * g  # b ← μb + (1 − τ)g
                d = g + self.momentum * b if self.nesterov else b  # d = g + μb, or d = b
            theta -= lr * d  # θ ← θ − η d
