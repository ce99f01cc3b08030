"""Integrity flags for one submission: things an instructor should look at.

Flags go to the grading record and the report; they never change a grade (the grade
is the verdict step's, which the submission cannot reach).
Each flag is a dict ``{"kind", "notebook", "cell", "detail"}``.  What is checked,
and how:

``reference``      (runtime) a hidden test raised ``gradlib.grading.ReferenceUsed``:
                   the student's function ran gradlib's own implementation of the part.
``locked-cell``    (static) a locked or test cell was changed, deleted, duplicated,
                   moved or given another type -- its source is compared (SHA-256 of the
                   whitespace-normalised text, hidden tests removed) with the source cell
                   the gradebook holds, and the cell order with the gradebook's order.
``monkeypatch``    (static) the student's code assigns to an attribute of ``numpy``,
                   ``gradlib`` or the kernel's recorder (``np.allclose = ...``,
                   ``setattr(np, ...)``) or rebinds a test helper (``check_close``,
                   ``call_student``, ...).
``file-access``    (static) the student's code opens, lists or loads files, or starts
                   programs; (runtime) an error output shows a file access that failed.
``trace-hook``     (static) ``sys.settrace`` / ``sys.setprofile`` / ``threading.settrace``
                   / ``sys.monitoring`` -- the hooks ``call_student`` relies on.
``tampering``      (runtime, from the verdict step :mod:`gradlib_course.judge`) the kernel
                   was altered while the notebook ran: a test helper, the reference, a
                   comparison function, numpy, ``builtins`` or ``sys.modules`` no longer
                   matches the grader's own copy, a hook (trace, profile, exception,
                   display, IPython event or transformer) was installed, or a test
                   cell's results never reached the grader -- whatever names were used.

Only code the student wrote is inspected statically: every code cell whose
source differs from the gradebook's version of that cell, and every cell the
gradebook does not know.
"""

from __future__ import annotations

import ast
import hashlib
import json
from pathlib import Path

from gradlib_course.markers import strip_hidden

__all__ = [
    "FLAG_KINDS",
    "gradebook_source_cells",
    "inspect_submission",
    "source_digest",
]

FLAG_KINDS = ("reference", "locked-cell", "monkeypatch", "file-access", "trace-hook", "tampering")

HELPERS = {"check_close", "check_sequence_close", "call_student", "quiet", "ReferenceUsed"}
# packages whose attributes a submission must not assign (the kernel's recorder included)
PATCHED_PACKAGES = ("numpy", "gradlib", "gradlib_course")
TRACE_CALLS = {
    "sys.settrace",
    "sys.setprofile",
    "threading.settrace",
    "threading.setprofile",
    "threading.settrace_all_threads",
    "threading.setprofile_all_threads",
}
FILE_CALLS = {
    "open",
    "io.open",
    "os.open",
    "os.listdir",
    "os.scandir",
    "os.walk",
    "os.system",
    "os.popen",
    "os.chdir",
    "glob.glob",
    "glob.iglob",
    "pathlib.Path",
    "Path",
    "shutil.copy",
    "shutil.copyfile",
    "shutil.copytree",
    "subprocess.run",
    "subprocess.Popen",
    "subprocess.check_output",
    "subprocess.call",
    "numpy.load",
    "numpy.loadtxt",
    "numpy.genfromtxt",
    "numpy.fromfile",
    "nbformat.read",
}
FILE_METHODS = {"read_text", "read_bytes", "iterdir", "glob", "rglob", "open"}
_RUNTIME_FILE_ERRORS = {"FileNotFoundError", "PermissionError", "IsADirectoryError", "OSError"}


def source_digest(source: str) -> str:
    """SHA-256 of a cell's source with trailing whitespace and blank edges ignored."""
    lines = [line.rstrip() for line in strip_hidden(source).strip().splitlines()]
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


def _source(cell) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else str(src)


def _grade_id(cell) -> str | None:
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


class _Aliases(ast.NodeVisitor):
    """Names bound to modules (``import numpy as np`` -> ``np: numpy``)."""

    def __init__(self):
        self.modules = {"np": "numpy", "numpy": "numpy", "sys": "sys", "os": "os"}

    def visit_Import(self, node):
        for a in node.names:
            self.modules[a.asname or a.name.split(".")[0]] = (
                a.name if a.asname else a.name.split(".")[0]
            )

    def visit_ImportFrom(self, node):
        for a in node.names:
            full = f"{node.module}.{a.name}" if node.module else a.name
            self.modules[a.asname or a.name] = full


def dotted_name(node, aliases: dict[str, str]) -> str | None:
    """``a.b.c`` for an attribute chain on a name, its root replaced by ``aliases``."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(aliases.get(node.id, node.id))
    return ".".join(reversed(parts))


def _parse(source: str):
    # IPython magics and shell escapes are not Python
    cleaned = "\n".join(
        "" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines()
    )
    try:
        return ast.parse(cleaned)
    except SyntaxError:
        return None


def _static_flags(source: str, aliases: dict[str, str]) -> list[tuple[str, str]]:
    tree = _parse(source)
    if tree is None:
        return []
    found: list[tuple[str, str]] = []

    def patched(target):
        if isinstance(target, ast.Attribute):
            name = dotted_name(target, aliases)
            if name and name.split(".")[0] in PATCHED_PACKAGES:
                found.append(("monkeypatch", f"assigns to {name}"))
        elif isinstance(target, ast.Name) and target.id in HELPERS:
            found.append(("monkeypatch", f"rebinds the test helper {target.id}"))
        elif isinstance(target, ast.Subscript):
            base = dotted_name(target.value, aliases)
            if base == "sys.modules":
                found.append(("monkeypatch", "replaces a module in sys.modules"))
        elif isinstance(target, (ast.Tuple, ast.List)):
            for t in target.elts:
                patched(t)

    for node in ast.walk(tree):
        if isinstance(node, ast.Assign):
            for t in node.targets:
                patched(t)
        elif isinstance(node, (ast.AugAssign, ast.AnnAssign)):
            patched(node.target)
        elif isinstance(node, ast.Delete):
            for t in node.targets:
                patched(t)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            if node.name in HELPERS:
                found.append(("monkeypatch", f"redefines the test helper {node.name}"))
        elif isinstance(node, ast.Attribute) and dotted_name(node, aliases) == "sys.monitoring":
            found.append(("trace-hook", "uses sys.monitoring"))
        elif isinstance(node, ast.Call):
            name = dotted_name(node.func, aliases) or ""
            if name in TRACE_CALLS:
                found.append(("trace-hook", f"calls {name}"))
            elif name in ("setattr", "delattr") and node.args:
                target = dotted_name(node.args[0], aliases) or ""
                if target.split(".")[0] in PATCHED_PACKAGES:
                    found.append(("monkeypatch", f"{name} on {target}"))
            elif name in FILE_CALLS:
                found.append(("file-access", f"calls {name}"))
            elif isinstance(node.func, ast.Attribute) and node.func.attr in FILE_METHODS:
                if name.split(".")[0] not in ("numpy", "np"):
                    found.append(("file-access", f"calls .{node.func.attr}()"))
    return found


def _runtime_flags(cell) -> list[tuple[str, str]]:
    found = []
    for out in cell.get("outputs", []):
        if out.get("output_type") != "error":
            continue
        if out.get("ename") == "ReferenceUsed":
            found.append(("reference", str(out.get("evalue", ""))[:300]))
        elif out.get("ename") in _RUNTIME_FILE_ERRORS:
            found.append(("file-access", f"{out['ename']}: {str(out.get('evalue', ''))[:200]}"))
    return found


def inspect_submission(
    submitted: dict[str, str],
    autograded: dict[str, str],
    source_cells: dict[str, list[dict]],
) -> list[dict]:
    """Flags for one submission.

    submitted : notebook name -> the student's notebook JSON (unreadable ones left out)
    autograded : notebook name -> the autograded notebook JSON
    source_cells : notebook name -> the gradebook's source cells in notebook order, each
        ``{"name", "cell_type", "locked", "source"}``
    """
    flags: list[dict] = []

    def add(kind, notebook, cell, detail):
        flag = {"kind": kind, "notebook": notebook, "cell": cell, "detail": detail}
        if flag not in flags:
            flags.append(flag)

    for name, text in sorted(submitted.items()):
        try:
            cells = json.loads(text).get("cells", [])
        except (ValueError, AttributeError):
            continue
        known = {c["name"]: c for c in source_cells.get(name, [])}
        order = [c["name"] for c in source_cells.get(name, [])]
        seen: list[str] = []
        aliases = _Aliases()
        for cell in cells:
            if cell.get("cell_type") == "code":
                tree = _parse(_source(cell))
                if tree is not None:
                    aliases.visit(tree)
        for cell in cells:
            gid = _grade_id(cell)
            ref = known.get(gid) if gid else None
            if ref is not None:
                if gid in seen:
                    add("locked-cell", name, gid, "cell is duplicated")
                seen.append(gid)
                if ref["locked"]:
                    if cell.get("cell_type") != ref["cell_type"]:
                        add(
                            "locked-cell",
                            name,
                            gid,
                            f"cell type changed from {ref['cell_type']} to {cell.get('cell_type')}",
                        )
                    elif source_digest(_source(cell)) != source_digest(ref["source"]):
                        add("locked-cell", name, gid, "locked cell was edited")
                    continue  # an unchanged locked cell is the instructor's code
            if cell.get("cell_type") == "code":
                for kind, detail in _static_flags(_source(cell), aliases.modules):
                    add(kind, name, gid or "(added cell)", detail)
        for gid in order:
            if known[gid]["locked"] and gid not in seen:
                add("locked-cell", name, gid, "cell was deleted")
        present = [g for g in dict.fromkeys(seen) if g in order]
        if present != [g for g in order if g in present]:
            add("locked-cell", name, "(notebook)", "cells were reordered")
    for name, text in sorted(autograded.items()):
        try:
            cells = json.loads(text).get("cells", [])
        except ValueError:
            continue
        for cell in cells:
            for kind, detail in _runtime_flags(cell):
                add(kind, name, _grade_id(cell) or "(added cell)", detail)
    return flags


def gradebook_source_cells(
    db_url: str, assignment: str, source_dir: Path | None = None
) -> dict[str, list[dict]]:
    """The gradebook's source cells of ``assignment``, per notebook, in notebook order.

    The gradebook does not store the order of cells; it is taken from the source
    notebooks in ``source_dir`` (``solutions/<assignment>``) when they exist.
    """
    from nbgrader.api import Gradebook

    cells: dict[str, list[dict]] = {}
    with Gradebook(db_url) as gb:
        for nb in gb.find_assignment(assignment).notebooks:
            cells[nb.name] = [
                {
                    "name": c.name,
                    "cell_type": c.cell_type,
                    "locked": bool(c.locked),
                    "source": c.source or "",
                }
                for c in nb.source_cells
            ]
    for name, listed in cells.items():
        path = Path(source_dir or "") / f"{name}.ipynb"
        if source_dir is None or not path.exists():
            continue
        order = [_grade_id(c) for c in json.loads(path.read_text()).get("cells", [])]
        position = {gid: i for i, gid in enumerate(order) if gid}
        listed.sort(key=lambda c: position.get(c["name"], len(position)))
    return cells
