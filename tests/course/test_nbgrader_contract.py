"""The internals of nbgrader and nbclient that gradlib_course.nbgrader_ext relies on."""

from __future__ import annotations

import pytest
from gradlib_course.nbgrader_ext import contract


@pytest.mark.parametrize("name", sorted(contract.CHECKS))
def test_the_internal_is_as_expected(name):
    check, why = contract.CHECKS[name]
    check()  # raises, naming what changed


def test_a_changed_internal_stops_grading_with_a_clear_message(monkeypatch):
    from nbgrader.preprocessors import SaveAutoGrades

    monkeypatch.delattr(SaveAutoGrades, "_add_score")
    with pytest.raises(RuntimeError, match=r"scores: SaveAutoGrades\._add_score is gone"):
        contract.require()
