"""A test cell split for the two processes that grade it: the kernel's part and the grader's.

The student's kernel is sent each test cell without its answer key -- the bodies of
its ``@grader_only`` functions (:func:`kernel_source`) -- and with its hidden tests
before its visible checks (:func:`kernel_cell`), so that a visible check failing, or
made to fail, cannot keep the hidden tests from recording.  The grader runs the
cell's definitions and hidden tests in full (:func:`plan_test_cell`) to judge what
the kernel recorded (:mod:`gradlib_course.judge`).
"""

from __future__ import annotations

import ast

from gradlib_course.markers import split_hidden

__all__ = ["kernel_cell", "kernel_source", "plan_test_cell"]

_DEFINITIONS = (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
# what an answer-key body becomes in the kernel: the call raises, the cell still runs
_STUB = '__import__("gradlib.grading.hidden").grading.hidden.GraderOnly("answer key")'


def _parse(text: str, what: str) -> ast.Module:
    try:
        return ast.parse(text)
    except SyntaxError as exc:
        raise ValueError(
            f"{what} is not plain Python (line {exc.lineno}: {exc.msg}); its answer key "
            "cannot be kept out of the student's kernel"
        ) from None


def plan_test_cell(source: str) -> tuple[str, str, str]:
    """A test cell as ``(definitions, hidden, checks)``, three pieces of code.

    ``definitions``: the imports, functions and classes of the visible part (a test
    harness, a reference gradient given to the student's function); ``hidden``: the
    hidden tests; ``checks``: the rest of the visible part (its statements and
    checks).  The grader runs ``definitions`` and ``hidden``; the student's kernel
    runs all three, hidden tests *before* the visible checks (:func:`kernel_cell`).
    """
    definitions, hidden, checks = [], [], []
    for is_hidden, text in split_hidden(source):
        tree = _parse(text, "a test cell")
        if is_hidden:
            hidden.append(text.strip("\n"))
            continue
        lines = text.splitlines()
        for node in tree.body:
            first = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
            code = "\n".join(lines[first - 1 : node.end_lineno])
            (definitions if isinstance(node, _DEFINITIONS) else checks).append(code)
    return "\n".join(definitions), "\n\n".join(hidden), "\n".join(checks)


def kernel_cell(source: str) -> str:
    """What ``gradlib-course`` sends the student's kernel for a test cell.

    The visible definitions, then the hidden tests without their answer key
    (:func:`kernel_source`), then the visible checks (see :func:`plan_test_cell`).
    """
    definitions, hidden, checks = plan_test_cell(source)
    return "\n\n".join(p for p in (definitions, kernel_source(hidden), checks) if p) + "\n"


def _is_grader_only(node) -> bool:
    for deco in getattr(node, "decorator_list", []):
        target = deco.func if isinstance(deco, ast.Call) else deco
        name = target.attr if isinstance(target, ast.Attribute) else getattr(target, "id", None)
        if name == "grader_only":
            return True
    return False


def kernel_source(source: str) -> str:
    """``source`` with the body of every top-level ``@grader_only`` function replaced.

    The answer key never reaches the student's kernel: each such body becomes one
    ``raise GraderOnly(...)`` line (names and signatures stay, so the cell runs).
    Lines outside those bodies are kept as they are.
    """
    tree = _parse(source, "a test cell")
    lines = source.splitlines(keepends=True)
    cuts = []
    for node in tree.body:
        if not _is_grader_only(node):
            continue
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            raise ValueError(f"@grader_only marks functions, not {type(node).__name__}")
        first, last = node.body[0].lineno, node.end_lineno
        if first == node.lineno:
            raise ValueError(f"write the @grader_only function {node.name} over several lines")
        cuts.append((first, last, " " * node.body[0].col_offset))
    for first, last, indent in reversed(cuts):
        lines[first - 1 : last] = [f"{indent}raise {_STUB}\n"]
    return "".join(lines)
