"""The backward pass: one iterative walk that runs each node once with its summed gradient.

1. Count, for every node reachable from the roots, how many edges lead into it.
2. Start from the roots with their given gradients. Repeatedly take the ready node created
   last (as PyTorch's engine does), run it on the sum of the gradients it received, and hand
   each result to the matching ``next_functions`` entry; a node is ready once all its incoming
   edges have delivered.
3. An ``AccumulateGrad`` node adds what reaches it into its leaf's ``.grad``. The additions
   are written once the whole pass has succeeded, so a pass that raises changes no ``.grad``.

The gradients flowing through the loop are plain numpy arrays; with ``create_graph=True``
they are tensors, and every backward formula is recorded as it runs.

``_Pass.run`` is that loop. What PyTorch's surface adds around it are small helpers that cost
nothing when unused: hooks and ``retain_grad`` (``_Pass.hooked``), the gradients captured for
``autograd.grad`` and ``backward(inputs=...)`` and the nodes worth running for them
(``_Capture``), and observers (``observe``), which see every step of the same loop.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, NamedTuple

import numpy as np

from minigrad.autograd import anomaly_mode, grad_mode
from minigrad.autograd.graph import (
    AccumulateGrad,
    Node,
    accumulate_into,
    run_post_accumulate_grad_hooks,
)
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
    starts = _start_nodes(roots)
    capture = _Capture(starts, inputs) if inputs else None
    arrays = not create_graph  # the pass computes on numpy arrays unless it records itself
    backward = _Pass(starts, roots, grad_outputs, capture, retain_graph, accumulate, hooks, arrays)
    previous_mode = grad_mode.state.enabled
    grad_mode.state.enabled = create_graph
    try:
        backward.run()
        backward.running = None
        for tensor, grad in backward.deposits:
            accumulate_into(tensor, grad, create_graph)
            if tensor._post_accumulate_grad_hooks:  # as soon as its own .grad is written
                run_post_accumulate_grad_hooks(tensor)
    except Exception as error:
        if anomaly_mode.state.enabled and backward.running is not None:
            anomaly_mode.warn_failed(backward.running)  # where its forward ran
        if getattr(error, "raised_by_autograd", False):  # PyTorch's error, from here
            raise error.with_traceback(None) from None
        raise
    finally:
        grad_mode.state.enabled = previous_mode
    if capture is None:
        return []
    return [None if g is None else backward.tensor(g) for g in capture.gradients]


def _start_nodes(roots: Sequence[Tensor]) -> list[Node]:
    """The node each root's gradient enters the graph at, with PyTorch's error for none."""
    nodes = []
    for index, root in enumerate(roots):
        node = root._grad_node()
        if node is None:
            raise RuntimeError(
                f"element {index} of tensors does not require grad and does not have a grad_fn"
            )
        nodes.append(node)
    return nodes


class _Pass:
    """One backward pass: how many edges still have to deliver into each node, the gradients
    waiting at each node, the nodes ready to run, and the ``.grad`` additions to write."""

    __slots__ = (
        "waiting",
        "buffers",
        "ready",
        "pushed",
        "capture",
        "hooks",
        "retain_graph",
        "accumulate",
        "deposits",
        "observers",
        "arrays",
        "running",
    )

    def __init__(
        self,
        starts: list[Node],
        roots: Sequence[Tensor],
        grad_outputs: Sequence[Tensor],
        capture: _Capture | None,
        retain_graph: bool,
        accumulate: bool,
        hooks: bool,
        arrays: bool,
    ) -> None:
        self.waiting = _count_dependencies(starts)
        self.buffers: dict[Node, Any] = {}
        for node, root, grad in zip(starts, roots, grad_outputs):
            self.receive(node, root._output_nr, grad._data if arrays else grad)
        waiting = self.waiting
        self.ready = [
            (-node._sequence, position, node)
            for position, node in enumerate(self.buffers)
            if node not in waiting
        ]
        heapq.heapify(self.ready)
        self.pushed = len(self.buffers)  # (the positions that break ties between nodes)
        self.capture, self.hooks = capture, hooks
        self.retain_graph, self.accumulate = retain_graph, accumulate
        self.deposits: list[tuple[Tensor, Any]] = []
        self.observers = tuple(_observers)
        if anomaly_mode.state.enabled and anomaly_mode.state.check_nan:
            self.observers += (anomaly_mode.check_nan,)  # (it sees what every node returns)
        self.running: Node | None = None  # the node being run (anomaly mode names it)
        self.arrays = arrays  # gradients are numpy arrays (tensors when recording backward)

    @np.errstate(all="ignore")  # inf and nan are results, as in PyTorch
    def run(self) -> None:
        """Run every ready node, latest created first, until none is left (step 2): each
        gradient it sends is added to what waits at that input, and an input whose edges
        have all delivered is ready in turn."""
        ready, buffers, waiting = self.ready, self.buffers, self.waiting
        capture, hooks = self.capture, self.hooks
        pop, push = heapq.heappop, heapq.heappush
        while ready:
            node = self.running = pop(ready)[2]
            grad = buffers.pop(node)
            if hooks and node._hooked:  # hooks, or retain_grad
                grad = self.hooked(node, grad)
            if capture is not None and not capture.take(node, grad, self):
                continue
            grads = node._run(grad, self)
            if node._input_nrs is not None:  # an input came from an op with several outputs
                self.send_to_outputs(node, grads)
                continue
            for child, child_grad in zip(node._next, grads):
                if child is None:
                    continue
                waiting_grad = buffers.get(child)
                if child_grad is not None:
                    buffers[child] = (
                        child_grad if waiting_grad is None else waiting_grad + child_grad
                    )
                elif child not in buffers:
                    buffers[child] = None
                left = waiting[child] - 1  # edges still to deliver into child
                if left:
                    waiting[child] = left
                else:
                    push(ready, (-child._sequence, self.pushed, child))
                    self.pushed += 1

    def send_to_outputs(self, node: Node, grads: tuple) -> None:
        """Hand on ``grads`` when some input of ``node`` is one output of an op with several
        (``split``): that gradient waits in the slot of that output."""
        for child, output_nr, child_grad in zip(node._next, node._input_nrs, grads):
            if child is None:
                continue
            self.receive(child, output_nr, child_grad)
            left = self.waiting[child] - 1
            self.waiting[child] = left
            if not left:
                heapq.heappush(self.ready, (-child._sequence, self.pushed, child))
                self.pushed += 1

    def receive(self, node: Node, output_nr: int, grad: Any) -> None:
        """Add ``grad`` to what waits at ``node``: a list with a slot per output for a node
        with several outputs, None where nothing arrived."""
        waiting_grad = self.buffers.get(node)
        if node.several_outputs:
            slots = [None] * node._outputs if waiting_grad is None else waiting_grad
            slots[output_nr] = _add(slots[output_nr], grad)
            self.buffers[node] = slots
        elif grad is not None or node not in self.buffers:
            self.buffers[node] = _add(waiting_grad, grad)

    def hooked(self, node: Node, grad: Any) -> Any:
        """``grad`` as the hooks leave it: those of the tensor (or leaf) ``node`` stands for,
        then ``retain_grad``, which keeps it, then the node's own pre-hooks."""
        if grad is None:
            return None
        if type(grad) is list:
            return self.hooked_outputs(node, grad)
        if node._grad_hooks:
            grad = self.array(_run_hooks(node._grad_hooks, self.tensor(grad)))
        retained = node._retained
        if retained is not None and retained() is not None:
            self.deposits.append((retained(), grad))
        return self.array(node._before((self.tensor(grad),))[0]) if node._pre_hooks else grad

    def hooked_outputs(self, node: Node, grads: list) -> list:
        """``hooked`` for a node with several outputs: each output's tensor hooks and
        ``retain_grad`` see that output's gradient; the node's pre-hooks see them all."""
        grads = list(grads)
        for output_nr, hooks in (node._grad_hooks or {}).items():
            if hooks and grads[output_nr] is not None:
                grads[output_nr] = self.array(_run_hooks(hooks, self.tensor(grads[output_nr])))
        for output_nr, retained in (node._retained or {}).items():
            if retained() is not None and grads[output_nr] is not None:
                self.deposits.append((retained(), grads[output_nr]))
        if node._pre_hooks:
            changed = node._before(self.tensor(grads))
            grads = [None if g is None else self.array(g) for g in changed]
        return grads

    def hooked_after(self, node: Node, grads: tuple, grad: Any) -> tuple:
        """``grads``, what ``node`` sends on, as its post hooks leave them."""
        tensors = tuple([None if g is None else self.tensor(g) for g in grads])
        return tuple(
            [None if g is None else self.array(g) for g in node._after(tensors, self.tensor(grad))]
        )

    def tensor(self, grad: Any) -> Any:
        """A gradient of this pass as a tensor, as hooks, observers and ``.grad`` see it (a
        tuple of them, None where nothing arrived, for a node with several outputs)."""
        if type(grad) is list:
            return tuple([None if g is None else self.tensor(g) for g in grad])
        return Tensor._make(np.asarray(grad)) if self.arrays else grad

    def array(self, grad: Tensor) -> Any:
        """A tensor (from a hook) as a gradient of this pass."""
        return grad._data if self.arrays else grad

    def notify(self, node: Node, grad: Any, grads: tuple) -> None:
        """Tell the observers what ``node`` received and sent (a leaf: what its .grad holds)."""
        grad = None if grad is None else self.tensor(grad)
        grads = tuple([None if g is None else self.tensor(g) for g in grads])
        leaf_grad = _add(node.variable._grad, grad) if type(node) is AccumulateGrad else None
        for observer in self.observers:
            observer(BackwardStep(node, grad, grads, leaf_grad))


class _Capture:
    """The gradients reaching ``inputs``, for ``autograd.grad`` and ``backward(inputs=...)``,
    and the nodes worth running for them: those with an input further down."""

    __slots__ = ("inputs", "first_position", "targets", "gradients", "needed")

    def __init__(self, starts: list[Node], inputs: Sequence[Tensor]) -> None:
        self.inputs = inputs
        self.first_position = {}  # an input may be listed twice: where it is listed first
        for position, tensor in enumerate(inputs):
            self.first_position.setdefault(id(tensor), position)
        self.targets: dict[Node, list[int]] = {}  # an input may be listed twice
        for position, tensor in enumerate(inputs):
            self.targets.setdefault(tensor._grad_node(), []).append(position)
        self.targets.pop(None, None)
        self.gradients: list[Tensor | None] = [None] * len(inputs)
        self.needed = _needed(starts, self.targets)

    def take(self, node: Node, grad: Tensor | None, backward: _Pass) -> bool:
        """Keep ``grad`` if it reaches an input; whether ``node`` is worth running."""
        positions = self.targets.get(node)
        is_leaf = type(node) is AccumulateGrad
        for position in positions or ():
            tensor = self.inputs[position]
            # (a node with several outputs received a gradient for each)
            reaching = grad[tensor._output_nr] if type(grad) is list else grad
            if reaching is None:
                continue
            self.gradients[position] = reaching
            if backward.accumulate and not is_leaf:  # backward(inputs=) on a non-leaf
                if self.first_position[id(tensor)] == position:  # (listed twice: once)
                    backward.deposits.append((tensor, reaching))
        return positions is not None if is_leaf else node in self.needed


def _count_dependencies(roots: list[Node]) -> dict[Node, int]:
    """For every node below the roots, the number of edges that lead into it."""
    dependencies: dict[Node, int] = {}
    starts = dict.fromkeys(roots)  # (each root once, in order)
    stack = list(starts)
    while stack:
        for child in stack.pop()._next:
            if child is None:
                continue
            if child in dependencies:
                dependencies[child] += 1
            else:  # reached for the first time: its own inputs are next
                dependencies[child] = 1
                if child not in starts:
                    stack.append(child)
    return dependencies


def _needed(roots: list[Node], targets: dict[Node, list[int]]) -> set[Node]:
    """The nodes from which some target lies further down: the only ones worth running."""
    parents: dict[Node, list[Node]] = {}
    stack = list(dict.fromkeys(roots))
    seen = set(stack)
    while stack:
        node = stack.pop()
        for child in node._next:
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
        name = getattr(hook, "__name__", type(hook).__name__)
        if result._data.dtype != grad._data.dtype:
            raise RuntimeError(
                f"hook '{name}' has changed the type of value (was "
                f"torch.{grad.dtype.title}Tensor got torch.{result.dtype.title}Tensor)"
            )
        if result._data.shape != grad._data.shape:
            raise RuntimeError(f"hook '{name}' has changed the size of value")
        grad = result
    return grad
