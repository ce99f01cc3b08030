"""The five lectures the book follows, each under one short name (loaded by _config.yml).

The preface has a table of the lectures; its rows are the targets of every mention
in the book.  Two roles keep the names consistent:

- ``{lecture}`sgd-slides``` writes the lecture's short name ("SGD slides") as a
  link to its row of the preface table;
- ``{lecture-row}`sgd-slides``` (used once per lecture, in the preface table)
  writes the short name in bold and makes it the link target ``lecture-sgd-slides``.

A key that is not in :data:`LECTURES` is an error (the build runs with warnings as
errors), so a misspelt mention cannot reach the site.

The preface's coverage table (and a few chapters) point at about a hundred sections with
``{section}`sgd-decay``` ("§4.5 Why the learning rate must decay", linked; an explicit
``{section}`text <label>``` replaces the title).  It reads the section's number from the
environment instead of loading the target page as ``{numref}`` does for every
reference, which would make each build of the preface several seconds slower.  An
unknown label is an error, as for ``{ref}``.
"""

from __future__ import annotations

import re

from docutils import nodes
from sphinx import addnodes
from sphinx.util import logging
from sphinx.util.docutils import SphinxRole
from sphinx.util.nodes import make_refnode

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


class SectionReference(SphinxRole):
    """``{section}`label``` or ``{section}`text <label>```: "§4.5 title", linked."""

    def run(self):
        match = re.fullmatch(r"(.*?)\s*<([^<>]+)>", self.text, re.S)
        title, label = (match.group(1), match.group(2)) if match else ("", self.text)
        ref = addnodes.pending_xref(
            "",
            nodes.inline("", title or label, classes=["xref", "section-ref"]),
            reftype="section-ref",
            reftarget=label.strip(),
            refexplicit=bool(title),
            refwarn=True,
            refdoc=self.env.docname,
        )
        return [ref], []


def _note_section_ids(app, doctree):
    """label id -> the id of its section, whose number the environment keeps."""
    ids = app.env.__dict__.setdefault("gradlib_section_ids", {})
    ids[app.env.docname] = {
        other: section["ids"][0]
        for section in doctree.findall(nodes.section)
        for other in section["ids"][1:]
    }


def _purge(app, env, docname):
    env.__dict__.setdefault("gradlib_section_ids", {}).pop(docname, None)


def _merge(app, env, docnames, other):
    ids = env.__dict__.setdefault("gradlib_section_ids", {})
    ids.update(
        {d: v for d, v in getattr(other, "gradlib_section_ids", {}).items() if d in docnames}
    )


def _resolve_section(app, env, node, contnode):
    if node.get("reftype") != "section-ref":
        return None
    label = node["reftarget"]
    docname, labelid, title = env.domains["std"].labels.get(label, (None, None, None))
    if docname is None:
        return None  # Sphinx then reports the undefined label (refwarn)
    first = env.__dict__.get("gradlib_section_ids", {}).get(docname, {}).get(labelid, labelid)
    number = env.toc_secnumbers.get(docname, {}).get("#" + first)
    if node["refexplicit"]:
        title = contnode.astext()
    text = ("§" + ".".join(map(str, number)) + " " if number else "") + title
    return make_refnode(app.builder, node["refdoc"], docname, labelid, nodes.inline("", text))


def setup(app):
    app.add_role("lecture", LectureReference())
    app.add_role("lecture-row", LectureRow())
    app.add_role("section", SectionReference())
    app.connect("doctree-read", _note_section_ids)
    app.connect("env-purge-doc", _purge)
    app.connect("env-merge-info", _merge)
    app.connect("missing-reference", _resolve_section)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "env_version": 1}
