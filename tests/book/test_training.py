"""Chapter 8 quotes the lecture's training settings and shows real runs: the library must
reproduce the settings and the patterns, and the built page must show the computed values."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

from gradlib.book.training_figures import loss_per_epoch
from gradlib.data import load_digits, one_hot, train_val_test_split
from gradlib.losses import MSELoss
from gradlib.nn import Dropout, mlp
from gradlib.optim import SGD
from gradlib.train import EarlyStopping

from conftest import REPO, built_page_text

PAGE = REPO / "_build" / "html" / "book" / "training.html"
SOURCE = REPO / "book" / "training.md"

# Physics 356 lesson: patternnet's division of the data, MATLAB's max_fail, the dropout probability
# of the digit example, and the four learning rates of its figure 1.
LECTURE = {"split": (0.7, 0.15, 0.15), "max_fail": 6, "dropout": 0.3}
LEARNING_RATES = {"too small": 1e-3, "good": 5e-2, "too large": 0.5, "diverges": 2.0}


def test_library_reproduces_the_lecture_settings():
    X, y = load_digits(samples_per_class=100, seed=0)
    split = train_val_test_split(X, y, seed=0)
    sizes = [len(split.X_train) / len(X), len(split.X_val) / len(X), len(split.X_test) / len(X)]
    np.testing.assert_allclose(sizes, LECTURE["split"], atol=1e-12)
    assert EarlyStopping().patience == LECTURE["max_fail"]
    out = Dropout(p=LECTURE["dropout"], seed=0).forward(np.ones((1000, 100)))
    assert np.mean(out == 0) == pytest.approx(LECTURE["dropout"], abs=0.01)
    assert out.mean() == pytest.approx(1.0, abs=0.01)


@pytest.fixture(scope="module")
def lr_curves():
    X, y = load_digits(samples_per_class=100, seed=0)
    split = train_val_test_split(X, y, seed=0)
    targets = one_hot(split.y_train)
    curves = {}
    for name, lr in LEARNING_RATES.items():
        model = mlp([64, 32, 10], seed=1)
        curves[name] = loss_per_epoch(
            model,
            MSELoss(),
            SGD(model.params(), lr=lr),
            split.X_train,
            targets,
            epochs=50,
            batch_size=64,
            seed=0,
        )
    return curves


def test_the_lecture_learning_rates_fall_into_its_four_regimes(lr_curves):
    small, good, large, div = (lr_curves[k] for k in LEARNING_RATES)
    # too small and good: monotone; the good rate ends far lower
    assert np.all(np.diff(small) <= 0) and np.all(np.diff(good) <= 0)
    assert small[-1] > 2 * good[-1]
    # too large: oscillates (the loss rises in many epochs) and ends worse than good
    assert np.sum(np.diff(large) > 0) >= 10 and large[-1] > 2 * good[-1]
    # diverges: overflows before the 50 epochs are over
    assert math.isinf(div[-1]) and len(div) < 51


def test_built_page_shows_the_computed_lecture_numbers():
    text = " ".join(built_page_text(PAGE).replace("\u2019", "'").split())
    assert "a fraction 0.7 for training, 0.15 for validation and 0.15 for testing" in text
    assert "its default, and gradlib.train.EarlyStopping's, is 6" in text
    out = Dropout(p=LECTURE["dropout"], seed=0).forward(np.ones((1000, 100)))
    assert f"a fraction {round(float(np.mean(out == 0)), 4)} of the 100 000" in text
    assert f"\\(1/0.7 =\\) {round(1 / 0.7, 4)}" in text


@pytest.mark.parametrize(
    "label", ["underfitting", "good fit", "overfitting onset", "severe overfitting"]
)
def test_built_page_shows_the_four_diagnoses(label):
    assert f'"{label}"' in built_page_text(PAGE)


def test_built_page_shows_the_glued_run_results(lr_curves):
    text = built_page_text(PAGE)
    assert f"{round(float(lr_curves['good'][-1]), 3)}" in text
    assert f"overflowed in epoch {len(lr_curves['diverges']) - 1}" in text
    for figure in ("fig-lr-regimes", "fig-four-patterns", "fig-digits-curves", "fig-digit-grid"):
        assert f'id="{figure}"' in PAGE.read_text()


def test_summary_table_matches_the_library():
    """The summary table is prose: each number it states must equal the computed one."""
    text = SOURCE.read_text()
    summary = text[text.index("## Summary") : text.index("## Exercises")]
    stated = [float(v) for v in re.findall(r"(?<![\w.])\d+(?:\.\d+)?", summary)]
    X, y = load_digits(samples_per_class=100, seed=0)
    split = train_val_test_split(X, y, seed=0)
    computed = [
        len(split.X_train) / len(X),
        len(split.X_val) / len(X),
        len(split.X_test) / len(X),
        EarlyStopping().patience,
        LECTURE["dropout"],
        *LEARNING_RATES.values(),
    ]
    for value in computed:
        assert any(abs(value - s) < 1e-9 for s in stated), f"{value} is not in the summary table"
