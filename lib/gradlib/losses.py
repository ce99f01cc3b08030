"""Loss functions with a hand-written gradient.

Every loss has ``forward(prediction, target) -> float`` and ``backward() ->
dL/d(prediction)`` (same shape and dtype as ``prediction``), the ``delta`` at the
output that :meth:`gradlib.nn.Sequential.backward` takes.

Convention (all three losses)
-----------------------------
``prediction`` is a batch of rows, shape ``(B, n)``.  The loss of one sample is a
**sum over its n outputs**, and the loss of the batch is the **mean over the B
samples**::

    L = (1/B) * sum_i loss(prediction[i], target[i])

so the gradients carry the lectures' ``1/B`` and a batch of one sample gives
exactly the lectures' per-sample numbers.  For a single output (``n = 1``) this is
PyTorch's default ``reduction="mean"``; for ``n > 1`` PyTorch's ``MSELoss`` and
``BCEWithLogitsLoss`` divide by ``B * n`` instead (``SoftmaxCrossEntropyLoss``
agrees with ``torch.nn.CrossEntropyLoss`` for every ``n``).

Nothing broadcasts: ``target`` must have exactly the shape described for each loss.
A ``target`` of another float dtype is converted to the dtype of ``prediction``.
"""

from __future__ import annotations

import numpy as np

from gradlib._checks import (
    check_batch,
    check_finite,
    check_flag,
    check_forward_done,
    check_labels,
    check_same_shape,
    numeric_array,
)
from gradlib.nn import sigmoid

__all__ = ["Loss", "MSELoss", "SoftmaxCrossEntropyLoss", "BCEWithLogitsLoss", "softmax"]


def softmax(z, axis: int = -1) -> np.ndarray:
    """``exp(z) / sum(exp(z))`` along ``axis`` (stable: the maximum is subtracted first).

    ``z`` is any float array (e.g. logits of shape ``(B, C)``); the result has its
    shape and dtype and sums to 1 along ``axis``.
    """
    z = numeric_array(z, "softmax input")
    if z.dtype.kind != "f":
        z = z.astype(np.float64)
    check_finite(z, "softmax input")
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


class Loss:
    """The interface of the losses: ``forward`` returns a float, ``backward`` the gradient.

    ``forward`` checks its arguments (the public boundary, with
    :func:`~gradlib._checks.check_batch` and :func:`~gradlib._checks.check_same_shape`),
    computes the loss and stores in ``self._cache`` what ``backward`` needs.
    """

    _cache = None

    def __call__(self, prediction, target) -> float:
        return self.forward(prediction, target)

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class MSELoss(Loss):
    """Squared error: ``L = (c/B) * sum_i sum_j (prediction[i, j] - target[i, j])^2``.

    ``c = 1`` by default and ``c = 1/2`` with ``half=True``, the lectures'
    ``1/2 (y - y_hat)^2``, whose derivative is just ``y_hat - y``.  Shapes:
    ``prediction`` and ``target`` both ``(B, n)``; ``backward()`` returns
    ``2c (prediction - target) / B``, shape ``(B, n)``.

    For one sample, ``half=True``, prediction 0.7 and target 2 the loss is 0.845
    and the gradient -1.3, the single neuron of the lectures.
    """

    def __init__(self, half: bool = False):
        self.half = check_flag(half, "half")

    def __repr__(self) -> str:
        return f"MSELoss(half={self.half})"

    def forward(self, prediction, target) -> float:
        """The mean over the batch of the (half) sum of squared errors of each row."""
        y_hat = check_batch(prediction, "MSELoss prediction", columns="outputs")
        y = check_same_shape(target, "MSELoss target", y_hat)
        c = 0.5 if self.half else 1.0
        diff = y_hat - y  # (B, n)
        self._cache = (diff,)
        return c * float(np.sum(diff**2)) / len(diff)

    def backward(self) -> np.ndarray:
        """``dL/d(prediction) = 2c (prediction - target) / B``, shape (B, n)."""
        (diff,) = check_forward_done(self._cache, "MSELoss")
        c = 0.5 if self.half else 1.0
        return 2 * c * diff / len(diff)


class SoftmaxCrossEntropyLoss(Loss):
    """Softmax followed by cross-entropy, fused: ``L = -(1/B) sum_i sum_c y[i, c] log p[i, c]``.

    ``p = softmax(logits)`` row by row.  Shapes: ``logits`` ``(B, C)``; ``target``
    either integer class labels ``(B,)`` with values in ``0..C-1`` (then ``y`` is
    their one-hot encoding) or probabilities ``(B, C)`` (one-hot or soft,
    non-negative rows summing to 1).  ``backward()`` returns the fused gradient
    ``(p - y) / B``, shape ``(B, C)``, the lectures' ``delta = p_hat - y``
    averaged over the batch.

    The logarithm is computed as ``log p = z - max(z) - log(sum(exp(z - max(z))))``
    (log-sum-exp), so large logits neither overflow nor give ``log(0)``.
    """

    def forward(self, prediction, target) -> float:
        """The mean cross-entropy of the rows of ``prediction`` (logits) against ``target``."""
        logits = check_batch(prediction, "SoftmaxCrossEntropyLoss prediction", columns="outputs")
        y = self._target_probabilities(target, logits)
        shifted = logits - logits.max(axis=1, keepdims=True)  # largest entry of each row: 0
        log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))  # log softmax
        p = np.exp(log_p)
        self._cache = (p, y)
        return -float(np.sum(y * log_p)) / len(logits)

    def backward(self) -> np.ndarray:
        """``dL/d(logits) = (p - y) / B``, shape (B, C) (``y`` one-hot for labels)."""
        p, y = check_forward_done(self._cache, "SoftmaxCrossEntropyLoss")
        return (p - y) / len(p)

    def _target_probabilities(self, target, logits: np.ndarray) -> np.ndarray:
        """``target`` checked against ``logits`` and returned as rows of probabilities ``y``."""
        name = "SoftmaxCrossEntropyLoss target"
        t = numeric_array(target, name)
        batch, classes = logits.shape
        if t.shape == (batch,):  # class labels: y is their one-hot encoding
            labels = check_labels(t, "SoftmaxCrossEntropyLoss labels", classes)
            y = np.zeros_like(logits)
            y[np.arange(batch), labels] = 1
            return y
        if t.shape != logits.shape:
            raise ValueError(
                f"{name} must be labels of shape ({batch},) or probabilities of shape "
                f"{logits.shape}, got {t.shape}"
            )
        y = check_same_shape(t, name, logits)
        row_sums = y.sum(axis=1)
        if (y < 0).any() or (np.abs(row_sums - 1) > 1e-6).any():
            raise ValueError(
                "SoftmaxCrossEntropyLoss probability targets must be non-negative with "
                f"rows summing to 1, got row sums {np.round(row_sums, 6)}"
            )
        return y


class BCEWithLogitsLoss(Loss):
    """Sigmoid followed by binary cross-entropy, fused and computed from the logits ``x``.

    ``L = (1/B) sum_i sum_j [max(x, 0) - x y + log(1 + exp(-|x|))]`` over the
    entries ``x = logits[i, j]``, ``y = target[i, j]``: the same value as
    ``-(y log s + (1 - y) log(1 - s))`` with ``s = sigmoid(x)``, written with
    ``log1p`` of ``exp(-|x|) <= 1`` so it neither overflows nor takes ``log(0)``.
    Shapes: ``logits`` and ``target`` ``(B, n)`` (usually ``n = 1``), targets in
    ``[0, 1]``; ``backward()`` returns ``(sigmoid(x) - y) / B``, shape ``(B, n)``.
    """

    def forward(self, prediction, target) -> float:
        """The mean over the batch of the summed binary cross-entropy of each row."""
        x = check_batch(prediction, "BCEWithLogitsLoss prediction", columns="outputs")
        y = check_same_shape(target, "BCEWithLogitsLoss target", x)
        if (y < 0).any() or (y > 1).any():
            raise ValueError(
                f"BCEWithLogitsLoss targets must be in [0, 1], got values from {y.min()} to "
                f"{y.max()}"
            )
        loss = np.sum(np.maximum(x, 0) - x * y + np.log1p(np.exp(-np.abs(x))))
        self._cache = (x, y)
        return float(loss) / len(x)

    def backward(self) -> np.ndarray:
        """``dL/d(logits) = (sigmoid(logits) - target) / B``, shape (B, n)."""
        x, y = check_forward_done(self._cache, "BCEWithLogitsLoss")
        return (sigmoid(x) - y) / len(x)
