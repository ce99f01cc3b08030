"""The Python kernel that runs a student's notebook during grading, with resource limits.

Started by the kernel spec that :mod:`gradlib_course.sandbox` writes::

    python -m gradlib_course.kernel --memory-mb 2048 -f {connection_file}

It lowers its own limits -- address space (a memory bomb gets ``MemoryError``
instead of taking the machine), no core files, a cap on open files -- and then
becomes an ordinary IPython kernel (``ipykernel_launcher``) with the remaining
arguments, which before the first cell switches hidden tests to recording
(:func:`gradlib.grading.hidden.install_kernel_recorder`).  Limits set here hold
for everything the student's code starts.
"""

from __future__ import annotations

import argparse
import os
import resource
import signal
import sys

# Before any cell runs, the kernel starts recording hidden-test results for the grader
# instead of checking them (gradlib.grading.hidden): the verdict is reached outside.
RECORD = (
    "--IPKernelApp.exec_lines=import gradlib.grading.hidden as _h; "
    "_h.install_kernel_recorder(); del _h"
)


def _limit(which: int, value: int) -> None:
    soft, hard = resource.getrlimit(which)
    if hard != resource.RLIM_INFINITY:
        value = min(value, hard)
    resource.setrlimit(which, (value, value))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--memory-mb", type=int, default=2048, help="address-space limit (MiB)")
    parser.add_argument("--max-files", type=int, default=1024, help="open-file limit")
    args, kernel_args = parser.parse_known_args(argv)
    if args.memory_mb <= 0:
        parser.error(f"--memory-mb must be positive, got {args.memory_mb}")
    _limit(resource.RLIMIT_AS, args.memory_mb * 2**20)
    _limit(resource.RLIMIT_CORE, 0)
    _limit(resource.RLIMIT_NOFILE, args.max_files)
    command = [sys.executable, "-m", "ipykernel_launcher", RECORD, *kernel_args]
    if os.getppid() == 1:
        # In the sandbox's own pid namespace our parent is its init (pid 1), and
        # ipykernel takes a parent with pid 1 for a sign that it was orphaned and
        # exits.  So the kernel becomes our child, and we wait for it.
        _run_as_child(command)
    os.execv(sys.executable, command)


def _run_as_child(command: list[str]) -> None:
    pid = os.fork()
    if pid == 0:
        os.execv(sys.executable, command)

    def forward(signum, _frame):
        try:
            os.kill(pid, signum)
        except ProcessLookupError:
            pass

    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT):
        signal.signal(signum, forward)
    while True:
        try:
            _, status = os.waitpid(pid, 0)
            break
        except InterruptedError:
            continue
    os._exit(os.waitstatus_to_exitcode(status) & 0xFF)


if __name__ == "__main__":
    main()
