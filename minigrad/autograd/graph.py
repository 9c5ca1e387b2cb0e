"""The backward graph's nodes: ``Node`` (what every ``grad_fn`` is) and ``AccumulateGrad``,
the node of a leaf tensor. Recorded ops are ``Function`` nodes (function.py).

A node holds ``next_functions`` (where its gradients go, in order), its creation number and
the hooks registered on it; calling it runs its backward, as PyTorch's nodes can be called.
"""

from __future__ import annotations

import itertools
import weakref
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

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


def autograd_error(message: str) -> RuntimeError:
    """PyTorch's RuntimeError, marked so that ``backward()`` re-raises it from its own entry
    point: a learner's traceback then shows no more of minigrad than PyTorch's of PyTorch."""
    error = RuntimeError(message)
    error.raised_by_autograd = True  # type: ignore[attr-defined]
    return error


class Node:
    """A step of the backward pass; PyTorch's ``grad_fn`` objects.

    Every node has ``_next`` (the node each of its gradients goes to, in order; None for an
    input that wants none) and ``_sequence`` (its creation number); the hooks below stay None
    until one is registered.
    """

    _next: tuple[Node | None, ...]
    _sequence: int
    _grad_hooks: list | None = None  # Tensor.register_hook on the tensor it made
    _pre_hooks: list | None = None
    _post_hooks: list | None = None
    _retained: Any = None  # a weak reference to the tensor that called retain_grad()
    _hooked: bool = False  # a tensor hook, pre-hook or retain_grad: only then does the engine look
    # (for a node with several outputs, hooks and retain_grad are kept by output: dicts)
    several_outputs: bool = False  # True for ops that make several tensors (split)
    _outputs: int = 1  # how many tensors the op made
    #: which output of its node each input was, when one came from a node with several
    #: outputs (None: every input was output 0)
    _input_nrs: tuple[int, ...] | None = None

    @property
    def next_functions(self) -> tuple[Edge, ...]:
        """PyTorch's ``(node, input_nr)`` pairs: where each gradient goes."""
        for node in self._next:
            if type(node) is AccumulateGrad:
                node.hold_variable()
        if self._input_nrs is None:
            return tuple([(node, 0) for node in self._next])
        return tuple(zip(self._next, self._input_nrs))

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
        if len(grads) != self._outputs:
            raise TypeError(f"expected {self._outputs} arguments, got {len(grads)} instead")
        for position, grad in enumerate(grads):
            if grad is not None and not hasattr(grad, "_data"):
                raise TypeError(f"argument {position} is not a Variable")
        with np.errstate(all="ignore"):  # inf and nan are results, as in PyTorch
            if not self.several_outputs:
                return self._call(grads[0])
            return self._call(None if grads == (None,) * len(grads) else list(grads))

    def _call(self, grad: Tensor | None) -> Any:
        raise NotImplementedError

    def register_prehook(
        self, hook: Callable[[tuple[Tensor, ...]], tuple[Tensor, ...] | None]
    ) -> RemovableHandle:
        """Call ``hook(grad_outputs)`` before this node runs, as PyTorch does: a tuple of the
        gradients it received; a returned tuple replaces them."""
        if self._pre_hooks is None:
            self._pre_hooks = []
            self._hooked = True
        return RemovableHandle(self._pre_hooks, hook)

    def register_hook(self, hook: Callable[[tuple, tuple], tuple | None]) -> RemovableHandle:
        """Call ``hook(grad_inputs, grad_outputs)`` after this node ran, as PyTorch does: what
        it sends to each input and what it received; a returned tuple replaces ``grad_inputs``."""
        if self._post_hooks is None:
            self._post_hooks = []
        return RemovableHandle(self._post_hooks, hook)

    def _tensor_hooks(self, output_nr: int = 0) -> list[Callable[[Tensor], Tensor | None]]:
        """The hooks of the tensor this node made, or of its leaf (``Tensor.register_hook``):
        they run on the gradient it receives, before the node's own pre-hooks. A node with
        several outputs keeps them by output: ``{output_nr: hooks}``."""
        self._hooked = True
        if self.several_outputs:
            if self._grad_hooks is None:
                self._grad_hooks = {}
            return self._grad_hooks.setdefault(output_nr, [])
        if self._grad_hooks is None:
            self._grad_hooks = []
        return self._grad_hooks

    def _retains(self, output_nr: int) -> bool:
        """Whether the tensor this node made (its output ``output_nr``) called retain_grad()."""
        if self._retained is None:
            return False
        return not self.several_outputs or output_nr in self._retained

    def _retain(self, tensor: Tensor) -> None:
        """Fill ``tensor.grad`` in backward (``retain_grad``); held weakly, by output for a
        node with several."""
        self._hooked = True
        if not self.several_outputs:
            self._retained = weakref.ref(tensor)
            return
        if self._retained is None:
            self._retained = {}
        self._retained[tensor._output_nr] = weakref.ref(tensor)

    def _before(self, grads: tuple) -> tuple:
        """``grads``, one per output, as the node's pre-hooks leave them."""
        for hook in list(self._pre_hooks):
            replaced = hook(grads)
            if replaced is not None:
                grads = tuple(replaced)
        return grads

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
    """What ``register_hook`` returns: ``.remove()`` unregisters the hook, as does leaving a
    ``with`` block (``with x.register_hook(f): ...``); ``.id`` tells handles apart."""

    __slots__ = ("_hooks", "_hook", "id")
    _ids = itertools.count()

    def __init__(self, hooks: list, hook: Any, prepend: bool = False) -> None:
        hooks.insert(0, hook) if prepend else hooks.append(hook)
        self._hooks, self._hook = hooks, hook
        self.id = next(RemovableHandle._ids)

    def __enter__(self) -> RemovableHandle:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.remove()

    def remove(self) -> None:
        """Unregister the hook; a second call does nothing (the same function registered
        twice stays registered once)."""
        if self._hooks is not None and self._hook in self._hooks:
            self._hooks.remove(self._hook)
        self._hooks = None


class AccumulateGrad(Node):
    """The node of a leaf tensor: adds the gradient that reaches it into ``variable.grad``."""

    _next = ()  # a leaf's gradient goes no further
    _sequence = 2**64 - 1  # as in PyTorch: a leaf accumulates as soon as it is ready

    def __init__(self, variable: Tensor) -> None:
        self._variable = weakref.ref(variable)  # (the leaf holds this node: no cycle)

    @property
    def variable(self) -> Tensor:
        """The leaf tensor this node adds gradients into."""
        return self._variable()

    def hold_variable(self) -> None:
        """Keep the leaf alive for as long as this node lives, as PyTorch's node does once a
        program holds it (``next_functions`` hands it out); the leaf is then freed by
        Python's cycle collector rather than at once."""
        self._held = self._variable()

    def name(self) -> str:
        return "torch::autograd::AccumulateGrad"

    def _call(self, grad: Tensor | None) -> tuple[()]:
        if grad is not None:  # with grad mode on, a gradient with history keeps it
            grad = _fitted(grad, self.variable)
            accumulate_into(self.variable, grad, create_graph=grad_mode.state.enabled)
            run_post_accumulate_grad_hooks(self.variable)
        return ()

    def _run(self, grad: Any, backward: Any) -> tuple[()]:
        """Add ``grad`` to the leaf's ``.grad``, once the whole pass has succeeded."""
        if grad is not None:
            if backward.accumulate:
                backward.deposits.append((self._variable(), grad))
            if self._post_hooks and backward.hooks:
                self._after((), backward.tensor(grad))
            if backward.observers:
                backward.notify(self, grad, ())
        return ()


def _fitted(grad: Tensor, leaf: Tensor) -> Tensor:
    """``grad`` broadcast to its leaf's shape, as PyTorch's AccumulateGrad writes it (its
    error when it does not fit: a gradient of a broadcast input must be summed first)."""
    shape = leaf._data.shape
    if grad._data.shape == shape:
        return grad
    try:
        broadcast = np.broadcast_shapes(shape, grad._data.shape)
    except ValueError:
        broadcast = None
    if broadcast != shape:
        raise RuntimeError(
            f"output with shape [{', '.join(map(str, shape))}] doesn't match the broadcast "
            f"shape [{', '.join(map(str, broadcast or grad._data.shape))}]"
        )
    return grad.expand(shape)


def accumulate_into(tensor: Tensor, grad: Any, create_graph: bool = False) -> None:
    """Add ``grad`` (a tensor, or an array from a plain backward pass) into ``tensor._grad``:
    in place normally, as a recorded sum with create_graph."""
    make = tensor._plain
    if not hasattr(grad, "_data"):  # an array: nothing to record
        if tensor._grad is None:  # a copy of its own: the array may reach other leaves too
            tensor._grad = make(np.array(grad, dtype=tensor._data.dtype))
            return
        grad = make(np.asarray(grad))
    if grad._data.dtype != tensor._data.dtype:
        grad = grad.to(tensor.dtype)
    if tensor._grad is None:
        if create_graph and grad._requires_grad:  # keep its history, in a tensor of its own
            tensor._grad = make(np.zeros_like(tensor._data)).copy_(grad)  # CopyBackwards
        else:
            tensor._grad = make(np.array(grad._data, copy=True))
    elif create_graph:
        tensor._grad = tensor._grad + grad
    else:  # in place, as PyTorch adds with grad mode off: a .grad with history keeps its grad_fn
        np.add(tensor._grad._data, grad._data, out=tensor._grad._data, casting="unsafe")
        tensor._grad._bump_version()


def run_post_accumulate_grad_hooks(tensor: Tensor) -> None:
    """Call ``hook(tensor)`` for each post accumulate grad hook of ``tensor``, now that its
    ``.grad`` holds the new gradient; PyTorch's errors for a hook that returns something."""
    hooks = tensor._post_accumulate_grad_hooks  # (kept by the leaf itself)
    if not hooks:
        return
    for hook in list(hooks):
        result = hook(tensor)
        if result is None:
            continue
        if hasattr(result, "_data"):
            raise autograd_error("Tensor post accumulate grad hooks should return None.")
        raise TypeError(f"expected Variable, but hook returned '{type(result).__name__}'")
