"""Binder's environment, pinned to constraints.txt: ``python binder/pins.py`` writes it.

repo2docker installs ``binder/requirements.txt`` before it copies the repository (so no
``-c ../constraints.txt`` there), then runs ``binder/postBuild``, which installs gradlib
itself from the checkout.  The requirements are what ``gradlib[notebooks]`` needs, every
package of its dependency tree pinned by its line of constraints.txt (markers included);
the tree is read from the metadata of the project's own environment (.venv, installed
from constraints.txt).  tests/dist/test_binder.py checks that the file agrees.
"""

from __future__ import annotations

import importlib.metadata as md
import re
import sys
from pathlib import Path

from packaging.requirements import Requirement

REPO = Path(__file__).resolve().parent.parent
REQUIREMENTS = REPO / "binder" / "requirements.txt"
HEADER = """\
# Binder's environment: what gradlib[notebooks] needs, pinned as in constraints.txt.
# Written by `python binder/pins.py` (make binder); tests/dist/test_binder.py checks it.
# binder/postBuild then installs gradlib itself from the repository.
"""


def _key(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def dependency_tree(root: str = "gradlib", extras: tuple[str, ...] = ("notebooks",)) -> set[str]:
    """Normalized names of every distribution ``root[extras]`` needs (not ``root`` itself)."""
    seen: set[str] = set()
    todo = [(root, set(extras))]
    while todo:
        name, wanted = todo.pop()
        for text in md.requires(name) or []:
            req = Requirement(text)
            env = {"extra": ""}
            ok = req.marker is None or any(
                req.marker.evaluate({**env, "extra": e}) for e in (wanted or {""})
            )
            if not ok or _key(req.name) == _key(root):
                continue
            if _key(req.name) not in seen:
                seen.add(_key(req.name))
                todo.append((req.name, set(req.extras)))
    return seen


def constraint_lines(path: Path = REPO / "constraints.txt") -> dict[str, list[str]]:
    """constraints.txt's pin lines, by normalized name (two lines where markers pick one)."""
    lines: dict[str, list[str]] = {}
    for line in path.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            lines.setdefault(_key(re.split(r"[=<>;\s]", line, maxsplit=1)[0]), []).append(line)
    return lines


def requirements() -> str:
    pins = constraint_lines()
    missing = sorted(dependency_tree() - pins.keys())
    if missing:
        raise SystemExit(f"constraints.txt pins no version of {missing}")
    body = [line for name in sorted(dependency_tree()) for line in pins[name]]
    return HEADER + "\n".join(body) + "\n"


if __name__ == "__main__":
    REQUIREMENTS.write_text(requirements())
    print(f"wrote {REQUIREMENTS.relative_to(REPO)}", file=sys.stderr)
