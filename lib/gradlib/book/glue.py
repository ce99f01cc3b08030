"""``glue`` for chapters that also run outside the book's build.

The book's build (myst-nb) pastes a value computed in a chapter into its text with
``glue``; a student's copy of the chapter (Colab, Binder, a hub, a laptop) has no
myst-nb, and needs none.  Chapters import :func:`glue` from here: with myst-nb
installed it is myst-nb's own; without it, the value is shown if ``display`` asks
for it and otherwise nothing happens.
"""

from __future__ import annotations

__all__ = ["glue"]


def glue(name: str, variable, display: bool = True) -> None:
    """Glue ``variable`` under ``name`` for the book's text (myst-nb), or just show it.

    Without myst-nb (outside the book's build) the value is displayed when
    ``display`` is true, as myst-nb would, and the name is not used.
    """
    try:
        from myst_nb import glue as myst_glue
    except ImportError:
        if display:
            from IPython.display import display as show

            show(variable)
        return
    myst_glue(name, variable, display=display)
