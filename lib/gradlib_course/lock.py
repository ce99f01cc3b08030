"""One run at a time per course and assignment: ``autograde`` and ``collect`` take a lock.

The lock is ``fcntl.flock`` on ``grading/<assignment>.lock`` in the course folder.
The kernel releases it when the process that holds it exits, however it exits
(Ctrl-C, ``kill -9``, a crash), so a crashed run never leaves it behind; the file
itself stays and means nothing while nobody holds it.  It names the holder (the
command, its process id and when it started) for the message of a second run.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["Busy", "assignment_lock", "lock_path"]


class Busy(ValueError):
    """Another run holds the lock of this course and assignment."""


def lock_path(root: Path, assignment: str) -> Path:
    return Path(root) / "grading" / f"{assignment}.lock"


@contextmanager
def assignment_lock(root: Path, assignment: str, command: str) -> Iterator[None]:
    """Hold the lock of ``assignment`` in the course at ``root``, or raise :class:`Busy`."""
    path = lock_path(root, assignment)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(fd, 200, 0).decode("utf-8", "replace").strip() or "another run"
            raise Busy(
                f"{holder} is working on {assignment} in this course; wait until it has "
                "finished, then run this command again"
            ) from None
        started = time.strftime("%H:%M:%S")
        os.ftruncate(fd, 0)
        os.pwrite(
            fd, f"`gradlib-course {command}` (pid {os.getpid()}, since {started})".encode(), 0
        )
        try:
            yield
        finally:
            os.ftruncate(fd, 0)
    finally:
        os.close(fd)  # (closing the last descriptor releases the lock)
