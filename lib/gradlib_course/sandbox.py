"""Where a student's code runs: a kernel spec that confines it.

With bubblewrap (Debian's ``bubblewrap``, the sandbox Flatpak uses) the kernel sees
the machine read-only, a private ``/tmp``, its own pid and IPC namespaces, no
capabilities (even when grading as root), and none of
the protected paths: the instructor's course folder (solutions, other students'
submissions, the gradebook) and the worker's scratch space are replaced by empty
folders.  Only the notebook's own folder is writable.  The Python installation
and library folders that the kernel needs are shown again, read-only, even when
they lie inside a protected folder (an editable install in the course repository).

Without bubblewrap the kernel still gets its resource limits
(:mod:`gradlib_course.kernel`) but no file-system isolation; :func:`probe` says
which protection is active, and the grading report shows it.
"""

from __future__ import annotations

import functools
import json
import shutil
import subprocess
import sys
from pathlib import Path

__all__ = ["KERNEL_NAME", "probe", "write_kernel_spec", "bwrap_command"]

# the kernel spec that graded notebooks name; written here, started ahead by the worker
KERNEL_NAME = "python3"


@functools.cache
def probe() -> str:
    """``"bubblewrap"`` if a bubblewrap sandbox can be started here, else ``"none"``."""
    bwrap = shutil.which("bwrap")
    if bwrap is None:
        return "none"
    try:
        ok = subprocess.run(
            [bwrap, "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc",
             "--unshare-pid", "--cap-drop", "ALL", "--die-with-parent", "true"],
            capture_output=True, timeout=20, check=False,
        ).returncode == 0  # fmt: skip
    except (OSError, subprocess.TimeoutExpired):
        ok = False
    return "bubblewrap" if ok else "none"


def _under(path: Path, roots: list[Path]) -> bool:
    return any(path == r or r in path.parents for r in roots)


def bwrap_command(*, writable: list[Path], hidden: list[Path]) -> list[str]:
    """The ``bwrap`` prefix: all read-only, ``hidden`` emptied, ``writable`` writable."""
    hidden = [p.resolve() for p in hidden if p.exists()]
    cmd = [shutil.which("bwrap") or "bwrap", "--ro-bind", "/", "/", "--dev", "/dev"]
    cmd += ["--proc", "/proc", "--tmpfs", "/tmp", "--tmpfs", "/dev/shm"]
    for path in sorted(hidden, key=lambda p: len(p.parts)):
        if path.is_dir():
            cmd += ["--tmpfs", str(path)]
        else:
            cmd += ["--ro-bind", "/dev/null", str(path)]
    # what the kernel's Python needs, shown again where a hidden folder covered it
    needed = {Path(sys.prefix).resolve(), Path(sys.base_prefix).resolve()}
    needed |= {Path(p).resolve() for p in sys.path if p and Path(p).is_dir()}
    for path in sorted(needed, key=lambda p: len(p.parts)):
        if path == Path("/tmp") or any(_under(h, [path]) for h in hidden):
            continue  # showing it again would show a hidden folder too
        if _under(path, hidden) or _under(path, [Path("/tmp")]):
            cmd += ["--ro-bind", str(path), str(path)]
    for path in writable:
        cmd += ["--bind", str(path.resolve()), str(path.resolve())]
    # the kernel's connection file (jupyter_client may put it in the hidden /tmp)
    cmd += ["--bind", "{connection_file}", "{connection_file}"]
    # Own pid namespace: /proc shows only the sandbox's processes (no way into another
    # process's view of the files through /proc/<pid>/root), and every process started
    # inside dies with it.  No capabilities: even as root nothing can be remounted.
    # (gradlib_course.kernel keeps ipykernel from seeing the namespace's init as parent.)
    cmd += ["--unshare-pid", "--unshare-ipc", "--cap-drop", "ALL"]
    cmd += ["--die-with-parent", "--new-session"]
    return cmd


def write_kernel_spec(
    jupyter_path: Path,
    *,
    memory_mb: int,
    sandbox: str,
    writable: list[Path],
    hidden: list[Path],
    prefix: list[str] = (),
) -> list[str]:
    """Write ``<jupyter_path>/kernels/python3/kernel.json`` and return its ``argv``.

    Put ``jupyter_path`` first on ``JUPYTER_PATH`` and nbgrader starts this kernel for
    every notebook whose kernelspec is ``python3``.  ``prefix`` runs first, outside
    the sandbox (:meth:`gradlib_course.cgroup.ProcessGroup.kernel_prefix`).
    """
    argv = [sys.executable, "-m", "gradlib_course.kernel", f"--memory-mb={memory_mb}"]
    argv += ["-f", "{connection_file}"]
    if sandbox == "bubblewrap":
        argv = bwrap_command(writable=writable, hidden=hidden) + argv
    elif sandbox != "none":
        raise ValueError(f'sandbox must be "bubblewrap" or "none", got {sandbox!r}')
    argv = [*prefix, *argv]
    spec = {
        "argv": argv,
        "display_name": "Python 3 (graded)",
        "language": "python",
        "env": {
            "OPENBLAS_NUM_THREADS": "1",
            "OMP_NUM_THREADS": "1",
            "MPLBACKEND": "Agg",
            "IPYTHONDIR": "/tmp/ipython",  # the sandbox's private /tmp (home is read-only)
        },
    }
    folder = jupyter_path / "kernels" / KERNEL_NAME
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "kernel.json").write_text(json.dumps(spec, indent=1))
    return argv
