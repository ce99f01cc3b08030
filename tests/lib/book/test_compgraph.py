"""gradlib.book.compgraph: the graph figure renders with matplotlib alone and shows every node."""

from __future__ import annotations

import matplotlib.pyplot as plt

from gradlib.autodiff import Value
from gradlib.book.compgraph import draw_graph, layer_positions, to_dot
from gradlib.book.neuron import neuron_graph


def _texts(ax) -> list[str]:
    return [t.get_text() for t in ax.texts]


def test_every_named_node_is_drawn_with_value_and_gradient():
    g = neuron_graph([2.0, 1.0], [0.3, 0.1], 2.0)
    fig, ax = plt.subplots()
    draw_graph(g.loss, ax=ax)
    boxes = [t for t in _texts(ax) if "\nvalue " in t]
    names = {t.split("\n")[0] for t in boxes}
    assert {"w1", "x1", "w2", "x2", "a1", "a2", "z", "ŷ", "y", "L"} <= names
    assert "L\nvalue 0.845\ngrad 1" in boxes
    assert "w1\nvalue 0.3\ngrad -2.6" in boxes
    assert len(ax.patches) + len(ax.texts) > 0
    plt.close(fig)


def test_constants_are_hidden_unless_asked_for():
    a = Value(3.0, label="a")
    out = 2.0 * a
    out.label = "out"
    out.backward()
    assert len(layer_positions(out)) == 2
    assert len(layer_positions(out, hide_constants=False)) == 3


def test_inputs_sit_left_of_their_consumers():
    g = neuron_graph([2.0, 1.0], [0.3, 0.1], 2.0)
    pos = layer_positions(g.loss)
    for node in (g.z, g.y_hat, g.loss):
        for child in node._prev:
            if id(child) in pos:
                assert pos[id(child)][0] < pos[id(node)][0]


def test_dot_source_lists_nodes_and_edges():
    a, b = Value(2.0, label="a"), Value(-1.0, label="b")
    c = a * b + a
    c.label = "c"
    c.backward()
    dot = to_dot(c)
    assert dot.startswith("digraph") and dot.rstrip().endswith("}")
    assert dot.count("->") == 4
    assert "grad 0" in dot  # dc/da = b + 1 = 0
