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

Each layer writes these equations in its own ``forward`` and ``backward``, a few
numpy lines each after one call that checks the array coming in
(:func:`~gradlib._checks.check_layer_input`, :func:`~gradlib._checks.check_layer_grad`).
Inside a :class:`Sequential` only the input of the whole network and the
gradient of its output are checked: the layers run in
:func:`~gradlib._checks.neighbours_checked`, where those calls pass their
neighbours' arrays through.

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

import numpy as np

from gradlib._checks import (
    as_generator,
    check_float_dtype,
    check_layer_grad,
    check_layer_input,
    check_positive_int,
    check_real,
    neighbours_checked,
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


class Layer:
    """What every layer shares: ``params``/``grads``, training and evaluation mode.

    A layer writes ``forward(x)`` and ``backward(grad_out)`` itself, each one call
    that checks its argument followed by the equations.  Layers with parameters
    also override :meth:`named_params` and :meth:`grads`, and their ``backward``
    accepts ``input_grad=False`` (skip ``dL/d(input)``, which
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

    def forward(self, x) -> np.ndarray:
        """``x`` (B, in) -> the layer's output (B, out)."""
        raise NotImplementedError

    def backward(self, grad_out) -> np.ndarray | None:
        """``dL/d(output)`` (B, out) -> ``dL/d(input)`` (B, in)."""
        raise NotImplementedError


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

    ``forward(x)``: ``x`` (B, in) -> ``x @ W.T + b`` (B, out); stores ``x`` (without a
    copy: do not modify it in place before ``backward``).

    ``backward(delta, input_grad=True)``: ``delta = dL/dZ`` (B, out) -> ``dL/dX`` (B, in);
    stores ``dL/dW`` and ``dL/db``.  With ``input_grad=False`` only the parameter
    gradients are computed and ``None`` is returned (the input of a first layer is
    data: nobody needs its gradient).
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

    def grads(self):
        return [self.grad_weight, self.grad_bias]

    def forward(self, x):
        x = check_layer_input(
            x, "Linear.forward input", dtype=self.weight.dtype, width=self.in_features
        )
        self._x = x
        return x @ self.weight.T + self.bias  # Z = X W^T + b

    def backward(self, delta, input_grad=True):
        delta = check_layer_grad(
            delta, "Linear.backward grad_out", self._x, width=self.out_features
        )
        self.grad_weight = delta.T @ self._x  # (out, B) @ (B, in): the lectures' delta a^T
        self.grad_bias = delta.sum(axis=0)  # the lectures' dL/db = delta, summed over the batch
        return delta @ self.weight if input_grad else None  # (W^T delta)^T, row by row


# ----------------------------------------------------------------- activations
class ReLU(Layer):
    """``relu(z) = max(z, 0)``; derivative ``1[z > 0]`` (0 at ``z = 0``, as PyTorch).

    ``forward``: ``z`` (B, n) -> ``max(z, 0)`` (B, n), stores ``z``;
    ``backward``: ``dL/da`` (B, n) -> ``dL/dz = dL/da * 1[z > 0]`` (B, n), the ReLU gate.
    """

    def __init__(self):
        self._z = None

    def forward(self, z):
        self._z = z = check_layer_input(z, "ReLU.forward input")
        return np.maximum(z, 0)

    def backward(self, grad_a):
        grad_a = check_layer_grad(grad_a, "ReLU.backward grad_out", self._z)
        return grad_a * (self._z > 0)


class LeakyReLU(Layer):
    """``z`` where ``z > 0``, else ``negative_slope * z``; derivative 1 or ``negative_slope``.

    At ``z = 0`` the derivative is ``negative_slope`` (as PyTorch).
    ``forward``: ``z`` (B, n) -> ``leaky_relu(z)`` (B, n), stores ``z``;
    ``backward``: ``dL/da`` (B, n) -> ``dL/dz`` (B, n), ``dL/da`` times 1 or ``negative_slope``.
    """

    def __init__(self, negative_slope: float = 0.01):
        self.negative_slope = check_real(negative_slope, "negative_slope")
        self._z = None

    def __repr__(self) -> str:
        return f"LeakyReLU(negative_slope={self.negative_slope})"

    def forward(self, z):
        self._z = z = check_layer_input(z, "LeakyReLU.forward input")
        return np.where(z > 0, z, self.negative_slope * z)

    def backward(self, grad_a):
        grad_a = check_layer_grad(grad_a, "LeakyReLU.backward grad_out", self._z)
        return np.where(self._z > 0, grad_a, self.negative_slope * grad_a)


def sigmoid(z: np.ndarray) -> np.ndarray:
    """``1 / (1 + exp(-z))`` elementwise, same shape and dtype as the float array ``z``.

    Computed as ``1 / (1 + e)`` for ``z >= 0`` and ``e / (1 + e)`` otherwise, with
    ``e = exp(-|z|)``: no overflow, and full relative precision in both tails.
    """
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))


class Sigmoid(Layer):
    """``s = sigmoid(z) = 1 / (1 + exp(-z))``; derivative ``s (1 - s)``.

    ``forward``: ``z`` (B, n) -> ``s`` (B, n), stores ``s``;
    ``backward``: ``dL/ds`` (B, n) -> ``dL/dz = dL/ds * s (1 - s)`` (B, n).
    """

    def __init__(self):
        self._s = None

    def forward(self, z):
        self._s = sigmoid(check_layer_input(z, "Sigmoid.forward input"))
        return self._s

    def backward(self, grad_s):
        grad_s = check_layer_grad(grad_s, "Sigmoid.backward grad_out", self._s)
        return grad_s * self._s * (1 - self._s)


class Tanh(Layer):
    """``t = tanh(z)``; derivative ``1 - t^2``.

    ``forward``: ``z`` (B, n) -> ``t`` (B, n), stores ``t``;
    ``backward``: ``dL/dt`` (B, n) -> ``dL/dz = dL/dt * (1 - t^2)`` (B, n).
    """

    def __init__(self):
        self._t = None

    def forward(self, z):
        self._t = np.tanh(check_layer_input(z, "Tanh.forward input"))
        return self._t

    def backward(self, grad_t):
        grad_t = check_layer_grad(grad_t, "Tanh.backward grad_out", self._t)
        return grad_t * (1 - self._t**2)


class Identity(Layer):
    """``a = z``; derivative 1 (a linear output layer, or a placeholder)."""

    def __init__(self):
        self._z = None

    def forward(self, z):
        self._z = check_layer_input(z, "Identity.forward input")
        return self._z

    def backward(self, grad_a):
        return check_layer_grad(grad_a, "Identity.backward grad_out", self._z)


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
        self._x = None

    def __repr__(self) -> str:
        return f"Dropout(p={self.p})"

    def forward(self, x):
        self._x = x = check_layer_input(x, "Dropout.forward input")
        if not self.training:
            self.mask = None
            return x
        keep = self.rng.random(x.shape, dtype=x.dtype) >= self.p  # True with probability 1 - p
        self.mask = keep.astype(x.dtype) / (1 - self.p)
        return x * self.mask

    def backward(self, grad_y):
        grad_y = check_layer_grad(grad_y, "Dropout.backward grad_out", self._x)
        return grad_y if self.mask is None else grad_y * self.mask


# ------------------------------------------------------------------ Sequential
_SAME_WIDTH = (ReLU, LeakyReLU, Sigmoid, Tanh, Identity, Dropout)  # output width = input width


def _expected_input(layers) -> tuple[np.dtype | None, int | None]:
    """``(dtype, width)`` of the first ``Linear`` if only same-width layers come before it.

    That is what the input of the whole network must have; ``(None, None)`` (any
    float dtype, any width) if the first layer that changes the width is not a ``Linear``.
    """
    for layer in layers:
        if isinstance(layer, Linear):
            return layer.weight.dtype, layer.in_features
        if isinstance(layer, Sequential):
            return layer.input_dtype, layer.input_width
        if not isinstance(layer, _SAME_WIDTH):
            break
    return None, None


class Sequential(Layer):
    """Layers applied one after the other; an MLP is a ``Sequential``.

    ``forward`` runs the layers in order, ``backward`` in reverse order, each
    layer's returned gradient being the next one's ``grad_out``: the lectures'
    recursion ``delta_l = (W_{l+1}^T delta_{l+1}) * phi'(z_l)`` is the ``backward``
    of a ``Linear`` followed by the ``backward`` of an activation.

    ``params()``/``grads()`` concatenate those of the layers, in order;
    ``named_params()`` names them ``"<index>.<name>"`` (``"0.weight"``), as PyTorch.

    ``forward(x)``: ``x`` (B, in) -> output of the last layer (B, out).
    ``backward(grad_out, input_grad=True)``: ``dL/d(output)`` (B, out) ->
    ``dL/d(input)`` (B, in), every layer storing its gradients.  With
    ``input_grad=False`` the layers before the first one with parameters are
    skipped, that first layer computes only its parameter gradients, and ``None``
    is returned: the saving PyTorch makes for inputs that do not require a
    gradient (one matrix product of the first layer).

    Checks: the constructor checks that consecutive ``Linear`` layers agree on
    widths and dtypes, and records in ``input_dtype`` and ``input_width`` what
    the first ``Linear`` expects (None if nothing is expected).  ``forward``
    checks its input once against them (finite values too), ``backward`` checks
    ``grad_out`` against the last output once; the layers inside then run in
    :func:`~gradlib._checks.neighbours_checked`, their checks passing their
    neighbours' results through.
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
        self.layers = tuple(layers)
        self.input_dtype, self.input_width = _expected_input(self.layers)
        self._out = None  # the last forward output

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
        return [p for layer in self.layers for p in layer.params()]

    def grads(self):
        return [g for layer in self.layers for g in layer.grads()]

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

    def forward(self, x):
        if not self.layers:
            raise ValueError("Sequential() has no layers to run")
        x = check_layer_input(
            x, "Sequential.forward input", dtype=self.input_dtype, width=self.input_width
        )
        with neighbours_checked():
            for layer in self.layers:
                x = layer.forward(x)
        self._out = x
        return x

    def backward(self, grad, input_grad=True):
        """Backward through the layers in reverse order (see the class docstring)."""
        grad = check_layer_grad(grad, "Sequential.backward grad_out", self._out)
        with neighbours_checked():
            if input_grad:
                for layer in reversed(self.layers):
                    grad = layer.backward(grad)
                return grad
            with_params = [i for i, layer in enumerate(self.layers) if layer.params()]
            if not with_params:
                return None
            first = with_params[0]
            for layer in reversed(self.layers[first + 1 :]):
                grad = layer.backward(grad)
            self.layers[first].backward(grad, input_grad=False)
            return None


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
