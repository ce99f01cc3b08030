"""What backprop finds: the perceptron rule against gradient descent on a loss.

A single neuron with weights ``w`` (shape ``(d,)``) and bias ``b`` classifies a
point ``x`` by the sign of ``w . x + b``.  Here the bias is stored as the last
entry of one weight vector ``weights = [w_1, ..., w_d, b]`` (shape ``(d + 1,)``),
which multiplies an input augmented with a constant 1.

- :func:`perceptron_train` runs the perceptron learning rule: for each
  misclassified point, ``weights += lr * y * [x, 1]``.  If the points are linearly
  separable it stops after finitely many updates with every point on the right
  side (the perceptron convergence theorem).
- :func:`logistic_train` trains a logistic neuron ``sigmoid(w . x + b)`` by full-batch
  gradient descent on a loss, with the layers of :mod:`gradlib.nn` (backprop).

The convergence slides (after Brady, Raghavan and Slawny, 1989) show that the two need not agree:
with the squared error of a logistic output, a far-away "spoiler" point that is
on the wrong side sits in the flat tail of the sigmoid and hardly changes the
gradient, so the minimum found for the other points stays a (near-)stationary
point although the perceptron separates all of them.  :func:`spoiler_example`
gives the data.
"""

from __future__ import annotations

import numpy as np

from gradlib._checks import (
    as_generator,
    check_finite,
    check_number,
    check_positive_int,
    check_real,
    check_samples,
    numeric_array,
)
from gradlib.losses import BCEWithLogitsLoss, MSELoss
from gradlib.nn import Linear, Sequential, Sigmoid
from gradlib.trajectory import Trajectory

__all__ = [
    "spoiler_example",
    "perceptron_train",
    "logistic_train",
    "predict",
    "misclassified",
]


def spoiler_example(with_spoiler: bool = True, distance: float = 10.0):
    """Brady et al.'s points (convergence slides): three separable points and a far "spoiler".

    ``(1, 0)`` and ``(0, 1)`` are positive, ``(-1, 0)`` negative; the spoiler
    ``(0, -distance)`` is positive.  All four are linearly separable (e.g. by the
    vertical line ``x1 = -1/2``), but the best logistic fit of the first three puts
    the boundary on the line ``x1 + x2 = 0``, and the spoiler deep on its wrong side.

    Returns
    -------
    X : ndarray, shape (3, 2) or (4, 2)
    y : ndarray of int, shape (3,) or (4,), labels in {-1, +1}
    """
    distance = check_real(distance, "distance")
    if distance <= 0:
        raise ValueError(f"distance must be positive, got {distance}")
    X = np.array([[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0]])
    y = np.array([1, 1, -1])
    if with_spoiler:
        X = np.vstack([X, [0.0, -distance]])
        y = np.append(y, 1)
    return X, y


def _data(X, y) -> tuple[np.ndarray, np.ndarray]:
    """``X`` (n, d) as finite float64 and ``y`` (n,) as labels in {-1, +1}."""
    X, y = check_samples(X, y)
    X = numeric_array(X, "X", ndim=2, what="(n, d)").astype(np.float64)
    check_finite(X, "X")
    y = numeric_array(y, "y", ndim=1, what="(n,)")
    values = set(np.unique(y).tolist())
    if values <= {-1, 1}:
        return X, y.astype(np.int64)
    if values <= {0, 1}:
        return X, np.where(y == 1, 1, -1)
    raise ValueError(f"labels must be in {{-1, +1}} or in {{0, 1}}, got values {sorted(values)}")


def _augmented(X: np.ndarray) -> np.ndarray:
    return np.hstack([X, np.ones((len(X), 1))])


def _initial(w0, d: int) -> np.ndarray:
    if w0 is None:
        return np.zeros(d + 1)
    w = numeric_array(w0, "w0", ndim=1, what=f"({d + 1},)").astype(np.float64)
    if w.shape != (d + 1,):
        raise ValueError(f"w0 must have shape ({d + 1},) (weights then bias), got {w.shape}")
    check_finite(w, "w0")
    return w


def predict(weights, X) -> np.ndarray:
    """Labels in {-1, +1}: ``+1`` where ``[x, 1] . weights > 0``.  ``X`` (n, d) -> (n,)."""
    X = numeric_array(X, "X", ndim=2, what="(n, d)").astype(np.float64)
    weights = _initial(weights, X.shape[1])
    return np.where(_augmented(X) @ weights > 0, 1, -1)


def misclassified(weights, X, y) -> int:
    """Number of points with ``y * ([x, 1] . weights) <= 0`` (on the boundary counts as wrong)."""
    X, y = _data(X, y)
    return int(np.sum(y * (_augmented(X) @ _initial(weights, X.shape[1])) <= 0))


def perceptron_train(
    X, y, epochs: int = 100, lr: float = 1.0, seed=None, *, w0=None
) -> tuple[Trajectory, bool]:
    """The perceptron learning rule, one pass over the shuffled points per epoch.

    For each point ``x_i`` with ``y_i * ([x_i, 1] . weights) <= 0``:
    ``weights += lr * y_i * [x_i, 1]``.  Training stops after the first epoch
    without an update (then every point is on its side) or after ``epochs`` epochs.

    Parameters
    ----------
    X : array, shape (n, d)
    y : array, shape (n,), labels in {-1, +1} or {0, 1}
    epochs : int > 0
    lr : float > 0
    seed : None, int or numpy.random.Generator
        Order of the points in each epoch.
    w0 : array, shape (d + 1,), optional
        Initial weights (bias last); zeros by default.

    Returns
    -------
    path : Trajectory
        ``iterates`` of shape (T + 1, d + 1): the weights before training and after
        each of the T epochs run (the last row is the result); ``values``: the
        number of misclassified points (see :func:`misclassified`) for each row.
    converged : bool
        True if an epoch went by without an update (then every point is on its side).
    """
    X, y = _data(X, y)
    epochs = check_positive_int(epochs, "epochs")
    lr = check_number(None, "lr", lr, low=0.0, open_low=True)
    rng = as_generator(seed)
    Xa = _augmented(X)
    w = _initial(w0, X.shape[1])
    weights, mistakes, converged = [w.copy()], [int(np.sum(y * (Xa @ w) <= 0))], False
    for _ in range(epochs):
        updates = 0
        for i in rng.permutation(len(X)):
            if y[i] * (Xa[i] @ w) <= 0:
                w += lr * y[i] * Xa[i]
                updates += 1
        weights.append(w.copy())
        mistakes.append(int(np.sum(y * (Xa @ w) <= 0)))
        if updates == 0:
            converged = True
            break
    return Trajectory(np.array(weights), np.array(mistakes)), converged


def logistic_train(
    X,
    y,
    epochs: int = 1000,
    lr: float = 1.0,
    *,
    loss: str = "squared",
    targets: tuple[float, float] = (0.0, 1.0),
    w0=None,
) -> Trajectory:
    """A logistic neuron ``sigmoid([x, 1] . weights)`` trained by full-batch gradient descent.

    The neuron is a :class:`~gradlib.nn.Linear` layer (``d -> 1``) and the gradient
    comes from its ``backward``: this is backprop on the smallest network.

    Parameters
    ----------
    X : array, shape (n, d)
    y : array, shape (n,), labels in {-1, +1} or {0, 1}
    epochs : int > 0
        Number of gradient steps (each on all ``n`` points).
    lr : float > 0
    loss : {"squared", "cross_entropy"}
        ``"squared"``: ``(1/n) sum 1/2 (sigmoid(z) - t)^2``, the lecture's L2 divergence;
        ``"cross_entropy"``: ``(1/n) sum -(t log s + (1 - t) log(1 - s))``.
    targets : (float, float)
        The targets ``t`` of the negative and the positive class, in [0, 1].
        With ``(0.1, 0.9)`` the three points of :func:`spoiler_example` have an exact
        fit, the unique solution of the lecture.
    w0 : array, shape (d + 1,), optional
        Initial weights (bias last); zeros by default.

    Returns
    -------
    Trajectory
        ``iterates`` of shape (epochs + 1, d + 1): the weights before training and
        after each step (the last row is the result); ``values``: the loss at each row.
    """
    X, y = _data(X, y)
    epochs = check_positive_int(epochs, "epochs")
    lr = check_number(None, "lr", lr, low=0.0, open_low=True)
    if loss not in ("squared", "cross_entropy"):
        raise ValueError(f'loss must be "squared" or "cross_entropy", got {loss!r}')
    if len(targets) != 2:
        raise ValueError(f"targets must be a pair (negative, positive), got {targets!r}")
    low, high = (check_real(t, "targets", low=0.0, high=1.0) for t in targets)
    t = np.where(y > 0, high, low).reshape(-1, 1)
    n, d = X.shape
    linear = Linear(d, 1, seed=0)
    w = _initial(w0, d)
    linear.weight[0], linear.bias[0] = w[:d], w[d]
    if loss == "squared":
        model, objective = Sequential(linear, Sigmoid()), MSELoss(half=True)
    else:
        model, objective = linear, BCEWithLogitsLoss()
    weights, losses = [], []
    for step in range(epochs + 1):
        weights.append(np.append(linear.weight[0], linear.bias[0]))
        losses.append(objective.forward(model.forward(X), t))
        if step == epochs:
            break
        model.backward(objective.backward(), input_grad=False)
        for p, g in zip(linear.params(), linear.grads(), strict=True):
            p -= lr * g
    return Trajectory(np.array(weights), np.array(losses))
