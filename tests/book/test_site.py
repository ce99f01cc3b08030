"""The built site (_build/html, made by `make book` before the tests) ships no solution."""

from __future__ import annotations

import html
import json
import re
import sys
from pathlib import Path

import pytest

from conftest import REPO

sys.path.insert(0, str(REPO / "tests" / "assignments"))
from test_release import solution_lines  # noqa: E402

SITE = REPO / "_build" / "html"


@pytest.fixture(scope="module", autouse=True)
def built_site():
    assert (SITE / "index.html").exists(), "no built book: run `make book` first (make test does)"


def _visible_text(path: Path) -> str:
    raw = path.read_text(errors="replace")
    if path.suffix == ".html":
        # Syntax highlighting splits code into <span>s: compare the text a reader sees.
        return html.unescape(re.sub(r"<[^>]+>", "", raw))
    if path.suffix == ".ipynb":
        nb = json.loads(raw)
        return "\n".join(
            "".join(c["source"]) if isinstance(c["source"], list) else c["source"]
            for c in nb["cells"]
        )
    return raw


def _site_files():
    return [
        p
        for p in SITE.rglob("*")
        if p.is_file() and p.suffix in {".html", ".js", ".ipynb", ".txt", ".md", ".json"}
    ]


def test_no_page_sources_are_published():
    assert not (SITE / "_sources").exists(), "the page sources must not be copied into the site"
    for page in SITE.rglob("*.html"):
        text = page.read_text()
        assert "_sources/" not in text, f"{page.relative_to(SITE)} links to a page source"
        assert "download-source-button" not in text, f"{page.relative_to(SITE)} offers its source"
        assert "download-notebook-button" not in text, f"{page.relative_to(SITE)} offers a notebook"


def test_no_solution_anywhere_in_the_site():
    lines = solution_lines()
    assert lines
    texts = {p: _visible_text(p) for p in _site_files()}
    assert any(p.suffix == ".ipynb" for p in texts), "the student notebooks should be downloadable"
    for path, text in texts.items():
        for marker in ("BEGIN SOLUTION", "BEGIN HIDDEN TESTS"):
            assert marker not in text, f"{path.relative_to(SITE)} contains {marker!r}"
        for line, origin in lines.items():
            assert line not in text, (
                f"{path.relative_to(SITE)} contains solution code from {origin}: {line!r}"
            )


def test_downloads_are_the_student_versions():
    downloads = {p.name: p for p in (SITE / "_downloads").rglob("*.ipynb")}
    for nb in (REPO / "exercises").rglob("*.ipynb"):
        assert nb.name in downloads, f"{nb.name} is not offered for download"
        assert downloads[nb.name].read_bytes() == nb.read_bytes()


def test_every_toc_page_is_built():
    import yaml

    toc = yaml.safe_load((REPO / "_toc.yml").read_text())
    files = [toc["root"]]

    def walk(entries):
        for entry in entries:
            if "file" in entry:
                files.append(entry["file"])
            walk(entry.get("sections", []))
            walk(entry.get("chapters", []))

    walk(toc["parts"])
    for f in files:
        assert (SITE / f"{f}.html").exists(), f"{f} is in _toc.yml but was not built"


def test_numbers_pasted_into_the_prose_read_as_numbers():
    """A {glue:text} number shows its value, never a Python repr such as np.float64(10.0)."""
    pasted = []
    for page in sorted((SITE / "book").glob("*.html")):
        for text in re.findall(r'<span class="pasted-text">(.*?)</span>', page.read_text(), re.S):
            pasted.append((page.name, html.unescape(text)))
    assert pasted, "no pasted numbers found: has myst-nb changed its markup?"
    reprs = [(page, text) for page, text in pasted if re.search(r"\b(np|numpy)\.|\w+\(", text)]
    assert not reprs, f"Python reprs pasted into the prose (glue a float/int instead): {reprs}"
