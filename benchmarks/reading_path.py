"""How far a reader must go from a public call of gradlib to the equation it runs.

For each entry (``Linear.forward``, ``Adam.step``, ...) the public call is run
under ``sys.settrace``; when the line holding the equation executes (found by a
pattern of its source text), the stack of gradlib frames from the public call
down to that line is the *reading path*: the functions a reader opens, one after
the other, to get from the call to the equation.  The table gives

* **files** and **functions** on that path (target: 1 file, at most 2 functions);
* **lines**: the source lines of those functions (docstrings and comments
  included: a reader scrolls past them too);
* **opened**: the path plus the other gradlib functions the call ran that are
  *not* in the validation module ``_checks.py`` (``_input_spec``, a ``name``
  property, ``_lift``...): a reader meets their calls on the way and must open
  them to know what the call does, so they count as hops, with their files and
  lines;
* **checks**: the functions of ``_checks.py`` the call ran.  A reader who trusts
  a check by its name need not open it; they are counted, not added.

Run: ``python benchmarks/reading_path.py``
"""

from __future__ import annotations

import inspect
import re
import sys
from pathlib import Path

import numpy as np

LIB = Path(__file__).resolve().parent.parent / "lib"
sys.path.insert(0, str(LIB))

from gradlib.autodiff import Value  # noqa: E402
from gradlib.losses import SoftmaxCrossEntropyLoss  # noqa: E402
from gradlib.nn import Linear, ReLU  # noqa: E402
from gradlib.optim import SGD, Adam, Rprop  # noqa: E402

GRADLIB = str(LIB / "gradlib")


def _case_value_mul():
    a, b = Value(2.0), Value(3.0)
    return lambda: a * b


def _case_value_backward():
    a, b = Value(2.0), Value(3.0)
    c = a * b
    return c.backward


def _case_layer(layer, x, method):
    """``layer.forward(x)``, or its ``backward`` after a forward (a gradient of ones)."""
    if method == "forward":
        return lambda: layer.forward(x)
    grad = np.ones_like(layer.forward(x))
    return lambda: layer.backward(grad)


def _case_linear(method):
    return _case_layer(Linear(4, 3, seed=0), np.ones((2, 4)), method)


def _case_relu(method):
    return _case_layer(ReLU(), np.linspace(-1, 1, 8).reshape(2, 4), method)


def _case_cross_entropy(method):
    loss = SoftmaxCrossEntropyLoss()
    logits, labels = np.ones((2, 3)), np.array([0, 2])
    if method == "forward":
        return lambda: loss.forward(logits, labels)
    loss.forward(logits, labels)
    return loss.backward


def _case_optimizer(cls, **kwargs):
    p = np.ones(3)
    opt = cls([p], **kwargs)
    g = [np.array([1.0, -1.0, 0.5])]
    opt.step(g)  # the second step: every branch of the rule is live
    return lambda: opt.step(g)


# name, build the call, regular expression of the equation's line
CASES = [
    ("Value.__mul__", _case_value_mul, r"Value\(self\.data \* other\.data"),
    ("Value.backward (of a * b)", _case_value_backward, r"self\.grad \+= other\.data \* out\.grad"),
    ("Linear.forward", lambda: _case_linear("forward"), r"@ self\.weight\.T \+ self\.bias"),
    ("Linear.backward", lambda: _case_linear("backward"), r"grad_weight = delta\.T @"),
    ("ReLU.forward", lambda: _case_relu("forward"), r"np\.maximum\(z, 0\)"),
    ("ReLU.backward", lambda: _case_relu("backward"), r"\* \(self\._z > 0\)"),
    ("SoftmaxCrossEntropy.forward", lambda: _case_cross_entropy("forward"), r"log_p = "),
    ("SoftmaxCrossEntropy.backward", lambda: _case_cross_entropy("backward"), r"\(p - y\) / "),
    (
        "SGD.step (momentum)",
        lambda: _case_optimizer(SGD, lr=0.1, momentum=0.9),
        r"self\.momentum \* b \+ \(1 - self\.dampening\)",
    ),
    (
        "SGD.step (Nesterov)",
        lambda: _case_optimizer(SGD, lr=0.1, momentum=0.9, nesterov=True),
        r"g \+ self\.momentum \* b if self\.nesterov",
    ),
    ("Adam.step", lambda: _case_optimizer(Adam, lr=0.1), r"np\.sqrt\(v_hat\) \+ self\.eps"),
    ("Rprop.step", lambda: _case_optimizer(Rprop, lr=0.1), r"np\.clip\(factor \* step_size"),
]


def _is_gradlib(code) -> bool:
    return code.co_filename.startswith(GRADLIB)


def _trace(call, pattern: re.Pattern):
    """Run ``call``; return (the gradlib frames' code objects down to the equation, all run)."""
    found, ran = [], []

    def tracer(frame, event, arg):
        code = frame.f_code
        if not _is_gradlib(code):
            return None
        if event == "call" and code not in ran:
            ran.append(code)
        if event == "line" and not found:
            line = inspect.getframeinfo(frame, context=1).code_context
            if line and pattern.search(line[0]):
                chain, f = [], frame
                while f is not None:
                    if _is_gradlib(f.f_code):
                        chain.append(f.f_code)
                    f = f.f_back
                found.append(chain[::-1])
        return tracer

    sys.settrace(tracer)
    try:
        call()
    finally:
        sys.settrace(None)
    if not found:
        raise RuntimeError(f"the equation /{pattern.pattern}/ never ran")
    return found[0], ran


def _lines(code) -> int:
    return len(inspect.getsourcelines(code)[0])


def _label(code) -> str:
    return f"{Path(code.co_filename).relative_to(LIB / 'gradlib')}:{code.co_qualname}"


def _is_check(code) -> bool:
    return Path(code.co_filename).name == "_checks.py"


def main() -> int:
    head = f"{'public call':30} {'path f/fn/ln':>12} {'opened f/fn/ln':>14} {'checks':>6}"
    print(head + "  path [+ other functions opened]")
    for name, build, pattern in CASES:
        path, ran = _trace(build(), re.compile(pattern))
        helpers = [c for c in ran if c not in path and not _is_check(c)]
        checks = [c for c in ran if _is_check(c)]
        opened = path + helpers

        def measure(codes):
            files = len({c.co_filename for c in codes})
            return f"{files}/{len(codes)}/{sum(_lines(c) for c in codes)}"

        shown = " -> ".join(_label(c) for c in path)
        if helpers:
            shown += f" [+ {', '.join(_label(c) for c in helpers)}]"
        print(f"{name:30} {measure(path):>12} {measure(opened):>14} {len(checks):>6}  {shown}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
