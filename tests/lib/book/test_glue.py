"""gradlib.book.glue: myst-nb's glue in the book's build, a plain display (or nothing) elsewhere."""

from __future__ import annotations

import sys

import pytest

from gradlib.book.glue import glue


@pytest.fixture
def shown(monkeypatch):
    import IPython.display

    seen = []
    monkeypatch.setattr(IPython.display, "display", lambda value: seen.append(value))
    return seen


def test_without_myst_nb_glue_shows_the_value_or_nothing(monkeypatch, shown):
    monkeypatch.setitem(sys.modules, "myst_nb", None)  # as in a student's environment
    assert glue("loss", 0.25, display=False) is None
    assert shown == []
    glue("loss", 0.25)
    assert shown == [0.25]


def test_with_myst_nb_glue_is_myst_nbs(monkeypatch, shown):
    myst_nb = pytest.importorskip("myst_nb")
    calls = []
    monkeypatch.setattr(myst_nb, "glue", lambda *a, **k: calls.append((a, k)))
    glue("loss", 0.25, display=False)
    assert calls == [(("loss", 0.25), {"display": False})] and shown == []
