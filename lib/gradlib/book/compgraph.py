"""Drawing a :class:`~gradlib.autodiff.Value` graph: each node with its value and gradient.

:func:`draw_graph` uses matplotlib only, so the figure renders on any machine.
:func:`to_dot` returns Graphviz DOT source for readers who have the ``dot``
program; nothing in the book depends on it.
"""

from __future__ import annotations

from gradlib.autodiff import Value, graph_edges

__all__ = ["draw_graph", "to_dot", "layer_positions"]


def _node_text(node: Value) -> str:
    name = node.label or (node._op if node._op else "const")
    return f"{name}\nvalue {node.data:.4g}\ngrad {node.grad:.4g}"


def _is_constant(node: Value) -> bool:
    """An unlabelled leaf: a plain number that was lifted into the graph (0.5, -1, ...)."""
    return not node._prev and not node.label


def _visible(root: Value, hide_constants: bool):
    nodes, edges = graph_edges(root)
    if hide_constants:
        nodes = [n for n in nodes if not _is_constant(n)]
        edges = [(c, p) for c, p in edges if not _is_constant(c)]
    return nodes, edges


def layer_positions(root: Value, hide_constants: bool = True) -> dict[int, tuple[float, float]]:
    """``id(node) -> (column, row)``: leaves in column 0, each node right of its inputs."""
    nodes, edges = _visible(root, hide_constants)
    inputs: dict[int, list[Value]] = {id(n): [] for n in nodes}
    for child, parent in edges:
        inputs[id(parent)].append(child)
    depth: dict[int, int] = {}
    for node in nodes:  # topological order: inputs come first
        depth[id(node)] = 1 + max((depth[id(c)] for c in inputs[id(node)]), default=-1)
    consumers: dict[int, list[int]] = {}
    for child, parent in edges:
        consumers.setdefault(id(child), []).append(depth[id(parent)])
    for node in nodes:  # a leaf sits just left of its first consumer, not always in column 0
        if not inputs[id(node)] and id(node) in consumers:
            depth[id(node)] = min(consumers[id(node)]) - 1
    rows: dict[int, int] = {}
    pos = {}
    for node in nodes:
        col = depth[id(node)]
        rows[col] = rows.get(col, 0) + 1
        pos[id(node)] = (float(col), -float(rows[col] - 1))
    for node in nodes:  # centre every column vertically
        col = depth[id(node)]
        x, y = pos[id(node)]
        pos[id(node)] = (x, y + (rows[col] - 1) / 2.0)
    return pos


def draw_graph(root: Value, ax=None, *, show_ops: bool = True, hide_constants: bool = True):
    """Draw ``root``'s computational graph left to right with matplotlib.

    Each box shows the node's label (or operation), its value and its gradient;
    arrows point from inputs to outputs, and the operation that produced a node
    is written above it. Unlabelled constants (the 0.5 of the half squared error,
    the -1 of a subtraction) are hidden unless ``hide_constants=False``.
    Returns the matplotlib ``Axes``.
    """
    import matplotlib.pyplot as plt

    nodes, edges = _visible(root, hide_constants)
    pos = layer_positions(root, hide_constants)
    if ax is None:
        ncols = 1 + max(x for x, _ in pos.values())
        nrows = 1 + max(-y for _, y in pos.values()) - min(-y for _, y in pos.values())
        _, ax = plt.subplots(figsize=(2.2 * ncols + 1, 1.4 * nrows + 1))
    for child, parent in edges:
        (x0, y0), (x1, y1) = pos[id(child)], pos[id(parent)]
        ax.annotate(
            "",
            xy=(x1 - 0.32, y1),
            xytext=(x0 + 0.32, y0),
            arrowprops={"arrowstyle": "->", "color": "0.45", "lw": 1.2},
        )
    for node in nodes:
        x, y = pos[id(node)]
        leaf = not node._prev
        ax.text(
            x,
            y,
            _node_text(node),
            ha="center",
            va="center",
            fontsize=8.5,
            family="monospace",
            bbox={
                "boxstyle": "round,pad=0.35",
                "facecolor": "#e8f1fb" if leaf else "#fdf1e2",
                "edgecolor": "#2b6cb0" if leaf else "#c05621",
            },
        )
        if show_ops and node._op:
            ax.text(x, y + 0.5, node._op, ha="center", fontsize=9, color="#c05621")
    xs = [p[0] for p in pos.values()]
    ys = [p[1] for p in pos.values()]
    ax.set_xlim(min(xs) - 0.6, max(xs) + 0.6)
    ax.set_ylim(min(ys) - 0.6, max(ys) + 0.8)
    ax.axis("off")
    return ax


def to_dot(root: Value) -> str:
    """Graphviz DOT source of ``root``'s graph (render it with ``dot -Tsvg``)."""
    nodes, edges = graph_edges(root)
    lines = ["digraph G {", "  rankdir=LR;", "  node [shape=record, fontname=monospace];"]
    for node in nodes:
        name = node.label or node._op or "const"
        lines.append(
            f'  n{id(node)} [label="{{ {name} | value {node.data:.4g} | grad {node.grad:.4g} }}"];'
        )
    lines += [f"  n{id(c)} -> n{id(p)};" for c, p in edges]
    lines.append("}")
    return "\n".join(lines)
