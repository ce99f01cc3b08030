"""Realistic mistakes in assignment 8 (early stopping, inverted dropout, reading curves).

Each variant is the source notebook's solution cell with one region rewritten, so the
given parts of the cell (``__init__``, ``train``, ``eval``) stay as the students see them.
Several variants pass the visible tests (ties, ``min_delta``, a fresh mask in backward,
the 10 % tolerance): only the hidden tests catch them.
"""

import json
from pathlib import Path

import numpy as np

from samples.variants import Alternative, Variant

ASSIGNMENT = "08-training"
_NOTEBOOK = Path(__file__).resolve().parents[2] / "solutions" / ASSIGNMENT / "training.ipynb"

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


# --- correct solutions in other styles than the reference ------------------------------------
_ES_INIT = (
    "    def __init__(self, patience=6, min_delta=0.0):\n"
    "        self.patience = patience\n"
    "        self.min_delta = min_delta\n"
    "        self.epoch = 0\n"
    "        self.best_loss = np.inf\n"
    "        self.best_epoch = None\n"
    "        self.best_params = None\n"
)
_DROPOUT_GIVEN = (
    "    def __init__(self, p=0.5, seed=None):\n"
    "        self.p = p\n"
    "        self.rng = np.random.default_rng(seed)\n"
    "        self.training = True\n"
    "        self.mask = None\n\n"
    "    def train(self):\n"
    "        self.training = True\n"
    "        return self\n\n"
    "    def eval(self):\n"
    "        self.training = False\n"
    "        return self\n\n"
)

ALTERNATIVES = [
    Alternative(
        "dict-state-loops-and-ratios",
        {
            "early-stopping": "class EarlyStopping:\n" + _ES_INIT + "        self.wait = 0\n\n"
            "    def step(self, val_loss, params):\n"
            "        self.epoch = self.epoch + 1\n"
            "        decrease = self.best_loss - val_loss  # NaN: the comparison below is False\n"
            "        if decrease > self.min_delta:\n"
            "            self.best_loss, self.best_epoch, self.wait = val_loss, self.epoch, 0\n"
            "            self.best_params = dict(enumerate(np.copy(p) for p in params))\n"
            "            return False\n"
            "        self.wait += 1\n"
            "        if self.wait >= self.patience:\n"
            "            return True\n"
            "        return False\n\n"
            "    def restore(self, params):\n"
            "        for i in range(len(params)):  # a loop over indices, np.copyto into each\n"
            "            np.copyto(params[i], self.best_params[i])\n",
            "dropout": "class Dropout:\n" + _DROPOUT_GIVEN + "    def forward(self, x):\n"
            "        if self.training:\n"
            "            u = self.rng.random(x.shape)\n"
            "            mask = np.zeros(x.shape)\n"
            "            for i in range(x.shape[0]):  # unit by unit\n"
            "                for j in range(x.shape[1]):\n"
            "                    if u[i, j] >= self.p:\n"
            "                        mask[i, j] = 1.0 / (1.0 - self.p)\n"
            "            self.mask = mask\n"
            "            return mask * x\n"
            "        self.mask = None\n"
            "        return x.copy()\n\n"
            "    def backward(self, grad_out):\n"
            "        if self.mask is not None:\n"
            "            return self.mask * grad_out\n"
            "        return grad_out.copy()\n",
            "diagnose": "def diagnose_curves(train_loss, val_loss):\n"
            "    t_first, t_last = train_loss[0], train_loss[len(train_loss) - 1]\n"
            "    v_first, v_last = val_loss[0], val_loss[len(val_loss) - 1]\n"
            "    v_min = v_first\n"
            "    for value in val_loss:  # a loop instead of min()\n"
            "        if value < v_min:\n"
            "            v_min = value\n"
            "    if t_last / t_first > 0.5:\n"
            '        return "underfitting"\n'
            "    if v_min / v_first > 0.5:\n"
            '        return "severe overfitting"\n'
            "    if v_last / v_min - 1 > 0.1:  # the relative rise, another order\n"
            '        return "overfitting onset"\n'
            '    return "good fit"\n',
        },
        "a dict of copies as the saved state, Python loops, ratios instead of products",
    ),
    Alternative(
        "numpy-scalars-helpers-and-prints",
        {
            "early-stopping": "class EarlyStopping:\n" + _ES_INIT + "        self.wait = 0\n\n"
            "    def step(self, val_loss, params):\n"
            "        self.epoch += np.int64(1)  # numpy integers for the counters\n"
            "        val_loss = np.float64(val_loss)\n"
            "        if val_loss + self.min_delta < self.best_loss:\n"
            "            self.best_loss = val_loss\n"
            "            self.best_epoch = self.epoch\n"
            "            self.best_params = copies_of(params)\n"
            "            self.wait = np.int64(0)\n"
            "            print(f'epoch {self.epoch}: new best {val_loss:.3f}')\n"
            "        else:\n"
            "            self.wait += 1\n"
            "        return bool(self.patience <= self.wait > 0)\n\n"
            "    def restore(self, params):\n"
            "        print('restoring the weights of epoch', self.best_epoch)\n"
            "        for p, best in zip(params, self.best_params):\n"
            "            p[:] = best\n",
            "dropout": "class Dropout:\n" + _DROPOUT_GIVEN + "    def forward(self, x):\n"
            "        if not self.training:\n"
            "            self.mask = None\n"
            "            return x\n"
            "        self.mask = keep_mask(self.rng, x.shape, self.p)\n"
            "        return np.multiply(x, self.mask)\n\n"
            "    def backward(self, grad_out):\n"
            "        return grad_out if self.mask is None else np.multiply(grad_out, self.mask)\n",
            "diagnose": "def diagnose_curves(train_loss, val_loss):\n"
            "    t = np.array(train_loss)\n"
            "    v = np.array(val_loss)\n"
            "    print('epochs:', len(t), 'lowest validation loss:', np.min(v))\n"
            "    if not halved(t[-1], t[0]):\n"
            '        return "underfitting"\n'
            "    if not halved(np.min(v), v[0]):\n"
            '        return "severe overfitting"\n'
            "    if v[-1] - np.min(v) > 0.1 * np.min(v):\n"
            '        return "overfitting onset"\n'
            '    return "good fit"\n',
        },
        "numpy scalars as state, helper functions in an extra cell, debug prints",
        added=(
            (
                "imports",
                "def copies_of(arrays):\n"
                '    """My helper: a tuple of copies of the arrays."""\n'
                "    return tuple(np.array(a, copy=True) for a in arrays)\n\n\n"
                "def keep_mask(rng, shape, p):\n"
                '    """My helper: the inverted-dropout mask, one draw of rng.random."""\n'
                "    keep = (rng.random(shape) >= p).astype(float)\n"
                "    return keep * (1.0 / (1.0 - p))\n\n\n"
                "def halved(value, start):\n"
                "    return 2 * value <= start\n",
            ),
        ),
    ),
    Alternative(
        "wait-as-property-and-products",
        {
            "early-stopping": "class EarlyStopping:\n" + _ES_INIT + "\n"
            "    @property\n"
            "    def wait(self):  # derived: the epochs since the best one\n"
            "        return self.epoch - (self.best_epoch or 0)\n\n"
            "    def step(self, val_loss, params):\n"
            "        self.epoch += 1\n"
            "        if val_loss < self.best_loss - self.min_delta:\n"
            "            self.best_loss, self.best_epoch = val_loss, self.epoch\n"
            "            self.best_params = [p + 0.0 for p in params]  # new arrays: copies\n"
            "        return self.wait >= max(self.patience, 1)\n\n"
            "    def restore(self, params):\n"
            "        for p, best in zip(params, self.best_params):\n"
            "            p *= 0.0\n"
            "            p += best\n",
            "dropout": "class Dropout:\n" + _DROPOUT_GIVEN + "    def forward(self, x):\n"
            "        self.mask = None\n"
            "        if not self.training:\n"
            "            return x\n"
            "        draw = self.rng.random(size=x.shape)\n"
            "        self.mask = np.where(draw >= self.p, 1 / (1 - self.p), 0.0)\n"
            "        y = x.copy()\n"
            "        y *= self.mask  # in place, on a copy\n"
            "        return y\n\n"
            "    def backward(self, grad_out):\n"
            "        if not self.training or self.mask is None:\n"
            "            return grad_out\n"
            "        return grad_out * self.mask\n",
            "diagnose": "def diagnose_curves(train_loss, val_loss):\n"
            "    t, v = list(train_loss), list(val_loss)\n"
            "    lowest = min(v)\n"
            "    rules = [\n"
            '        (2 * t[-1] > t[0], "underfitting"),\n'
            '        (2 * lowest > v[0], "severe overfitting"),\n'
            '        (10 * v[-1] > 11 * lowest, "overfitting onset"),\n'
            "    ]\n"
            "    for holds, name in rules:\n"
            "        if holds:\n"
            "            return name\n"
            '    return "good fit"\n',
        },
        "wait as a property derived from the epochs, in-place updates on copies, rules in a table",
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
