"""The command-line tools grading starts (nbgrader, jupyter, alembic) come from this environment.

nbgrader starts some of its helpers by name (``alembic``, ``jupyter``), and the
grading workflow starts ``nbgrader`` itself; all of them must be the ones installed
beside the running Python, whatever the caller's ``PATH`` says.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

__all__ = ["TOOLS", "tool_env", "use_tools"]

TOOLS = str(Path(sys.executable).parent)


def tool_env(env: dict | None = None) -> dict[str, str]:
    """A copy of ``env`` (default: this process's) with this environment's tools first."""
    env = dict(os.environ if env is None else env)
    env["PATH"] = f"{TOOLS}{os.pathsep}{env.get('PATH', '')}"
    return env


def use_tools() -> None:
    """Put this environment's tools first on this process's own ``PATH`` (once)."""
    if os.environ.get("PATH", "").split(os.pathsep)[:1] != [TOOLS]:
        os.environ["PATH"] = tool_env()["PATH"]
