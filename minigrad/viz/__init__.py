"""Draw the graph autograd builds, for PyTorch and minigrad tensors alike.

>>> from minigrad.viz import draw
>>> draw(Q)                                  # doctest: +SKIP
>>> draw(loss, names={"w": w, "x": x})       # doctest: +SKIP
>>> draw(Q, view="values")                   # doctest: +SKIP

The pipeline is graph.py (walk the grad_fn nodes into plain boxes and arrows),
dot.py (boxes and arrows to DOT text), display.py (DOT text to a picture) and
text.py (boxes and arrows as text, the drawing's repr). The Stepper reuses them:
build_graph() once, to_dot() with ``fields=`` for the values and gradients on the boxes,
render() for the one SVG its view restyles at every step, and ``graph.find(node)`` to
know which box a step is about.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .display import Drawing, GraphvizFailed, GraphvizMissing, Picture, image_html, picture, render
from .dot import to_dot
from .graph import Arrow, Box, Graph, build_graph
from .names import caller_names
from .tensors import is_node, is_tensor, type_name
from .text import describe

__all__ = [
    "Drawing",
    "Arrow",
    "Graph",
    "GraphvizFailed",
    "GraphvizMissing",
    "Box",
    "Picture",
    "build_graph",
    "caller_names",
    "describe",
    "draw",
    "image_html",
    "picture",
    "render",
    "to_dot",
]


def draw(
    roots: Any,
    *,
    names: Mapping[str, Any] | None = None,
    view: str = "autograd",
    show_saved: bool = False,
    show_shapes: bool = True,
    show_values: bool | None = None,
    show_grads: bool | None = None,
    highlight: Any = (),
    rankdir: str | None = None,
    max_nodes: int | None = 500,
) -> Drawing:
    """Draw the autograd graph behind a tensor (or a list of tensors).

    Args:
        roots: the tensor(s) to draw from, e.g. ``loss``; grad_fn nodes work too.
        names: ``{"w": w, "x": x}``: label these tensors by name (``names=globals()`` works).
            By default the tensors among your variables are labelled with their names
            (see caller_names()); ``names={}`` labels none.
        view: ``"autograd"``: the grad_fn nodes PyTorch builds, arrows in next_functions
            order (the way backward() walks). ``"values"``: the forward computation, each
            tensor with its data and .grad, like micrograd's draw_dot.
        show_saved: add the tensors each node saved for backward (orange); those that
            backward() released are drawn as 'freed'.
        show_shapes: print each tensor's shape (and dtype when not float32).
        show_values, show_grads: print data / .grad on tensor boxes
            (default: on in the values view, off in the autograd view).
        highlight: a tensor or grad_fn node, or a list of them, to draw with a thick red
            border (those not drawn are skipped).
        rankdir: layout direction, 'TB' (the default: top to bottom, which fits the
            width of a notebook), 'LR', 'BT' or 'RL'.
        max_nodes: draw at most this many grad_fn nodes; the rest collapse into one
            '… N more' box. None draws everything.

    Returns:
        A Drawing: shows itself in Jupyter, ``.source`` is the DOT text,
        ``.render("q", format="png")`` writes a file, ``.graph`` is the plain data,
        ``print(repr(drawing))`` says what it shows, as text.

    >>> import torch
    >>> a = torch.tensor([2.0, 3.0], requires_grad=True)
    >>> draw(a * a)
    Drawing (autograd view): 4 boxes, 4 arrows
       output (2,) → MulBackward0
      MulBackward0 → AccumulateGrad
      MulBackward0 → AccumulateGrad
    AccumulateGrad → a (2,)
    """
    if names is None:
        names = caller_names(1)
    graph = build_graph(roots, names=names, view=view, show_saved=show_saved, max_nodes=max_nodes)
    values_view = view == "values"
    shown = {
        "show_shapes": show_shapes,
        "show_values": values_view if show_values is None else show_values,
        "show_grads": values_view if show_grads is None else show_grads,
    }
    source = to_dot(
        graph, **shown, highlight=_highlighted_ids(graph, highlight), rankdir=rankdir or "TB"
    )
    return Drawing(source, graph, **shown)


def _highlighted_ids(graph: Graph, highlight: Any) -> list[str]:
    """Box ids for the tensors / grad_fn nodes to highlight; ones not drawn are skipped
    (a widget may point at a node that max_nodes cut off)."""
    if highlight is None:
        return []
    items = list(highlight) if isinstance(highlight, (list, tuple, set)) else [highlight]
    ids = []
    for item in items:
        if not (is_tensor(item) or is_node(item)):
            raise TypeError(f"highlight= takes tensors and grad_fn nodes, got {type_name(item)}")
        box = graph.find(item)
        if box is not None:
            ids.append(box)
    return ids
