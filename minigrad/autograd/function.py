"""``Function``: a recorded op. Each op is one subclass, named as PyTorch names its node
(``MulBackward0``), with its forward, its backward and a readable rule side by side::

    class MulBackward0(Function):
        formula = "self · other"
        rules = ("grad · other", "grad · self")
        saved = ("self", "other")          # kept for backward, readable as _saved_self …

        @staticmethod
        def forward(a, b):                 # numpy arrays (or numbers) in, an array out
            return a * b

        def backward(self, grad, a, b):    # the gradient, then the saved values in order
            return grad * b, grad * a

``MulBackward0.apply(x, y)`` runs the forward on the tensors' arrays and, when a gradient is
wanted, makes the node that becomes the output's ``grad_fn``. The backward pass calls
``backward`` with numpy arrays; with ``create_graph=True`` it calls it with tensors, so the
same formula is recorded and can be differentiated again.
"""

from __future__ import annotations

import inspect
import re
from typing import Any, ClassVar

import numpy as np

from minigrad.autograd import grad_mode
from minigrad.autograd.graph import SECOND_BACKWARD, Node, sequence_numbers
from minigrad.tensor import NO_EDGE, Tensor, share_memory

#: what a saved tensor reads as once backward has freed it
_FREED = object()

#: saved names that are not inputs, parameters or the result, and how each is found
_DERIVED = {
    "self_sym_sizes": lambda inputs: inputs[0]._data.shape,
    "self_sym_numel": lambda inputs: inputs[0]._data.size,
    "self_dtype": lambda inputs: inputs[0].dtype,
}


class Function(Node):
    """A recorded op: the ``grad_fn`` of the tensor it made. Subclasses define

    - ``formula``: the forward in words over ``input_names``, e.g. ``"self · other"``;
    - ``rules``: one readable derivative rule per input, e.g. ``("grad · other", "grad · self")``;
    - ``saved``: what backward needs — input names, parameter names, ``"result"`` or a name in
      ``_DERIVED`` — each readable as ``_saved_<name>``, as on PyTorch's nodes;
    - ``forward(*arrays, **params)``: the output as a numpy array;
    - ``backward(grad, *saved)``: the gradient for each input (None where none is needed).
    """

    formula: ClassVar[str] = ""
    rules: ClassVar[tuple[str, ...]] = ()
    input_names: ClassVar[tuple[str, ...]] = ("self", "other")  # PyTorch's argument names
    saved: ClassVar[tuple[str, ...]] = ()
    #: saved inputs needed only for another input's gradient: ``{"self": "other"}`` keeps
    #: ``self`` only when ``other`` wants a gradient (otherwise it reads as None), as PyTorch does
    saved_only_for: ClassVar[dict[str, str]] = {}
    is_view: ClassVar[bool] = False  # True: the output shares the first input's memory
    _save_plan: ClassVar[tuple[tuple[str, Any], ...]] = ()

    _values: list | None
    _saved: tuple = ()  # what ``saved`` names, in order (a node sets its own when it saves)
    _versions: tuple = ()  # the version of each saved tensor when it was saved
    _shapes: tuple | None = None  # the inputs' shapes, kept once ``_values`` are freed

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls._save_plan = tuple(_where_to_find(cls, name) for name in cls.saved)
        for index, (name, (kind, _)) in enumerate(zip(cls.saved, cls._save_plan)):
            # the class's ``saved`` line is where these attributes come from
            setattr(cls, f"_saved_{name}", property(_saved_reader(index, kind)))

    @classmethod
    def apply(cls, *inputs: Any, **params: Any) -> Any:
        """Run the op: on tensors, a tensor (with this node as ``grad_fn`` when a gradient is
        wanted); on the arrays of a backward pass, an array."""
        first = inputs[0]
        if not isinstance(first, Tensor):  # a backward formula working on plain arrays
            return cls.forward(*inputs, **params)
        arrays = []
        for x in inputs:
            arrays.append(x._data if isinstance(x, Tensor) else x)
        try:
            data = cls.forward(*arrays, **params)
        except ValueError:
            _raise_broadcast_error(arrays)
            raise
        if type(data) is not np.ndarray:
            data = np.asarray(data)  # numpy gives scalars for 0-d results
        recording = False
        if grad_mode.state.enabled:
            for x in inputs:
                if isinstance(x, Tensor) and x._requires_grad:
                    recording = True
                    break
        out = Tensor._make(data, recording)
        if cls.is_view:
            share_memory(out, first)
        if recording:
            out.grad_fn = cls(inputs, arrays, params, out)
        return out

    def __init__(self, inputs: tuple, arrays: list, params: dict[str, Any], out: Tensor) -> None:
        self.next_functions = tuple(
            [x._edge() if isinstance(x, Tensor) else NO_EDGE for x in inputs]
        )
        self._sequence = next(sequence_numbers)
        arrays.append(out._data)
        self._values = arrays  # the forward's inputs and output (for learners); None once freed
        if self._save_plan:
            self._save(inputs, params, out)

    def _save(self, inputs: tuple, params: dict[str, Any], out: Tensor) -> None:
        """Keep what backward needs, and each saved tensor's version (to detect in-place
        changes before backward reads it)."""
        saved = []
        versions = []
        for kind, key in self._save_plan:
            if kind == "param":
                value = params.get(key[0], key[1])
            elif kind == "input":
                position, wanted_by = key
                keep = wanted_by is None or _requires_grad(inputs[wanted_by])
                value = inputs[position] if keep else None
            else:
                value = out if kind == "result" else key(inputs)
            saved.append(value)
            versions.append(value._version if isinstance(value, Tensor) else None)
        self._saved = tuple(saved)
        self._versions = tuple(versions)

    @staticmethod
    def forward(*arrays: Any, **params: Any) -> Any:
        raise NotImplementedError

    def backward(self, grad: Any, *saved: Any) -> Any:
        raise NotImplementedError

    @property
    def needs_input_grad(self) -> tuple[bool, ...]:
        """For each input, whether it wants a gradient (a backward may skip the others)."""
        return tuple([node is not None for node, _ in self.next_functions])

    def forward_values(self) -> tuple[tuple[np.ndarray, ...], np.ndarray] | None:
        """The inputs' data and the output's data of the forward pass; None once freed.

        Not part of PyTorch: it lets a learner (and the step-through widgets) see every
        intermediate value, as micrograd does.
        """
        values = self._values
        if values is None:
            return None
        out = values[-1]
        inputs = [v if type(v) is np.ndarray else np.asarray(v, out.dtype) for v in values[:-1]]
        return tuple(inputs), out

    def saved_values(self) -> dict[str, Any]:
        """What the node saved, by name, without checks: a tensor, a plain value, or None
        for a tensor that backward has freed."""
        return {
            name: None if value is _FREED else value for name, value in zip(self.saved, self._saved)
        }

    def _unpack(self, arrays: bool) -> list[Any]:
        """The saved values for ``backward``: arrays (or tensors, to record the backward),
        with PyTorch's errors when freed or modified in place since."""
        values = []
        for name, value, version in zip(self.saved, self._saved, self._versions):
            if value is _FREED:
                raise RuntimeError(SECOND_BACKWARD)
            if isinstance(value, Tensor):
                if value._version != version:
                    raise RuntimeError(_modified_message(self, name, value, version))
                value = value._data if arrays else value
            values.append(value)
        return values

    def _release(self) -> None:
        """Free the saved tensors (not the plain values), as backward does without retain_graph."""
        if self._values is not None:
            self._shapes = tuple([np.shape(v) for v in self._values[:-1]])
            self._values = None
        if self._saved:  # inputs and the result go (numbers too: PyTorch saves them as tensors)
            self._saved = tuple(
                [
                    _FREED if kind in ("input", "result") and value is not None else value
                    for (kind, _), value in zip(self._save_plan, self._saved)
                ]
            )

    def _call(self, grad: Tensor | None) -> Any:
        if grad is None:
            grads: tuple = (None,) * len(self.next_functions)
        else:
            grads = self._backward(grad, arrays=False)
        return grads[0] if len(grads) == 1 else grads

    def _run(self, grad: Any, backward: Any) -> tuple:
        """The gradient for each input, for a pass ``backward`` (see engine.py); frees what
        was saved unless the pass retains the graph."""
        if grad is None:  # nothing arrived: nothing to send on
            grads: tuple = (None,) * len(self.next_functions)
        else:
            grads = self._backward(grad, backward.arrays)
            if not backward.retain_graph:
                self._release()
            if self._post_hooks and backward.hooks:
                grads = backward.hooked_after(self, grads, grad)
        if backward.observers:
            backward.notify(self, grad, grads)
        return grads

    def _backward(self, grad: Any, arrays: bool) -> tuple:
        """Run ``backward``; drop what no input wants and undo broadcasting, so that each
        gradient has its input's shape."""
        grads = self.backward(grad, *self._unpack(arrays)) if self._saved else self.backward(grad)
        if type(grads) is not tuple:
            grads = (grads,)
        values = self._values
        result = []
        for position, (g, (node, _)) in enumerate(zip(grads, self.next_functions)):
            if g is None or node is None:
                result.append(None)
                continue
            # an input with an edge is a tensor: its value is an array
            shape = self._shapes[position] if values is None else values[position].shape
            if (g.shape if arrays else g._data.shape) != shape:
                g = sum_to(g, shape)
            result.append(g)
        return tuple(result)


def sum_to(grad: Any, shape: tuple[int, ...]) -> Any:
    """``grad`` summed over the dimensions broadcasting added or stretched."""
    if isinstance(grad, Tensor):
        return grad.sum_to_size(shape)
    leading = np.ndim(grad) - len(shape)
    dims = tuple(range(leading)) + tuple(
        leading + i for i, size in enumerate(shape) if size == 1 and grad.shape[leading + i] != 1
    )
    return np.add.reduce(grad, axis=dims, keepdims=True).reshape(shape)


def _where_to_find(op: type[Function], name: str) -> tuple[str, Any]:
    """How a node of ``op`` finds the saved value ``name`` when it is made."""
    if name == "result":
        return ("result", None)
    if name in op.input_names:
        wanted_by = op.saved_only_for.get(name)
        return (
            "input",
            (op.input_names.index(name), wanted_by and op.input_names.index(wanted_by)),
        )
    if name in _DERIVED:
        return ("derived", _DERIVED[name])
    parameter = inspect.signature(op.forward).parameters.get(name)
    if parameter is None:
        raise TypeError(f"{op.__name__} saves {name!r}, which is not an input or a parameter")
    default = None if parameter.default is inspect.Parameter.empty else parameter.default
    return ("param", (name, default))


def _saved_reader(index: int, kind: str) -> Any:
    """The getter of ``_saved_<name>``: the value saved at ``index`` of ``saved``."""

    def read(node: Function) -> Any:
        value = node._saved[index]
        if value is _FREED:
            raise RuntimeError(SECOND_BACKWARD)
        if isinstance(value, Tensor):
            if value._version != node._versions[index]:
                name = node.saved[index]
                raise RuntimeError(_modified_message(node, name, value, node._versions[index]))
            return value
        if type(value) is np.ndarray or (kind == "input" and value is not None):
            return Tensor._make(np.asarray(value))  # an array, or a number the op took
        return value

    return read


def _requires_grad(value: Any) -> bool:
    return isinstance(value, Tensor) and value._requires_grad


def _raise_broadcast_error(arrays: list) -> None:
    """PyTorch's error when the inputs' shapes do not broadcast (numpy raised ValueError)."""
    shapes = [np.shape(a) for a in arrays if isinstance(a, np.ndarray)]
    for other in shapes[1:]:
        check_broadcast(shapes[0], other)


def check_broadcast(shape_a: tuple[int, ...], shape_b: tuple[int, ...]) -> None:
    """Raise PyTorch's error when two shapes do not broadcast."""
    ndim = max(len(shape_a), len(shape_b))
    for dim in range(ndim - 1, -1, -1):
        offset = ndim - 1 - dim
        size_a = shape_a[-1 - offset] if offset < len(shape_a) else 1
        size_b = shape_b[-1 - offset] if offset < len(shape_b) else 1
        if size_a != size_b and size_a != 1 and size_b != 1:
            raise RuntimeError(
                f"The size of tensor a ({size_a}) must match the size of tensor b ({size_b}) "
                f"at non-singleton dimension {dim}"
            )


def _modified_message(node: Function, name: str, tensor: Tensor, version: int) -> str:
    description = f"[torch.{tensor.dtype.title}Tensor [{', '.join(map(str, tensor.shape))}]]"
    made_by = node if name == "result" else tensor.grad_fn
    if made_by is not None:
        op = re.sub(r"Backward\d+$", "", made_by.name())
        description += f", which is output 0 of {op},"
    return (
        "one of the variables needed for gradient computation has been modified by an inplace "
        f"operation: {description} is at version {tensor._version}; expected version "
        f"{version} instead. Hint: enable anomaly detection to find the operation that failed "
        "to compute its gradient, with torch.autograd.set_detect_anomaly(True, check_nan=False)."
    )
