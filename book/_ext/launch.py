"""Launch buttons and the repository button, once the book has a public address.

``make book BOOK_URL=https://github.com/<owner>/<repository>`` (the variable reaches the
build through the environment) turns on, on every chapter, the theme's buttons that
open the chapter's notebook in Binder, in Colab and, if ``JUPYTERHUB_URL`` is given,
on that JupyterHub (through nbgitpuller), plus a button that links to the repository.
Without ``BOOK_URL`` nothing is added: a book without an address has nowhere to send
its readers.

The chapters are MyST-markdown notebooks; the buttons open their jupytext-paired
``book/<chapter>.ipynb`` twins, which sphinx-book-theme picks because they exist next
to the ``.md`` files.  Environment variables (all optional but ``BOOK_URL``):

==================  ==========================================  =========================
variable            meaning                                     default
==================  ==========================================  =========================
``BOOK_URL``        the repository on GitHub                    (no buttons)
``BOOK_BRANCH``     the branch the buttons open                 ``main``
``BINDERHUB_URL``   a BinderHub                                 ``https://mybinder.org``
``COLAB_URL``       Google Colab                                ``https://colab.research.google.com``
``JUPYTERHUB_URL``  the course's JupyterHub (with nbgitpuller)  (no JupyterHub button)
==================  ==========================================  =========================

The theme also copies each executed chapter notebook into ``_sources/`` for a download
button the book does not show; that folder is removed after the build, as the site
publishes no page sources.
"""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

from sphinx.errors import ConfigError

_GITHUB_REPO = re.compile(r"^https://github\.com/[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")
_HTTP_URL = re.compile(r"^https?://[^\s/]+(/[^\s]*)?$")

DEFAULTS = {
    "BOOK_BRANCH": "main",
    "BINDERHUB_URL": "https://mybinder.org",
    "COLAB_URL": "https://colab.research.google.com",
    "JUPYTERHUB_URL": "",
}


def launch_options(environ) -> dict | None:
    """The theme options the variables in ``environ`` ask for, or None without ``BOOK_URL``.

    Raises ConfigError, saying what was expected, for an address the buttons cannot use.
    """
    url = environ.get("BOOK_URL", "").strip().removesuffix("/").removesuffix(".git")
    if not url:
        return None
    if not _GITHUB_REPO.match(url):
        raise ConfigError(
            "BOOK_URL must be the address of the book's repository on GitHub, "
            f"https://github.com/<owner>/<repository> (Binder and Colab open notebooks from "
            f"GitHub); got {environ.get('BOOK_URL')!r}"
        )
    values = {name: environ.get(name, "").strip() or default for name, default in DEFAULTS.items()}
    for name in ("BINDERHUB_URL", "COLAB_URL", "JUPYTERHUB_URL"):
        if values[name] and not _HTTP_URL.match(values[name]):
            raise ConfigError(f"{name} must be an http(s) address; got {values[name]!r}")
    if not re.fullmatch(r"[A-Za-z0-9_./-]+", values["BOOK_BRANCH"]):
        raise ConfigError(f"BOOK_BRANCH must be a branch name; got {values['BOOK_BRANCH']!r}")
    return {
        "repository_url": url,
        "repository_branch": values["BOOK_BRANCH"],
        "path_to_docs": "",  # _config.yml sits at the repository's root
        "use_repository_button": True,
        "launch_buttons": {
            "notebook_interface": "jupyterlab",
            "binderhub_url": values["BINDERHUB_URL"],
            "colab_url": values["COLAB_URL"],
            "jupyterhub_url": values["JUPYTERHUB_URL"],
        },
    }


def _configure(app, config):
    options = launch_options(os.environ)
    if options is not None:
        config.html_theme_options = {**config.html_theme_options, **options}


def _remove_copied_sources(app, exception):
    if exception is not None or app.builder.format != "html" or app.config.html_copy_source:
        return
    shutil.rmtree(Path(app.outdir) / "_sources", ignore_errors=True)


def setup(app):
    app.connect("config-inited", _configure)
    app.connect("build-finished", _remove_copied_sources)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
