"""Making tensors: ``tensor``, ``zeros``, ``ones``, ``full``, ``arange``, ``linspace``, ``eye`` …
(random ones are in ``random_tensors``)."""

from __future__ import annotations

import builtins
import warnings
from typing import Any

import numpy as np

from minigrad import _dtype
from minigrad._dtype import dtype
from minigrad.ops import _shapes
from minigrad.tensor import Tensor


def _finish(function: str, data: np.ndarray, dt: Any, requires_grad: bool) -> Tensor:
    """Cast to ``dt`` (checked), wrap, and set ``requires_grad`` with PyTorch's checks."""
    if dt is not None:
        data = data.astype(_dtype.check(dt, function).numpy, copy=False)
    if not isinstance(requires_grad, bool):
        raise TypeError(
            f"{function}(): argument 'requires_grad' must be bool, not {type(requires_grad).__name__}"
        )
    if requires_grad and data.dtype.kind != "f":
        raise RuntimeError("Only Tensors of floating point and complex dtype can require gradients")
    return Tensor._make(data, requires_grad)


def _infer(data: Any, keep_precision: bool = False) -> np.ndarray:
    """Nested Python data as an array of PyTorch's dtype: floats float32, ints int64.
    ``keep_precision`` leaves floats in float64, for a cast to a requested dtype."""
    if isinstance(data, Tensor):
        return data._data.copy()
    if isinstance(data, (np.ndarray, np.generic)):  # numpy data keeps its type, as in PyTorch
        _dtype.from_numpy_dtype(data.dtype)
        return np.array(data)
    try:  # numpy reads numbers, nested lists and the tensors in them (via __array__)
        array = np.array(data)
    except (ValueError, TypeError, RuntimeError):
        array = None
    if array is None or array.dtype.kind == "O":  # ragged, or a tensor that requires grad
        _check_nesting(data)
        array = np.array(_without_tensors(data))
    if array.dtype.kind == "f":
        if keep_precision or _holds_numpy_double(data):  # np.float64 items make float64
            return array
        return array.astype(_dtype.default_float.numpy)
    if array.dtype.kind in "iu":
        return array.astype(np.int64)
    if array.dtype.kind == "b":
        return array
    if array.size == 0:
        return array.astype(_dtype.default_float.numpy)
    raise TypeError(f"Could not infer dtype of {type(_first_leaf(data)).__name__}")


def _holds_numpy_double(data: Any) -> bool:
    """Whether nested lists hold a numpy float64 scalar (Python floats are float32's)."""
    if isinstance(data, (list, tuple)):
        return any(_holds_numpy_double(item) for item in data)
    return type(data) is np.float64


def _without_tensors(data: Any) -> Any:
    """Nested lists with any tensors in them replaced by their arrays (depth = number of dims)."""
    if isinstance(data, Tensor):
        return data._data
    if isinstance(data, (list, tuple)):
        return [_without_tensors(item) for item in data]
    return data


def _first_leaf(data: Any) -> Any:
    while isinstance(data, (list, tuple)) and data:
        data = data[0]
    return data


def _is_sequence(item: Any) -> bool:
    return isinstance(item, (list, tuple)) or (isinstance(item, Tensor) and item._data.ndim > 0)


def _check_nesting(data: Any) -> None:
    """PyTorch's error for ragged lists, checked level by level without recursion."""
    level, depth = [data], 0
    while level and _is_sequence(level[0]):
        length = len(level[0])
        children = []
        for item in level:
            if not _is_sequence(item) or len(item) != length:
                got = len(item) if isinstance(item, (list, tuple)) else type(item).__name__
                raise ValueError(f"expected sequence of length {length} at dim {depth} (got {got})")
            children.extend(item)
        level, depth = children, depth + 1


_COPY_CONSTRUCT = (
    "To copy construct from a tensor, it is recommended to use sourceTensor.detach().clone() or "
    "sourceTensor.detach().clone().requires_grad_(True), rather than torch.tensor(sourceTensor)."
)


_JUST_FLOAT = frozenset({float})


def tensor(data: Any, dtype: dtype | None = None, requires_grad: bool = False) -> Tensor:
    """A new tensor holding a copy of ``data`` (a number, nested lists, an array or a tensor).

    >>> torch.tensor([2.0, 3.0], requires_grad=True)
    tensor([2., 3.], requires_grad=True)
    """
    if isinstance(data, Tensor):
        warnings.warn(_COPY_CONSTRUCT, UserWarning, stacklevel=2)
    if type(data) is list and data and _JUST_FLOAT.issuperset(map(type, data)):  # one numpy call
        array = np.array(data, np.float64 if dtype is not None else _dtype.default_float.numpy)
    else:
        array = _infer(data, keep_precision=dtype is not None)
    if dtype is not None and not isinstance(data, (Tensor, np.ndarray, np.generic)):
        _check_fits(array, _dtype.check(dtype, "tensor"))
    return _finish("tensor", array, dtype, requires_grad)


def _check_fits(array: np.ndarray, target: dtype) -> None:
    """PyTorch's error for Python numbers out of an integer dtype's range (negative numbers
    wrap around into uint8, as there)."""
    if np.dtype(target.numpy).kind not in "iu" or array.size == 0 or array.dtype.kind == "b":
        return
    info = np.iinfo(target.numpy)
    low = info.min if info.min < 0 or array.dtype.kind != "i" else -(2**63)
    if not (np.all(np.isfinite(array)) and array.min() >= low and array.max() <= info.max):
        raise RuntimeError(f"value cannot be converted to type {target.name} without overflow")


def as_tensor(data: Any, dtype: dtype | None = None) -> Tensor:
    """``data`` as a tensor, sharing memory with a tensor or array where it can."""
    if isinstance(data, Tensor) and dtype in (None, data.dtype):
        return data
    if isinstance(data, np.ndarray) and dtype in (None, _dtype.from_numpy_dtype(data.dtype)):
        return Tensor._make(data)
    return tensor(data, dtype=dtype)


def from_numpy(array: np.ndarray) -> Tensor:
    """A tensor sharing memory with a numpy array."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(array).__name__})")
    _dtype.from_numpy_dtype(array.dtype)
    return Tensor._make(array)


def _filled(function: str, size: tuple, value: Any, dt: Any, requires_grad: bool) -> Tensor:
    shape = _shapes.sizes(function, size)
    if builtins.any(s < 0 for s in shape):
        if function == "zeros":  # PyTorch's zeros checks its sizes itself
            raise RuntimeError("zeros: Dimension size must be non-negative.")
        raise RuntimeError(
            f"Trying to create tensor with negative dimension {builtins.min(shape)}: {list(shape)}"
        )
    default = _dtype.default_float if dt is None else _dtype.check(dt, function)
    return _finish(function, np.full(shape, value, dtype=default.numpy), None, requires_grad)


def _given_size(function: str, sizes: tuple, size: Any) -> tuple:
    """The size as ``zeros(2, 3)`` and ``zeros((2, 3))`` pass it, also when given as
    ``zeros(size=(2, 3))``."""
    if size is None:
        return sizes
    if sizes:
        raise TypeError(f"{function}() got multiple values for argument 'size'")
    return (size,)


def zeros(
    *sizes: Any, size: Any = None, dtype: dtype | None = None, requires_grad: bool = False
) -> Tensor:
    """A tensor of zeros: ``zeros(2, 3)``, ``zeros((2, 3))`` or ``zeros(size=(2, 3))``."""
    return _filled("zeros", _given_size("zeros", sizes, size), 0, dtype, requires_grad)


def ones(
    *sizes: Any, size: Any = None, dtype: dtype | None = None, requires_grad: bool = False
) -> Tensor:
    """A tensor of ones: ``ones(2, 3)`` or ``ones((2, 3))``."""
    return _filled("ones", _given_size("ones", sizes, size), 1, dtype, requires_grad)


def empty(
    *sizes: Any, size: Any = None, dtype: dtype | None = None, requires_grad: bool = False
) -> Tensor:
    """A tensor whose values are not set (zeros here, for reproducibility)."""
    return _filled("empty", _given_size("empty", sizes, size), 0, dtype, requires_grad)


def full(
    size: Any, fill_value: Any, *, dtype: dtype | None = None, requires_grad: bool = False
) -> Tensor:
    """A tensor of ``fill_value``; its dtype follows the value (int64 for ints) unless given."""
    value = fill_value.item() if isinstance(fill_value, Tensor) else fill_value
    if dtype is None:
        dtype = _dtype.of_scalar(value)
    return _filled(
        "full",
        (size,) if isinstance(size, (int, np.integer)) else tuple(size),
        value,
        dtype,
        requires_grad,
    )


def _like(function: str, input: Tensor, value: Any, dt: Any, requires_grad: bool) -> Tensor:
    if not isinstance(input, Tensor):
        raise TypeError(
            f"{function}(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}"
        )
    return _filled(function, input._data.shape, value, dt or input.dtype, requires_grad)


def zeros_like(input: Tensor, *, dtype: dtype | None = None, requires_grad: bool = False) -> Tensor:
    """Zeros with ``input``'s shape and dtype."""
    return _like("zeros_like", input, 0, dtype, requires_grad)


def ones_like(input: Tensor, *, dtype: dtype | None = None, requires_grad: bool = False) -> Tensor:
    """Ones with ``input``'s shape and dtype."""
    return _like("ones_like", input, 1, dtype, requires_grad)


def full_like(
    input: Tensor, fill_value: Any, *, dtype: dtype | None = None, requires_grad: bool = False
) -> Tensor:
    """``fill_value`` with ``input``'s shape and dtype."""
    return _like("full_like", input, fill_value, dtype, requires_grad)


def arange(
    start: Any,
    end: Any = None,
    step: Any = 1,
    *,
    dtype: dtype | None = None,
    requires_grad: bool = False,
) -> Tensor:
    """``start, start + step, …`` below ``end``; int64 when all arguments are ints."""
    if end is None:
        start, end = 0, start
    if step == 0:
        raise RuntimeError("step must be nonzero")
    if (end - start) * step < 0:
        raise RuntimeError("upper bound and lower bound inconsistent with step sign")
    integral = builtins.all(isinstance(v, (int, np.integer)) for v in (start, end, step))
    default = _dtype.int64 if integral else _dtype.default_float
    dt = default if dtype is None else _dtype.check(dtype, "arange")
    count = int(np.ceil((end - start) / step))
    values = start + step * np.arange(count, dtype=np.float64 if not integral else np.int64)
    return _finish("arange", values.astype(dt.numpy), None, requires_grad)


def linspace(
    start: float, end: float, steps: int, *, dtype: dtype | None = None, requires_grad: bool = False
) -> Tensor:
    """``steps`` evenly spaced values from ``start`` to ``end`` inclusive."""
    if not isinstance(steps, (int, np.integer)) or steps < 0:
        raise RuntimeError("number of steps must be non-negative")
    dt = _dtype.default_float if dtype is None else _dtype.check(dtype, "linspace")
    return _finish("linspace", _spaced(start, end, int(steps), dt.numpy), None, requires_grad)


def _spaced(start: float, end: float, steps: int, kind: np.dtype) -> np.ndarray:
    """PyTorch's linspace values: ``start + step·i`` up to the middle, ``end − step·(n−1−i)``
    after it, each a fused multiply-add (one rounding), so both ends are exact and the middle
    may miss 0 by a rounding (``linspace(-1, 1, 7)[3]`` is -2.98e-08 in float32)."""
    kind = np.dtype(kind)
    if steps <= 1:
        return np.full(steps, start).astype(kind)
    if kind == np.float16:
        return _spaced_half(np.float16(start), np.float16(end), steps)
    if kind == np.float32:  # the step in float32, the multiply-add wider
        low, high = kind.type(start), kind.type(end)
        step, wide = (high - low) / kind.type(steps - 1), np.float64
    elif kind.kind == "f":
        low, high = np.float64(start), np.float64(end)
        step, wide = (high - low) / (steps - 1), np.longdouble
    else:  # integers: in float64 from the truncated ends, truncated at the end
        low, high = kind.type(start), kind.type(end)
        step, wide = (np.float64(high) - np.float64(low)) / (steps - 1), np.longdouble
    index = np.arange(steps)
    rising = wide(low) + wide(step) * index
    falling = wide(high) - wide(step) * (steps - 1 - index)
    return np.where(index < steps // 2, rising, falling).astype(np.float64).astype(kind)


def _spaced_half(low: np.float16, high: np.float16, steps: int) -> np.ndarray:
    """``_spaced`` in float16, where PyTorch rounds after every operation (in float32)."""
    single = np.float32
    step = np.float16(single(np.float16(single(high) - single(low))) / single(steps - 1))
    index = np.arange(steps)

    def offset(count: np.ndarray) -> np.ndarray:
        return (single(step) * count.astype(single)).astype(np.float16).astype(single)

    rising = single(low) + offset(index)
    falling = single(high) - offset(steps - 1 - index)
    return np.where(index < steps // 2, rising, falling).astype(np.float16)


def eye(
    n: int, m: int | None = None, *, dtype: dtype | None = None, requires_grad: bool = False
) -> Tensor:
    """The identity matrix, ``n`` × ``m`` (square by default)."""
    dt = _dtype.default_float if dtype is None else _dtype.check(dtype, "eye")
    return _finish("eye", np.eye(n, n if m is None else m, dtype=dt.numpy), None, requires_grad)
