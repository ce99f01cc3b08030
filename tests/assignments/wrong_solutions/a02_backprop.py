"""Realistic mistakes in assignment 2 (backpropagation in a multilayer network).

Several variants agree with the visible tests (which use one example, small logits and
no pre-activation exactly at 0), as such mistakes do: the hidden tests alone must
catch them.
"""

import numpy as np

from variants import Variant

ASSIGNMENT = "02-backprop"

LINEAR = "linear", "linear-tests"
RELU = "relu", "relu-tests"
SOFTMAX = "softmax-ce", "softmax-ce-tests"
MLP = "mlp", "mlp-tests"
GRADCHECK = "gradcheck", "gradcheck-tests"


def _linear(dx="delta @ W", dW="delta.T @ x / batch", db="delta.sum(axis=0) / batch"):
    return (
        "def linear_backward(delta, x, W):\n"
        "    batch = delta.shape[0]\n"
        f"    return {dx}, {dW}, {db}\n"
    )


_SOFTMAX_OK = (
    "    batch = logits.shape[0]\n"
    "    shifted = logits - logits.max(axis=1, keepdims=True)\n"
    "    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))\n"
    "    rows = np.arange(batch)\n"
    "    delta = np.exp(log_p)\n"
    "    delta[rows, labels] -= 1\n"
)


def _mlp(softmax=None, gate="(z1 > 0)", dW1="dz1.T @ x / batch", dW2="dz2.T @ q1 / batch"):
    softmax = softmax or (
        "    shifted = z2 - z2.max(axis=1, keepdims=True)\n"
        "    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))\n"
    )
    return (
        "def mlp_loss_and_gradients(x, labels, W1, b1, W2, b2):\n"
        "    batch = x.shape[0]\n"
        "    z1 = x @ W1.T + b1\n"
        "    q1 = np.maximum(z1, 0)\n"
        "    z2 = q1 @ W2.T + b2\n"
        f"{softmax}"
        "    rows = np.arange(batch)\n"
        "    loss = -log_p[rows, labels].mean()\n"
        "    dz2 = np.exp(log_p)\n"
        "    dz2[rows, labels] -= 1\n"
        f"    dz1 = (dz2 @ W2) * {gate}\n"
        f"    grads = {{'W1': {dW1}, 'b1': dz1.mean(axis=0),\n"
        f"             'W2': {dW2}, 'b2': dz2.mean(axis=0)}}\n"
        "    return float(loss), grads\n"
    )


_NUMERICAL_OK = (
    "def numerical_gradient(f, x, eps=1e-6):\n"
    "    grad = np.zeros(x.shape)\n"
    "    for i in np.ndindex(x.shape):\n"
    "        original = x[i]\n"
    "        x[i] = original + eps\n"
    "        f_plus = f(x)\n"
    "        x[i] = original - eps\n"
    "        f_minus = f(x)\n"
    "        x[i] = original\n"
    "        grad[i] = (f_plus - f_minus) / (2 * eps)\n"
    "    return grad\n"
)
_RELATIVE_OK = (
    "def relative_error(a, b):\n"
    "    scale = np.max(np.abs(a) + np.abs(b))\n"
    "    if scale == 0:\n"
    "        return 0.0\n"
    "    return float(np.max(np.abs(a - b)) / scale)\n"
)

VARIANTS = [
    # --- part 1: linear layer ---------------------------------------------------------------
    Variant(
        "linear-missing-1-over-B",  # sums over the batch instead of averaging
        *LINEAR,
        _linear(dW="delta.T @ x", db="delta.sum(axis=0)"),
    ),
    Variant(
        "linear-transposed-weight-gradient",  # x.T @ delta, reshaped until the shape fits
        *LINEAR,
        _linear(dW="(x.T @ delta / batch).reshape(W.shape)"),
    ),
    Variant(
        "linear-dx-averaged",  # puts the 1/B into the signal for the layer below too
        *LINEAR,
        _linear(dx="delta @ W / batch"),
    ),
    Variant(
        "linear-bias-summed",  # averages dW but sums db
        *LINEAR,
        _linear(db="delta.sum(axis=0)"),
    ),
    # --- part 2: ReLU gate ------------------------------------------------------------------
    Variant(
        "relu-gate-open-at-zero",  # derivative taken as 1 at z = 0
        *RELU,
        "def relu_backward(dq, z):\n    return dq * (z >= 0)\n",
    ),
    Variant(
        "relu-clips-the-gradient",  # also applies the ReLU to the incoming gradient
        *RELU,
        "def relu_backward(dq, z):\n    return np.maximum(dq, 0) * (z > 0)\n",
    ),
    Variant(
        "relu-in-place",  # zeroes the caller's dq instead of making a new array
        *RELU,
        "def relu_backward(dq, z):\n    dq[z <= 0] = 0.0\n    return dq\n",
    ),
    # --- part 3: softmax cross-entropy --------------------------------------------------------
    Variant(
        "softmax-without-max",  # overflows for large logits
        *SOFTMAX,
        "def softmax_cross_entropy(logits, labels):\n"
        "    rows = np.arange(logits.shape[0])\n"
        "    p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)\n"
        "    delta = p.copy()\n"
        "    delta[rows, labels] -= 1\n"
        "    return float(-np.log(p[rows, labels]).mean()), delta\n",
    ),
    Variant(
        "softmax-log-of-probability",  # stable softmax, but log(p) underflows to -inf
        *SOFTMAX,
        "def softmax_cross_entropy(logits, labels):\n"
        "    rows = np.arange(logits.shape[0])\n"
        "    e = np.exp(logits - logits.max(axis=1, keepdims=True))\n"
        "    p = e / e.sum(axis=1, keepdims=True)\n"
        "    delta = p.copy()\n"
        "    delta[rows, labels] -= 1\n"
        "    return float(-np.log(p[rows, labels]).mean()), delta\n",
    ),
    Variant(
        "softmax-delta-divided-by-B",  # gradlib's convention instead of the assignment's
        *SOFTMAX,
        "def softmax_cross_entropy(logits, labels):\n"
        + _SOFTMAX_OK
        + "    return float(-log_p[rows, labels].mean()), delta / batch\n",
    ),
    Variant(
        "softmax-loss-summed",  # the sum over the batch instead of the mean
        *SOFTMAX,
        "def softmax_cross_entropy(logits, labels):\n"
        + _SOFTMAX_OK
        + "    return float(-log_p[rows, labels].sum()), delta\n",
    ),
    Variant(
        "softmax-in-place-shift",  # subtracts the maximum from the caller's logits
        *SOFTMAX,
        "def softmax_cross_entropy(logits, labels):\n"
        "    logits -= logits.max(axis=1, keepdims=True)\n"
        + _SOFTMAX_OK
        + "    return float(-log_p[rows, labels].mean()), delta\n",
    ),
    Variant(
        "delegates-to-gradlib",  # hands the part to the reference library through an alias
        *SOFTMAX,
        "from gradlib.losses import SoftmaxCrossEntropyLoss as Helper\n\n\n"
        "def softmax_cross_entropy(logits, labels):\n"
        "    helper = Helper()\n"
        "    loss = helper.forward(logits, labels)\n"
        "    return loss, helper.backward() * len(logits)\n",
    ),
    # --- part 4: two-layer network ------------------------------------------------------------
    Variant(
        "mlp-gate-open-at-zero",  # the ReLU gate taken as 1 at z = 0
        *MLP,
        _mlp(gate="(z1 >= 0)"),
    ),
    Variant(
        "mlp-weight-gradient-from-z1",  # dW2 from the pre-activations instead of the activations
        *MLP,
        _mlp(dW2="dz2.T @ (z1 if batch > 1 else q1) / batch"),
    ),
    Variant(
        "mlp-first-layer-missing-1-over-B",  # forgets the mean in the first layer only
        *MLP,
        _mlp(dW1="dz1.T @ x"),
    ),
    Variant(
        "mlp-softmax-without-max",  # overflows for large logits
        *MLP,
        _mlp(softmax="    log_p = z2 - np.log(np.exp(z2).sum(axis=1, keepdims=True))\n"),
    ),
    # --- part 5: gradient checker -------------------------------------------------------------
    Variant(
        "gradcheck-one-sided",  # forward differences: error of order eps
        *GRADCHECK,
        "def numerical_gradient(f, x, eps=1e-6):\n"
        "    grad = np.zeros(x.shape)\n"
        "    f0 = f(x)\n"
        "    for i in np.ndindex(x.shape):\n"
        "        original = x[i]\n"
        "        x[i] = original + eps\n"
        "        grad[i] = (f(x) - f0) / eps\n"
        "        x[i] = original\n"
        "    return grad\n\n\n" + _RELATIVE_OK,
    ),
    Variant(
        "gradcheck-not-restored",  # leaves every entry of x at x - eps
        *GRADCHECK,
        "def numerical_gradient(f, x, eps=1e-6):\n"
        "    grad = np.zeros(x.shape)\n"
        "    for i in np.ndindex(x.shape):\n"
        "        x[i] += eps\n"
        "        f_plus = f(x)\n"
        "        x[i] -= 2 * eps\n"
        "        f_minus = f(x)\n"
        "        grad[i] = (f_plus - f_minus) / (2 * eps)\n"
        "    if x.ndim == 1 and x.size == 3:\n"
        "        x += eps\n"
        "    return grad\n\n\n" + _RELATIVE_OK,
    ),
    Variant(
        "gradcheck-elementwise-relative-error",  # entrywise ratio: NaN where both are 0
        *GRADCHECK,
        _NUMERICAL_OK + "\n\n"
        "def relative_error(a, b):\n"
        "    return float(np.max(np.abs(a - b) / (np.abs(a) + np.abs(b))))\n",
    ),
    Variant(
        "gradcheck-no-zero-guard",  # 0 / 0 for two zero arrays
        *GRADCHECK,
        _NUMERICAL_OK + "\n\n"
        "def relative_error(a, b):\n"
        "    return float(np.max(np.abs(a - b)) / np.max(np.abs(a) + np.abs(b)))\n",
    ),
]


# --- random inputs for mutation testing -----------------------------------------------------
def _sizes(rng, k, low=1, high=6):
    return [int(v) for v in rng.integers(low, high + 1, size=k)]


def _with_zeros(rng, a):
    a = a.copy()
    a[rng.random(size=a.shape) < 0.2] = 0.0
    return a


def _logits(rng, shape):
    scale = [1.0, 3.0, 300.0][int(rng.integers(0, 3))]
    shift = 1000.0 if rng.random() < 0.2 else 0.0
    return scale * rng.normal(size=shape) + shift


def _mlp_args(rng):
    B, n_in, H, C = _sizes(rng, 4, 2, 5)
    W1, b1 = rng.normal(size=(H, n_in)), rng.normal(size=H)
    if rng.random() < 0.3:
        W1[0], b1[0] = 0.0, 0.0  # one unit exactly at z = 0
    W2 = rng.normal(size=(C, H)) * (300.0 if rng.random() < 0.2 else 1.0)
    return (rng.normal(size=(B, n_in)), rng.integers(0, C, size=B), W1, b1, W2, rng.normal(size=C))


def _smooth(v):
    return float(np.sum(np.sin(v) * v**3))


def _relative_args(rng):
    shape = tuple(_sizes(rng, 2))
    a = rng.normal(size=shape)
    kind = int(rng.integers(0, 4))
    b = [a + 1e-3 * rng.normal(size=shape), rng.normal(size=shape), -a, np.zeros(shape)][kind]
    if rng.random() < 0.15:
        a, b = np.zeros(shape), np.zeros(shape)
    return a, b


PROBES = {
    "linear_backward": lambda rng: (
        (
            lambda B, i, o: (
                rng.normal(size=(B, o)),
                rng.normal(size=(B, i)),
                rng.normal(size=(o, i)),
            )
        )(*_sizes(rng, 3)),
        {},
    ),
    "relu_backward": lambda rng: (
        (lambda s: (rng.normal(size=s), _with_zeros(rng, rng.normal(size=s))))(
            tuple(_sizes(rng, 2))
        ),
        {},
    ),
    "softmax_cross_entropy": lambda rng: (
        (lambda B, C: (_logits(rng, (B, C)), rng.integers(0, C, size=B)))(*_sizes(rng, 2, 2, 6)),
        {},
    ),
    "mlp_loss_and_gradients": lambda rng: (_mlp_args(rng), {}),
    "numerical_gradient": lambda rng: (
        (_smooth, rng.normal(size=tuple(_sizes(rng, 2, 1, 3))), float(10.0 ** -rng.integers(3, 7))),
        {},
    ),
    "relative_error": lambda rng: (_relative_args(rng), {}),
}
