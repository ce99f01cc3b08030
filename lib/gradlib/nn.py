"""Layers with a hand-written forward and backward pass, and ``Sequential`` to stack them.

From the lectures' column vectors to rows
-----------------------------------------
The lectures write one sample as a column vector and a layer as

    z = W a_prev + b,    a = phi(z),
    delta = dL/dz = (W_next^T delta_next) * phi'(z),
    dL/dW = delta a_prev^T,    dL/db = delta.

Here a batch of ``B`` samples is a matrix with one sample per **row**, shape
``(B, features)`` (the layout of numpy, PyTorch and every data file), and
``Linear.weight`` keeps the lectures' (and PyTorch's) shape ``(out, in)``.
Transposing each equation gives the row form used in the code:

    Z = A_prev @ W.T + b                          (B, out)
    A = phi(Z)                                    (B, out)
    delta = grad_A * phi'(Z)                      (B, out)   elementwise, as the lectures' ⊙
    grad_W = delta.T @ A_prev                     (out, in)  = sum over the batch of delta a_prev^T
    grad_b = delta.sum(axis=0)                    (out,)
    grad_A_prev = delta @ W                       (B, in)    = (W^T delta)^T, row by row

The losses (:mod:`gradlib.losses`) already divide by ``B``, so ``grad_W`` is the
batch average of the lectures' per-sample ``delta a_prev^T`` (their ``1/B``).

The pattern of every layer
--------------------------
``forward(x)`` stores what ``backward`` needs (the input of ``Linear``, ``z`` of
``ReLU``, the output of ``Sigmoid`` and ``Tanh``, the mask of ``Dropout``), as the
lectures' forward pass stores ``z`` and ``a``.  ``backward(grad_out)`` receives
``dL/d(output)``, stores the parameter gradients, and returns ``dL/d(input)``.
Gradients are overwritten, not accumulated, by each ``backward``.

``params()`` and ``grads()`` return lists of arrays in the same order and with the
same shapes (``[]`` for layers without parameters).  ``params()`` returns the
arrays themselves, so an optimizer that updates them in place updates the model;
``grads()`` returns the gradients of the last ``backward`` (zeros before the first).

Example::

    >>> import numpy as np
    >>> from gradlib.nn import mlp
    >>> from gradlib.losses import SoftmaxCrossEntropyLoss
    >>> model, loss = mlp([4, 8, 3], seed=0), SoftmaxCrossEntropyLoss()
    >>> x, labels = np.ones((5, 4)), np.array([0, 1, 2, 1, 0])
    >>> value = loss.forward(model.forward(x), labels)
    >>> _ = model.backward(loss.backward())
    >>> for p, g in zip(model.params(), model.grads()):
    ...     p -= 0.1 * g                              # one step of gradient descent
    >>> [p.shape for p in model.params()]
    [(8, 4), (8,), (3, 8), (3,)]
"""

from __future__ import annotations

import math
import threading

import numpy as np

from gradlib._checks import (
    as_generator,
    check_finite,
    check_float_dtype,
    check_positive_int,
    check_real,
    numeric_array,
)

__all__ = [
    "Layer",
    "Linear",
    "ReLU",
    "LeakyReLU",
    "Sigmoid",
    "Tanh",
    "Identity",
    "Dropout",
    "Sequential",
    "mlp",
    "ACTIVATIONS",
    "sigmoid",
]


class _CallState(threading.local):
    """``inner`` is True while a Sequential runs its inner layers (see Sequential.forward).

    Their inputs are the previous layers' results, already checked, so
    ``_check_input`` and ``_check_grad`` return at once instead of checking them
    again at every layer.  (An instance attribute, not a class attribute of ``Layer``:
    changing a class attribute would flush the interpreter's attribute caches.)
    """

    inner = False


_CALLS = _CallState()


class Layer:
    """The interface every layer shares.

    Subclasses implement ``forward(x)`` and ``backward(grad_out)``; layers with
    parameters also override :meth:`named_params`, :meth:`params` and :meth:`grads`,
    and their ``backward`` accepts ``input_grad=False`` (skip ``dL/d(input)``, which
    :meth:`Sequential.backward` asks of the first layer when nobody needs it).
    """

    training: bool = True

    @property
    def name(self) -> str:
        return type(self).__name__

    def __call__(self, x) -> np.ndarray:
        return self.forward(x)

    def __repr__(self) -> str:
        return f"{self.name}()"

    def named_params(self) -> list[tuple[str, np.ndarray]]:
        """``[(name, array), ...]`` in the order of :meth:`params` (``[]`` without parameters)."""
        return []

    def params(self) -> list[np.ndarray]:
        """The parameter arrays themselves (not copies)."""
        return [p for _, p in self.named_params()]

    def grads(self) -> list[np.ndarray]:
        """The gradients of the last ``backward``, same order and shapes as :meth:`params`."""
        return []

    def train(self) -> Layer:
        """Switch to training mode (matters for :class:`Dropout`); returns ``self``."""
        self.training = True
        return self

    def eval(self) -> Layer:
        """Switch to evaluation mode (matters for :class:`Dropout`); returns ``self``."""
        self.training = False
        return self

    # ------------------------------------------------------------ validation
    def _check_input(self, x, dtype: np.dtype | None = None, width: int | None = None):
        """``x`` as a finite float array of shape ``(B, width)`` (any width if ``None``).

        A float ``x`` must have ``dtype`` (if given); integer arrays and lists are
        converted to ``dtype`` (default float64).
        """
        if _CALLS.inner:
            return x
        where = f"{self.name}.forward input"
        if not (isinstance(x, np.ndarray) and x.ndim == 2 and x.dtype.kind == "f"):
            x = numeric_array(x, where, ndim=2, what=f"(B, {width or 'features'})")
            if x.dtype.kind != "f":  # integers: plain data, converted to the parameters' dtype
                x = x.astype(dtype or np.float64)
        if dtype is not None and x.dtype != dtype:
            raise TypeError(
                f"{where} has dtype {x.dtype} but the layer's parameters are {dtype}; "
                f"convert one of them (e.g. x.astype(np.{dtype}))"
            )
        if width is not None and x.shape[1] != width:
            raise ValueError(f"{where} must have shape (B, {width}), got {x.shape}")
        check_finite(x, where)
        return x

    def _check_grad(self, grad_out, cached: np.ndarray | None, width=None) -> np.ndarray:
        """``grad_out`` checked against the last forward.

        ``cached`` (an array that forward stored, ``None`` before the first forward)
        gives the expected dtype and batch size; the expected shape, that of the
        forward output, is ``cached.shape``, or ``(B, width)`` if ``width`` is given.
        """
        if _CALLS.inner:
            return grad_out
        where = f"{self.name}.backward grad_out"
        if cached is None:
            raise ValueError(
                f"{self.name}.backward was called before forward: run forward(x) first"
            )
        shape = cached.shape if width is None else (len(cached), width)
        grad_out = numeric_array(grad_out, where)
        if grad_out.shape != shape:
            raise ValueError(
                f"{where} must have the shape of the last forward output {shape}, "
                f"got {grad_out.shape}"
            )
        if grad_out.dtype != cached.dtype:
            raise TypeError(
                f"{where} must have the dtype of the forward pass, {cached.dtype}, "
                f"got {grad_out.dtype}"
            )
        check_finite(grad_out, where)
        return grad_out


# ---------------------------------------------------------------------- Linear
class Linear(Layer):
    """A fully connected layer ``Z = X @ W.T + b``.

    Parameters
    ----------
    in_features, out_features : int
        Sizes of the input and output (positive).
    init : {"he", "xavier"}
        Initialisation of ``weight`` (``bias`` starts at zero):

        - ``"he"`` (Kaiming): normal with standard deviation ``sqrt(2 / in_features)``,
          for ReLU-like activations;
        - ``"xavier"`` (Glorot): normal with standard deviation
          ``sqrt(2 / (in_features + out_features))``, for tanh, sigmoid and linear layers.
    seed : None, int or numpy.random.Generator
        Where the initial weights come from (drawn in float64, then cast to ``dtype``,
        so the float32 and float64 layers of one seed hold the same numbers).
    dtype : float32 or float64

    Attributes
    ----------
    weight : ndarray, shape (out_features, in_features)
    bias : ndarray, shape (out_features,)
    grad_weight, grad_bias : ndarray, shapes of ``weight`` and ``bias``
        ``dL/dW`` and ``dL/db`` after ``backward`` (zeros before the first call).
    """

    def __init__(self, in_features, out_features, *, init="he", seed=None, dtype=np.float64):
        self.in_features = check_positive_int(in_features, "in_features")
        self.out_features = check_positive_int(out_features, "out_features")
        dtype = check_float_dtype(dtype)
        if init == "he":
            std = math.sqrt(2.0 / self.in_features)
        elif init == "xavier":
            std = math.sqrt(2.0 / (self.in_features + self.out_features))
        else:
            raise ValueError(f'init must be "he" or "xavier", got {init!r}')
        self.init = init
        shape = (self.out_features, self.in_features)
        self.weight = (std * as_generator(seed).standard_normal(shape)).astype(dtype)
        self.bias = np.zeros(self.out_features, dtype=dtype)
        self.grad_weight = np.zeros_like(self.weight)
        self.grad_bias = np.zeros_like(self.bias)
        self._x = None

    def __repr__(self) -> str:
        return f"Linear({self.in_features}, {self.out_features})"

    def named_params(self):
        return [("weight", self.weight), ("bias", self.bias)]

    def params(self):
        return [self.weight, self.bias]

    def grads(self):
        return [self.grad_weight, self.grad_bias]

    def forward(self, x) -> np.ndarray:
        """``x`` (B, in) -> ``x @ W.T + b`` (B, out); stores ``x`` for backward.

        ``x`` is stored without a copy: do not modify it in place before ``backward``.
        """
        x = self._check_input(x, self.weight.dtype, self.in_features)
        self._x = x
        return x @ self.weight.T + self.bias

    def backward(self, grad_out, *, input_grad: bool = True) -> np.ndarray | None:
        """``delta = dL/dZ`` (B, out) -> ``dL/dX`` (B, in); stores ``dL/dW`` and ``dL/db``.

        With ``input_grad=False`` only the parameter gradients are computed and
        ``None`` is returned (the input of a first layer is data: nobody needs its gradient).
        """
        x = self._x
        delta = self._check_grad(grad_out, x, self.out_features)
        self.grad_weight = delta.T @ x  # (out, B) @ (B, in): the lectures' delta a^T
        self.grad_bias = delta.sum(axis=0)  # the lectures' dL/db = delta, summed over the batch
        return delta @ self.weight if input_grad else None  # (W^T delta)^T, row by row


# ----------------------------------------------------------------- activations
class ReLU(Layer):
    """``relu(z) = max(z, 0)``; derivative ``1[z > 0]`` (0 at ``z = 0``, as PyTorch)."""

    def __init__(self):
        self._z = None

    def forward(self, x) -> np.ndarray:
        """``z`` (B, n) -> ``max(z, 0)`` (B, n); stores ``z``."""
        self._z = self._check_input(x)
        return np.maximum(self._z, 0)

    def backward(self, grad_out) -> np.ndarray:
        """``dL/da`` (B, n) -> ``dL/dz = dL/da * 1[z > 0]`` (B, n): the ReLU gate."""
        grad_out = self._check_grad(grad_out, self._z)
        return grad_out * (self._z > 0)


class LeakyReLU(Layer):
    """``z`` where ``z > 0``, else ``negative_slope * z``; derivative 1 or ``negative_slope``.

    At ``z = 0`` the derivative is ``negative_slope`` (as PyTorch).
    """

    def __init__(self, negative_slope: float = 0.01):
        self.negative_slope = check_real(negative_slope, "negative_slope")
        self._z = None

    def __repr__(self) -> str:
        return f"LeakyReLU(negative_slope={self.negative_slope})"

    def forward(self, x) -> np.ndarray:
        """``z`` (B, n) -> ``leaky_relu(z)`` (B, n); stores ``z``."""
        z = self._z = self._check_input(x)
        return np.where(z > 0, z, self.negative_slope * z)

    def backward(self, grad_out) -> np.ndarray:
        """``dL/da`` (B, n) -> ``dL/dz`` (B, n): ``dL/da`` times 1 or ``negative_slope``."""
        grad_out = self._check_grad(grad_out, self._z)
        return np.where(self._z > 0, grad_out, self.negative_slope * grad_out)


def sigmoid(z: np.ndarray) -> np.ndarray:
    """``1 / (1 + exp(-z))`` elementwise, same shape and dtype as the float array ``z``.

    Computed as ``1 / (1 + e)`` for ``z >= 0`` and ``e / (1 + e)`` otherwise, with
    ``e = exp(-|z|)``: no overflow, and full relative precision in both tails.
    """
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))


class Sigmoid(Layer):
    """``sigmoid(z) = 1 / (1 + exp(-z))``; derivative ``s (1 - s)`` with ``s = sigmoid(z)``."""

    def __init__(self):
        self._s = None

    def forward(self, x) -> np.ndarray:
        """``z`` (B, n) -> ``sigmoid(z)`` (B, n); stores the output ``s``."""
        self._s = sigmoid(self._check_input(x))
        return self._s

    def backward(self, grad_out) -> np.ndarray:
        """``dL/ds`` (B, n) -> ``dL/dz = dL/ds * s (1 - s)`` (B, n)."""
        grad_out = self._check_grad(grad_out, self._s)
        return grad_out * self._s * (1 - self._s)


class Tanh(Layer):
    """``tanh(z)``; derivative ``1 - tanh(z)^2``."""

    def __init__(self):
        self._t = None

    def forward(self, x) -> np.ndarray:
        """``z`` (B, n) -> ``tanh(z)`` (B, n); stores the output ``t``."""
        self._t = np.tanh(self._check_input(x))
        return self._t

    def backward(self, grad_out) -> np.ndarray:
        """``dL/dt`` (B, n) -> ``dL/dz = dL/dt * (1 - t^2)`` (B, n)."""
        grad_out = self._check_grad(grad_out, self._t)
        return grad_out * (1 - self._t**2)


class Identity(Layer):
    """``a = z``; derivative 1 (a linear output layer, or a placeholder)."""

    def __init__(self):
        self._z = None

    def forward(self, x) -> np.ndarray:
        """``z`` (B, n) -> ``z`` (B, n)."""
        self._z = self._check_input(x)
        return self._z

    def backward(self, grad_out) -> np.ndarray:
        """``dL/da`` (B, n) -> ``dL/dz = dL/da`` (B, n)."""
        return self._check_grad(grad_out, self._z)


class Dropout(Layer):
    """Inverted dropout: in training mode each unit is zeroed with probability ``p``.

    In training mode ``forward`` draws a mask ``m`` with entries ``0`` (probability
    ``p``) or ``1 / (1 - p)`` (probability ``1 - p``) and returns ``x * m``: every
    unit keeps its expected value, so nothing needs rescaling at test time.  In
    evaluation mode (:meth:`eval`) the layer is the identity.  ``backward`` multiplies
    by the mask of the last forward: ``dL/dx = dL/dy * m``.

    Parameters
    ----------
    p : float in [0, 1)
        Probability of dropping a unit.
    seed : None, int or numpy.random.Generator
        Source of the masks, stored as the attribute ``rng``: the same seed gives the
        same sequence of masks.

    Attributes
    ----------
    mask : ndarray, shape (B, n), or None
        The mask of the last training-mode forward (``None`` after an eval-mode forward).
    """

    def __init__(self, p: float = 0.5, *, seed=None):
        self.p = check_real(p, "dropout probability p", low=0.0, high=1.0, high_open=True)
        self.rng = as_generator(seed)
        self.mask = None
        self._y = None

    def __repr__(self) -> str:
        return f"Dropout(p={self.p})"

    def forward(self, x) -> np.ndarray:
        """``x`` (B, n) -> ``x * mask`` (B, n) in training mode, ``x`` in evaluation mode."""
        x = self._check_input(x)
        if not self.training:
            self.mask = None
            self._y = x
            return x
        keep = self.rng.random(x.shape, dtype=x.dtype) >= self.p  # True with probability 1 - p
        self.mask = keep * np.asarray(1 / (1 - self.p), dtype=x.dtype)
        self._y = x * self.mask
        return self._y

    def backward(self, grad_out) -> np.ndarray:
        """``dL/dy`` (B, n) -> ``dL/dx = dL/dy * mask`` (B, n) (``dL/dy`` in evaluation mode)."""
        grad_out = self._check_grad(grad_out, self._y)
        return grad_out if self.mask is None else grad_out * self.mask


# ------------------------------------------------------------------ Sequential
_SAME_WIDTH = (ReLU, LeakyReLU, Sigmoid, Tanh, Identity, Dropout)  # output width = input width


class Sequential(Layer):
    """Layers applied one after the other; an MLP is a ``Sequential``.

    ``forward`` runs the layers in order, ``backward`` in reverse order, each
    layer's returned gradient being the next one's ``grad_out``: the lectures'
    recursion ``delta_l = (W_{l+1}^T delta_{l+1}) * phi'(z_l)`` is the ``backward``
    of a ``Linear`` followed by the ``backward`` of an activation.

    ``params()``/``grads()`` concatenate those of the layers, in order;
    ``named_params()`` names them ``"<index>.<name>"`` (``"0.weight"``), as PyTorch.

    Checks: the constructor checks that consecutive ``Linear`` layers agree on
    widths and dtypes.  ``forward`` lets the layers up to the first one with
    parameters check the input (shape, dtype, finiteness); the later layers
    receive their predecessors' results and skip their checks.  Likewise
    ``backward`` lets the last layer check ``grad_out``.  So each array from
    outside is checked once, whatever the depth.
    """

    def __init__(self, *layers: Layer):
        if len(layers) == 1 and isinstance(layers[0], list | tuple):
            raise TypeError("pass the layers as separate arguments: Sequential(*layers)")
        for i, layer in enumerate(layers):
            if not all(hasattr(layer, m) for m in ("forward", "backward", "params", "grads")):
                raise TypeError(
                    f"layer {i} must have forward, backward, params and grads methods, "
                    f"got {type(layer).__name__}"
                )
        previous = None  # (index, Linear) of the last Linear with only same-width layers since
        for i, layer in enumerate(layers):
            if isinstance(layer, Linear):
                if previous is not None:
                    j, before = previous
                    if before.out_features != layer.in_features:
                        raise ValueError(
                            f"layer {j} {before!r} outputs {before.out_features} features but "
                            f"layer {i} {layer!r} expects {layer.in_features}"
                        )
                    if before.weight.dtype != layer.weight.dtype:
                        raise TypeError(
                            f"layer {j} is {before.weight.dtype} but layer {i} is "
                            f"{layer.weight.dtype}: all layers need one dtype"
                        )
                previous = (i, layer)
            elif not isinstance(layer, _SAME_WIDTH):
                previous = None
        self.layers = tuple(layers)  # fixed: the groups below are computed once
        first = next((i for i, layer in enumerate(layers) if layer.params()), None)
        # forward: the layers up to the first with parameters check the input, the rest
        # are "inner" layers that skip their checks (they get checked results).
        head = 1 if first is None else first + 1
        self._checking, self._inner = self.layers[:head], self.layers[head:]
        # backward without input gradient: from the last layer down to the first one
        # with parameters, which is asked for its parameter gradients only.
        self._first_with_params = None if first is None else self.layers[first]
        self._above_first = self.layers[:first:-1] if first is not None else ()
        self._with_params = tuple(layer for layer in self.layers if layer.params())

    def __repr__(self) -> str:
        inner = "".join(f"\n  ({i}): {layer!r}" for i, layer in enumerate(self.layers))
        return f"Sequential({inner}\n)"

    def __len__(self) -> int:
        return len(self.layers)

    def __getitem__(self, i):
        return self.layers[i]

    def __iter__(self):
        return iter(self.layers)

    def named_params(self):
        return [
            (f"{i}.{name}", p)
            for i, layer in enumerate(self.layers)
            for name, p in layer.named_params()
        ]

    def params(self):
        return [p for layer in self._with_params for p in layer.params()]

    def grads(self):
        return [g for layer in self._with_params for g in layer.grads()]

    def train(self) -> Sequential:
        self.training = True
        for layer in self.layers:
            layer.train()
        return self

    def eval(self) -> Sequential:
        self.training = False
        for layer in self.layers:
            layer.eval()
        return self

    def forward(self, x) -> np.ndarray:
        """``x`` (B, in) -> output of the last layer (B, out)."""
        if not self.layers:
            raise ValueError("Sequential() has no layers to run")
        for layer in self._checking:  # these check x: shape, dtype, finite values
            x = layer.forward(x)
        previous, _CALLS.inner = _CALLS.inner, True
        try:
            for layer in self._inner:
                x = layer.forward(x)
        finally:
            _CALLS.inner = previous
        return x

    def backward(self, grad_out, *, input_grad: bool = True) -> np.ndarray | None:
        """``dL/d(output)`` (B, out) -> ``dL/d(input)`` (B, in); every layer stores its grads.

        With ``input_grad=False`` the layers before the first one with parameters
        are skipped, that first layer computes only its parameter gradients, and
        ``None`` is returned: the saving PyTorch makes for inputs that do not
        require a gradient (one matrix product of the first layer).
        """
        if not self.layers:
            raise ValueError("Sequential() has no layers to run")
        last = self.layers[-1]
        grad = last.backward(grad_out)  # the last layer checks grad_out
        previous, _CALLS.inner = _CALLS.inner, True
        try:
            if input_grad:
                for layer in self.layers[-2::-1]:
                    grad = layer.backward(grad)
                return grad
            if self._first_with_params is None or self._first_with_params is last:
                return None
            for layer in self._above_first[1:]:  # [0] is the last layer, done above
                grad = layer.backward(grad)
            self._first_with_params.backward(grad, input_grad=False)
            return None
        finally:
            _CALLS.inner = previous


# --------------------------------------------------------------------- builder
ACTIVATIONS = {
    "relu": ReLU,
    "leaky_relu": LeakyReLU,
    "sigmoid": Sigmoid,
    "tanh": Tanh,
    "identity": Identity,
}
"""Names accepted by :func:`mlp`, mapped to the activation classes."""


def mlp(
    sizes,
    activation: str = "relu",
    *,
    output_activation: str = "identity",
    init: str | None = None,
    dropout: float = 0.0,
    seed=None,
    dtype=np.float64,
) -> Sequential:
    """A multilayer perceptron ``Linear -> activation -> ... -> Linear``.

    Parameters
    ----------
    sizes : sequence of int
        Widths ``[in, hidden_1, ..., out]`` (at least two, all positive).
    activation : str
        Hidden activation, a key of :data:`ACTIVATIONS`.
    output_activation : str
        Activation after the last ``Linear``; ``"identity"`` (the default) adds no
        layer, which is what :mod:`gradlib.losses` expects (they take logits or
        raw predictions).
    init : {"he", "xavier"} or None
        Weight initialisation; by default ``"he"`` for (leaky) ReLU and ``"xavier"``
        otherwise.
    dropout : float in [0, 1)
        If positive, a :class:`Dropout` follows every hidden activation.
    seed : None, int or numpy.random.Generator
        One generator feeds every layer in order (weights, then dropout masks).
    dtype : float32 or float64
    """
    sizes = list(sizes) if not isinstance(sizes, int | str) else None
    if sizes is None or len(sizes) < 2:
        raise ValueError("sizes must be a sequence of at least two layer widths [in, ..., out]")
    sizes = [check_positive_int(n, f"sizes[{i}]") for i, n in enumerate(sizes)]
    for name, value in (("activation", activation), ("output_activation", output_activation)):
        if value not in ACTIVATIONS:
            raise ValueError(f"{name} must be one of {sorted(ACTIVATIONS)}, got {value!r}")
    check_real(dropout, "dropout", low=0.0, high=1.0, high_open=True)
    if init is None:
        init = "he" if activation in ("relu", "leaky_relu") else "xavier"
    rng = as_generator(seed)
    layers: list[Layer] = []
    for i, (n_in, n_out) in enumerate(zip(sizes, sizes[1:], strict=False)):
        layers.append(Linear(n_in, n_out, init=init, seed=rng, dtype=dtype))
        if i < len(sizes) - 2:
            layers.append(ACTIVATIONS[activation]())
            if dropout > 0:
                layers.append(Dropout(dropout, seed=rng))
        elif output_activation != "identity":
            layers.append(ACTIVATIONS[output_activation]())
    return Sequential(*layers)
