"""Warnings silenced while other threads grade.

``warnings.catch_warnings`` saves the process-wide list of filters and puts it back on
exit. Two threads doing that at once undo each other's filters: on an in-process Dask
cluster the workers check notebooks, build editions and judge in threads while the main
thread records grades, and a worker leaving its block could take away the filter that
keeps nbgrader's "not in session" warning quiet in the middle of a write to the gradebook.
Every change this package makes to the filters goes through :func:`warnings_ignored`,
under one lock, so no block ends while another is inside.
"""

from __future__ import annotations

import contextlib
import threading
import warnings

_LOCK = threading.RLock()

# nbgrader's own session handling warns on every autograde; nothing to act on
NOT_IN_SESSION = ".*not in session.*"


@contextlib.contextmanager
def warnings_ignored(message: str | None = None):
    """Ignore every warning (or those whose text matches ``message``) inside the block."""
    with _LOCK, warnings.catch_warnings():
        if message is None:
            warnings.simplefilter("ignore")
        else:
            warnings.filterwarnings("ignore", message=message)
        yield
