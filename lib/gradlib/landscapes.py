"""Two-dimensional test functions for watching optimizers move, and :func:`minimize` to run them.

Every landscape has

* ``value(x)`` -- the function; ``x`` has shape ``(2,)`` or ``(2, *grid)``, so
  ``value(np.stack([X, Y]))`` fills a contour plot's grid at once
  (``landscape.grid()`` builds that stack for the landscape's window);
* ``gradient(x)`` -- shape like ``x``; ``hessian(x)`` -- shape ``(2, 2)`` for
  ``x`` of shape ``(2,)``;
* ``critical_points`` -- the known minima (global first) and saddle points,
  each a :class:`CriticalPoint` (``point``, ``value``, ``kind``), also as
  ``minima``, ``global_minimum`` and ``saddle_points``;
* ``xlim``, ``ylim`` -- a plotting window that shows the interesting part.

============================  ==========================================================
landscape                     what it shows
============================  ==========================================================
:class:`Quadratic`            a bowl with chosen curvatures and rotation: condition
                              number, the step-size limit η < 2/λ_max (the convergence slides)
:class:`Saddle`               x² − y², the saddle of the DL Notes post
:class:`Rosenbrock`           the banana valley of the Uppsala lecture
:class:`NoisyRosenbrock`      the same with Gaussian noise (σ = 30) on value and gradient
:class:`Beale`                a classic with a flat plateau and sharp ridges (the SGD slides)
:class:`LongValley`           a long, narrow, gently sloping valley (the SGD slides)
:class:`Plateau`              a local and a global minimum behind a flat region where
                              the gradient vanishes (the DL Notes post)
============================  ==========================================================
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ._checks import check_count, check_number
from .optim.base import Optimizer
from .trajectory import Trajectory

__all__ = [
    "Beale",
    "CriticalPoint",
    "Landscape",
    "LongValley",
    "Noisy",
    "NoisyRosenbrock",
    "Plateau",
    "Quadratic",
    "Rosenbrock",
    "Saddle",
    "minimize",
]


@dataclass(frozen=True)
class CriticalPoint:
    """A point where the gradient vanishes: ``kind`` is "global minimum", "local minimum"
    or "saddle point"; ``value`` is the function's value there."""

    point: np.ndarray
    value: float
    kind: str

    def __eq__(self, other) -> bool:
        if not isinstance(other, CriticalPoint):
            return NotImplemented
        return (
            np.array_equal(self.point, other.point)
            and self.value == other.value
            and self.kind == other.kind
        )

    __hash__ = None  # mutable array inside


def _points(x) -> np.ndarray:
    """x as a float array whose first axis has length 2 (x, y)."""
    x = np.asarray(x, dtype=np.float64)
    if x.ndim == 0 or x.shape[0] != 2:
        raise ValueError(
            f"expected a point of shape (2,) or a stack of shape (2, ...), got shape {x.shape}"
        )
    return x


def _point(x) -> np.ndarray:
    x = _points(x)
    if x.shape != (2,):
        raise ValueError(f"hessian needs one point of shape (2,), got shape {x.shape}")
    return x


class Landscape:
    """Base class of the 2-D test functions (see the module docstring for the interface)."""

    xlim: tuple[float, float] = (-2.0, 2.0)
    ylim: tuple[float, float] = (-2.0, 2.0)
    critical_points: tuple[CriticalPoint, ...] = ()

    def value(self, x) -> float | np.ndarray:
        """f(x) for x of shape (2,) (a float) or (2, *grid) (an array of shape grid)."""
        x = _points(x)
        out = self._value(x[0], x[1])
        return float(out) if np.ndim(out) == 0 else out

    def gradient(self, x) -> np.ndarray:
        """∇f(x), with the shape of x."""
        x = _points(x)
        return np.stack(np.broadcast_arrays(*self._gradient(x[0], x[1])))

    def hessian(self, x) -> np.ndarray:
        """∇²f(x), shape (2, 2), for one point x of shape (2,)."""
        x = _point(x)
        return np.array(self._hessian(x[0], x[1]), dtype=np.float64)

    def __call__(self, x):
        return self.value(x)

    def grid(self, n: int = 200) -> np.ndarray:
        """A stack of shape (2, n, n) covering ``xlim`` × ``ylim``: ``X, Y = landscape.grid()``."""
        xs, ys = np.linspace(*self.xlim, n), np.linspace(*self.ylim, n)
        return np.stack(np.meshgrid(xs, ys))

    @property
    def minima(self) -> tuple[CriticalPoint, ...]:
        return tuple(c for c in self.critical_points if c.kind.endswith("minimum"))

    @property
    def global_minimum(self) -> CriticalPoint | None:
        found = [c for c in self.critical_points if c.kind == "global minimum"]
        return found[0] if found else None

    @property
    def saddle_points(self) -> tuple[CriticalPoint, ...]:
        return tuple(c for c in self.critical_points if c.kind == "saddle point")

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"

    # the formulas, written for the two coordinates x, y (scalars or arrays)
    def _value(self, x, y):
        raise NotImplementedError

    def _gradient(self, x, y):
        raise NotImplementedError

    def _hessian(self, x, y):
        raise NotImplementedError


class Quadratic(Landscape):
    r"""A quadratic bowl f(θ) = ½ (θ − c)ᵀ A (θ − c) with chosen eigenvalues and rotation.

    A = R diag(λ₁, λ₂) Rᵀ, with R the rotation by ``angle`` (radians), so λ₁'s
    eigenvector points along the angle. The condition number is λ_max/λ_min;
    gradient descent converges for η < 2/λ_max and diverges above (the convergence slides).

    Parameters
    ----------
    eigenvalues : (float, float), default (1.0, 10.0)
        λ₁, λ₂ > 0, the curvatures along the principal axes.
    angle : float, default 0.0
        Rotation of the principal axes, in radians.
    center : (float, float), default (0, 0)
        c, the minimum.
    """

    def __init__(self, eigenvalues=(1.0, 10.0), angle: float = 0.0, center=(0.0, 0.0)):
        lam = np.asarray(eigenvalues, dtype=np.float64)
        if lam.shape != (2,) or not np.all(lam > 0):
            raise ValueError(f"Quadratic: eigenvalues must be two positive numbers, got {lam}")
        self.eigenvalues = lam
        self.angle = check_number("Quadratic", "angle", angle)
        self.center = np.asarray(center, dtype=np.float64)
        if self.center.shape != (2,):
            raise ValueError(f"Quadratic: center must have shape (2,), got {self.center.shape}")
        c, s = math.cos(self.angle), math.sin(self.angle)
        R = np.array([[c, -s], [s, c]])
        self.A = R @ np.diag(lam) @ R.T
        self.xlim = (self.center[0] - 2.0, self.center[0] + 2.0)
        self.ylim = (self.center[1] - 2.0, self.center[1] + 2.0)
        self.critical_points = (CriticalPoint(self.center.copy(), 0.0, "global minimum"),)

    @property
    def condition_number(self) -> float:
        return float(self.eigenvalues.max() / self.eigenvalues.min())

    def _value(self, x, y):
        (a, b), (_, d) = self.A
        u, v = x - self.center[0], y - self.center[1]
        return 0.5 * (a * u * u + 2 * b * u * v + d * v * v)

    def _gradient(self, x, y):
        (a, b), (_, d) = self.A
        u, v = x - self.center[0], y - self.center[1]
        return a * u + b * v, b * u + d * v

    def _hessian(self, x, y):
        return self.A.copy()

    def __repr__(self) -> str:
        return (
            f"Quadratic(eigenvalues={tuple(self.eigenvalues.tolist())}, angle={self.angle}, "
            f"center={tuple(self.center.tolist())})"
        )


class Saddle(Landscape):
    """f(x, y) = x² − y²: a minimum along x, a maximum along y, a saddle at 0 (DL Notes post).

    Unbounded below, so it has no minimum. Started exactly on the line y = 0,
    gradient descent never leaves it; adaptive methods break the symmetry faster
    from a point near it.
    """

    critical_points = (CriticalPoint(np.zeros(2), 0.0, "saddle point"),)

    def _value(self, x, y):
        return x * x - y * y

    def _gradient(self, x, y):
        return 2 * x, -2 * y

    def _hessian(self, x, y):
        return [[2.0, 0.0], [0.0, -2.0]]


class Rosenbrock(Landscape):
    """Rosenbrock's banana f(x, y) = (a − x)² + b (y − x²)² (the Uppsala lecture: a=1, b=100).

    The minimum (a, a²) with value 0 lies in a curved, flat-bottomed valley.
    """

    xlim = (-2.0, 2.0)
    ylim = (-1.0, 3.0)

    def __init__(self, a: float = 1.0, b: float = 100.0):
        self.a = check_number("Rosenbrock", "a", a)
        self.b = check_number("Rosenbrock", "b", b, low=0.0, open_low=True)
        self.critical_points = (CriticalPoint(np.array([a, a * a]), 0.0, "global minimum"),)

    def _value(self, x, y):
        return (self.a - x) ** 2 + self.b * (y - x * x) ** 2

    def _gradient(self, x, y):
        r = y - x * x
        return -2 * (self.a - x) - 4 * self.b * x * r, 2 * self.b * r

    def _hessian(self, x, y):
        b = self.b
        return [[2 - 4 * b * (y - x * x) + 8 * b * x * x, -4 * b * x], [-4 * b * x, 2 * b]]

    def __repr__(self) -> str:
        return f"Rosenbrock(a={self.a}, b={self.b})"


class Noisy(Landscape):
    """A landscape seen through noise: value and gradient get independent N(0, σ²) noise.

    Models the stochastic problem of the Uppsala lecture, where only noisy evaluations of
    the loss and its gradient are available (minibatches). The Hessian, the
    critical points and the window are those of the noise-free ``exact``
    landscape, which :func:`minimize` uses to record the values along a path.

    Parameters
    ----------
    landscape : Landscape
        The noise-free function (kept as ``exact``).
    sigma : float
        σ ≥ 0, the standard deviation of the noise on the value and on each
        gradient component.
    seed : int, numpy.random.Generator or None
        Seeds the noise; every call draws fresh noise from this generator.
    """

    def __init__(self, landscape: Landscape, sigma: float, seed=None):
        if not isinstance(landscape, Landscape):
            raise TypeError(f"Noisy: expected a Landscape, got {type(landscape).__name__}")
        self.exact = landscape
        self.sigma = check_number("Noisy", "sigma", sigma, low=0.0)
        self.rng = np.random.default_rng(seed)
        self.xlim, self.ylim = landscape.xlim, landscape.ylim
        self.critical_points = landscape.critical_points

    def value(self, x):
        f = self.exact.value(x)
        noisy = f + self.sigma * self.rng.standard_normal(np.shape(f))
        return float(noisy) if np.ndim(noisy) == 0 else noisy

    def gradient(self, x):
        g = self.exact.gradient(x)
        return g + self.sigma * self.rng.standard_normal(g.shape)

    def hessian(self, x):
        return self.exact.hessian(x)

    def __repr__(self) -> str:
        return f"Noisy({self.exact!r}, sigma={self.sigma})"


class NoisyRosenbrock(Noisy):
    """Rosenbrock's function with N(0, σ²) noise on value and gradient (Uppsala lecture: σ = 30)."""

    def __init__(self, sigma: float = 30.0, seed=None, a: float = 1.0, b: float = 100.0):
        super().__init__(Rosenbrock(a, b), sigma, seed)


class Beale(Landscape):
    r"""Beale's function, one of the optimizer animations of the SGD slides.

    f(x, y) = (1.5 − x + xy)² + (2.25 − x + xy²)² + (2.625 − x + xy³)², with the
    global minimum 0 at (3, 0.5) and a saddle point at (0, 1) (value 14.203125),
    between large flat regions and steep ridges.
    """

    xlim = (-4.5, 4.5)
    ylim = (-4.5, 4.5)
    critical_points = (
        CriticalPoint(np.array([3.0, 0.5]), 0.0, "global minimum"),
        CriticalPoint(np.array([0.0, 1.0]), 14.203125, "saddle point"),
    )
    _c = (1.5, 2.25, 2.625)

    def _terms(self, x, y):
        """u_k = c_k − x + x yᵏ with ∂u_k/∂x = yᵏ − 1 and ∂u_k/∂y = k x yᵏ⁻¹, for k = 1, 2, 3."""
        return [
            (c - x + x * y**k, y**k - 1, k * x * y ** (k - 1), k) for k, c in enumerate(self._c, 1)
        ]

    def _value(self, x, y):
        return sum(u * u for u, *_ in self._terms(x, y))

    def _gradient(self, x, y):
        terms = self._terms(x, y)
        return sum(2 * u * ux for u, ux, _, _ in terms), sum(2 * u * uy for u, _, uy, _ in terms)

    def _hessian(self, x, y):
        # ∇²f = 2 Σ (∇u ∇uᵀ + u ∇²u), with u_xx = 0, u_xy = k yᵏ⁻¹, u_yy = k(k−1) x yᵏ⁻²
        h = np.zeros((2, 2))
        for u, ux, uy, k in self._terms(x, y):
            uxy = k * y ** (k - 1)
            uyy = k * (k - 1) * x * y ** (k - 2) if k >= 2 else 0.0
            h += 2 * np.array(
                [[ux * ux, ux * uy + u * uxy], [ux * uy + u * uxy, uy * uy + u * uyy]]
            )
        return h


class LongValley(Landscape):
    r"""A long, narrow valley whose floor slopes gently towards the minimum (the SGD slides).

    .. math::

        f(x, y) = s\,\bigl(\sqrt{1 + x^2} - 1\bigr) + k\, y^2

    Along the floor (y = 0) the slope tends to the constant s far from the
    minimum -- progress there depends on the learning rate alone -- while across
    the valley the curvature 2k is steep, so a learning rate large enough to
    move along the floor makes gradient descent zig-zag between the walls. The
    minimum is (0, 0) with value 0; its Hessian is diag(s, 2k).

    Parameters
    ----------
    slope : float, default 0.2
        s > 0, the slope of the valley floor far from the minimum.
    steepness : float, default 4.0
        k > 0, the curvature of the walls (f = k y² across the valley).
    """

    xlim = (-10.0, 10.0)
    ylim = (-2.0, 2.0)
    critical_points = (CriticalPoint(np.zeros(2), 0.0, "global minimum"),)

    def __init__(self, slope: float = 0.2, steepness: float = 4.0):
        self.slope = check_number("LongValley", "slope", slope, low=0.0, open_low=True)
        self.steepness = check_number("LongValley", "steepness", steepness, low=0.0, open_low=True)

    def _value(self, x, y):
        return self.slope * (np.sqrt(1 + x * x) - 1) + self.steepness * y * y

    def _gradient(self, x, y):
        return self.slope * x / np.sqrt(1 + x * x), 2 * self.steepness * y

    def _hessian(self, x, y):
        return [[self.slope / (1 + x * x) ** 1.5, 0.0], [0.0, 2 * self.steepness]]

    def __repr__(self) -> str:
        return f"LongValley(slope={self.slope}, steepness={self.steepness})"


class Plateau(Landscape):
    r"""A local and a global minimum behind a flat region of vanishing gradient (DL Notes post).

    .. math::

        f(x, y) = k\, q(\tanh x) + \tanh^2 y, \qquad
        q'(t) = (t - t_g)(t - t_s)(t - t_l), \quad q(0) = 0,

    with t_g = −1/2, t_s = 1/10, t_l = 3/5 and k = 40. Since
    ∂f/∂x = k q'(tanh x)(1 − tanh² x), the critical points sit where q' = 0, at
    x = artanh(t):

    * a **local minimum** at (artanh 3/5, 0) = (ln 2, 0), value k q(3/5) = −0.648;
    * a **saddle point** (the barrier) at (artanh 1/10, 0), value k q(1/10) = 0.060333…;
    * the **global minimum** at (artanh(−1/2), 0) = (−ln 3 / 2, 0), value
      k q(−1/2) = −1.09166….

    For x ≳ 3 the factor 1 − tanh² x ≈ 4e^{−2x} makes the surface a plateau
    (f → k q(1) ≈ 2.73) whose gradient all but vanishes: started there, plain
    gradient descent crawls and then stops in the local minimum, while momentum
    can build up speed on the plateau and roll over the barrier into the deeper
    minimum. Across (along y) the valley walls are tanh² y.
    """

    xlim = (-3.0, 5.0)
    ylim = (-2.5, 2.5)
    roots = (-0.5, 0.1, 0.6)  # t_g, t_s, t_l
    k = 40.0

    def __init__(self):
        tg, ts, tl = self.roots
        # q(t) = t⁴/4 − e₁t³/3 + e₂t²/2 − e₃t, the antiderivative of (t − t_g)(t − t_s)(t − t_l)
        self._e = (tg + ts + tl, tg * ts + tg * tl + ts * tl, tg * ts * tl)
        self.critical_points = (
            CriticalPoint(np.array([math.atanh(tg), 0.0]), self.k * self._q(tg), "global minimum"),
            CriticalPoint(np.array([math.atanh(tl), 0.0]), self.k * self._q(tl), "local minimum"),
            CriticalPoint(np.array([math.atanh(ts), 0.0]), self.k * self._q(ts), "saddle point"),
        )

    def _q(self, t):
        e1, e2, e3 = self._e
        return t**4 / 4 - e1 * t**3 / 3 + e2 * t**2 / 2 - e3 * t

    def _dq(self, t):
        tg, ts, tl = self.roots
        return (t - tg) * (t - ts) * (t - tl)

    def _d2q(self, t):
        tg, ts, tl = self.roots
        return (t - ts) * (t - tl) + (t - tg) * (t - tl) + (t - tg) * (t - ts)

    def _value(self, x, y):
        return self.k * self._q(np.tanh(x)) + np.tanh(y) ** 2

    def _gradient(self, x, y):
        t, u = np.tanh(x), np.tanh(y)
        return self.k * self._dq(t) * (1 - t * t), 2 * u * (1 - u * u)

    def _hessian(self, x, y):
        t, u = math.tanh(x), math.tanh(y)
        s = 1 - t * t  # d tanh(x)/dx
        fxx = self.k * (self._d2q(t) * s * s - 2 * t * s * self._dq(t))
        fyy = 2 * (1 - u * u) * (1 - 3 * u * u)
        return [[fxx, 0.0], [0.0, fyy]]


def minimize(
    landscape: Landscape,
    optimizer: type[Optimizer] | Callable[..., Optimizer] | Optimizer,
    x0,
    steps: int,
    **optimizer_kwargs,
) -> Trajectory:
    """Run an optimizer on a landscape from ``x0`` for ``steps`` steps and return the whole path.

    Parameters
    ----------
    landscape : Landscape
        The function; its ``gradient`` (and for Newton its ``hessian``) drives the optimizer.
    optimizer : Optimizer class, factory, or Optimizer
        Usually a class, instantiated as ``optimizer([x], **optimizer_kwargs)``
        on a fresh float64 array x = x0 of shape (2,); any callable with that
        signature works too (``functools.partial(Adam, lr=0.1)``). An existing
        optimizer instance must own exactly one array of shape (2,); x0 is
        copied into it and its state is kept (``reset_state()`` it first for a
        fresh run).
    x0 : array_like, shape (2,)
        The starting point.
    steps : int
        The number of optimizer steps.
    **optimizer_kwargs
        Hyper-parameters for the class or factory (``lr=0.1, momentum=0.9``).

    Returns
    -------
    Trajectory
        ``iterates`` of shape (steps + 1, 2), θ₀ = x0 first, and ``values``,
        f at each iterate (for a :class:`Noisy` landscape, the noise-free f).

    First-order optimizers get ``step([landscape.gradient(x)])``; closure-based
    ones (BFGS) get a closure returning ``(value, [gradient])``, Newton
    ``(value, [gradient], hessian)``.
    """
    if not isinstance(landscape, Landscape):
        raise TypeError(f"minimize: expected a Landscape, got {type(landscape).__name__}")
    steps = check_count("minimize", "steps", steps)
    start = np.asarray(x0, dtype=np.float64)
    if start.shape != (2,):
        raise ValueError(f"minimize: x0 must have shape (2,), got shape {start.shape}")
    if isinstance(optimizer, Optimizer):
        if optimizer_kwargs:
            raise TypeError(
                "minimize: keyword arguments are for a class or factory, not an instance"
            )
        if len(optimizer.params) != 1 or optimizer.params[0].shape != (2,):
            raise ValueError(
                "minimize: the optimizer must own exactly one parameter array of shape (2,), got "
                f"shapes {[p.shape for p in optimizer.params]}"
            )
        opt = optimizer
        x = opt.params[0]
        x[...] = start
    elif callable(optimizer):
        x = start.copy()
        opt = optimizer([x], **optimizer_kwargs)
        if not isinstance(opt, Optimizer):
            raise TypeError(
                f"minimize: optimizer([x], ...) must return an Optimizer, got {type(opt).__name__}"
            )
    else:
        raise TypeError(
            "minimize: optimizer must be an Optimizer class, a factory params -> Optimizer, or an "
            f"Optimizer; got {type(optimizer).__name__}"
        )

    def closure():
        if opt.requires_hessian:
            return landscape.value(x), [landscape.gradient(x)], landscape.hessian(x)
        return landscape.value(x), [landscape.gradient(x)]

    iterates = np.empty((steps + 1, 2))
    iterates[0] = x
    for k in range(steps):
        if opt.requires_closure:
            opt.step(closure)
        else:
            opt.step([landscape.gradient(x)])
        iterates[k + 1] = x
    exact = landscape.exact if isinstance(landscape, Noisy) else landscape
    return Trajectory(iterates, np.asarray(exact.value(iterates.T), dtype=np.float64))
