"""``autograd.Function``: an op with a backward of your own, as PyTorch's
``torch.autograd.Function``::

    class Exp(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            result = x.exp()
            ctx.save_for_backward(result)
            return result

        @staticmethod
        def backward(ctx, grad):
            (result,) = ctx.saved_tensors
            return grad * result

    y = Exp.apply(x)          # y.grad_fn is an ExpBackward node

``apply`` runs ``forward`` on tensors with recording off, then records one node for the
call. That node is the ``ctx`` forward was given, as in PyTorch: what forward saved or set on
it is there when the engine calls ``backward`` with one gradient per output (tensors,
recorded under ``create_graph=True``). ``backward`` returns one gradient per argument of
``forward`` (None for one that needs none).

minigrad's own ops are written the other way (``function.py``): on arrays, with a rule.
"""

from __future__ import annotations

import inspect
import warnings
from typing import Any, ClassVar

import numpy as np

from minigrad.autograd import anomaly_mode, grad_mode
from minigrad.autograd.function import _modified_message, _output_nrs, sum_to
from minigrad.autograd.graph import SECOND_BACKWARD, Node, autograd_error, sequence_numbers
from minigrad.tensor import Tensor, share_memory


class FunctionCtx:
    """What ``forward`` may tell its node: tensors to save, outputs without a gradient, and
    whether a gradient that never arrived reaches ``backward`` as zeros (the default) or None."""

    _to_save: tuple = ()
    _non_differentiable: tuple = ()
    materialize_grads: bool = True

    def save_for_backward(self, *tensors: Tensor | None) -> None:
        """Keep ``tensors`` for ``backward`` (``ctx.saved_tensors``), checked there for
        in-place changes; other values can be set on ``ctx`` directly."""
        for position, tensor in enumerate(tensors):
            if tensor is not None and not isinstance(tensor, Tensor):
                raise TypeError(
                    "save_for_backward can only save variables, but argument "
                    f"{position} is of type {type(tensor).__name__}"
                )
        self._to_save = tensors

    def mark_non_differentiable(self, *tensors: Tensor) -> None:
        """Outputs that get no gradient (an index, a mask): they do not require grad."""
        self._non_differentiable = tensors

    def set_materialize_grads(self, value: bool) -> None:
        """Whether ``backward`` gets zeros (True) or None for an output no gradient reached."""
        self.materialize_grads = value

    def mark_dirty(self, *tensors: Tensor) -> None:
        raise NotImplementedError(
            "minigrad does not record custom Functions that change their inputs in place "
            "(mark_dirty); return a new tensor instead."
        )


class BackwardCFunction(FunctionCtx, Node):
    """The node of one call of a custom Function: ``<Name>Backward``, made by ``apply``.

    Like minigrad's own ops it has a ``formula``, ``rules``, ``input_names`` (the tensor
    arguments') and ``forward_values()``, which the step-through widgets read.
    """

    _function: ClassVar[type[Function]]
    formula: ClassVar[str] = ""  # "Exp.forward(x)"
    rules: ClassVar[tuple[str, ...]] = ()  # ("Exp.backward(ctx, grad)",)
    input_names: tuple[str, ...] = ()
    _values: tuple | None = None  # the tensor arguments' arrays and the output's
    needs_input_grad: tuple[bool, ...] = ()  # for each argument of forward
    _tensor_positions: tuple[int, ...] = ()  # which arguments were tensors (the edges)
    _input_shapes: tuple = ()  # (shape, minigrad dtype) of each tensor argument
    _output_shapes: tuple = ()  # (shape, dtype) of each output; None for a non-tensor
    _differentiable_output: int = 0  # which output is the node's (the others need no gradient)
    _saved: tuple | None = ()
    _versions: tuple = ()
    _released: bool = False
    _leaves: tuple = ()

    def name(self) -> str:
        return type(self).__name__

    def __repr__(self) -> str:
        return f"<torch.autograd.function.{self.name()} object at {id(self):#x}>"

    @property
    def saved_tensors(self) -> tuple[Tensor | None, ...]:
        """What ``forward`` saved, with PyTorch's errors once freed or modified in place."""
        if self._released:
            raise autograd_error(SECOND_BACKWARD)
        for tensor, version in zip(self._saved, self._versions):
            if tensor is not None and tensor._version != version:
                raise autograd_error(_modified_message(self, "input", tensor, version))
        return self._saved

    def _record(self, args: tuple, output: Any) -> Any:
        """``output`` with this node as the grad_fn of its tensor that needs a gradient,
        when an argument requires grad and recording is on."""
        inputs = [a for a in args if isinstance(a, Tensor)]
        outputs = output if isinstance(output, tuple) else (output,)
        wanted = self._differentiable(outputs)  # (before inputs returned become aliases)
        results = tuple(_alias_of_input(out, inputs) for out in outputs)
        if grad_mode.state.enabled and any(self.needs_input_grad) and wanted:
            if len(wanted) > 1:
                raise NotImplementedError(
                    f"{self._function.__name__}.forward returned {len(wanted)} tensors that "
                    "need a gradient; minigrad records custom Functions with one (mark the "
                    "others with ctx.mark_non_differentiable, or write one Function per output)."
                )
            self._link(args, inputs, results, wanted[0])
        self._to_save = ()  # (kept as _saved until backward frees it)
        return results if isinstance(output, tuple) else results[0]

    def _differentiable(self, outputs: tuple) -> list[int]:
        """The positions of the outputs that can get a gradient: floating-point tensors not
        marked non-differentiable."""
        return [
            position
            for position, out in enumerate(outputs)
            if isinstance(out, Tensor)
            and out._data.dtype.kind == "f"
            and not any(out is t for t in self._non_differentiable)
        ]

    def _link(self, args: tuple, inputs: list[Tensor], results: tuple, position: int) -> None:
        """Make this node the grad_fn of ``results[position]``, with an edge per tensor
        argument and what backward will need."""
        self._tensor_positions = tuple(i for i, a in enumerate(args) if isinstance(a, Tensor))
        self._next = tuple(x._grad_node() for x in inputs)
        self._input_nrs = _output_nrs(tuple(inputs), self._next)
        self._leaves = tuple(x for x in inputs if x._requires_grad and x.grad_fn is None)
        self._input_shapes = tuple((x._data.shape, x.dtype) for x in inputs)
        names = self._function._argument_names
        self.input_names = tuple(
            names[p] if p < len(names) else f"input{p}" for p in self._tensor_positions
        )
        self._sequence = next(sequence_numbers)
        if anomaly_mode.state.enabled:
            self._forward_trace = anomaly_mode.forward_trace()
        self._saved = self._to_save
        self._versions = tuple(0 if t is None else t._version for t in self._to_save)
        self._output_shapes = tuple(
            (out._data.shape, out._data.dtype) if isinstance(out, Tensor) else None
            for out in results
        )
        out = results[position]
        self._differentiable_output = position
        out._requires_grad = True
        out.grad_fn = self
        self._values = tuple(x._data for x in inputs) + (out._data,)

    def forward_values(self) -> tuple[tuple[np.ndarray, ...], np.ndarray] | None:
        """The tensor arguments' data and the output's (as ``Function.forward_values``)."""
        return None if self._values is None else (self._values[:-1], self._values[-1])

    def saved_values(self) -> dict[str, Any]:
        """Nothing by name: what ``save_for_backward`` kept is ``saved_tensors``."""
        return {}

    def _run(self, grad: Any, backward: Any) -> tuple:
        """The gradient for each tensor argument (see ``Function._run``): ``backward`` on
        tensors (a copy of the gradient, which it may change in place), its results checked
        and fitted to the inputs' shapes and dtypes. It runs even when no gradient arrived
        (on zeros, or on None after ``set_materialize_grads(False)``), as in PyTorch."""
        if grad is not None and backward.arrays:
            grad = np.array(grad)
        grad_output = None if grad is None else backward.tensor(grad)
        grads = tuple(
            [None if g is None else backward.array(g) for g in self._gradients(grad_output)]
        )
        if not backward.retain_graph:
            self._released = True
            self._saved = self._values = None
        if self._post_hooks and backward.hooks:
            grads = backward.hooked_after(self, grads, grad)
        if backward.observers:
            backward.notify(self, grad, grads)
        return grads

    def __call__(self, *grads: Any) -> Any:
        raise TypeError(f"'{self.name()}' object is not callable")  # as in PyTorch: apply

    def apply(self, *grad_outputs: Any) -> Any:
        """What ``backward`` returns for ``grad_outputs``, unchecked (PyTorch's
        ``grad_fn.apply``)."""
        return self._function.backward(self, *grad_outputs)

    def _gradients(self, grad: Tensor | None) -> tuple:
        """Call ``backward`` with a gradient per output (``grad`` for the one that needs
        one; zeros for the others, or None); a gradient per tensor argument."""
        grad_outputs = [None] * len(self._output_shapes)
        grad_outputs[self._differentiable_output] = grad
        if self.materialize_grads:
            grad_outputs = [
                Tensor._make(np.zeros(*meta)) if g is None and meta is not None else g
                for g, meta in zip(grad_outputs, self._output_shapes)
            ]
        returned = self._function.backward(self, *grad_outputs)
        returned = returned if isinstance(returned, tuple) else (returned,)
        expected = len(self.needs_input_grad)
        if len(returned) < expected or any(g is not None for g in returned[expected:]):
            raise autograd_error(
                f"function {self.name()} returned an incorrect number of gradients (expected "
                f"{expected}, got {len(returned)})"
            )
        return tuple(
            self._fitted(index, returned[position])
            for index, position in enumerate(self._tensor_positions)
        )

    def _fitted(self, index: int, grad: Any) -> Tensor | None:
        """The gradient for tensor argument ``index``: None where none is wanted, summed over
        broadcast dimensions and cast to the argument's dtype, as PyTorch's engine does."""
        if grad is None or self._next[index] is None:
            return None
        if not isinstance(grad, Tensor):
            raise autograd_error(f"expected Variable or None (got {type(grad).__name__})")
        shape, dtype = self._input_shapes[index]
        if grad._data.shape != shape:
            try:
                stretched = np.broadcast_shapes(shape, grad._data.shape) == grad._data.shape
            except ValueError:
                stretched = False
            if not stretched:
                raise autograd_error(
                    f"Function {self.name()} returned an invalid gradient at index {index} - "
                    f"got [{', '.join(map(str, grad._data.shape))}] but expected shape "
                    f"compatible with [{', '.join(map(str, shape))}]"
                )
            grad = sum_to(grad, shape)
        return grad if grad._data.dtype == dtype.numpy else grad.to(dtype)


def _alias_of_input(out: Any, inputs: list[Tensor]) -> Any:
    """``out``, or a view of it when forward returned one of its inputs as it is (the output
    is then a tensor of its own, as in PyTorch)."""
    if not any(out is x for x in inputs):
        return out
    alias = Tensor._make(out._data)
    share_memory(alias, out)
    return alias


class Function:
    """Base class of an op with a hand-written backward: subclass it, write ``forward`` and
    ``backward`` as static methods, and call ``YourOp.apply(...)``."""

    _backward_cls: ClassVar[type[BackwardCFunction]]
    _argument_names: ClassVar[tuple[str, ...]]  # forward's parameters (without ctx)

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        parameters = list(inspect.signature(cls.forward).parameters.values())
        if cls.setup_context is Function.setup_context:
            parameters = parameters[1:]  # ctx
        cls._argument_names = tuple(
            p.name for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
        )
        # (PyTorch makes this class too: the type of every node of cls, named like it)
        cls._backward_cls = type(
            f"{cls.__name__}Backward",
            (BackwardCFunction,),
            {
                "_function": cls,
                "formula": f"{cls.__name__}.forward({', '.join(cls._argument_names)})",
                "rules": (f"{cls.__name__}.backward(ctx, grad)",),
            },
        )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        warnings.warn(
            f"{type(self)} should not be instantiated. Methods on autograd functions are all "
            "static, so you should invoke them on the class itself. Instantiating an autograd "
            "function will raise an error in a future version of PyTorch.",
            DeprecationWarning,
            stacklevel=2,
        )

    @staticmethod
    def forward(ctx: Any, *args: Any, **kwargs: Any) -> Any:
        """The op on tensors (recording is off); ``ctx`` keeps what backward needs."""
        raise NotImplementedError(
            "You must implement the forward function for custom autograd.Function."
        )

    @staticmethod
    def setup_context(ctx: Any, inputs: tuple, output: Any) -> Any:
        """Optional: fill ``ctx`` here, from a ``forward(*args)`` that takes no ctx."""
        raise NotImplementedError("setup_context is not implemented.")

    @staticmethod
    def backward(ctx: Any, *grad_outputs: Any) -> Any:
        """One gradient per argument of forward, from one per output."""
        raise NotImplementedError(
            "You must implement either the backward or vjp method for your custom "
            "autograd.Function to use it with backward mode AD."
        )

    @classmethod
    def apply(cls, *args: Any, **kwargs: Any) -> Any:
        """Run ``forward`` and record the call's node when an argument requires grad."""
        ctx = cls._backward_cls()
        ctx.needs_input_grad = tuple(isinstance(a, Tensor) and a._requires_grad for a in args)
        with grad_mode.no_grad():
            if cls.setup_context is Function.setup_context:
                output = cls.forward(ctx, *args, **kwargs)
            else:
                output = cls.forward(*args, **kwargs)
                cls.setup_context(ctx, args, output)
        return ctx._record(args, output)
