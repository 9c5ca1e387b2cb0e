"""What an op's inputs become before it runs: PyTorch's type promotion."""

from __future__ import annotations

from typing import Any

import numpy as np

from minigrad import _dtype
from minigrad._dtype import dtype
from minigrad.tensor import PYTHON_NUMBERS, Tensor


def scalar_tensor(value: Any, dt: dtype) -> Tensor:
    """A zero-dimensional tensor holding a Python number (a "wrapped number" in PyTorch); an
    integer out of the dtype's range wraps around, as PyTorch's cast does (uint8: -1 → 255)."""
    try:
        return Tensor._make(np.array(value, dtype=dt.numpy))
    except OverflowError:
        return Tensor._make(np.array(value).astype(dt.numpy))


def cast(tensor: Tensor, dt: dtype) -> Tensor:
    """``tensor`` with dtype ``dt``; recorded as ``ToCopyBackward0`` when it changes."""
    if tensor._data.dtype == dt.numpy:
        return tensor
    return tensor.to(dt)


def operands(a: Any, b: Any, *, floating: bool = False) -> tuple[Any, Any]:
    """Two operands of one dtype by PyTorch's promotion rules; a Python number beside a float
    tensor stays a number (numpy gives it the tensor's type, as PyTorch does).

    ``floating`` makes integer results float32, as true division does.
    """
    if isinstance(a, Tensor):
        a_dtype = a._data.dtype
        if isinstance(b, Tensor):
            b_dtype = b._data.dtype
            if (a_dtype is b_dtype or a_dtype == b_dtype) and (not floating or a_dtype.kind == "f"):
                return a, b
        elif a_dtype.kind == "f" and type(b) in PYTHON_NUMBERS:
            return a, b
    dt = _dtype.result_type([_rank(a), _rank(b)])
    if floating and not dt.is_floating_point:
        dt = _dtype.default_float
    a = cast(a, dt) if isinstance(a, Tensor) else scalar_tensor(a, dt)
    b = cast(b, dt) if isinstance(b, Tensor) else scalar_tensor(b, dt)
    return a, b


def _rank(value: Any) -> tuple[dtype, int]:
    if isinstance(value, Tensor):
        return value.dtype, 2 if value._data.ndim else 1
    return _dtype.of_scalar(value), 0
