"""Comparisons and logic: results are bool tensors without history (no gradient flows)."""

from __future__ import annotations

from typing import Any

import numpy as np

from minigrad import _dtype
from minigrad.ops._operands import operands
from minigrad.ops.reduce import _dims
from minigrad.tensor import Tensor, tensor_method


def _data(value: Any) -> Any:
    return value._data if isinstance(value, Tensor) else value


def _compare(ufunc: np.ufunc, input: Tensor, other: Any) -> Tensor:
    if isinstance(other, Tensor):
        input, other = operands(input, other)
    return Tensor._make(np.asarray(ufunc(input._data, _data(other))))


@tensor_method("eq")
@tensor_method("__eq__", operator=True)
def eq(input: Tensor, other: Any) -> Tensor:
    """``input == other``, elementwise."""
    return _compare(np.equal, input, other)


@tensor_method("ne")
@tensor_method("__ne__", operator=True)
def ne(input: Tensor, other: Any) -> Tensor:
    """``input != other``, elementwise."""
    return _compare(np.not_equal, input, other)


@tensor_method("lt")
@tensor_method("__lt__", operator=True)
def lt(input: Tensor, other: Any) -> Tensor:
    """``input < other``, elementwise."""
    return _compare(np.less, input, other)


@tensor_method("le")
@tensor_method("__le__", operator=True)
def le(input: Tensor, other: Any) -> Tensor:
    """``input <= other``, elementwise."""
    return _compare(np.less_equal, input, other)


@tensor_method("gt")
@tensor_method("__gt__", operator=True)
def gt(input: Tensor, other: Any) -> Tensor:
    """``input > other``, elementwise."""
    return _compare(np.greater, input, other)


@tensor_method("ge")
@tensor_method("__ge__", operator=True)
def ge(input: Tensor, other: Any) -> Tensor:
    """``input >= other``, elementwise."""
    return _compare(np.greater_equal, input, other)


def _bitwise(ufunc: np.ufunc, input: Tensor, other: Any) -> Tensor:
    """Bitwise on integers, logical on bools, refused for floats."""
    right = np.asarray(_data(other))
    for data in (input._data, right):
        if data.dtype.kind == "f":
            raise NotImplementedError(
                f'"{ufunc.__name__}_cpu" not implemented for '
                f"'{_dtype.from_numpy_dtype(data.dtype).title}'"
            )
    return Tensor._make(np.asarray(ufunc(input._data, right)))


@tensor_method("__and__", operator=True)
def bitwise_and(input: Tensor, other: Any) -> Tensor:
    """``input & other``."""
    return _bitwise(np.bitwise_and, input, other)


@tensor_method("__or__", operator=True)
def bitwise_or(input: Tensor, other: Any) -> Tensor:
    """``input | other``."""
    return _bitwise(np.bitwise_or, input, other)


@tensor_method("__xor__", operator=True)
def bitwise_xor(input: Tensor, other: Any) -> Tensor:
    """``input ^ other``."""
    return _bitwise(np.bitwise_xor, input, other)


@tensor_method("__invert__")
def bitwise_not(input: Tensor) -> Tensor:
    """``~input``: bitwise not of integers, logical not of bools."""
    if input._data.dtype.kind == "f":
        raise TypeError(
            "~ (operator.invert) is only implemented on integer and Boolean-type tensors"
        )
    return Tensor._make(np.invert(input._data))


@tensor_method("isclose")
def isclose(
    input: Tensor, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False
) -> Tensor:
    """Elementwise ``|input − other| ≤ atol + rtol·|other|``, as a bool tensor."""
    a, b = operands(input, other)
    return Tensor._make(np.asarray(np.isclose(_data(a), _data(b), rtol, atol, equal_nan)))


@tensor_method("allclose")
def allclose(
    input: Tensor, other: Tensor, rtol: float = 1e-05, atol: float = 1e-08, equal_nan: bool = False
) -> bool:
    """True when every element of ``input`` is close to ``other`` (see ``isclose``)."""
    return bool(isclose(input, other, rtol, atol, equal_nan)._data.all())


@tensor_method("equal")
def equal(input: Tensor, other: Tensor) -> bool:
    """True when both tensors have the same shape and the same elements."""
    return input._data.shape == other._data.shape and bool((input._data == other._data).all())


def _truth(reduce: Any, input: Tensor, dim: Any, keepdim: bool) -> Tensor:
    """``reduce`` (np.all or np.any) over ``dim`` (None: everything; an int or a tuple;
    ``()``: nothing, as in PyTorch). The result is bool, uint8 for uint8 (PyTorch's rule)."""
    if dim is None:
        axes = None
    else:
        given = (dim,) if isinstance(dim, (int, np.integer)) else tuple(dim)
        axes = _dims(given, input._data.ndim) if given else ()
    found = np.asarray(reduce(input._data, axis=axes, keepdims=keepdim))
    return Tensor._make(found.astype(np.uint8) if input._data.dtype == np.uint8 else found)


@tensor_method("all")
def all(input: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor:
    """Whether every element (along ``dim``, an int or a tuple) is nonzero, as a bool tensor."""
    return _truth(np.all, input, dim, keepdim)


@tensor_method("any")
def any(input: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor:
    """Whether some element (along ``dim``, an int or a tuple) is nonzero, as a bool tensor."""
    return _truth(np.any, input, dim, keepdim)


def _test(ufunc: np.ufunc, input: Tensor, name: str) -> Tensor:
    if not isinstance(input, Tensor):
        raise TypeError(
            f"{name}(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}"
        )
    return Tensor._make(np.asarray(ufunc(input._data)))


@tensor_method("isfinite")
def isfinite(input: Tensor) -> Tensor:
    """True where an element is neither inf, -inf nor nan."""
    return _test(np.isfinite, input, "isfinite")


@tensor_method("isnan")
def isnan(input: Tensor) -> Tensor:
    """True where an element is nan."""
    return _test(np.isnan, input, "isnan")


@tensor_method("isinf")
def isinf(input: Tensor) -> Tensor:
    """True where an element is inf or -inf."""
    return _test(np.isinf, input, "isinf")
