"""Where a student's code runs: an allow-list sandbox that shows the kernel its notebook only.

With bubblewrap (Debian's ``bubblewrap``, the sandbox Flatpak uses) a graded kernel
starts in namespaces of its own -- mount, pid, network, IPC, UTS, cgroup -- and sees:

* the operating system's programs and libraries (``/usr``, read-only; ``/usr/local``
  hidden unless Python lives there) and the Python installation and virtual
  environment it runs in (read-only), with ``gradlib`` replaced by the assignment's
  edition (:mod:`gradlib_course.edition`: no implementation of what is graded) and
  ``gradlib_course`` hidden but for the package the kernel records with
  (:mod:`gradlib_course.recording`, read-only);
* its student's own folder, copied into a writable, size-capped folder at the same path
  (the original read-only beside it, ``/run/gradlib/submission``), and a private,
  size-capped ``/tmp``;
* a fresh ``/proc`` (its own processes only), a minimal ``/dev``, and of ``/etc`` only
  a ``passwd`` and ``group`` naming the sandbox's user and the loader's cache;
* no network at all: its own network namespace holds only a loopback interface, so no
  service of the grader's machine (``localhost`` ports, the outside world, abstract
  Unix sockets) can be reached; the kernel's own channels are Unix sockets in a
  folder of its own (jupyter_client's ``ipc`` transport);
* no environment variables but the few a kernel needs;
* and it runs as an unprivileged user: when grading as root, the first program in
  the sandbox (:mod:`gradlib_course.sandbox_init`) drops to uid 65534 with every
  capability gone; as another user, a user namespace maps that user and forbids
  further ones.

Everything else -- the home folders, ``/etc``, other courses, the course folder with
its solutions, submissions and gradebook, the grader's scratch space, sockets of
PostgreSQL or any other service -- does not exist inside.  :func:`probe` checks that
such a sandbox starts here; without it ``gradlib-course autograde`` refuses to run
student code unless told ``--unsafe-no-sandbox`` (then the kernel still gets its
resource limits and the edition of the library, nothing more), and every grading
record names the protection it had (:func:`protection`).
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import site
import subprocess
import sys
import sysconfig
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

__all__ = [
    "KERNEL_NAME",
    "Sandbox",
    "command",
    "enter_code",
    "probe",
    "protection",
    "seal_runtime",
    "write_kernel_spec",
]

# the kernel spec that graded notebooks name; written here, started ahead by the worker
KERNEL_NAME = "python3"
INIT = "/run/gradlib/init.py"  # gradlib_course.sandbox_init, as the sandbox shows it
SUBMISSION = "/run/gradlib/submission"
UNPRIVILEGED = 65534
MODES = ("bubblewrap", "none")
# the interpreter the kernels run (absolute, not resolved: a virtual environment's own path)
PYTHON = os.path.abspath(sys.executable)


@dataclass(frozen=True)
class Sandbox:
    """How one submission's kernels are confined (written beside the kernel spec as JSON)."""

    mode: str  # "bubblewrap" or "none"
    student_folder: str  # the student's folder (nbgrader makes the assignment's inside)
    runtime: str  # the kernels' connection files and sockets
    etc: str  # the sandbox's /etc/passwd and /etc/group
    edition: str | None = None  # the edition's package folder, mounted over gradlib's
    memory_mb: int = 2048
    disk_mb: int = 64  # each writable place: the student's folder, /tmp, /dev/shm
    max_files: int = 1024
    rlimit_processes: int = 0  # RLIMIT_NPROC when no control group counts the processes
    hide: tuple = field(default_factory=tuple)  # more folders never to show, even read-only

    def __post_init__(self):
        if self.mode not in MODES:
            raise ValueError(f"sandbox must be one of {MODES}, got {self.mode!r}")


def _python_folders() -> list[Path]:
    """The folders of the Python installation and environment a kernel needs."""
    folders = {Path(sys.base_prefix).resolve(), Path(sys.prefix).resolve(), Path(PYTHON).parent}
    folders.add(Path(sys.executable).resolve().parent.parent)
    for key in ("stdlib", "platstdlib", "purelib", "platlib"):
        folders.add(Path(sysconfig.get_paths()[key]).resolve())
    roots = []
    for path in sorted(folders, key=lambda p: len(p.parts)):
        if path == Path("/usr") or Path("/usr") in path.parents:
            continue  # /usr is shown whole
        if not any(r == path or r in path.parents for r in roots):
            roots.append(path)
    return roots


def _inside(path: Path, roots) -> bool:
    return any(path == r or r in path.parents for r in roots)


def _package_folder(name: str) -> Path | None:
    import importlib.util

    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(list(spec.submodule_search_locations)[0]).resolve()


def _hidden(shown: list[Path], sandbox: Sandbox) -> list[Path]:
    """Folders inside the shown ones that must not be seen: the workflow, other copies."""
    out = [Path(p).resolve() for p in sandbox.hide]
    course = _package_folder("gradlib_course")
    if course is not None:
        out.append(course)
    site_dirs = {Path(p) for p in site.getsitepackages() + [site.getusersitepackages()]}
    for folder in site_dirs:
        for name in ("gradlib", "gradlib_course"):
            if (folder / name).is_dir():
                out.append((folder / name).resolve())
    library = _package_folder("gradlib")
    return sorted(
        {p for p in out if _inside(p, shown) and p != library}, key=lambda p: len(p.parts)
    )


def _recording_files() -> list[Path]:
    """What a kernel imports of ``gradlib_course``: its ``__init__`` and the recording package."""
    from gradlib_course import recording

    package = Path(recording.__file__).resolve().parent
    return [package.parent / "__init__.py", package]


class _Args:
    """A bwrap command line that creates each folder a mount needs, readable by all.

    A folder inside a bound folder exists (it is the machine's); a folder inside a tmpfs
    (the new root, ``/tmp``) does not, and bwrap would make it for the mount with mode
    0700, where the sandbox's user could not reach what is mounted below it: a course or
    virtual environment under ``/tmp`` would hide Python from the kernel.
    """

    def __init__(self):
        self.argv: list[str] = []
        # each mount in order, and whether its folders are the machine's (a bind, /proc,
        # /dev) or start empty (a tmpfs; the new root is a tmpfs of bwrap's)
        self.mounts: list[tuple[Path, bool]] = [(Path("/"), False)]
        self.made: set[Path] = set()

    def _exists(self, folder: Path) -> bool:
        if folder in self.made:
            return True
        for dest, machines in reversed(self.mounts):  # the last mount over it is what shows
            if folder == dest:
                return True
            if dest in folder.parents:
                return machines
        return False

    def _parents(self, dest: Path) -> None:
        for parent in reversed(dest.parents):
            if not self._exists(parent):
                self.argv += ["--perms", "0755", "--dir", str(parent)]
                self.made.add(parent)

    def mount(self, option: str, source, dest, *extra: str) -> None:
        dest = Path(dest)
        self._parents(dest)
        self.argv += [*extra, option, *([str(source)] if source is not None else []), str(dest)]
        if option == "--tmpfs":  # hides the folders made below it before
            self.made = {m for m in self.made if dest not in m.parents}
        self.mounts.append((dest, option != "--tmpfs"))


def command(sandbox: Sandbox, cwd: str, kernel_args: list[str]) -> list[str]:
    """The command that starts a kernel for ``sandbox`` in ``cwd`` (its notebook's folder).

    ``kernel_args``: ipykernel's own arguments (``-f <connection file>``).
    """
    init = [
        f"--memory-mb={sandbox.memory_mb}",
        f"--max-files={sandbox.max_files}",
        f"--max-processes={sandbox.rlimit_processes}",
        f"--max-file-mb={sandbox.disk_mb}",
        f"--student-folder={sandbox.student_folder}",
        f"--cwd={cwd}",
    ]
    if sandbox.mode == "none":
        here = str(Path(__file__).with_name("sandbox_init.py"))
        return [PYTHON, here, *init, *kernel_args]
    return [*bwrap_prefix(sandbox), PYTHON, INIT, "--unprivileged", *init, *kernel_args]


def bwrap_prefix(sandbox: Sandbox) -> list[str]:
    """The ``bwrap`` command line (without the program to run) for ``sandbox``."""
    root = os.getuid() == 0
    size = str(sandbox.disk_mb * 2**20)
    args = _Args()
    args.argv = [shutil.which("bwrap") or "bwrap"]
    args.argv += ["--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts"]
    args.argv += ["--unshare-cgroup-try", "--die-with-parent", "--new-session"]
    if root:  # mounts as root; the init drops to uid 65534 with the only capabilities kept
        args.argv += ["--cap-drop", "ALL", "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID"]
    else:  # a user namespace maps the grader's user; no more user namespaces inside
        args.argv += ["--unshare-user", "--disable-userns", "--cap-drop", "ALL"]
    args.argv += ["--clearenv"]
    env = {
        "PATH": f"{Path(PYTHON).parent}:/usr/local/bin:/usr/bin:/bin",
        "HOME": "/tmp/home",
        "TMPDIR": "/tmp",
        "LANG": "C.UTF-8",
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "MPLBACKEND": "Agg",
        "MPLCONFIGDIR": "/tmp/matplotlib",
        "IPYTHONDIR": "/tmp/ipython",
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    if os.environ.get("LD_LIBRARY_PATH"):
        env["LD_LIBRARY_PATH"] = os.environ["LD_LIBRARY_PATH"]
    for key, value in env.items():
        args.argv += ["--setenv", key, value]
    args.mount("--proc", None, "/proc")
    args.mount("--dev", None, "/dev")
    args.mount("--tmpfs", None, "/tmp", "--size", size, "--perms", "1777")
    args.mount("--tmpfs", None, "/dev/shm", "--size", size, "--perms", "1777")
    # the operating system's programs and libraries, and the Python installation
    args.mount("--ro-bind", "/usr", "/usr")
    for name in ("bin", "sbin", "lib", "lib32", "lib64", "libx32"):
        path = Path("/") / name
        if path.is_symlink():
            args.argv += ["--symlink", os.readlink(path), str(path)]
        elif path.is_dir():
            args.mount("--ro-bind", path, path)
    python = _python_folders()
    local = Path("/usr/local")
    if local.is_dir() and not any(p == local or local in p.parents for p in python):
        args.mount("--tmpfs", None, local)
    shown = [Path("/usr"), *python]
    for folder in python:
        args.mount("--ro-bind", folder, folder)
    for folder in _hidden(shown, sandbox):
        args.mount("--tmpfs", None, folder)
    library = _package_folder("gradlib")
    if library is not None:  # (without an edition: the whole library, as installed)
        args.mount("--ro-bind", sandbox.edition or library, library)
    for path in _recording_files():  # the kernel's recorder, and nothing else of the workflow
        args.mount("--ro-bind", path, path)
    args.mount("--ro-bind", Path(__file__).with_name("sandbox_init.py"), INIT)
    for name in ("passwd", "group"):
        args.mount("--ro-bind", Path(sandbox.etc) / name, Path("/etc") / name)
    for name in ("ld.so.cache", "localtime"):
        if (Path("/etc") / name).exists():
            args.mount("--ro-bind", (Path("/etc") / name).resolve(), Path("/etc") / name)
    # the student's folder: read-only as submitted, and a writable, capped copy in place
    args.mount("--ro-bind", sandbox.student_folder, SUBMISSION)
    args.mount("--tmpfs", None, sandbox.student_folder, "--size", size, "--perms", "1777")
    args.mount("--bind", sandbox.runtime, sandbox.runtime)
    return args.argv


def write_etc(folder: Path) -> Path:
    """The sandbox's ``/etc/passwd`` and ``/etc/group``: its user and nobody else."""
    folder.mkdir(parents=True, exist_ok=True)
    uid = UNPRIVILEGED if os.getuid() == 0 else os.getuid()
    gid = UNPRIVILEGED if os.getuid() == 0 else os.getgid()
    (folder / "passwd").write_text(f"student:x:{uid}:{gid}:graded notebook:/tmp/home:/bin/sh\n")
    (folder / "group").write_text(f"student:x:{gid}:\n")
    for path in (folder, folder / "passwd", folder / "group"):
        path.chmod(0o755 if path.is_dir() else 0o644)
    return folder


def seal_runtime(folder: str) -> None:
    """Take back the runtime folder from the sandbox's user once its kernel has its sockets.

    Grading as root, :mod:`gradlib_course.kernel` lends the folder to uid 65534 so that the
    kernel can make its Unix sockets there; after the kernel's first reply -- before any
    student code runs -- it is the grader's again, so nothing the student's code does can
    put files in it (the sockets stay usable: the grader connects as root).
    """
    if os.getuid() == 0 and os.path.isdir(folder) and os.stat(folder).st_uid != 0:
        os.chown(folder, 0, 0)
        os.chmod(folder, 0o755)


def enter_code(folder: str) -> str:
    """Code a kernel started ahead runs to enter its notebook's ``folder`` (with its files)."""
    return (
        "import os as _os, runpy as _runpy\n"
        f"if _os.path.exists({INIT!r}):\n"
        f"    _runpy.run_path({INIT!r}, {{'ENTER': {folder!r}, "
        "'STUDENT_FOLDER': _os.environ.get('GRADLIB_STUDENT_FOLDER')}, '__gradlib_enter__')\n"
        "else:\n"
        f"    _os.chdir({folder!r})\n"
        "del _os, _runpy"
    )


def write_kernel_spec(jupyter_path: Path, sandbox: Sandbox, *, prefix: list[str] = ()) -> list[str]:
    """Write ``<jupyter_path>/kernels/python3/kernel.json`` and return its ``argv``.

    Put ``jupyter_path`` first on ``JUPYTER_PATH`` and nbgrader starts this kernel for
    every notebook whose kernelspec is ``python3``: ``prefix`` (a control group,
    :meth:`gradlib_course.cgroup.ProcessGroup.kernel_prefix`), then
    :mod:`gradlib_course.kernel`, which starts :func:`command` in the notebook's folder.
    """
    folder = jupyter_path / "kernels" / KERNEL_NAME
    folder.mkdir(parents=True, exist_ok=True)
    config = folder / "sandbox.json"
    config.write_text(json.dumps(asdict(sandbox), indent=1))
    argv = [*prefix, PYTHON, "-m", "gradlib_course.kernel", "--sandbox", str(config)]
    argv += ["-f", "{connection_file}"]
    spec = {
        "argv": argv,
        "display_name": "Python 3 (graded)",
        "language": "python",
        "env": {"GRADLIB_STUDENT_FOLDER": sandbox.student_folder},
    }
    (folder / "kernel.json").write_text(json.dumps(spec, indent=1))
    return argv


_CHECK = r"""
import os, socket, sys
import numpy
assert os.getuid() != 0, "runs as root"
for path in ("/etc/shadow", "/var", os.environ.get("GRADLIB_PROBE_HIDDEN", "/")):
    assert path == "/" or not os.path.exists(path), f"{path} is visible"
try:
    socket.create_connection(("192.0.2.1", 9), timeout=2)
except OSError:
    pass
else:
    raise AssertionError("the network is reachable")
print("confined")
"""


@functools.cache
def probe() -> str:
    """``"bubblewrap"`` if the allow-list sandbox starts and confines here, else ``"none"``."""
    if shutil.which("bwrap") is None:
        return "none"
    with tempfile.TemporaryDirectory(prefix="gradlib-probe-") as tmp:
        student, runtime = Path(tmp) / "student", Path(tmp) / "runtime"
        student.mkdir()
        runtime.mkdir()
        secret = Path(tmp) / "secret"
        secret.write_text("x")
        sandbox = Sandbox(
            "bubblewrap", str(student), str(runtime), str(write_etc(Path(tmp) / "etc"))
        )
        argv = [*bwrap_prefix(sandbox), "--setenv", "GRADLIB_PROBE_HIDDEN", str(secret)]
        argv += [PYTHON, "-c", _DROP + _CHECK]
        try:
            checked = subprocess.run(argv, capture_output=True, text=True, timeout=60, check=False)
        except (OSError, subprocess.TimeoutExpired):
            return "none"
    ok = checked.returncode == 0 and checked.stdout.strip() == "confined"
    return "bubblewrap" if ok else "none"


_DROP = (
    "import os\n"
    "if os.getuid() == 0:\n"
    f"    os.setgroups([]); os.setgid({UNPRIVILEGED}); os.setuid({UNPRIVILEGED})\n"
)


def protection(mode: str) -> str:
    """What protected a kernel of this mode, in words for the grading record and report."""
    if mode == "bubblewrap":
        who = "uid 65534" if os.getuid() == 0 else "the grader's uid in a user namespace"
        return (
            "bubblewrap allow-list sandbox: own notebook folder only, no network, "
            f"{who}, gradlib edition without the graded implementations"
        )
    return "none: resource limits and the gradlib edition only (--unsafe-no-sandbox)"
