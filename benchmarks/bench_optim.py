"""How long one optimizer step takes on the parameters of a 784-256-10 network.

Run: ``python benchmarks/bench_optim.py [--repeats N]``

The parameters are the four arrays of a two-layer MLP for 28×28 digits --
W1 (256, 784), b1 (256,), W2 (10, 256), b2 (10,): 203,530 numbers. Every
gradlib optimizer takes ``step(grads)`` on them, next to two hand-written
numpy updates with in-place operations and preallocated scratch arrays, the
fastest way to write the same rule in numpy:

* Adam (the bias corrections folded into the step size and ε, one temporary), and
* SGD with momentum.

Contenders run interleaved (one timed step of each per round, ``--repeats``
rounds) so that drifts in machine load hit all of them alike; each minimises
the same quadratic, its gradient computed outside the timing. The table shows
the median time per step, float32 and float64, and the ratio of gradlib's Adam
and SGD-momentum to the hand-written update. Target: Adam ≤ 1.5× the
hand-written update.

Newton and BFGS are left out: they keep an n × n matrix, 203,530² ≈ 4·10¹⁰
numbers (330 GB in float64) -- the reason the lectures call second-order
methods impractical for networks.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "lib"))

from gradlib.optim import (  # noqa: E402
    SGD,
    Adadelta,
    Adagrad,
    Adam,
    Adamax,
    QuickProp,
    RMSprop,
    Rprop,
)

SHAPES = [(256, 784), (256,), (10, 256), (10,)]


class HandAdam:
    """Adam written by hand: m, v, one scratch array per parameter, every operation in place."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8):
        self.params, self.lr, self.betas, self.eps, self.t = params, lr, betas, eps, 0
        self.m = [np.zeros_like(p) for p in params]
        self.v = [np.zeros_like(p) for p in params]
        self.tmp = [np.empty_like(p) for p in params]

    def step(self, grads):
        b1, b2 = self.betas
        self.t += 1
        c2 = math.sqrt(1 - b2**self.t)
        step_size = self.lr * c2 / (1 - b1**self.t)
        eps_hat = self.eps * c2
        for p, g, m, v, tmp in zip(self.params, grads, self.m, self.v, self.tmp, strict=True):
            m *= b1
            m += np.multiply(g, 1 - b1, out=tmp)
            v *= b2
            v += np.multiply(np.multiply(g, g, out=tmp), 1 - b2, out=tmp)
            np.sqrt(v, out=tmp)
            tmp += eps_hat
            np.divide(m, tmp, out=tmp)
            tmp *= step_size
            p -= tmp


class HandMomentum:
    """SGD with momentum written by hand: b ← μb + g, θ ← θ − ηb, in place."""

    def __init__(self, params, lr=0.01, momentum=0.9):
        self.params, self.lr, self.momentum = params, lr, momentum
        self.b = [np.zeros_like(p) for p in params]
        self.tmp = [np.empty_like(p) for p in params]

    def step(self, grads):
        for p, g, b, tmp in zip(self.params, grads, self.b, self.tmp, strict=True):
            b *= self.momentum
            b += g
            p -= np.multiply(b, self.lr, out=tmp)


CONTENDERS = [
    ("SGD", lambda p: SGD(p, lr=0.01)),
    ("SGD momentum", lambda p: SGD(p, lr=0.01, momentum=0.9)),
    ("  hand-written SGD momentum", lambda p: HandMomentum(p, lr=0.01, momentum=0.9)),
    ("SGD Nesterov", lambda p: SGD(p, lr=0.01, momentum=0.9, nesterov=True)),
    ("Adagrad", lambda p: Adagrad(p)),
    ("RMSprop", lambda p: RMSprop(p)),
    ("RMSprop centered+momentum", lambda p: RMSprop(p, centered=True, momentum=0.9)),
    ("Adadelta", lambda p: Adadelta(p)),
    ("Adam", lambda p: Adam(p)),
    ("  hand-written Adam", lambda p: HandAdam(p)),
    ("Adam amsgrad", lambda p: Adam(p, amsgrad=True)),
    ("Adamax", lambda p: Adamax(p)),
    ("Rprop", lambda p: Rprop(p)),
    ("Rprop backtracking", lambda p: Rprop(p, backtracking=True)),
    ("QuickProp", lambda p: QuickProp(p)),
]
RATIOS = {"Adam": "  hand-written Adam", "SGD momentum": "  hand-written SGD momentum"}


def measure(dtype, repeats: int, seed: int = 0) -> dict[str, float]:
    """Median seconds per step of every contender, timed in interleaved rounds.

    Each contender minimises the same separable quadratic ½ Σ c (θ − θ*)², so its
    iterates behave as in training (no run-away growth, no denormals); the
    gradient c (θ − θ*) is computed outside the timed region.
    """
    rng = np.random.default_rng(seed)
    start = [(0.05 * rng.standard_normal(s)).astype(dtype) for s in SHAPES]
    target = [(0.05 * rng.standard_normal(s)).astype(dtype) for s in SHAPES]
    curvature = [rng.uniform(0.5, 2.0, s).astype(dtype) for s in SHAPES]

    def gradient(params):
        return [c * (p - t) for c, p, t in zip(curvature, params, target, strict=True)]

    runs = []
    for name, make in CONTENDERS:
        params = [p.copy() for p in start]
        opt = make(params)
        opt.step(gradient(params))  # warm up: first touch of the state arrays
        runs.append((name, opt, params))
    times: dict[str, list[float]] = {name: [] for name, _, _ in runs}
    for _ in range(repeats):
        for name, opt, params in runs:
            grads = gradient(params)
            t0 = time.perf_counter()
            opt.step(grads)
            times[name].append(time.perf_counter() - t0)
    return {name: float(np.median(ts)) for name, ts in times.items()}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=200, help="interleaved rounds (default 200)")
    args = parser.parse_args(argv)

    n = sum(math.prod(s) for s in SHAPES)
    print(f"optimizer step on a 784-256-10 MLP: {n:,} parameters in {len(SHAPES)} arrays")
    rounds = f"median of {args.repeats} interleaved rounds, one step per contender per round"
    print(f"numpy {np.__version__}; {rounds}\n")
    results = {dt: measure(dt, args.repeats) for dt in (np.float32, np.float64)}

    header = (
        f"{'optimizer':<28} {'float32 µs':>11} {'float64 µs':>11}  "
        f"{'vs hand f32':>11} {'vs hand f64':>11}"
    )
    print(header)
    print("-" * len(header))
    for name, _ in CONTENDERS:
        t32, t64 = results[np.float32][name], results[np.float64][name]
        ratio = ""
        if name in RATIOS:
            r32 = t32 / results[np.float32][RATIOS[name]]
            r64 = t64 / results[np.float64][RATIOS[name]]
            ratio = f"{r32:>10.2f}× {r64:>10.2f}×"
        print(f"{name:<28} {t32 * 1e6:>11.0f} {t64 * 1e6:>11.0f}  {ratio}")
    print("\nNewton, BFGS: not run (an n × n matrix with n = 203,530 would need 330 GB).")
    worst = max(
        results[dt]["Adam"] / results[dt]["  hand-written Adam"] for dt in (np.float32, np.float64)
    )
    verdict = "met" if worst <= 1.5 else "NOT met"
    print(f"target Adam ≤ 1.5× hand-written: {verdict} (worst {worst:.2f}×)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
