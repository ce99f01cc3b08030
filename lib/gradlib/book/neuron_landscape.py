"""The error surface of a logistic neuron, its critical points, and how common minima are.

* :class:`NeuronLossSlice` -- the mean loss of a logistic neuron (as trained by
  :func:`gradlib.perceptron.logistic_train`) as a function of two of its weights, the
  others held fixed: a :class:`~gradlib.landscapes.Landscape`, so the plotting and
  :func:`~gradlib.landscapes.minimize` tools of the book work on it.
* :func:`find_critical_points` -- Newton's method on the gradient from a grid of starts;
  each point found is classified by the signs of its Hessian's eigenvalues
  (:func:`critical_point_kind`).
* :func:`decision_boundary` -- the segment of a 2-D neuron's boundary line inside a window,
  for plotting.
* :func:`fraction_positive_definite` -- how often a random symmetric matrix has only
  positive eigenvalues: the toy model behind the convergence slides' remark that in large networks
  saddle points are far more common than local minima.
"""

from __future__ import annotations

import numpy as np

from gradlib._checks import as_generator, check_positive_int
from gradlib.landscapes import CriticalPoint, Landscape

__all__ = [
    "NeuronLossSlice",
    "critical_point_kind",
    "decision_boundary",
    "find_critical_points",
    "fraction_positive_definite",
]


def critical_point_kind(hessian, tol: float = 1e-10) -> str:
    """ "local minimum" (all eigenvalues > tol), "local maximum" (all < -tol), "saddle point"
    (some of each) or "degenerate" (an eigenvalue within ``tol`` of 0)."""
    eig = np.linalg.eigvalsh(np.asarray(hessian, dtype=np.float64))
    if np.any(np.abs(eig) <= tol):
        return "degenerate"
    if np.all(eig > 0):
        return "local minimum"
    if np.all(eig < 0):
        return "local maximum"
    return "saddle point"


def find_critical_points(
    landscape: Landscape, n: int = 12, *, steps: int = 60, tol: float = 1e-10
) -> tuple[CriticalPoint, ...]:
    """Critical points of ``landscape`` in its window, by Newton's method from n x n starts.

    A start is kept when the gradient's largest entry falls below ``tol`` inside the
    window; points closer than 1e-6 are merged. Each point is classified by
    :func:`critical_point_kind`; the lowest minimum found is called "global minimum"
    (the lowest in the window, not a proof). Minima come first (lowest first), then
    the other points by value.
    """
    n, steps = check_positive_int(n, "n"), check_positive_int(steps, "steps")
    (x0, x1), (y0, y1) = landscape.xlim, landscape.ylim
    found: list[np.ndarray] = []
    for sx in np.linspace(x0, x1, n + 2)[1:-1]:
        for sy in np.linspace(y0, y1, n + 2)[1:-1]:
            p = np.array([sx, sy])
            with np.errstate(all="ignore"):
                for _ in range(steps):
                    g = landscape.gradient(p)
                    if np.max(np.abs(g)) < tol:
                        break
                    try:
                        p = p - np.linalg.solve(landscape.hessian(p), g)
                    except np.linalg.LinAlgError:
                        break
                    if not np.all(np.isfinite(p)):
                        break
            inside = x0 <= p[0] <= x1 and y0 <= p[1] <= y1
            if inside and np.max(np.abs(landscape.gradient(p))) < tol:
                if not any(np.linalg.norm(p - q) < 1e-6 for q in found):
                    found.append(p)
    points = [(p, landscape.value(p), critical_point_kind(landscape.hessian(p))) for p in found]
    minima = sorted((c for c in points if c[2] == "local minimum"), key=lambda c: c[1])
    others = sorted((c for c in points if c[2] != "local minimum"), key=lambda c: c[1])
    result = [
        CriticalPoint(p, float(v), "global minimum" if i == 0 else kind)
        for i, (p, v, kind) in enumerate(minima)
    ]
    result += [CriticalPoint(p, float(v), kind) for p, v, kind in others]
    return tuple(result)


class NeuronLossSlice(Landscape):
    """The mean loss of the neuron ``sigmoid([x, 1] . weights)`` over two of its weights.

    The loss is that of :func:`gradlib.perceptron.logistic_train`: ``"squared"``,
    ``(1/n) sum 1/2 (s - t)^2``, or ``"cross_entropy"``; ``t`` comes from the labels
    and ``targets``. The landscape's coordinates ``(x, y)`` are the entries
    ``axes[0]`` and ``axes[1]`` of ``weights`` (shape ``(d + 1,)``, bias last); the
    other entries stay as given. ``critical_points`` are found with
    :func:`find_critical_points` on first use.

    Parameters
    ----------
    X : array, shape (n, d); y : array, shape (n,), labels in {-1, +1} or {0, 1}
    weights : array, shape (d + 1,)
    axes : (int, int)
        Which two entries of ``weights`` vary (e.g. ``(1, 2)``: ``w_2`` and the bias).
    loss : {"squared", "cross_entropy"}
    targets : (float, float)
        Targets of the negative and the positive class.
    xlim, ylim : (float, float)
        The window (also where critical points are searched).
    """

    def __init__(
        self,
        X,
        y,
        weights,
        axes=(0, 1),
        *,
        loss: str = "squared",
        targets=(0.0, 1.0),
        xlim=(-4.0, 4.0),
        ylim=(-4.0, 4.0),
    ):
        X = np.asarray(X, dtype=np.float64)
        y = np.asarray(y)
        if X.ndim != 2 or y.shape != (len(X),):
            raise ValueError(f"X must be (n, d) and y (n,), got {X.shape} and {y.shape}")
        self.Xa = np.hstack([X, np.ones((len(X), 1))])
        self.weights = np.asarray(weights, dtype=np.float64).copy()
        if self.weights.shape != (self.Xa.shape[1],):
            raise ValueError(
                f"weights must have shape ({self.Xa.shape[1]},), got {self.weights.shape}"
            )
        self.axes = tuple(int(a) for a in axes)
        if len(self.axes) != 2 or self.axes[0] == self.axes[1]:
            raise ValueError(f"axes must be two different indices, got {axes!r}")
        if loss not in ("squared", "cross_entropy"):
            raise ValueError(f'loss must be "squared" or "cross_entropy", got {loss!r}')
        self.loss = loss
        self.t = np.where(y > 0, float(targets[1]), float(targets[0]))
        self.xlim, self.ylim = tuple(map(float, xlim)), tuple(map(float, ylim))
        self._critical = None

    @property
    def critical_points(self) -> tuple[CriticalPoint, ...]:
        if self._critical is None:
            self._critical = find_critical_points(self)
        return self._critical

    def full_weights(self, point) -> np.ndarray:
        """The neuron's whole weight vector, shape (d + 1,), at a point ``(x, y)`` of the slice."""
        w = self.weights.copy()
        w[list(self.axes)] = np.asarray(point, dtype=np.float64)
        return w

    def _z(self, x, y):
        """Pre-activations, shape (n, *grid)."""
        a, b = self.axes
        rest = np.delete(np.arange(len(self.weights)), [a, b])
        fixed = self.Xa[:, rest] @ self.weights[rest]
        x, y = np.asarray(x), np.asarray(y)
        shape = (-1,) + (1,) * np.ndim(x)
        col = lambda k: self.Xa[:, k].reshape(shape)  # noqa: E731
        return fixed.reshape(shape) + col(a) * x + col(b) * y

    def _terms(self, x, y):
        """Per-point loss, dloss/dz and d2loss/dz2, each of shape (n, *grid)."""
        z = self._z(x, y)
        t = self.t.reshape((-1,) + (1,) * (z.ndim - 1))
        s = 0.5 * (1.0 + np.tanh(0.5 * z))  # the logistic function, without overflow
        slope = s * (1.0 - s)
        if self.loss == "squared":
            return 0.5 * (s - t) ** 2, (s - t) * slope, slope * (slope + (s - t) * (1.0 - 2.0 * s))
        log_s, log_1s = -np.logaddexp(0.0, -z), -np.logaddexp(0.0, z)
        return -(t * log_s + (1.0 - t) * log_1s), s - t, slope

    def _cols(self, ndim):
        shape = (-1,) + (1,) * ndim
        return (self.Xa[:, k].reshape(shape) for k in self.axes)

    def _value(self, x, y):
        return self._terms(x, y)[0].mean(axis=0)

    def _gradient(self, x, y):
        _, d1, _ = self._terms(x, y)
        u, v = self._cols(d1.ndim - 1)
        return (d1 * u).mean(axis=0), (d1 * v).mean(axis=0)

    def _hessian(self, x, y):
        _, _, d2 = self._terms(x, y)
        u, v = self._cols(0)
        return [
            [float(np.mean(d2 * u * u)), float(np.mean(d2 * u * v))],
            [float(np.mean(d2 * u * v)), float(np.mean(d2 * v * v))],
        ]

    def __repr__(self) -> str:
        return f"NeuronLossSlice(axes={self.axes}, loss={self.loss!r})"


def fraction_positive_definite(dim: int, samples: int = 2000, seed=None) -> float:
    """The fraction of random symmetric ``dim`` x ``dim`` matrices with only positive eigenvalues.

    The matrices are ``(A + A^T) / 2`` with independent standard normal ``A`` (the
    Gaussian orthogonal ensemble), a toy model of the Hessian at a random critical
    point: the fraction is 1/2 for ``dim = 1`` and falls faster than exponentially
    with ``dim``, so almost every critical point of a high-dimensional surface is a
    saddle point.
    """
    dim, samples = check_positive_int(dim, "dim"), check_positive_int(samples, "samples")
    rng = as_generator(seed)
    A = rng.standard_normal((samples, dim, dim))
    eig = np.linalg.eigvalsh(0.5 * (A + np.swapaxes(A, 1, 2)))
    return float(np.mean(np.all(eig > 0, axis=1)))


def decision_boundary(weights, xlim, ylim, n: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """Points ``(xs, ys)`` of the line ``w1 x + w2 y + b = 0`` across the window, for plotting.

    ``weights`` is ``(w1, w2, b)``. The line is sampled along the axis it crosses
    more steeply, so vertical and horizontal lines both work; ``n`` points. Raises
    ``ValueError`` when ``w1 = w2 = 0`` (no line).
    """
    w1, w2, b = (float(v) for v in np.asarray(weights, dtype=np.float64).reshape(3))
    if w1 == 0.0 and w2 == 0.0:
        raise ValueError("w1 = w2 = 0: the neuron has no boundary line")
    if abs(w2) >= abs(w1):
        xs = np.linspace(*xlim, n)
        return xs, -(w1 * xs + b) / w2
    ys = np.linspace(*ylim, n)
    return -(w2 * ys + b) / w1, ys
