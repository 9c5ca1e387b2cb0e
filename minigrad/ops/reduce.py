"""Reductions: sum, mean, max, min — over everything or along dimensions."""

from __future__ import annotations

from typing import Any

import numpy as np

from minigrad import _dtype
from minigrad.autograd.function import Function
from minigrad.ops import _xp, bounds
from minigrad.tensor import Tensor, tensor_method, wrap_dim


class SumBackward0(Function):
    formula = "Σ self"
    rules = ("grad copied to every element",)
    saved = ("self_sym_sizes",)

    @staticmethod
    def forward(a: np.ndarray) -> np.ndarray:
        return np.add.reduce(a, axis=None, dtype=_sum_type(a))

    def backward(self, grad: Any, sizes: tuple[int, ...]) -> Any:
        return _xp.expand(grad, sizes)


class SumBackward1(Function):
    formula = "Σ self along dim"
    rules = ("grad copied along dim",)
    saved = ("dim", "keepdim", "self_sym_sizes")

    @staticmethod
    def forward(a: np.ndarray, dim: tuple[int, ...], keepdim: bool) -> np.ndarray:
        return np.add.reduce(a, axis=dim, keepdims=keepdim, dtype=_sum_type(a))

    def backward(self, grad: Any, dim: tuple[int, ...], keepdim: bool, sizes: tuple) -> Any:
        return _xp.expand(grad if keepdim else _xp.unsqueeze(grad, dim), sizes)


class MeanBackward0(Function):
    formula = "Σ self / numel"
    rules = ("grad / numel, copied to every element",)
    saved = ("self_sym_sizes", "self_sym_numel")

    @staticmethod
    def forward(a: np.ndarray) -> np.ndarray:
        return np.asarray(np.add.reduce(a, axis=None) / a.size, dtype=a.dtype)  # nan when empty

    def backward(self, grad: Any, sizes: tuple[int, ...], numel: int) -> Any:
        return _xp.expand(grad / numel, sizes)


class MeanBackward1(Function):
    formula = "Σ self / n along dim"
    rules = ("grad / n, copied along dim",)
    saved = ("dim", "keepdim", "self_sym_sizes", "self_sym_numel")

    @staticmethod
    def forward(a: np.ndarray, dim: tuple[int, ...], keepdim: bool) -> np.ndarray:
        with np.errstate(all="ignore"):  # inf − inf is nan, silently, as in PyTorch
            return np.asarray(a.mean(axis=dim, keepdims=keepdim), dtype=a.dtype)

    def backward(
        self, grad: Any, dim: tuple[int, ...], keepdim: bool, sizes: tuple, numel: int
    ) -> Any:
        count = int(np.prod([sizes[d] for d in dim]))
        grad = grad / count
        return _xp.expand(grad if keepdim else _xp.unsqueeze(grad, dim), sizes)


class _ExtremumAll(Function):
    """max or min of all elements; ties share the gradient evenly, as in PyTorch."""

    rules = ("grad shared among the elements equal to result",)
    saved = ("self", "result")

    def backward(self, grad: Any, a: Any, result: Any) -> Any:
        winners = (a == result) | ((a != a) & (result != result))  # a NaN maximum wins too
        return winners * (grad / winners.sum())


class MaxBackward1(_ExtremumAll):
    formula = "max(self)"
    forward = staticmethod(np.max)


class MinBackward1(_ExtremumAll):
    formula = "min(self)"
    forward = staticmethod(np.min)


class _ExtremumDim(Function):
    """max or min along one dimension: the gradient goes to the chosen index."""

    rules = ("grad sent to the index that was chosen",)
    saved = ("dim", "keepdim", "indices", "self_sym_sizes")

    @staticmethod
    def forward(a: np.ndarray, dim: int, keepdim: bool, indices: np.ndarray) -> np.ndarray:
        values = np.take_along_axis(a, indices, axis=dim)
        return values if keepdim else values.squeeze(dim)

    def backward(
        self, grad: Any, dim: int, keepdim: bool, indices: np.ndarray, sizes: tuple
    ) -> Any:
        grad = grad if keepdim else _xp.unsqueeze(grad, (dim,))
        return GatherBackwardBackward0.apply(grad, indices=indices, dim=dim, shape=sizes)


class MaxBackward0(_ExtremumDim):
    formula = "max(self, dim)"


class MinBackward0(_ExtremumDim):
    formula = "min(self, dim)"


class GatherBackwardBackward0(Function):
    """Place ``grad`` at ``indices`` along ``dim`` in zeros of ``shape`` (max/min's backward)."""

    formula = "grad scattered to indices"
    rules = ("grad gathered from indices",)
    input_names = ("grad",)
    saved = ("indices", "dim")

    @staticmethod
    def forward(grad: np.ndarray, indices: np.ndarray, dim: int, shape: tuple) -> np.ndarray:
        out = np.zeros(shape, dtype=grad.dtype)
        where = list(np.indices(indices.shape, sparse=True))
        where[dim] = indices
        np.add.at(out, tuple(where), grad)  # an index given twice gets both gradients
        return out

    def backward(self, grad: Any, indices: np.ndarray, dim: int) -> Any:
        return GatherBackward0.apply(grad, indices=indices, dim=dim)


class GatherBackward0(Function):
    """The elements of ``grad`` at ``indices`` along ``dim`` (the backward of the above)."""

    formula = "self gathered at indices"
    rules = ("grad scattered to indices",)
    saved = ("indices", "dim", "self_sym_sizes")

    @staticmethod
    def forward(a: np.ndarray, indices: np.ndarray, dim: int) -> np.ndarray:
        return np.take_along_axis(a, indices, axis=dim)

    def backward(self, grad: Any, indices: np.ndarray, dim: int, sizes: tuple) -> Any:
        return GatherBackwardBackward0.apply(grad, indices=indices, dim=dim, shape=sizes)


def _sum_type(a: np.ndarray) -> Any:
    """Integer and bool sums are int64 in PyTorch."""
    return np.int64 if a.dtype.kind in "biu" else a.dtype


def _dims(dim: Any, ndim: int) -> tuple[int, ...]:
    dims = (dim,) if isinstance(dim, (int, np.integer)) else tuple(dim)
    if not dims:  # sum(dim=()) reduces over every dimension, as in PyTorch
        dims = tuple(range(ndim))
    wrapped = tuple(wrap_dim(d, ndim) for d in dims)
    if len(set(wrapped)) != len(wrapped):
        raise RuntimeError(f"dim {wrapped[0]} appears multiple times in the list of dims")
    return wrapped if ndim else ()  # a 0-d tensor accepts dim 0 and -1 and is its own sum


@tensor_method("sum")
def sum(input: Tensor, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
    """Sum of all elements, or along ``dim`` (an int or a tuple of ints)."""
    if dtype is not None:
        input = input.to(_dtype.check(dtype, "sum"))
    if dim is None:
        return SumBackward0.apply(input)
    return SumBackward1.apply(input, dim=_dims(dim, input._data.ndim), keepdim=keepdim)


@tensor_method("mean")
def mean(input: Tensor, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
    """Mean of all elements, or along ``dim``; defined for floating-point tensors."""
    if dtype is not None:
        input = input.to(_dtype.check(dtype, "mean"))
    if input._data.dtype.kind != "f":
        raise RuntimeError(
            "mean(): could not infer output dtype. Input dtype must be either a floating point "
            f"or complex dtype. Got: {input.dtype.title}"
        )
    if dim is None:
        return MeanBackward0.apply(input)
    return MeanBackward1.apply(input, dim=_dims(dim, input._data.ndim), keepdim=keepdim)


class _ReturnType(tuple):
    """``(values, indices)`` printed as PyTorch's ``torch.return_types.max(...)``."""

    __slots__ = ()

    @property
    def values(self) -> Tensor:
        return self[0]

    @property
    def indices(self) -> Tensor:
        return self[1]

    def __repr__(self) -> str:
        name = type(self).__name__
        return f"torch.return_types.{name}(\nvalues={self[0]!r},\nindices={self[1]!r})"


# named as PyTorch's classes are: type(x.max(0)).__name__ == "max"
_MaxResult = type("max", (_ReturnType,), {"__slots__": ()})
_MinResult = type("min", (_ReturnType,), {"__slots__": ()})


def _extremum(input: Tensor, dim: Any, keepdim: bool, ops: tuple, kind: type) -> Any:
    all_op, dim_op = ops
    if dim is None:
        if input._data.size == 0:
            raise RuntimeError(
                f"{kind.__name__}(): Expected reduction dim to be specified for "
                "input.numel() == 0. Specify the reduction dim with the 'dim' argument."
            )
        return all_op.apply(input)
    d = wrap_dim(dim, input._data.ndim)
    source = input if input._data.ndim else input.reshape(1)
    if source._data.shape[d] == 0:
        raise IndexError(f"{kind.__name__}(): Expected reduction dim {d} to have non-zero size.")
    arg = np.argmax if kind is _MaxResult else np.argmin
    indices = np.expand_dims(arg(source._data, axis=d), d)
    values = dim_op.apply(source, dim=d, keepdim=keepdim, indices=indices)
    if not keepdim:
        indices = indices.squeeze(d)
    if not input._data.ndim:
        values, indices = values.reshape(()), indices.reshape(())
    return kind((values, Tensor._make(indices.astype(np.int64, copy=False))))


@tensor_method("max")
def max(input: Tensor, dim: Any = None, keepdim: bool = False) -> Any:
    """The largest element, or ``(values, indices)`` along ``dim``; ``max(a, b)`` is
    ``maximum(a, b)``."""
    if isinstance(dim, Tensor):
        return bounds.maximum(input, dim)
    return _extremum(input, dim, keepdim, (MaxBackward1, MaxBackward0), _MaxResult)


@tensor_method("min")
def min(input: Tensor, dim: Any = None, keepdim: bool = False) -> Any:
    """The smallest element, or ``(values, indices)`` along ``dim``; ``min(a, b)`` is
    ``minimum(a, b)``."""
    if isinstance(dim, Tensor):
        return bounds.minimum(input, dim)
    return _extremum(input, dim, keepdim, (MinBackward1, MinBackward0), _MinResult)


@tensor_method("argmax")
def argmax(input: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor:
    """Index of the largest element (of the flattened tensor when ``dim`` is None)."""
    if input._data.dtype == np.bool_:
        raise RuntimeError("argmax(): does not support bool input")
    if dim is None:
        return Tensor._make(np.asarray(np.argmax(input._data), dtype=np.int64))
    return max(input, dim, keepdim).indices


@tensor_method("argmin")
def argmin(input: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor:
    """Index of the smallest element (of the flattened tensor when ``dim`` is None)."""
    if input._data.dtype == np.bool_:
        raise RuntimeError("argmin(): does not support bool input")
    if dim is None:
        return Tensor._make(np.asarray(np.argmin(input._data), dtype=np.int64))
    return min(input, dim, keepdim).indices
