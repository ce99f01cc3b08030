"""Chapter 1 quotes the lecture's single-neuron numbers: the library must compute them, the
numbers the executed chapter glued must be the lecture's, and the built page must show them
(prose and code cannot drift apart)."""

from __future__ import annotations

import re

import numpy as np
import pytest
from glue import glued, summary_of

from gradlib.book.neuron import gradient_descent, neuron_graph

from conftest import REPO

PAGE = REPO / "_build" / "html" / "book" / "chain_rule.html"

# The lecture's worked example (Physics 356 lesson, "Simple numerical walkthrough").
X, W, Y, LR = np.array([2.0, 1.0]), np.array([0.3, 0.1]), 2.0, 0.1
LECTURE = {"L": 0.845, "dL/dw": (-2.6, -1.3), "w_new": (0.56, 0.23), "L_new": 0.21125}


@pytest.fixture(scope="module")
def chapter():
    return glued("chain_rule")


def test_library_reproduces_the_lecture():
    g = neuron_graph(X, W, Y)
    assert g.z.data == pytest.approx(0.7)
    assert g.loss.data == pytest.approx(LECTURE["L"], abs=1e-12)
    np.testing.assert_allclose(g.grad_w, LECTURE["dL/dw"], atol=1e-12)
    path = gradient_descent(X, W, Y, lr=LR, steps=1)
    np.testing.assert_allclose(path.iterates[1], LECTURE["w_new"], atol=1e-12)
    assert path.values[1] == pytest.approx(LECTURE["L_new"], abs=1e-12)


def test_the_chapter_computed_the_lectures_numbers(chapter):
    assert chapter["loss0"] == pytest.approx(LECTURE["L"], abs=1e-6)
    assert (chapter["dw1"], chapter["dw2"]) == pytest.approx(LECTURE["dL/dw"], abs=1e-6)
    # dL/dw_i = dL/dy_hat * x_i (the ReLU is open): the chain rule, link by link
    assert (chapter["dw1"], chapter["dw2"]) == pytest.approx(chapter["dyhat"] * X, abs=1e-6)
    assert (chapter["w1_new"], chapter["w2_new"]) == pytest.approx(LECTURE["w_new"], abs=1e-6)
    assert chapter["loss1"] == pytest.approx(LECTURE["L_new"], abs=1e-6)


def test_summary_table_matches_the_chapter(chapter):
    """The summary table is prose: each number it states must equal the computed one."""
    summary = summary_of("chain_rule")
    stated = [float(v) for v in re.findall(r"-?\d+\.\d+", summary)]
    for name in ["loss0", "dw1", "dw2", "w1_new", "w2_new", "loss1"]:
        value = chapter[name]
        assert any(abs(value - s) < 1e-9 for s in stated), f"{name} = {value} is not in the summary"
