"""The single neuron of chapter 1 as a graph of :class:`~gradlib.autodiff.Value` nodes.

The neuron has inputs ``x`` (shape ``(n,)``), weights ``w`` (shape ``(n,)``), no
bias, a ReLU activation and the half squared error ``L = 1/2 (y - y_hat)^2``::

    a_i = w_i x_i,   z = sum_i a_i,   y_hat = relu(z),   L = 1/2 (y - y_hat)^2

:func:`neuron_graph` builds that graph node by node so each intermediate value
and gradient can be inspected (and drawn); :func:`neuron_loss_and_gradient` and
:func:`gradient_descent` are the array-level views the chapter walks through.

Why it exists: the chapter follows the Physics 356 lesson's one-neuron walkthrough
step by step, which the general engine (:mod:`gradlib.autodiff`) and optimizers
(:mod:`gradlib.optim`) do in one call; ``tests/lib/book/test_neuron.py`` proves
both give the same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gradlib.autodiff import Value
from gradlib.trajectory import Trajectory

__all__ = ["NeuronGraph", "neuron_graph", "neuron_loss_and_gradient", "gradient_descent"]


def _vector(name: str, v) -> np.ndarray:
    arr = np.asarray(v, dtype=np.float64)
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError(f"{name} must be a non-empty 1-D array, got shape {arr.shape}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must contain only finite numbers, got {arr}")
    return arr


def _inputs(x, w, y) -> tuple[np.ndarray, np.ndarray, float]:
    x, w = _vector("x", x), _vector("w", w)
    if x.shape != w.shape:
        raise ValueError(f"x and w must have the same shape, got x {x.shape} and w {w.shape}")
    y = float(y)
    if not np.isfinite(y):
        raise ValueError(f"the target y must be finite, got {y}")
    return x, w, y


@dataclass
class NeuronGraph:
    """Every node of the single-neuron graph, after the forward and backward pass."""

    x: list[Value]
    w: list[Value]
    a: list[Value]
    z: Value
    y_hat: Value
    loss: Value

    @property
    def grad_w(self) -> np.ndarray:
        """``dL/dw``, shape ``(n,)``."""
        return np.array([wi.grad for wi in self.w])


def neuron_graph(x, w, y) -> NeuronGraph:
    """Build the graph of one ReLU neuron with half squared error and run backward.

    Parameters
    ----------
    x, w : array_like, shape (n,)
        Inputs and weights.
    y : float
        The target.
    """
    x, w, y = _inputs(x, w, y)
    xs = [Value(xi, label=f"x{i + 1}") for i, xi in enumerate(x)]
    ws = [Value(wi, label=f"w{i + 1}") for i, wi in enumerate(w)]
    a = []
    for i, (xi, wi) in enumerate(zip(xs, ws, strict=True)):
        ai = wi * xi
        ai.label = f"a{i + 1}"
        a.append(ai)
    z = a[0]
    for ai in a[1:]:
        z = z + ai
    z.label = "z"
    y_hat = z.relu()
    y_hat.label = "ŷ"
    loss = 0.5 * (Value(y, label="y") - y_hat) ** 2
    loss.label = "L"
    loss.backward()
    return NeuronGraph(x=xs, w=ws, a=a, z=z, y_hat=y_hat, loss=loss)


def neuron_loss_and_gradient(x, w, y) -> tuple[float, np.ndarray]:
    """Loss ``L`` and gradient ``dL/dw`` (shape ``(n,)``) of the single ReLU neuron."""
    g = neuron_graph(x, w, y)
    return g.loss.data, g.grad_w


def gradient_descent(x, w, y, lr: float, steps: int) -> Trajectory:
    """Run ``steps`` updates ``w <- w - lr dL/dw`` on the single neuron.

    Returns
    -------
    Trajectory
        ``iterates[k]`` (shape ``(steps + 1, n)``) is ``w`` after ``k`` steps
        (``iterates[0]`` is the start); ``values[k]`` is the loss there.
    """
    if not (isinstance(steps, (int, np.integer)) and steps >= 0):
        raise ValueError(f"steps must be a non-negative integer, got {steps!r}")
    lr = float(lr)
    if not (np.isfinite(lr) and lr > 0):
        raise ValueError(f"the learning rate must be a positive number, got {lr}")
    w = _vector("w", w).copy()
    weights, losses = [w.copy()], []
    for _ in range(steps):
        loss, grad = neuron_loss_and_gradient(x, w, y)
        losses.append(loss)
        w = w - lr * grad
        weights.append(w.copy())
    losses.append(neuron_loss_and_gradient(x, w, y)[0])
    return Trajectory(np.array(weights), np.array(losses))
