"""Realistic mistakes in assignment 2 (backpropagation in a multilayer network).

Several variants agree with the visible tests (which use one example, small logits and
no pre-activation exactly at 0), as such mistakes do: the hidden tests alone must
catch them.
"""

import numpy as np
from gradlib_course.demo_answers import MISTAKES

from samples.variants import Alternative, Variant

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
        MISTAKES[ASSIGNMENT]["linear"],  # (the demo class's)
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


# --- correct solutions in other styles than the reference ------------------------------------
ALTERNATIVES = [
    Alternative(
        "loops-python-floats-own-parts-chained",
        {
            "linear": "def linear_backward(delta, x, W):\n"
            "    B, n_out = delta.shape\n"
            "    n_in = x.shape[1]\n"
            "    dx = np.zeros((B, n_in))\n"
            "    dW = np.zeros((n_out, n_in))\n"
            "    db = np.zeros(n_out)\n"
            "    for i in range(B):  # one example at a time\n"
            "        dx[i] = W.T @ delta[i]\n"
            "        dW += np.outer(delta[i], x[i])\n"
            "        db += delta[i]\n"
            "    return [dx, dW / B, db / B]  # a list instead of a tuple\n",
            "relu": "def relu_backward(dq, z):\n    return np.where(z > 0, dq, 0.0)\n",
            "softmax-ce": "import math\n\n\n"
            "def softmax_cross_entropy(logits, labels):\n"
            "    B, C = logits.shape\n"
            "    total = 0.0\n"
            "    delta = np.empty((B, C))\n"
            "    for i in range(B):  # row by row, in Python floats\n"
            "        row = [float(v) for v in logits[i]]\n"
            "        m = max(row)\n"
            "        lse = m + math.log(sum(math.exp(v - m) for v in row))\n"
            "        total += lse - row[labels[i]]\n"
            "        for k in range(C):\n"
            "            delta[i, k] = math.exp(row[k] - lse) - (1.0 if k == labels[i] else 0.0)\n"
            "    return total / B, delta\n",
            "mlp": "def mlp_loss_and_gradients(x, labels, W1, b1, W2, b2):\n"
            "    z1 = x @ W1.T + b1\n"
            "    q1 = np.maximum(z1, 0.0)\n"
            "    loss, dz2 = softmax_cross_entropy(q1 @ W2.T + b2, labels)  # parts 1-3 reused\n"
            "    dq1, dW2, db2 = linear_backward(dz2, q1, W2)\n"
            "    _, dW1, db1 = linear_backward(relu_backward(dq1, z1), x, W1)\n"
            "    return loss, dict(W1=dW1, b1=db1, W2=dW2, b2=db2)\n",
            "gradcheck": "def numerical_gradient(f, x, eps=1e-6):\n"
            "    grad = np.zeros_like(x, dtype=float)\n"
            "    for i in np.ndindex(*x.shape):\n"
            "        x_plus, x_minus = x.copy(), x.copy()  # x itself is never touched\n"
            "        x_plus[i] += eps\n"
            "        x_minus[i] -= eps\n"
            "        grad[i] = (f(x_plus) - f(x_minus)) / 2 / eps\n"
            "    return grad\n\n\n"
            "def relative_error(a, b):\n"
            "    a, b = np.ravel(a).tolist(), np.ravel(b).tolist()\n"
            "    top = max(abs(p - q) for p, q in zip(a, b))\n"
            "    scale = max(abs(p) + abs(q) for p, q in zip(a, b))\n"
            "    return 0.0 if scale == 0 else top / scale\n",
        },
        "Python loops and floats, a list triple, np.where, copies for the perturbations, "
        "parts 1-3 chained in part 4, dict(...)",
    ),
    Alternative(
        "einsum-in-place-on-copies-prints",
        {
            "linear": "def linear_backward(delta, x, W):\n"
            "    dx = np.einsum('bo,oi->bi', delta, W)\n"
            "    dW = np.einsum('bo,bi->oi', delta, x) / len(x)\n"
            "    db = delta.mean(axis=0)\n"
            "    print('linear_backward: dW has shape', dW.shape)\n"
            "    return dx, dW, db\n",
            "relu": "def relu_backward(dq, z):\n"
            "    dz = dq.copy()\n"
            "    dz[z <= 0] = 0.0  # in place, on the copy\n"
            "    return dz\n",
            "softmax-ce": "def softmax_cross_entropy(logits, labels):\n"
            "    z = np.array(logits, dtype=float)  # a copy to work on in place\n"
            "    z -= z.max(axis=1, keepdims=True)\n"
            "    z -= np.log(np.exp(z).sum(axis=1, keepdims=True))  # now log p\n"
            "    picked = z[np.arange(len(z)), labels]\n"
            "    loss = np.mean(-picked)  # a numpy float64\n"
            "    np.exp(z, out=z)\n"
            "    z[np.arange(len(z)), labels] -= 1.0\n"
            "    print(f'debug: loss={loss:.4f}')\n"
            "    return loss, z\n",
            "mlp": "from collections import OrderedDict\n\n\n"
            "def mlp_loss_and_gradients(x, labels, W1, b1, W2, b2):\n"
            "    B = len(x)\n"
            "    z1 = np.einsum('bi,hi->bh', x, W1) + b1\n"
            "    gate = (z1 > 0).astype(float)\n"
            "    q1 = z1 * gate\n"
            "    z2 = np.einsum('bh,ch->bc', q1, W2) + b2\n"
            "    m = z2.max(axis=1, keepdims=True)\n"
            "    lse = m + np.log(np.exp(z2 - m).sum(axis=1, keepdims=True))\n"
            "    Y = np.zeros_like(z2)\n"
            "    Y[np.arange(B), labels] = 1.0\n"
            "    loss = float(np.sum(Y * (lse - z2)) / B)\n"
            "    dz2 = np.exp(z2 - lse) - Y\n"
            "    dz1 = np.einsum('bc,ch->bh', dz2, W2) * gate\n"
            "    grads = OrderedDict()\n"
            "    grads['b2'] = dz2.sum(axis=0) / B\n"
            "    grads['W2'] = np.einsum('bc,bh->ch', dz2, q1) / B\n"
            "    grads['b1'] = dz1.sum(axis=0) / B\n"
            "    grads['W1'] = np.einsum('bh,bi->hi', dz1, x) / B\n"
            "    return loss, grads\n",
            "gradcheck": "def numerical_gradient(f, x, eps=1e-6):\n"
            "    grad = np.empty(x.shape)\n"
            "    it = np.nditer(x, flags=['multi_index'])\n"
            "    for _ in it:\n"
            "        i = it.multi_index\n"
            "        x[i] += eps\n"
            "        up = f(x)\n"
            "        x[i] -= 2 * eps\n"
            "        down = f(x)\n"
            "        x[i] += eps  # back (up to rounding)\n"
            "        grad[i] = 0.5 * (up - down) / eps\n"
            "    return grad\n\n\n"
            "def relative_error(a, b):\n"
            "    if not np.any(a) and not np.any(b):\n"
            "        return 0.0\n"
            "    err = np.abs(a - b).max() / (np.abs(a) + np.abs(b)).max()\n"
            "    print('relative error:', err)\n"
            "    return err  # a numpy float64\n",
        },
        "einsum, another order of operations, in-place updates on copies, numpy float64 "
        "scalars, an OrderedDict, perturb-and-undo by arithmetic, debug prints",
    ),
    Alternative(
        "helpers-in-an-extra-cell",
        {
            "linear": "def linear_backward(delta, x, W):\n"
            "    outer = delta[:, :, None] * x[:, None, :]  # (B, out, in): outer products\n"
            "    return np.dot(delta, W), outer.mean(axis=0), np.mean(delta, axis=0)\n",
            "relu": "def relu_backward(dq, z):\n    return dq * np.heaviside(z, 0.0)\n",
            "softmax-ce": "def softmax_cross_entropy(logits, labels):\n"
            "    log_p = log_softmax(logits)\n"
            "    Y = one_hot(labels, logits.shape[1])\n"
            "    return float(-(Y * log_p).sum() / len(labels)), np.exp(log_p) - Y\n",
            "mlp": "def mlp_loss_and_gradients(x, labels, W1, b1, W2, b2):\n"
            "    z1 = x @ W1.T + b1\n"
            "    q1 = np.maximum(z1, 0)\n"
            "    log_p = log_softmax(q1 @ W2.T + b2)\n"
            "    Y = one_hot(labels, W2.shape[0])\n"
            "    batch = len(x)\n"
            "    dz2 = np.exp(log_p) - Y\n"
            "    dz1 = (dz2 @ W2) * (z1 > 0)\n"
            "    grads = {}\n"
            "    grads['W2'], grads['b2'] = (dz2.T @ q1) / batch, dz2.sum(0) / batch\n"
            "    grads['W1'], grads['b1'] = (dz1.T @ x) / batch, dz1.sum(0) / batch\n"
            "    return [-np.mean(np.sum(Y * log_p, axis=1)), grads]  # a list pair\n",
            "gradcheck": "def numerical_gradient(f, x, eps=1e-6):\n"
            "    grad = np.empty_like(x)\n"
            "    for k in range(x.size):\n"
            "        i = np.unravel_index(k, x.shape)\n"
            "        saved = x[i]\n"
            "        x[i] = saved + eps\n"
            "        f1 = f(x)\n"
            "        x[i] = saved - eps\n"
            "        f2 = f(x)\n"
            "        x[i] = saved\n"
            "        grad[i] = (f1 - f2) / (eps + eps)\n"
            "    return grad\n\n\n"
            "def relative_error(a, b):\n"
            "    scale = float(np.max(np.abs(a) + np.abs(b)))\n"
            "    return float(np.max(np.abs(a - b))) / scale if scale > 0 else 0.0\n",
        },
        "helper functions (log_softmax, one_hot) in an extra cell, np.heaviside, the mean of "
        "outer products, one-hot matrices, a list pair, a flat index loop",
        added=(
            (
                "imports",
                "def log_softmax(z):\n"
                '    """My helper: log softmax of each row, stable."""\n'
                "    shifted = z - np.max(z, axis=1, keepdims=True)\n"
                "    return shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))\n\n\n"
                "def one_hot(labels, C):\n"
                "    return np.eye(C)[labels]\n",
            ),
        ),
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
