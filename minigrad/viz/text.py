"""A Graph (see graph.py) as a few lines of text: what ``repr(draw(...))`` prints.

One line per arrow, ``source → target``, each box by its title (with its shape when the
picture shows shapes) and its notes in [brackets], 'no grad' for the greyed-out ones. When
the picture shows values or gradients, a line per tensor box follows with its data and
.grad. It is what a notebook stores as the drawing's text/plain (what nbval compares, as
the SVG's layout depends on the Graphviz version), so it is deterministic and short: past
max_arrows arrows or boxes it says how many more there are.

>>> import torch
>>> from minigrad.viz.graph import build_graph
>>> a = torch.ones(2, requires_grad=True)
>>> print(describe(build_graph(a * 2, names={"a": a})))
        output → MulBackward0
  MulBackward0 → AccumulateGrad
  MulBackward0 → constant [no grad]
AccumulateGrad → a
"""

from __future__ import annotations

from .graph import Arrow, Box, Graph
from .tensors import data_lines, grad_lines, is_tensor, shape_text

# Tensors that do not require grad carry this note; 'no grad' already says it.
_SAID_BY_NO_GRAD = "requires_grad=False"


# Boxes that draw a tensor, and may show its shape, data and .grad (as in dot.py).
_TENSOR_KINDS = ("output", "leaf", "tensor", "saved", "constant")


def describe(
    graph: Graph,
    max_arrows: int | None = 30,
    *,
    show_shapes: bool = False,
    show_values: bool = False,
    show_grads: bool = False,
) -> str:
    """The graph as text, one line per arrow (at most max_arrows; None: all of them), then
    with show_values / show_grads one line per tensor box with what the picture shows on it."""
    labels = {node.id: box_text(node, show_shapes) for node in graph.nodes}
    shown = graph.edges if max_arrows is None else graph.edges[:max_arrows]
    kinds = {node.id: node.kind for node in graph.nodes}
    pairs = [_ends(edge, kinds) for edge in shown]
    width = max((len(labels[src]) for src, _ in pairs), default=0)
    lines = [
        f"{labels[src]:>{width}} {_link(edge)} {labels[dst]}"
        for edge, (src, dst) in zip(shown, pairs)
    ]
    if len(shown) < len(graph.edges):
        lines.append(f"… {len(graph.edges) - len(shown)} more arrows")
    linked = {end for edge in graph.edges for end in (edge.src, edge.dst)}
    alone = [labels[node.id] for node in graph.nodes if node.id not in linked]
    if alone:
        lead = "one box" if len(alone) == 1 else "boxes"
        lines.append(f"{lead} without arrows: " + ", ".join(alone))
    if show_values or show_grads:
        lines += _value_lines(graph, show_values, show_grads, max_arrows)
    return "\n".join(lines)


def box_text(node: Box, show_shape: bool = False) -> str:
    """A box as text: 'b', 'b (2,)', 'constant [no grad]', 'mul [MulBackward0]'."""
    notes = [note for note in node.notes if note != _SAID_BY_NO_GRAD]
    notes += ["no grad"] if node.no_grad else []
    title = node.title
    tensor = _tensor(node)
    if show_shape and tensor is not None:
        title += f" {shape_text(tensor)}"
    return title + (f" [{', '.join(notes)}]" if notes else "")


def _tensor(node: Box) -> object | None:
    return node.obj if node.kind in _TENSOR_KINDS and is_tensor(node.obj) else None


def _value_lines(
    graph: Graph, show_values: bool, show_grads: bool, max_lines: int | None
) -> list[str]:
    """'   a  data [2., 3.]  grad [36., 81.]' for each tensor box but the constants (whose
    title is their value where the engine kept one), in the order of the boxes."""
    rows = []
    for node in graph.nodes:
        tensor = _tensor(node)
        if tensor is None or node.kind == "constant":
            continue
        data = _one_line(data_lines(tensor)) if show_values else ""
        grad = _one_line(grad_lines(tensor)) if show_grads and tensor.requires_grad else ""
        rows.append((node.title, data, grad))
    if not rows:
        return []
    shown = rows if max_lines is None else rows[:max_lines]
    what = " and ".join(part for part, on in (("data", show_values), (".grad", show_grads)) if on)
    title_width = max(len(title) for title, _, _ in shown)
    data_width = max(len(data) for _, data, _ in shown)
    lines = [f"{what} on the boxes:"]
    for title, data, grad in shown:
        cells = ([f"data {data:<{data_width}}"] if show_values else []) + (
            [f"grad {grad}"] if grad else []
        )
        lines.append(f"  {title:>{title_width}}  " + "  ".join(cells).rstrip())
    if len(shown) < len(rows):
        lines.append(f"… {len(rows) - len(shown)} more boxes")
    return lines


def _one_line(lines: list[str]) -> str:
    """Value lines as one line: '[[0., 1.], [2., 3.]]'."""
    return " ".join(line.strip() for line in lines)


def _ends(edge: Arrow, kinds: dict[str, str]) -> tuple[str, str]:
    """An arrow's two boxes; a saved arrow always from the node that saved the tensor
    (the values view draws it towards the node)."""
    if edge.kind == "saved" and kinds[edge.dst] == "op":
        return edge.dst, edge.src
    return edge.src, edge.dst


def _link(edge: Arrow) -> str:
    return f"saves {edge.label} →" if edge.kind == "saved" else "→"
