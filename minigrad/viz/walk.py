"""The walk behind a drawing: which grad_fns to draw (breadth-first, up to ``max_nodes``) and
every tensor known by name, as a root, or as saved. graph.py turns a walk into boxes and arrows.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from typing import Any

from .names import named_tensors
from .tensors import FREED, is_node, is_tensor, node_name, saved_entries, type_name

# --- input checking and identity -------------------------------------------------------------


def as_roots(roots: Any) -> list[Any]:
    is_list = isinstance(roots, (list, tuple))
    items = list(roots) if is_list else [roots]
    if not items:
        raise ValueError("draw() got an empty list: pass at least one tensor, e.g. draw(loss).")
    for position, item in enumerate(items):
        if not (is_tensor(item) or is_node(item)):
            where = f" as item {position} of the list" if is_list else ""
            raise TypeError(
                f"draw() expects a tensor, a grad_fn or a list of them, but got "
                f"{type_name(item)}{where}. Pass the tensor whose graph you want, e.g. draw(loss)."
            )
    unique: dict[int, Any] = {}  # a root given twice is drawn once
    for item in items:
        unique.setdefault(id(item), item)
    return list(unique.values())


# ids are keys only while the objects are alive (the graph holds them); they never reach
# the output.
def fn_key(fn: Any) -> Hashable:
    return ("fn", id(fn))


def out_key(fn: Any, output_nr: int) -> Hashable:
    return ("out", id(fn), output_nr)


def tensor_keys(tensor: Any) -> list[Hashable]:
    """The tensor object, and for a non-leaf the (grad_fn, output_nr) slot it came from:
    unpacking a saved tensor can give a new Python object for the same slot."""
    keys: list[Hashable] = [("tensor", id(tensor))]
    if tensor.grad_fn is not None:
        keys.append(out_key(tensor.grad_fn, getattr(tensor, "output_nr", 0)))
    return keys


# --- the walk --------------------------------------------------------------------------------


# How far past max_nodes the walk goes to count what it hides. Touching no more keeps
# drawing fast on huge graphs, and it matters for PyTorch: freeing a graph deeper than
# about 40,000 nodes that Python has walked overflows PyTorch's C stack (torch 2.13).
COUNT_BEYOND = 10_000


def reachable(roots: list[Any], max_nodes: int | None) -> tuple[list[Any], int, bool]:
    """The grad_fns reachable from roots, breadth-first, up to max_nodes; how many more
    there are; and whether that count is exact (False: it is a lower bound)."""
    queue: deque[Any] = deque()
    seen: set[int] = set()
    for root in roots:
        start = root if is_node(root) else root.grad_fn
        if start is not None and id(start) not in seen:
            seen.add(id(start))
            queue.append(start)
    limit = None if max_nodes is None else max_nodes + COUNT_BEYOND
    order: list[Any] = []
    while queue and (limit is None or len(order) < limit):
        fn = queue.popleft()
        order.append(fn)
        for child, _ in fn.next_functions:
            if child is not None and id(child) not in seen:
                seen.add(id(child))
                queue.append(child)
    if max_nodes is None or len(seen) <= max_nodes:
        return order, 0, True
    return order[:max_nodes], len(seen) - max_nodes, not queue


@dataclass
class Fn:
    """One drawn grad_fn, with what the views need from it read once."""

    fn: Any
    name: str
    inputs: tuple[tuple[Any, int], ...]
    variable: Any  # the leaf tensor of an AccumulateGrad, else None
    saved: list[tuple[str, Any]]


class Walk:
    """The drawn grad_fns, and every tensor known by name, as a root, or as saved."""

    def __init__(
        self,
        roots: list[Any],
        functions: list[Any],
        names: Mapping[str, Any] | None,
        read_saved: bool,
    ) -> None:
        self.roots = roots
        self.fns = [
            Fn(
                fn=fn,
                name=node_name(fn),
                inputs=tuple(fn.next_functions),
                variable=getattr(fn, "variable", None),
                saved=saved_entries(fn) if read_saved else [],
            )
            for fn in functions
        ]
        self.drawn = {id(f.fn) for f in self.fns}
        self.names: dict[Hashable, str] = {}
        self.made_by: dict[Hashable, list[str]] = {}  # grad_fn key -> 'y.grad_fn' notes
        named = self._named = named_tensors(names)
        root_ids = {id(r) for r in roots}
        for name, tensor in named:
            if ("tensor", id(tensor)) in self.names:
                continue  # the first name given wins
            for key in tensor_keys(tensor):
                self.names.setdefault(key, name)
            if tensor.grad_fn is not None and id(tensor) not in root_ids:
                self.made_by.setdefault(fn_key(tensor.grad_fn), []).append(f"{name}.grad_fn")
        # PyTorch keeps no intermediate tensors, but a named, root or saved tensor shows
        # the value of the (grad_fn, output_nr) slot it came from.
        saved = [v for f in self.fns for _, v in f.saved if v is not FREED and is_tensor(v)]
        self.slots: dict[Hashable, Any] = {}
        for tensor in [*(t for _, t in named), *saved, *(r for r in roots if is_tensor(r))]:
            if tensor.grad_fn is not None:
                self.slots.setdefault(tensor_keys(tensor)[1], tensor)

    def name_of(self, tensor: Any) -> str | None:
        return next((self.names[k] for k in tensor_keys(tensor) if k in self.names), None)

    def name_of_value(self, array: Any) -> str | None:
        """The name of a tensor that does not require grad, found by its recorded value
        (minigrad records the very array; PyTorch records none, so nothing matches there)."""
        if not hasattr(self, "_by_array"):
            self._by_array: dict[int, str] = {}
            for name, tensor in self._named:
                if not tensor.requires_grad:
                    self._by_array.setdefault(id(tensor.detach().numpy()), name)
        return self._by_array.get(id(array))
