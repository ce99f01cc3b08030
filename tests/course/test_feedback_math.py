"""Feedback pages typeset their formulas without internet, in Debian's chromium.

A feedback page is rendered as ``nbgrader generate_feedback`` renders it (nbconvert's
HTMLExporter with nbgrader's ``feedback`` template, configured as nbgrader's
GenerateFeedback configures it) from every released assignment notebook, then given its
inline MathJax by :func:`gradlib_course.offline_math.inline_mathjax`, as
:func:`gradlib_course.feedback.generate_feedback` does.  Opened from a file with every
request but ``file:``/``data:`` blocked, the page must request nothing, typeset its math,
and show no raw TeX.  The same page without the inlined MathJax shows raw TeX: the check
can fail.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import nbformat
import pytest
from gradlib_course.offline_math import inline_mathjax
from nbconvert.exporters import HTMLExporter
from playwright.sync_api import sync_playwright
from traitlets.config import Config

from conftest import REPO

CHROMIUM = os.environ.get("CHROMIUM", shutil.which("chromium") or "/usr/bin/chromium")
RELEASED = sorted((REPO / "exercises").glob("*/*.ipynb"))
RAW_TEX = re.compile(r"\$[^$\n]{1,80}\$|\\(mathbf|boldsymbol|frac|nabla|theta|eta|mu|sqrt)\b")


def _feedback_html(notebook: Path) -> str:
    """The page nbgrader's feedback template makes of ``notebook`` (scores made up)."""
    import nbgrader.converters.generate_feedback as gf

    templates = Path(gf.__file__).parent.parent / "server_extensions" / "formgrader"
    c = Config()
    c.HTMLExporter.template_name = "feedback"
    c.HTMLExporter.extra_template_basedirs = [str(templates / "templates")]
    css = templates / "static" / "node_modules" / "bootstrap" / "dist" / "css"
    c.HTMLExporter.extra_template_paths = [str(css)]
    nb = nbformat.read(notebook, as_version=4)
    for cell in nb.cells:  # nbgrader's GetGrades writes each graded cell's score
        grading = cell.metadata.get("nbgrader", {})
        if grading.get("grade") or grading.get("task"):
            grading["score"] = grading.get("points", 0) / 2
    resources = {
        "nbgrader": {"notebook": notebook.stem, "score": 7, "max_score": 11, "late_penalty": 0}
    }
    html, _ = HTMLExporter(config=c).from_notebook_node(nb, resources=resources)
    return html


@pytest.fixture(scope="module")
def pages(tmp_path_factory) -> dict[str, tuple[Path, Path]]:
    out = tmp_path_factory.mktemp("feedback")
    made = {}
    for notebook in RELEASED:
        page = _feedback_html(notebook)
        assert "mathjax" in page.lower(), "nbgrader's feedback page loads no MathJax"
        plain, offline = out / f"{notebook.stem}-cdn.html", out / f"{notebook.stem}.html"
        plain.write_text(page)
        offline.write_text(inline_mathjax(page))
        made[notebook.stem] = (plain, offline)
    return made


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"], headless=True
        )
        yield browser
        browser.close()


def _open_offline(browser, page_file: Path, wait_for_math: bool) -> tuple[str, list[str], int]:
    """The page's visible text, the requests that were blocked and the typeset formulas."""
    context = browser.new_context()
    blocked: list[str] = []

    def route(r):
        if r.request.url.startswith(("file:", "data:", "blob:")):
            r.continue_()
        else:
            blocked.append(r.request.url)
            r.abort()

    context.route("**/*", route)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(page_file.as_uri(), wait_until="load")
    if wait_for_math:
        page.wait_for_function("window.MathJax && MathJax.startup && MathJax.startup.promise")
        page.evaluate("MathJax.startup.promise")
        assert not errors, f"{page_file.name}: JavaScript errors {errors}"
    text = page.inner_text("body")
    typeset = page.locator("mjx-container").count()
    context.close()
    return text, blocked, typeset


def test_every_assignment_has_math_to_typeset():
    assert len(RELEASED) == 9
    for notebook in RELEASED:
        cells = json.loads(notebook.read_text())["cells"]
        text = "".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
        assert "$" in text, f"{notebook.name} has no formula: the test would prove nothing"


@pytest.mark.parametrize("name", [p.stem for p in RELEASED])
def test_feedback_page_typesets_its_math_offline(pages, browser, name):
    _, offline = pages[name]
    text, blocked, typeset = _open_offline(browser, offline, wait_for_math=True)
    assert blocked == [], f"{offline.name} requested {blocked[:3]} (the network is blocked)"
    assert typeset > 0, f"{offline.name}: no formula was typeset"
    raw = RAW_TEX.findall(text) and RAW_TEX.search(text).group(0)
    assert not raw, f"{offline.name} shows raw TeX: {raw!r}"


def test_without_inlined_mathjax_the_page_shows_raw_tex(pages, browser):
    """The control: nbgrader's own page loads MathJax from a CDN, which offline fails."""
    plain, _ = pages["momentum"]
    text, blocked, typeset = _open_offline(browser, plain, wait_for_math=False)
    assert any("mathjax" in url.lower() for url in blocked), blocked
    assert typeset == 0 and RAW_TEX.search(text), "raw TeX expected without MathJax"
