"""Chapter 9 quotes the numbers of Brady et al.'s example (convergence slides): the library must
compute them, and the built page must show the computed values."""

from __future__ import annotations

import re

import numpy as np
import pytest

from gradlib.book.neuron_landscape import NeuronLossSlice
from gradlib.perceptron import logistic_train, misclassified, perceptron_train, spoiler_example

from conftest import REPO, built_page_text

PAGE = REPO / "_build" / "html" / "book" / "what_backprop_finds.html"
SOURCE = REPO / "book" / "what_backprop_finds.md"

SOFT = (0.1, 0.9)
# Convergence slides ("Backprop vs. Perceptron"): sigma(z) = 1 - eps with eps = 0.1 at the positive
# points gives three equations whose unique solution is w_x = w_y = ln 9 (sigma^-1(0.9)), b = 0.
LN9 = np.log(9.0)
LECTURE_SOLUTION = (LN9, LN9, 0.0)


def _trained():
    X3, y3 = spoiler_example(with_spoiler=False)
    X4, y4 = spoiler_example(distance=10.0)
    w3 = logistic_train(X3, y3, epochs=5000, targets=SOFT).iterates[-1]
    path4 = logistic_train(X4, y4, epochs=5000, targets=SOFT, w0=w3)
    return X4, y4, w3, path4


def test_library_reproduces_the_lecture():
    X4, y4, w3, path4 = _trained()
    np.testing.assert_allclose(w3, LECTURE_SOLUTION, atol=1e-3)
    # the spoiler changes nothing: still the three points' solution, the spoiler misclassified
    np.testing.assert_allclose(path4.iterates[-1], LECTURE_SOLUTION, atol=1e-4)
    assert [misclassified(w, X4, y4) for w in path4.iterates] == [1] * len(path4.iterates)
    assert path4.values[-1] == pytest.approx(0.25 * 0.5 * 0.9**2, abs=1e-8)  # spoiler's term
    perc, converged = perceptron_train(X4, y4, epochs=1000, seed=0)  # the perceptron separates
    assert converged and perc.values[-1] == 0 and misclassified(perc.iterates[-1], X4, y4) == 0
    assert perc.steps == 9 and perc.iterates[-1].tolist() == [6.0, -3.0, 4.0]


def _slice_values():
    X4, y4 = spoiler_example()
    surface = NeuronLossSlice(
        X4, y4, [LN9, 0.0, 0.0], (1, 2), targets=SOFT, xlim=(-3, 4), ylim=(-3, 4)
    )
    return [c.value for c in surface.critical_points]  # global, trap, saddle


def test_built_page_shows_the_computed_numbers():
    text = built_page_text(PAGE)
    _, _, w3, path4 = _trained()
    best, trap, saddle = _slice_values()
    numbers = [
        f"{LN9:.4f}",  # 2.1972
        f"{w3[0]:.4f}",
        f"{w3[1]:.4f}",
        f"{path4.values[-1]:.5f}",  # 0.10125
        f"{trap:.5f}",
        f"{saddle:.5f}",
        f"{best:.5f}",
        f"{-10 * LN9:.2f}",  # z4 = -21.97
    ]
    for number in numbers:
        assert number in text, f"{number} is not on the built page"
    assert "9 epochs" in text or "needs 9 epochs" in text.replace("\n", " ")


def test_summary_table_matches_the_library():
    """The summary table is prose: each number it states must equal the computed one."""
    text = SOURCE.read_text()
    summary = text[text.index("## Summary") : text.index("## Exercises")]
    stated = [float(v) for v in re.findall(r"-?\d+\.\d+", summary)]
    path4 = _trained()[-1]
    best, trap, saddle = _slice_values()
    for value in [LN9, path4.values[-1], trap, saddle, best]:
        assert any(abs(value - s) < 5e-5 for s in stated), f"{value} is not in the summary table"
    assert "9 epochs" in summary
