"""The five lectures the book follows, each under one short name (loaded by _config.yml).

The preface has a table of the lectures; its rows are the targets of every mention
in the book.  Two roles keep the names consistent:

- ``{lecture}`sgd-slides``` writes the lecture's short name ("SGD slides") as a
  link to its row of the preface table;
- ``{lecture-row}`sgd-slides``` (used once per lecture, in the preface table)
  writes the short name in bold and makes it the link target ``lecture-sgd-slides``.

A key that is not in :data:`LECTURES` is an error (the build runs with warnings as
errors), so a misspelt mention cannot reach the site.
"""

from __future__ import annotations

from docutils import nodes
from sphinx import addnodes
from sphinx.util import logging
from sphinx.util.docutils import SphinxRole

logger = logging.getLogger(__name__)

# key -> the short name readers see; the anchor of the preface row is "lecture-<key>".
LECTURES = {
    "physics-356": "Physics 356 lesson",
    "sgd-slides": "SGD slides",
    "uppsala": "Uppsala lecture",
    "dl-notes": "DL Notes post",
    "convergence-slides": "convergence slides",
}


def anchor(key: str) -> str:
    """The id of the preface row of lecture ``key``."""
    return f"lecture-{key}"


class _LectureRole(SphinxRole):
    def _key(self) -> str | None:
        key = self.text.strip()
        if key not in LECTURES:
            logger.warning(
                "unknown lecture %r in {%s}: expected one of %s",
                key,
                self.name,
                ", ".join(LECTURES),
                location=self.get_location(),
            )
            return None
        return key


class LectureReference(_LectureRole):
    """``{lecture}`key```: the short name, linked to the lecture's row in the preface."""

    def run(self):
        key = self._key()
        if key is None:
            return [nodes.inline(text=self.text)], []
        ref = addnodes.pending_xref(
            "",
            nodes.inline("", LECTURES[key], classes=["xref", "std", "std-ref", "lecture-name"]),
            refdomain="std",
            reftype="ref",
            reftarget=anchor(key),
            refexplicit=True,
            refwarn=True,
            refdoc=self.env.docname,
        )
        return [ref], []


class LectureRow(_LectureRole):
    """``{lecture-row}`key```: the short name in bold, as the target of every mention."""

    def run(self):
        key = self._key()
        if key is None:
            return [nodes.inline(text=self.text)], []
        target = nodes.target("", "", ids=[anchor(key)], names=[anchor(key)])
        self.inliner.document.note_explicit_target(target)
        return [target, nodes.strong(text=LECTURES[key], classes=["lecture-name"])], []


def setup(app):
    app.add_role("lecture", LectureReference())
    app.add_role("lecture-row", LectureRow())
    return {"parallel_read_safe": True, "parallel_write_safe": True}
