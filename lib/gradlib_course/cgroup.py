"""A cap on the number of processes a graded kernel may start (a fork bomb stops there).

``RLIMIT_NPROC`` cannot do this when grading runs as root (the kernel ignores that
limit for uid 0, with or without capabilities), so each kernel runs in a control
group of its own with the ``pids`` controller's ``pids.max``: once the kernel and
everything it started hold that many tasks, ``fork`` fails with ``EAGAIN`` for
them -- and only for them.  The group is made for one submission and removed
afterwards, killing whatever the student's code left running.

Works with cgroup v1 (a ``pids`` hierarchy) and with cgroup v2 when the ``pids``
controller is delegated to this process's group; :func:`probe` says whether it
is available here, and grading reports it.
"""

from __future__ import annotations

import functools
import os
import signal
import time
import uuid
from pathlib import Path

__all__ = ["ProcessGroup", "probe", "pids_root", "remove_groups_of", "remove_stale_groups"]


def _mounts() -> list[tuple[str, str, set[str]]]:
    """``(mount point, file-system type, super options)`` of the cgroup mounts."""
    found = []
    try:
        lines = Path("/proc/self/mountinfo").read_text().splitlines()
    except OSError:
        return found
    for line in lines:
        left, _, right = line.partition(" - ")
        fields, rest = left.split(), right.split()
        if len(fields) >= 5 and len(rest) >= 3 and rest[0] in ("cgroup", "cgroup2"):
            found.append((fields[4], rest[0], set(rest[2].split(","))))
    return found


def _own_path(controller: str | None) -> str:
    """This process's group in the hierarchy of ``controller`` (``None``: cgroup v2)."""
    try:
        lines = Path("/proc/self/cgroup").read_text().splitlines()
    except OSError:
        return "/"
    for line in lines:
        _, controllers, path = line.split(":", 2)
        names = set(controllers.split(",")) if controllers else set()
        if (controller is None and not controllers) or controller in names:
            return path
    return "/"


@functools.cache
def pids_root() -> Path | None:
    """The folder in which per-kernel ``pids`` groups can be made, or ``None``."""
    for mount, kind, options in _mounts():
        if kind == "cgroup" and "pids" in options:
            folder = Path(mount) / _own_path("pids").lstrip("/")
        elif kind == "cgroup2":
            folder = Path(mount) / _own_path(None).lstrip("/")
            try:
                if "pids" not in (folder / "cgroup.subtree_control").read_text().split():
                    continue
            except OSError:
                continue
        else:
            continue
        if folder.is_dir() and os.access(folder, os.W_OK):
            return folder
    return None


# Run by the kernel spec: a group of its own for this kernel (a restarted kernel must
# not share the count with the remains of the one before), limited, joined, then exec.
_JOIN = 'd="$0/kernel-$$" && mkdir "$d" && echo "$1" > "$d/pids.max" && echo $$ > "$d/cgroup.procs" && shift && exec "$@"'  # noqa: E501


class ProcessGroup:
    """The ``pids`` control group of one submission: ``with ProcessGroup(64) as g: ...``.

    Every kernel started through :meth:`kernel_prefix` gets a group of its own
    inside it, limited to ``max_pids`` tasks (processes and threads).  On exit every
    process still in any of them is killed and the groups are removed.
    """

    def __init__(self, max_pids: int, root: Path | None = None):
        if not isinstance(max_pids, int) or max_pids < 8:
            raise ValueError(f"max_pids must be an integer of at least 8, got {max_pids!r}")
        root = root or pids_root()
        if root is None:
            raise OSError("no writable cgroup with the pids controller on this machine")
        self.path = Path(root) / f"gradlib-{os.getpid()}-{uuid.uuid4().hex[:12]}"
        self.max_pids = max_pids

    def kernel_prefix(self) -> list[str]:
        """Put this before a kernel's command: it runs in a new limited group here."""
        return ["/bin/sh", "-c", _JOIN, str(self.path), str(self.max_pids)]

    def __enter__(self) -> ProcessGroup:
        self.path.mkdir()
        control = self.path / "cgroup.subtree_control"
        try:
            if control.exists():  # cgroup v2: the kernels' groups need the controller
                control.write_text("+pids")
        except OSError:
            self.path.rmdir()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self, timeout: float = 10.0) -> None:
        """Kill what is left in the groups and remove them."""
        _remove(self.path, timeout)


def _remove(path: Path, timeout: float = 10.0) -> None:
    """Kill every process in the group ``path`` and its sub-groups; remove them."""
    deadline = time.monotonic() + timeout
    for group in [*sorted(p for p in path.glob("*") if p.is_dir()), path]:
        while True:
            try:
                members = (group / "cgroup.procs").read_text().split()
            except OSError:
                members = []
            for pid in members:
                try:
                    os.kill(int(pid), signal.SIGKILL)
                except (ProcessLookupError, ValueError):
                    pass
            try:
                group.rmdir()
                break
            except FileNotFoundError:
                break
            except OSError:
                if time.monotonic() > deadline:
                    return  # something unkillable: leave the group behind
                time.sleep(0.02)


def remove_groups_of(pid: int) -> None:
    """Remove the groups that process ``pid`` made (and kill what is in them)."""
    root = pids_root()
    if root is not None:
        for path in root.glob(f"gradlib-{pid}-*"):
            _remove(path)


def remove_stale_groups() -> None:
    """Remove the groups of grading processes that no longer exist.

    A grading run killed with SIGKILL cannot clean up after itself; a kernel that
    it was starting at that moment may even outlive it.  The next run on the
    machine removes both.
    """
    root = pids_root()
    if root is None:
        return
    for path in root.glob("gradlib-*-*"):
        try:
            os.kill(int(path.name.split("-")[1]), 0)
        except ProcessLookupError:
            _remove(path)
        except (ValueError, PermissionError):
            continue


@functools.cache
def probe() -> bool:
    """Whether a kernel's processes can be limited here (tried with ``true``)."""
    import subprocess

    try:
        with ProcessGroup(8) as group:
            ok = subprocess.run([*group.kernel_prefix(), "true"], timeout=20).returncode == 0
            ok = ok and any(p.is_dir() for p in group.path.glob("kernel-*"))
    except (OSError, subprocess.TimeoutExpired):
        return False
    return ok
