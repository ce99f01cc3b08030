"""The five lectures are named: a table in the preface, and every mention links to its row.

The book never cites a lecture by the file number a reader cannot look up ("lecture 002");
it writes the lecture's short name ({lecture}`key`, book/_ext/lectures.py), which links to
the lecture's row in the preface. Next to that table, the preface says for every topic of
every lecture where the book covers it, or why it does not.
"""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from conftest import REPO, built_page_text

sys.path.insert(0, str(REPO / "book" / "_ext"))
from lectures import LECTURES, anchor  # noqa: E402

SITE = REPO / "_build" / "html"
PREFACE = SITE / "book" / "intro.html"
SOURCE = REPO / "book" / "intro.md"
OTHERS = ("tests/book/test_lectures.py",)  # (which shows what is not allowed)
NUMBERED = re.compile(r"\b[Ll]ectures? ?(00\d|\d\b)")
UPPSALA_TITLE = "Deep Learning, Lecture 3 – Optimization"  # the lecture's own title


def test_no_lecture_is_cited_by_its_file_number():
    files = subprocess.run(
        ["git", "ls-files", "book", "lib", "solutions", "exercises", "tests"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    found = []
    for name in files:
        if name.startswith(OTHERS) or not name.endswith((".md", ".py", ".bib", ".ipynb")):
            continue
        for number, line in enumerate((REPO / name).read_text().splitlines(), start=1):
            if NUMBERED.search(line.replace(UPPSALA_TITLE, "")):
                found.append(f"{name}:{number}: {line.strip()[:80]}")
    assert not found, "lectures cited by number:\n" + "\n".join(found)


def test_every_lecture_has_one_row_in_the_preface():
    html = PREFACE.read_text()
    for key in LECTURES:
        assert html.count(f'id="{anchor(key)}"') == 1, f"no single row for {key}"
    assert len(LECTURES) == len(set(LECTURES.values())) == 5


@pytest.mark.parametrize(
    "title",
    [
        "Backpropagation & Training Neural Networks",
        "Physics 356",
        "Deep Learning, Lecture 3 – Optimization: Stochastic gradient descent and backpropagation",
        "Thomas Schön",
        "Uppsala University",
        "DL Notes: Advanced Gradient Descent",
        "no title printed",
    ],
)
def test_the_preface_gives_the_lectures_titles(title):
    assert title in built_page_text(PREFACE)


def _mentions(page) -> list[tuple[str, str]]:
    """(link target, link text) of every lecture mention on a built page."""
    html = page.read_text()
    return re.findall(
        r'<a class="reference internal" href="([^"]*#lecture-[a-z0-9-]+)">'
        r'<span class="[^"]*std-ref[^"]*">([^<]+)</span></a>',
        html,
    )


def test_every_mention_links_to_its_row_with_its_name():
    names = {anchor(key): name for key, name in LECTURES.items()}
    total = 0
    for page in SITE.rglob("*.html"):
        for target, text in _mentions(page):
            total += 1
            path, fragment = target.split("#")
            linked = (page.parent / path).resolve() if path else page.resolve()  # "#..." on itself
            assert linked == PREFACE.resolve(), (page, target)
            assert names[fragment] == text, f"{page.name}: {text!r} links to {fragment}"
    assert total > 100, f"only {total} lecture mentions found"


@pytest.mark.parametrize(
    "chapter",
    ["chain_rule", "backprop", "gradient_descent", "sgd", "momentum", "adaptive"]
    + ["beyond_gradients", "training", "what_backprop_finds", "notation"],
)
def test_each_chapter_names_its_lectures(chapter):
    mentions = _mentions(SITE / "book" / f"{chapter}.html")
    assert mentions, f"{chapter} mentions no lecture by name"


def _coverage() -> dict[str, list[tuple[str, str]]]:
    """Lecture key -> (topic, where) rows of the preface's coverage tables (from the source)."""
    text = SOURCE.read_text()
    text = text[text.index("(coverage)=") :]
    tables = {}
    for block in re.split(r"\n\*\*\{lecture\}`", text)[1:]:
        key = block[: block.index("`")]
        rows = [line for line in block.splitlines() if line.startswith("| ")][1:]  # no header
        tables[key] = [tuple(c.strip() for c in row.strip("| ").split(" | ")) for row in rows]
    return tables


def test_the_coverage_table_answers_for_every_topic():
    tables = _coverage()
    assert set(tables) == set(LECTURES)
    for key, rows in tables.items():
        assert len(rows) >= 10, f"{key}: only {len(rows)} topics"
        for topic, where in rows:
            covered = "{section}" in where or "{doc}" in where
            assert covered or where.startswith("left out: "), f"{key}: {topic!r} -> {where!r}"
            if where.startswith("left out"):
                assert len(where) > 40, f"{key}: {topic!r} is left out without a reason"


def test_the_coverage_links_resolve_to_numbered_sections():
    text = built_page_text(PREFACE)
    coverage = text[text.index("What each lecture covers") :]
    sections = re.findall(r"§(\d+)\.(\d+)", coverage)
    assert len(sections) > 80
    assert {int(chapter) for chapter, _ in sections} == set(range(1, 10))
