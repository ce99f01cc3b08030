"""The interface every optimizer shares, and the checks of its inputs.

An optimizer owns a list of numpy arrays (the parameters θ) and changes them
**in place**. First-order optimizers are driven with the gradients::

    opt = Adam([W, b], lr=1e-3)
    opt.step([dW, db])          # W and b are updated in place

Second-order ones (:class:`~gradlib.optim.Newton`, :class:`~gradlib.optim.BFGS`)
evaluate the function themselves and take a *closure* instead, like
``torch.optim.LBFGS``: ``opt.step(closure)``.

Every update rule has the same shape (the cs231n layout): ``_update(θ, g, s, buf)``
receives one parameter array ``θ``, its gradient ``g`` (same shape), the dict
``s`` of state arrays kept for that parameter, and ``buf``, a scratch array of
θ's shape and dtype for in-place arithmetic (a tuple of ``scratch_arrays`` such
arrays for the rules that need more than one; scratch carries no meaning
between steps and is not part of the state). The step counter ``t`` (1 at the
first step) is ``self.t``.
"""

from __future__ import annotations

import copy
import numbers
from collections.abc import Sequence

import numpy as np

__all__ = ["ClosureOptimizer", "Optimizer", "as_parameter_list", "check_number", "check_pair"]


def as_parameter_list(params, owner: str) -> list[np.ndarray]:
    """Check that ``params`` is a non-empty list of writeable float arrays and return it as a list.

    The arrays themselves are kept (not copied): updating them in place is the point.
    """
    if isinstance(params, np.ndarray):
        raise TypeError(
            f"{owner}: params must be a list of numpy arrays, got a single ndarray of shape "
            f"{params.shape} (wrap it in a list: [x])"
        )
    try:
        params = list(params)
    except TypeError:
        raise TypeError(
            f"{owner}: params must be a list of numpy arrays, got {type(params).__name__}"
        ) from None
    if not params:
        raise ValueError(f"{owner}: params must contain at least one array, got an empty list")
    for i, p in enumerate(params):
        if not isinstance(p, np.ndarray):
            raise TypeError(f"{owner}: params[{i}] must be a numpy array, got {type(p).__name__}")
        if not np.issubdtype(p.dtype, np.floating):
            raise TypeError(
                f"{owner}: params[{i}] must have a floating dtype (float32 or float64) to be "
                f"updated in place, got dtype {p.dtype}"
            )
        if not p.flags.writeable:
            raise ValueError(f"{owner}: params[{i}] is read-only; pass a writeable array")
    return params


def check_number(
    owner: str, name: str, value, low=None, high=None, *, open_low=False, open_high=True
) -> float:
    """Return ``value`` as a finite float after checking it lies between ``low`` and ``high``.

    By default the interval is ``[low, high)``; ``open_low``/``open_high`` choose the
    kind of each end, and a bound of None means unbounded on that side.
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{owner}: {name} must be a real number, got {type(value).__name__}")
    value = float(value)
    too_low = low is not None and (value <= low if open_low else value < low)
    too_high = high is not None and (value >= high if open_high else value > high)
    if not np.isfinite(value) or too_low or too_high:
        left = "(-inf" if low is None else f"{'(' if open_low else '['}{low}"
        right = "inf)" if high is None else f"{high}{')' if open_high else ']'}"
        raise ValueError(f"{owner}: {name} must be in {left}, {right}, got {value!r}")
    return value


def check_pair(owner: str, name: str, value) -> tuple:
    """Check that ``value`` is a pair (tuple or list of length 2) and return it as a tuple."""
    if not isinstance(value, tuple | list) or len(value) != 2:
        raise TypeError(f"{owner}: {name} must be a pair of numbers, got {value!r}")
    return tuple(value)


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
    #: how many scratch arrays per parameter ``_update`` receives as ``buf``
    scratch_arrays: int = 1

    def __init__(self, params, lr: float):
        self._name = type(self).__name__
        self.params = as_parameter_list(params, self._name)
        self.lr = lr
        k = self.scratch_arrays
        self._buffers = [
            np.empty_like(p) if k == 1 else tuple(np.empty_like(p) for _ in range(k))
            for p in self.params
        ]
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
        if callable(grads) and not isinstance(grads, np.ndarray):
            raise TypeError(
                f"{self._name}.step expects a list of gradient arrays, got a callable; only "
                "Newton and BFGS take a closure"
            )
        if isinstance(grads, np.ndarray) or not isinstance(grads, Sequence):
            raise TypeError(
                f"{self._name}.step expects a list of {len(self.params)} gradient arrays, got "
                f"{type(grads).__name__}"
            )
        if len(grads) != len(self.params):
            raise ValueError(
                f"{self._name}.step expects {len(self.params)} gradient arrays (one per "
                f"parameter), got {len(grads)}"
            )
        out = []
        for i, (p, g) in enumerate(zip(self.params, grads, strict=True)):
            if not isinstance(g, np.ndarray):
                raise TypeError(
                    f"{self._name}.step: grads[{i}] must be a numpy array, got {type(g).__name__}"
                )
            if g.shape != p.shape:
                raise ValueError(
                    f"{self._name}.step: grads[{i}] has shape {g.shape}, expected {p.shape} "
                    f"(the shape of params[{i}])"
                )
            out.append(g)
        return out

    def step(self, grads: Sequence[np.ndarray]) -> None:
        """Update every parameter in place from its gradient.

        Parameters
        ----------
        grads : list of numpy.ndarray
            ``grads[i]`` is ∂L/∂θ_i, with the shape of ``params[i]``. Never modified.
        """
        grads = self._check_grads(grads)
        self.t += 1
        for theta, g, s, buf in zip(self.params, grads, self.state, self._buffers, strict=True):
            self._update(theta, g, s, buf)

    def _update(self, theta: np.ndarray, g: np.ndarray, s: dict, buf: np.ndarray) -> None:
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
