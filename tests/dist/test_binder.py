"""Binder's environment (binder/) agrees with constraints.txt and has what a chapter needs."""

from __future__ import annotations

import os
import re
import sys

from conftest import REPO

sys.path.insert(0, str(REPO / "binder"))
from pins import REQUIREMENTS, constraint_lines, dependency_tree, requirements  # noqa: E402

BINDER = REPO / "binder"


def _pins(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.strip() and not line.startswith("#")]


def test_every_binder_pin_is_a_line_of_constraints():
    constraints = {line for lines in constraint_lines().values() for line in lines}
    pins = _pins(REQUIREMENTS.read_text())
    assert pins, "binder/requirements.txt pins nothing"
    for line in pins:
        assert line in constraints, f"binder/requirements.txt: {line!r} is not in constraints.txt"


def test_binder_installs_the_whole_dependency_tree_of_gradlib_notebooks():
    assert REQUIREMENTS.read_text() == requirements(), (
        "binder/requirements.txt is out of date: run `make binder`"
    )
    named = {
        re.sub(r"[-_.]+", "-", re.split(r"[=;]", p)[0]).lower()
        for p in _pins(REQUIREMENTS.read_text())
    }
    tree = dependency_tree()
    assert {"numpy", "matplotlib", "scikit-learn", "tqdm", "ipywidgets"} <= tree
    assert tree <= named, f"binder/requirements.txt misses {sorted(tree - named)}"


def test_binder_python_is_one_constraints_were_made_for():
    (version,) = re.findall(r"^python-(3\.\d+)$", (BINDER / "runtime.txt").read_text(), re.M)
    text = (REPO / "constraints.txt").read_text()
    assert f'python_version >= "{version}"' in text or f'python_version < "{version}"' not in text


def test_postbuild_installs_gradlib_from_the_checkout_without_other_packages():
    post = BINDER / "postBuild"
    assert os.access(post, os.X_OK), "binder/postBuild must be executable"
    assert re.search(r"^python -m pip install --no-deps .* \.$", post.read_text(), re.M)
