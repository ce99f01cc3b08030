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


BOOK = REPO / "book"
ROLE = re.compile(r"\{(section|doc)\}`(?:[^`<]*<)?([^`>]+)>?`")
COVERED_SENTENCES = 3  # a "covered" topic: its key terms in at least this many sentences


def _coverage() -> dict[str, list[tuple[str, str, str]]]:
    """Lecture key -> (topic, where, key terms) rows of the preface's coverage tables."""
    text = SOURCE.read_text()
    text = text[text.index("(coverage)=") :]
    tables = {}
    for block in re.split(r"\n\*\*\{lecture\}`", text)[1:]:
        key = block[: block.index("`")]
        rows = [line for line in block.splitlines() if line.startswith("| ")][1:]  # no header
        tables[key] = [tuple(c.strip() for c in row.strip()[1:-1].split("|")) for row in rows]
    return tables


def _prose(lines: list[str]) -> list[str]:
    """The lines a reader reads: code cells and directive options left out."""
    kept, in_code = [], False
    for line in lines:
        if line.startswith("```{code-cell}"):
            in_code = True
        elif in_code:
            in_code = line.rstrip() != "```"
        elif not line.startswith((":", "```")):
            kept.append(line)
    return kept


def _sections() -> dict[str, list[str]]:
    """Label -> the prose of its section: from ``(label)=`` to the next heading of the same
    or a higher level; a chapter's name -> its whole prose (for ``{doc}`` targets)."""
    found = {}
    for page in BOOK.glob("*.md"):
        lines = _prose(page.read_text().splitlines())
        found[page.stem] = lines
        for i, line in enumerate(lines):
            label = re.fullmatch(r"\(([\w-]+)\)=", line.strip())
            if not label:
                continue
            heading = next(j for j in range(i + 1, len(lines)) if lines[j].startswith("#"))
            level = len(lines[heading]) - len(lines[heading].lstrip("#"))
            end = next(
                (
                    j
                    for j in range(heading + 1, len(lines))
                    if re.match(rf"#{{1,{level}}} ", lines[j])
                ),
                len(lines),
            )
            found[label.group(1)] = lines[heading:end]
    return found


def _sentences(lines: list[str]) -> list[str]:
    """The sentences of some prose, lower-cased, emphasis removed, one line each."""
    units, current = [], []
    for line in [*lines, ""]:
        if not line.strip() or re.match(r"\s*([*-] |\d+\. |\|)", line):  # a new unit
            units.append(" ".join(current))
            current = []
        current.append(line.strip())
    text = [re.sub(r"\s+", " ", u.replace("*", "")).lower() for u in units if u.strip()]
    return [s for unit in text for s in re.split(r"(?<=[.!?])\s+", unit) if s]


def _check_row(row: tuple[str, ...], sections: dict[str, list[str]]) -> list[str]:
    """What is wrong with one row of a coverage table (nothing: an empty list)."""
    if len(row) != 3:
        return [f"{len(row)} columns instead of 3 (topic | in this book | key terms)"]
    topic, where, terms = row
    if where.startswith("left out: "):
        return [] if len(where) > 40 else ["left out without a reason"]
    status = "mentioned" if where.startswith("mentioned in ") else "covered"
    targets = [label for _, label in ROLE.findall(where)]
    if not targets:
        return ["no {section} or {doc} target, and not 'left out: <why>'"]
    missing = [label for label in targets if label not in sections]
    if missing:
        return [f"no section labelled {missing}"]
    words = [t.strip().lower() for t in terms.split(",") if t.strip()]
    if len(words) < 2:
        return [f"fewer than two key terms: {terms!r}"]
    problems, every = [], []
    for label in targets:
        sentences = _sentences(sections[label])
        if not any(w in s for w in words for s in sentences):
            problems.append(f"{label} contains none of the key terms")
        every += sentences
    problems += [
        f"key term {w!r} is not in {targets}" for w in words if not any(w in s for s in every)
    ]
    saying = sum(any(w in s for w in words) for s in every)
    if status == "covered" and saying < COVERED_SENTENCES:
        problems.append(
            f"the key terms are in only {saying} sentence(s) of {targets}: "
            "a mention, so the row must say 'mentioned in'"
        )
    return problems


def test_the_coverage_table_answers_for_every_topic():
    tables = _coverage()
    assert set(tables) == set(LECTURES)
    for key, rows in tables.items():
        assert len(rows) >= 10, f"{key}: only {len(rows)} topics"


def test_the_coverage_table_is_true():
    """Every row's key terms (the lecture's own words) are in the sections it names, not
    merely somewhere on their pages; a row that says a topic is covered has them in at least
    three sentences there (a one-clause mention must say 'mentioned in')."""
    sections = _sections()
    wrong = [
        f"{key}: {row[0]!r}: {problem}"
        for key, rows in _coverage().items()
        for row in rows
        for problem in _check_row(row, sections)
    ]
    assert not wrong, "coverage rows that are not true:\n" + "\n".join(wrong)


def test_the_coverage_check_can_fail():
    """The check catches a missing label, a key term its section lacks, a one-sentence
    mention claimed as covered, and a table row with a column too few."""
    lines = [
        "## A section",
        "",
        "An epoch is one pass.",
        "Each epoch reshuffles.",
        "",
        "Reshuffle the data. The last batch may be short.",
    ]
    sections = {"epochs": lines, "other": ["## Other", "", "An epoch is one pass."]}
    lines.append("One epoch, one pass.")
    assert _check_row(("t", "{section}`epochs`", "epoch, reshuffle"), sections) == []
    assert _check_row(("t", "{section}`the epochs <epochs>`", "epoch, pass"), sections) == []
    assert _check_row(("t", "{section}`other`", "epoch, pass"), sections)  # one sentence
    assert _check_row(("t", "mentioned in {section}`other`", "epoch, pass"), sections) == []
    assert _check_row(("t", "{section}`missing`", "epoch, pass"), sections)
    assert _check_row(("t", "{section}`epochs`", "epoch, banana"), sections)
    assert _check_row(("t", "{section}`epochs`, {section}`other`", "short, batch"), sections)
    assert _check_row(("t", "{section}`epochs`"), sections)
    assert _check_row(("t", "left out: no reason", ""), sections)


def test_the_coverage_links_resolve_to_numbered_sections():
    text = built_page_text(PREFACE)
    coverage = text[text.index("What each lecture covers") :]
    sections = re.findall(r"§(\d+)\.(\d+)", coverage)
    assert len(sections) > 80
    assert {int(chapter) for chapter, _ in sections} == set(range(1, 10))
