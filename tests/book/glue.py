"""The values the executed chapters computed, as they glued them for their pages.

`make book` executes each chapter; every `myst_nb.glue(name, value)` call is written to
_build/jupyter_execute/book/<chapter>.glue.json.  A chapter test reads those values instead
of re-typing the chapter's code (same seeds, same calls), so it checks what the page really
shows and cannot drift from the chapter.  Values are rebuilt from their `text/plain` repr
with `ast` (literals and numpy scalars only, never `eval`); a glued figure or other output
that is not a literal is kept as its MIME bundle (a dict such as {"image/png": ...}).
"""

from __future__ import annotations

import ast
import json
import math
import re

from conftest import REPO

GLUE_DIR = REPO / "_build" / "jupyter_execute" / "book"
# numpy >= 2 writes scalars as np.float64(1.5), np.int64(3), np.True_
SCALAR_TYPES = {"np.float64", "np.float32", "np.int64", "np.int32", "np.bool_", "np.str_"}
NAMES = {"np.True_": True, "np.False_": False, "inf": math.inf, "nan": math.nan}


def literal(text: str) -> object:
    """The Python value of a repr made of literals and numpy scalars (ValueError otherwise)."""

    def value(node: ast.expr) -> object:
        if isinstance(node, ast.Constant):
            return node.value
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
            number = value(node.operand)
            return -number if isinstance(node.op, ast.USub) else number
        if isinstance(node, ast.Tuple | ast.List):
            items = [value(item) for item in node.elts]
            return tuple(items) if isinstance(node, ast.Tuple) else items
        if isinstance(node, ast.Name | ast.Attribute) and ast.unparse(node) in NAMES:
            return NAMES[ast.unparse(node)]
        if (
            isinstance(node, ast.Call)
            and ast.unparse(node.func) in SCALAR_TYPES
            and len(node.args) == 1
            and not node.keywords
        ):
            return value(node.args[0])
        raise ValueError(f"not a literal: {text!r}")

    try:
        return value(ast.parse(text.strip(), mode="eval").body)
    except SyntaxError as error:
        raise ValueError(f"not a literal: {text!r}") from error


class Glued(dict):
    """A chapter's glued values by name; a name the chapter does not glue fails clearly."""

    def __init__(self, chapter: str, values: dict[str, object], plain: dict[str, str]):
        super().__init__(values)
        self.chapter = chapter
        self.plain = plain  # each value's text/plain repr, what a {glue:text} role starts from

    def __missing__(self, name: str) -> object:
        raise KeyError(
            f"book/{self.chapter}.md glues no value named {name!r} (it glues {sorted(self)})"
        )


def glued(chapter: str) -> Glued:
    """The values `book/<chapter>.md` glued when `make book` executed it."""
    path = GLUE_DIR / f"{chapter}.glue.json"
    assert path.exists(), (
        f"no glue file {path.relative_to(REPO)}: run `make book` first (make test does)"
    )
    values, plain = {}, {}
    for name, output in json.loads(path.read_text()).items():
        data = output["data"]
        plain[name] = data.get("text/plain", "")
        try:
            values[name] = literal(plain[name])
        except ValueError:
            values[name] = data  # a figure or HTML: its MIME bundle
    return Glued(chapter, values, plain)


def text_roles(chapter: str) -> list[str]:
    """The `{glue:text}` roles of a chapter's source, such as "amp_09" or "bowl_sched:.0e"."""
    source = (REPO / "book" / f"{chapter}.md").read_text()
    roles = list(dict.fromkeys(re.findall(r"\{glue:text\}`([^`]+)`", source)))
    assert roles, f"book/{chapter}.md has no {{glue:text}} role"
    return roles


def role_text(values: Glued, role: str) -> str:
    """The text a `{glue:text}` role shows on the page, made from the glued repr as myst-nb
    makes it: a plain Python literal is formatted with the role's spec, anything else (a numpy
    repr such as np.float64(10.0)) is shown as it is."""
    name, _, spec = role.partition(":")
    text = values.plain[name] if name in values else values[name]
    try:
        value = ast.literal_eval(text)
    except (SyntaxError, ValueError):
        value = text
    kind = (spec or "s")[-1]
    if kind == "s":
        value = str(value)
    elif kind in "bcdoxX":
        value = int(value)
    elif kind in "eEfFgGn%":
        value = float(value)
    return format(value, spec)


def shows(page_text: str, text: str) -> bool:
    """Whether the page shows `text` as a whole number or word, not inside a longer one
    ("34" is not shown by "0.0034", "340" or an animation's "frames[34]")."""
    return re.search(rf"(?<![\w.\[]){re.escape(text)}(?![\w\]]|\.\d)", page_text) is not None


def summary_of(chapter: str) -> str:
    """The source of a chapter's summary: from its "## Summary" to its "## Exercises"."""
    text = (REPO / "book" / f"{chapter}.md").read_text()
    return text[text.index("## Summary") : text.index("## Exercises")]
