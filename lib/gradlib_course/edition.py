"""The library a graded kernel gets: ``gradlib`` without the answers of the assignment.

While ``gradlib-course`` grades an assignment, the student's kernel imports an
*edition* of ``gradlib`` made for that assignment and mounted over the package in
the sandbox (:mod:`gradlib_course.sandbox`); the real package is nowhere in the
sandbox.  The edition keeps every module's names, so imports work, but only the
modules the assignment's own kernel-side code uses keep their implementations:

* **kept**: the grading helpers (``gradlib.grading``), the validation and trajectory
  modules they rest on, and every module whose functions or classes the notebook's
  instructor cells, visible tests and kernel-side hidden code (cases and runs, not the
  ``@grader_only`` answer key) use -- a landscape, a data set, a helper the text gives;
* **removed**: in every other module, and in a kept module for every object that a
  hidden test's ``forbidden`` list names (what the assignment grades), each function
  and method body is replaced by one line that raises
  :class:`gradlib.grading.ReferenceUsed`.

So rewiring the recorder, switching the delegation guard off or calling the
reference from the notebook gains nothing: there is no reference to call, and the
only way to a part's points is code in the notebook that computes the answers.

:func:`plan` reads what an assignment grades from its trusted program (the hidden
tests' ``forbidden`` lists, collected by running the program with the hidden tests
handed to a collector, :func:`gradlib.grading.hidden.handing_to`) and what its
kernel-side code uses (by reading it); a kernel-side use of something the assignment
grades is an authoring error and is refused with the cell and the name.
:func:`make_edition` writes the sources (once per assignment, in the coordinator);
:func:`materialize` turns them into a compiled package folder with the integrity
fingerprints of its modules (once per worker and edition, cached).
"""

from __future__ import annotations

import ast
import compileall
import contextlib
import hashlib
import importlib
import inspect
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import types
from dataclasses import dataclass
from pathlib import Path

import gradlib
from gradlib.grading.hidden import handing_to
from gradlib_course.integrity import dotted_name
from gradlib_course.kernel_cells import kernel_cell
from gradlib_course.quiet import warnings_ignored

__all__ = [
    "Edition",
    "EditionError",
    "make_edition",
    "materialize",
    "package_folder",
    "plan",
    "private_cache",
    "tables_of",
]

PACKAGE = "gradlib"
# what a graded kernel always needs: the helpers its cells call and what they rest on
INFRASTRUCTURE = ("gradlib", "gradlib._checks", "gradlib.trajectory", "gradlib.grading")
_STUB = (
    '__import__("gradlib.grading.guard", fromlist=["ReferenceUsed"]).ReferenceUsed('
    "\"{name} is not in the library this assignment is graded with: the graded kernel's "
    "gradlib holds no implementation of what the assignment asks for (nor of anything its "
    'tests do not use), so this part earns its points with code you write yourself")'
)


class EditionError(ValueError):
    """The assignment cannot be given an edition (a kernel-side use of what it grades)."""


@dataclass(frozen=True)
class Edition:
    """The sources of one assignment's edition of ``gradlib``."""

    assignment: str
    files: dict  # path under the package's parent ("gradlib/quadratics.py") -> text
    kept: tuple  # modules that keep their implementations (except what is removed)
    removed: tuple  # what the assignment grades: "module" or "module:qualname"
    digest: str


def package_folder() -> Path:
    """The folder of the ``gradlib`` package this interpreter (and its kernels) import."""
    return Path(gradlib.__file__).resolve().parent


# --- what the assignment grades, and what its kernel-side code uses ---------------------------


def _graded_objects(program: dict) -> list:
    """Every object named in a ``forbidden`` list of the assignment's hidden tests."""
    from gradlib_course.judge import Judge

    found: list = []
    for notebook, cells in program.items():
        judge = Judge(notebook)
        with handing_to(lambda test: found.extend(test.forbidden)):  # (nothing runs)
            for entry in cells:
                if entry["kind"] == "instructor":
                    judge.instructor_cell(entry["name"], entry["source"])
                else:
                    judge.plan_cell(entry["name"], entry["source"])
        if judge.problems:
            raise EditionError(f"{notebook}: {judge.problems[0]}")
    return found


def _target(obj) -> tuple[str, str | None]:
    """``(module, qualname)`` of a graded object (``qualname`` None: the whole module)."""
    if isinstance(obj, types.ModuleType):
        return obj.__name__, None
    if isinstance(obj, (staticmethod, classmethod)):
        obj = obj.__func__
    if isinstance(obj, types.MethodType):
        obj = obj.__func__
    obj = inspect.unwrap(obj) if callable(obj) else obj
    module, qualname = getattr(obj, "__module__", None), getattr(obj, "__qualname__", None)
    if not (isinstance(module, str) and isinstance(qualname, str)):
        raise EditionError(f"forbidden= lists gradlib modules, functions and classes, not {obj!r}")
    return module, qualname


def _forbidden_nodes(tree: ast.Module) -> set[int]:
    """ids of the nodes that only name what is forbidden (``forbidden=`` and its constants)."""
    inside: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            for keyword in node.keywords:
                if keyword.arg == "forbidden":
                    inside.update(id(n) for n in ast.walk(keyword.value))
    # a top-level constant (``_FORBIDDEN = [...]``) loaded only inside forbidden= lists
    loads: dict[str, list[ast.Name]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            loads.setdefault(node.id, []).append(node)
    for node in tree.body:
        if (
            isinstance(node, ast.Assign)
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
        ):
            uses = loads.get(node.targets[0].id, [])
            if uses and all(id(n) in inside for n in uses):
                inside.update(id(n) for n in ast.walk(node.value))
    return inside


def _uses(source: str) -> set[str]:
    """Dotted names of the ``gradlib`` objects ``source`` uses outside ``forbidden=`` lists."""
    tree = ast.parse(source)
    bound: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == PACKAGE:
                    if alias.asname:
                        bound[alias.asname] = alias.name
                    else:
                        bound[PACKAGE] = PACKAGE
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
            if node.module.split(".")[0] == PACKAGE:
                for alias in node.names:
                    bound[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    skipped = _forbidden_nodes(tree)
    outer: set[int] = set()  # Name/Attribute nodes that are part of a longer chain
    used = set()
    for node in ast.walk(tree):
        if id(node) in skipped or id(node) in outer:
            continue
        if isinstance(node, (ast.Attribute, ast.Name)):
            inner = node
            while isinstance(inner, ast.Attribute):
                inner = inner.value
                outer.add(id(inner))
            if not (isinstance(inner, ast.Name) and inner.id in bound):
                continue
            if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
                continue
            used.add(dotted_name(node, bound))
    return used


def _resolve(dotted: str):
    """``(object, defining module)`` of a dotted name, as far as it resolves."""
    parts = dotted.split(".")
    module = None
    for i in range(len(parts), 0, -1):
        try:
            module = importlib.import_module(".".join(parts[:i]))
        except ImportError:
            continue
        rest = parts[i:]
        break
    if module is None:
        raise EditionError(f"{dotted} is not importable")
    obj, owner = module, module.__name__
    for name in rest:
        if not hasattr(obj, name):
            break
        obj = getattr(obj, name)
        if isinstance(obj, types.ModuleType):
            owner = obj.__name__
        elif isinstance(obj, (type, types.FunctionType)):
            owner = obj.__module__
            break
        else:
            break
    return obj, owner


def _kernel_sources(program: dict) -> list[tuple[str, str]]:
    """``(cell, code)``: what the student's kernel runs of the trusted cells."""
    out = []
    for cells in program.values():
        for entry in cells:
            source = entry["source"]
            out.append((entry["name"], kernel_cell(source) if entry["kind"] == "test" else source))
    return out


def _within(target: tuple[str, str | None], removed: set) -> bool:
    module, qualname = target
    if (module, None) in removed:
        return True
    if qualname is None:
        return False
    parts = qualname.split(".")
    return any((module, ".".join(parts[:i])) in removed for i in range(1, len(parts) + 1))


def plan(program: dict) -> tuple[set[str], set[tuple[str, str | None]]]:
    """``(kept modules, removed objects)`` of an assignment's edition (see the module doc)."""
    removed = {_target(obj) for obj in _graded_objects(program)}
    outside = sorted(m for m, _ in removed if not m.split(".")[0] == PACKAGE)
    if outside:
        raise EditionError(f"forbidden= may only name gradlib's objects, not those of {outside}")
    kept = set(INFRASTRUCTURE)
    for cell, code in _kernel_sources(program):
        for dotted in sorted(_uses(code)):
            obj, owner = _resolve(dotted)
            target = _target(obj) if isinstance(obj, (type, types.FunctionType)) else (owner, None)
            if isinstance(obj, types.ModuleType) and _within((obj.__name__, None), removed):
                target = (obj.__name__, None)
            if _within(target, removed):
                raise EditionError(
                    f"cell {cell} runs {dotted} in the student's kernel, but the assignment "
                    "grades it (a hidden test's forbidden= names it): the kernel must not hold "
                    "it. Give the cell what it needs another way (plain numpy in the cell, "
                    "or a helper from a module the assignment does not grade), or use it only "
                    "in @grader_only code."
                )
            kept.add(owner)
    return kept, removed


# --- the edition's sources -----------------------------------------------------------------


def _module_name(relative: Path) -> str:
    parts = list(relative.with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_kept(module: str, kept: set[str]) -> bool:
    return any(module == k or module.startswith(k + ".") for k in kept if k != PACKAGE) or (
        module == PACKAGE
    )


class _Stubber(ast.NodeTransformer):
    """Replaces the bodies of the functions and methods to remove with one ``raise``."""

    def __init__(self, module: str, remove_all: bool, removed: set):
        self.module, self.remove_all, self.removed = module, remove_all, removed
        self.prefix: list[str] = []
        self.count = 0

    def _removes(self, qualname: str) -> bool:
        return self.remove_all or _within((self.module, qualname), self.removed)

    def visit_ClassDef(self, node):
        self.prefix.append(node.name)
        node.body = [self.visit(child) for child in node.body]
        self.prefix.pop()
        return node

    def visit_FunctionDef(self, node):
        qualname = ".".join([*self.prefix, node.name])
        if not self._removes(qualname):
            return node  # (a kept function's nested functions stay with it)
        name = f"{self.module}.{qualname}"
        node.body = [ast.parse("raise " + _STUB.format(name=name)).body[0]]
        self.count += 1
        return node

    visit_AsyncFunctionDef = visit_FunctionDef


def _edited(text: str, module: str, remove_all: bool, removed: set) -> str:
    tree = ast.parse(text)
    stubber = _Stubber(module, remove_all, removed)
    tree = stubber.visit(tree)
    if not stubber.count:
        return text
    header = (
        f"# {module}: edition for grading -- {stubber.count} function bodies removed "
        "(gradlib_course.edition)\n"
    )
    return header + ast.unparse(ast.fix_missing_locations(tree)) + "\n"


def make_edition(assignment: str, program: dict) -> Edition:
    """The edition of ``gradlib`` for ``assignment`` (``program``: its trusted cells)."""
    kept, removed = plan(program)
    root = package_folder()
    files = {}
    for path in sorted(root.rglob("*")):
        if not path.is_file() or "__pycache__" in path.parts:
            continue
        relative = path.relative_to(root.parent)
        if path.suffix != ".py":
            if path.suffix in (".pyc", ".pyo", ".so"):
                continue
            files[relative.as_posix()] = path.read_text()
            continue
        module = _module_name(relative)
        remove_all = not _is_kept(module, kept)
        files[relative.as_posix()] = _edited(path.read_text(), module, remove_all, removed)
    digest = hashlib.sha256(json.dumps([assignment, files], sort_keys=True).encode()).hexdigest()
    return Edition(
        assignment,
        files,
        tuple(sorted(kept)),
        tuple(sorted(f"{m}:{q}" if q else m for m, q in removed)),
        digest,
    )


# --- on a worker: the package folder the sandbox mounts ---------------------------------------

_TABLES = r"""
import json, pkgutil, importlib, sys, warnings
root, mount = sys.argv[1], sys.argv[2]
sys.path.insert(0, root)
warnings.simplefilter("ignore")
import gradlib
assert gradlib.__file__.startswith(root), gradlib.__file__
from gradlib_course.recording import probe
tables = {}
names = ["gradlib"] + [m.name for m in pkgutil.walk_packages(gradlib.__path__, "gradlib.")]
for name in names:
    module = importlib.import_module(name)
    module.__file__ = module.__file__.replace(root + "/gradlib", mount, 1)
    tables[name] = probe.module_table(module)
json.dump(tables, sys.stdout)
"""

_lock = threading.Lock()


def materialize(edition: Edition, cache: Path) -> Path:
    """The folder ``<cache>/<digest>/gradlib`` holding ``edition``, compiled; made once.

    Beside it, ``tables.json`` holds the integrity fingerprints of its modules as the
    kernel will see them (mounted over :func:`package_folder`), for the verdict step.
    """
    target = cache / f"gradlib-edition-{edition.digest[:20]}"
    done = target / "tables.json"
    with _lock:
        if done.exists():
            return target / PACKAGE
        cache.mkdir(parents=True, exist_ok=True)
        work = Path(tempfile.mkdtemp(prefix=".edition-", dir=cache))
        try:
            for relative, text in edition.files.items():
                path = work / relative
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(text)
            mount = str(package_folder())
            with contextlib.redirect_stdout(io.StringIO()), warnings_ignored():
                ok = compileall.compile_dir(
                    work / PACKAGE,
                    ddir=mount,
                    quiet=2,
                    invalidation_mode=compileall.py_compile.PycInvalidationMode.UNCHECKED_HASH,
                )
            if not ok:
                raise EditionError(f"the edition of {edition.assignment} does not compile")
            env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
            env["PYTHONDONTWRITEBYTECODE"] = "1"
            proc = subprocess.run(
                [sys.executable, "-c", _TABLES, str(work), mount],
                capture_output=True,
                text=True,
                env=env,
                check=False,
            )
            if proc.returncode != 0:
                raise EditionError(
                    f"the edition of {edition.assignment} does not import: "
                    + proc.stderr.strip().splitlines()[-1]
                )
            (work / "tables.json").write_text(proc.stdout)
            for path in work.rglob("*"):  # readable by the sandbox's unprivileged user
                path.chmod(0o755 if path.is_dir() else 0o644)
            work.chmod(0o755)
            if target.exists() and not done.exists():
                shutil.rmtree(target)  # the remains of a run that stopped half way
            try:
                work.rename(target)
            except OSError:
                if not done.exists():  # (another process made the same edition meanwhile)
                    raise
                shutil.rmtree(work)
        except BaseException:
            shutil.rmtree(work, ignore_errors=True)
            raise
    return target / PACKAGE


def private_cache(folder: Path) -> Path:
    """``folder``, made if missing, provided only this user can write to it.

    Editions are kept between runs in the shared temporary folder; one that another
    user could have put there is never used.
    """
    folder.mkdir(mode=0o755, exist_ok=True)
    info = folder.lstat()
    if folder.is_symlink() or info.st_uid != os.getuid() or info.st_mode & 0o022:
        raise EditionError(
            f"{folder} belongs to another user or is writable by others: remove it, or set "
            "TMPDIR to a folder of your own"
        )
    return folder


def tables_of(folder: Path) -> dict:
    """The fingerprints :func:`materialize` stored beside the edition in ``folder``."""
    return json.loads((folder.parent / "tables.json").read_text())
