"""The backward graph's nodes: ``Function`` (a recorded op, the ``grad_fn``) and ``AccumulateGrad``.

A node is also the op's context, as in PyTorch: it holds ``next_functions``, the tensors saved
for backward (readable as ``_saved_self``, ``_saved_other`` …) and its creation order.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

if TYPE_CHECKING:
    from minigrad.tensor import Tensor

Edge = tuple["Node | None", int]

#: creation numbers for recorded ops (``next(sequence_numbers)``)
sequence_numbers = itertools.count()

SECOND_BACKWARD = (
    "Trying to backward through the graph a second time (or directly access saved tensors after "
    "they have already been freed). Saved intermediate values of the graph are freed when you "
    "call .backward() or autograd.grad(). Specify retain_graph=True if you need to backward "
    "through the graph a second time or if you need to access saved tensors after calling "
    "backward."
)


class _Slotted(type):
    """Gives every node class empty ``__slots__`` so that op definitions need not repeat it:
    nodes are made for every recorded op, and a per-instance ``__dict__`` would slow that."""

    def __new__(mcls, name: str, bases: tuple, namespace: dict) -> type:
        namespace.setdefault("__slots__", ())
        return super().__new__(mcls, name, bases, namespace)


class Node(metaclass=_Slotted):
    """A step of the backward pass; PyTorch's ``grad_fn`` objects."""

    __slots__ = ("next_functions", "_sequence", "_pre_hooks", "_retained", "__weakref__")

    next_functions: tuple[Edge, ...]

    def name(self) -> str:
        """PyTorch's name for this node, e.g. ``"MulBackward0"``."""
        return type(self).__name__

    def _sequence_nr(self) -> int:
        """Creation order: later ops have larger numbers and run earlier in backward."""
        return self._sequence

    def register_prehook(self, hook: Callable[[Tensor], Tensor | None]) -> RemovableHandle:
        """Call ``hook(grad)`` before this node runs; a returned tensor replaces ``grad``."""
        if self._pre_hooks is None:
            self._pre_hooks = []
        return RemovableHandle(self._pre_hooks, hook)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} object at {id(self):#x}>"


class RemovableHandle:
    """What ``register_hook`` returns: ``.remove()`` unregisters the hook."""

    __slots__ = ("_hooks", "_hook")

    def __init__(self, hooks: list, hook: Callable) -> None:
        hooks.append(hook)
        self._hooks, self._hook = hooks, hook

    def remove(self) -> None:
        if self._hook in self._hooks:
            self._hooks.remove(self._hook)


class AccumulateGrad(Node):
    """The node of a leaf tensor: adds the gradient that reaches it into ``variable.grad``."""

    __slots__ = ("variable",)

    def __init__(self, variable: Tensor) -> None:
        self.variable = variable
        self.next_functions = ()
        self._sequence = 2**64 - 1  # as in PyTorch: a leaf accumulates as soon as it is ready
        self._pre_hooks = None
        self._retained = None

    def name(self) -> str:
        return "torch::autograd::AccumulateGrad"

    def _run(self, grad: Tensor | None, backward: Any) -> tuple[()]:
        """Add ``grad`` to the leaf's ``.grad``, once the whole pass has succeeded."""
        if grad is not None:
            if backward.accumulate:
                backward.deposits.append((self.variable, grad))
            if backward.observers:
                backward.notify(self, grad, ())
        return ()


class _Saved:
    """A tensor saved for backward, with the version it had when saved, and the saving node
    when the tensor is that node's own output (an in-place op then changes the tensor's
    ``grad_fn``, but PyTorch's error still names the op that made it)."""

    __slots__ = ("tensor", "version", "output_of")

    def __init__(self, tensor: Tensor, node: Node) -> None:
        self.tensor = tensor
        self.version = tensor._version
        self.output_of = node if tensor.grad_fn is node else None


_FREED = object()

#: ``_saved`` of a recorded node that has saved nothing yet (``None`` means: not recorded).
NOTHING_SAVED: dict[str, Any] = {}


class Function(Node):
    """A recorded op. Subclasses are named as PyTorch names them and define, side by side:

    - ``formula``: the forward in words, e.g. ``"self · other"``, over ``input_names``;
    - ``rules``: one readable derivative rule per input, e.g. ``("grad · other", "grad · self")``;
    - ``forward(*inputs, **params) -> ndarray`` on the inputs' data, saving what backward needs;
    - ``backward(grad) -> gradient per input`` written with tensor ops, so that with
      ``create_graph=True`` the backward pass is itself recorded (higher-order derivatives).
    """

    __slots__ = ("_saved", "_input_shapes", "_values")

    formula: ClassVar[str] = ""
    rules: ClassVar[tuple[str, ...]] = ()
    input_names: ClassVar[tuple[str, ...]] = ("self", "other")  # PyTorch's argument names
    saves_result: ClassVar[bool] = False  # True: the output is saved as ``_saved_result``
    is_view: ClassVar[bool] = False  # True: the output shares the input's memory

    _saved: dict[str, Any] | None
    #: the instance that computes the forward when nothing is recorded (it saves nothing)
    idle: ClassVar[Function]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.idle = cls.__new__(cls)
        cls.idle._saved = None

    @property
    def needs_input_grad(self) -> tuple[bool, ...]:
        """For each input, whether it wants a gradient (a backward may skip the others)."""
        return tuple([node is not None for node, _ in self.next_functions])

    def forward(self, *inputs: Any, **params: Any) -> Any:
        raise NotImplementedError

    def backward(self, grad: Tensor) -> Any:
        raise NotImplementedError

    def save(node, /, **values: Any) -> None:  # noqa: N805 - ``self`` is a common saved name
        """Keep ``values`` for backward, readable as ``_saved_<name>``; no-op when not recording."""
        saved = node._saved
        if saved is None:
            return
        if saved is NOTHING_SAVED:
            saved = node._saved = {}
        for key, value in values.items():
            saved[key] = _Saved(value, node) if hasattr(value, "_version_counter") else value

    def __getattr__(self, attribute: str) -> Any:
        if attribute.startswith("_saved_"):
            key = attribute[7:]
            # From now on the class answers ``_saved_<key>`` directly, without this detour.
            setattr(type(self), attribute, property(lambda fn: fn._unpack(key)))
            return self._unpack(key)
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{attribute}'")

    def __dir__(self) -> list[str]:
        saved = object.__getattribute__(self, "_saved") if hasattr(self, "_saved") else None
        return sorted(set(super().__dir__()) | {f"_saved_{key}" for key in saved or ()})

    def _unpack(self, key: str) -> Any:
        saved = self._saved
        if saved is None or key not in saved:
            raise AttributeError(f"'{type(self).__name__}' object has no attribute '_saved_{key}'")
        value = saved[key]
        if value is _FREED:
            raise RuntimeError(SECOND_BACKWARD)
        if not isinstance(value, _Saved):
            return value
        tensor = value.tensor
        if tensor._version != value.version:
            raise RuntimeError(_modified_message(value))
        return tensor

    def forward_values(self) -> tuple[tuple[np.ndarray, ...], np.ndarray] | None:
        """The inputs' data and the output's data of the forward pass; None once freed.

        Not part of PyTorch: it lets a learner (and the step-through widgets) see every
        intermediate value, as micrograd does.
        """
        values = self._values
        return None if values is None else (values[:-1], values[-1])

    def _release(self) -> None:
        """Free the saved tensors (not the plain values), as backward does without retain_graph."""
        self._values = None
        saved = self._saved
        if saved:
            for key, value in saved.items():
                if isinstance(value, _Saved):
                    saved[key] = _FREED

    def _run(self, grad: Tensor | None, backward: Any) -> tuple[Tensor | None, ...]:
        """The gradient for each input, for a pass ``backward`` (see engine.py); frees what
        was saved unless the pass retains the graph."""
        if grad is None:  # nothing arrived: nothing to send on
            grads: tuple[Tensor | None, ...] = (None,) * len(self.next_functions)
        else:
            grads = self._backward(grad)
            if not backward.retain_graph:
                self._release()
        if backward.observers:
            backward.notify(self, grad, grads)
        return grads

    def _backward(self, grad: Tensor) -> tuple[Tensor | None, ...]:
        """Run ``backward`` and reduce each gradient to its input's shape (undoing broadcasting)."""
        grads = self.backward(grad)
        if not isinstance(grads, tuple):
            grads = (grads,)
        return tuple(
            [
                g if g is None or g._data.shape == shape else g.sum_to_size(shape)
                for g, shape in zip(grads, self._input_shapes)
            ]
        )


def _modified_message(saved: _Saved) -> str:
    tensor = saved.tensor
    description = f"[torch.{tensor.dtype.title}Tensor [{', '.join(map(str, tensor.shape))}]]"
    made_by = saved.output_of or tensor.grad_fn
    if made_by is not None:
        op = re.sub(r"Backward\d+$", "", made_by.name())
        description += f", which is output 0 of {op},"
    return (
        "one of the variables needed for gradient computation has been modified by an inplace "
        f"operation: {description} is at version {tensor._version}; expected version "
        f"{saved.version} instead. Hint: enable anomaly detection to find the operation that failed "
        "to compute its gradient, with torch.autograd.set_detect_anomaly(True, check_nan=False)."
    )
