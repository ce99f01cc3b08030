"""What every optimizer shares: the parameter list, the learning rate, ``repr``.

An optimizer owns a list of numpy arrays (the parameters θ) and changes them
**in place**. First-order optimizers are driven with the gradients::

    opt = Adam([W, b], lr=1e-3)
    opt.step([dW, db])          # W and b are updated in place

Second-order ones (:class:`~gradlib.optim.Newton`, :class:`~gradlib.optim.BFGS`)
evaluate the function themselves and take a *closure* instead, like
``torch.optim.LBFGS``: ``opt.step(closure)`` (:mod:`gradlib.optim.second_order`).

Every optimizer reads top to bottom in its own file, in the cs231n layout: the
constructor checks and stores the hyper-parameters (each under the name of its
argument), :meth:`reset_state` creates the state arrays of every parameter and
sets the step count ``t`` to 0, and ``step`` checks the gradients once
(:func:`gradlib._checks.check_gradients`) and then runs the update rule, one
numpy line per equation, on each parameter θ with its gradient g and its dict of
state arrays s. Saving and restoring a run (``state_dict``/``load_state_dict``)
is in :mod:`gradlib.optim.state_dict`.
"""

from __future__ import annotations

import inspect

import numpy as np

from gradlib._checks import as_parameter_list, check_number

from .state_dict import StateDict

__all__ = ["Optimizer", "zeros_state"]


class Optimizer(StateDict):
    """Base class: holds the parameters and the learning rate.

    Parameters
    ----------
    params : list of numpy.ndarray
        The parameter arrays θ, updated in place by ``step``. Any shapes;
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

    #: True for optimizers whose ``step`` takes a closure instead of gradients
    requires_closure: bool = False
    #: False where ``lr`` is read only by :meth:`reset_state` (Rprop's initial step
    #: size): a learning-rate schedule cannot change such an optimizer's steps
    lr_used_at_every_step: bool = True

    def __init__(self, params, lr: float):
        self.params = as_parameter_list(params, self.name)
        self.lr = lr
        self.reset_state()

    @property
    def name(self) -> str:
        return type(self).__name__

    @property
    def lr(self) -> float:
        """The learning rate η; schedules set it between steps. Must be ≥ 0."""
        return self._lr

    @lr.setter
    def lr(self, value: float) -> None:
        self._lr = check_number(self.name, "lr", value, low=0.0)

    def reset_state(self) -> None:
        """Forget everything learned from past gradients (fresh state, t = 0). Override.

        Use it to start a new run from the current parameters with the current
        hyper-parameters (for example after changing ``lr`` by hand).
        """
        self.t = 0
        self.state = [{} for _ in self.params]

    def hyperparameter_names(self) -> tuple[str, ...]:
        """The constructor's arguments after ``params`` (``lr`` first), each an attribute."""
        arguments = inspect.signature(type(self).__init__).parameters.values()
        named = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
        return tuple(
            a.name for a in arguments if a.kind in named and a.name not in ("self", "params")
        )

    def __repr__(self) -> str:
        args = ", ".join(f"{n}={getattr(self, n)!r}" for n in self.hyperparameter_names())
        shapes = ", ".join(str(np.shape(p)) for p in self.params)
        return f"{self.name}([{shapes}], {args})"

    def step(self, grads) -> None:
        """Update every parameter in place from its gradient ``grads[i]`` (shaped like it)."""
        raise NotImplementedError


def zeros_state(params, *names: str) -> list[dict[str, np.ndarray]]:
    """One dict per parameter: for each name, a zero array of that parameter's shape and dtype."""
    return [{name: np.zeros_like(p) for name in names} for p in params]
