"""Saving and restoring an optimizer's run: ``state_dict`` and ``load_state_dict``.

A state dict is ``{"optimizer": class name, "t": int, "hyperparameters":
{name: value}, "state": [dict of arrays per parameter]}``, deep-copied both
ways; the parameters themselves are not in it (save them separately, as with
``torch``). The hyper-parameters are the constructor's arguments after
``params`` (:meth:`~gradlib.optim.Optimizer.hyperparameter_names`).
"""

from __future__ import annotations

import copy

import numpy as np

__all__ = ["StateDict"]


class StateDict:
    """``state_dict``/``load_state_dict`` of :class:`gradlib.optim.Optimizer`."""

    def state_dict(self) -> dict:
        """A deep copy of everything needed to continue the run identically."""
        return {
            "optimizer": self.name,
            "t": self.t,
            "hyperparameters": {
                n: copy.deepcopy(getattr(self, n)) for n in self.hyperparameter_names()
            },
            "state": copy.deepcopy(self.state),
        }

    def load_state_dict(self, state_dict: dict) -> None:
        """Restore a :meth:`state_dict` (deep-copied, so the source can be reused)."""
        who = f"{self.name}.load_state_dict"
        if not isinstance(state_dict, dict) or not {"t", "hyperparameters", "state"} <= set(
            state_dict
        ):
            raise TypeError(
                f"{who}: expected a dict from state_dict() with keys 't', 'hyperparameters', "
                f"'state', got {type(state_dict).__name__}"
            )
        kind = state_dict.get("optimizer", self.name)
        if kind != self.name:
            raise ValueError(f"{who}: the state dict is from a {kind}")
        state = state_dict["state"]
        if len(state) != len(self.state):
            raise ValueError(
                f"{who}: expected state for {len(self.state)} parameter arrays, got {len(state)}"
            )
        for i, (mine, theirs) in enumerate(zip(self.state, state, strict=True)):
            if set(mine) != set(theirs):
                raise ValueError(
                    f"{who}: parameter {i} expects state {sorted(mine)}, got {sorted(theirs)}"
                )
            for key, value in mine.items():
                if np.shape(value) != np.shape(theirs[key]):
                    raise ValueError(
                        f"{who}: state {key!r} of parameter {i} has shape "
                        f"{np.shape(theirs[key])}, expected {np.shape(value)}"
                    )
        for name, value in state_dict["hyperparameters"].items():
            setattr(self, name, copy.deepcopy(value))
        self.t = int(state_dict["t"])
        self.state = copy.deepcopy(state)
