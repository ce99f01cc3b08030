"""nbgrader's execution step, made to survive a cell that kills or hangs its kernel.

``nbgrader autograde`` gives up on a whole notebook when the kernel dies
(``os._exit``, a segfault, the memory limit) or stops answering: the student
then scores zero in every part, even those that work.  :class:`ResilientExecute`
replaces nbgrader's ``Execute`` in the autograde pipeline (see
:mod:`gradlib_course.nbgrader_ext.steps`).  When a cell kills the kernel it marks that cell
as failed (an error output saying what happened), starts a fresh kernel and runs
the notebook again from the top without that cell.  So exactly the parts that
depend on the broken cell lose their points, and the outcome does not depend on
timing.

:func:`prestart_kernel` starts the first notebook's kernel at the beginning of the
grading process, so that it boots while nbgrader prepares the notebook; the
kernel starts in the student's folder and moves into the notebook's folder
(which nbgrader creates only later) before the first cell.
"""

from __future__ import annotations

import copy
import os
import uuid

from jupyter_core.paths import jupyter_runtime_dir
from jupyter_core.utils import ensure_async, run_sync
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbformat.v4 import new_output
from nbgrader.preprocessors import Execute
from traitlets import Integer

from gradlib_course.sandbox import enter_code, seal_runtime

__all__ = ["ResilientExecute", "prestart_kernel"]

_prestarted: dict = {}  # kernel name -> a started AsyncKernelManager, used once


SOCKET_PATH_MAX = 107  # sizeof(sockaddr_un.sun_path) - 1 on Linux


def _own_sockets(km) -> None:
    """Give ``km``'s kernel a connection file and Unix sockets of its own in the runtime folder.

    Graded kernels talk over jupyter_client's ``ipc`` transport (they have no network); by
    default it would put the file in the temporary folder and the sockets in the current
    one, where the sandbox shows neither.  A Unix socket's path holds at most 107 bytes,
    so the names are short (``k<8 hex digits>-ipc-<n>``) and a runtime folder too deep
    for them is refused with the reason.
    """
    name = os.path.join(jupyter_runtime_dir(), f"k{uuid.uuid4().hex[:8]}")
    if len(os.fsencode(name + "-ipc-99")) > SOCKET_PATH_MAX:
        raise RuntimeError(
            f"the kernel's sockets would be {name}-ipc-<n>, longer than the {SOCKET_PATH_MAX} "
            "bytes a Unix socket's path may have: set TMPDIR to a shorter folder"
        )
    km.transport = "ipc"
    km.connection_file = name + ".json"
    km.ip = name + "-ipc"


def prestart_kernel(kernel_name: str, folder: str) -> None:
    """Start a ``kernel_name`` kernel in ``folder`` now, for the first notebook to grade.

    Call it in the grading process (the kernel spec must already be findable); a
    kernel that cannot start here is simply started later, as usual.
    """
    from jupyter_client.manager import AsyncKernelManager

    try:
        km = AsyncKernelManager(kernel_name=kernel_name)
        _own_sockets(km)
        run_sync(km.start_kernel)(
            cwd=folder, extra_arguments=["--HistoryManager.hist_file=:memory:"]
        )
    except Exception:  # noqa: BLE001 - it is only a head start
        return
    _prestarted[kernel_name] = km


def _stop(km) -> None:
    try:
        run_sync(km.shutdown_kernel)(now=True)
    except Exception:  # noqa: BLE001 - already gone
        pass


def _failure(message: str):
    return new_output("error", ename="GradingError", evalue=message, traceback=[message])


class ResilientExecute(Execute):
    """``Execute`` that skips (and fails) the cells that kill or hang the kernel."""

    max_failed_cells = Integer(
        20, help="Give up on a notebook after this many cells that killed the kernel."
    ).tag(config=True)
    kernel_start_retries = Integer(
        3, help="Start another kernel this many times when one fails before running a cell."
    ).tag(config=True)

    def preprocess(self, nb, resources=None, km=None):
        self._failed: dict[int, str] = {}
        original = copy.deepcopy(nb)
        name = (original.metadata.get("kernelspec") or {}).get("name")
        head_start = _prestarted.pop(name, None) if km is None else None
        start_failures = 0
        while True:
            work = copy.deepcopy(original)
            self._current = None
            self._enter = None
            if head_start is not None:
                self._enter = (resources or {}).get("metadata", {}).get("path")
            try:
                return super().preprocess(work, resources, head_start or km)
            except (DeadKernelError, CellTimeoutError, RuntimeError, AssertionError) as exc:
                # (nbconvert asserts that the new kernel answered kernel_info)
                if self._current is None:  # the kernel failed before it ran any cell
                    start_failures += 1
                    if head_start is None and start_failures > self.kernel_start_retries:
                        raise
                    self.log.warning(
                        "a kernel failed before running a cell (%r); starting another", exc
                    )
                    continue  # (the finally below drops a kernel started ahead)
                if self._current in self._failed:
                    raise
                if len(self._failed) >= self.max_failed_cells:
                    raise
                if isinstance(exc, DeadKernelError) or "died" in str(exc):
                    what = "the kernel died while running this cell (exit, crash or memory limit)"
                else:
                    what = f"this cell stopped responding ({type(exc).__name__})"
                self.log.warning("cell %d: %s; running the notebook again", self._current, what)
                self._failed[self._current] = f"Not graded: {what}."
            finally:
                if head_start is not None:  # not ours to keep: nbclient leaves it running
                    if self.kc is not None:
                        self.kc.stop_channels()
                    _stop(head_start)
                    head_start = None

    def create_kernel_manager(self):
        km = super().create_kernel_manager()
        _own_sockets(km)
        return km

    async def async_start_new_kernel_client(self):
        kc = await super().async_start_new_kernel_client()
        seal_runtime(jupyter_runtime_dir())  # (the kernel answered: its sockets are made)
        if self._enter:  # a kernel started ahead, in the folder above the notebook's
            code = enter_code(self._enter)
            msg_id = await ensure_async(kc.execute(code, silent=True, store_history=False))
            reply = await self.async_wait_for_reply(msg_id)
            if reply is None or reply["content"].get("status") != "ok":
                raise RuntimeError("the kernel could not enter the notebook's folder")
        return kc

    start_new_kernel_client = run_sync(async_start_new_kernel_client)

    def preprocess_cell(self, cell, resources, index):
        if index in self._failed:
            cell.outputs = [_failure(self._failed[index])]
            cell.execution_count = None
            return cell, resources
        self._current = index
        return super().preprocess_cell(cell, resources, index)
