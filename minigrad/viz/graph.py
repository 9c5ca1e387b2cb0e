"""The autograd graph as plain data: an iterative walk from tensors to boxes and arrows.

build_graph() follows ``grad_fn.next_functions`` breadth-first with an explicit
queue, so a 100,000-node chain needs no recursion, and numbers the boxes n0, n1, ...
in traversal order, so the same program always gives the same graph. Graphviz is
not involved: dot.py turns a Graph into DOT text, and step-through widgets can use
a Graph directly (``Graph.find`` maps a tensor or grad_fn to the box that draws it).

Two views of one walk:

- ``"autograd"``: what PyTorch builds. One box per grad_fn, arrows in
  ``next_functions`` order (the way backward() travels), the output tensors on top,
  leaf tensors below their AccumulateGrad, ``(None, k)`` inputs as constants.
- ``"values"``: the forward computation, like micrograd's draw_dot: tensor boxes
  joined by op boxes, inputs flowing into each op.

A constant is titled with its name or, when small, its value ('3'), where the engine
recorded its value (minigrad does; PyTorch does not, so there it is titled 'constant').

>>> import torch
>>> a = torch.tensor([2.0, 3.0], requires_grad=True)
>>> g = build_graph(a * 2, names={"a": a})
>>> [(n.id, n.kind, n.title) for n in g.nodes]
[('n0', 'output', 'output'), ('n1', 'function', 'MulBackward0'), \
('n2', 'function', 'AccumulateGrad'), ('n3', 'constant', 'constant'), ('n4', 'leaf', 'a')]
>>> import minigrad
>>> m = minigrad.tensor([2.0, 3.0], requires_grad=True)
>>> [n.title for n in build_graph(m * 2).nodes if n.kind == "constant"]
['2']
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from typing import Any

from .tensors import (
    FREED,
    RecordedValue,
    is_node,
    is_tensor,
    op_name,
    recorded_input,
    recorded_output,
    short_value_text,
    value_text,
)
from .walk import Fn, Walk, as_roots, fn_key, out_key, reachable, tensor_keys

VIEWS = ("autograd", "values")


@dataclass(frozen=True)
class Box:
    """One box of the drawing.

    kind is one of: 'function' (a grad_fn, autograd view), 'op' (a grad_fn, values
    view), 'output', 'leaf', 'tensor' (an intermediate, values view), 'saved',
    'constant' (an input that does not require grad), 'freed' (a saved tensor that
    backward() released) or 'more' (the marker for what max_nodes cut off).
    obj is the grad_fn or tensor drawn, or None where autograd kept no object.
    tooltip is shown when the mouse rests on the box ('' for none).
    """

    id: str
    kind: str
    title: str
    obj: Any = None
    notes: tuple[str, ...] = ()
    no_grad: bool = False
    tooltip: str = ""


@dataclass(frozen=True)
class Arrow:
    """An arrow from box ``src`` to box ``dst``; kind says what it stands for.

    Autograd view: 'output' (tensor to its grad_fn), 'next' (a next_functions entry),
    'constant' (a (None, k) entry), 'variable' (AccumulateGrad to its leaf).
    Values view: 'input' (tensor into op), 'result' (op to the tensor it made).
    Both: 'saved' (labelled with the saved name, e.g. 'self') and 'more'.
    """

    src: str
    dst: str
    kind: str
    label: str = ""


@dataclass
class Graph:
    """Boxes and arrows in traversal order, and how many grad_fn nodes max_nodes hid
    (hidden_exact is False when counting stopped early: hidden is then a lower bound)."""

    view: str
    nodes: list[Box]
    edges: list[Arrow]
    hidden: int = 0
    hidden_exact: bool = True
    _index: dict[Hashable, str] = field(default_factory=dict, repr=False)

    def find(self, obj: Any) -> str | None:
        """The id of the box that draws a tensor or grad_fn, or None if none does.

        A tensor without a box of its own (an intermediate in the autograd view)
        is found through its grad_fn.
        """
        keys = tensor_keys(obj) if is_tensor(obj) else []
        if is_tensor(obj) and obj.grad_fn is not None:
            keys.append(fn_key(obj.grad_fn))
        elif is_node(obj):
            keys.append(fn_key(obj))
        return next((self._index[k] for k in keys if k in self._index), None)


def build_graph(
    roots: Any,
    *,
    names: Mapping[str, Any] | None = None,
    view: str = "autograd",
    show_saved: bool = False,
    max_nodes: int | None = 500,
) -> Graph:
    """Walk the graph behind ``roots`` (a tensor, a grad_fn, or a list of them).

    names maps a name to a tensor (``{"w": w}``); ``names=globals()`` works too:
    values that are not tensors and names starting with '_' are skipped.
    show_saved adds the tensors each node saved for backward. At most max_nodes
    grad_fn nodes are drawn (None: all); the rest become one '… N more' box.

    >>> import torch
    >>> x = torch.ones(2, requires_grad=True)
    >>> [e.kind for e in build_graph(x + 1).edges]
    ['output', 'next', 'constant', 'variable']
    """
    if view not in VIEWS:
        raise ValueError(f"view must be one of {VIEWS}, got {view!r}")
    if max_nodes is not None and (
        isinstance(max_nodes, bool) or not isinstance(max_nodes, int) or max_nodes < 1
    ):
        raise ValueError(f"max_nodes must be a positive int or None, got {max_nodes!r}")
    root_list = as_roots(roots)
    functions, hidden, exact = reachable(root_list, max_nodes)
    # The values view reads saved tensors even unshown: they hold intermediate values.
    read_saved = show_saved or view == "values"
    walk = Walk(root_list, functions, names, read_saved)
    builder = _Builder(walk, show_saved, more=f"… {hidden}{'' if exact else '+'} more")
    if view == "autograd":
        builder.autograd_view()
    else:
        builder.values_view()
    return Graph(view, builder.nodes, builder.edges, hidden, exact, builder.index)


# --- building the views ----------------------------------------------------------------------

_FREED_NOTES = ("released by backward()", "use retain_graph=True")


class _Builder:
    """Turns a walk into boxes and arrows; a box is registered under one or more keys."""

    def __init__(self, walk: Walk, show_saved: bool, more: str) -> None:
        self.walk = walk
        self.show_saved = show_saved
        self.more_title = more
        self.nodes: list[Box] = []
        self.edges: list[Arrow] = []
        self.index: dict[Hashable, str] = {}
        self.more_id: str | None = None

    def add(self, keys: list[Hashable], kind: str, title: str, **fields: Any) -> str:
        node_id = f"n{len(self.nodes)}"
        self.nodes.append(Box(node_id, kind, title, **fields))
        for key in keys:
            self.index.setdefault(key, node_id)
        return node_id

    def edge(self, src: str, dst: str, kind: str, label: str = "") -> None:
        self.edges.append(Arrow(src, dst, kind, label))

    # -- boxes shared by both views

    def tensor_box(self, tensor: Any, kind: str, notes: tuple[str, ...] = ()) -> str:
        """The box of a tensor, made on first use and found again by any of its keys."""
        keys = tensor_keys(tensor)
        existing = next((self.index[k] for k in keys if k in self.index), None)
        if existing is not None:
            return existing
        no_grad = not tensor.requires_grad
        if no_grad:
            notes += ("requires_grad=False",)
        title = self.walk.name_of(tensor) or kind
        return self.add(keys, kind, title, obj=tensor, notes=notes, no_grad=no_grad)

    def root_boxes(self) -> list[tuple[Any, str]]:
        """Boxes for the tensors given to draw() (grad_fn roots have none)."""
        boxes = []
        for root in self.walk.roots:
            if is_node(root):
                continue
            if root.grad_fn is not None:
                boxes.append((root, self.tensor_box(root, "output")))
            elif root.requires_grad:
                boxes.append((root, self.tensor_box(root, "leaf")))
            else:
                boxes.append((root, self.tensor_box(root, "constant", ("no autograd history",))))
        return boxes

    def constant_box(self, output_nr: int, value: Any = None) -> str:
        """A ``(None, k)`` input, titled with its name, else its value when small ('3'), else
        'constant'. value is what the engine recorded (None: nothing, as in PyTorch); a named
        or large one is kept as the box's tensor, so its shape and data can be shown."""
        tooltip = f"(None, {output_nr}): a constant, no gradient flows here"
        if value is None:
            return self.add([], "constant", "constant", no_grad=True, tooltip=tooltip)
        name = self.walk.name_of_value(value)
        short = None if name else short_value_text(value)
        obj = None if short else RecordedValue(None, value, requires_grad=False)
        title = name or short or "constant"
        return self.add([], "constant", title, obj=obj, no_grad=True, tooltip=tooltip)

    def fn_box(self, fn: Any) -> str:
        """The box of a drawn grad_fn, or the '… N more' box for one max_nodes cut off."""
        if id(fn) in self.walk.drawn:
            return self.index[fn_key(fn)]
        if self.more_id is None:
            notes = ("grad_fn nodes not drawn", "raise max_nodes to see them")
            self.more_id = self.add([], "more", self.more_title, notes=notes)
        return self.more_id

    def saved_values(self, f: Fn) -> list[str]:
        """With show_saved, the plain values a node saved ('exponent = 3'), for its box."""
        if not self.show_saved:
            return []
        return [
            f"{name} = {value_text(value)}"
            for name, value in f.saved
            if value is not FREED and value is not None and not is_tensor(value)
        ]

    def saved_edges(self, f: Fn, node_box: str, towards_node: bool) -> None:
        """Dashed arrows between a node and each tensor it saved (freed ones included)."""
        for name, value in f.saved:
            if value is FREED:
                box = self.add([], "freed", "freed", notes=_FREED_NOTES)
            elif is_tensor(value):
                box = self.tensor_box(value, "saved")
            else:
                continue
            src, dst = (box, node_box) if towards_node else (node_box, box)
            self.edge(src, dst, "saved", name)

    # -- the two views

    def autograd_view(self) -> None:
        roots = self.root_boxes()
        for f in self.walk.fns:
            # 'y.grad_fn' tells which box made a named tensor that has no box of its own
            notes = (*self.walk.made_by.get(fn_key(f.fn), []), *self.saved_values(f))
            self.add([fn_key(f.fn)], "function", f.name, obj=f.fn, notes=notes)
        for root, box in roots:
            if root.grad_fn is not None:
                self.edge(box, self.fn_box(root.grad_fn), "output")
        for f in self.walk.fns:
            box = self.index[fn_key(f.fn)]
            for position, (child, output_nr) in enumerate(f.inputs):
                if child is None:
                    value = recorded_input(f.fn, position)
                    self.edge(box, self.constant_box(output_nr, value), "constant")
                else:
                    kind = "next" if id(child) in self.walk.drawn else "more"
                    self.edge(box, self.fn_box(child), kind)
            if f.variable is not None:
                self.edge(box, self.tensor_box(f.variable, "leaf"), "variable")
        if self.show_saved:
            for f in self.walk.fns:
                self.saved_edges(f, self.index[fn_key(f.fn)], towards_node=False)

    def values_view(self) -> None:
        roots = self.root_boxes()
        for f in self.walk.fns:
            if f.variable is not None:
                # In this view an AccumulateGrad is drawn as its leaf tensor.
                self.index.setdefault(fn_key(f.fn), self.tensor_box(f.variable, "leaf"))
            else:
                notes = (f.name, *self.saved_values(f))
                self.add([fn_key(f.fn)], "op", op_name(f.name), obj=f.fn, notes=notes)
        for root, box in roots:
            if root.grad_fn is not None:
                kind = "result" if id(root.grad_fn) in self.walk.drawn else "more"
                self.edge(self.fn_box(root.grad_fn), box, kind)
        ops = [f for f in self.walk.fns if f.variable is None]
        for f in ops:
            op = self.index[fn_key(f.fn)]
            for position, (child, output_nr) in enumerate(f.inputs):
                if child is None:
                    src = self.constant_box(output_nr, recorded_input(f.fn, position))
                else:
                    src = self.input_box(child, output_nr)
                self.edge(src, op, "more" if src == self.more_id else "input")
        if self.show_saved:
            # after all inputs, so that a saved intermediate joins its tensor box
            for f in ops:
                self.saved_edges(f, self.index[fn_key(f.fn)], towards_node=True)

    def input_box(self, child: Any, output_nr: int) -> str:
        """The box of the tensor that flows from child (a grad_fn) into an op."""
        if id(child) not in self.walk.drawn:
            return self.fn_box(child)
        if getattr(child, "variable", None) is not None:
            return self.index[fn_key(child)]
        slot = out_key(child, output_nr)
        if slot in self.index:
            return self.index[slot]
        tensor = self.walk.slots.get(slot)
        if tensor is None:
            tensor = recorded_output(child)
        if tensor is not None:
            box = self.tensor_box(tensor, "tensor")
        else:
            box = self.add([slot], "tensor", "tensor", notes=("value not kept by autograd",))
        self.edge(self.index[fn_key(child)], box, "result")
        return box
