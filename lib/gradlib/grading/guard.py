"""The reference-delegation guard: a graded function must not run gradlib's own version.

Hidden tests call the student's code through :func:`call_student`, which watches
every Python call made while it runs; if one of the ``forbidden`` functions,
classes or modules of ``gradlib`` executes, the part fails with
:class:`ReferenceUsed`.  It catches delegation however it is written (imported,
aliased, fetched with ``getattr``); code that switches the watch itself
(``sys.setprofile``, ``sys.settrace``, ``threading.setprofile``, however the
function was reached) fails the same way.

This guard is for notebooks run with ``nbgrader`` alone and for students' own
runs.  Under ``gradlib-course`` the kernel's ``gradlib`` holds no implementation
of what the assignment grades in the first place (each such function only raises
:class:`ReferenceUsed`, :mod:`gradlib_course.edition`), so switching the guard off
gains nothing there.
"""

from __future__ import annotations

import inspect
import sys
import types

from gradlib.grading.checks import quiet

__all__ = ["ReferenceUsed", "call_student"]


# what a failure says when the graded code switched the watch (the grader flags it)
SWITCHED = "your code changes the profiler that watches graded code"


class ReferenceUsed(AssertionError):
    """The student's function ran ``gradlib``'s implementation of the graded part."""


def _code_objects(obj, seen: set[int] | None = None) -> dict[types.CodeType, str]:
    """Code objects of a function, method, class (all its methods) or module (all it defines)."""
    seen = set() if seen is None else seen
    if id(obj) in seen:
        return {}
    seen.add(id(obj))
    obj = inspect.unwrap(obj) if callable(obj) else obj
    if isinstance(obj, (staticmethod, classmethod)):
        obj = obj.__func__
    if isinstance(obj, types.MethodType):
        obj = obj.__func__
    if isinstance(obj, types.FunctionType):
        codes = {obj.__code__: f"{obj.__module__}.{obj.__qualname__}"}
        for const in obj.__code__.co_consts:  # nested functions (e.g. backward closures)
            if isinstance(const, types.CodeType):
                codes[const] = f"{obj.__module__}.{obj.__qualname__}"
        return codes
    codes: dict[types.CodeType, str] = {}
    if isinstance(obj, type):
        for member in vars(obj).values():
            codes.update(_code_objects(member, seen))
    elif isinstance(obj, types.ModuleType):
        for member in vars(obj).values():
            if getattr(member, "__module__", None) == obj.__name__:
                codes.update(_code_objects(member, seen))
    elif isinstance(obj, property):
        for f in (obj.fget, obj.fset, obj.fdel):
            if f is not None:
                codes.update(_code_objects(f, seen))
    return codes


def _hooks() -> dict[int, str]:
    """The functions that change what watches a call, by identity (whatever name reached them).

    Keyed by ``id``: a builtin method bound to an unhashable object has no hash.
    """
    import threading

    hooks = {id(sys.setprofile): "sys.setprofile", id(sys.settrace): "sys.settrace"}
    for name in ("setprofile", "settrace", "setprofile_all_threads", "settrace_all_threads"):
        if hasattr(threading, name):
            hooks[id(getattr(threading, name))] = f"threading.{name}"
    return hooks


def call_student(what: str, func, *args, forbidden=(), **kwargs):
    """Call the student's ``func(*args, **kwargs)`` and make sure it is their own work.

    While ``func`` runs, every Python call is watched (``sys.setprofile``); if any
    of the ``forbidden`` functions, classes or modules of ``gradlib`` executes --
    however it was reached: imported, aliased, fetched with ``getattr`` -- the call
    fails with :class:`ReferenceUsed`, so the part earns no points. Numpy warnings
    are silenced (nbgrader scores a test that writes to stderr as zero).

    Returns what ``func`` returned. An exception raised by ``func`` propagates.
    """
    codes: dict[types.CodeType, str] = {}
    for obj in forbidden:
        codes.update(_code_objects(obj))
    if forbidden and not codes:
        raise ValueError(f"nothing to watch in forbidden={forbidden!r}")
    used: list[str] = []
    switched: list[str] = []
    hooks = _hooks()
    own_code = sys._getframe().f_code  # (this function restores the profiler it replaced)

    def watch(frame, event, arg):
        if event == "call":
            if frame.f_code in codes:
                used.append(codes[frame.f_code])
        elif event == "c_call" and id(arg) in hooks and frame.f_code is not own_code:
            switched.append(hooks[id(arg)])

    previous = sys.getprofile()
    sys.setprofile(watch)
    failure = None
    try:
        with quiet():
            result = func(*args, **kwargs)
    except Exception as exc:  # noqa: BLE001 - raised below, unless the watch was switched
        failure = exc
    finally:
        if sys.getprofile() is not watch:
            switched.append("the profiler was replaced")
        sys.setprofile(previous)
    if switched:
        raise ReferenceUsed(
            f"{what}: {SWITCHED} ({switched[0]}). This part is graded on code you write "
            "yourself, so it earns no points while it switches that watch."
        )
    if failure is not None:
        raise failure
    if used:
        raise ReferenceUsed(
            f"{what}: your code runs gradlib's own implementation ({used[0]}). This part "
            "is graded on code you write yourself, so it earns no points while it calls "
            "the reference."
        )
    return result
