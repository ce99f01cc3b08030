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

from gradlib._checks import check_finite, numeric_array
from gradlib.nn import sigmoid

__all__ = ["Loss", "MSELoss", "SoftmaxCrossEntropyLoss", "BCEWithLogitsLoss", "softmax"]

_UNSIGNED = {1: np.uint8, 2: np.uint16, 4: np.uint32, 8: np.uint64}  # by itemsize


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

    ``forward`` stores in ``self._cache`` what ``backward`` needs.
    """

    _cache = None

    def __call__(self, prediction, target) -> float:
        return self.forward(prediction, target)

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"

    def _cached(self) -> tuple:
        if self._cache is None:
            raise ValueError(
                f"{type(self).__name__}.backward was called before forward: "
                "run forward(prediction, target) first"
            )
        return self._cache

    def _prediction(self, prediction) -> np.ndarray:
        """``prediction`` as a finite float array of shape ``(B, n)`` (integers -> float64)."""
        p = prediction
        if not (isinstance(p, np.ndarray) and p.ndim == 2 and p.dtype.kind == "f"):
            name = f"{type(self).__name__} prediction"
            p = numeric_array(p, name, ndim=2, what="(B, outputs)").astype(np.float64)
        check_finite(p, f"{type(self).__name__} prediction")
        return p

    def _same_shape_target(self, target, prediction: np.ndarray) -> np.ndarray:
        name = f"{type(self).__name__} target"
        t = numeric_array(target, name)
        if t.shape != prediction.shape:
            hint = ""
            if t.ndim == 1 and prediction.shape == (t.shape[0], 1):
                hint = "; reshape it with target.reshape(-1, 1)"
            raise ValueError(
                f"{name} must have the shape of the prediction {prediction.shape}, "
                f"got {t.shape}{hint}"
            )
        t = t.astype(prediction.dtype, copy=False)
        check_finite(t, name)
        return t


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
        if not isinstance(half, bool):
            raise TypeError(f"half must be True or False, got {half!r}")
        self.half = half

    def __repr__(self) -> str:
        return f"MSELoss(half={self.half})"

    def forward(self, prediction, target) -> float:
        """The mean over the batch of the (half) sum of squared errors of each row."""
        prediction = self._prediction(prediction)
        target = self._same_shape_target(target, prediction)
        c = 0.5 if self.half else 1.0
        diff = prediction - target  # y_hat - y, (B, n)
        self._cache = (diff,)
        return c * float(np.vdot(diff, diff)) / len(diff)

    def backward(self) -> np.ndarray:
        """``dL/d(prediction) = 2c (prediction - target) / B``, shape (B, n)."""
        (diff,) = self._cached()
        c = 0.5 if self.half else 1.0
        return (2 * c / len(diff)) * diff


class SoftmaxCrossEntropyLoss(Loss):
    """Softmax followed by cross-entropy, fused: ``L = -(1/B) sum_i sum_c y[i, c] log p[i, c]``.

    ``p = softmax(logits)`` row by row.  Shapes: ``logits`` ``(B, C)``; ``target``
    either integer class labels ``(B,)`` with values in ``0..C-1`` or
    probabilities ``(B, C)`` (one-hot or soft, non-negative rows summing to 1).
    ``backward()`` returns the fused gradient ``(p - y) / B``, shape ``(B, C)``,
    the lectures' ``delta = p_hat - y`` averaged over the batch.

    The logarithm is computed as ``log p = z - max(z) - log(sum(exp(z - max(z))))``
    (log-sum-exp), so large logits neither overflow nor give ``log(0)``.
    """

    def forward(self, prediction, target) -> float:
        """The mean cross-entropy of the rows of ``prediction`` (logits) against ``target``."""
        logits = self._prediction(prediction)
        labels = self._labels(target, logits)
        batch = len(logits)
        shifted = logits - logits.max(axis=1, keepdims=True)  # (B, C), largest entry 0
        exp = np.exp(shifted)
        norm = exp.sum(axis=1, keepdims=True)  # (B, 1): softmax p = exp / norm
        if labels is not None:  # -log p of the right class of each row
            y = (np.arange(batch), labels)  # the positions of the ones of a one-hot y
            loss = np.log(norm).sum() - shifted[y].sum()
        else:  # probabilities: -sum y log p, with log p = shifted - log(norm)
            y = self._same_shape_target(target, logits)
            loss = np.vdot(y, np.log(norm) - shifted)
        self._cache = (exp, norm, y)
        return float(loss) / batch

    def backward(self) -> np.ndarray:
        """``dL/d(logits) = (p - y) / B``, shape (B, C) (``y`` one-hot for labels)."""
        exp, norm, y = self._cached()
        batch = len(exp)
        grad = exp / (norm * batch)  # p / B
        if isinstance(y, tuple):  # labels: subtract 1/B where the one-hot y has its ones
            grad[y] -= 1 / batch
        else:
            grad -= y / batch
        return grad

    def _labels(self, target, logits: np.ndarray) -> np.ndarray | None:
        """Integer labels checked against ``logits``, or ``None`` for a (B, C) target."""
        t = numeric_array(target, "SoftmaxCrossEntropyLoss target")
        batch, classes = logits.shape
        if t.ndim == 2:
            if t.shape != logits.shape:
                raise ValueError(
                    "SoftmaxCrossEntropyLoss target must be labels of shape "
                    f"({batch},) or probabilities of shape {logits.shape}, got {t.shape}"
                )
            if (t < 0).any() or (np.abs(t.sum(axis=1) - 1) > 1e-6).any():
                raise ValueError(
                    "SoftmaxCrossEntropyLoss probability targets must be non-negative with "
                    f"rows summing to 1, got row sums {np.round(t.sum(axis=1), 6)}"
                )
            return None
        if t.shape != (batch,):
            raise ValueError(
                f"SoftmaxCrossEntropyLoss target must be labels of shape ({batch},) or "
                f"probabilities of shape {logits.shape}, got {t.shape}"
            )
        if t.dtype.kind not in "iu":
            raise TypeError(
                f"SoftmaxCrossEntropyLoss labels must be integers, got dtype {t.dtype}; "
                "use labels.astype(int) (or pass one-hot rows of shape (B, C))"
            )
        # Viewed as unsigned integers, negative labels become huge: one max() checks both ends.
        if t.view(_UNSIGNED[t.itemsize]).max() >= classes:
            bad = t[(t < 0) | (t >= classes)][0]
            raise ValueError(
                f"SoftmaxCrossEntropyLoss labels must be in 0..{classes - 1} for {classes} "
                f"classes, got {bad}"
            )
        return t


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
        x = self._prediction(prediction)
        y = self._same_shape_target(target, x)
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
        x, y = self._cached()
        return (sigmoid(x) - y) / len(x)
