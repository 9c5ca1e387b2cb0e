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

from minigrad.autograd import anomaly_mode, grad_mode
from minigrad.autograd.graph import SECOND_BACKWARD, Node, autograd_error, sequence_numbers
from minigrad.tensor import Tensor, share_memory

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

    A node keeps what it was given (inputs, parameters) rather than copying what it saves:
    recording costs a few references, and ``saved`` says what backward reads of them.
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
    _input_plan: ClassVar[tuple[tuple[int, int | None], ...]] = ()  # (position, wanted_by)
    _derivers: ClassVar[tuple[Any, ...]] = ()  # how the derived saved values are computed
    _saves_result: ClassVar[bool] = False
    _saves_more: ClassVar[bool] = False  # saves an input, a derived value or the result

    _inputs: tuple | None = None  # the saved inputs, by position (None where not kept)
    _params: dict[str, Any]  # the op's parameters (alpha, dim …)
    _values: tuple | None  # the forward's input and output arrays (for learners)
    _result_version: Any = None  # the output's version counter, when backward needs the output
    _derived: tuple = ()  # the values ``_DERIVED`` computes, in ``saved`` order
    _versions: tuple | None = None  # the saved inputs' versions when recorded (None: all 0)
    _shapes: tuple | None = None  # the inputs' shapes, when one differs from the output's
    _released: bool = False  # True once backward freed the saved tensors
    _leaves: tuple = ()  # the leaf tensors among the inputs (a graph keeps its leaves alive)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        derivers = [_DERIVED[name] for name in cls.saved if name in _DERIVED]
        cls._derivers = tuple(derivers)
        cls._save_plan = tuple(_where_to_find(cls, name) for name in cls.saved)
        cls._input_plan = tuple(key for kind, key in cls._save_plan if kind == "input")
        cls._saves_result = "result" in cls.saved
        cls._saves_more = bool(cls._input_plan or cls._derivers or cls._saves_result)
        for (kind, key), name in zip(cls._save_plan, cls.saved):
            # the class's ``saved`` line is where these attributes come from
            setattr(cls, f"_saved_{name}", property(_saved_reader(kind, key)))

    @classmethod
    def apply(cls, *inputs: Any, **params: Any) -> Any:
        """Run the op: on tensors, a tensor (with this node as ``grad_fn`` when a gradient is
        wanted); on the arrays of a backward pass, an array."""
        first = inputs[0]
        if not isinstance(first, Tensor):  # a backward formula working on plain arrays
            return cls.forward(*inputs, **params)
        arrays = []
        wanted = False
        for x in inputs:
            if isinstance(x, Tensor):
                arrays.append(x._data)
                wanted = wanted or x._requires_grad
            else:
                arrays.append(x)
        try:  # (most ops take no parameters: a call without ``**`` costs less)
            data = cls.forward(*arrays, **params) if params else cls.forward(*arrays)
        except ValueError:
            _raise_broadcast_error(arrays)
            raise
        recording = wanted and grad_mode.state.enabled
        if type(data) is not np.ndarray:
            if type(data) is list:  # an op with several outputs (split)
                return cls._made_many(inputs, arrays, params, data, recording)
            data = np.asarray(data)  # numpy gives scalars for 0-d results
        out = Tensor._make(data, recording)
        if cls.is_view:
            share_memory(out, first)
        if recording:
            out.grad_fn = cls(inputs, arrays, params, out)
        return out

    def __init__(self, inputs: tuple, arrays: list, params: dict[str, Any], out: Tensor) -> None:
        shape = out._data.shape
        nodes = []
        leaves = ()  # held here: a leaf's AccumulateGrad holds it only weakly
        reshaped = False  # an input has another shape than the output
        from_views = False  # (only views can come from an op with several outputs)
        for x in inputs:
            if not isinstance(x, Tensor):  # a number
                nodes.append(None)
                continue
            node = x.grad_fn
            if node is None and x._requires_grad:  # a leaf: its gradient goes to its node
                node = x._accumulator or x._accumulate_grad()
                leaves += (x,)
            elif x._base is not None:
                node = x._grad_node()  # (checks that the view's history is current)
                from_views = True
            nodes.append(node)
            reshaped = reshaped or x._data.shape != shape
        self._next = tuple(nodes)
        if leaves:
            self._leaves = leaves
        if from_views:
            self._input_nrs = _output_nrs(inputs, self._next)
        self._sequence = next(sequence_numbers)
        self._params = params
        arrays.append(out._data)
        self._values = tuple(arrays)  # (a tuple of arrays: Python's collector soon ignores it)
        if reshaped:
            self._shapes = _shapes_of(inputs, shape)
        if self._saves_more:
            self._save(inputs, out)
        if anomaly_mode.state.enabled:  # where the learner's program made this node
            self._forward_trace = anomaly_mode.forward_trace()

    def _save(self, inputs: tuple, out: Tensor) -> None:
        """Keep what ``saved`` names beyond the parameters: inputs, derived values, and the
        output's version (its array is in ``_values``; the tensor itself would be a cycle)."""
        if self._input_plan:
            self._keep_inputs(inputs)
        if self._derivers:
            self._derived = tuple([derive(inputs) for derive in self._derivers])
        if self._saves_result:
            self._result_version = out._shared_version()

    @classmethod
    def _made_many(
        cls, inputs: tuple, arrays: list, params: dict[str, Any], pieces: list, recording: bool
    ) -> tuple[Tensor, ...]:
        """The tensors of an op with several outputs, all views of the first input and all
        made by one node (``forward`` returned the list ``pieces``)."""
        outs = []
        for output_nr, piece in enumerate(pieces):
            out = Tensor._make(piece, recording)
            share_memory(out, inputs[0])
            out._output_nr = output_nr
            outs.append(out)
        if recording and outs:
            node = cls(inputs, arrays, params, outs[0])
            node._outputs = len(outs)
            node._values = (*node._values[:-1], tuple(pieces))
            for out in outs:
                out.grad_fn = node
        return tuple(outs)

    def _keep_inputs(self, inputs: tuple) -> None:
        """Keep the inputs backward will read, and the version of each that was modified in
        place before (backward checks that none changed since): all that ``saved`` names,
        except one needed only for an input that wants no gradient (as PyTorch saves, so that
        no more stays alive)."""
        kept = [None] * len(inputs)
        versions = None
        for position, wanted_by in self._input_plan:
            if wanted_by is None or self._next[wanted_by] is not None:
                value = kept[position] = inputs[position]
                if not isinstance(value, Tensor):
                    continue
                if value._inference:
                    raise RuntimeError(_INFERENCE_SAVED)
                if value._version:
                    versions = versions or [0] * len(inputs)
                    versions[position] = value._version
        self._inputs = tuple(kept)
        if versions is not None:
            self._versions = tuple(versions)

    @staticmethod
    def forward(*arrays: Any, **params: Any) -> Any:
        raise NotImplementedError

    def backward(self, grad: Any, *saved: Any) -> Any:
        raise NotImplementedError

    @property
    def needs_input_grad(self) -> tuple[bool, ...]:
        """For each input, whether it wants a gradient (a backward may skip the others)."""
        needs = []
        for node in self._next:
            needs.append(node is not None)
        return tuple(needs)

    def forward_values(self) -> tuple[tuple[np.ndarray, ...], Any] | None:
        """The inputs' data and the output's data of the forward pass (a tuple of arrays for
        an op with several outputs); None once freed.

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
        for a tensor that backward has freed (or that was not needed)."""
        found = {}
        for name, (kind, key) in zip(self.saved, self._save_plan):
            try:
                found[name] = self._read_saved(kind, key, checked=False)
            except RuntimeError:
                found[name] = None
        return found

    def _read_saved(self, kind: str, key: Any, checked: bool = True) -> Any:
        """The saved value a ``_save_plan`` entry names, with PyTorch's errors (when
        ``checked``) for one freed by backward or modified in place since."""
        if kind == "param":
            return self._params.get(*key)
        if kind == "derived":
            return self._derived[key]
        if kind == "result":
            value, version = self._output(), 0
        else:
            position, wanted_by = key
            if wanted_by is not None and self._next[wanted_by] is None:
                return None  # kept only for an input that wants no gradient
            value = None if self._inputs is None else self._inputs[position]
            version = 0 if self._versions is None else self._versions[position]
        if self._released:
            raise autograd_error(SECOND_BACKWARD)
        if checked and isinstance(value, Tensor) and value._version != version:
            raise autograd_error(_modified_message(self, kind, value, version))
        return value

    def _output(self) -> Tensor | None:
        """The output, as backward saved it: a tensor of the output's array made by this node
        (keeping the output itself would make a reference cycle), or None once freed."""
        if self._values is None:
            return None
        output = Tensor._make(self._values[-1], True)
        output.grad_fn = self
        output._version_counter = self._result_version
        return output

    def _unpack(self, arrays: bool) -> list[Any]:
        """The saved values for ``backward``: arrays (or tensors, to record the backward)."""
        values = []
        inputs, versions = self._inputs, self._versions
        for kind, key in self._save_plan:
            if kind == "param":
                value = self._params.get(*key)
            elif kind == "input" and inputs is not None:  # (not freed: freeing clears them)
                value = inputs[key[0]]  # (None when kept only for a gradient not wanted)
                if isinstance(value, Tensor):
                    counter = value._version_counter
                    if counter is not None and counter.value != (
                        0 if versions is None else versions[key[0]]
                    ):
                        self._read_saved(kind, key)  # modified in place since: the error
                    if arrays:
                        value = value._data
            elif kind == "result" and arrays and self._values and not self._result_version.value:
                value = self._values[-1]  # the output's array, not modified since
            else:
                value = self._read_saved(kind, key)
                if arrays and isinstance(value, Tensor):
                    value = value._data
            values.append(value)
        return values

    def _call(self, grad: Tensor | None) -> Any:
        if grad is None:
            grads: tuple = (None,) * len(self._next)
        else:
            # (as PyTorch's nodes, a direct call leaves a broadcast input's gradient in the
            # broadcast shape: summing it to the input's shape is the engine's job)
            grads = self._only_wanted(self._gradients(grad, arrays=False))
        return grads[0] if len(grads) == 1 else grads

    def _run(self, grad: Any, backward: Any) -> tuple:
        """The gradient for each input, for a pass ``backward`` (see engine.py), each summed
        back to its input's shape where broadcasting stretched it; frees what was saved
        unless the pass retains the graph."""
        if grad is None:  # nothing arrived: nothing to send on
            grads: tuple = (None,) * len(self._next)
        else:
            grads = self._gradients(grad, backward.arrays)
            if self._shapes is not None:
                grads = self._summed_to_inputs(grads)
            if not backward.retain_graph:  # free the saved tensors (not the plain values)
                self._released = True
                self._inputs = self._values = None
            if self._post_hooks and backward.hooks:
                grads = backward.hooked_after(self, self._only_wanted(grads), grad)
        if backward.observers:
            backward.notify(self, grad, self._only_wanted(grads))
        return grads

    def _only_wanted(self, grads: tuple) -> tuple:
        """``grads`` with None for the inputs that want no gradient, as hooks see them."""
        return tuple([g if node is not None else None for g, node in zip(grads, self._next)])

    def _gradients(self, grad: Any, arrays: bool) -> tuple:
        """What ``backward`` gives for each input, as a tuple (the engine passes nothing to
        an input that wants no gradient)."""
        if self._save_plan:
            grads = self.backward(grad, *self._unpack(arrays))
        else:
            grads = self.backward(grad)
        return grads if type(grads) is tuple else (grads,)

    def _summed_to_inputs(self, grads: tuple) -> tuple:
        """Undo broadcasting: each gradient gets its input's shape."""
        result = []
        for g, shape in zip(grads, self._shapes):
            result.append(g if g is None or g.shape == shape else sum_to(g, shape))
        return tuple(result)


def sum_to(grad: Any, shape: tuple[int, ...]) -> Any:
    """``grad`` summed over the dimensions broadcasting added or stretched."""
    if isinstance(grad, Tensor):
        return grad.sum_to_size(shape)
    leading = grad.ndim - len(shape)
    if leading and grad.shape[leading:] == shape:  # only leading dimensions (a bias)
        return np.add.reduce(grad, axis=tuple(range(leading)))
    dims = tuple(range(leading)) + tuple(
        leading + i for i, size in enumerate(shape) if size == 1 and grad.shape[leading + i] != 1
    )
    return np.add.reduce(grad, axis=dims, keepdims=True).reshape(shape)


def _where_to_find(op: type[Function], name: str) -> tuple[str, Any]:
    """How a node of ``op`` finds the saved value ``name``: a ``_save_plan`` entry."""
    if name == "result":
        return ("result", None)
    if name in op.input_names:
        wanted_by = op.saved_only_for.get(name)
        wanting = None if wanted_by is None else op.input_names.index(wanted_by)
        return ("input", (op.input_names.index(name), wanting))
    if name in _DERIVED:
        return ("derived", [n for n in op.saved if n in _DERIVED].index(name))
    parameter = inspect.signature(op.forward).parameters.get(name)
    if parameter is None:
        raise TypeError(f"{op.__name__} saves {name!r}, which is not an input or a parameter")
    default = None if parameter.default is inspect.Parameter.empty else parameter.default
    return ("param", (name, default))


def _saved_reader(kind: str, key: Any) -> Any:
    """The getter of a ``_saved_<name>`` attribute."""

    def read(node: Function) -> Any:
        value = node._read_saved(kind, key)
        if kind == "input" and value is not None and not isinstance(value, Tensor):
            return Tensor._make(np.asarray(value))  # a number the op took, as a 0-d tensor
        if type(value) is np.ndarray:
            return Tensor._make(value)
        return value

    return read


_INFERENCE_SAVED = (
    "Inference tensors cannot be saved for backward. Please do not use Tensors created in "
    "inference mode in computation tracked by autograd. To work around this, you can make a "
    "clone to get a normal tensor and use it in autograd, or use `torch.no_grad()` instead of "
    "`torch.inference_mode()`."
)


def _output_nrs(inputs: tuple, nodes: tuple) -> tuple[int, ...] | None:
    """Which output of its node each input is, when one comes from an op with several
    outputs (``split``); None when every input is its node's only output."""
    if not any(node is not None and node.several_outputs for node in nodes):
        return None
    return tuple([x._output_nr if isinstance(x, Tensor) else 0 for x in inputs])


def _shapes_of(inputs: tuple, shape: tuple[int, ...]) -> tuple[tuple[int, ...], ...]:
    """The shape each input's gradient is summed to (a number's: ``shape``, the output's, as
    its gradient is dropped anyway)."""
    return tuple([x._data.shape if isinstance(x, Tensor) else shape for x in inputs])


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


def _modified_message(node: Function, kind: str, tensor: Tensor, version: int) -> str:
    description = f"[torch.{tensor.dtype.title}Tensor [{', '.join(map(str, tensor.shape))}]]"
    made_by = node if kind == "result" else tensor.grad_fn
    if made_by is not None:
        op = re.sub(r"Backward\d*$", "", made_by.name())  # (a custom Function's: ExpBackward)
        description += f", which is output 0 of {op},"
    return (
        "one of the variables needed for gradient computation has been modified by an inplace "
        f"operation: {description} is at version {tensor._version}; expected version "
        f"{version} instead. Hint: {_HINT_ANOMALY if anomaly_mode.state.enabled else _HINT}"
    )


_HINT = (
    "enable anomaly detection to find the operation that failed to compute its gradient, with "
    "torch.autograd.set_detect_anomaly(True, check_nan=False)."
)
_HINT_ANOMALY = (
    "the backtrace further above shows the operation that failed to compute its gradient. The "
    "variable in question was changed in there or anywhere later. Good luck!"
)
