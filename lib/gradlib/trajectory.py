"""The one convention for the path of an iterative method: :class:`Trajectory`.

Every loop of the reference that runs a fixed rule for a number of steps
(:func:`gradlib.landscapes.minimize`, :func:`gradlib.quadratics.gradient_descent_quadratic`,
:func:`gradlib.quadratics.newton_iterates`, :func:`gradlib.least_squares.sgd_least_squares`,
:func:`gradlib.perceptron.perceptron_train`, :func:`gradlib.perceptron.logistic_train`,
the one-neuron walkthrough of :mod:`gradlib.book.neuron`) returns its whole path
the same way: the iterates θ₀, θ₁, …, θ_T as the rows of one array, the
starting point first, and the objective at each of them. A plot takes
``path.iterates[:, 0], path.iterates[:, 1]``; the end point is ``path.iterates[-1]``;
a learning curve is ``path.values``.

(:func:`gradlib.train.fit` records a different thing, per-epoch metrics of a
network, in :class:`gradlib.train.History`. The lectures' forms in
:mod:`gradlib.book.lecture_forms`, given only a gradient function, return just the
``iterates`` array.)
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

__all__ = ["Trajectory"]


class Trajectory(NamedTuple):
    """The path of an iterative method.

    Attributes
    ----------
    iterates : ndarray, shape (T + 1, d)
        Row k is the parameter vector after k steps; row 0 is the start.
    values : ndarray, shape (T + 1,), or None
        The objective at each iterate (which objective: see the function that
        returned the path); None when the method was not given the objective.
    """

    iterates: np.ndarray
    values: np.ndarray | None

    @property
    def steps(self) -> int:
        """T, the number of steps taken."""
        return len(self.iterates) - 1
