"""The forward and backward pass of one graph as a list of steps a learner can walk through.

The backward steps come from the real engine, watched through its observer: the stepper runs
``run_backward`` once with ``retain_graph=True``, without writing any ``.grad`` and without
running hooks, so the learner's tensors and graph are left exactly as they were. What each step
says is derived from the op definitions: their ``formula``, ``input_names`` and ``rules``, and
the values saved on the nodes. Numbers print as PyTorch prints them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import numpy as np

from minigrad._printing import format_data
from minigrad.autograd.custom import BackwardCFunction
from minigrad.autograd.engine import BackwardStep, observe, run_backward
from minigrad.autograd.function import Function
from minigrad.autograd.graph import AccumulateGrad, Node
from minigrad.tensor import Tensor

FORWARD, BACKWARD = "forward", "backward"


@dataclass(frozen=True)
class Step:
    """One step: which node, in which phase, and what happens there in words and numbers."""

    phase: str
    node: Node | None  # None for the step that reports an error
    node_name: str
    title: str
    text: str
    #: for a backward step into a leaf: the leaf and the ``.grad`` it holds afterwards
    deposit: tuple[Tensor, np.ndarray] | None = None
    #: for a backward step: the summed gradient the node received
    grad: np.ndarray | None = field(default=None, repr=False)
    #: the nodes this step sends a gradient to, with the sum each has received so far
    arrived: dict[Node, np.ndarray] = field(default_factory=dict, repr=False)


class Recording(NamedTuple):
    """Everything a Stepper shows, copied when it is made: the steps, the grad_fn nodes in
    creation order, the name and value of the tensor each made (where known), the leaves
    with their values, and the error that stopped backward (None when it ran through)."""

    steps: list[Step]
    functions: list[Any]
    outputs: dict[Any, tuple[str, np.ndarray]]
    leaves: list[tuple[Any, np.ndarray]]
    failure: str | None


def is_accumulate(node: Any) -> bool:
    """An AccumulateGrad node, of minigrad or PyTorch (it holds the leaf as ``variable``)."""
    return hasattr(node, "variable")


def fmt(value: Any) -> str:
    """A value as PyTorch prints a tensor's values: aligned rows, summarised when large, and
    wrapped at 56 characters (PyTorch's 80, less what the explanation's column leaves)."""
    if value is None:
        return "(freed)"
    if isinstance(value, Tensor):
        value = value._data
    if isinstance(value, np.ndarray):
        return format_data(value, threshold=64, edgeitems=3, linewidth=56)
    return repr(value)


def short(value: Any) -> str:
    """A value on one line: a small vector or number in full, anything bigger as its shape."""
    if isinstance(value, Tensor):
        value = value._data
    if isinstance(value, np.ndarray) and (value.ndim > 1 or value.size > 6):
        return f"({value.size},)" if value.ndim == 1 else f"({'×'.join(map(str, value.shape))})"
    return fmt(value)


def assign(left: str, value: Any) -> str:
    """``left`` followed by a value; a value of several lines starts on a line of its own,
    indented under ``left``, so that the text stays narrow."""
    text = fmt(value)
    if "\n" not in text:
        return left + text
    indent = " " * (len(left) - len(left.lstrip()) + 4)
    return left.rstrip() + "\n" + indent + text.replace("\n", "\n" + indent)


class Labeler:
    """Names for the tensors in the graph: the learner's names for leaves and the root,
    ``t1``, ``t2`` … (in creation order) for the results in between."""

    def __init__(self, functions: list[Function], names: dict[str, Tensor]) -> None:
        self._by_tensor: dict[int, str] = {}
        self._unnamed = 0  # leaves without a name so far: leaf1, leaf2 …
        self._by_array: dict[int, str] = {}  # inputs that need no gradient, known by their data
        for name, tensor in names.items():
            self._by_tensor.setdefault(id(tensor), name)
            self._by_array.setdefault(id(tensor._data), name)
        self._by_node: dict[Node, str] = {}
        self._by_output: dict[tuple[Node, int], str] = {}  # pieces of split, chunk, unbind
        for name, tensor in names.items():
            if tensor.grad_fn is None:
                continue
            if tensor.grad_fn.several_outputs:  # a piece: named by output; the node gets t1 …
                self._by_output.setdefault((tensor.grad_fn, tensor._output_nr), name)
            else:
                self._by_node.setdefault(tensor.grad_fn, name)
        count = 0
        for fn in functions:
            if fn not in self._by_node:
                count += 1
                self._by_node[fn] = f"t{count}"

    def leaf(self, tensor: Tensor) -> str:
        """The learner's name for a leaf, or ``leaf1``, ``leaf2`` … in order of first use."""
        name = self._by_tensor.get(id(tensor))
        if name is None:
            self._unnamed += 1
            name = self._by_tensor[id(tensor)] = f"leaf{self._unnamed}"
        return name

    def output(self, node: Node) -> str:
        """The name of the tensor a node produced (for AccumulateGrad: its leaf)."""
        if isinstance(node, AccumulateGrad):
            return self.leaf(node.variable)
        return self._by_node.get(node, "?")

    def piece(self, node: Node, output_nr: int) -> str:
        """The name of output ``output_nr`` of a node with several outputs (``split``)."""
        return self._by_output.get((node, output_nr), f"{self.output(node)}[{output_nr}]")

    def input(self, fn: Function, position: int) -> str:
        """The name of a node's input; a constant is named by its value when it is small."""
        child, output_nr = fn.next_functions[position]
        if child is not None:
            return self.piece(child, output_nr) if child.several_outputs else self.output(child)
        values = fn.forward_values()
        if values is None:
            return "constant"
        data = values[0][position]
        if id(data) in self._by_array:
            return self._by_array[id(data)]
        return short(data.reshape(())) if data.size == 1 else "constant"


def collect_functions(root: Tensor) -> list[Function]:
    """Every recorded op behind ``root``, in creation order (the forward order)."""
    found: dict[Node, None] = {}
    stack: list[Node] = [root.grad_fn] if root.grad_fn is not None else []
    while stack:
        node = stack.pop()
        if node in found:
            continue
        found[node] = None
        stack.extend(child for child, _ in node.next_functions if child is not None)
    functions = [n for n in found if isinstance(n, (Function, BackwardCFunction))]
    return sorted(functions, key=lambda fn: fn._sequence_nr())


def _input_name(fn: Function, position: int) -> str:
    names = fn.input_names
    if len(names) == 1 and len(fn.next_functions) > 1:  # cat, stack: one name for a list
        return f"{names[0]}[{position}]"
    return names[position] if position < len(names) else f"input{position}"


def _plain_saved(fn: Function) -> dict[str, Any]:
    """The saved values that are not tensors (exponent, alpha, dim …): safe to show always.
    (A number an op took as an input is shown as the forward computed with it.)"""
    inputs = fn.input_names
    return {
        k: v
        for k, v in fn.saved_values().items()
        if isinstance(v, (int, float, tuple, bool)) and k not in inputs
    }


def _symbols(fn: Function) -> dict[str, Any]:
    """Every name a formula or rule of ``fn`` may use, with its value from the forward pass."""
    symbols: dict[str, Any] = dict(_plain_saved(fn))
    values = fn.forward_values()
    if values is not None:
        for position, data in enumerate(values[0]):
            symbols.setdefault(_input_name(fn, position), data)
        symbols["result"] = values[1]
    return symbols


def _without_unit_factors(text: str, symbols: dict[str, Any]) -> str:
    """``text`` without the factors whose value is 1 ('self − alpha·other' → 'self − other',
    'grad · alpha' → 'grad'): the formula as this node computed it."""
    for name, value in symbols.items():
        if type(value) in (int, float) and value == 1:
            # (not after '/': a / alpha · b is a · b; not before a power: x · alpha² stays)
            text = re.sub(rf"(?<![A-Za-z_/])(?<!/ ){re.escape(name)} ?· ?", "", text)
            text = re.sub(rf" ?· ?{re.escape(name)}(?![A-Za-z_0-9²³^])", "", text)
    return text


def _mentioned(text: str, symbols: dict[str, Any]) -> list[str]:
    return [k for k in symbols if re.search(rf"(?<![A-Za-z_]){re.escape(k)}(?![A-Za-z_0-9])", text)]


def _substitute(text: str, values: dict[str, str]) -> str:
    return re.sub(r"[A-Za-z_][A-Za-z_0-9]*", lambda m: values.get(m.group(0), m.group(0)), text)


def forward_step(fn: Function, labels: Labeler) -> Step:
    values = fn.forward_values()
    result = ", ".join(labels.piece(fn, nr) for nr in range(fn._outputs))
    if not fn.several_outputs:
        result = labels.output(fn)
    formula = _without_unit_factors(fn.formula, _plain_saved(fn))
    symbols = {k: short(v) for k, v in _plain_saved(fn).items()}
    lines = [f"{fn.name()} computes {result} = {formula}"]
    for position in range(len(fn.next_functions)):
        name, label = _input_name(fn, position), labels.input(fn, position)
        symbols.setdefault(name, label)
        value = values[0][position] if values is not None else None
        if label == name or (value is not None and label == short(value)):
            lines.append(assign(f"  {name} = ", value))
        else:
            lines.append(assign(f"  {name} = {label} = ", value))
    for key in _mentioned(formula, _plain_saved(fn)):
        lines.append(f"  {key} = {fmt(_plain_saved(fn)[key])}")
    if values is None:
        lines.append(f"  {result} = (freed by an earlier backward)")
        output = "(freed)"
    elif fn.several_outputs:  # split, chunk, unbind: one line per piece
        for output_nr, piece in enumerate(values[1]):
            lines.append(assign(f"  {labels.piece(fn, output_nr)} = ", piece))
        output = ", ".join(short(piece) for piece in values[1])
    else:
        lines.append(assign(f"  {result} = ", values[1]))
        output = short(values[1])
    title = f"{fn.name()}: {result} = {_substitute(formula, symbols)} = {output}"
    return Step(FORWARD, fn, fn.name(), title, "\n".join(lines))


def _accumulate_step(event: BackwardStep, labels: Labeler) -> Step:
    node = event.node
    leaf = labels.leaf(node.variable)
    total = event.leaf_grad._data
    before = node.variable.grad
    if before is None:
        text = assign(f"AccumulateGrad stores the gradient in {leaf}.grad = ", total)
    else:
        text = "\n".join(
            [
                f"AccumulateGrad adds to what {leaf}.grad held:",
                assign("  ", before),
                assign("+ ", event.grad_output),
                assign("= ", total),
            ]
        )
    title = f"AccumulateGrad: {leaf}.grad = {short(total)}"
    grad = event.grad_output._data
    return Step(BACKWARD, node, node.name(), title, text, (node.variable, total.copy()), grad)


def _received(fn: Function, grad: Any, labels: Labeler, root: str) -> list[str]:
    """What a node received, in words: one gradient, or one per piece of split and the like."""
    if grad is None:  # (only a custom Function's backward returns None for an input that needs one)
        return [f"{fn.name()} receives no gradient: none reached ∂{root}/∂{labels.output(fn)}"]
    if not fn.several_outputs:
        return [assign(f"{fn.name()} receives grad = ∂{root}/∂{labels.output(fn)} = ", grad)]
    lines = [f"{fn.name()} receives a gradient for each piece:"]
    for output_nr, piece_grad in enumerate(grad):
        piece = labels.piece(fn, output_nr)
        if piece_grad is None:
            lines.append(f"  ∂{root}/∂{piece}: none reached it (zeros)")
        else:
            lines.append(assign(f"  ∂{root}/∂{piece} = ", piece_grad))
    return lines


def backward_step(
    event: BackwardStep, labels: Labeler, received: dict[tuple[Node, int], np.ndarray], root: str
) -> Step:
    """The step for one node run by the engine; adds what it sends to ``received``, the sums
    so far of what each node (each output of a node with several) has been sent."""
    if isinstance(event.node, AccumulateGrad):
        return _accumulate_step(event, labels)
    fn: Function = event.node  # type: ignore[assignment]
    grad = event.grad_output
    rules = fn.rules
    lines = _received(fn, grad, labels, root)
    symbols = _symbols(fn)
    arrived: dict[Node, np.ndarray] = {}
    for position, ((child, output_nr), sent) in enumerate(
        zip(fn.next_functions, event.grad_inputs)
    ):
        name, label = _input_name(fn, position), labels.input(fn, position)
        if child is None or sent is None:
            lines.append(f"  {name} ({label}) needs no gradient")
            continue
        rule = _without_unit_factors(rules[min(position, len(rules) - 1)], symbols)
        lines.append(f"  to {name} ({label}): {rule}")
        for key in _mentioned(rule, symbols):
            lines.append(assign(f"      {key} = ", symbols[key]))
        lines.append(assign("      = ", sent))
        total = received.get((child, output_nr))
        received[child, output_nr] = sent._data if total is None else total + sent._data
        if not child.several_outputs:  # (the drawing shows the sum at a node of one output)
            arrived[child] = received[child, output_nr]
        if total is not None:
            lines.append(f"      {label} was reached before; its gradients add up:")
            lines.append(assign("        ", total))
            lines.append(assign("      + ", sent))
            lines.append(assign("      = ", received[child, output_nr]))
    sent = [
        short(g)
        for (child, _), g in zip(fn.next_functions, event.grad_inputs)
        if child is not None and g is not None
    ]
    if fn.several_outputs:
        received_text = ", ".join("0" if g is None else short(g) for g in grad)
        title = f"{fn.name()}: grads {received_text} → " + ", ".join(sent)
        return Step(BACKWARD, fn, fn.name(), title, "\n".join(lines), arrived=arrived)
    if grad is None:
        title = f"{fn.name()}: no grad → " + ", ".join(sent)
        return Step(BACKWARD, fn, fn.name(), title, "\n".join(lines), arrived=arrived)
    title = f"{fn.name()}: grad {short(grad)} → " + ", ".join(sent)
    return Step(BACKWARD, fn, fn.name(), title, "\n".join(lines), grad=grad._data, arrived=arrived)


def build_steps(
    root: Tensor, gradient: Tensor | None, functions: list[Function], labels: Labeler
) -> tuple[list[Step], str | None]:
    """All steps of the forward and the backward pass, and the error that stopped backward."""
    steps = [forward_step(fn, labels) for fn in functions]
    if gradient is None:
        if root._data.size != 1:
            return steps, (
                f"{labels.output(root.grad_fn)} has {root._data.size} elements, so backward "
                "needs a gradient of the same shape: Stepper(Q, gradient=torch.ones_like(Q))."
            )
        gradient = Tensor._make(np.ones_like(root._data))

    received: dict[tuple[Node, int], np.ndarray] = {}

    def watch(event: BackwardStep) -> None:
        steps.append(backward_step(event, labels, received, labels.output(root.grad_fn)))

    try:
        with observe(watch):
            run_backward(
                [root],
                [gradient],
                retain_graph=True,
                create_graph=False,
                accumulate=False,
                hooks=False,
            )
    except RuntimeError as error:
        return steps, str(error)
    except Exception as error:  # noqa: BLE001 - a custom Function's backward may raise anything
        return steps, f"{type(error).__name__}: {error}"
    return steps, None


def record(root: Tensor, gradient: Tensor | None, names: dict[str, Tensor]) -> Recording:
    """The steps of minigrad's forward and backward pass behind ``root``, values copied."""
    functions = collect_functions(root)
    labels = Labeler(functions, names)
    outputs = {}
    for fn in functions:
        values = fn.forward_values()
        if values is not None and not fn.several_outputs:
            outputs[fn] = (labels.output(fn), values[1].copy())
    leaves: dict[int, tuple[Tensor, np.ndarray]] = {}
    for fn in functions:  # in the order the forward pass first used them
        for child, _ in fn.next_functions:
            if isinstance(child, AccumulateGrad):
                leaves.setdefault(id(child.variable), (child.variable, child.variable._data.copy()))
    steps, failure = build_steps(root, gradient, functions, labels)
    return Recording(steps, functions, outputs, list(leaves.values()), failure)
