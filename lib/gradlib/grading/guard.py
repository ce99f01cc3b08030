"""The reference-delegation guard: a graded function must not run gradlib's own version.

Hidden tests call the student's code through :func:`call_student`, which watches
every Python call made while it runs; if one of the ``forbidden`` functions,
classes or modules of ``gradlib`` executes, the part fails with
:class:`ReferenceUsed`.  It catches delegation however it is written (imported,
aliased, fetched with ``getattr``) as long as the student's code does not also
switch the watch off -- which the grading workflow then flags
(:mod:`gradlib.grading.probe`).
"""

from __future__ import annotations

import inspect
import sys
import types

from gradlib.grading.checks import quiet

__all__ = ["ReferenceUsed", "call_student"]


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

    def watch(frame, event, arg):
        if event == "call" and frame.f_code in codes:
            used.append(codes[frame.f_code])

    previous = sys.getprofile()
    sys.setprofile(watch)
    try:
        with quiet():
            result = func(*args, **kwargs)
    finally:
        sys.setprofile(previous)
    if used:
        raise ReferenceUsed(
            f"{what}: your code runs gradlib's own implementation ({used[0]}). This part "
            "is graded on code you write yourself, so it earns no points while it calls "
            "the reference."
        )
    return result
