"""Repairs of nbgrader's sanitizing steps, where a student's edit would cost the notebook.

nbgrader reads a submission's cell metadata before grading; two edits a student can
make (by accident or not) make it reject the whole notebook, so that every part
scores zero.  The steps here run in ``nbgrader autograde``'s sanitize pipeline
(:func:`gradlib_course.nbgrader_ext.steps.autograde_config`).
"""

from __future__ import annotations

from nbgrader.api import Gradebook, MissingEntry
from nbgrader.preprocessors import DeduplicateIds, NbGraderPreprocessor

__all__ = ["RepairedDeduplicateIds", "RestoredCellMetadata"]


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
