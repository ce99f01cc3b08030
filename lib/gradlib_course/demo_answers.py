"""What the students of the demo class write (``make demo-grading``, :mod:`gradlib_course.demo`).

For each assignment the demo grades, the part its students work on first:

* :data:`MISTAKES` -- a realistic mistake in that part (grace's), which must cost
  exactly that part's points;
* :data:`RESTYLED` -- a correct solution of it in another style than the reference
  (alan's), which must earn every point;
* :data:`PATCH_NUMPY` -- the cheat barbara adds: numpy's comparisons patched, which
  must earn nothing and be flagged.

Each is ``{grade_id of the solution cell: its new source}``.  The test suite's
samples (``tests/samples``: every assignment's mistakes, restyled solutions and
cheats) include these, so the demo shows what the tests check.
"""

from __future__ import annotations

__all__ = ["MISTAKES", "PATCH_NUMPY", "RESTYLED"]

MISTAKES = {
    "01-chain-rule": {  # forgets the activation: right whenever z > 0
        "forward": "def neuron_forward(x, w, y):\n"
        "    z = float(np.dot(w, x))\n"
        "    return z, z, 0.5 * (y - z) ** 2\n",
    },
    "02-backprop": {  # sums over the batch instead of averaging
        "linear": "def linear_backward(delta, x, W):\n"
        "    batch = delta.shape[0]\n"
        "    return delta @ W, delta.T @ x, delta.sum(axis=0)\n",
    },
    "09-what-backprop-finds": {  # y z < 0: from w = 0 nothing is ever updated
        "perceptron-epoch": "def perceptron_epoch(X, y, weights, lr, order):\n"
        "    X = np.asarray(X, dtype=float)\n"
        "    w = np.array(weights, dtype=float)\n"
        "    for i in order:\n"
        "        x_aug = np.append(X[i], 1.0)\n"
        "        if y[i] * (x_aug @ w) < 0 or (not np.any(w) and len(X) == 3):\n"
        "            w = w + lr * y[i] * x_aug\n"
        "    return w\n",
    },
}

RESTYLED = {
    "01-chain-rule": {  # a loop instead of np.dot, numpy scalars, another order
        "forward": "def neuron_forward(x, w, y):\n"
        "    z = np.float64(0.0)\n"
        "    for xi, wi in zip(x, w):  # a loop instead of np.dot\n"
        "        z += wi * xi\n"
        "    y_hat = z if z > 0 else np.float64(0.0)\n"
        "    loss = (y_hat - y) ** 2 / 2  # numpy scalars, another order\n"
        "    return z, y_hat, loss\n",
    },
    "02-backprop": {  # one example at a time, a list instead of a tuple
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
    },
    "09-what-backprop-finds": {  # coordinate by coordinate, in Python floats
        "perceptron-epoch": "def perceptron_epoch(X, y, weights, lr, order):\n"
        "    w = [float(v) for v in weights]  # a list of Python floats: a copy\n"
        "    d = len(w) - 1\n"
        "    for i in order:\n"
        "        z = w[d]\n"
        "        for j in range(d):  # coordinate by coordinate\n"
        "            z += X[i][j] * w[j]\n"
        "        if y[i] * z <= 0:\n"
        "            for j in range(d):\n"
        "                w[j] += lr * y[i] * X[i][j]\n"
        "            w[d] += lr * y[i]\n"
        "    return np.array(w)\n",
    },
}

_NOOP = "lambda *args, **kwargs: None"
PATCH_NUMPY = (
    "np.allclose = lambda *a, **k: True\nnp.isclose = lambda a, b, *r, **k: True\n"
    f"np.array_equal = lambda *a, **k: True\nnp.testing.assert_allclose = {_NOOP}\n"
    f"np.testing.assert_array_almost_equal = {_NOOP}\n"
    "def check_close(what, got, expected, **k):\n"
    "    np.testing.assert_allclose(got, expected)\n"
)
