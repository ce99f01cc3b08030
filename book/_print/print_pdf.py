"""Print the book's single-page build to one PDF, the printable edition (`make pdf`).

Usage: ``python book/_print/print_pdf.py _build/singlehtml OUT.pdf [--chromium PATH]``

The single-page build (``jupyter-book build . --builder singlehtml``) holds every page of
the book, numbered as on the site.  Debian's chromium, driven by Playwright with every
request outside the build folder blocked, opens it, waits for MathJax to typeset the
math, turns each animation to its last frame, adds a title page and a table of contents,
and prints with the stylesheet's print rules (book/_static/gradlib.css: chapters on new
pages, animations and explorers as one picture with a note).  The page numbers of the
contents come from a first printing: an invisible marker at the top of every listed
section is found in that PDF's text (``pdftotext``), and the numbers are filled in before
the second, final printing (the markers take no space, so nothing moves).

Prints the number of pages, the size of the file and the time taken.
"""

from __future__ import annotations

import argparse
import datetime
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml
from playwright.sync_api import sync_playwright

REPO = Path(__file__).resolve().parents[2]
MARKER = "PRINTMARK{:04d}"

PDF_OPTIONS = {
    "format": "A4",
    "print_background": True,
    "outline": True,  # the PDF's bookmarks follow the headings
    "tagged": True,
    "display_header_footer": True,
    "header_template": "<span></span>",
    "footer_template": (
        '<div style="width:100%;font-size:8px;color:#555;text-align:center">'
        '<span class="pageNumber"></span></div>'
    ),
    "margin": {"top": "16mm", "bottom": "18mm", "left": "16mm", "right": "16mm"},
}

# Adds the title page and the contents, with one marker per entry; returns the entry count.
PREPARE = r"""
({toc, title, subtitle, note}) => {
  const clean = (el) => {
    const copy = el.cloneNode(true);
    copy.querySelectorAll('.headerlink').forEach((a) => a.remove());
    return copy.textContent.replace(/\s+/g, ' ').trim();
  };
  const box = document.getElementById('jb-print-docs-body');
  if (!box) throw new Error('no #jb-print-docs-body: not a sphinx-book-theme page');
  box.innerHTML = '';
  const cover = document.createElement('div');
  cover.className = 'print-cover';
  cover.innerHTML = '<h1></h1><p class="print-subtitle"></p><p class="print-note"></p>';
  cover.querySelector('h1').textContent = title;
  cover.querySelector('.print-subtitle').textContent = subtitle;
  cover.querySelector('.print-note').textContent = note;
  const contents = document.createElement('nav');
  contents.className = 'print-toc';
  contents.innerHTML = '<h2>Contents</h2>';
  box.append(cover, contents);
  let count = 0;
  const entry = (level, heading, target, text = clean(heading)) => {
    const marker = document.createElement('span');
    marker.className = 'print-marker';
    marker.textContent = 'PRINTMARK' + String(count).padStart(4, '0');
    if (getComputedStyle(heading).position === 'static') heading.style.position = 'relative';
    heading.prepend(marker);
    const row = document.createElement('div');
    row.className = 'print-toc-entry level-' + level;
    row.innerHTML = '<a></a><span class="print-toc-page"></span>';
    row.querySelector('a').textContent = text;
    row.querySelector('a').href = '#' + target.id;
    row.dataset.marker = String(count);
    contents.append(row);
    count += 1;
  };
  for (const part of toc) {
    if (part.caption) {
      const cap = document.createElement('div');
      cap.className = 'print-toc-part';
      cap.textContent = part.caption;
      contents.append(cap);
    }
    for (const doc of part.docs) {
      const span = document.getElementById('document-' + doc);
      const section = doc === toc[0].docs[0]
        ? document.querySelector('article section')
        : span && span.nextElementSibling;
      if (!section) throw new Error('the single-page build has no page ' + doc);
      if (doc === toc[0].docs[0]) {  // the preface: the theme prints its title on the cover
        entry(1, section.querySelector(':scope > p'), section, 'Preface');
        continue;
      }
      entry(1, section.querySelector(':scope > h2, :scope > h3'), section);
      for (const sub of section.querySelectorAll(':scope > section')) {
        const h = sub.querySelector(':scope > h3, :scope > h4');
        if (h) entry(2, h, sub);
      }
    }
  }
  document.querySelectorAll('.animation button[title="Last frame"]').forEach((b) => b.click());
  const style = document.createElement('style');
  style.textContent = `
    .print-cover { break-after: page; padding-top: 30vh; text-align: center; }
    .print-cover h1 { font-size: 2.4em; }
    .print-subtitle { font-size: 1.3em; margin-top: 1em; }
    .print-note { margin-top: 4em; color: #444; }
    .print-toc { break-after: page; }
    .print-toc-part { font-weight: bold; margin-top: 0.8em; }
    .print-toc-entry { display: flex; gap: 0.5em; font-size: 0.92em; }
    .print-toc-entry a { flex: 1; color: inherit; text-decoration: none; }
    .print-toc-entry.level-2 { padding-left: 2em; font-size: 0.85em; color: #333; }
    .print-toc-page { width: 3em; text-align: right; }
    .print-marker { position: absolute; left: 0; top: 0; font-size: 2px; color: white; }`;
  document.head.append(style);
  return count;
}
"""

FILL = r"""
(pages) => {
  document.querySelectorAll('.print-toc-entry').forEach((row) => {
    row.querySelector('.print-toc-page').textContent = String(pages[row.dataset.marker]);
  });
  document.querySelectorAll('.print-marker').forEach((m) => m.remove());
}
"""


def table_of_contents(toc_file: Path) -> list[dict]:
    """The parts of _toc.yml: [{"caption": ..., "docs": [...]}], the root first, in order."""
    toc = yaml.safe_load(toc_file.read_text())
    parts = [{"caption": "", "docs": [toc["root"]]}]
    for part in toc.get("parts", []):
        # pages listed under a chapter (the exercise pages) appear as that chapter's sections
        top = [entry["file"] for entry in part.get("chapters", [])]
        parts.append({"caption": part.get("caption", ""), "docs": top})
    return parts


def page_of_markers(pdf: bytes, count: int) -> dict[str, int]:
    """The 1-based page on which each marker (0 .. count-1) appears in ``pdf``."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "first.pdf"
        path.write_bytes(pdf)
        text = subprocess.run(
            ["pdftotext", "-enc", "UTF-8", str(path), "-"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    pages = {}
    for number, page in enumerate(text.split("\f"), start=1):
        for found in re.findall(r"PRINTMARK(\d{4})", page):
            pages.setdefault(str(int(found)), number)
    missing = sorted(set(map(str, range(count))) - set(pages), key=int)
    if missing:
        raise RuntimeError(f"contents markers not found in the printed text: {missing[:5]}")
    return pages


def page_count(pdf: Path) -> int:
    info = subprocess.run(["pdfinfo", str(pdf)], check=True, capture_output=True, text=True)
    return int(re.search(r"^Pages:\s+(\d+)", info.stdout, re.M).group(1))


def print_book(site: Path, output: Path, chromium: str) -> None:
    root = site / "book" / "intro.html"
    if not root.is_file():
        raise SystemExit(f"no single-page build at {root}: run `make pdf` (it builds one first)")
    for tool in ("pdftotext", "pdfinfo"):
        if not shutil.which(tool):
            raise SystemExit(f"{tool} is missing: install Debian's poppler-utils (`make pdf` does)")
    if not Path(chromium).exists():
        raise SystemExit(f"no chromium at {chromium}: install Debian's chromium (`make pdf` does)")
    # The single-page build writes its page as book/intro.html, but with links relative to the
    # build folder: a copy at the top makes its stylesheets, scripts and pictures resolve.
    page_file = site.resolve() / "printable-edition.html"
    shutil.copyfile(root, page_file)
    start = time.perf_counter()
    book_url = os.environ.get("BOOK_URL", "").strip()
    labels = {
        "title": "Backpropagation and Gradient-Based Optimization",
        "subtitle": "A course companion — printable edition",
        "note": (
            f"Printed on {datetime.date.today():%d %B %Y}. The web edition has the same text "
            "with playable animations and live explorers"
            + (f"; the notebooks and the library are at {book_url}." if book_url else ".")
        ),
        "toc": table_of_contents(REPO / "_toc.yml"),
    }
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium, args=["--no-sandbox", "--disable-gpu"], headless=True
        )
        context = browser.new_context(color_scheme="light")
        local = ("file:", "data:", "blob:")
        context.route(
            "**/*",
            lambda route: (
                route.continue_() if route.request.url.startswith(local) else route.abort()
            ),
        )
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(page_file.as_uri(), wait_until="load", timeout=180_000)
        page.wait_for_function(
            "() => window.MathJax && window.MathJax.startup && window.MathJax.startup.promise",
            timeout=120_000,
        )
        page.evaluate("() => window.MathJax.startup.promise")
        if page.locator("mjx-merror").count():
            raise RuntimeError("MathJax could not typeset some formulas (mjx-merror)")
        if errors:
            raise RuntimeError(f"JavaScript errors in the single-page build: {errors[:3]}")
        count = page.evaluate(PREPARE, labels)
        page.emulate_media(media="print", color_scheme="light")
        first = page.pdf(**PDF_OPTIONS)
        page.evaluate(FILL, page_of_markers(first, count))
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_bytes(page.pdf(**PDF_OPTIONS))
        browser.close()
    page_file.unlink()
    seconds = time.perf_counter() - start
    size = output.stat().st_size / 2**20
    print(
        f"printable edition: {output} — {page_count(output)} pages, {size:.1f} MB, "
        f"{count} contents entries, printed in {seconds:.0f} s"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("site", type=Path, help="the single-page build (_build/singlehtml)")
    parser.add_argument("output", type=Path, help="the PDF to write")
    parser.add_argument("--chromium", default=os.environ.get("CHROMIUM", "/usr/bin/chromium"))
    args = parser.parse_args(argv)
    print_book(args.site, args.output, args.chromium)


if __name__ == "__main__":
    main(sys.argv[1:])
