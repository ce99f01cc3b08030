"""New gradebooks without running ``alembic heads`` (about 3 s each time).

When nbgrader creates a gradebook it asks for the schema version by running the
``alembic heads`` command in a subprocess.  :func:`use_in_process_alembic_head` makes
it read the same version in-process from nbgrader's own migration scripts (with
nbgrader's way as the fallback).  Called before the coordinator copies an
assignment's definition into a new gradebook, and once in each worker's server.
"""

from __future__ import annotations

import functools

import nbgrader.api

__all__ = ["use_in_process_alembic_head"]

_nbgrader_alembic_version = nbgrader.api.get_alembic_version


@functools.cache
def _alembic_head() -> str:
    """The gradebook schema version, read in-process."""
    try:
        from alembic.config import Config
        from alembic.script import ScriptDirectory
        from nbgrader.dbutil import _temp_alembic_ini

        with _temp_alembic_ini("sqlite:////tmp/gradebook.db") as ini:
            head = ScriptDirectory.from_config(Config(ini)).get_current_head()
        if head:
            return head
    except Exception:  # noqa: BLE001 - fall back to nbgrader's own way
        pass
    return _nbgrader_alembic_version()


def use_in_process_alembic_head() -> None:
    """From now on, this process's new gradebooks get their version in-process."""
    nbgrader.api.get_alembic_version = _alembic_head
