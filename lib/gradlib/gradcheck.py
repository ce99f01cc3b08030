"""Checking gradients against finite differences.

The central difference ``(f(x + eps) - f(x - eps)) / (2 eps)`` has an error of
order ``eps^2`` (truncation) plus ``|f| * machine_eps / eps`` (rounding); in
float64 with ``eps = 1e-6`` both are around ``1e-10`` relative to the gradient,
so a correct backward pass agrees with it to about ``1e-8`` or better, and a
wrong one is off by orders of magnitude more.  Use float64: in float32 the
rounding term alone is about ``1e-1`` relative at this ``eps``.

Finite differences are meaningless across a kink: if a ReLU's input is within
``eps`` of 0 the two evaluations sit on different sides of it.  Random
inputs almost never hit one; a suspicious entry in the report of a ReLU network
is worth a second look with other inputs.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass, field

import numpy as np

from gradlib._checks import check_finite, check_real, numeric_array

__all__ = [
    "numerical_gradient",
    "relative_error",
    "check_model_gradients",
    "GradientRecord",
    "GradientReport",
]


def numerical_gradient(f, x: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """Central-difference gradient of a scalar function of an array.

    Parameters
    ----------
    f : callable
        ``f(x)`` returns a real number.  ``f`` may also ignore its argument and read
        ``x`` some other way (a model's parameter array, for instance): ``x`` is
        changed in place.
    x : ndarray of floats, any shape
        The point.  Each entry is moved to ``x[i] +- eps`` in turn and then set back
        to its original value exactly, also if ``f`` raises.
    eps : float > 0
        The step.

    Returns
    -------
    ndarray of float64, shape of ``x``
        ``(f(x + eps e_i) - f(x - eps e_i)) / (2 eps)`` for every index ``i``.
    """
    if not callable(f):
        raise TypeError(f"f must be callable, got {type(f).__name__}")
    if not isinstance(x, np.ndarray) or x.dtype.kind != "f":
        raise TypeError(
            "x must be a numpy array of floats (it is perturbed in place), got "
            f"{type(x).__name__}" + (f" of dtype {x.dtype}" if isinstance(x, np.ndarray) else "")
        )
    if not x.flags.writeable:
        raise ValueError("x must be writeable: it is perturbed in place (and restored)")
    eps = check_real(eps, "eps")
    if eps <= 0:
        raise ValueError(f"eps must be positive, got {eps}")
    grad = np.zeros(x.shape, dtype=np.float64)
    for i in np.ndindex(x.shape):
        original = x[i]
        try:
            x[i] = original + eps
            f_plus = _scalar(f(x))
            x[i] = original - eps
            f_minus = _scalar(f(x))
        finally:
            x[i] = original
        grad[i] = (f_plus - f_minus) / (2 * eps)
    return grad


def _scalar(value) -> float:
    if isinstance(value, bool) or np.ndim(value) != 0:
        raise TypeError(f"f must return a real number, got {type(value).__name__} {value!r}")
    if not isinstance(value, numbers.Real | np.ndarray | np.generic):
        raise TypeError(f"f must return a real number, got {type(value).__name__}")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"f returned {value}: finite differences need finite values")
    return value


def relative_error(a, b) -> float:
    """``max |a - b| / max(max(|a| + |b|), tiny)``: the largest difference, relative to the scale.

    ``a`` and ``b`` are arrays (or numbers) of the same shape; ``tiny`` is the
    smallest positive float64 (so two zero arrays have error 0).  The result is 0
    exactly when ``a == b``, is symmetric, unchanged when both are scaled by the
    same non-zero factor, and at most 1 (reached when ``b = -a`` or one is 0).
    Because it divides by the *largest* magnitude in the arrays, an entry that is
    tiny in both (a dead ReLU's zero gradient against ``1e-11`` of rounding noise)
    does not blow it up, unlike an entrywise relative error.
    """
    a = numeric_array(a, "relative_error a").astype(np.float64, copy=False)
    b = numeric_array(b, "relative_error b").astype(np.float64, copy=False)
    if a.shape != b.shape:
        raise ValueError(f"relative_error needs arrays of one shape, got {a.shape} and {b.shape}")
    check_finite(a, "relative_error a")
    check_finite(b, "relative_error b")
    if a.size == 0:
        return 0.0
    scale = max(float(np.max(np.abs(a) + np.abs(b))), np.finfo(np.float64).tiny)
    return float(np.max(np.abs(a - b))) / scale


@dataclass(frozen=True)
class GradientRecord:
    """The comparison of one parameter's (or the input's) backprop and numerical gradient."""

    layer: str  #: ``"0: Linear(4, 8)"``, or ``"input"``
    name: str  #: ``"weight"``, ``"bias"``, ``"x"``
    shape: tuple
    relative_error: float  #: :func:`relative_error` of the two gradients
    max_abs_error: float  #: ``max |analytic - numeric|``
    analytic: np.ndarray = field(repr=False, compare=False)  #: backprop's gradient
    numeric: np.ndarray = field(repr=False, compare=False)  #: the finite differences


class GradientReport(list):
    """A list of :class:`GradientRecord`, printed as a table.

    ``tol`` only decides which rows the table marks as suspicious (``<-- CHECK``);
    :meth:`ok` compares the worst error with a tolerance of your choice.
    """

    def __init__(self, records=(), tol: float = 1e-6):
        super().__init__(records)
        self.tol = tol

    @property
    def worst(self) -> float:
        """The largest relative error in the report (0 if it is empty)."""
        return max((r.relative_error for r in self), default=0.0)

    def ok(self, tol: float | None = None) -> bool:
        """Whether every relative error is below ``tol`` (default: the report's ``tol``)."""
        return self.worst < (self.tol if tol is None else tol)

    def __str__(self) -> str:
        rows = [("layer", "param", "shape", "rel. error", "max abs err", "")]
        for r in self:
            flag = "<-- CHECK" if r.relative_error >= self.tol else "ok"
            shape = "(" + ", ".join(map(str, r.shape)) + ("," if len(r.shape) == 1 else "") + ")"
            rows.append(
                (r.layer, r.name, shape, f"{r.relative_error:.2e}", f"{r.max_abs_error:.2e}", flag)
            )
        widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
        lines = [
            "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
            for row in rows
        ]
        lines.insert(1, "-" * len(lines[0]))
        return "\n".join(lines)


def _layers(model) -> list:
    """Every layer inside ``model`` (nested ``Sequential`` flattened), ``model`` included."""
    found = [model]
    for layer in getattr(model, "layers", ()):
        found.extend(_layers(layer))
    return found


def check_model_gradients(
    model, loss, x, target, eps: float = 1e-6, *, check_input: bool = True, tol: float = 1e-6
) -> GradientReport:
    """Compare backprop's gradients of ``loss(model(x), target)`` with finite differences.

    Parameters
    ----------
    model : a layer or :class:`~gradlib.nn.Sequential`
        Anything with ``forward``, ``backward`` and ``named_params`` (or ``params``).
    loss : a loss of :mod:`gradlib.losses`
    x : array, shape (B, in)
        The input batch; use float64 (see the module docstring).
    target : array
        Whatever ``loss`` takes as target.
    eps : float
        Finite-difference step.
    check_input : bool
        Also compare ``dL/dx`` (the value ``model.backward`` returns).
    tol : float
        The relative error from which the table flags a row.

    Returns
    -------
    GradientReport
        One :class:`GradientRecord` per parameter array (in the order of
        ``params()``), then one for the input if ``check_input``.

    Dropout is checked in the mode the model is in.  In training mode every
    forward pass would draw a new mask, so the random generators of the layers
    (their ``rng`` attribute) are set back before each evaluation: every
    evaluation uses the mask of the backprop pass and the check is meaningful.
    Afterwards the model holds the state and gradients of one forward and
    backward pass at ``x`` (its generators advanced by that one pass).
    """
    x = numeric_array(x, "x", ndim=2, what="(B, in)")
    x = np.array(x, dtype=np.float64 if x.dtype.kind != "f" else x.dtype)  # our own copy
    rngs = [
        layer.rng
        for layer in _layers(model)
        if isinstance(getattr(layer, "rng", None), np.random.Generator)
    ]
    start = [rng.bit_generator.state for rng in rngs]

    def rewind():
        for rng, state in zip(rngs, start, strict=True):
            rng.bit_generator.state = state

    def value(_=None) -> float:
        rewind()
        return loss.forward(model.forward(x), target)

    def backprop():
        value()
        return model.backward(loss.backward())

    input_grad = backprop()
    named = _named_params(model)
    analytic = [np.array(g, dtype=np.float64) for g in model.grads()]
    if len(analytic) != len(named):
        raise ValueError(
            f"model.grads() gave {len(analytic)} arrays but the model has {len(named)} parameters"
        )
    records = []
    for (layer, name, param), grad in zip(named, analytic, strict=True):
        if grad.shape != param.shape:
            raise ValueError(
                f"{layer} {name}: gradient of shape {grad.shape} for a parameter of shape "
                f"{param.shape}"
            )
        records.append(_record(layer, name, grad, numerical_gradient(value, param, eps)))
    if check_input:
        if input_grad is None or np.shape(input_grad) != x.shape:
            raise ValueError(
                f"model.backward returned {type(input_grad).__name__} "
                f"{np.shape(input_grad) if input_grad is not None else ''}, expected dL/dx of "
                f"shape {x.shape}"
            )
        numeric = numerical_gradient(value, x, eps)
        records.append(_record("input", "x", np.array(input_grad, dtype=np.float64), numeric))
    backprop()  # leave the model as after one forward/backward at x
    return GradientReport(records, tol=tol)


def _named_params(model) -> list[tuple[str, str, np.ndarray]]:
    """``(layer label, parameter name, array)`` for every parameter, in ``params()`` order."""
    layers = getattr(model, "layers", None)
    if layers is None:
        return [(_label(model), name, p) for name, p in _layer_named_params(model)]
    return [
        (f"{i}: {_label(layer)}", name, p)
        for i, layer in enumerate(layers)
        for name, p in _layer_named_params(layer)
    ]


def _layer_named_params(layer) -> list[tuple[str, np.ndarray]]:
    if hasattr(layer, "named_params"):
        return list(layer.named_params())
    return [(f"param{i}", p) for i, p in enumerate(layer.params())]


def _label(layer) -> str:
    text = repr(layer)
    return text if "\n" not in text else type(layer).__name__


def _record(layer: str, name: str, analytic: np.ndarray, numeric: np.ndarray) -> GradientRecord:
    return GradientRecord(
        layer=layer,
        name=name,
        shape=tuple(analytic.shape),
        relative_error=relative_error(analytic, numeric),
        max_abs_error=float(np.max(np.abs(analytic - numeric))) if analytic.size else 0.0,
        analytic=analytic,
        numeric=numeric,
    )
