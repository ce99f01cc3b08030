"""Chapter 1 quotes the lecture's single-neuron numbers: the library must compute them,
and the built page must show the computed values (prose and code cannot drift apart)."""

from __future__ import annotations

import re

import numpy as np
import pytest

from gradlib.book.neuron import gradient_descent, neuron_graph

from conftest import REPO, built_page_text

PAGE = REPO / "_build" / "html" / "book" / "chain_rule.html"
SOURCE = REPO / "book" / "chain_rule.md"

# The lecture's worked example (Physics 356 lesson, "Simple numerical walkthrough").
X, W, Y, LR = np.array([2.0, 1.0]), np.array([0.3, 0.1]), 2.0, 0.1
LECTURE = {"L": 0.845, "dL/dw": (-2.6, -1.3), "w_new": (0.56, 0.23), "L_new": 0.21125}


def test_library_reproduces_the_lecture():
    g = neuron_graph(X, W, Y)
    assert g.z.data == pytest.approx(0.7)
    assert g.loss.data == pytest.approx(LECTURE["L"], abs=1e-12)
    np.testing.assert_allclose(g.grad_w, LECTURE["dL/dw"], atol=1e-12)
    weights, losses = gradient_descent(X, W, Y, lr=LR, steps=1)
    np.testing.assert_allclose(weights[1], LECTURE["w_new"], atol=1e-12)
    assert losses[1] == pytest.approx(LECTURE["L_new"], abs=1e-12)


@pytest.mark.parametrize("number", ["0.845", "-2.6", "-1.3", "0.56", "0.23", "0.21125"])
def test_built_page_shows_the_computed_numbers(number):
    # The page's numbers are glued from the executed code, so they appear only if computed.
    assert number in built_page_text(PAGE)


def test_summary_table_matches_the_library():
    """The summary table is prose: each number it states must equal the computed one."""
    text = SOURCE.read_text()
    summary = text[text.index("## Summary") : text.index("## Exercises")]
    g = neuron_graph(X, W, Y)
    weights, losses = gradient_descent(X, W, Y, lr=LR, steps=1)
    stated = [float(v) for v in re.findall(r"-?\d+\.\d+", summary)]
    for value in [g.z.data, g.loss.data, *g.grad_w, *weights[1], losses[1]]:
        assert any(abs(value - s) < 1e-9 for s in stated), f"{value} is not in the summary table"
