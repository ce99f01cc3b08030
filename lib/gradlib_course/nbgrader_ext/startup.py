"""Faster start of the grading processes (the command, each worker's nbgrader server).

jsonschema imports the optional package ``rfc3987_syntax`` whenever it is installed
(jupyter-events asks for it), and that package compiles an IRI grammar on import:
1.3 s in every process that imports nbformat -- nbgrader, hence every grading
process, twice per run.  Nothing in grading checks IRI formats (nbformat's schemas
have none and it uses no format checker), so these processes skip the import;
jsonschema then simply has no checker for that format.
"""

from __future__ import annotations

import sys

__all__ = ["skip_unused_slow_imports"]

UNUSED_SLOW_IMPORTS = ("rfc3987_syntax",)


def skip_unused_slow_imports() -> None:
    """Make ``import rfc3987_syntax`` fail fast (``ImportError``) in this process.

    Only takes effect before jsonschema is imported; a process that already has the
    package keeps it.
    """
    for name in UNUSED_SLOW_IMPORTS:
        sys.modules.setdefault(name, None)
