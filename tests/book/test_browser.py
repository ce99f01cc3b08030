"""The built book in a real browser: Debian's chromium, headless, driven by Playwright.

``_build/html`` is served on localhost and every page is opened with the network
blocked except localhost (the site must work offline, in a classroom without
internet).  Each page must load without JavaScript errors or outside requests,
typeset its math, load its images, keep its links working, and make its
animations and explorers respond; it must show no solution.  Screenshots of every
chapter (desktop and phone width) are written to ``_build/screenshots/``.
"""

from __future__ import annotations

import functools
import http.server
import os
import re
import shutil
import sys
import threading
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
import yaml
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import sync_playwright

from conftest import REPO

sys.path.insert(0, str(REPO / "tests" / "assignments"))
from test_release import solution_lines  # noqa: E402

SITE = REPO / "_build" / "html"
SHOTS = REPO / "_build" / "screenshots"
CHROMIUM = os.environ.get("CHROMIUM", shutil.which("chromium") or "/usr/bin/chromium")
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
PHONE = {"width": 390, "height": 844}


def _toc_pages() -> list[str]:
    """The documents of _toc.yml in reading order, e.g. ``book/chain_rule``."""
    toc = yaml.safe_load((REPO / "_toc.yml").read_text())
    order = [toc["root"]]

    def walk(entries):
        for entry in entries or []:
            if "file" in entry:
                order.append(entry["file"])
            walk(entry.get("sections"))
            for part in entry.get("parts", []):
                walk(part.get("chapters"))

    for part in toc.get("parts", []):
        walk(part.get("chapters"))
    walk(toc.get("chapters"))
    return [str(Path(p).with_suffix("")) for p in order]


TOC = _toc_pages()
PAGES = sorted(
    str(p.relative_to(SITE))
    for p in (SITE.rglob("*.html") if SITE.exists() else [])
    if not str(p.relative_to(SITE)).startswith("_")  # theme templates, not pages
)
CHAPTERS = [f"{p}.html" for p in TOC if p.startswith("book/") and "/" not in p[5:]]
# the chapters that teach (with learning objectives), as opposed to the preface or references
LESSONS = [f"{p}.html" for p in TOC if "Learning objectives" in (REPO / f"{p}.md").read_text()]


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):  # keep the test output clean
        pass


class _Server(http.server.ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        # a page closed while a file was still being sent: not an error of the site
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


@pytest.fixture(scope="module")
def server():
    assert (SITE / "index.html").exists(), "no built book: run `make book` first (make test does)"
    handler = functools.partial(_Quiet, directory=str(SITE))
    httpd = _Server(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


@pytest.fixture(scope="module")
def browser():
    assert Path(CHROMIUM).exists(), (
        f"no chromium at {CHROMIUM}: install Debian's chromium (`make test` does: "
        "apt-get install chromium), or set CHROMIUM to its path"
    )
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS, headless=True)
        yield browser
        browser.close()


class Visit:
    """One page opened in a fresh context with everything but localhost blocked."""

    def __init__(self, browser, server: str, path: str, viewport=None, color_scheme="light"):
        self.blocked: list[str] = []
        self.errors: list[str] = []
        self.context = browser.new_context(
            viewport=viewport or {"width": 1280, "height": 900}, color_scheme=color_scheme
        )
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.on("pageerror", lambda exc: self.errors.append(f"uncaught: {exc}"))
        self.page.on(
            "response",
            lambda r: self.errors.append(f"HTTP {r.status}: {r.url}") if r.status >= 400 else None,
        )
        self.page.on(
            "console",
            lambda msg: self.errors.append(f"console: {msg.text}") if msg.type == "error" else None,
        )
        self.url = f"{server}/{path}"
        self.page.goto(self.url, wait_until="load")
        if 'http-equiv="refresh"' in (SITE / path.split("?")[0]).read_text().lower():
            # a redirect page (index.html): test the page it leads to
            self.page.wait_for_url(lambda url: not url.startswith(self.url), timeout=10_000)
            self.page.wait_for_load_state("load")

    def _route(self, route):
        host = urlsplit(route.request.url).hostname
        if route.request.url.startswith(("data:", "blob:")) or host in ("127.0.0.1", "localhost"):
            route.continue_()
        else:
            self.blocked.append(route.request.url)
            route.abort()

    def close(self):
        self.context.close()


@pytest.fixture
def visit(browser, server):
    opened = []

    def open_page(path, **kwargs):
        v = Visit(browser, server, path, **kwargs)
        opened.append(v)
        return v

    yield open_page
    for v in opened:
        v.close()


def _wait_for_math(page) -> None:
    page.wait_for_function("() => window.MathJax && window.MathJax.startup", timeout=20_000)
    page.evaluate("() => window.MathJax.startup.promise")


@pytest.mark.parametrize("path", PAGES)
def test_page_loads_offline_without_errors(visit, path):
    v = visit(path)
    page = v.page
    if page.locator(".math").count():
        _wait_for_math(page)
        typeset = page.locator("mjx-container").count()
        assert typeset >= page.locator(".math").count(), f"{path}: math left untypeset"
        assert page.locator("mjx-merror").count() == 0, f"{path}: MathJax reports a TeX error"
    broken = page.evaluate(
        """() => Array.from(document.images)
             .filter(i => !(i.complete && i.naturalWidth > 0))
             .map(i => (i.getAttribute('src') || '').slice(0, 80))"""
    )
    assert not broken, f"{path}: images that did not load: {broken}"
    page.wait_for_load_state("networkidle")
    assert not v.errors, f"{path}: JavaScript errors: {v.errors}"
    assert not v.blocked, f"{path}: requests leaving localhost (the site must work offline): " + (
        ", ".join(v.blocked[:5])
    )


def _anchors(html_path: Path) -> set[str]:
    return set(re.findall(r'\bid="([^"]+)"', html_path.read_text()))


@pytest.mark.parametrize("path", PAGES)
def test_internal_links_resolve(visit, server, path):
    page = visit(path).page
    hrefs = page.evaluate("() => Array.from(document.querySelectorAll('a[href]'), a => a.href)")
    missing = []
    for href in {h for h in hrefs if h.startswith(server)}:
        parts = urlsplit(href)
        target = SITE / unquote(parts.path).lstrip("/")
        if target.is_dir():
            target = target / "index.html"
        if not target.is_file():
            missing.append(href[len(server) :])
        elif parts.fragment and target.suffix == ".html":
            if unquote(parts.fragment) not in _anchors(target):
                missing.append(href[len(server) :])
    assert not missing, f"{path}: links to nothing: {sorted(missing)[:10]}"


@pytest.mark.parametrize("path", PAGES)
def test_no_solution_is_shown(visit, path):
    text = visit(path).page.inner_text("body")
    shown = [line for line in solution_lines() if line in text]
    assert not shown, f"{path} shows solution code: {shown[:3]}"


@pytest.mark.parametrize("path", CHAPTERS)
def test_animations_play_and_explorers_respond(visit, path):
    page = visit(path).page
    interactive = page.locator("div.animation").count() + page.locator(".gradlib-explorer").count()
    if path in LESSONS:
        assert interactive, f"{path}: a chapter needs an animation or an explorer"
    for k in range(page.locator("div.animation").count()):
        anim = page.locator("div.animation").nth(k)
        anim.scroll_into_view_if_needed()
        img, slider = anim.locator("img").first, anim.locator("input[type=range]").first
        before = (img.get_attribute("src"), slider.input_value())
        anim.locator("button[title='Play'], button[onclick*='play_animation']").first.click()
        try:  # a frame every few hundred ms; allow a slow machine 5 s for the first
            slider.evaluate(
                "(el, start) => new Promise((done, fail) => {"
                "  const t0 = Date.now();"
                "  const poll = () => el.value !== start ? done()"
                "    : Date.now() - t0 > 5000 ? fail('stuck') : setTimeout(poll, 50);"
                "  poll(); })",
                before[1],
            )
        except PlaywrightError:
            pass  # reported by the assertion below
        after = (img.get_attribute("src"), slider.input_value())
        assert after[1] != before[1] and after[0] != before[0], (
            f"{path}: animation {k} did not play"
        )
    for k in range(page.locator(".gradlib-explorer").count()):
        explorer = page.locator(".gradlib-explorer").nth(k)
        img = explorer.locator("img")
        for s in range(explorer.locator("input[type=range]").count()):
            slider = explorer.locator("input[type=range]").nth(s)
            before = img.get_attribute("src")
            value = slider.input_value()
            new = "0" if value != "0" else slider.get_attribute("max")
            slider.fill(new)  # sets the value and fires the input event
            assert img.get_attribute("src") != before, f"{path}: explorer {k} slider {s} is dead"
            assert img.get_attribute("alt"), f"{path}: explorer {k} picture has no alt text"


@pytest.mark.parametrize("path", CHAPTERS)
def test_figures_have_alt_text_and_opaque_backgrounds(visit, path):
    page = visit(path).page
    page.wait_for_load_state("networkidle")
    info = page.evaluate(
        """() => Array.from(document.querySelectorAll('main img')).map(img => {
             const c = document.createElement('canvas');
             c.width = img.naturalWidth; c.height = img.naturalHeight;
             const g = c.getContext('2d'); g.drawImage(img, 0, 0);
             const corner = g.getImageData(1, 1, 1, 1).data[3];
             return {src: (img.getAttribute('src') || '').slice(0, 60),
                     alt: img.getAttribute('alt') || '', corner: corner,
                     logo: !!img.closest('.navbar-brand, .logo')};
           })"""
    )
    figures = [i for i in info if not i["logo"]]
    no_alt = [i["src"] for i in figures if not i["alt"].strip()]
    assert not no_alt, f"{path}: figures without alt text: {no_alt}"
    clear = [i["src"] for i in figures if i["corner"] < 255]
    assert not clear, f"{path}: figures with a transparent background (unreadable in dark mode)"


@pytest.mark.parametrize("path", CHAPTERS)
def test_chapters_fit_a_phone_and_screenshots(visit, path):
    SHOTS.mkdir(parents=True, exist_ok=True)
    name = Path(path).stem
    desktop = visit(path).page
    if desktop.locator(".math").count():
        _wait_for_math(desktop)
    desktop.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
    phone = visit(path, viewport=PHONE, color_scheme="dark").page
    if phone.locator(".math").count():
        _wait_for_math(phone)
    overflow = phone.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    phone.screenshot(path=str(SHOTS / f"{name}-phone.png"))
    assert overflow <= 1, f"{path}: the page is {overflow}px wider than a phone screen"


def test_previous_and_next_follow_the_table_of_contents(visit):
    page = visit(f"{TOC[0]}.html").page  # index.html only redirects to it
    seen = []
    for _ in range(len(TOC) + 2):
        seen.append(urlsplit(page.url).path.lstrip("/").removesuffix(".html"))
        nxt = page.locator("a.right-next")
        if not nxt.count():
            break
        nxt.first.click()
        page.wait_for_load_state("load")
    assert seen == TOC


SEARCHES = {  # a word a student would search for -> the page that must come up
    "chain rule": "book/chain_rule",
    "backpropagation": "book/backprop",
    "Adam": "book/adaptive",
    "RMSprop": "book/adaptive",
    "Nesterov": "book/momentum",
    "Rprop": "book/beyond_gradients",
    "minibatch": "book/sgd",
    "dropout": "book/training",
}


@pytest.mark.parametrize("query", [q for q, page in SEARCHES.items() if page in TOC])
def test_search_finds_the_methods(visit, query):
    page = visit(f"search.html?q={query}").page
    page.wait_for_selector("#search-results li", timeout=20_000)
    found = page.evaluate(
        "() => Array.from(document.querySelectorAll('#search-results li a'), a => a.href)"
    )
    assert any(SEARCHES[query] + ".html" in href for href in found), (query, found[:5])
