"""Grade one submission in a scratch course of its own (runs on a worker process).

A :class:`Job` carries everything needed -- the submitted files, the assignment's
definition (a small SQLite gradebook made by :mod:`gradlib_course.template`) and the
limits -- so a worker needs no shared file system: the same job runs in a local
process pool or on a Dask worker on another machine.  :func:`grade` runs
``nbgrader autograde`` for the one student in a temporary course folder (in a
process forked from a server that imported nbgrader once, see
:mod:`gradlib_course.preload`) and returns the autograded notebooks
(:class:`Result`); it never raises for a bad submission, it reports it in
``Result.problems``.  The kernel runs in the sandbox (:mod:`gradlib_course.sandbox`)
and, where the machine allows, in a process-limited control group
(:mod:`gradlib_course.cgroup`).  nbgrader's pipeline is changed in three places:
cells that kill or hang the kernel fail alone and a duplicated graded cell no
longer makes nbgrader reject the notebook (:mod:`gradlib_course.nbgrader_ext`), and
scores and late penalties are left to the coordinator, which records them in the
real gradebook (:mod:`gradlib_course.record`).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from gradlib_course import cgroup
from gradlib_course.edition import Edition, materialize, private_cache
from gradlib_course.nbgrader_ext.steps import autograde_config
from gradlib_course.quiet import warnings_ignored
from gradlib_course.sandbox import KERNEL_NAME, Sandbox, protection, write_etc, write_kernel_spec
from gradlib_course.tools import tool_env

__all__ = ["Limits", "Job", "Result", "grade", "warm_up"]


MIN_PROCESSES = 32


@dataclass(frozen=True)
class Limits:
    """Resource limits for grading one submission."""

    cell_timeout: int = 60  # seconds per cell; a cell that runs longer is interrupted
    notebook_timeout: int = 600  # seconds for grading a whole notebook
    memory_mb: int = 2048  # address space of the kernel
    sandbox: str = "bubblewrap"  # or "none" (see gradlib_course.sandbox)
    max_processes: int = 128  # tasks (processes and threads) of a kernel, where cgroups allow
    disk_mb: int = 64  # each writable place of the kernel: its folder, /tmp, /dev/shm

    def __post_init__(self):
        for name in ("cell_timeout", "notebook_timeout", "memory_mb", "disk_mb"):
            value = getattr(self, name)
            if not isinstance(value, int) or value <= 0:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
        if not isinstance(self.max_processes, int) or self.max_processes < MIN_PROCESSES:
            raise ValueError(
                f"max_processes must be an integer of at least {MIN_PROCESSES} "
                f"(a kernel alone runs about 10 threads), got {self.max_processes!r}"
            )


@dataclass(frozen=True)
class Job:
    assignment: str
    student: str
    files: dict[str, bytes]  # the submission: path relative to its folder -> content
    notebooks: tuple[str, ...]  # the assignment's notebook names (without .ipynb)
    template_db: bytes  # SQLite gradebook holding only the assignment's definition
    limits: Limits = Limits()
    protect: tuple[str, ...] = ()  # paths the student's code must not see
    # the trusted code the verdict step runs: notebook -> cells (gradlib_course.judge)
    program: dict = field(default_factory=dict)
    # the gradlib the kernel gets: without what the assignment grades (gradlib_course.edition)
    edition: Edition | None = None


@dataclass
class Result:
    assignment: str
    student: str
    notebooks: dict[str, str] = field(default_factory=dict)  # name -> autograded notebook JSON
    problems: list[str] = field(default_factory=list)  # what went wrong, for the report
    log: str = ""
    seconds: float = 0.0
    sandbox: str = "none"
    protection: str = ""  # what confined the kernel, in words (gradlib_course.sandbox)
    exit_code: int | None = None  # of nbgrader (negative: killed by that signal)
    process_limit: int | None = None  # tasks per kernel, if a pids cgroup enforced it
    judged: list[dict] = field(default_factory=list)  # the verdict step's report, per notebook


def _check_notebooks(job: Job, folder: Path, result: Result) -> None:
    """Write the submission into ``folder``; note missing, extra and unreadable notebooks.

    A file that is not a valid notebook is left out, so its notebook scores zero and
    the others are graded as usual.
    """
    expected = {f"{name}.ipynb" for name in job.notebooks}
    for relative, content in sorted(job.files.items()):
        path = folder / relative
        if Path(relative).name in expected and Path(relative).parent == Path("."):
            try:
                with warnings_ignored():  # e.g. duplicate cell ids, repaired here
                    nb = nbformat.reads(content.decode("utf-8"), as_version=4)
                    nbformat.validate(nb)
                content = nbformat.writes(nb).encode("utf-8")
            except Exception as exc:  # noqa: BLE001 - any failure to read is the student's
                reason = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
                result.problems.append(f"{relative} is not a valid notebook ({reason})")
                continue
        elif relative.endswith(".ipynb"):
            result.problems.append(
                f"{relative} is not a notebook of this assignment "
                f"(expected {', '.join(sorted(expected))})"
            )
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    for name in sorted(expected):
        if name not in job.files:
            result.problems.append(f"{name} is missing from the submission")


def _die_with_parent() -> None:
    """Get SIGKILL when the parent dies (Linux): a killed run leaves no grader behind.

    The parent is the single-threaded fork server, which exits when the worker does.
    """
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def _autograde_in_child(
    argv: list[str], root: str, env: dict, log_path: str, head_start: str | None = None
) -> None:
    """Run ``nbgrader <argv>`` in this (forked) process: output to ``log_path``.

    With ``head_start`` (a folder), the first notebook's kernel starts there at once
    and boots while nbgrader prepares the notebook.
    """
    os.setsid()  # its own process group: a timeout kills the kernels too
    _die_with_parent()
    fd = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.dup2(fd, 1)
    os.dup2(fd, 2)
    os.chdir(root)
    os.environ.clear()
    os.environ.update(env)
    if head_start:
        from gradlib_course.nbgrader_ext.execute import prestart_kernel

        prestart_kernel(KERNEL_NAME, head_start)
    code = 0
    try:
        from nbgrader.apps.nbgraderapp import NbGraderApp

        NbGraderApp.launch_instance(argv)
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    except BaseException:  # noqa: BLE001 - reported through the log and the exit code
        import traceback

        traceback.print_exc()
        code = 1
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def _forkserver():
    """A multiprocessing context whose server has nbgrader imported already.

    Importing nbgrader takes about two seconds -- as long as grading a short
    notebook -- so each submission's nbgrader runs in a process forked from a
    single-threaded server that imported it once (``forkserver``), not in a
    fresh interpreter.
    """
    import multiprocessing

    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["gradlib_course.preload"])
    current = multiprocessing.current_process()
    if current.daemon:  # a Dask worker process: allow it to have children
        current.daemon = False
    return ctx


def warm_up() -> bool:
    """Start this process's nbgrader fork server now (a job would otherwise wait for it).

    Also removes what killed grading runs left on this machine (process groups and
    any kernel still in them).
    """
    cgroup.remove_stale_groups()
    try:
        proc = _forkserver().Process(target=os.getpid, daemon=False)
        proc.start()
        proc.join()
    except (OSError, ValueError, AssertionError):
        return False
    return True


def _run_nbgrader(argv, root: Path, env: dict, log_path: Path, limit: float, head_start=None):
    """``(exit code, timed out)`` of ``nbgrader <argv>`` run in ``root``."""
    try:
        ctx = _forkserver()
        proc = ctx.Process(
            target=_autograde_in_child,
            args=(argv, str(root), env, str(log_path), head_start and str(head_start)),
            daemon=False,
        )
        proc.start()
    except (OSError, ValueError, AssertionError):  # no forkserver here: a fresh interpreter
        with open(log_path, "w") as log:
            sub = subprocess.Popen(
                [sys.executable, "-m", "nbgrader", *argv],
                cwd=root,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            try:
                return sub.wait(timeout=limit), False
            except subprocess.TimeoutExpired:
                os.killpg(sub.pid, signal.SIGKILL)
                return sub.wait(), True
    proc.join(limit)
    if proc.is_alive():
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.join()
        return proc.exitcode, True
    return proc.exitcode, False


def _edition_cache() -> Path:
    """Where this machine keeps the editions it made (one folder per edition, reused)."""
    return private_cache(Path(tempfile.gettempdir()) / f"gradlib-editions-{os.getuid()}")


def grade(job: Job) -> Result:
    """Autograde ``job`` in a private temporary course; never raises for bad input."""
    start = time.perf_counter()
    result = Result(job.assignment, job.student, sandbox=job.limits.sandbox)
    result.protection = protection(job.limits.sandbox)
    group = cgroup.ProcessGroup(job.limits.max_processes) if cgroup.probe() else None
    edition = materialize(job.edition, _edition_cache()) if job.edition else None
    with tempfile.TemporaryDirectory(prefix="gradlib-") as tmp, group or nullcontext():
        root = Path(tmp) / "course"
        submitted = root / "submitted" / job.student / job.assignment
        submitted.mkdir(parents=True)
        (root / "gradebook.db").write_bytes(job.template_db)
        program, report = Path(tmp) / "program.json", Path(tmp) / "judged.jsonl"
        program.write_text(json.dumps(job.program))
        (root / "nbgrader_config.py").write_text(
            autograde_config(root, job.limits, program, report, edition)
        )
        _check_notebooks(job, submitted, result)
        runtime = Path(tmp) / "run"  # (short: the kernel's Unix sockets are in it)
        runtime.mkdir()
        # the student's folder is the kernel's (nbgrader makes the assignment's inside)
        student_folder = root / "autograded" / job.student
        student_folder.mkdir(parents=True)
        autograded = student_folder / job.assignment
        sandbox = Sandbox(
            job.limits.sandbox,
            str(student_folder),
            str(runtime),
            str(write_etc(Path(tmp) / "etc")),
            edition=str(edition) if edition else None,
            memory_mb=job.limits.memory_mb,
            disk_mb=job.limits.disk_mb,
            # without a control group, uid 65534's processes are counted (all its kernels)
            rlimit_processes=0 if group else 4 * job.limits.max_processes,
            hide=tuple(job.protect),
        )
        write_kernel_spec(
            Path(tmp) / "jupyter", sandbox, prefix=group.kernel_prefix() if group else []
        )
        result.process_limit = job.limits.max_processes if group else None
        env = {
            **tool_env(),
            "JUPYTER_PATH": os.pathsep.join(
                [str(Path(tmp) / "jupyter"), os.environ.get("JUPYTER_PATH", "")]
            ),
            "JUPYTER_RUNTIME_DIR": str(runtime),
        }
        argv = ["autograde", job.assignment, "--student", job.student]
        argv += ["--create", "--force", "--log-level=WARN"]
        limit = job.limits.notebook_timeout * max(1, len(job.notebooks))
        log_path = Path(tmp) / "nbgrader.log"
        returncode, timed_out = _run_nbgrader(argv, root, env, log_path, limit, student_folder)
        result.log = log_path.read_text(errors="replace") if log_path.exists() else ""
        result.exit_code = returncode
        if timed_out:
            result.problems.append(f"grading took longer than {limit} s and was stopped")
        for name in job.notebooks:
            path = autograded / f"{name}.ipynb"
            if path.exists() and path.stat().st_size:
                result.notebooks[name] = path.read_text()
        if report.exists():
            result.judged = [json.loads(line) for line in report.read_text().splitlines()]
        if returncode not in (0, None) and not result.notebooks:
            result.problems.append("nbgrader could not grade this submission (see the log)")
    result.seconds = time.perf_counter() - start
    return result
