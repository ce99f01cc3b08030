"""nbgrader's execution step, made to survive a cell that kills or hangs its kernel.

``nbgrader autograde`` gives up on a whole notebook when the kernel dies
(``os._exit``, a segfault, the memory limit) or stops answering: the student
then scores zero in every part, even those that work.  :class:`ResilientExecute`
replaces nbgrader's ``Execute`` in the autograde pipeline (see
:mod:`gradlib_course.worker`).  When a cell kills the kernel it marks that cell
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

from jupyter_core.utils import ensure_async, run_sync
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbformat.v4 import new_output
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.preprocessors import DeduplicateIds, Execute, NbGraderPreprocessor
from traitlets import Integer

__all__ = ["ResilientExecute", "RepairedDeduplicateIds", "RestoredCellMetadata", "prestart_kernel"]

_prestarted: dict = {}  # kernel name -> a started AsyncKernelManager, used once


def prestart_kernel(kernel_name: str, folder: str) -> None:
    """Start a ``kernel_name`` kernel in ``folder`` now, for the first notebook to grade.

    Call it in the grading process (the kernel spec must already be findable); a
    kernel that cannot start here is simply started later, as usual.
    """
    from jupyter_client.manager import AsyncKernelManager

    try:
        km = AsyncKernelManager(kernel_name=kernel_name)
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

    def preprocess(self, nb, resources=None, km=None):
        self._failed: dict[int, str] = {}
        original = copy.deepcopy(nb)
        name = (original.metadata.get("kernelspec") or {}).get("name")
        head_start = _prestarted.pop(name, None) if km is None else None
        while True:
            work = copy.deepcopy(original)
            self._current = None
            self._enter = None
            if head_start is not None:
                self._enter = (resources or {}).get("metadata", {}).get("path")
            try:
                return super().preprocess(work, resources, head_start or km)
            except (DeadKernelError, CellTimeoutError, RuntimeError) as exc:
                if head_start is not None and self._current is None:
                    self.log.warning("the kernel started ahead failed (%s); starting another", exc)
                    continue  # (the finally below drops it)
                if self._current is None or self._current in self._failed:
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

    async def async_start_new_kernel_client(self):
        kc = await super().async_start_new_kernel_client()
        if self._enter:  # a kernel started ahead, in the folder above the notebook's
            code = f"__import__('os').chdir({self._enter!r})"
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


class RepairedDeduplicateIds(DeduplicateIds):
    """nbgrader's ``DeduplicateIds`` without its bug.

    A student who duplicates a graded or locked cell leaves two cells with one
    ``grade_id``; nbgrader keeps one and empties the other's metadata to ``{}``,
    which its own metadata check then rejects as an "old version of the nbgrader
    metadata format" -- and the whole notebook scores zero.  Here the emptied
    metadata is removed instead, so the copy is an ordinary cell.
    """

    def preprocess_cell(self, cell, resources, cell_index):
        cell, resources = super().preprocess_cell(cell, resources, cell_index)
        if cell.metadata.get("nbgrader", None) == {}:
            del cell.metadata["nbgrader"]
        return cell, resources


class RestoredCellMetadata(NbGraderPreprocessor):
    """Put back the nbgrader metadata of every cell the gradebook knows, before nbgrader reads it.

    nbgrader restores a changed locked cell's source and points, but computes the
    cell's checksum from the ``grade`` and ``solution`` flags as the submission
    states them: a student who turns a test cell's ``grade`` off makes nbgrader
    reject the whole notebook ("Inconsistent checksums") -- every part scores
    zero.  Here each cell whose ``grade_id`` the gradebook knows gets the flags,
    points and lock the gradebook holds for it.
    """

    def preprocess(self, nb, resources):
        info = resources["nbgrader"]
        self._ids = (info["notebook"], info["assignment"])
        with Gradebook(info["db_url"]) as gb:
            self._gb = gb
            return super().preprocess(nb, resources)

    def _find(self, finder, grade_id):
        try:
            return finder(grade_id, *self._ids)
        except MissingEntry:
            return None

    def preprocess_cell(self, cell, resources, cell_index):
        meta = cell.metadata.get("nbgrader")
        grade_id = meta.get("grade_id") if isinstance(meta, dict) else None
        source = self._find(self._gb.find_source_cell, grade_id) if grade_id else None
        if source is None:
            return cell, resources
        graded = self._find(self._gb.find_graded_cell, grade_id)
        task = self._find(self._gb.find_task_cell, grade_id)
        meta.update(
            grade=graded is not None and task is None,
            solution=self._find(self._gb.find_solution_cell, grade_id) is not None,
            locked=bool(source.locked),
            task=task is not None,
        )
        if graded is not None:
            meta["points"] = float(graded.max_score)
        else:
            meta.pop("points", None)
        return cell, resources
