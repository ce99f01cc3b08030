"""The install cell that every chapter twin and released assignment notebook starts with.

It is written by book/_ext/install_cell.py, from the book's address (BOOK_URL, and
BOOK_SITE_URL where the site is published): with one it installs the site's copy of the
wheel when gradlib is missing and does nothing when it is there; without one it says how to
install gradlib from a clone.  No notebook, in any build, shows a placeholder.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
import sys

import pytest
from IPython.core.inputtransformer2 import TransformerManager

from conftest import REPO, built_page_text

sys.path.insert(0, str(REPO / "book" / "_ext"))
from install_cell import (  # noqa: E402
    AddressError,
    install_source,
    is_install_cell,
    wheel_address,
    wheel_name,
)

SCRIPT = REPO / "book" / "_ext" / "install_cell.py"
SITE = REPO / "_build" / "html"
EXAMPLE = "https://github.com/example-org/example-course"
EXAMPLE_WHEEL = f"https://example-org.github.io/example-course/dist/{wheel_name()}"
TWINS = sorted(
    REPO / "book" / f"{p.stem}.ipynb"
    for p in (REPO / "book").glob("*.md")
    if "\nkernelspec:" in p.read_text()
)
RELEASED = sorted((REPO / "exercises").glob("*/*.ipynb"))
# What a placeholder looks like: an address left for the reader to fill in.
PLACEHOLDERS = ("<", "address>", "git+", "example.com")


def _run_cell(source: str, monkeypatch, gradlib_installed: bool) -> list[tuple[str, str]]:
    """Run the cell as IPython would, with gradlib present or not; return the magics it ran."""
    magics = []

    class Shell:
        def run_line_magic(self, name, line):
            magics.append((name, line))

    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util,
        "find_spec",
        lambda name, *a: (
            (real(name, *a) if gradlib_installed else None) if name == "gradlib" else real(name, *a)
        ),
    )
    exec(TransformerManager().transform_cell(source), {"get_ipython": Shell})
    return magics


def _first_cell(path) -> dict:
    return json.loads(path.read_text())["cells"][0]


def test_with_an_address_the_cell_installs_the_sites_wheel_when_gradlib_is_missing(monkeypatch):
    source = install_source(wheel_address({"BOOK_URL": EXAMPLE}))
    magics = _run_cell(source, monkeypatch, gradlib_installed=False)
    assert magics == [("pip", f'install --quiet "gradlib[notebooks] @ {EXAMPLE_WHEEL}"')]


def test_the_cell_does_nothing_when_gradlib_is_installed(monkeypatch):
    for url in (None, EXAMPLE_WHEEL):
        assert _run_cell(install_source(url), monkeypatch, gradlib_installed=True) == []


def test_without_an_address_the_cell_says_how_to_install_from_a_clone(monkeypatch):
    with pytest.raises(ModuleNotFoundError, match=r'pip install \\?"\.\[notebooks\]'):
        _run_cell(install_source(None), monkeypatch, gradlib_installed=False)


def test_the_address_of_the_wheel():
    assert wheel_address({}) is None
    assert wheel_address({"BOOK_URL": EXAMPLE + ".git/"}) == EXAMPLE_WHEEL
    site = {"BOOK_URL": EXAMPLE, "BOOK_SITE_URL": "https://course.example.edu/backprop/"}
    assert wheel_address(site) == f"https://course.example.edu/backprop/dist/{wheel_name()}"
    for bad in ({"BOOK_URL": "https://gitlab.com/a/b"}, {"BOOK_SITE_URL": "course.edu"}):
        with pytest.raises(AddressError, match="got"):
            wheel_address(bad)


def _write(paths, tmp_path, **environ):
    copies = []
    for path in paths:
        copy = tmp_path / path.parent.name / path.name
        copy.parent.mkdir(parents=True, exist_ok=True)
        copies.append(shutil.copy(path, copy))
    env = {k: v for k, v in os.environ.items() if k not in ("BOOK_URL", "BOOK_SITE_URL")}
    proc = subprocess.run(
        [sys.executable, str(SCRIPT), *map(str, copies)],
        env={**env, **environ},
        capture_output=True,
        text=True,
    )
    return proc, copies


def test_built_with_an_address_every_notebook_has_the_real_install_line(tmp_path):
    """What `make book BOOK_URL=...` does to the twins and the site to its notebooks."""
    proc, copies = _write(TWINS + RELEASED, tmp_path, BOOK_URL=EXAMPLE)
    assert proc.returncode == 0, proc.stderr
    line = f'%pip install --quiet "gradlib[notebooks] @ {EXAMPLE_WHEEL}"'
    for original, copy in zip(TWINS + RELEASED, copies, strict=True):
        cells, before = json.loads(copy.read_text())["cells"], json.loads(original.read_text())
        assert line in "".join(cells[0]["source"]), copy
        assert sum(is_install_cell(c) for c in cells) == 1, f"{copy}: install cells repeated"
        assert cells[1:] == before["cells"][1:], f"{copy}: other cells changed"
    # written again, nothing changes
    again, _ = _write(copies, tmp_path / "again", BOOK_URL=EXAMPLE)
    assert again.returncode == 0
    for copy in copies:
        assert (tmp_path / "again" / copy.parent.name / copy.name).read_text() == copy.read_text()


def test_a_bad_address_stops_with_the_reason(tmp_path):
    proc, _ = _write(TWINS[:1], tmp_path, BOOK_URL="https://gitlab.com/org/repo")
    assert proc.returncode == 2 and "https://github.com/<owner>/<repository>" in proc.stderr


def test_no_committed_or_built_notebook_shows_a_placeholder():
    downloads = sorted((SITE / "_downloads").glob("**/*.ipynb"))
    assert len(downloads) == len(RELEASED), "no built book: run `make book` (make test does)"
    for path in TWINS + RELEASED + downloads:
        cell = _first_cell(path)
        assert is_install_cell(cell), f"{path} does not start with the install cell"
        source = "".join(cell["source"])
        for mark in PLACEHOLDERS:
            assert mark not in source, f"{path}: {mark!r} in the install cell"


def test_the_site_carries_the_wheel_it_was_built_with():
    wheel = REPO / "dist" / wheel_name()
    assert (SITE / "dist" / wheel.name).read_bytes() == wheel.read_bytes()


def test_the_exercises_page_says_how_to_install_without_an_address():
    text = built_page_text(SITE / "book" / "exercises" / "index.html")
    assert 'python -m pip install ".[notebooks]"' in text
    assert "%pip" not in text and "<" not in text.split("Run its first cell")[1][:600]
