"""nbgrader's region markers in a notebook cell: the one place that reads them.

A source notebook marks the reference solution with ``### BEGIN SOLUTION`` /
``### END SOLUTION`` and the hidden tests with ``### BEGIN HIDDEN TESTS`` /
``### END HIDDEN TESTS``; ``nbgrader generate_assignment`` removes both from the
student's version.  The grader splits test cells at these markers
(:mod:`gradlib_course.kernel_cells`), and the instructor's tools strip or redact them
(:mod:`gradlib_course.feedback`, :mod:`gradlib_course.integrity`).
"""

from __future__ import annotations

import re

__all__ = ["redact_hidden", "regions", "split_hidden", "strip_hidden"]

# a marked region, its marker lines included (and the newline after the end marker)
_REGION = re.compile(
    r"^(?P<indent>[ \t]*)### BEGIN (?P<kind>SOLUTION|HIDDEN TESTS)[ \t]*\n"
    r"(?P<body>.*?)^[ \t]*### END (?P=kind)[ \t]*(?P<end>\n|$)",
    re.MULTILINE | re.DOTALL,
)


def regions(source: str, kind: str | None = None) -> list[str]:
    """The text between each pair of markers (``kind``: ``"SOLUTION"``, ``"HIDDEN TESTS"``)."""
    return [
        m.group("body") for m in _REGION.finditer(source) if kind is None or m.group("kind") == kind
    ]


def strip_hidden(source: str) -> str:
    """``source`` without its hidden-test regions (as the student's version has it)."""
    return _REGION.sub(lambda m: "" if m.group("kind") == "HIDDEN TESTS" else m.group(0), source)


def redact_hidden(source: str, note: str) -> str:
    """``source`` with each hidden-test region replaced by the one line ``note``."""

    def replace(m: re.Match) -> str:
        if m.group("kind") != "HIDDEN TESTS":
            return m.group(0)
        return m.group("indent") + note + m.group("end")

    return _REGION.sub(replace, source)


def split_hidden(source: str) -> list[tuple[bool, str]]:
    """A test cell's source as ``(hidden, text)`` pieces in order, without the marker lines.

    Each piece is padded with blank lines so that its lines keep their numbers in the
    cell; pieces with nothing but whitespace are left out.
    """
    pieces: list[tuple[bool, str]] = []

    def piece(hidden: bool, start: int, end: int) -> None:
        if source[start:end].strip():
            pieces.append((hidden, "\n" * source.count("\n", 0, start) + source[start:end]))

    position = 0
    for match in _REGION.finditer(source):
        if match.group("kind") != "HIDDEN TESTS":
            continue
        piece(False, position, match.start())
        piece(True, match.start("body"), match.end("body"))
        position = match.end()
    piece(False, position, len(source))
    return pieces
