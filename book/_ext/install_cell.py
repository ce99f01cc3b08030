"""The one install cell that every notebook a student opens starts with.

A chapter's notebook twin (``book/<chapter>.ipynb``, what the launch buttons open) and
a released assignment notebook (``exercises/<a>/*.ipynb``, what the Exercises pages
offer for download) begin with a short, visible cell that installs ``gradlib`` -- the
exact wheel the book was built with -- when it is missing, and does nothing when it is
there.  The chapter sources (``book/*.md``) and the nbgrader sources (``solutions/``)
hold no copy of it: it is written in by the build, from this one module.

* ``make book`` writes it into the twins (``python book/_ext/install_cell.py
  book/<chapter>.ipynb``) and, as a Sphinx extension, into the site's copies of the
  assignment notebooks (``_build/html/_downloads``); it also copies the wheel that
  ``make dist`` built into the site, ``_build/html/dist/``.
* ``make exercises`` writes it into the released notebooks it generates.

The address comes from the environment, as for the launch buttons: with ``BOOK_URL``
(``https://github.com/<owner>/<repo>``) the cell runs ``%pip install "gradlib[notebooks]
@ <site>/dist/gradlib-<version>-py3-none-any.whl"``, where ``<site>`` is
``BOOK_SITE_URL`` -- the address the book is published at -- or, by default, the
repository's GitHub Pages address ``https://<owner>.github.io/<repo>``.  Colab, Binder
and a hub with internet reach that address; the wheel holds the library only (no
solutions).  Without an address the cell, where gradlib is missing, stops with a
message that says how to install it from a clone of the repository.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import sys
from pathlib import Path

import nbformat
from docutils import nodes
from sphinx.util.docutils import SphinxDirective

REPO = Path(__file__).resolve().parents[2]
TAG = "install-gradlib"
CELL_ID = "install-gradlib"
EXTRAS = "notebooks"  # gradlib[notebooks]: what the chapters use beyond the library (widgets)
_GITHUB_REPO = re.compile(r"^https://github\.com/([A-Za-z0-9_.-]+)/([A-Za-z0-9_.-]+)$")
_HTTP_URL = re.compile(r"^https?://[^\s/]+(/[^\s\"'<>]*)?$")

_CHECK = 'import importlib.util\n\nif importlib.util.find_spec("gradlib") is None:\n'
HEADER = (
    "# Run this cell first: it installs gradlib, the course's library, if it is missing\n"
    "# (on Colab, for example); where gradlib is installed it does nothing.\n" + _CHECK
)
HEADER_NO_ADDRESS = (
    "# Run this cell first: it checks that gradlib, the course's library, is installed,\n"
    "# and says how to install it if it is not.\n" + _CHECK
)

NO_ADDRESS = """\
    raise ModuleNotFoundError(
        "this notebook needs gradlib, the course's library. In a clone of the course's "
        "repository, run `python -m pip install \\".[notebooks]\\"` in its top folder "
        "with the Python of this notebook (or `make book`, which makes .venv with "
        "everything), then run this cell again."
    )"""


class AddressError(ValueError):
    """BOOK_URL or BOOK_SITE_URL cannot give a wheel's address."""


def version(pyproject: Path = REPO / "pyproject.toml") -> str:
    """gradlib's version, as pyproject.toml declares it (``version = "..."``)."""
    match = re.search(r'^version = "([^"]+)"$', pyproject.read_text(), re.M)
    if match is None:
        raise ValueError(f"{pyproject} declares no version")
    return match.group(1)


def wheel_name(ver: str | None = None) -> str:
    """The file name of gradlib's (pure-Python) wheel."""
    return f"gradlib-{ver or version()}-py3-none-any.whl"


def site_address(environ) -> str | None:
    """Where the book is published, from ``BOOK_SITE_URL`` or ``BOOK_URL``; None without both."""
    site = environ.get("BOOK_SITE_URL", "").strip().removesuffix("/")
    book = environ.get("BOOK_URL", "").strip().removesuffix("/").removesuffix(".git")
    if site:
        if not _HTTP_URL.match(site):
            raise AddressError(f"BOOK_SITE_URL must be an http(s) address; got {site!r}")
        return site
    if not book:
        return None
    match = _GITHUB_REPO.match(book)
    if match is None:
        raise AddressError(
            "BOOK_URL must be https://github.com/<owner>/<repository>; got "
            f"{environ.get('BOOK_URL')!r}"
        )
    owner, repo = match.groups()
    return f"https://{owner.lower()}.github.io/{repo}"


def wheel_address(environ) -> str | None:
    """The address of the site's copy of the wheel, or None when the book has no address."""
    site = site_address(environ)
    return None if site is None else f"{site}/dist/{wheel_name()}"


def install_source(wheel_url: str | None) -> str:
    """The cell's source: install the wheel at ``wheel_url``, or say how to without one."""
    if wheel_url is not None:
        if not _HTTP_URL.match(wheel_url):
            raise AddressError(f"the wheel's address must be an http(s) address; got {wheel_url!r}")
        return (
            HEADER + f'    %pip install --quiet "gradlib[{EXTRAS}] @ {wheel_url}"\n'
            "    importlib.invalidate_caches()"
        )
    return HEADER_NO_ADDRESS + NO_ADDRESS


def is_install_cell(cell) -> bool:
    return TAG in cell.get("metadata", {}).get("tags", [])


def with_install_cell(nb, wheel_url: str | None):
    """``nb`` (an nbformat notebook) starting with exactly one install cell for ``wheel_url``."""
    cell = nbformat.v4.new_code_cell(install_source(wheel_url), metadata={"tags": [TAG]})
    if nb.nbformat_minor >= 5 or nb.nbformat > 4:
        cell["id"] = CELL_ID
    else:
        cell.pop("id", None)
    nb.cells = [cell] + [c for c in nb.cells if not is_install_cell(c)]
    return nb


def write_install_cell(path: Path, wheel_url: str | None) -> bool:
    """Give the notebook at ``path`` its install cell; True if the file changed."""
    path = Path(path)
    before = path.read_text(encoding="utf-8")
    nb = nbformat.reads(before, as_version=4)
    after = nbformat.writes(with_install_cell(nb, wheel_url)) + "\n"
    # Keep the file's own JSON layout (jupytext and nbgrader write one space of indent).
    indent = 1 if before.startswith('{\n "') else 2
    after = json.dumps(json.loads(after), indent=indent, ensure_ascii=False) + "\n"
    if after == before:
        return False
    path.write_text(after, encoding="utf-8")
    return True


# ------------------------------------------------------------------ the Sphinx extension


class install_line(nodes.General, nodes.Element):  # noqa: N801 -- docutils' node naming
    """Where a page shows the install line; filled in when the page is written."""


class InstallLine(SphinxDirective):
    """``{install-line}``: the install cell's line for this build's address.

    The line is put in when the page is written (``doctree-resolved``), not when it is
    read: a build with another address rewrites the pages without parsing them again.
    """

    def run(self):
        return [install_line()]


def install_line_nodes(url: str | None) -> list[nodes.Node]:
    """What a page shows: the line with the site's wheel, or how to install from a clone."""
    if url is not None:
        line = f'%pip install "gradlib[{EXTRAS}] @ {url}"'
        return [nodes.literal_block(line, line, language="ipython3")]
    para = nodes.paragraph()
    para += nodes.Text("This copy of the book has no public address: install gradlib from a ")
    para += nodes.Text("clone of the course's repository, with ")
    para += nodes.literal(text='python -m pip install ".[notebooks]"')
    para += nodes.Text(" in its top folder (or ")
    para += nodes.literal(text="make book")
    para += nodes.Text(", which makes .venv with everything).")
    return [para]


def _resolve_install_lines(app, doctree, docname):
    found = list(doctree.findall(install_line))
    if found:
        url = wheel_address(os.environ)
        for node in found:
            node.replace_self(install_line_nodes(url))


def _site_wheel(app, exception):
    """Copy the wheel into the site and give the downloadable notebooks the install cell."""
    if exception is not None or app.builder.format != "html":
        return
    outdir = Path(app.outdir)
    url = wheel_address(os.environ)
    wheel = REPO / "dist" / wheel_name()
    if wheel.exists():
        (outdir / "dist").mkdir(exist_ok=True)
        shutil.copy2(wheel, outdir / "dist" / wheel.name)
    elif url is not None:
        raise FileNotFoundError(
            f"{wheel.relative_to(REPO)} is missing, and the notebooks of a book with an "
            "address install it from the site: run `make dist` first (`make book` does)"
        )
    for notebook in outdir.glob("_downloads/**/*.ipynb"):
        write_install_cell(notebook, url)


def _check_address(app, config):
    try:
        wheel_address(os.environ)
    except AddressError as err:
        from sphinx.errors import ConfigError

        raise ConfigError(str(err)) from None


def _skip(self, node):
    raise nodes.SkipNode


def setup(app):
    app.add_node(install_line, html=(_skip, None), latex=(_skip, None), text=(_skip, None))
    app.add_directive("install-line", InstallLine)
    app.connect("doctree-resolved", _resolve_install_lines)
    app.connect("config-inited", _check_address)
    app.connect("build-finished", _site_wheel)
    return {"parallel_read_safe": True, "parallel_write_safe": True}


def main(argv: list[str]) -> int:
    """``python book/_ext/install_cell.py NOTEBOOK...``, the address read from the environment."""
    if not argv:
        print(__doc__.split("\n\n")[0], "\nusage: install_cell.py NOTEBOOK...", file=sys.stderr)
        return 2
    try:
        url = wheel_address(os.environ)
    except AddressError as err:
        print(f"install_cell.py: {err}", file=sys.stderr)
        return 2
    for name in argv:
        write_install_cell(Path(name), url)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
