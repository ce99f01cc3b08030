"""gradlib as a student gets it: the wheel alone, in a fresh environment outside the repository.

One session fixture makes a virtual environment in a temporary folder with the Python that
runs the tests, installs ``dist/gradlib-<version>-py3-none-any.whl`` (``make dist``) with
its ``notebooks`` extra -- what the notebooks' install cell installs -- plus ``ipykernel``
and ``nbclient`` as the Jupyter that Colab or a hub provides, all pinned by
constraints.txt, and runs there, each in a folder of its own outside the repository:

* every chapter's committed notebook twin (``book/<chapter>.ipynb``), and
* every released assignment notebook (``exercises/<a>/``) with the solutions of
  ``solutions/<a>/`` put into its solution cells: its visible tests must pass.

The book's build tools (myst-nb, jupyter-book) are not installed, and a last cell in
every notebook proves that ``gradlib`` came from the fresh environment.  Before the
notebooks run, gradlib is uninstalled again: the first one, a chapter whose install cell
carries the address of the built site (``_build/html``, served on localhost), must
install the site's copy of the wheel with its own install line.
"""

from __future__ import annotations

import functools
import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import nbformat
import pytest

from conftest import REPO

sys.path.insert(0, str(REPO / "book" / "_ext"))
from install_cell import TAG, wheel_name, with_install_cell  # noqa: E402

SITE = REPO / "_build" / "html"
FROM_THE_SITE = "chapter installing gradlib from the site"

WHEEL = REPO / "dist" / wheel_name()
RUNNER = Path(__file__).with_name("run_notebooks.py")
CHAPTERS = sorted(p.stem for p in (REPO / "book").glob("*.md") if "\nkernelspec:" in p.read_text())
RELEASED = sorted(p.relative_to(REPO / "exercises") for p in (REPO / "exercises").glob("*/*.ipynb"))
SOLUTION_MARKERS = re.compile(r"^[ \t]*### (BEGIN|END) SOLUTION[ \t]*\n?", re.M)


def _grade_id(cell: dict) -> str | None:
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


def solved(released: Path, solution: Path) -> dict:
    """The released notebook with each solution cell's source taken from ``solution``."""
    nb = json.loads(released.read_text())
    answers = {
        _grade_id(c): c
        for c in json.loads(solution.read_text())["cells"]
        if c["metadata"].get("nbgrader", {}).get("solution")
    }
    filled = 0
    for cell in nb["cells"]:
        answer = answers.get(_grade_id(cell))
        if answer is not None:
            src = answer["source"]
            cell["source"] = SOLUTION_MARKERS.sub(
                "", "".join(src) if isinstance(src, list) else src
            )
            filled += 1
    assert filled == len(answers), f"{released}: {len(answers) - filled} solution cell(s) unmatched"
    return nb


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def _clean_env(**extra) -> dict:
    drop = ("PYTHONPATH", "PYTHONHOME", "MPLBACKEND", "VIRTUAL_ENV", "JUPYTER_PATH")
    env = {k: v for k, v in os.environ.items() if k not in drop}
    return {**env, **extra}


@pytest.fixture(scope="session")
def fresh(tmp_path_factory) -> dict:
    assert WHEEL.is_file(), f"no {WHEEL.relative_to(REPO)}: run `make dist` first (make test does)"
    root = tmp_path_factory.mktemp("fresh-install")
    assert REPO not in root.parents
    venv = root / "venv"
    python = venv / "bin" / "python"
    start = time.monotonic()
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, cwd=root)
    install = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    install += ["--no-compile"]  # modules are compiled when imported: what runs, not all
    install += ["-c", str(REPO / "constraints.txt")]
    install += [f"gradlib[notebooks] @ {WHEEL.as_uri()}", "ipykernel", "nbclient"]
    proc = subprocess.run(install, cwd=root, env=_clean_env(), capture_output=True, text=True)
    assert proc.returncode == 0, f"installing the wheel failed:\n{proc.stdout}\n{proc.stderr}"
    installed = time.monotonic() - start

    # The kernel is this environment's Python, whatever kernels the machine has.
    kernels = root / "jupyter" / "kernels" / "python3"
    kernels.mkdir(parents=True)
    argv = [str(python), "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    spec = {"argv": argv, "display_name": "fresh", "language": "python"}
    (kernels / "kernel.json").write_text(json.dumps(spec))

    # The install line itself: gradlib goes again, and the first notebook, a chapter whose
    # install cell has the address of the site (_build/html served here), installs it back.
    uninstall = [str(python), "-m", "pip", "uninstall", "--yes", "--quiet", "gradlib"]
    subprocess.run(uninstall, cwd=root, env=_clean_env(), check=True)
    gone = subprocess.run(
        [str(python), "-c", "import gradlib"], cwd=root, env=_clean_env(), capture_output=True
    )
    assert gone.returncode != 0, "gradlib is still importable after its uninstall"
    assert (SITE / "dist" / WHEEL.name).is_file(), "no built book: run `make book` first"
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(_Quiet, directory=str(SITE))
    )
    threading.Thread(target=server.serve_forever, daemon=True).start()
    site_wheel = f"http://127.0.0.1:{server.server_address[1]}/dist/{WHEEL.name}"
    folder = root / "from-the-site" / CHAPTERS[0]
    folder.mkdir(parents=True)
    twin = nbformat.read(REPO / "book" / f"{CHAPTERS[0]}.ipynb", as_version=4)
    nbformat.write(with_install_cell(twin, site_wheel), folder / f"{CHAPTERS[0]}.ipynb")
    notebooks = {FROM_THE_SITE: folder / f"{CHAPTERS[0]}.ipynb"}
    for chapter in CHAPTERS:
        folder = root / "chapters" / chapter
        folder.mkdir(parents=True)
        notebooks[f"chapter {chapter}"] = shutil.copy(REPO / "book" / f"{chapter}.ipynb", folder)
    for rel in RELEASED:
        folder = root / "assignments" / rel.parent
        shutil.copytree(REPO / "exercises" / rel.parent, folder)
        nb = solved(REPO / "exercises" / rel, REPO / "solutions" / rel)
        (folder / rel.name).write_text(json.dumps(nb))
        notebooks[f"assignment {rel.parent}"] = folder / rel.name

    report = root / "report.json"
    args = [str(python), str(RUNNER), str(report), *map(str, notebooks.values())]
    env = _clean_env(JUPYTER_PATH=str(root / "jupyter"))
    try:
        proc = subprocess.run(args, cwd=root, env=env, capture_output=True, text=True, timeout=1800)
    finally:
        server.shutdown()
    assert proc.returncode == 0, f"the notebook runner failed:\n{proc.stdout}\n{proc.stderr}"
    results = json.loads(report.read_text())
    print(
        f"fresh environment: installed in {installed:.0f} s, notebooks ran in "
        f"{sum(r['seconds'] for r in results.values()):.0f} s"
    )
    return {
        "python": python,
        "venv": venv,
        "results": {name: results[str(path)] for name, path in notebooks.items()},
    }


def test_the_install_cell_installs_the_sites_wheel_where_gradlib_is_missing(fresh):
    """gradlib was uninstalled before: the first notebook's install cell put it back."""
    _check(fresh, FROM_THE_SITE)


def test_the_environment_has_the_wheel_and_not_the_book_tools(fresh):
    code = (
        "import importlib.util, gradlib, ipywidgets\n"
        "print(gradlib.__file__)\n"
        "print([m for m in ('myst_nb', 'jupyter_book', 'sphinx') if importlib.util.find_spec(m)])"
    )
    proc = subprocess.run(
        [str(fresh["python"]), "-c", code],
        cwd=fresh["venv"].parent,
        env=_clean_env(),
        capture_output=True,
        text=True,
        check=True,
    )
    where, build_tools = proc.stdout.splitlines()
    assert Path(where).is_relative_to(fresh["venv"]), where
    assert build_tools == "[]", f"the book's build tools are installed: {build_tools}"


def _check(fresh, name):
    result = fresh["results"][name]
    assert result["ok"], (
        f"{name} failed in a fresh environment with the wheel only:\n{result['error']}"
    )
    assert f"{fresh['venv']}/lib/" in result["where"], (
        f"gradlib came from elsewhere: {result['where']}"
    )


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_chapter_twin_runs_with_the_wheel_only(fresh, chapter):
    _check(fresh, f"chapter {chapter}")


@pytest.mark.parametrize("released", RELEASED, ids=lambda rel: str(rel.parent))
def test_assignment_passes_its_visible_tests_with_the_wheel_only(fresh, released):
    _check(fresh, f"assignment {released.parent}")


def test_every_notebook_a_student_opens_starts_with_the_install_cell():
    for path in [REPO / "book" / f"{c}.ipynb" for c in CHAPTERS]:
        assert TAG in json.loads(path.read_text())["cells"][0]["metadata"].get("tags", []), path
    for rel in RELEASED:
        nb = json.loads((REPO / "exercises" / rel).read_text())
        assert TAG in nb["cells"][0]["metadata"].get("tags", []), rel


def test_the_counts():
    assert len(CHAPTERS) == 9 and len(RELEASED) == 9, (CHAPTERS, RELEASED)
