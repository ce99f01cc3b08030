"""Chapter 8 quotes the lecture's training settings and shows real runs.  The tests read what
the executed chapter computed (its glued values) and check them against the lecture's settings
and the patterns it describes, and that the built page shows them."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
from glue import glued, summary_of

from gradlib.book.training_figures import loss_per_epoch
from gradlib.data import load_digits, one_hot, train_val_test_split
from gradlib.losses import MSELoss
from gradlib.nn import Dropout, mlp
from gradlib.optim import SGD
from gradlib.train import EarlyStopping

from conftest import REPO, built_page_text

PAGE = REPO / "_build" / "html" / "book" / "training.html"

# Physics 356 lesson: patternnet's division of the data, MATLAB's max_fail, the dropout probability
# of the digit example, and the four learning rates of its figure 1.
LECTURE = {"split": (0.7, 0.15, 0.15), "max_fail": 6, "dropout": 0.3}
LEARNING_RATES = {"too small": 1e-3, "good": 5e-2, "too large": 0.5, "diverges": 2.0}
PATTERNS = ["underfitting", "good fit", "overfitting onset", "severe overfitting"]
EPOCHS = 60  # the chapter's runs of the four patterns


@pytest.fixture(scope="module")
def chapter():
    return glued("training")


def test_library_reproduces_the_lecture_settings():
    X, y = load_digits(samples_per_class=20, seed=1)
    split = train_val_test_split(X, y, seed=1)
    sizes = [len(split.X_train) / len(X), len(split.X_val) / len(X), len(split.X_test) / len(X)]
    np.testing.assert_allclose(sizes, LECTURE["split"], atol=1e-12)
    assert EarlyStopping().patience == LECTURE["max_fail"]
    out = Dropout(p=LECTURE["dropout"], seed=1).forward(np.ones((500, 200)))
    assert np.mean(out == 0) == pytest.approx(LECTURE["dropout"], abs=0.01)
    assert out.mean() == pytest.approx(1.0, abs=0.01)


def test_the_chapter_uses_the_lecture_settings(chapter):
    split = (chapter["split_train"], chapter["split_val"], chapter["split_test"])
    np.testing.assert_allclose(split, LECTURE["split"], atol=1e-12)
    assert chapter["default_patience"] == LECTURE["max_fail"]
    # inverted dropout: a fraction p dropped, the rest scaled by 1 / (1 - p), the mean kept
    p = LECTURE["dropout"]
    assert chapter["drop_fraction"] == pytest.approx(p, abs=0.01)
    assert chapter["drop_kept"] == pytest.approx(1 / (1 - p), abs=5e-5)
    assert chapter["drop_mean"] == pytest.approx(1.0, abs=0.01)


def test_the_lecture_learning_rates_fall_into_its_four_regimes(chapter):
    small, good, large = (chapter[f"lr_{k}_final"] for k in ("small", "good", "large"))
    assert small > 2 * good  # too small: far from where the good rate gets
    assert chapter["lr_large_rises"] >= 10 and large > 2 * good  # too large: oscillates
    assert 0 < chapter["lr_div_epoch"] < 50  # diverges: overflows before the 50 epochs are over


@pytest.fixture(scope="module")
def lr_curves():
    """The chapter's four runs, repeated: it glues their final values, not the whole curves."""
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


def test_small_and_good_learning_rates_lower_the_loss_every_epoch(lr_curves, chapter):
    small, good, div = (lr_curves[k] for k in ("too small", "good", "diverges"))
    assert np.all(np.diff(small) <= 0) and np.all(np.diff(good) <= 0)
    assert math.isinf(div[-1]) and len(div) < 51
    # the repeated runs are the chapter's
    assert round(float(good[-1]), 3) == chapter["lr_good_final"]


@pytest.mark.parametrize("pattern", PATTERNS)
def test_each_run_is_diagnosed_as_the_pattern_it_was_built_for(chapter, pattern):
    diagnosis = chapter[f"diag_{pattern.replace(' ', '_')}"]
    assert diagnosis == pattern
    assert f'"{diagnosis}"' in built_page_text(PAGE)


def test_early_stopping(chapter):
    # stopped `patience` epochs after the best one, and skipped the rest of the 60
    assert chapter["es_stopped"] - chapter["es_best"] == LECTURE["max_fail"]
    assert chapter["es_epochs_saved"] == EPOCHS - chapter["es_stopped"]
    # the best epoch is where the full run's validation loss is lowest
    assert chapter["es_best"] == chapter["onset_best"] < EPOCHS
    # the restored weights validate better than those of the full run
    assert chapter["es_val_restored"] < chapter["es_val_full"]


def test_dropout_regularises_the_overfitting_network(chapter):
    # the run without dropout is the full overfitting-onset run (glued to 3 and 4 decimals)
    assert chapter["nodrop_val_final"] == pytest.approx(chapter["es_val_full"], abs=5e-4)
    assert chapter["drop_val_final"] < chapter["nodrop_val_final"]


def test_the_digit_experiments(chapter):
    accuracies = {k: chapter[f"acc_{k}"] for k in ("default", "lr", "hidden", "samples", "all")}
    assert all(10 < a <= 100 for a in accuracies.values()), accuracies  # better than chance
    assert accuracies["all"] > accuracies["default"] + 20
    assert chapter["diag_default"] in PATTERNS
    assert 0 < chapter["grid_wrong"] <= 25  # of the 25 digits shown, some are wrong


def test_built_page_shows_the_lecture_numbers_in_context(chapter):
    text = " ".join(built_page_text(PAGE).replace("\u2019", "'").split())
    train, val, test = (chapter[f"split_{k}"] for k in ("train", "val", "test"))
    assert f"a fraction {train} for training, {val} for validation and {test} for testing" in text
    assert (
        f"its default, and gradlib.train.EarlyStopping's, is {chapter['default_patience']}" in text
    )
    assert f"a fraction {chapter['drop_fraction']} of the 100 000" in text
    assert f"\\(1/0.7 =\\) {chapter['drop_kept']}" in text
    assert f"overflowed in epoch {chapter['lr_div_epoch']}" in text


def test_built_page_shows_the_glued_figures(chapter):
    raw = PAGE.read_text()
    for figure in ("fig-lr-regimes", "fig-four-patterns", "fig-digits-curves", "fig-digit-grid"):
        assert "image/png" in chapter[figure], figure
        assert f'id="{figure}"' in raw


def test_summary_table_matches_the_chapter(chapter):
    """The summary table is prose: each number it states must equal the computed one."""
    summary = summary_of("training")
    stated = [float(v) for v in re.findall(r"(?<![\w.])\d+(?:\.\d+)?", summary)]
    computed = [
        chapter["split_train"],
        chapter["split_val"],
        chapter["split_test"],
        chapter["default_patience"],
        LECTURE["dropout"],
        *LEARNING_RATES.values(),
    ]
    for value in computed:
        assert any(abs(value - s) < 1e-9 for s in stated), f"{value} is not in the summary table"
