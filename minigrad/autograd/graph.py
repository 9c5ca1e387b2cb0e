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

from minigrad.autograd import grad_mode

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

    __slots__ = (
        "next_functions",
        "_sequence",
        "_grad_hooks",
        "_pre_hooks",
        "_post_hooks",
        "_retained",
        "__weakref__",
    )

    next_functions: tuple[Edge, ...]

    def name(self) -> str:
        """PyTorch's name for this node, e.g. ``"MulBackward0"``."""
        return type(self).__name__

    def _sequence_nr(self) -> int:
        """Creation order: later ops have larger numbers and run earlier in backward."""
        return self._sequence

    def __call__(self, *grads: Tensor | None) -> Any:
        """Run this node's backward on ``grad``, as PyTorch's nodes can be called: a
        Function returns the gradient for each input (one tensor when it has one input), an
        AccumulateGrad adds ``grad`` into its leaf's ``.grad``.

        >>> Q.grad_fn(torch.ones(2))          # doctest: +SKIP
        (tensor([1., 1.]), tensor([-1., -1.]))
        """
        if len(grads) != 1:
            raise TypeError(f"expected 1 arguments, got {len(grads)} instead")
        grad = grads[0]
        if grad is not None and not hasattr(grad, "_data"):
            raise TypeError("argument 0 is not a Variable")
        with np.errstate(all="ignore"):  # inf and nan are results, as in PyTorch
            return self._call(grad)

    def _call(self, grad: Tensor | None) -> Any:
        raise NotImplementedError

    def register_prehook(
        self, hook: Callable[[tuple[Tensor, ...]], tuple[Tensor, ...] | None]
    ) -> RemovableHandle:
        """Call ``hook(grad_outputs)`` before this node runs, as PyTorch does: a tuple of the
        gradients it received; a returned tuple replaces them."""
        if self._pre_hooks is None:
            self._pre_hooks = []
        return RemovableHandle(self._pre_hooks, hook)

    def register_hook(self, hook: Callable[[tuple, tuple], tuple | None]) -> RemovableHandle:
        """Call ``hook(grad_inputs, grad_outputs)`` after this node ran, as PyTorch does: what
        it sends to each input and what it received; a returned tuple replaces ``grad_inputs``."""
        if self._post_hooks is None:
            self._post_hooks = []
        return RemovableHandle(self._post_hooks, hook)

    def _tensor_hooks(self) -> list[Callable[[Tensor], Tensor | None]]:
        """The hooks of the tensor this node made (``Tensor.register_hook``): they run on the
        gradient it receives, before the node's own pre-hooks."""
        if self._grad_hooks is None:
            self._grad_hooks = []
        return self._grad_hooks

    def _before(self, grad: Tensor) -> Tensor:
        """``grad`` as the node's pre-hooks leave it."""
        for hook in list(self._pre_hooks):
            replaced = hook((grad,))
            if replaced is not None:
                grad = tuple(replaced)[0]
        return grad

    def _after(self, grads: tuple, grad: Tensor | None) -> tuple:
        """``grads`` as the node's post hooks leave them."""
        for hook in list(self._post_hooks):
            replaced = hook(grads, (grad,))
            if replaced is None:
                continue
            replaced = tuple(replaced)
            if len(replaced) != len(grads):
                raise RuntimeError(
                    f"hook '{getattr(hook, '__name__', 'hook')}' has returned an incorrect number "
                    f"of values (got {len(replaced)}, but expected {len(grads)})"
                )
            if any(old is None and new is not None for old, new in zip(grads, replaced)):
                raise RuntimeError("can't replace a None gradient with a non-None value")
            grads = replaced
        return grads

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
        self._grad_hooks = self._pre_hooks = self._post_hooks = None
        self._retained = None

    def name(self) -> str:
        return "torch::autograd::AccumulateGrad"

    def _call(self, grad: Tensor | None) -> tuple[()]:
        if grad is not None:  # with grad mode on, a gradient with history keeps it
            accumulate_into(self.variable, grad, create_graph=grad_mode.state.enabled)
        return ()

    def _run(self, grad: Tensor | None, backward: Any) -> tuple[()]:
        """Add ``grad`` to the leaf's ``.grad``, once the whole pass has succeeded."""
        if grad is not None:
            if backward.accumulate:
                backward.deposits.append((self.variable, grad))
            if self._post_hooks and backward.hooks:
                self._after((), grad)
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

    def _call(self, grad: Tensor | None) -> Any:
        grads = (None,) * len(self.next_functions) if grad is None else self._backward(grad)
        return grads[0] if len(grads) == 1 else grads

    def _run(self, grad: Tensor | None, backward: Any) -> tuple[Tensor | None, ...]:
        """The gradient for each input, for a pass ``backward`` (see engine.py); frees what
        was saved unless the pass retains the graph."""
        if grad is None:  # nothing arrived: nothing to send on
            grads: tuple[Tensor | None, ...] = (None,) * len(self.next_functions)
        else:
            grads = self._backward(grad)
            if not backward.retain_graph:
                self._release()
            if self._post_hooks and backward.hooks:
                grads = self._after(grads, grad)
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


def accumulate_into(tensor: Tensor, grad: Tensor, create_graph: bool = False) -> None:
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
