"""A scalar reverse-mode automatic-differentiation engine.

Every operation creates a new :class:`Value` node that remembers its inputs and
a small ``_backward`` closure.  The closure holds the *local* derivative of the
operation, written right next to the forward computation, and applies the chain
rule: it adds ``local_derivative * out.grad`` to each input's ``grad``.

:meth:`Value.backward` visits the graph in reverse topological order, so a node
used several times receives the sum of the gradients along every path (the
multivariate chain rule).

Example -- the single neuron of chapter 1::

    >>> from gradlib.autodiff import Value
    >>> x1, x2, w1, w2 = Value(2.0), Value(1.0), Value(0.3), Value(0.1)
    >>> y_hat = (w1 * x1 + w2 * x2).relu()
    >>> loss = 0.5 * (2.0 - y_hat) ** 2
    >>> loss.backward()
    >>> round(loss.data, 6), round(w1.grad, 6), round(w2.grad, 6)
    (0.845, -2.6, -1.3)
"""

from __future__ import annotations

import math

from gradlib._checks import check_real

__all__ = ["Value", "topological_order", "graph_edges"]


class Value:
    """A scalar that records how it was computed, so it can be differentiated.

    Parameters
    ----------
    data : float
        The value of the node (a finite real number).
    label : str, optional
        A name shown when the graph is drawn (``"w1"``, ``"L"``...).

    Attributes
    ----------
    data : float
        The forward value.
    grad : float
        ``dL/d(this node)`` after ``L.backward()``; 0 before.
    """

    __slots__ = ("data", "grad", "label", "_prev", "_op", "_backward")

    def __init__(self, data, label: str = "", _children: tuple = (), _op: str = ""):
        self.data = check_real(data, "Value data")
        self.grad = 0.0
        self.label = label
        self._prev = tuple(_children)
        self._op = _op
        self._backward = _no_backward

    def __repr__(self) -> str:
        name = f"{self.label}=" if self.label else ""
        return f"Value({name}{self.data:.6g}, grad={self.grad:.6g})"

    # ------------------------------------------------------------------ helpers
    @staticmethod
    def _lift(other) -> Value:
        return other if isinstance(other, Value) else Value(check_real(other, "operand"))

    # --------------------------------------------------------------- operations
    def __add__(self, other) -> Value:
        other = self._lift(other)
        out = Value(self.data + other.data, _children=(self, other), _op="+")

        def _backward():  # d(a+b)/da = 1, d(a+b)/db = 1
            self.grad += out.grad
            other.grad += out.grad

        out._backward = _backward
        return out

    def __mul__(self, other) -> Value:
        other = self._lift(other)
        out = Value(self.data * other.data, _children=(self, other), _op="*")

        def _backward():  # d(ab)/da = b, d(ab)/db = a
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad

        out._backward = _backward
        return out

    def __pow__(self, exponent) -> Value:
        if isinstance(exponent, Value):
            raise TypeError("Value ** Value is not supported: the exponent must be a plain number")
        p = check_real(exponent, "exponent")
        if self.data == 0.0 and p < 1.0 and p != 0.0:
            raise ValueError(f"0 ** {p} has no finite derivative")
        if self.data < 0.0 and not p.is_integer():
            raise ValueError(f"a negative base ({self.data}) needs an integer exponent, got {p}")
        out = Value(self.data**p, _children=(self,), _op=f"**{p:g}")

        def _backward():  # d(a^p)/da = p a^(p-1)
            self.grad += p * self.data ** (p - 1) * out.grad

        out._backward = _backward
        return out

    def exp(self) -> Value:
        out = Value(math.exp(self.data), _children=(self,), _op="exp")

        def _backward():  # d(e^a)/da = e^a
            self.grad += out.data * out.grad

        out._backward = _backward
        return out

    def log(self) -> Value:
        if self.data <= 0.0:
            raise ValueError(f"log needs a positive argument, got {self.data}")
        out = Value(math.log(self.data), _children=(self,), _op="log")

        def _backward():  # d(log a)/da = 1/a
            self.grad += out.grad / self.data

        out._backward = _backward
        return out

    def tanh(self) -> Value:
        out = Value(math.tanh(self.data), _children=(self,), _op="tanh")

        def _backward():  # d(tanh a)/da = 1 - tanh(a)^2
            self.grad += (1.0 - out.data**2) * out.grad

        out._backward = _backward
        return out

    def sigmoid(self) -> Value:
        a = self.data  # numerically stable for large |a|
        s = 1.0 / (1.0 + math.exp(-a)) if a >= 0 else math.exp(a) / (1.0 + math.exp(a))
        out = Value(s, _children=(self,), _op="sigmoid")

        def _backward():  # d(sigma(a))/da = sigma(a) (1 - sigma(a))
            self.grad += out.data * (1.0 - out.data) * out.grad

        out._backward = _backward
        return out

    def relu(self) -> Value:
        out = Value(self.data if self.data > 0 else 0.0, _children=(self,), _op="relu")

        def _backward():  # d(relu a)/da = 1[a > 0]  (0 at a = 0, as in torch)
            self.grad += (1.0 if self.data > 0 else 0.0) * out.grad

        out._backward = _backward
        return out

    def __sub__(self, other) -> Value:
        other = self._lift(other)
        out = Value(self.data - other.data, _children=(self, other), _op="-")

        def _backward():  # d(a-b)/da = 1, d(a-b)/db = -1
            self.grad += out.grad
            other.grad -= out.grad

        out._backward = _backward
        return out

    # Everything else is built from the operations above.
    def __neg__(self) -> Value:
        return self * -1.0

    def __radd__(self, other) -> Value:
        return self + other

    def __rsub__(self, other) -> Value:
        return self._lift(other) - self

    def __rmul__(self, other) -> Value:
        return self * other

    def __truediv__(self, other) -> Value:
        other = self._lift(other)
        if other.data == 0.0:
            raise ZeroDivisionError("division of a Value by zero")
        return self * other**-1

    def __rtruediv__(self, other) -> Value:
        return self._lift(other) / self

    # ----------------------------------------------------------------- backward
    def backward(self) -> None:
        """Fill ``.grad`` of every node this value depends on with ``d(self)/d(node)``.

        Every gradient in the graph is reset first, so calling ``backward`` twice
        gives the same gradients (they do not pile up across calls).
        """
        order = topological_order(self)
        for node in order:
            node.grad = 0.0
        self.grad = 1.0
        for node in reversed(order):
            node._backward()


def _no_backward() -> None:
    """Leaves have no inputs to pass gradient to."""


def topological_order(root: Value) -> list[Value]:
    """Nodes of ``root``'s graph, each after all of its inputs (iterative DFS)."""
    order, seen, stack = [], set(), [(root, False)]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            order.append(node)
            continue
        if id(node) in seen:
            continue
        seen.add(id(node))
        stack.append((node, True))
        # reversed, so that the first input is visited (and listed) first
        stack.extend((c, False) for c in reversed(node._prev) if id(c) not in seen)
    return order


def graph_edges(root: Value) -> tuple[list[Value], list[tuple[Value, Value]]]:
    """The nodes (in topological order) and ``(input, output)`` edges of ``root``'s graph."""
    nodes = topological_order(root)
    edges = [(child, node) for node in nodes for child in node._prev]
    return nodes, edges
