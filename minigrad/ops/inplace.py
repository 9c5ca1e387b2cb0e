"""In-place ops (``x.add_(1)``, ``x += 1``, ``x.zero_()``, ``x[0] = 5``) and the versions
that keep them honest.

An in-place op writes its result into the tensor's own memory. Autograd must then know two
things:

- *Versions.* Every tensor's memory has a version counter (shared with its views), bumped by
  each in-place write. A node remembers the version of each tensor it saved; if backward finds
  a different one, the saved value is gone and PyTorch's "modified by an inplace operation"
  error is raised instead of a wrong gradient.
- *History.* A tensor changed in place by a recorded op takes that op's node as its new
  ``grad_fn``: ``x.mul_(2)`` is ``x = x * 2`` for autograd, computed out of place and then
  copied in. The op sees a snapshot of the old values, as PyTorch saves ``original_self``.

A leaf that requires grad may not be changed in place while grad mode is on (its ``.grad``
would no longer belong to its values).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from minigrad import _dtype, _random_integers, random
from minigrad.autograd import grad_mode
from minigrad.autograd.function import Function, check_broadcast
from minigrad.ops import _xp, arithmetic, division, elementwise, pointwise
from minigrad.tensor import Tensor, tensor_method


def check_writable(tensor: Tensor) -> None:
    """PyTorch's errors for writing into a leaf that requires grad, into one of several views
    an op made together (``split``), or into expanded memory."""
    if grad_mode.state.enabled and tensor._requires_grad and tensor.grad_fn is None:
        raise RuntimeError(
            "a leaf Variable that requires grad is being used in an in-place operation."
        )
    if grad_mode.state.enabled and tensor.grad_fn is not None and tensor.grad_fn.several_outputs:
        op = tensor.grad_fn.name().removesuffix("Backward0")
        raise RuntimeError(
            f"Output {tensor._output_nr} of {op} is a view and is being modified inplace. This "
            "view is the output of a function that returns multiple views. Such functions do not "
            "allow the output views to be modified inplace. You should replace the inplace "
            "operation by an out-of-place one."
        )
    if tensor._inference and not grad_mode.state.inference:
        raise RuntimeError(
            "Inplace update to inference tensor outside InferenceMode is not allowed.You can "
            "make a clone to get a normal tensor before doing inplace update.See "
            "https://github.com/pytorch/rfcs/pull/17 for more details."
        )
    if not tensor._data.flags.writeable:
        raise RuntimeError(
            "unsupported operation: more than one element of the written-to tensor refers to a "
            "single memory location. Please clone() the tensor before performing the operation."
        )


def write_into(tensor: Tensor, result: Tensor) -> Tensor:
    """Copy ``result`` into ``tensor``'s memory; ``tensor`` takes ``result``'s history."""
    if result._data.dtype != tensor._data.dtype:
        if not _dtype.can_cast(result.dtype, tensor.dtype):
            raise RuntimeError(
                f"result type {result.dtype.title} can't be cast to the desired "
                f"output type {tensor.dtype.title}"
            )
        result = result.to(tensor.dtype)
    if result._data.shape != tensor._data.shape:
        raise RuntimeError(
            f"output with shape [{', '.join(map(str, tensor._data.shape))}] doesn't match the "
            f"broadcast shape [{', '.join(map(str, result._data.shape))}]"
        )
    if result.grad_fn is not None and tensor._base is not None:
        raise RuntimeError(
            "minigrad does not record in-place operations on views of tensors that require "
            "grad; use the out-of-place operation (e.g. `y = y + 1` instead of `y.add_(1)`)."
        )
    np.copyto(tensor._data, result._data)
    tensor._bump_version()
    if result.grad_fn is not None:
        if tensor.grad_fn is not None and tensor.grad_fn._retained is not None:
            result.grad_fn._retain(tensor)  # retain_grad() follows the tensor to its new history
            tensor.grad_fn._retained = None
        tensor.grad_fn = result.grad_fn
        tensor._requires_grad = True
        tensor._version_counter.history += 1  # views taken before now are out of date
    return tensor


def _in_place(
    function: Any,
    name: str,
    operator: str | None = None,
    op: type[Function] | None = None,
    op_params: frozenset[str] = frozenset(),
) -> None:
    """Make ``Tensor.<name>`` (and the ``operator``, e.g. ``__iadd__``): ``function``
    computed, then written in.

    With ``op`` (the node class ``function`` records), an update that records nothing and
    converts nothing (``p.sub_(p.grad, alpha=lr)`` under ``no_grad``, the optimizers' step)
    takes a short path: ``op``'s forward on the arrays, written straight into memory.
    """

    def method(self: Tensor, *args: Any, **kwargs: Any) -> Tensor:
        check_writable(self)
        if op is not None and _plain_update(self, args, kwargs, op_params):
            other = args[0]._data if isinstance(args[0], Tensor) else args[0]
            np.copyto(self._data, op.forward(self._data, other, **kwargs))
            self._bump_version()
            return self
        source = self
        if grad_mode.state.enabled and (
            self._requires_grad or any(isinstance(a, Tensor) and a._requires_grad for a in args)
        ):
            # The op may save its input for backward, and ``self`` is about to change:
            # it gets the value as it is now (PyTorch saves ``original_self`` alike).
            source = Tensor._make(self._data.copy(), self._requires_grad)
            source.grad_fn = self.grad_fn
        return write_into(self, function(source, *args, **kwargs))

    method.__name__ = name
    method.__doc__ = f"In-place version of ``{function.__name__}``."
    tensor_method(name)(method)
    if operator is not None:
        tensor_method(operator, operator=True)(method)


def _plain_update(self: Tensor, args: tuple, kwargs: dict, op_params: frozenset[str]) -> bool:
    """Whether ``self.<op>_(*args, **kwargs)`` records nothing and needs nothing converted:
    a float tensor and a Python number, or a tensor of its dtype and shape."""
    if len(args) != 1 or (kwargs and not kwargs.keys() <= op_params):
        return False
    other, data = args[0], self._data
    recording = grad_mode.state.enabled
    if (recording and self._requires_grad) or data.dtype.kind != "f":
        return False
    if isinstance(other, Tensor):
        if recording and other._requires_grad:
            return False
        return other._data.dtype == data.dtype and other._data.shape == data.shape
    return type(other) is float or type(other) is int


class CopyBackwards(Function):
    """``self.copy_(src)``: ``src``'s values (broadcast, cast to self's dtype) written into
    self. Also the node of a ``.grad`` first filled by ``backward(create_graph=True)``."""

    formula = "src, written into self"
    rules = ("0: self's old values are gone", "grad, in src's dtype")
    input_names = ("self", "src")

    @staticmethod
    def forward(a: np.ndarray, src: np.ndarray, src_dtype: Any) -> np.ndarray:
        return np.broadcast_to(src, a.shape).astype(a.dtype)

    def backward(self, grad: Any) -> tuple:
        src_dtype = self._params["src_dtype"]
        same = grad.dtype == src_dtype or grad.dtype == src_dtype.numpy  # (tensor, array)
        return _xp.zeros_like(grad), grad if same else _xp.to(grad, src_dtype)

    def name(self) -> str:
        return "torch::autograd::CopyBackwards"


@tensor_method("copy_")
def copy_(input: Tensor, src: Tensor, non_blocking: bool = False) -> Tensor:
    """Write ``src``'s values into this tensor (``src`` broadcast to its shape and cast to its
    dtype); with history, the result's gradient flows to ``src``."""
    if not isinstance(src, Tensor):
        src = Tensor._make(np.asarray(src, dtype=input._data.dtype))  # a number: every element
    check_writable(input)
    check_broadcast(input._data.shape, src._data.shape)
    if np.broadcast_shapes(input._data.shape, src._data.shape) != input._data.shape:
        raise RuntimeError(
            f"output with shape [{', '.join(map(str, input._data.shape))}] doesn't match the "
            f"broadcast shape [{', '.join(map(str, src._data.shape))}]"
        )
    return write_into(input, CopyBackwards.apply(input, src, src_dtype=src.dtype))


# one visible line per in-place method
_ALPHA = frozenset({"alpha"})
_in_place(arithmetic.add, "add_", "__iadd__", arithmetic.AddBackward0, _ALPHA)
_in_place(arithmetic.sub, "sub_", "__isub__", arithmetic.SubBackward0, _ALPHA)
_in_place(arithmetic.mul, "mul_", "__imul__", arithmetic.MulBackward0)
_in_place(arithmetic.div, "div_", "__itruediv__", arithmetic.DivBackward0)
_in_place(arithmetic.pow, "pow_")
_in_place(elementwise.clamp, "clamp_")
_in_place(elementwise.clamp, "clip_")
_in_place(division.floor_divide_in_place, "floor_divide_", "__ifloordiv__")
_in_place(division.remainder, "remainder_", "__imod__")
_in_place(division.fmod, "fmod_")
_in_place(pointwise.addcmul, "addcmul_")
_in_place(pointwise.addcdiv, "addcdiv_")
_in_place(pointwise.lerp, "lerp_")


@tensor_method("zero_")
def zero_(input: Tensor) -> Tensor:
    """Set every element to 0, in place."""
    return _fill(input, 0, elementwise.ZeroBackward0)


@tensor_method("fill_")
def fill_(input: Tensor, value: Any) -> Tensor:
    """Set every element to ``value``, in place (no gradient flows to the old values)."""
    value = value.item() if isinstance(value, Tensor) else value
    return _fill(input, value, elementwise.FillBackward2)


def _fill(input: Tensor, value: Any, op: Any) -> Tensor:
    check_writable(input)
    if grad_mode.state.enabled and input._requires_grad:
        return write_into(input, op.apply(input, value=value))
    input._data[...] = value
    input._bump_version()
    return input


def _drawn(fill: Any, input: Tensor, *args: Any, generator: Any = None) -> Tensor:
    """Fill ``input`` in place with random numbers drawn by ``fill``."""
    check_writable(input)
    if grad_mode.state.enabled and input._requires_grad:
        raise RuntimeError(
            f"{fill.__name__} on a tensor with a graph is not recorded by minigrad; fill a "
            "leaf under torch.no_grad(), as torch.nn.init does"
        )
    fill(input._data, *args, generator=generator)
    input._bump_version()
    return input


@tensor_method("normal_")
def normal_(input: Tensor, mean: float = 0.0, std: float = 1.0, *, generator: Any = None) -> Tensor:
    """Fill in place with numbers from the normal distribution N(mean, std²)."""
    return _drawn(random.normal_, input, mean, std, generator=generator)


@tensor_method("uniform_")
def uniform_(
    input: Tensor, from_: float = 0.0, to: float = 1.0, *, generator: Any = None
) -> Tensor:
    """Fill in place with numbers drawn uniformly from [from_, to)."""
    return _drawn(random.uniform_, input, from_, to, generator=generator)


@tensor_method("random_")
def random_(input: Tensor, *bounds: int, generator: Any = None) -> Tensor:
    """Fill in place with random integers: ``random_()``, ``random_(to)``, ``random_(from, to)``."""
    low, high = (0, bounds[0]) if len(bounds) == 1 else (bounds + (None, None))[:2]
    return _drawn(_random_integers.random_, input, low, high, generator=generator)


@tensor_method("__setitem__")
def setitem(input: Tensor, key: Any, value: Any) -> None:
    """``tensor[key] = value``: in place, and only where no gradient has to flow through it."""
    check_writable(input)
    if grad_mode.state.enabled and (
        input._requires_grad or (isinstance(value, Tensor) and value._requires_grad)
    ):
        raise RuntimeError(
            "minigrad does not record index assignment on tensors that require grad; "
            "assign inside `with torch.no_grad():` or build a new tensor with torch.where."
        )
    keys = key if isinstance(key, tuple) else (key,)
    keys = tuple(k._data if isinstance(k, Tensor) else k for k in keys)
    input._data[keys] = value._data if isinstance(value, Tensor) else value
    input._bump_version()
