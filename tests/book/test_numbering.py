"""Chapters 1-9 number their sections, figures, tables and equations within the chapter."""

from __future__ import annotations

import re

import pytest

from conftest import REPO

SITE = REPO / "_build" / "html" / "book"
CHAPTERS = [
    "chain_rule",
    "backprop",
    "gradient_descent",
    "sgd",
    "momentum",
    "adaptive",
    "beyond_gradients",
    "training",
    "what_backprop_finds",
]


@pytest.mark.parametrize("number, chapter", list(enumerate(CHAPTERS, start=1)))
def test_numbers_start_with_the_chapter(number, chapter):
    html = (SITE / f"{chapter}.html").read_text()
    title = re.search(r'<h1><span class="section-number">(\d+)\. </span>', html)
    assert title and int(title.group(1)) == number, f"{chapter} is not chapter {number}"
    captions = re.findall(r'<span class="caption-number">(Fig|Table)\. (\d+)\.(\d+) </span>', html)
    equations = re.findall(r'<span class="eqno">\((\d+)\.(\d+)\)', html)
    assert captions and equations, f"{chapter}: no numbered figures or equations"
    for kind, first, _ in captions:
        assert int(first) == number, f"{chapter}: {kind}. {first}.* is another chapter's number"
    figures = [int(n) for kind, _, n in captions if kind == "Fig"]
    assert figures == list(range(1, len(figures) + 1)), f"{chapter}: figures {figures}"
    assert {int(first) for first, _ in equations} == {number}
    assert [int(n) for _, n in equations] == list(range(1, len(equations) + 1))


@pytest.mark.parametrize("page", ["intro", "notation", "bibliography"])
def test_pages_outside_the_chapters_are_not_numbered(page):
    html = (SITE / f"{page}.html").read_text()
    assert not re.search(r'<h1><span class="section-number">', html)


def test_references_in_the_text_carry_the_chapter_number():
    momentum = (SITE / "momentum.html").read_text()
    assert re.search(
        r'href="#fig-valley"><span class="std std-numref">Fig\. 5\.\d+</span>', momentum
    )
    assert re.search(r'href="#equation-eq-momentum">\(5\.\d+\)</a>', momentum)
    sgd = (SITE / "sgd.html").read_text()
    assert re.search(r'href="#tab-sgd-rates"><span class="std std-numref">Table 4\.1</span>', sgd)
    gd = (SITE / "gradient_descent.html").read_text()
    assert re.search(r'href="#tab-gd-regimes"><span class="std std-numref">Table 3\.1</span>', gd)
