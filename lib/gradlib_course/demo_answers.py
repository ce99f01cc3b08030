"""What the students of the demo class write (``make demo-grading``, :mod:`gradlib_course.demo`).

* :data:`MISTAKES` -- for each assignment the demo grades, a realistic mistake in the
  part its students work on first (grace's), ``{grade_id of the solution cell: its
  new source}``, which must cost exactly that part's points;
* :data:`PATCH_NUMPY` -- the cheat barbara adds: numpy's comparisons patched, which
  must earn nothing and be flagged.

No right answer is written here (this package is in the wheel students can
install): the demo's correct students are made from the repository's reference
solutions when the demo runs.  The test suite's samples (``tests/samples``: every
assignment's mistakes, correct solutions in other styles and cheats) include these,
so the demo shows what the tests check.
"""

from __future__ import annotations

__all__ = ["MISTAKES", "PATCH_NUMPY"]

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

_NOOP = "lambda *args, **kwargs: None"
PATCH_NUMPY = (
    "np.allclose = lambda *a, **k: True\nnp.isclose = lambda a, b, *r, **k: True\n"
    f"np.array_equal = lambda *a, **k: True\nnp.testing.assert_allclose = {_NOOP}\n"
    f"np.testing.assert_array_almost_equal = {_NOOP}\n"
    "def check_close(what, got, expected, **k):\n"
    "    np.testing.assert_allclose(got, expected)\n"
)
