"""The printable edition (`make pdf`, which `make test` runs before the tests).

Its text, read back with poppler's pdftotext, must hold every page of the book with typeset
math, a table of contents whose page numbers are right, chapters that start on new pages,
one still picture and note per animation and explorer, and no solution.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from html import unescape

import pytest
import yaml

from conftest import REPO

sys.path.insert(0, str(REPO / "tests" / "assignments"))
from test_release import solution_lines  # noqa: E402

PDF = REPO / "_build" / "pdf" / "backprop-optimization-book.pdf"
SINGLE = REPO / "_build" / "singlehtml" / "book" / "intro.html"
SITE = REPO / "_build" / "html"


def _docs() -> list[str]:
    toc = yaml.safe_load((REPO / "_toc.yml").read_text())
    docs = [toc["root"]]

    def walk(entries):
        for entry in entries or []:
            docs.append(entry["file"])
            walk(entry.get("sections"))

    for part in toc["parts"]:
        walk(part["chapters"])
    return docs


def _title(doc: str) -> str:
    """The first heading of a page's source, with its roles and math markup removed."""
    heading = next(
        line for line in (REPO / f"{doc}.md").read_text().splitlines() if line.startswith("# ")
    )
    return re.sub(r"\{[a-z:-]+\}`([^`<]*)[^`]*`", r"\1", heading[2:]).strip()


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("\u00ad", "")).strip()


def _letters(text: str) -> str:
    """Only letters and digits: line breaks may split a word or drop its hyphen."""
    return re.sub(r"[^0-9A-Za-z]", "", text)


def _pdftotext(*options: str) -> list[str]:
    """The PDF's text, one string per page."""
    text = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", *options, str(PDF), "-"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    found = text.split("\f")
    if found and not found[-1].strip():
        found.pop()  # pdftotext ends the last page with a form feed too
    return found


@pytest.fixture(scope="module")
def pages() -> list[str]:
    assert PDF.exists(), "no printable edition: run `make pdf` (make test does)"
    assert shutil.which("pdftotext"), "pdftotext is missing: install poppler-utils (make pdf does)"
    assert SINGLE.exists() and PDF.stat().st_mtime >= SINGLE.stat().st_mtime, (
        "the PDF is older than the single-page build it is printed from: run `make pdf`"
    )
    found = _pdftotext()
    info = subprocess.run(["pdfinfo", str(PDF)], check=True, capture_output=True, text=True)
    count = int(re.search(r"^Pages:\s+(\d+)", info.stdout, re.M).group(1))
    assert len(found) == count
    print(f"\nprintable edition: {count} pages, {PDF.stat().st_size / 2**20:.1f} MB")
    return found


def test_every_page_of_the_book_and_the_bibliography_are_printed(pages):
    text = _norm(" ".join(pages))
    for doc in _docs():
        title = _title(doc)
        assert _letters(title) in _letters(text), f"{doc}: its title {title!r} is not in the PDF"
    assert "Bibliography" in text
    bib = (REPO / "book" / "references.bib").read_text()
    for author in re.findall(r"author\s*=\s*\{([^,{}]+)", bib):  # first authors' surnames
        assert author.strip() in text, f"the bibliography's {author!r} is not in the PDF"


def _code_text() -> str:
    """The text of every code listing of the book (chapters' code may hold TeX for labels)."""
    html = SINGLE.read_text()
    blocks = re.findall(r"<pre[^>]*>(.*?)</pre>", html, re.S)
    return _norm(unescape(re.sub(r"<[^>]+>", "", " ".join(blocks))))


def test_no_raw_tex_and_nothing_undefined(pages):
    code = _code_text()
    for number, page in enumerate(pages, start=1):
        for bad in ("undefined", "??"):
            assert bad not in page, f"page {number} contains {bad!r}"
        for line in page.splitlines():
            if any(tex in line for tex in (r"\frac", r"\mathbf", "$$", r"\begin{", r"\hat")):
                # raw TeX is only allowed where the book prints code (plot labels)
                assert _norm(line) in code, f"page {number}: untypeset TeX {line.strip()!r}"
    text = " ".join(pages)
    assert "∂" in text and "η" in text  # typeset math survives as text


def _contents(pages) -> list[tuple[str, int]]:
    """(title, page) for every line of the printed table of contents."""
    start = next(i for i, p in enumerate(pages) if p.lstrip().startswith("Contents"))
    layout = _pdftotext("-layout", "-f", str(start + 1), "-l", str(start + 8))
    entries = []
    for page in layout:
        for line in page.splitlines():
            match = re.match(r"^\s*(\S.*?)\s{2,}(\d+)\s*$", line)
            if match:
                entries.append((_norm(match.group(1)), int(match.group(2))))
        if entries and entries[-1][0] == "Bibliography":
            break
    return entries


def test_contents_page_numbers_point_at_the_chapters(pages):
    entries = dict(_contents(pages))
    chapters = [doc for doc in _docs()[1:] if "/exercises/0" not in doc]
    assert len(entries) > len(chapters), "the contents should list chapters and their sections"
    for doc in chapters:
        title = _norm(_title(doc))
        pattern = rf"(\d+\. )?{re.escape(title)}"  # chapters are numbered, the others are not
        listed = [(name, page) for name, page in entries.items() if re.fullmatch(pattern, name)]
        assert listed, f"{doc}: {title!r} is not in the contents"
        name, page = listed[0]
        # each chapter starts on a new page: its heading is at the top of the page listed
        top = _norm(" ".join(pages[page - 1].strip().splitlines()[:3]))
        assert _letters(title) in _letters(top), f"{name!r} is on page {page}? It starts {top!r}"


def test_numbering_is_per_chapter_in_print(pages):
    text = " ".join(pages)
    assert re.search(r"Fig\. 5\.\d", text) and re.search(r"\(5\.\d+\)", text)
    assert not re.search(r"Fig\. (1[0-9]|[2-9][0-9])\b(?!\.)", text), "a book-wide figure number"


def test_animations_and_explorers_are_printed_as_a_still_with_a_note(pages):
    html = SINGLE.read_text()
    animations = html.count('<div class="animation">')
    explorers = html.count('class="gradlib-explorer"')
    assert animations and explorers
    text = " ".join(pages)
    assert text.count("Animation: the web edition plays it") == animations
    assert text.count("Explorer: in the web edition, sliders change") == explorers
    # the players' controls are hidden: their mode buttons' labels would be printed otherwise
    assert "Reflect" in html and "Reflect" not in text


def test_no_solution_is_printed(pages):
    text = " ".join(pages)
    shown = [line for line in solution_lines() if line in text]
    assert not shown, f"the printable edition shows solution code: {shown[:3]}"


def test_the_site_offers_the_pdf_from_the_preface():
    preface = (SITE / "book" / "intro.html").read_text()
    link = re.search(r'<a class="printable-edition" href="([^"]+)"', preface)
    assert link, "the preface does not link to the printable edition"
    target = (SITE / "book" / link.group(1)).resolve()
    assert target == (SITE / PDF.name).resolve() and target.exists()
    assert target.read_bytes() == PDF.read_bytes(), "the site's PDF is not the latest one"
