"""What a student's function returned, as JSON that crosses from the kernel to the grader.

Under ``gradlib-course`` the hidden tests run the student's functions in the
student's kernel and send the results out as a display output; the grader, in a
process the submission never touched, turns them back into Python values and
checks them (:mod:`gradlib_course.judge`).  The kernel is the student's, so
:func:`decode` treats its output as hostile: it only ever builds plain values
(numbers, strings, lists, tuples, dicts, sets, numpy arrays and scalars of
numeric types), checks every size before allocating, and raises
:class:`WireError` on anything else.  Nothing is unpickled and no code is run.

:func:`encode` keeps the distinctions a check may rely on -- tuple or list,
Python float or numpy scalar, an array's dtype and shape -- so the grader sees
what the student's code returned.  An object of any other type becomes an
:class:`Opaque` stand-in that no comparison accepts as numbers (a correct
solution returns what the assignment's text asks for).
"""

from __future__ import annotations

import base64
import math
import numbers

import numpy as np

__all__ = ["MIME", "Opaque", "WireError", "decode", "encode"]

MIME = "application/vnd.gradlib.results+json"

MAX_DEPTH = 40
MAX_BYTES = 64 * 2**20  # of array data in one decoded value
MAX_ITEMS = 2_000_000  # list items, dict entries, object-array entries in one value
MAX_TEXT = 100_000  # characters of one string
_KINDS = {
    "list", "tuple", "set", "dict", "float", "complex", "array", "scalar", "objects", "opaque",
}  # fmt: skip
_DTYPES = {"b1", "i1", "i2", "i4", "i8", "u1", "u2", "u4", "u8", "f2", "f4", "f8", "c8", "c16"}


class WireError(ValueError):
    """The kernel's output is not a value :func:`encode` could have made."""


class Opaque:
    """Stands for a returned object of a type the wire does not carry."""

    def __init__(self, type_name: str, text: str):
        self.type_name, self.text = type_name, text

    def __repr__(self) -> str:
        return f"<{self.type_name}: {self.text}>"

    def __eq__(self, other) -> bool:
        return isinstance(other, Opaque) and (self.type_name, self.text) == (
            other.type_name,
            other.text,
        )

    __hash__ = None


def _float(x: float):
    return x if math.isfinite(x) else {"float": repr(x)}


def _type_name(value) -> str:
    kind = type(value)
    return f"{kind.__module__}.{kind.__qualname__}"


def encode(value, _depth: int = 0):
    """``value`` as JSON-compatible data (see the module docstring for what is kept)."""
    if _depth > MAX_DEPTH:
        return {"opaque": "nested too deeply", "repr": ""}
    d = _depth + 1
    if value is None or isinstance(value, (bool, str)):
        return value if not isinstance(value, str) else str(value)
    if isinstance(value, np.generic):
        if value.dtype.kind in "biufc" and value.dtype.itemsize <= 16:
            raw = base64.b64encode(np.asarray(value).tobytes()).decode()
            return {"scalar": value.dtype.str, "data": raw}
        return {"opaque": _type_name(value), "repr": repr(value)[:200]}
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return _float(float(value))
    if isinstance(value, complex):
        return {"complex": [_float(value.real), _float(value.imag)]}
    if isinstance(value, np.ndarray):
        if value.dtype.kind in "biufc":
            data = np.ascontiguousarray(value)
            raw = base64.b64encode(data.tobytes()).decode()
            return {"array": data.dtype.str, "shape": list(value.shape), "data": raw}
        if value.dtype.kind == "O":
            items = [encode(v, d) for v in value.ravel().tolist()]
            return {"objects": list(value.shape), "items": items}
        return {"opaque": f"numpy array of dtype {value.dtype}", "repr": repr(value)[:200]}
    if isinstance(value, tuple):
        return {"tuple": [encode(v, d) for v in value]}
    if isinstance(value, list):
        return {"list": [encode(v, d) for v in value]}
    if isinstance(value, dict):
        return {"dict": [[encode(k, d), encode(v, d)] for k, v in value.items()]}
    if isinstance(value, (set, frozenset)):
        return {"set": [encode(v, d) for v in value]}
    if isinstance(value, numbers.Real):  # Fraction, Decimal, ...: the number it stands for
        try:
            return _float(float(value))
        except (TypeError, ValueError, OverflowError):
            pass
    return {"opaque": _type_name(value), "repr": _safe_repr(value)}


def _safe_repr(value) -> str:
    try:
        return repr(value)[:200]
    except Exception:  # noqa: BLE001 - a student's __repr__ may raise anything
        return "(no repr)"


class _Budget:
    def __init__(self):
        self.bytes = 0
        self.items = 0

    def spend(self, n_bytes: int = 0, n_items: int = 0) -> None:
        self.bytes += n_bytes
        self.items += n_items
        if self.bytes > MAX_BYTES or self.items > MAX_ITEMS:
            raise WireError("the results are larger than the grader accepts")


def _shape(raw) -> tuple[int, ...]:
    if not isinstance(raw, list) or len(raw) > 32:
        raise WireError(f"bad array shape {raw!r:.80}")
    if not all(isinstance(n, int) and not isinstance(n, bool) and 0 <= n for n in raw):
        raise WireError(f"bad array shape {raw!r:.80}")
    return tuple(raw)


def _dtype(raw) -> np.dtype:
    if not isinstance(raw, str) or raw[:1] not in "<>|=" or raw[1:] not in _DTYPES:
        raise WireError(f"dtype {raw!r:.40} is not a numeric dtype")
    return np.dtype(raw)


def _bytes(raw, budget: _Budget) -> bytes:
    if not isinstance(raw, str):
        raise WireError("array data must be base64 text")
    budget.spend(n_bytes=len(raw) * 3 // 4)
    try:
        return base64.b64decode(raw.encode("ascii"), validate=True)
    except (ValueError, UnicodeEncodeError):
        raise WireError("array data is not base64") from None


def decode(data, _depth: int = 0, _budget: _Budget | None = None):
    """The value :func:`encode` made ``data`` from; :class:`WireError` if it could not have."""
    budget = _budget or _Budget()
    if _depth > MAX_DEPTH:
        raise WireError("the results are nested too deeply")
    d = _depth + 1
    if data is None or isinstance(data, bool):
        return data
    if isinstance(data, int):
        if abs(data).bit_length() > 4096:
            raise WireError("an integer is too large")
        return data
    if isinstance(data, float):
        return data
    if isinstance(data, str):
        if len(data) > MAX_TEXT:
            raise WireError("a string is too long")
        return data
    kinds = [k for k in data if k in _KINDS] if isinstance(data, dict) else []
    if len(kinds) != 1 or len(data) > 3:
        raise WireError(f"unexpected {type(data).__name__} in the results")
    kind = kinds[0]
    body = data[kind]
    if kind in ("list", "tuple", "set"):
        if not isinstance(body, list):
            raise WireError(f"{kind} without items")
        budget.spend(n_items=len(body))
        items = [decode(v, d, budget) for v in body]
        if kind == "set":
            try:
                return set(items)
            except TypeError:
                raise WireError("a set of unhashable values") from None
        return items if kind == "list" else tuple(items)
    if kind == "dict":
        if not isinstance(body, list) or not all(isinstance(p, list) and len(p) == 2 for p in body):
            raise WireError("dict without key-value pairs")
        budget.spend(n_items=len(body))
        out = {}
        for key, value in body:
            key = decode(key, d, budget)
            try:
                out[key] = decode(value, d, budget)
            except TypeError:
                raise WireError("a dict key that cannot be hashed") from None
        return out
    if kind == "float":
        if body not in ("nan", "inf", "-inf"):
            raise WireError(f"bad float {body!r:.40}")
        return float(body)
    if kind == "complex":
        if not (isinstance(body, list) and len(body) == 2):
            raise WireError("bad complex number")
        re, im = (decode(v, d, budget) for v in body)
        if not all(isinstance(v, (int, float)) for v in (re, im)):
            raise WireError("bad complex number")
        return complex(re, im)
    if kind == "array":
        dtype, shape = _dtype(body), _shape(data.get("shape"))
        size = math.prod(shape) * dtype.itemsize
        budget.spend(n_bytes=size)
        raw = _bytes(data.get("data"), budget)
        if len(raw) != size:
            raise WireError(f"array data has {len(raw)} bytes, its shape needs {size}")
        return np.frombuffer(raw, dtype=dtype).reshape(shape).copy()
    if kind == "scalar":
        dtype = _dtype(body)
        raw = _bytes(data.get("data"), budget)
        if len(raw) != dtype.itemsize:
            raise WireError("scalar data of the wrong size")
        return np.frombuffer(raw, dtype=dtype)[0]
    if kind == "objects":
        shape = _shape(body)
        items = data.get("items")
        if not isinstance(items, list) or len(items) != math.prod(shape):
            raise WireError("object array with the wrong number of items")
        budget.spend(n_items=len(items))
        out = np.empty(len(items), dtype=object)
        for i, item in enumerate(items):
            out[i] = decode(item, d, budget)
        return out.reshape(shape)
    if kind == "opaque":
        text = data.get("repr", "")
        if not isinstance(body, str) or not isinstance(text, str):
            raise WireError("bad opaque value")
        return Opaque(body[:200], text[:200])
    raise WireError(f"unknown kind {kind!r:.40} in the results")
