"""The interface every optimizer shares, and the checks of its inputs.

An optimizer owns a list of numpy arrays (the parameters θ) and changes them
**in place**. First-order optimizers are driven with the gradients::

    opt = Adam([W, b], lr=1e-3)
    opt.step([dW, db])          # W and b are updated in place

Second-order ones (:class:`~gradlib.optim.Newton`, :class:`~gradlib.optim.BFGS`)
evaluate the function themselves and take a *closure* instead, like
``torch.optim.LBFGS``: ``opt.step(closure)``.

Every update rule has the same shape (the cs231n layout): ``_update(θ, g, s)``
receives one parameter array ``θ``, its gradient ``g`` (same shape) and the dict
``s`` of state arrays kept for that parameter; it writes the new state into
those arrays (``m[...] = β₁ m + (1 − β₁) g``) and updates ``θ`` in place
(``θ -= ...``). The step counter ``t`` (1 at the first step) is ``self.t``.

The user's input is checked once, where it comes in: hyper-parameters in the
constructors, the gradients in :meth:`Optimizer.step` (the helpers are in
:mod:`gradlib._checks`); the update rules run on checked arrays.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence

import numpy as np

from gradlib._checks import as_parameter_list, check_gradients, check_number, check_pair

__all__ = ["ClosureOptimizer", "Optimizer", "as_parameter_list", "check_number", "check_pair"]


class Optimizer:
    """Base class: holds the parameters, the per-parameter state and the step counter.

    Parameters
    ----------
    params : list of numpy.ndarray
        The parameter arrays θ, updated in place by :meth:`step`. Any shapes;
        float32 or float64 (the state arrays take each parameter's dtype).
    lr : float
        The learning rate η (≥ 0). A plain attribute that learning-rate
        schedules (:mod:`gradlib.schedules`) set between steps.

    Attributes
    ----------
    params : list of numpy.ndarray
        The arrays being optimised (the very objects passed in).
    state : list of dict
        One dict of state arrays per parameter, keyed by name (``"exp_avg"`` ...).
    t : int
        The number of steps taken since construction or :meth:`reset_state`.
    """

    #: hyper-parameter attribute names saved by :meth:`state_dict` (``lr`` is always saved)
    hyperparameters: tuple[str, ...] = ()
    #: True for optimizers whose ``step`` takes a closure instead of gradients
    requires_closure: bool = False
    #: True when that closure must also return the Hessian (``Newton``)
    requires_hessian: bool = False

    def __init__(self, params, lr: float):
        self._name = type(self).__name__
        self.params = as_parameter_list(params, self._name)
        self.lr = lr
        self.reset_state()

    # -- the learning rate ----------------------------------------------------------------
    @property
    def lr(self) -> float:
        """The learning rate η; schedules set it between steps. Must be ≥ 0."""
        return self._lr

    @lr.setter
    def lr(self, value: float) -> None:
        self._lr = check_number(self._name, "lr", value, low=0.0)

    # -- state ----------------------------------------------------------------------------
    def _init_state(self, theta: np.ndarray) -> dict[str, np.ndarray]:
        """The state kept for one parameter array, freshly zeroed. Override."""
        return {}

    def reset_state(self) -> None:
        """Forget everything learned from past gradients (zero the state, t = 0).

        Use it to start a new run from the current parameters with the current
        hyper-parameters (for example after changing ``lr`` by hand).
        """
        self.t = 0
        self.state = [self._init_state(p) for p in self.params]

    def state_dict(self) -> dict:
        """A deep copy of everything needed to continue the run identically.

        Returns ``{"optimizer": class name, "t": int, "hyperparameters": {...},
        "state": [dict of arrays per parameter]}``. The parameters themselves are
        not included (save them separately, as with ``torch``).
        """
        return {
            "optimizer": self._name,
            "t": self.t,
            "hyperparameters": {n: copy.deepcopy(getattr(self, n)) for n in self._hp_names()},
            "state": copy.deepcopy(self.state),
        }

    def load_state_dict(self, state_dict: dict) -> None:
        """Restore a :meth:`state_dict` (deep-copied, so the source can be reused)."""
        if not isinstance(state_dict, dict) or not {"t", "hyperparameters", "state"} <= set(
            state_dict
        ):
            raise TypeError(
                f"{self._name}.load_state_dict: expected a dict from state_dict() with keys "
                f"'t', 'hyperparameters', 'state', got {type(state_dict).__name__}"
            )
        kind = state_dict.get("optimizer", self._name)
        if kind != self._name:
            raise ValueError(f"{self._name}.load_state_dict: the state dict is from a {kind}")
        state = state_dict["state"]
        if len(state) != len(self.state):
            raise ValueError(
                f"{self._name}.load_state_dict: expected state for {len(self.state)} parameter "
                f"arrays, got {len(state)}"
            )
        for i, (mine, theirs) in enumerate(zip(self.state, state, strict=True)):
            if set(mine) != set(theirs):
                raise ValueError(
                    f"{self._name}.load_state_dict: parameter {i} expects state "
                    f"{sorted(mine)}, got {sorted(theirs)}"
                )
            for key, value in mine.items():
                if np.shape(value) != np.shape(theirs[key]):
                    raise ValueError(
                        f"{self._name}.load_state_dict: state {key!r} of parameter {i} has "
                        f"shape {np.shape(theirs[key])}, expected {np.shape(value)}"
                    )
        for name, value in state_dict["hyperparameters"].items():
            setattr(self, name, copy.deepcopy(value))
        self.t = int(state_dict["t"])
        self.state = copy.deepcopy(state)

    def _hp_names(self) -> tuple[str, ...]:
        return ("lr", *self.hyperparameters)

    def __repr__(self) -> str:
        args = ", ".join(f"{n}={getattr(self, n)!r}" for n in self._hp_names())
        shapes = ", ".join(str(p.shape) for p in self.params)
        return f"{self._name}([{shapes}], {args})"

    # -- the step -------------------------------------------------------------------------
    def _check_grads(self, grads) -> list[np.ndarray]:
        return check_gradients(self._name, grads, self.params)

    def step(self, grads: Sequence[np.ndarray]) -> None:
        """Update every parameter in place from its gradient.

        Parameters
        ----------
        grads : list of numpy.ndarray
            ``grads[i]`` is ∂L/∂θ_i, with the shape of ``params[i]``. Never modified.
        """
        grads = self._check_grads(grads)
        self.t += 1
        for theta, g, s in zip(self.params, grads, self.state, strict=True):
            self._update(theta, g, s)

    def _update(self, theta: np.ndarray, g: np.ndarray, s: dict) -> None:
        """Update ``theta`` in place from its gradient ``g`` and its state ``s``. Override."""
        raise NotImplementedError


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

    @property
    def size(self) -> int:
        """n, the total number of scalars in all parameter arrays."""
        return sum(p.size for p in self.params)

    def reset_state(self) -> None:
        self.t = 0
        self.state = [self._init_state(None)]

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
            raise TypeError(f"{self._name}: the closure must return a tuple {names}, got {got}")
        loss, grads = float(out[0]), self._check_grads(out[1])
        g = self._flat(grads)
        if not self.requires_hessian:
            return loss, g
        n = self.size
        hessian = np.asarray(out[2], dtype=np.float64)
        if hessian.shape != (n, n):
            raise ValueError(
                f"{self._name}: the closure's hessian must have shape ({n}, {n}) (all "
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
                f"{self._name}.step needs a closure: a function of no arguments returning "
                f"{names} at the current parameters; got "
                f"{'nothing' if closure is None else type(closure).__name__}"
            )
        self.t += 1
        return self._closure_step(closure, self.state[0])

    def _closure_step(self, closure, s: dict) -> float:
        raise NotImplementedError
