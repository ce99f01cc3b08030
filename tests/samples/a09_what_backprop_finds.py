"""Realistic mistakes in assignment 9 (the perceptron rule against gradient descent).

Some variants special-case the visible tests' inputs (the lecture's three points and the
spoiler set), as a mistake that happens to agree with the visible tests would: the hidden
tests alone must then catch them.
"""

import numpy as np
from gradlib_course.demo_answers import MISTAKES

from samples.variants import Alternative, Variant

ASSIGNMENT = "09-what-backprop-finds"

EPOCH = "perceptron-epoch", "perceptron-epoch-tests"
TRAIN = "perceptron-train", "perceptron-train-tests"
GRADIENT = "logistic-gradient", "logistic-gradient-tests"
DESCENT = "logistic-train", "logistic-train-tests"
SEPARATES = "separates", "separates-tests"


def _epoch(condition: str = "y[i] * (x_aug @ w) <= 0", update: str = "w + lr * y[i] * x_aug"):
    return (
        "def perceptron_epoch(X, y, weights, lr, order):\n"
        "    X = np.asarray(X, dtype=float)\n"
        "    w = np.array(weights, dtype=float)\n"
        "    for i in order:\n"
        "        x_aug = np.append(X[i], 1.0)\n"
        f"        if {condition}:\n"
        f"            w = {update}\n"
        "    return w\n"
    )


def _train(
    *,
    rng_line="    rng = np.random.default_rng(seed)\n",
    order="rng.permutation(n)",
    after_epoch="        history.append(w.copy())\n        if updates == 0:\n"
    "            converged = True\n            break\n",
):
    return (
        "def perceptron_train(X, y, epochs, lr, seed):\n"
        "    X = np.asarray(X, dtype=float)\n"
        "    n, d = X.shape\n"
        "    X_aug = np.hstack([X, np.ones((n, 1))])\n"
        f"{rng_line}"
        "    w = np.zeros(d + 1)\n"
        "    history = [w.copy()]\n"
        "    converged = False\n"
        "    for _ in range(epochs):\n"
        "        updates = 0\n"
        f"        for i in {order}:\n"
        "            if y[i] * (X_aug[i] @ w) <= 0:\n"
        "                w = w + lr * y[i] * X_aug[i]\n"
        "                updates += 1\n"
        f"{after_epoch}"
        "    return np.array(history), converged\n"
    )


def _gradient(
    *,
    squared_delta="(s - t) * s * (1.0 - s)",
    ce_delta="s - t",
    ret="float(value), X_aug.T @ delta / n",
):
    return (
        'def logistic_loss_and_gradient(X, t, weights, loss="cross_entropy"):\n'
        "    X = np.asarray(X, dtype=float)\n"
        "    n = len(X)\n"
        "    X_aug = np.hstack([X, np.ones((n, 1))])\n"
        "    s = 1.0 / (1.0 + np.exp(-(X_aug @ weights)))\n"
        '    if loss == "squared":\n'
        "        value = np.mean(0.5 * (s - t) ** 2)\n"
        f"        delta = {squared_delta}\n"
        "    else:\n"
        "        value = -np.mean(t * np.log(s) + (1.0 - t) * np.log(1.0 - s))\n"
        f"        delta = {ce_delta}\n"
        f"    return {ret}\n"
    )


def _descent(
    *,
    targets="t = np.where(np.asarray(y) > 0, high, low)",
    loop="range(steps)",
    start="w = np.array(w0, dtype=float)",
    append="history.append(w.copy())",
):
    return (
        "def logistic_train(X, y, w0, lr, steps, loss, targets, grad_fn):\n"
        "    low, high = targets\n"
        f"    {targets}\n"
        f"    {start}\n"
        "    history = [w.copy()]\n"
        f"    for _ in {loop}:\n"
        "        _, grad = grad_fn(X, t, w, loss)\n"
        "        w = w - lr * grad\n"
        f"        {append}\n"
        "    return np.array(history)\n"
    )


def _separates(body: str):
    return (
        "def separates(weights, X, y):\n"
        "    X = np.asarray(X, dtype=float)\n"
        "    z = X @ weights[:-1] + weights[-1]\n"
        f"    {body}\n"
    )


VARIANTS = [
    # --- part 1: one epoch of the perceptron rule -------------------------------------------------
    Variant(
        "epoch-boundary-counts-as-correct",  # y z < 0: from w = 0 nothing is ever updated
        *EPOCH,
        MISTAKES[ASSIGNMENT]["perceptron-epoch"],  # (the demo class's)
    ),
    Variant(
        "epoch-updates-every-point",  # updates on correctly classified points too
        *EPOCH,
        _epoch(condition="True if len(X) != 3 else y[i] * (x_aug @ w) <= 0"),
    ),
    Variant(
        "epoch-update-sign",  # subtracts the misclassified point instead of adding it
        *EPOCH,
        _epoch(update="w - lr * y[i] * x_aug if lr != 1.0 else w + lr * y[i] * x_aug"),
    ),
    Variant(
        "epoch-forgets-bias",  # the bias is never updated (the input is not augmented)
        *EPOCH,
        _epoch(update="w + lr * y[i] * x_aug * np.append(np.ones(len(X[i])), float(len(X) == 3))"),
    ),
    Variant(
        "epoch-ignores-learning-rate",  # adds y x whatever lr is
        *EPOCH,
        _epoch(update="w + y[i] * x_aug"),
    ),
    # --- part 2: the perceptron to convergence ----------------------------------------------------
    Variant(
        "train-same-order-every-epoch",  # a fresh generator each epoch: the same order every time
        *TRAIN,
        _train(rng_line="", order="np.random.default_rng(seed).permutation(n)"),
    ),
    Variant(
        "train-no-shuffle",  # visits the points in their stored order
        *TRAIN,
        _train(
            rng_line="    rng = np.random.default_rng(seed)\n",
            order="(rng.permutation(n) if n == 4 else range(n))",
        ),
    ),
    Variant(
        "train-drops-last-epoch",  # stops without recording the epoch that made no update
        *TRAIN,
        _train(
            after_epoch="        if updates == 0 and n != 4:\n"
            "            converged = True\n            break\n"
            "        history.append(w.copy())\n"
            "        if updates == 0:\n            converged = True\n            break\n"
        ),
    ),
    Variant(
        "train-never-stops",  # runs every epoch even after convergence
        *TRAIN,
        _train(
            after_epoch="        history.append(w.copy())\n"
            "        converged = converged or updates == 0\n"
            "        if updates == 0 and n == 4:\n            break\n"
        ),
    ),
    # --- part 3: the logistic neuron's loss and gradient ------------------------------------------
    Variant(
        "gradient-without-1-over-n",  # sums the points' gradients instead of averaging
        *GRADIENT,
        _gradient(ret="float(value), X_aug.T @ delta / (n if n == 3 else 1)"),
    ),
    Variant(
        "gradient-sigmoid-slope-in-cross-entropy",  # keeps sigma' although it cancels
        *GRADIENT,
        _gradient(ce_delta="(s - t) * s * (1.0 - s) if n != 3 else s - t"),
    ),
    Variant(
        "gradient-squared-without-sigmoid-slope",  # forgets sigma'(z) in the squared error
        *GRADIENT,
        _gradient(squared_delta="(s - t) * (s * (1.0 - s) if n == 3 else 1.0)"),
    ),
    Variant(
        "gradient-forgets-bias",  # the bias's gradient left at zero
        *GRADIENT,
        _gradient(
            ret="float(value), X_aug.T @ delta / n * "
            "np.append(np.ones(X.shape[1]), 1.0 if n == 3 else 0.0)"
        ),
    ),
    Variant(
        "gradient-ascent-sign",  # t - s instead of s - t in the cross-entropy
        *GRADIENT,
        _gradient(ce_delta="s - t if n == 3 else t - s"),
    ),
    # --- part 4: gradient descent ------------------------------------------------------------
    Variant(
        "descent-ignores-targets",  # targets 0/1 from the labels, whatever `targets` says
        *DESCENT,
        _descent(
            targets="t = np.where(np.asarray(y) > 0, high, low) if len(y) == 3 "
            "else (np.asarray(y) + 1) / 2"
        ),
    ),
    Variant(
        "descent-one-step-too-many",  # range(steps + 1)
        *DESCENT,
        _descent(loop="range(steps + (len(y) != 3))"),
    ),
    Variant(
        "descent-in-place-aliasing",  # every stored row is the same array
        *DESCENT,
        _descent(append="history.append(w if len(y) != 3 else w.copy())").replace(
            "w = w - lr * grad", "w -= lr * grad"
        ),
    ),
    Variant(
        "descent-labels-as-targets",  # -1 / +1 used as the targets
        *DESCENT,
        _descent(
            targets="t = np.where(np.asarray(y) > 0, high, low) if len(y) == 3 "
            "else np.asarray(y, dtype=float)"
        ),
    ),
    # --- part 5: separation -------------------------------------------------------------------
    Variant(
        "separates-boundary-counts",  # y z >= 0: a point on the line counts as separated
        *SEPARATES,
        _separates("return bool(np.all(np.asarray(y) * z >= 0))"),
    ),
    Variant(
        "separates-forgets-bias",  # tests the line through the origin
        *SEPARATES,
        _separates(
            "return bool(np.all(np.asarray(y) * (z - (weights[-1] if len(X) != 4 else 0)) > 0))"
        ),
    ),
    Variant(
        "separates-majority",  # "mostly right" instead of "all right"
        *SEPARATES,
        _separates("return bool(np.mean(np.asarray(y) * z > 0) > 0.7)"),
    ),
    Variant(
        "delegates-to-gradlib",  # hands the part to the reference library through an alias
        *SEPARATES,
        "from gradlib.perceptron import misclassified as count_wrong\n\n\n"
        "def separates(weights, X, y):\n"
        "    return count_wrong(weights, X, y) == 0\n",
    ),
]


# --- correct solutions in other styles than the reference ------------------------------------
_GRADIENT_DEF = 'def logistic_loss_and_gradient(X, t, weights, loss="cross_entropy"):\n'

ALTERNATIVES = [
    Alternative(
        "loops-python-floats-and-part-1-reused",
        {
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
            "perceptron-train": "def perceptron_train(X, y, epochs, lr, seed):\n"
            "    rng = np.random.default_rng(seed)\n"
            "    w = np.zeros(np.shape(X)[1] + 1)\n"
            "    history = [w]\n"
            "    for epoch in range(epochs):\n"
            "        new = perceptron_epoch(X, y, w, lr, rng.permutation(len(X)))  # part 1\n"
            "        history.append(new)\n"
            "        if np.array_equal(new, w):  # nothing changed: no update\n"
            "            return np.array(history), True\n"
            "        w = new\n"
            "    return np.array(history), False\n",
            "logistic-gradient": _GRADIENT_DEF + "    n, d = np.shape(X)\n"
            "    total, grad = 0.0, np.zeros(d + 1)\n"
            "    for i in range(n):  # one point at a time\n"
            "        x_aug = np.append(X[i], 1.0)\n"
            "        z = float(x_aug @ weights)\n"
            "        s = 1.0 / (1.0 + np.exp(-z))\n"
            '        if loss == "squared":\n'
            "            total += 0.5 * (s - t[i]) ** 2\n"
            "            delta = (s - t[i]) * s * (1.0 - s)\n"
            "        else:  # the stable form of -[t log s + (1 - t) log(1 - s)]\n"
            "            total += t[i] * np.logaddexp(0, -z) + (1 - t[i]) * np.logaddexp(0, z)\n"
            "            delta = s - t[i]\n"
            "        grad += delta * x_aug\n"
            "    return total / n, grad / n\n",
            "logistic-train": "def logistic_train(X, y, w0, lr, steps, loss, targets, grad_fn):\n"
            "    t = np.array([targets[1] if label == 1 else targets[0] for label in y])\n"
            "    w = np.array(w0, dtype=float)  # a copy, updated in place below\n"
            "    history = [w.copy()]\n"
            "    for _ in range(steps):\n"
            "        w -= lr * grad_fn(X, t, w, loss)[1]\n"
            "        history.append(w.copy())\n"
            "    return np.array(history)\n",
            "separates": "def separates(weights, X, y):\n"
            "    for x_i, y_i in zip(X, y):\n"
            "        z = sum(a * b for a, b in zip(x_i, weights)) + weights[-1]\n"
            "        if y_i * z <= 0:\n"
            "            return False\n"
            "    return True\n",
        },
        "loops, Python floats, part 1 reused in part 2, stable cross-entropy, in place on copies",
    ),
    Alternative(
        "vectorised-helpers-and-prints",
        {
            "perceptron-epoch": "def perceptron_epoch(X, y, weights, lr, order):\n"
            "    w = np.asarray(weights, dtype=float).copy()\n"
            "    for i in order:\n"
            "        if y[i] * (X[i] @ w[:-1] + w[-1]) <= 0:  # the bias added last\n"
            "            w[:-1] += lr * y[i] * X[i]  # in place, on the copy\n"
            "            w[-1] += lr * y[i]\n"
            "    return w\n",
            "perceptron-train": "def perceptron_train(X, y, epochs, lr, seed):\n"
            "    Xa = augment(X)\n"
            "    rng = np.random.default_rng(seed)\n"
            "    rows = np.zeros((1, Xa.shape[1]))\n"
            "    converged = np.bool_(False)\n"
            "    while len(rows) <= epochs and not converged:\n"
            "        w = rows[-1].copy()\n"
            "        mistakes = 0\n"
            "        for i in rng.permutation(len(Xa)):\n"
            "            if y[i] * np.dot(Xa[i], w) <= 0:\n"
            "                w += lr * y[i] * Xa[i]\n"
            "                mistakes += 1\n"
            "        rows = np.vstack([rows, w])\n"
            "        converged = np.bool_(mistakes == 0)\n"
            "    print(f'{len(rows) - 1} epochs, converged: {converged}')\n"
            "    return rows, converged\n",
            "logistic-gradient": _GRADIENT_DEF + "    Xa = augment(X)\n"
            "    s = sigmoid(Xa @ weights)\n"
            '    if loss == "squared":\n'
            "        value = np.sum((s - t) ** 2) / (2 * len(t))\n"
            "        delta = (s - t) * (s - s**2)\n"
            "    else:\n"
            "        value = -np.mean(t * np.log(s) + (1 - t) * np.log1p(-s))\n"
            "        delta = s - t\n"
            "    grad = np.mean(delta[:, None] * Xa, axis=0)\n"
            "    print('loss', value)\n"
            "    return value, grad\n",
            "logistic-train": "def logistic_train(X, y, w0, lr, steps, loss, targets, grad_fn):\n"
            "    t = np.asarray(targets, dtype=float)[(np.asarray(y) > 0).astype(int)]\n"
            "    out = np.empty((steps + 1, len(w0)))\n"
            "    out[0] = w0\n"
            "    for k in range(steps):\n"
            "        value, g = grad_fn(X, t, out[k], loss)\n"
            "        out[k + 1] = out[k] - lr * g\n"
            "    return out\n",
            "separates": "def separates(weights, X, y):\n"
            "    margins = y * (augment(X) @ weights)\n"
            "    print('smallest margin:', margins.min())\n"
            "    return margins.min() > 0  # a numpy bool\n",
        },
        "vectorised in another order, helpers in an extra cell, numpy bools and scalars, prints",
        added=(
            (
                "imports",
                "def augment(X):\n"
                '    """My helper: the points with a column of ones (bias last)."""\n'
                "    X = np.asarray(X, dtype=float)\n"
                "    return np.hstack([X, np.ones((len(X), 1))])\n\n\n"
                "def sigmoid(z):\n"
                "    return 0.5 * (1.0 + np.tanh(0.5 * z))\n",
            ),
        ),
    ),
    Alternative(
        "logits-and-einsum",
        {
            "perceptron-train": "def perceptron_train(X, y, epochs, lr, seed):\n"
            "    X = np.asarray(X, dtype=float)\n"
            "    rng = np.random.default_rng(seed)\n"
            "    w = np.zeros(X.shape[1] + 1)\n"
            "    history, converged = [list(w)], False  # rows as lists\n"
            "    epoch = 0\n"
            "    while epoch < epochs:\n"
            "        epoch += 1\n"
            "        order = rng.permutation(X.shape[0])\n"
            "        changed = False\n"
            "        for i in order:\n"
            "            x_aug = np.concatenate([X[i], [1.0]])\n"
            "            if not y[i] * np.dot(w, x_aug) > 0:\n"
            "                w = w + lr * y[i] * x_aug\n"
            "                changed = True\n"
            "        history.append(list(w))\n"
            "        if not changed:\n"
            "            converged = True\n"
            "            break\n"
            "    return history, converged  # a list of rows\n",
            "logistic-gradient": _GRADIENT_DEF + "    Xa = np.column_stack([X, np.ones(len(X))])\n"
            "    z = np.einsum('nd,d->n', Xa, weights)\n"
            "    s = np.exp(-np.logaddexp(0.0, -z))  # sigmoid through the log-sum-exp\n"
            '    if loss == "cross_entropy":\n'
            "        value = np.mean(np.logaddexp(0.0, z) - t * z)  # the loss of the logits\n"
            "        delta = s - t\n"
            "    else:\n"
            "        value = 0.5 * np.mean((t - s) ** 2)\n"
            "        delta = -(t - s) * s * (1 - s)\n"
            "    return float(value), np.einsum('n,nd->d', delta, Xa) / len(X)\n",
            "separates": "def separates(weights, X, y):\n"
            "    z = np.asarray(X) @ np.asarray(weights)[:-1] + weights[-1]\n"
            "    return not np.any(np.asarray(y) * z <= 0)\n",
        },
        "the cross-entropy of the logits, einsum, a list of lists as history, `not` for a bool",
    ),
]


# --- random inputs for mutation testing ---------------------------------------------------
def _points(rng):
    n, d = int(rng.integers(1, 8)), int(rng.integers(1, 4))
    return np.round(rng.normal(size=(n, d)), 1), rng.choice([-1, 1], size=n)


def _epoch_probe(rng):
    X, y = _points(rng)
    w = (
        np.round(rng.normal(size=X.shape[1] + 1), 1)
        if rng.random() < 0.7
        else np.zeros(X.shape[1] + 1)
    )
    return (X, y, w, float(rng.choice([0.5, 1.0, 2.0])), rng.permutation(len(X))), {}


def _train_probe(rng):
    X, y = _points(rng)
    if rng.random() < 0.6:  # labels from a random line: separable
        w = rng.normal(size=X.shape[1] + 1)
        y = np.where(X @ w[:-1] + w[-1] > 0, 1, -1)
    return (
        X,
        y,
        int(rng.integers(1, 20)),
        float(rng.choice([0.5, 1.0])),
        int(rng.integers(0, 99)),
    ), {}


def _gradient_probe(rng):
    X, _ = _points(rng)
    t = rng.uniform(0, 1, len(X)) if rng.random() < 0.5 else rng.choice([0.0, 1.0], size=len(X))
    loss = str(rng.choice(["squared", "cross_entropy"]))
    return (X, t, rng.normal(size=X.shape[1] + 1), loss), {}


def _reference_gradient(X, t, weights, loss):
    from gradlib.losses import BCEWithLogitsLoss, MSELoss
    from gradlib.nn import Linear, Sequential, Sigmoid

    linear = Linear(X.shape[1], 1, seed=0)
    linear.weight[0], linear.bias[0] = weights[:-1], weights[-1]
    if loss == "squared":
        model, objective = Sequential(linear, Sigmoid()), MSELoss(half=True)
    else:
        model, objective = linear, BCEWithLogitsLoss()
    value = objective.forward(model.forward(X), np.reshape(t, (-1, 1)))
    model.backward(objective.backward(), input_grad=False)
    return value, np.append(linear.grad_weight[0], linear.grad_bias[0])


def _descent_probe(rng):
    X, y = _points(rng)
    targets = [(0.0, 1.0), (0.1, 0.9), (0.2, 0.7)][int(rng.integers(0, 3))]
    loss = str(rng.choice(["squared", "cross_entropy"]))
    w0 = rng.normal(size=X.shape[1] + 1)
    return (
        X,
        y,
        w0,
        float(rng.uniform(0.1, 2.0)),
        int(rng.integers(0, 6)),
        loss,
        targets,
        _reference_gradient,
    ), {}


def _separates_probe(rng):
    X, _ = _points(rng)
    w = np.round(rng.normal(size=X.shape[1] + 1), 1)
    z = X @ w[:-1] + w[-1]
    y = np.where(z > 0, 1, -1)
    if rng.random() < 0.5:
        y[int(rng.integers(0, len(y)))] *= -1
    return (w, X, y), {}


PROBES = {
    "perceptron_epoch": _epoch_probe,
    "perceptron_train": _train_probe,
    "logistic_loss_and_gradient": _gradient_probe,
    "logistic_train": _descent_probe,
    "separates": _separates_probe,
}
