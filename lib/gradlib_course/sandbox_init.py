"""The first program inside a graded kernel's sandbox; it becomes the kernel.

Standalone (the standard library only): the sandbox shows it as
``/run/gradlib/init.py``, and of the rest of ``gradlib_course`` only the recording
package the kernel imports (:mod:`gradlib_course.recording`).  It

1. drops to the unprivileged user (uid and gid 65534) when the sandbox was started
   as root -- the only capabilities it holds are those to do exactly that;
2. copies the student's own folder, which the sandbox shows read-only at
   ``/run/gradlib/submission``, into the size-capped, writable folder at the same
   path as outside (so the notebook finds its files where it expects them);
3. lowers its limits -- address space, open files, core files, and processes when no
   control group counts them;
4. becomes an IPython kernel that records hidden-test results for the grader
   (:func:`gradlib_course.recording.recorder.install_kernel_recorder`) instead of
   checking them.

Without a sandbox (``gradlib-course autograde --unsafe-no-sandbox``) the same steps
run, less the first two.  Run with ``--enter PATH`` by a kernel started ahead of its
notebook (:mod:`gradlib_course.nbgrader_ext.execute`), it only repeats step 2 for
that folder and moves there.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import sys

SUBMISSION = "/run/gradlib/submission"  # the student's folder, read-only, in the sandbox
UNPRIVILEGED = 65534
# Before any cell runs, the kernel starts recording hidden-test results for the grader
# instead of checking them (gradlib_course.recording): the verdict is reached outside.
# Before the recorder (whose baseline then includes it): a copy of the kernel made by
# os.fork() in a cell ends when that cell ends in it, instead of going back to serve the
# kernel's channels (a fork bomb's copies would otherwise linger, spinning, and starve the
# cells that follow; a child that does its work and exits is not affected).
RECORD = (
    "--IPKernelApp.exec_lines=import os as _o; get_ipython().events.register('post_run_cell', "
    "(lambda kernel, end: lambda result: end(0) if __import__('os').getpid() != kernel "
    "else None)(_o.getpid(), _o._exit)); del _o; "
    "import gradlib_course.recording.recorder as _r; _r.install_kernel_recorder(); del _r"
)


def _limit(which: int, value: int) -> None:
    soft, hard = resource.getrlimit(which)
    if hard != resource.RLIM_INFINITY:
        value = min(value, hard)
    resource.setrlimit(which, (value, value))


def drop_privileges() -> None:
    """Become the unprivileged user, with no supplementary groups and no capabilities."""
    if os.getuid() != 0:
        return
    os.setgroups([])
    os.setgid(UNPRIVILEGED)
    os.setuid(UNPRIVILEGED)  # (from uid 0 to another: every capability is cleared)
    if os.getuid() != UNPRIVILEGED or os.geteuid() != UNPRIVILEGED:
        raise SystemExit("the sandbox could not drop to the unprivileged user")


def _copy_into(source: str, target: str) -> None:
    """Copy the files and folders of ``source`` into ``target`` (contents only, no links)."""
    for here, _folders, files in os.walk(source):
        there = os.path.join(target, os.path.relpath(here, source))
        os.makedirs(there, exist_ok=True)
        for name in files:
            path = os.path.join(here, name)
            if os.path.isfile(path) and not os.path.islink(path):
                shutil.copyfile(path, os.path.join(there, name))


def enter(folder: str, student_folder: str | None) -> None:
    """Copy what the student's folder holds at ``folder`` into the sandbox, then go there."""
    if student_folder and os.path.isdir(SUBMISSION):
        relative = os.path.relpath(folder, student_folder)
        if not relative.startswith(".."):
            source = os.path.normpath(os.path.join(SUBMISSION, relative))
            if os.path.isdir(source):
                _copy_into(source, folder)
    os.makedirs(folder, exist_ok=True)
    os.chdir(folder)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--memory-mb", type=int, default=2048, help="address-space limit (MiB)")
    parser.add_argument("--max-files", type=int, default=1024, help="open-file limit")
    parser.add_argument("--max-processes", type=int, default=0, help="RLIMIT_NPROC (0: none)")
    parser.add_argument("--max-file-mb", type=int, default=0, help="RLIMIT_FSIZE (0: none)")
    parser.add_argument("--student-folder", help="the student's folder (writable copy)")
    parser.add_argument("--cwd", help="where the kernel starts (inside the student's folder)")
    parser.add_argument("--enter", help="only copy this folder in and move there")
    parser.add_argument(
        "--unprivileged", action="store_true", help="drop to uid 65534 if started as root"
    )
    args, kernel_args = parser.parse_known_args(argv)
    if args.enter:
        enter(args.enter, args.student_folder)
        return
    if args.memory_mb <= 0:
        parser.error(f"--memory-mb must be positive, got {args.memory_mb}")
    if args.unprivileged:
        drop_privileges()
    if args.student_folder:
        enter(args.student_folder, args.student_folder)
    if args.cwd and args.cwd != args.student_folder:
        try:
            enter(args.cwd, args.student_folder)
        except OSError:
            pass  # (a folder nbgrader has not made yet: the grader enters it later)
    for folder in ("/tmp/home", "/tmp/ipython", "/tmp/matplotlib"):
        os.makedirs(folder, exist_ok=True)
    _limit(resource.RLIMIT_AS, args.memory_mb * 2**20)
    _limit(resource.RLIMIT_CORE, 0)
    _limit(resource.RLIMIT_NOFILE, args.max_files)
    if args.max_file_mb:  # (Python ignores SIGXFSZ: a larger write fails with EFBIG)
        _limit(resource.RLIMIT_FSIZE, args.max_file_mb * 2**20)
    if args.max_processes:
        _limit(resource.RLIMIT_NPROC, args.max_processes)
    command = [sys.executable, "-m", "ipykernel_launcher", RECORD, *kernel_args]
    os.execv(sys.executable, command)


if __name__ == "__main__":
    main()
elif __name__ == "__gradlib_enter__":  # run_path(..., init_globals={"ENTER": ...})
    enter(globals()["ENTER"], globals().get("STUDENT_FOLDER"))
