"""The backward pass: one iterative walk that runs each node once with its summed gradient.

1. Count, for every node reachable from the roots, how many edges lead into it.
2. Start from the roots with their given gradients. Repeatedly take the ready node created
   last (as PyTorch's engine does), run its backward on the sum of the gradients it received,
   and hand each result to the matching ``next_functions`` entry; a node is ready once all its
   incoming edges have delivered.
3. ``AccumulateGrad`` nodes add what reaches them into their leaf's ``.grad``. The additions
   are written once the whole pass has succeeded, so a pass that raises changes no ``.grad``.

An observer (see ``observe``) sees every step; it is the same loop, and costs one ``is None``
check per node when nobody watches.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from minigrad.autograd import grad_mode
from minigrad.autograd.graph import AccumulateGrad, Node

if TYPE_CHECKING:
    from minigrad.tensor import Tensor


class BackwardStep(NamedTuple):
    """One step of the backward pass, as an observer sees it.

    ``grad_output`` is the summed gradient the node received. ``grad_inputs`` holds what it
    sends along each of its ``next_functions`` (empty for ``AccumulateGrad``). For
    ``AccumulateGrad``, ``leaf_grad`` is what the leaf's ``.grad`` holds after this step (or
    would hold, when the pass only computes gradients, as ``autograd.grad`` does).
    """

    node: Node
    grad_output: Tensor | None
    grad_inputs: tuple[Tensor | None, ...]
    leaf_grad: Tensor | None = None


Observer = Callable[[BackwardStep], None]
_observers: list[Observer] = []


@contextmanager
def observe(observer: Observer) -> Iterator[None]:
    """Call ``observer(step)`` for each step of every backward pass run inside the block."""
    _observers.append(observer)
    try:
        yield
    finally:
        _observers.remove(observer)


def run_backward(
    roots: Sequence[Tensor],
    grad_outputs: Sequence[Tensor],
    *,
    retain_graph: bool,
    create_graph: bool,
    inputs: Sequence[Tensor] = (),
    accumulate: bool = True,
    hooks: bool = True,
) -> list[Tensor | None]:
    """Backpropagate ``grad_outputs`` from ``roots``.

    With ``accumulate``, gradients are added into ``.grad`` of the leaves (only of ``inputs``
    when given). Otherwise nothing is written and the gradients reaching ``inputs`` are returned
    (``autograd.grad``). Without ``hooks``, no tensor or node hook runs and no ``retain_grad``
    tensor is filled: an observer can watch a pass that leaves the learner's tensors alone.
    """
    edges = []
    for index, root in enumerate(roots):
        node, _ = root._edge()
        if node is None:
            raise RuntimeError(
                f"element {index} of tensors does not require grad and does not have a grad_fn"
            )
        edges.append(node)

    # Where gradients are captured instead of (or, for non-leaves, besides) being deposited.
    targets: dict[Node, list[int]] = {}  # an input may be listed twice
    for position, tensor in enumerate(inputs):
        targets.setdefault(tensor._edge()[0], []).append(position)
    targets.pop(None, None)
    captured: list[Tensor | None] = [None] * len(inputs)

    dependencies = _count_dependencies(edges)
    needed = _needed(edges, targets) if inputs else None

    buffers: dict[Node, Tensor | None] = {}
    for node, grad in zip(edges, grad_outputs):
        buffers[node] = _add(buffers.get(node), grad)
    ready: list[tuple[int, int, Node]] = []
    for node in buffers:
        if node not in dependencies:
            heapq.heappush(ready, (-node._sequence, len(ready), node))
    pushed = len(ready)

    deposits: list[tuple[Tensor, Tensor]] = []
    observers = tuple(_observers)
    push, pop = heapq.heappush, heapq.heappop
    previous_mode = grad_mode.state.enabled
    grad_mode.state.enabled = create_graph
    try:
        with np.errstate(all="ignore"):  # inf and nan are results, as in PyTorch
            while ready:
                node = pop(ready)[2]
                grad = buffers.pop(node)
                is_leaf = type(node) is AccumulateGrad
                if grad is not None:
                    if hooks:
                        registered = node.variable._hooks if is_leaf else node._pre_hooks
                        if registered:
                            grad = _run_hooks(registered, grad)
                        if node._retained is not None and node._retained() is not None:
                            deposits.append((node._retained(), grad))
                    if targets and node in targets:
                        for position in targets[node]:
                            captured[position] = grad
                        if accumulate and not is_leaf:
                            deposits.append((inputs[targets[node][0]], grad))

                if is_leaf:
                    if grad is not None and (needed is None or node in targets):
                        if accumulate:
                            deposits.append((node.variable, grad))
                        for observer in observers:
                            observer(BackwardStep(node, grad, (), _add(node.variable._grad, grad)))
                    continue
                if needed is not None and node not in needed:
                    continue

                if grad is None:
                    grads: tuple[Tensor | None, ...] = (None,) * len(node.next_functions)
                else:
                    grads = node._backward(grad)
                    if not retain_graph:
                        node._release()
                for observer in observers:
                    observer(BackwardStep(node, grad, grads))

                for (child, _), child_grad in zip(node.next_functions, grads):
                    if child is None:
                        continue
                    if child_grad is not None:
                        buffers[child] = _add(buffers.get(child), child_grad)
                    elif child not in buffers:
                        buffers[child] = None
                    remaining = dependencies[child] - 1
                    dependencies[child] = remaining
                    if remaining == 0:
                        push(ready, (-child._sequence, pushed, child))
                        pushed += 1
            for tensor, grad in deposits:
                _deposit(tensor, grad, create_graph)
    finally:
        grad_mode.state.enabled = previous_mode
    return captured


def _count_dependencies(roots: list[Node]) -> dict[Node, int]:
    """For every node below the roots, the number of edges that lead into it."""
    dependencies: dict[Node, int] = {}
    stack = list(dict.fromkeys(roots))
    seen = set(stack)
    while stack:
        for child, _ in stack.pop().next_functions:
            if child is None:
                continue
            dependencies[child] = dependencies.get(child, 0) + 1
            if child not in seen:
                seen.add(child)
                stack.append(child)
    return dependencies


def _needed(roots: list[Node], targets: dict[Node, list[int]]) -> set[Node]:
    """The nodes from which some target lies further down: the only ones worth running."""
    parents: dict[Node, list[Node]] = {}
    stack = list(dict.fromkeys(roots))
    seen = set(stack)
    while stack:
        node = stack.pop()
        for child, _ in node.next_functions:
            if child is None:
                continue
            parents.setdefault(child, []).append(node)
            if child not in seen:
                seen.add(child)
                stack.append(child)
    needed: set[Node] = set()
    stack = [target for target in targets if target in seen]
    while stack:
        for parent in parents.get(stack.pop(), ()):
            if parent not in needed:
                needed.add(parent)
                stack.append(parent)
    return needed


def _add(total: Tensor | None, grad: Tensor | None) -> Tensor | None:
    if total is None:
        return grad
    if grad is None:
        return total
    return total + grad


def _run_hooks(hooks: list[Callable[[Tensor], Tensor | None]], grad: Tensor) -> Tensor:
    for hook in list(hooks):
        result = hook(grad)
        if result is None:
            continue
        if not hasattr(result, "_data"):
            raise TypeError(f"expected Variable, but hook returned '{type(result).__name__}'")
        if result._data.shape != grad._data.shape:
            name = getattr(hook, "__name__", type(hook).__name__)
            raise RuntimeError(f"hook '{name}' has changed the size of value")
        grad = result
    return grad


def _deposit(tensor: Tensor, grad: Tensor, create_graph: bool) -> None:
    """Add ``grad`` into ``tensor._grad``: in place normally, as a recorded sum with create_graph."""
    if grad._data.dtype != tensor._data.dtype:
        grad = grad.to(tensor.dtype)
    if tensor._grad is None:
        # A fresh copy: the same gradient array may be on its way to other leaves too.
        if create_graph and grad._requires_grad:  # keep its history, in a tensor of its own
            tensor._grad = grad.clone()
        else:
            tensor._grad = type(grad)._make(np.array(grad._data, copy=True))
    elif create_graph or tensor._grad.requires_grad:
        tensor._grad = tensor._grad + grad
    else:
        np.add(tensor._grad._data, grad._data, out=tensor._grad._data, casting="unsafe")
        tensor._grad._bump_version()
