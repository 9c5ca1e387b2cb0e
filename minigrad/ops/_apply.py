"""Running an op: compute the forward and, when gradients are wanted, record the node."""

from __future__ import annotations

from numbers import Number
from typing import Any

import numpy as np

from minigrad import _dtype
from minigrad._dtype import dtype
from minigrad.autograd import grad_mode
from minigrad.autograd.graph import NOTHING_SAVED, Function, sequence_numbers
from minigrad.tensor import Tensor


def apply(op: type[Function], *inputs: Tensor, **params: Any) -> Tensor:
    """Run ``op`` forward on ``inputs``; record it as the output's ``grad_fn`` when needed."""
    if grad_mode.state.enabled:
        for t in inputs:
            if t._requires_grad:
                return _record(op, inputs, params)
    # Nothing to record (no_grad, or a backward pass without create_graph): the op's one idle
    # instance computes the forward, and its save() keeps nothing.
    out = Tensor._make(_array(op.idle.forward(*inputs, **params)))
    if op.is_view:
        _share_memory(out, inputs[0])
    return out


def _record(op: type[Function], inputs: tuple[Tensor, ...], params: dict[str, Any]) -> Tensor:
    """Run ``op`` forward and make its node the output's ``grad_fn``."""
    fn = op.__new__(op)
    fn._saved = NOTHING_SAVED
    out = Tensor._make(_array(fn.forward(*inputs, **params)), True)
    if op.is_view:
        _share_memory(out, inputs[0])
    fn.next_functions = tuple([t._edge() for t in inputs])
    fn._sequence = next(sequence_numbers)
    fn._grad_hooks = fn._pre_hooks = fn._post_hooks = fn._retained = None
    fn._input_shapes = tuple([t._data.shape for t in inputs])
    fn._values = (*[t._data for t in inputs], out._data)  # one flat tuple: cheap to keep
    out.grad_fn = fn
    if op.saves_result:
        fn.save(result=out)
    return out


def _array(data: Any) -> np.ndarray:
    """numpy gives scalars for 0-d results; a tensor always holds an array."""
    return data if type(data) is np.ndarray else np.asarray(data)


def _share_memory(view: Tensor, source: Tensor) -> None:
    """``view`` shares ``source``'s memory: in-place changes to either count for both."""
    view._version_counter = counter = source._shared_version()
    view._base = source if source._base is None else source._base
    view._view_of_history = counter.history


_NUMBER_TYPES = (int, float, bool)


def is_number(value: object) -> bool:
    """True for Python numbers and numpy scalars: what may stand beside a tensor in arithmetic."""
    if type(value) in _NUMBER_TYPES:
        return True
    return isinstance(value, (Number, np.bool_)) and not isinstance(value, complex)


def scalar_tensor(value: Any, dt: dtype) -> Tensor:
    """A zero-dimensional tensor holding a Python number (a "wrapped number" in PyTorch)."""
    return Tensor._make(np.array(value, dtype=dt.numpy))


def cast(tensor: Tensor, dt: dtype) -> Tensor:
    """``tensor`` with dtype ``dt``; recorded as ``ToCopyBackward0`` when it changes."""
    if tensor._data.dtype == dt.numpy:
        return tensor
    return tensor.to(dt)


def operands(a: Any, b: Any, *, floating: bool = False) -> tuple[Tensor, Tensor]:
    """Two operands as tensors of one dtype by PyTorch's promotion rules.

    ``floating`` makes integer results float32, as true division does.
    """
    if type(a) is Tensor:
        kind = a._data.dtype.kind
        if type(b) is Tensor and a._data.dtype == b._data.dtype:
            if a._data.shape != b._data.shape:
                check_broadcast(a._data.shape, b._data.shape)
            if kind == "f" or not floating:
                return a, b
        elif kind == "f" and type(b) in _NUMBER_TYPES:
            # the commonest case, ``x * 2.0``: the number takes the tensor's float type
            return a, Tensor._make(np.array(b, dtype=a._data.dtype))
    dt = _dtype.result_type([_rank(a), _rank(b)])
    if floating and not dt.is_floating_point:
        dt = _dtype.default_float
    a = cast(a, dt) if isinstance(a, Tensor) else scalar_tensor(a, dt)
    b = cast(b, dt) if isinstance(b, Tensor) else scalar_tensor(b, dt)
    if a._data.shape != b._data.shape:
        check_broadcast(a._data.shape, b._data.shape)
    return a, b


def _rank(value: Any) -> tuple[dtype, int]:
    if isinstance(value, Tensor):
        return value.dtype, 2 if value._data.ndim else 1
    return _dtype.of_scalar(value), 0


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
