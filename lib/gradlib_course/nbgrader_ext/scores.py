"""nbgrader's own scoring, run by the coordinator on a gradebook it keeps open.

The coordinator records every student's notebooks with nbgrader's ``SaveAutoGrades``
scoring (``_add_score``, ``_add_comment``: the points a cell earns, exactly as
``nbgrader autograde`` gives them) and its ``AssignLatePenalties`` with the course's
late-penalty plugin.  nbgrader's ``SaveAutoGrades`` opens the gradebook again for
every notebook and commits after every cell (a disk sync each); here it writes
through the coordinator's open gradebook and the caller commits once per student.
"""

from __future__ import annotations

from nbgrader.api import Gradebook
from nbgrader.preprocessors import AssignLatePenalties, NbGraderPreprocessor, SaveAutoGrades

__all__ = ["assign_late_penalty", "save_auto_grades"]


class _Deferred:
    """A session whose ``commit`` only flushes: the caller commits once at the end."""

    def __init__(self, session):
        self._session = session

    def commit(self) -> None:
        self._session.flush()

    def __getattr__(self, name):
        return getattr(self._session, name)


class _SharedGradebook:
    """The coordinator's open gradebook, lent to one of nbgrader's preprocessors."""

    def __init__(self, gb: Gradebook):
        self._gb = gb
        self.db = _Deferred(gb.db)

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        pass  # the owner closes it

    def __getattr__(self, name):
        return getattr(self._gb, name)


class _SaveAutoGrades(SaveAutoGrades):
    """nbgrader's ``SaveAutoGrades`` writing through an open gradebook without committing.

    nbgrader's own opens the gradebook again for every notebook and commits after
    every cell (a disk sync each); its scoring (``_add_score``, ``_add_comment``) is
    used unchanged.
    """

    def __init__(self, gradebook: Gradebook, **kwargs):
        super().__init__(**kwargs)
        self._shared = _SharedGradebook(gradebook)

    def preprocess(self, nb, resources):
        info = resources["nbgrader"]
        self.notebook_id, self.assignment_id = info["notebook"], info["assignment"]
        self.student_id, self.db_url = info["student"], info["db_url"]
        self.gradebook = self._shared
        return NbGraderPreprocessor.preprocess(self, nb, resources)


def save_auto_grades(gradebook: Gradebook, nb, resources: dict) -> None:
    """Score the autograded ``nb`` into the open ``gradebook``; the caller commits."""
    _SaveAutoGrades(gradebook).preprocess(nb, resources)


def assign_late_penalty(nb, resources: dict, config=None) -> None:
    """nbgrader's late penalty for ``nb``'s submission, with the course's ``config``."""
    kwargs = {"config": config} if config is not None else {}
    AssignLatePenalties(**kwargs).preprocess(nb, resources)
