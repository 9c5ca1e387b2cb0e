"""Steps through PyTorch's own backward pass, as PyTorch's engine runs it.

PyTorch's nodes take hooks: ``grad_fn.register_hook`` sees what a node received and what it
sends on. The Stepper hooks every node of the graph, runs ``torch.autograd.grad`` once on the
leaves (``retain_graph=True``: the graph is kept and no leaf's ``.grad`` is written), removes
the hooks, and turns what they saw into steps. The explanations come from minigrad's op of the
same name (``MulBackward0`` …), whose rules are PyTorch's; the values from what PyTorch saved
for backward. PyTorch keeps no intermediate results, so a box shows the value of a tensor only
where the learner holds it under a name (or it is the root). PyTorch runs the learner's own
hooks in that pass as in any other; a named tensor's ``retain_grad`` ``.grad`` is put back.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from minigrad.ops import all_ops
from minigrad.viz.tensors import node_name
from minigrad.widgets.steps import (
    BACKWARD,
    FORWARD,
    Recording,
    Step,
    assign,
    is_accumulate,
    short,
)

_RULES = {op.__name__: op for op in all_ops()}


def _numpy(tensor: Any) -> np.ndarray:
    return tensor.detach().cpu().numpy().copy()


class _Names:
    """The learner's names for leaves and named results; ``t1``, ``t2`` … for the rest."""

    def __init__(self, functions: list[Any], names: dict[str, Any]) -> None:
        self.by_node: dict[Any, str] = {}
        self.by_leaf: dict[int, str] = {}
        for name, tensor in names.items():
            if tensor.grad_fn is not None:
                self.by_node.setdefault(tensor.grad_fn, name)
            else:
                self.by_leaf.setdefault(id(tensor), name)
        for count, fn in enumerate((f for f in functions if f not in self.by_node), start=1):
            self.by_node[fn] = f"t{count}"

    def of(self, node: Any) -> str:
        if node is None:
            return "constant"
        if is_accumulate(node):
            return self.by_leaf.setdefault(id(node.variable), f"leaf{len(self.by_leaf) + 1}")
        return self.by_node.get(node, "?")


def _graph(root: Any) -> tuple[list[Any], dict[Any, int]]:
    """The grad_fn nodes in creation order, and how many edges lead into each node."""
    found: dict[Any, None] = {}
    incoming: dict[Any, int] = {}
    stack = [root.grad_fn]
    while stack:
        node = stack.pop()
        if node in found:
            continue
        found[node] = None
        for child, _ in node.next_functions:
            if child is not None:
                incoming[child] = incoming.get(child, 0) + 1
                stack.append(child)
    functions = sorted((n for n in found if not is_accumulate(n)), key=lambda n: n._sequence_nr())
    return functions, incoming


def _saved(fn: Any) -> dict[str, Any]:
    """What the node saved for backward, by name (``self``, ``exponent`` …)."""
    values = {}
    for attribute in dir(fn):
        if attribute.startswith("_saved_"):
            try:
                value = getattr(fn, attribute)
            except RuntimeError:  # freed by an earlier backward
                continue
            if value is not None:  # an input that needs no gradient saves nothing
                values[attribute[len("_saved_") :]] = (
                    _numpy(value) if hasattr(value, "detach") else value
                )
    return values


def _forward_step(fn: Any, names: _Names, known: dict[Any, np.ndarray]) -> Step:
    op = _RULES.get(node_name(fn))
    result = names.of(fn)
    formula = op.formula if op is not None else "…"
    lines = [f"{node_name(fn)} recorded {result} = {formula}"]
    inputs = op.input_names if op is not None else ()
    for position, (child, _) in enumerate(fn.next_functions):
        label = names.of(child) if child is not None else "a constant (no gradient)"
        input_name = inputs[position] if position < len(inputs) else f"input{position}"
        lines.append(f"  {input_name} = {label}")
    saved = _saved(fn)
    if saved:
        lines.append("  saved for backward:")
        lines += [assign(f"    {key} = ", value) for key, value in saved.items()]
    if fn in known:
        lines.append(assign(f"  {result} = ", known[fn]))
        title_value = short(known[fn])
    else:
        lines.append(f"  PyTorch keeps no value for {result} (name it to see it here)")
        title_value = "…"
    title = f"{node_name(fn)}: {result} = {formula} = {title_value}"
    return Step(FORWARD, fn, node_name(fn), title, "\n".join(lines))


class _Watcher:
    """Turns what the node hooks see into backward steps, in the order PyTorch runs nodes."""

    def __init__(self, names: _Names, incoming: dict[Any, int], root_name: str) -> None:
        self.names, self.root_name = names, root_name
        self.waiting = dict(incoming)
        self.to_leaves: dict[Any, np.ndarray] = {}  # what each AccumulateGrad has been sent
        self.steps: list[Step] = []

    def node_ran(self, fn: Any, grad_inputs: tuple, grad_outputs: tuple) -> None:
        received = [g for g in grad_outputs if g is not None]
        grad = _numpy(received[0]) if len(received) == 1 else None
        wrt = self.names.of(fn)
        if grad is not None:
            lines = [assign(f"{node_name(fn)} receives grad = ∂{self.root_name}/∂{wrt} = ", grad)]
        else:  # an op with several outputs: one gradient per output
            lines = [f"{node_name(fn)} receives a gradient for each of its outputs:"]
            lines += [assign(f"  output {k}: ", _numpy(g)) for k, g in enumerate(received)]
        arrived, sent = self._sent(fn, grad_inputs, lines)
        title = f"{node_name(fn)}: grad {short(grad) if grad is not None else '…'} → " + ", ".join(
            sent
        )
        step = Step(
            BACKWARD, fn, node_name(fn), title, "\n".join(lines), grad=grad, arrived=arrived
        )
        self.steps.append(step)
        for child, _ in fn.next_functions:
            if child is None:
                continue
            self.waiting[child] -= 1
            # AccumulateGrad has the highest sequence number: PyTorch runs it once it is ready
            if is_accumulate(child) and self.waiting[child] == 0 and child in self.to_leaves:
                self._accumulate(child)

    def _sent(self, fn: Any, grad_inputs: tuple, lines: list[str]) -> tuple[dict, list[str]]:
        """What ``fn`` sends to each input, written into ``lines``; the sums so far sent to
        leaves, and the one-line versions for the title."""
        op = _RULES.get(node_name(fn))
        arrived: dict[Any, np.ndarray] = {}
        sent = []
        for position, ((child, _), g) in enumerate(zip(fn.next_functions, grad_inputs)):
            label = self.names.of(child)
            input_name = op.input_names[position] if op and position < len(op.input_names) else ""
            if child is None or g is None:
                lines.append(f"  {input_name or 'input'} ({label}) needs no gradient")
                continue
            value = _numpy(g)
            rule = op.rules[min(position, len(op.rules) - 1)] if op and op.rules else "…"
            lines.append(f"  to {input_name or 'input'} ({label}): {rule}")
            lines.append(assign("      = ", value))
            sent.append(short(value))
            if is_accumulate(child):
                total = self.to_leaves.get(child)
                self.to_leaves[child] = arrived[child] = value if total is None else total + value
        return arrived, sent

    def _accumulate(self, node: Any) -> None:
        total = self.to_leaves[node]
        leaf = self.names.of(node)
        text = assign(f"AccumulateGrad stores the gradient in {leaf}.grad = ", total)
        title = f"AccumulateGrad: {leaf}.grad = {short(total)}"
        self.steps.append(
            Step(BACKWARD, node, node_name(node), title, text, (node.variable, total), total)
        )


def record_torch(root: Any, gradient: Any, names: dict[str, Any]) -> Recording:
    """The steps of PyTorch's forward and backward pass behind ``root`` (a torch tensor)."""
    import torch  # only reached with a torch tensor in hand

    functions, incoming = _graph(root)
    tensors = {k: v for k, v in names.items() if isinstance(v, torch.Tensor)}
    labels = _Names(functions, tensors)
    known: dict[Any, np.ndarray] = {}
    for tensor in tensors.values():  # the first name given for a node is the one shown
        if tensor.grad_fn is not None and tensor.grad_fn not in known:
            known[tensor.grad_fn] = _numpy(tensor)
    known.setdefault(root.grad_fn, _numpy(root))
    steps = [_forward_step(fn, labels, known) for fn in functions]
    accumulators = [node for node in incoming if is_accumulate(node)]
    leaves = [(node.variable, _numpy(node.variable)) for node in accumulators]
    outputs = {fn: (labels.of(fn), value) for fn, value in known.items()}
    recording = Recording(steps, functions, outputs, leaves, None)
    if gradient is None and root.numel() != 1:
        return recording._replace(failure="grad can be implicitly created only for scalar outputs")

    watcher = _Watcher(labels, incoming, labels.of(root.grad_fn))
    handles = [
        fn.register_hook(lambda inputs, outputs, fn=fn: watcher.node_ran(fn, inputs, outputs))
        for fn in functions
    ]
    retained = [(t, t.grad) for t in tensors.values() if t.grad_fn is not None and t.retains_grad]
    try:
        torch.autograd.grad(
            root,
            [leaf for leaf, _ in leaves],
            grad_outputs=gradient,
            retain_graph=True,
            allow_unused=True,
        )
    except RuntimeError as error:
        recording = recording._replace(failure=str(error))
    finally:
        for handle in handles:
            handle.remove()
        for tensor, grad in retained:
            tensor.grad = grad
    steps.extend(watcher.steps)
    return recording
