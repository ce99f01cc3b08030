"""Shared fixtures and paths for the whole test suite."""

from __future__ import annotations

import html
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from gradlib_course.tools import tool_env, use_tools
from hypothesis import settings

# Figures are drawn off-screen in every test (set before anything imports pyplot).
os.environ.setdefault("MPLBACKEND", "Agg")
# nbgrader starts tools (alembic) by name, also when a test makes a gradebook in-process
use_tools()

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent

# Property tests draw the same examples on every run: a failure in CI can be replayed
# locally, and a green run stays green.  HYPOTHESIS_PROFILE=explore draws fresh ones.
settings.register_profile("repeatable", derandomize=True, database=None, deadline=None)
settings.register_profile("explore", max_examples=2000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "repeatable"))


def run_tool(args: list[str], cwd: Path, timeout: float = 600) -> subprocess.CompletedProcess:
    """Run a command-line tool of the project's environment and fail loudly if it fails."""
    env = tool_env()
    proc = subprocess.run(
        args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    if proc.returncode != 0:
        first = proc.stderr.find("Traceback")  # the cause, which a long log would push out
        cause = proc.stderr[first : first + 4000] if first >= 0 else ""
        raise AssertionError(
            f"{' '.join(map(str, args))} exited with {proc.returncode}\n"
            f"--- stdout ---\n{proc.stdout[-4000:]}\n--- first traceback ---\n{cause}\n"
            f"--- stderr ---\n{proc.stderr[-4000:]}"
        )
    return proc


def built_page_text(page: Path) -> str:
    """The text a reader sees on a built page of the book (tags removed, entities decoded)."""
    assert page.exists(), f"no built page {page.name}: run `make book` first (make test does)"
    return html.unescape(re.sub(r"<[^>]+>", "", page.read_text()))


@pytest.fixture(scope="session")
def repo() -> Path:
    return REPO
