"""How much does gradlib's layer-by-layer backprop cost against hand-fused numpy?

One training step of a ReLU MLP with softmax cross-entropy -- forward, backward,
plain SGD update ``p -= lr * g`` over ``params()``/``grads()`` -- timed with
gradlib and with the same step written as one fused numpy function, for

    64-128-10 at batch 64   and   784-256-10 at batch 256,   in float32 and float64.

The two steps are timed alternately in the same run (interleaved repetitions)
and the table reports the median of each, and their ratio.  Targets: <= 2 at
64-128-10/B64 (where Python's per-layer calls weigh most) and <= 1.5 at
784-256-10/B256.  Before timing, both steps are run from the same weights and
must agree.

gradlib's step calls ``model.backward(grad, input_grad=False)``: the input is data
and neither the baseline nor PyTorch computes its gradient.  The column
"with dL/dx" times the default ``backward`` (which also returns dL/dx) for reference.

BLAS runs on one thread by default (the timings are steadier on a shared
machine, and both sides get the same); pass ``--threads N`` to change it.

Run:  python benchmarks/bench_backprop.py [--repeats 200] [--threads 1]
"""

from __future__ import annotations

import argparse
import os
import sys
import time


def _parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=200, help="timed repetitions per side")
    parser.add_argument("--threads", type=int, default=1, help="BLAS threads (default 1)")
    return parser.parse_args()


ARGS = _parse() if __name__ == "__main__" else argparse.Namespace(repeats=200, threads=1)
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = str(ARGS.threads)  # must be set before numpy is imported

import numpy as np  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
from gradlib.losses import SoftmaxCrossEntropyLoss  # noqa: E402
from gradlib.nn import mlp  # noqa: E402

CASES = [((64, 128, 10), 64), ((784, 256, 10), 256)]
TARGETS = {(64, 128, 10): 2.0, (784, 256, 10): 1.5}  # ratio gradlib / fused numpy, at most
LR = 0.01


def gradlib_step(model, loss, x, labels, lr=LR, input_grad=False):
    """One SGD step with gradlib; returns the loss before the step."""
    value = loss.forward(model.forward(x), labels)
    model.backward(loss.backward(), input_grad=input_grad)
    for p, g in zip(model.params(), model.grads(), strict=True):
        p -= lr * g
    return value


def fused_step(w1, b1, w2, b2, x, labels, lr=LR):
    """The same step by hand: Linear-ReLU-Linear, softmax cross-entropy, SGD, in place."""
    batch = len(x)
    rows = np.arange(batch)
    z1 = x @ w1.T + b1
    a1 = np.maximum(z1, 0)
    z2 = a1 @ w2.T + b2
    shifted = z2 - z2.max(axis=1, keepdims=True)
    e = np.exp(shifted)
    norm = e.sum(axis=1, keepdims=True)
    value = float(np.log(norm).sum() - shifted[rows, labels].sum()) / batch
    delta2 = e / (norm * batch)
    delta2[rows, labels] -= 1 / batch
    delta1 = (delta2 @ w2) * (z1 > 0)
    w2 -= lr * (delta2.T @ a1)
    b2 -= lr * delta2.sum(axis=0)
    w1 -= lr * (delta1.T @ x)
    b1 -= lr * delta1.sum(axis=0)
    return value


def _setup(sizes, batch, dtype):
    rng = np.random.default_rng(0)
    model = mlp(sizes, seed=1, dtype=dtype)
    weights = [p.copy() for p in model.params()]
    x = rng.standard_normal((batch, sizes[0])).astype(dtype)
    labels = rng.integers(0, sizes[-1], batch)
    return model, weights, x, labels


def _agree(sizes, batch, dtype) -> float:
    """Largest relative difference between the parameters after 3 steps of each side."""
    model, weights, x, labels = _setup(sizes, batch, dtype)
    loss = SoftmaxCrossEntropyLoss()
    for _ in range(3):
        a = gradlib_step(model, loss, x, labels)
        b = fused_step(*weights, x, labels)
        assert abs(a - b) <= 1e-4 * abs(b), (a, b)
    return max(
        float(np.abs(p - q).max() / np.abs(q).max())
        for p, q in zip(model.params(), weights, strict=True)
    )


def _time(fn, number: int) -> float:
    start = time.perf_counter()
    for _ in range(number):
        fn()
    return (time.perf_counter() - start) / number


def bench(sizes, batch, dtype, repeats: int) -> dict:
    model, weights, x, labels = _setup(sizes, batch, dtype)
    loss = SoftmaxCrossEntropyLoss()

    def ours():
        return gradlib_step(model, loss, x, labels)

    def ours_dx():
        return gradlib_step(model, loss, x, labels, input_grad=True)

    def base():
        return fused_step(*weights, x, labels)

    number = 5 if sizes[0] < 200 else 1  # steps per timed repetition
    for f in (ours, ours_dx, base):  # warm up caches and allocator
        _time(f, number)
    times = {"gradlib": [], "dx": [], "baseline": []}
    for _ in range(repeats):  # interleaved: drifts of the machine hit both sides alike
        times["gradlib"].append(_time(ours, number))
        times["baseline"].append(_time(base, number))
        times["dx"].append(_time(ours_dx, number))
    return {k: float(np.median(v)) for k, v in times.items()}


def main() -> None:
    print(f"numpy {np.__version__}, BLAS threads {ARGS.threads}, {ARGS.repeats} repeats, median")
    header = (
        f"{'network':<12} {'batch':>5} {'dtype':>8} {'gradlib':>11} {'baseline':>11} "
        f"{'ratio':>6} {'target':>6} {'with dL/dx':>11} {'ratio':>6} {'agree':>8}"
    )
    print(header)
    print("-" * len(header))
    missed = []
    for sizes, batch in CASES:
        for dtype in (np.float32, np.float64):
            agree = _agree(sizes, batch, dtype)
            t = bench(sizes, batch, dtype, ARGS.repeats)
            ratio, ratio_dx = t["gradlib"] / t["baseline"], t["dx"] / t["baseline"]
            network, target = "-".join(map(str, sizes)), TARGETS[sizes]
            if ratio > target:
                missed.append(f"{network}/B{batch} {np.dtype(dtype).name}: {ratio:.2f}")
            print(
                f"{network:<12} {batch:>5} {np.dtype(dtype).name:>8} "
                f"{t['gradlib'] * 1e6:>9.1f}us {t['baseline'] * 1e6:>9.1f}us {ratio:>6.2f} "
                f"{target:>6.1f} {t['dx'] * 1e6:>9.1f}us {ratio_dx:>6.2f} {agree:>8.1e}"
            )
    targets = ", ".join(f"<= {r:g} at {'-'.join(map(str, n))}" for n, r in TARGETS.items())
    verdict = "met" if not missed else "NOT met (" + "; ".join(missed) + ")"
    print(f"targets gradlib/baseline ({targets}): {verdict}")


if __name__ == "__main__":
    main()
