"""Realistic mistakes in assignment 8 (early stopping, inverted dropout, reading curves).

Each variant is the source notebook's solution cell with one region rewritten, so the
given parts of the cell (``__init__``, ``train``, ``eval``) stay as the students see them.
Several variants pass the visible tests (ties, ``min_delta``, a fresh mask in backward,
the 10 % tolerance): only the hidden tests catch them.
"""

import json
from pathlib import Path

import numpy as np

from variants import Variant

ASSIGNMENT = "08-training"
_NOTEBOOK = Path(__file__).resolve().parents[3] / "solutions" / ASSIGNMENT / "training.ipynb"

EARLY = "early-stopping", "early-stopping-tests"
DROPOUT = "dropout", "dropout-tests"
DIAGNOSE = "diagnose", "diagnose-tests"


def _cell(grade_id: str) -> str:
    for cell in json.loads(_NOTEBOOK.read_text())["cells"]:
        if cell["metadata"].get("nbgrader", {}).get("grade_id") == grade_id:
            src = cell["source"]
            text = "".join(src) if isinstance(src, list) else src
            return "\n".join(
                line
                for line in text.splitlines()
                if "### BEGIN" not in line and "### END" not in line
            )
    raise KeyError(grade_id)


def _patched(grade_id: str, *edits: tuple[str, str]) -> str:
    """The solution cell with each ``old`` replaced by ``new`` (each must occur exactly once)."""
    text = _cell(grade_id)
    for old, new in edits:
        assert text.count(old) == 1, f"{grade_id}: {old!r} occurs {text.count(old)} times"
        text = text.replace(old, new)
    return text


_STOP = "return self.wait > 0 and self.wait >= self.patience"
_IMPROVES = "if val_loss < self.best_loss - self.min_delta:"
_MASK = "self.mask = keep / (1 - self.p)"

VARIANTS = [
    # --- part 1: early stopping -------------------------------------------------------------
    Variant(
        "es-stops-one-epoch-late",  # compares with > instead of >=: patience + 1 epochs
        *EARLY,
        _patched("early-stopping", (_STOP, "return self.wait > self.patience")),
    ),
    Variant(
        "es-stops-one-epoch-early",  # counts the current epoch twice
        *EARLY,
        _patched(
            "early-stopping", (_STOP, "return self.wait > 0 and self.wait + 1 >= self.patience")
        ),
    ),
    Variant(
        "es-restores-last-weights",  # saves a reference to the arrays, not a copy
        *EARLY,
        _patched(
            "early-stopping",
            ("self.best_params = [p.copy() for p in params]", "self.best_params = list(params)"),
        ),
    ),
    Variant(
        "es-tie-counts-as-improvement",  # <= : an equal loss resets the patience
        *EARLY,
        _patched(
            "early-stopping",
            (_IMPROVES, "if val_loss <= self.best_loss - self.min_delta:"),
        ),
    ),
    Variant(
        "es-ignores-min-delta",  # any decrease counts
        *EARLY,
        _patched("early-stopping", (_IMPROVES, "if val_loss < self.best_loss:")),
    ),
    Variant(
        "es-restore-replaces-arrays",  # new arrays in the list: the optimizer keeps the old ones
        *EARLY,
        _patched(
            "early-stopping",
            (
                "for p, best in zip(params, self.best_params):\n            p[...] = best",
                "params[:] = [best.copy() for best in self.best_params]",
            ),
        ),
    ),
    # --- part 2: dropout ------------------------------------------------------------------------
    Variant(
        "dropout-scales-by-p",  # multiplies the kept units by p instead of dividing by 1 - p
        *DROPOUT,
        _patched("dropout", (_MASK, "self.mask = keep * self.p")),
    ),
    Variant(
        "dropout-active-in-eval",  # never looks at self.training
        *DROPOUT,
        _patched(
            "dropout",
            (
                "if not self.training:\n            self.mask = None\n            return x\n",
                "",
            ),
        ),
    ),
    Variant(
        "dropout-new-mask-in-backward",  # draws a fresh mask instead of reusing the forward one
        *DROPOUT,
        _patched(
            "dropout",
            (
                "return grad_out * self.mask",
                "keep = self.rng.random(grad_out.shape) >= self.p\n"
                "        return grad_out * keep / (1 - self.p)",
            ),
        ),
    ),
    Variant(
        "dropout-eval-keeps-old-mask",  # eval mode forgets to clear the mask: backward uses it
        *DROPOUT,
        _patched(
            "dropout",
            ("if not self.training:\n            self.mask = None\n", "if not self.training:\n"),
        ),
    ),
    Variant(
        "delegates-to-gradlib",  # inherits everything from the reference layer
        *DROPOUT,
        "import numpy as np\n"
        "from gradlib.nn import Dropout as LayerFromTheBook\n\n\n"
        "class Dropout(LayerFromTheBook):\n"
        "    def __init__(self, p=0.5, seed=None):\n"
        "        super().__init__(p, seed=seed)\n",
    ),
    # --- part 3: diagnose_curves ------------------------------------------------------------------
    Variant(
        "diagnose-onset-before-severe",  # checks the rules in the wrong order
        *DIAGNOSE,
        _patched(
            "diagnose",
            (
                '    if v.min() > 0.5 * v[0]:\n        return "severe overfitting"\n'
                '    if v[-1] > 1.1 * v.min():\n        return "overfitting onset"\n',
                '    if v[-1] > 1.1 * v.min():\n        return "overfitting onset"\n'
                '    if v.min() > 0.5 * v[0]:\n        return "severe overfitting"\n',
            ),
        ),
    ),
    Variant(
        "diagnose-severe-from-last-value",  # the last validation loss instead of its minimum
        *DIAGNOSE,
        _patched("diagnose", ("if v.min() > 0.5 * v[0]:", "if v[-1] > 0.5 * v[0]:")),
    ),
    Variant(
        "diagnose-no-tolerance",  # any rise above the minimum counts as overfitting
        *DIAGNOSE,
        _patched("diagnose", ("if v[-1] > 1.1 * v.min():", "if v[-1] > v.min():")),
    ),
    Variant(
        "diagnose-underfitting-at-half",  # >= : a training loss exactly halved underfits
        *DIAGNOSE,
        _patched("diagnose", ("if t[-1] > 0.5 * t[0]:", "if t[-1] >= 0.5 * t[0]:")),
    ),
]


# --- random inputs for mutation testing ---------------------------------------------------
def _losses(rng):
    n = int(rng.integers(2, 15))
    values = [float(v) for v in rng.choice([1.0, 0.9, 0.8, 0.75, 0.7, 0.5, 0.45], size=n)]
    if rng.random() < 0.2:
        values[int(rng.integers(1, n))] = float("nan")
    return values


def _curves(rng):
    n = int(rng.integers(2, 20))
    if rng.random() < 0.5:
        return list(rng.uniform(0, 2, n)), list(rng.uniform(0, 2, n))
    e = np.arange(n)
    t = 2.0 * (rng.uniform(0, 0.7) + np.exp(-e / rng.uniform(1, 6)))
    v = 2.0 * (rng.uniform(0, 0.7) + np.exp(-e / rng.uniform(1, 6)))
    return list(t), list(v + rng.uniform(0, 0.1) * np.maximum(e - n // 2, 0))


PROBES = {
    "early_stopping_run": lambda rng: (
        (
            _losses(rng),
            int(rng.integers(0, 5)),
            float(rng.choice([0.0, 0.05, 0.1, 0.25])),
            int(rng.integers(100)),
        ),
        {},
    ),
    "dropout_run": lambda rng: (
        (
            round(0.1 * int(rng.integers(0, 10)), 1),
            int(rng.integers(100)),
            [str(m) for m in rng.choice(["train", "eval"], size=int(rng.integers(1, 5)))],
            (int(rng.integers(1, 6)), int(rng.integers(1, 6))),
        ),
        {},
    ),
    "diagnose_curves": lambda rng: (_curves(rng), {}),
}
