"""Launch buttons: none without an address; with one, each chapter opens its own notebook.

The default build (``_build/html``, made by ``make book``) must have no launch or
repository button.  A second build with an example address (``BOOK_URL``, as
``make book BOOK_URL=...`` passes it) goes into a temporary folder and starts from copies
of the default build's execution cache, parsed pages and executed notebooks, so it only
writes the pages again (the address changes the theme's options, not the pages' content).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from html import unescape
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import jupytext
import nbformat
import pytest
from sphinx.errors import ConfigError

from conftest import BIN, REPO

sys.path.insert(0, str(REPO / "book" / "_ext"))
from install_cell import install_source, is_install_cell, wheel_name  # noqa: E402
from launch import launch_options  # noqa: E402

SITE = REPO / "_build" / "html"
CHAPTERS = sorted(p.stem for p in (REPO / "book").glob("*.md") if "\nkernelspec:" in p.read_text())
EXAMPLE = {
    "BOOK_URL": "https://github.com/example-org/backprop-course",
    "JUPYTERHUB_URL": "https://hub.example.edu",
}
BUTTON_MARKERS = ("launch-buttons", "mybinder.org", "colab.research.google.com", "git-pull?")


def _hrefs(page: Path) -> list[str]:
    return [unescape(h) for h in re.findall(r'href="([^"]+)"', page.read_text())]


def test_the_chapters_are_the_notebooks():
    assert len(CHAPTERS) == 9, CHAPTERS


# ------------------------------------------------------------------ the default build


def test_default_build_has_no_launch_or_repository_buttons():
    pages = list(SITE.rglob("*.html"))
    assert pages, "no built book: run `make book` first (make test does)"
    for page in pages:
        text = page.read_text()
        for marker in BUTTON_MARKERS:
            assert marker not in text, f"{page.relative_to(SITE)} has {marker!r} without BOOK_URL"
        assert "Source repository" not in text, f"{page.relative_to(SITE)} has a repository button"


# ------------------------------------------------------------------ the notebooks they open


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_each_chapter_has_its_notebook_twin(chapter):
    """book/<chapter>.ipynb is the install cell, then the chapter's .md converted by jupytext
    (`make book` keeps it)."""
    twin = REPO / "book" / f"{chapter}.ipynb"
    assert twin.exists(), f"book/{chapter}.ipynb is missing: run `make book` and commit it"
    md = jupytext.read(REPO / "book" / f"{chapter}.md")
    nb = nbformat.read(twin, as_version=4)

    def cells(notebook):
        return [(c.cell_type, c.source, c.metadata.get("tags", [])) for c in notebook.cells]

    assert nb.cells and is_install_cell(nb.cells[0]), f"book/{chapter}.ipynb: run `make book`"
    assert cells(nb)[1:] == cells(md), f"book/{chapter}.ipynb is out of date: run `make book`"
    assert all(not c.get("outputs") for c in nb.cells), "the twin is committed without outputs"
    # the committed twin has the install cell of a book without an address, or of one with
    assert nb.cells[0].source in (install_source(None), install_source(_wheel_in(nb.cells[0])))


def _wheel_in(cell) -> str | None:
    found = re.search(r'@ (https://[^"]+\.whl)"', cell.source)
    return found.group(1) if found else None


def test_chapter_sources_carry_no_install_cell():
    """The install cell is written into the twins by the build, from one module."""
    for chapter in CHAPTERS:
        for cell in jupytext.read(REPO / "book" / f"{chapter}.md").cells:
            for mark in ("%pip", "find_spec(", "subprocess"):
                assert mark not in cell.source, f"book/{chapter}.md has an install step ({mark})"
            assert "myst_nb" not in cell.source, (
                f"book/{chapter}.md needs myst-nb outside the build"
            )


# ------------------------------------------------------------------ the options


def test_launch_options_without_an_address_add_nothing():
    assert launch_options({}) is None
    assert launch_options({"BOOK_URL": "  ", "JUPYTERHUB_URL": "https://hub.example.edu"}) is None


@pytest.mark.parametrize(
    "url",
    [
        "github.com/org/repo",
        "https://gitlab.com/org/repo",
        "https://github.com/org",
        "https://github.com/org/repo/tree/main",
        "https://github.com/org/re po",
    ],
)
def test_launch_options_reject_an_address_the_buttons_cannot_use(url):
    with pytest.raises(ConfigError, match=r"https://github.com/<owner>/<repository>.*got"):
        launch_options({"BOOK_URL": url})


def test_launch_options_reject_bad_hub_and_branch():
    with pytest.raises(ConfigError, match="JUPYTERHUB_URL must be an http"):
        launch_options({"BOOK_URL": EXAMPLE["BOOK_URL"], "JUPYTERHUB_URL": "hub.example.edu"})
    with pytest.raises(ConfigError, match="BOOK_BRANCH must be a branch name"):
        launch_options({"BOOK_URL": EXAMPLE["BOOK_URL"], "BOOK_BRANCH": "main; rm -rf"})


def test_launch_options_with_an_address():
    options = launch_options({**EXAMPLE, "BOOK_URL": EXAMPLE["BOOK_URL"] + ".git"})
    assert options["repository_url"] == EXAMPLE["BOOK_URL"]
    assert options["repository_branch"] == "main" and options["use_repository_button"]
    assert options["launch_buttons"] == {
        "notebook_interface": "jupyterlab",
        "binderhub_url": "https://mybinder.org",
        "colab_url": "https://colab.research.google.com",
        "jupyterhub_url": "https://hub.example.edu",
    }


# ------------------------------------------------------------------ a build with an address


@pytest.fixture(scope="module")
def site_with_address(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("book-with-address")
    for state in (".jupyter_cache", ".doctrees", "jupyter_execute"):
        made = REPO / "_build" / state
        assert made.is_dir(), f"no {made}: run `make book` first (make test does)"
        shutil.copytree(made, out / "_build" / state)
    env = {**os.environ, **EXAMPLE, "BOOK_BRANCH": "main"}
    args = [str(BIN / "jupyter-book"), "build", str(REPO), "--path-output", str(out)]
    args += ["--warningiserror", "--keep-going"]
    proc = subprocess.run(args, cwd=REPO, env=env, capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    log = proc.stdout + proc.stderr
    assert "Executing notebook" not in log, "the execution cache was not reused"
    assert "0 added, 0 changed, 0 removed" in log, "the pages were parsed again"
    return out / "_build" / "html"


def _expected(chapter: str) -> dict[str, str]:
    """The address each service needs to open book/<chapter>.ipynb of the example repository."""
    repo, owner_repo = EXAMPLE["BOOK_URL"], "example-org/backprop-course"
    path = f"book/{chapter}.ipynb"
    return {
        "binder": f"https://mybinder.org/v2/gh/{owner_repo}/main?urlpath=lab/tree/{path}",
        "colab": f"https://colab.research.google.com/github/{owner_repo}/blob/main/{path}",
        # nbgitpuller: the hub clones the repository into ~/backprop-course, then opens the file
        "hub": {
            "repo": [repo],
            "urlpath": [f"lab/tree/backprop-course/{path}"],
            "branch": ["main"],
        },
    }


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_every_chapter_launches_its_own_notebook(site_with_address, chapter):
    hrefs = _hrefs(site_with_address / "book" / f"{chapter}.html")
    expected = _expected(chapter)
    for service in ("binder", "colab"):
        assert expected[service] in hrefs, f"{chapter}: no {service} button {expected[service]}"
    hub = [h for h in hrefs if h.startswith("https://hub.example.edu/hub/user-redirect/git-pull?")]
    assert len(hub) == 1, f"{chapter}: no JupyterHub button"
    assert parse_qs(urlsplit(hub[0]).query) == expected["hub"]
    assert EXAMPLE["BOOK_URL"] in hrefs, f"{chapter}: no repository button"
    # every launch target is this chapter's twin notebook, which exists in the repository
    opened = [h for h in hrefs if h.startswith(("https://mybinder.org/", "https://colab."))]
    opened += parse_qs(urlsplit(hub[0]).query)["urlpath"]
    assert len(opened) == 3 and all(t.endswith(f"/book/{chapter}.ipynb") for t in opened)
    assert (REPO / "book" / f"{chapter}.ipynb").is_file()


def test_pages_that_are_not_notebooks_have_only_the_repository_button(site_with_address):
    for page in ["book/intro.html", "book/notation.html", "book/exercises/index.html"]:
        text = (site_with_address / page).read_text()
        assert "launch-buttons" not in text and "mybinder.org" not in text, page
        assert EXAMPLE["BOOK_URL"] in _hrefs(site_with_address / page), page


def test_nothing_points_into_solutions_and_no_sources_are_copied(site_with_address):
    assert not (site_with_address / "_sources").exists(), "the theme's notebook copies remain"
    for page in site_with_address.rglob("*.html"):
        for href in _hrefs(page):
            assert "solutions/" not in href, f"{page.relative_to(site_with_address)}: {href}"
            assert "/_sources/" not in href, f"{page.relative_to(site_with_address)}: {href}"


def test_the_downloadable_notebooks_install_the_sites_wheel(site_with_address):
    """Built with an address, the site's assignment notebooks install its own copy of the wheel."""
    site = "https://example-org.github.io/backprop-course"
    wheel = REPO / "dist" / wheel_name()
    assert (site_with_address / "dist" / wheel.name).read_bytes() == wheel.read_bytes()
    downloads = sorted((site_with_address / "_downloads").glob("**/*.ipynb"))
    assert len(downloads) == 9, downloads
    for path in downloads:
        first = nbformat.read(path, as_version=4).cells[0]
        assert is_install_cell(first), path
        assert first.source == install_source(f"{site}/dist/{wheel.name}"), path


def test_the_exercises_page_shows_the_install_line_of_the_site(site_with_address):
    """No clone: the page gives the line the notebooks' first cell runs."""
    text = unescape(
        re.sub(r"<[^>]+>", "", (site_with_address / "book/exercises/index.html").read_text())
    )
    wheel = f"https://example-org.github.io/backprop-course/dist/{wheel_name()}"
    assert f'%pip install "gradlib[notebooks] @ {wheel}"' in text
    assert "has no public address" not in text
