"""A Graph (see graph.py) as a few lines of text: what ``repr(draw(...))`` prints.

One line per arrow, ``source → target``, each box by its title with its notes in
[brackets] and 'no grad' for the greyed-out ones, the way the lessons describe a
drawing. It is what a notebook stores as the drawing's text/plain, so it is
deterministic and short: past max_arrows arrows it says how many more there are.

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

# Tensors that do not require grad carry this note; 'no grad' already says it.
_SAID_BY_NO_GRAD = "requires_grad=False"


def describe(graph: Graph, max_arrows: int | None = 30) -> str:
    """The graph as text, one line per arrow (at most max_arrows; None: all of them)."""
    labels = {node.id: box_text(node) for node in graph.nodes}
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
    return "\n".join(lines)


def box_text(node: Box) -> str:
    """A box as text: 'b', 'constant [no grad]', 'mul [MulBackward0]'."""
    notes = [note for note in node.notes if note != _SAID_BY_NO_GRAD]
    notes += ["no grad"] if node.no_grad else []
    return node.title + (f" [{', '.join(notes)}]" if notes else "")


def _ends(edge: Arrow, kinds: dict[str, str]) -> tuple[str, str]:
    """An arrow's two boxes; a saved arrow always from the node that saved the tensor
    (the values view draws it towards the node)."""
    if edge.kind == "saved" and kinds[edge.dst] == "op":
        return edge.dst, edge.src
    return edge.src, edge.dst


def _link(edge: Arrow) -> str:
    return f"saves {edge.label} →" if edge.kind == "saved" else "→"
