"""Hypothesis strategies shared by the test suite (``from strategies import ...``).

Arrays of random numbers come from a drawn integer ``seed`` fed to numpy's
Generator: hypothesis then shrinks a failing case to a small architecture and a
short seed, and the test stays fast.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from hypothesis import strategies as st

from gradlib import losses, nn

__all__ = [
    "ACTIVATION_NAMES",
    "LOSS_NAMES",
    "MLPCase",
    "expression_programs",
    "finite_floats",
    "mlp_cases",
    "seeds",
]

ACTIVATION_NAMES = tuple(nn.ACTIVATIONS)  # relu, leaky_relu, sigmoid, tanh, identity
LOSS_NAMES = ("mse", "mse_half", "softmax_ce_labels", "softmax_ce_probs", "bce")
KINKED = (nn.ReLU, nn.LeakyReLU)  # activations whose derivative jumps at 0

seeds = st.integers(0, 2**32 - 1)


def finite_floats(low: float = -5.0, high: float = 5.0):
    """Finite floats in ``[low, high]``."""
    return st.floats(low, high, allow_nan=False, allow_infinity=False)


@dataclass(frozen=True)
class MLPCase:
    """A random network, loss and batch: the description hypothesis draws and shrinks."""

    sizes: tuple[int, ...]  # (in, hidden..., out)
    activations: tuple[str, ...]  # one per hidden layer
    loss: str  # a LOSS_NAMES entry
    batch: int
    dropout: float  # 0 or the p of a Dropout after the first hidden activation
    seed: int

    def build(self, dtype=np.float64):
        """``(model, loss, x, target)``, everything drawn from ``seed``.

        Biases are random too (the library starts them at zero), so their
        gradients are not all equal, and the model is in training mode.
        """
        rng = np.random.default_rng(self.seed)
        layers: list[nn.Layer] = []
        for i, (n_in, n_out) in enumerate(zip(self.sizes, self.sizes[1:], strict=False)):
            linear = nn.Linear(n_in, n_out, init="xavier", seed=rng, dtype=dtype)
            linear.bias[...] = rng.normal(0.0, 0.5, n_out)
            layers.append(linear)
            if i < len(self.activations):
                layers.append(nn.ACTIVATIONS[self.activations[i]]())
                if i == 0 and self.dropout > 0:
                    layers.append(nn.Dropout(self.dropout, seed=rng))
        model = nn.Sequential(*layers)
        x = rng.normal(0.0, 1.0, (self.batch, self.sizes[0])).astype(dtype)
        out = self.sizes[-1]
        if self.loss in ("mse", "mse_half"):
            loss = losses.MSELoss(half=self.loss == "mse_half")
            target = rng.normal(0.0, 1.0, (self.batch, out)).astype(dtype)
        elif self.loss == "softmax_ce_labels":
            loss = losses.SoftmaxCrossEntropyLoss()
            target = rng.integers(0, out, self.batch)
        elif self.loss == "softmax_ce_probs":
            loss = losses.SoftmaxCrossEntropyLoss()
            target = rng.dirichlet(np.ones(out), self.batch).astype(dtype)
        else:
            loss = losses.BCEWithLogitsLoss()
            target = rng.uniform(0.0, 1.0, (self.batch, out)).astype(dtype)
        return model, loss, x, target

    def min_distance_to_kink(self, model, x) -> float:
        """Smallest ``|z|`` entering a ReLU or LeakyReLU (inf if there is none).

        The dropout generators are set back afterwards, so the next forward pass
        draws the masks this one used.
        """
        dropouts = [layer for layer in model if isinstance(layer, nn.Dropout)]
        rngs = [(layer.rng, layer.rng.bit_generator.state) for layer in dropouts]
        distance = np.inf
        for layer in model:
            if isinstance(layer, KINKED):
                distance = min(distance, float(np.min(np.abs(x))))
            x = layer.forward(x)
        for rng, state in rngs:
            rng.bit_generator.state = state
        return distance


@st.composite
def mlp_cases(draw, max_depth: int = 3, max_width: int = 6, max_batch: int = 5, dropout=True):
    """An :class:`MLPCase`: depth 1 to ``max_depth`` Linear layers, widths 1 to ``max_width``."""
    depth = draw(st.integers(1, max_depth))
    sizes = tuple(draw(st.lists(st.integers(1, max_width), min_size=depth + 1, max_size=depth + 1)))
    activations = tuple(
        draw(st.lists(st.sampled_from(ACTIVATION_NAMES), min_size=depth - 1, max_size=depth - 1))
    )
    p = draw(st.sampled_from([0.0, 0.5])) if dropout and depth > 1 else 0.0
    return MLPCase(
        sizes=sizes,
        activations=activations,
        loss=draw(st.sampled_from(LOSS_NAMES)),
        batch=draw(st.integers(1, max_batch)),
        dropout=p,
        seed=draw(seeds),
    )


# ------------------------------------------------------------ scalar programs
# An expression DAG for gradlib.autodiff.Value: a list of instructions, each an
# operation applied to earlier nodes (leaves first), so a node can be used many
# times.  Every operation keeps values moderate and stays inside its domain.
UNARY = ("neg", "tanh", "sigmoid", "relu", "square", "exp_tanh", "log_1p_square", "cube_half")
BINARY = ("add", "sub", "mul", "div_1p_square", "add_const", "mul_const")


@st.composite
def expression_programs(draw, max_leaves: int = 4, max_ops: int = 8):
    """``(leaf_values, instructions)``; an instruction is ``(op, i, j, const)``.

    ``i`` and ``j`` index earlier nodes (the leaves are nodes ``0..n_leaves-1``);
    unary operations ignore ``j``.  Evaluate with ``tests/lib/test_gradcheck.py``'s
    ``evaluate``.
    """
    n_leaves = draw(st.integers(1, max_leaves))
    leaves = draw(st.lists(finite_floats(-2, 2), min_size=n_leaves, max_size=n_leaves))
    instructions = []
    for k in range(draw(st.integers(1, max_ops))):
        nodes = n_leaves + k
        op = draw(st.sampled_from(UNARY + BINARY))
        i = draw(st.integers(0, nodes - 1))
        j = draw(st.integers(0, nodes - 1))
        const = draw(finite_floats(-2, 2))
        instructions.append((op, i, j, const))
    return leaves, instructions
