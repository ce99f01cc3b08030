"""nbgrader's execution step, made to survive a cell that kills or hangs its kernel.

``nbgrader autograde`` gives up on a whole notebook when the kernel dies
(``os._exit``, a segfault, the memory limit) or stops answering: the student
then scores zero in every part, even those that work.  :class:`ResilientExecute`
replaces nbgrader's ``Execute`` in the autograde pipeline (see
:mod:`gradlib.course.worker`).  When a cell kills the kernel it marks that cell
as failed (an error output saying what happened), starts a fresh kernel and runs
the notebook again from the top without that cell.  So exactly the parts that
depend on the broken cell lose their points, and the outcome does not depend on
timing.
"""

from __future__ import annotations

import copy

from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbformat.v4 import new_output
from nbgrader.preprocessors import DeduplicateIds, Execute
from traitlets import Integer

__all__ = ["ResilientExecute", "RepairedDeduplicateIds"]


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
        while True:
            work = copy.deepcopy(original)
            self._current = None
            try:
                return super().preprocess(work, resources, km)
            except (DeadKernelError, CellTimeoutError, RuntimeError) as exc:
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
