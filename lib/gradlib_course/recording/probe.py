"""Run-time integrity facts: has the submission altered what grading relies on?

Under ``gradlib-course`` every hidden test sends, with the student's results, a
:func:`snapshot` of the kernel: a short fingerprint of every name the notebook
namespace binds to a module, function or class; of the functions and classes of the
loaded modules of ``gradlib`` and of this recording package, of numpy, ``math`` and
``builtins``; of the few IPython and ipykernel methods that carry a cell's outputs and
errors; and of the kernel's hooks (trace and profile functions, exception and display
hooks, IPython's custom exception handler, event callbacks, transformers) compared
with their state when the kernel started. The grader takes the same fingerprints in
its own clean process (:func:`grader_snapshot`) and :class:`Comparison` names every
difference -- whatever names or tricks the submission used to make it (``globals()``,
``setattr`` with names built at run time, ``sys.modules``).

Fingerprints describe *what* an object is (a function's code, defaults and
qualified name; a class's methods; a module's file), never where it lies in
memory, so the kernel's and the grader's agree when nothing was touched.  They
are facts for the instructor's report, not verdicts: the grade never depends on
them (a submission that also fakes this report still earns nothing for wrong
results, see :mod:`gradlib_course.judge`).
"""

from __future__ import annotations

import builtins
import hashlib
import importlib
import sys
import types

__all__ = ["Comparison", "grader_snapshot", "kernel_baseline", "snapshot"]

# modules compared in full (and every loaded module of these packages)
WATCHED = ("builtins", "math", "numpy", "numpy.linalg", "numpy.random", "numpy.testing")
PACKAGES = ("gradlib", "gradlib_course.recording")
# the parts of IPython, ipykernel and jupyter_client that run cells and carry outputs
KERNEL_PARTS = {
    "IPython.core.interactiveshell": {
        "InteractiveShell": (
            "run_cell", "run_cell_async", "run_ast_nodes", "run_code", "showtraceback",
            "_showtraceback", "showsyntaxerror", "set_custom_exc", "transform_cell",
        ),
    },
    "IPython.core.displaypub": {"DisplayPublisher": ("publish",)},
    "IPython.core.display_functions": {"display": None, "publish_display_data": None},
    "ipykernel.zmqshell": {
        "ZMQInteractiveShell": ("_showtraceback",),
        "ZMQDisplayPublisher": ("publish",),
    },
    "ipykernel.kernelbase": {"Kernel": ("execute_request", "send_response")},
    "ipykernel.ipkernel": {"IPythonKernel": ("do_execute",)},
    "ipykernel.iostream": {"OutStream": ("write", "flush")},
    "jupyter_client.session": {"Session": ("send", "serialize", "sign")},
}  # fmt: skip
_SKIPPED_NAMES = {"In", "Out", "exit", "quit", "get_ipython"}
# builtins that ``site`` adds to a plain interpreter and an IPython kernel takes away or
# replaces (``input`` reads from the notebook's front end)
_KERNEL_BUILTINS = {"exit", "quit", "copyright", "credits", "license", "help", "input"}
_HOOK_PACKAGES = ("IPython", "ipykernel", "matplotlib", "matplotlib_inline", "ipywidgets", "comm")


def _digest(text: str) -> str:
    return hashlib.blake2b(text.encode(), digest_size=4).hexdigest()


def _constant(value) -> str:
    """A process-independent text for a constant (a default argument, a code constant)."""
    if isinstance(value, types.CodeType):
        return _code(value)
    if isinstance(value, (frozenset, set)):
        return "{" + ",".join(sorted(_constant(v) for v in value)) + "}"
    if isinstance(value, tuple):
        return "(" + ",".join(_constant(v) for v in value) + ")"
    if value is None or isinstance(value, (bool, int, float, complex, str, bytes)):
        return repr(value)
    return f"<{type(value).__module__}.{type(value).__qualname__}>"


_codes: dict[int, tuple[types.CodeType, str]] = {}  # code objects are immutable: hash once


def _code(code: types.CodeType) -> str:
    known = _codes.get(id(code))
    if known is not None and known[0] is code:
        return known[1]
    parts = (code.co_code.hex(), _constant(code.co_consts), ",".join(code.co_names))
    digest = _digest("|".join(parts))
    _codes[id(code)] = (code, digest)  # (kept alive, so that its id is never reused)
    return digest


def _module_file(module) -> str | None:
    """A module's file below its top-level package's folder (``gradlib/grading/checks.py``).

    The same wherever the package is installed or mounted, so the grader's copy and the
    kernel's agree; a module from another file, or a file of another module, differs.
    """
    file = getattr(module, "__file__", None)
    if not isinstance(file, str):
        return None
    depth = module.__name__.count(".") + 1 + (file.endswith("__init__.py") or 0)
    return "/".join(file.replace("\\", "/").split("/")[-depth:])


def describe(obj) -> str:
    """What ``obj`` is, in words that are the same in every process running the same code."""
    if obj is None:
        return "None"
    if isinstance(obj, types.ModuleType):
        return f"module {obj.__name__} {_module_file(obj)}"
    if isinstance(obj, (staticmethod, classmethod)):
        return f"{type(obj).__name__} " + describe(obj.__func__)
    if isinstance(obj, property):
        return "property " + " ".join(describe(f) for f in (obj.fget, obj.fset, obj.fdel))
    if isinstance(obj, types.MethodType):
        return "bound " + describe(obj.__func__)
    if isinstance(obj, types.FunctionType):
        return (
            f"function {obj.__module__}.{obj.__qualname__} {_code(obj.__code__)} "
            f"{_constant(obj.__defaults__)} "
            f"{_constant(tuple(sorted((obj.__kwdefaults__ or {}).items())))}"
        )
    if isinstance(obj, type):
        return f"class {obj.__module__}.{obj.__qualname__}"
    if isinstance(obj, types.BuiltinFunctionType):
        return f"builtin {getattr(obj, '__module__', None)}.{obj.__qualname__}"
    kind = type(obj)
    name = f"{kind.__module__}.{kind.__qualname__}"
    wrapped = getattr(obj, "_implementation", None)  # numpy's array-function dispatchers
    if isinstance(wrapped, types.FunctionType):
        return f"{name} {getattr(obj, '__qualname__', '')} " + describe(wrapped)
    if hasattr(obj, "__name__") and kind.__module__ in ("numpy", "builtins"):
        return f"{name} {obj.__name__}"  # ufuncs and the like
    return f"instance of {name}"


def _is_code_like(value) -> bool:
    return isinstance(
        value, (types.ModuleType, types.FunctionType, types.BuiltinFunctionType, type)
    ) or callable(value)


def _constant_data(value) -> bool:
    return value is None or isinstance(value, (bool, int, float, complex, str, bytes, tuple))


def module_table(module, parts: dict | None = None) -> dict[str, str]:
    """``{attribute: fingerprint}`` of a module's functions, classes (with methods), constants.

    With ``parts`` (``{name: method names or None}``) only those are taken.
    """
    table = {"__module__": _digest(describe(module))}
    try:
        members = dict(vars(module))
    except TypeError:
        return {"__module__": _digest(f"not a module: {describe(module)}")}
    for name, value in members.items():
        if name.startswith("__") and name.endswith("__"):
            continue
        if parts is not None and name not in parts:
            continue
        if module is builtins and name in _KERNEL_BUILTINS:
            continue
        if isinstance(value, types.ModuleType):
            continue  # submodules appear as they are imported, differently in every process
        if _is_code_like(value):
            table[name] = _digest(describe(value))
        elif _constant_data(value):
            table[name] = _digest(_constant(value))
        else:
            continue
        if isinstance(value, type) and value.__module__ == getattr(module, "__name__", None):
            wanted = parts.get(name) if parts is not None else None
            for attr, member in vars(value).items():
                if wanted is not None and attr not in wanted:
                    continue
                if isinstance(member, (types.FunctionType, staticmethod, classmethod, property)):
                    table[f"{name}.{attr}"] = _digest(describe(member))
    return table


def _table_digest(table: dict[str, str]) -> str:
    return _digest(";".join(f"{k}={v}" for k, v in sorted(table.items())))


def _named(value) -> str:
    """``describe``, but a ``gradlib`` function by its name alone.

    Under ``gradlib-course`` the kernel's ``gradlib`` is an edition of the grader's (the
    bodies of what the assignment grades removed), so the code of its functions differs
    by design; what a name is bound to is still compared by name here, and the
    functions' code through the modules' tables.
    """
    if isinstance(value, types.FunctionType) and str(value.__module__).split(".")[0] == "gradlib":
        return f"function {value.__module__}.{value.__qualname__}"
    return describe(value)


def names_table(namespace: dict) -> dict[str, str]:
    """Fingerprints of the namespace's modules, functions, classes and library objects."""
    out = {}
    for name, value in list(namespace.items()):
        if name.startswith("_") or name in _SKIPPED_NAMES:
            continue
        module = getattr(type(value), "__module__", "") or ""
        if _is_code_like(value) or module.split(".")[0] in ("gradlib", "numpy"):
            out[name] = _digest(_named(value))
    return out


def _in(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


def watched(name: str) -> bool:
    """Whether the module ``name`` is compared in full (a table of all it defines)."""
    return name in WATCHED or any(_in(name, p) for p in PACKAGES)


def _tables(modules: dict) -> dict[str, dict[str, str]]:
    tables = {}
    for name, module in list(modules.items()):
        if watched(name):
            tables[name] = module_table(module)
        elif name in KERNEL_PARTS:
            tables[name] = module_table(module, KERNEL_PARTS[name])
    return tables


def _callback_name(callback) -> str:
    func = getattr(callback, "__func__", callback)
    return f"{getattr(func, '__module__', None)}.{getattr(func, '__qualname__', type(func))}"


def _kernel_state() -> dict[str, str]:
    """The kernel's hooks, described (compared with their state when the kernel started)."""
    import threading

    state = {
        "sys.settrace": describe(sys.gettrace()),
        "sys.setprofile": describe(sys.getprofile()),
        "threading.settrace": describe(getattr(threading, "_trace_hook", None)),
        "threading.setprofile": describe(getattr(threading, "_profile_hook", None)),
        "sys.excepthook": describe(sys.excepthook),
        "sys.displayhook": describe(sys.displayhook),
        "sys.stdout": describe(sys.stdout),
        "sys.stderr": describe(sys.stderr),
    }
    try:
        from IPython import get_ipython

        shell = get_ipython()
    except ImportError:
        shell = None
    if shell is None:
        return state
    state["IPython custom exception handler"] = ",".join(
        t.__name__ for t in getattr(shell, "custom_exceptions", ()) or ()
    )
    for attr in ("ast_transformers", "input_transformers_post", "input_transformers_cleanup"):
        state[f"IPython {attr}"] = ",".join(describe(t) for t in getattr(shell, attr, []))
    for event, callbacks in getattr(getattr(shell, "events", None), "callbacks", {}).items():
        foreign = [
            _callback_name(c) for c in callbacks if not _callback_name(c).startswith(_HOOK_PACKAGES)
        ]
        state[f"IPython event {event}"] = ",".join(foreign)
    display_pub = getattr(shell, "display_pub", None)
    state["IPython display publisher"] = f"{describe(display_pub)} #{id(display_pub)}"
    state["IPython display hook"] = describe(getattr(shell, "displayhook", None))
    state["IPython shell methods replaced on the instance"] = _replaced_methods(shell)
    state["display publisher methods replaced on the instance"] = _replaced_methods(display_pub)
    kernel = getattr(shell, "kernel", None)
    if kernel is not None:
        handlers = getattr(kernel, "shell_handlers", {}) or {}
        state["kernel message handlers"] = ",".join(
            f"{k}:{_callback_name(v)}" for k, v in sorted(handlers.items())
        )
        state["kernel methods replaced on the instance"] = _replaced_methods(kernel)
        session = getattr(kernel, "session", None)
        state["kernel session"] = f"{describe(session)} #{id(session)}"
        state["session methods replaced on the instance"] = _replaced_methods(session)
        for attr in ("iopub_socket", "iopub_thread"):
            value = getattr(kernel, attr, None)
            state[f"kernel {attr}"] = f"{describe(value)} #{id(value)}"
    state["hidden-test recorder"] = _recorder_state()
    return state


def _replaced_methods(obj) -> str:
    """Names of the methods that ``obj`` has replaced on the instance (in its ``__dict__``)."""
    try:
        members = vars(obj)
    except TypeError:
        return ""
    return ",".join(
        sorted(
            name
            for name, value in members.items()
            if callable(value) and not isinstance(value, type) and hasattr(type(obj), name)
        )
    )


def _recorder_state() -> str:
    """Where the hidden tests' results go, as objects of this process (compared in-process).

    The object that holds the runner hidden tests are handed to, the runner (the
    :class:`~gradlib_course.recording.recorder.Recorder`), its ``emit``, and what that
    closes over (the display publisher's ``publish``): wrapping, replacing or
    re-pointing any of them changes this.
    """
    hidden = sys.modules.get("gradlib.grading.hidden")
    if hidden is None:
        return "not loaded"
    holder = getattr(hidden, "_grader", None)
    runner = getattr(holder, "runner", None)
    emit = getattr(runner, "emit", None)
    parts = [f"holder #{id(holder)} {describe(type(holder))}"]
    parts += [f"{describe(v)} {describe(type(v))} #{id(v)}" for v in (runner, emit)]
    for cell in getattr(emit, "__closure__", None) or ():
        try:
            value = cell.cell_contents
        except ValueError:
            continue
        parts.append(f"{describe(value)} #{id(value)}")
        target = getattr(value, "__func__", None)
        if target is not None:
            parts.append(describe(target))
    return "; ".join(parts)


_baseline: dict = {}
_sent: dict[str, str] = {}  # module -> the digest of the table this kernel sent last


def kernel_baseline() -> None:
    """Remember the kernel's hooks as it starts, before any student code runs."""
    _baseline["state"] = _kernel_state()
    _sent.clear()


def snapshot(namespace: dict) -> dict:
    """The kernel's fingerprints, as sent with a hidden test's results.

    A module's whole table is sent the first time and again whenever it changed;
    otherwise only its digest, so a kernel that nothing touched sends little.
    """
    modules = {}
    for name, table in _tables(sys.modules).items():
        digest = _table_digest(table)
        modules[name] = {"digest": digest}
        if _sent.get(name) != digest:
            modules[name]["table"] = table
            _sent[name] = digest
    state = _kernel_state()
    before = _baseline.get("state", {})
    changed = {k: [before.get(k), v] for k, v in state.items() if k in before and before[k] != v}
    return {"names": names_table(namespace), "modules": modules, "changed": changed}


_grader_tables: dict[str, dict[str, str]] = {}  # the grader's modules are never touched


def grader_snapshot(namespace: dict, module_names, library: dict | None = None) -> dict:
    """The grader's own fingerprints of ``namespace`` and of the modules named.

    ``library``: the tables of the ``gradlib`` the kernel was given, when that is not the
    grader's own (an edition, :mod:`gradlib_course.edition`), taken in a clean process.
    """
    tables = {}
    for name in module_names:
        if not (watched(name) or name in KERNEL_PARTS):
            continue
        if library is not None and _in(name, "gradlib"):
            if name in library:
                tables[name] = library[name]
            continue
        if name not in _grader_tables:
            module = sys.modules.get(name)
            if module is None and not any(_in(name, p) for p in PACKAGES):
                try:
                    module = importlib.import_module(name)
                except Exception:  # noqa: BLE001 - not importable here: nothing to compare
                    continue
            if module is None:
                continue
            _grader_tables[name] = module_table(module, KERNEL_PARTS.get(name))
        tables[name] = _grader_tables[name]
    return {"names": names_table(namespace), "tables": tables}


class Comparison:
    """Compares a kernel's snapshots, in the order they were taken, with the grader's."""

    def __init__(self):
        self._tables: dict[str, dict] = {}  # module -> the kernel's last table

    def __call__(self, kernel: dict, grader: dict) -> list[str]:
        """Every difference between the kernel's snapshot and the grader's, in words."""
        if not isinstance(kernel, dict):
            return ["the kernel sent no integrity snapshot"]
        if "error" in kernel:
            return [f"the kernel could not take its integrity snapshot ({kernel['error']!s:.200})"]
        found = []
        names = kernel.get("names") if isinstance(kernel.get("names"), dict) else {}
        for name, digest in grader["names"].items():
            if name in names and names[name] != digest:
                found.append(f"the notebook's `{name}` is not what its own cells made it")
        modules = kernel.get("modules") if isinstance(kernel.get("modules"), dict) else {}
        for name, entry in modules.items():
            if isinstance(entry, dict) and isinstance(entry.get("table"), dict):
                self._tables[name] = entry["table"]
        for name, table in grader["tables"].items():
            entry = modules.get(name)
            if not isinstance(entry, dict):
                continue
            theirs = self._tables.get(name)
            if theirs is None or entry.get("digest") != _table_digest(theirs):
                found.append(f"module {name} changed and the kernel did not say how")
                continue
            if theirs.get("__module__") != table.get("__module__"):
                found.append(f"sys.modules[{name!r}] is not the library's module")
                continue
            for attr, digest in table.items():
                if attr not in theirs:
                    found.append(f"{name}.{attr} was deleted")
                elif theirs[attr] != digest:
                    found.append(f"{name}.{attr} was replaced or changed")
        changed = kernel.get("changed") if isinstance(kernel.get("changed"), dict) else {}
        for key, pair in sorted(changed.items()):
            if isinstance(pair, list) and len(pair) == 2:
                before, after = (str(v)[:120] for v in pair)
                found.append(f"{key} changed (was {before or 'empty'}, now {after or 'empty'})")
        return found
