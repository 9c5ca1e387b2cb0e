"""Reductions: sum, mean, max, min — over everything or along dimensions."""

from __future__ import annotations

from typing import Any

import numpy as np

from minigrad import _dtype
from minigrad.autograd.graph import Function
from minigrad.ops._apply import apply
from minigrad.tensor import Tensor, wrap_dim


def _expand_back(
    grad: Tensor, dims: tuple[int, ...], keepdim: bool, shape: tuple[int, ...]
) -> Tensor:
    """Spread a reduced gradient back over the shape it was reduced from."""
    if not keepdim:
        for dim in sorted(dims):
            grad = grad.unsqueeze(dim)
    return grad.expand(shape)


class SumBackward0(Function):
    formula = "Σ self"
    rules = ("grad copied to every element",)

    def forward(self, a: Tensor) -> np.ndarray:
        self.save(self_sym_sizes=a._data.shape)
        return np.asarray(np.add.reduce(a._data, axis=None, dtype=_sum_type(a)))

    def backward(self, grad: Tensor) -> Tensor:
        return grad.expand(self._saved_self_sym_sizes)


class SumBackward1(Function):
    formula = "Σ self along dim"
    rules = ("grad copied along dim",)

    def forward(self, a: Tensor, dim: tuple[int, ...], keepdim: bool) -> np.ndarray:
        self.save(dim=dim, keepdim=keepdim, self_sym_sizes=a._data.shape)
        return np.asarray(np.add.reduce(a._data, axis=dim, keepdims=keepdim, dtype=_sum_type(a)))

    def backward(self, grad: Tensor) -> Tensor:
        return _expand_back(grad, self._saved_dim, self._saved_keepdim, self._saved_self_sym_sizes)


class MeanBackward0(Function):
    formula = "Σ self / numel"
    rules = ("grad / numel, copied to every element",)

    def forward(self, a: Tensor) -> np.ndarray:
        self.save(self_sym_sizes=a._data.shape, self_sym_numel=a._data.size)
        total = np.add.reduce(a._data, axis=None)
        return np.asarray(total / a._data.size, dtype=a._data.dtype)  # nan when empty

    def backward(self, grad: Tensor) -> Tensor:
        return (grad / self._saved_self_sym_numel).expand(self._saved_self_sym_sizes)


class MeanBackward1(Function):
    formula = "Σ self / n along dim"
    rules = ("grad / n, copied along dim",)

    def forward(self, a: Tensor, dim: tuple[int, ...], keepdim: bool) -> np.ndarray:
        shape = a._data.shape
        self.save(dim=dim, keepdim=keepdim, self_sym_sizes=shape, self_sym_numel=a._data.size)
        with np.errstate(all="ignore"):  # inf − inf is nan, silently, as in PyTorch
            mean = a._data.mean(axis=dim, keepdims=keepdim)
        return np.asarray(mean, dtype=a._data.dtype)

    def backward(self, grad: Tensor) -> Tensor:
        shape = self._saved_self_sym_sizes
        count = int(np.prod([shape[d] for d in self._saved_dim]))
        return _expand_back(grad / count, self._saved_dim, self._saved_keepdim, shape)


class _ExtremumAll(Function):
    """max or min of all elements; ties share the gradient evenly, as in PyTorch."""

    rules = ("grad shared among the elements equal to result",)
    saves_result = True

    def forward(self, a: Tensor) -> np.ndarray:
        if a._data.size == 0:
            raise RuntimeError(
                f"{self.reducer.__name__}(): Expected reduction dim to be specified for "
                "input.numel() == 0. Specify the reduction dim with the 'dim' argument."
            )
        self.save(self=a)
        return np.asarray(self.reducer(a._data))

    def backward(self, grad: Tensor) -> Tensor:
        a, result = self._saved_self, self._saved_result
        winners = (a == result) | ((a != a) & (result != result))  # a NaN maximum wins too
        return winners * (grad / winners.sum())


class MaxBackward1(_ExtremumAll):
    formula = "max(self)"
    reducer = staticmethod(np.max)


class MinBackward1(_ExtremumAll):
    formula = "min(self)"
    reducer = staticmethod(np.min)


class _ExtremumDim(Function):
    """max or min along one dimension: the gradient goes to the chosen index."""

    rules = ("grad sent to the index that was chosen",)

    def forward(self, a: Tensor, dim: int, keepdim: bool, indices: np.ndarray) -> np.ndarray:
        self.save(dim=dim, keepdim=keepdim, indices=indices, self_sym_sizes=a._data.shape)
        values = np.take_along_axis(a._data, indices, axis=dim)
        return values if keepdim else values.squeeze(dim)

    def backward(self, grad: Tensor) -> Tensor:
        dim = self._saved_dim
        if not self._saved_keepdim:
            grad = grad.unsqueeze(dim)
        return apply(
            GatherBackwardBackward0,
            grad,
            indices=self._saved_indices,
            dim=dim,
            shape=self._saved_self_sym_sizes,
        )


class MaxBackward0(_ExtremumDim):
    formula = "max(self, dim)"


class MinBackward0(_ExtremumDim):
    formula = "min(self, dim)"


class GatherBackwardBackward0(Function):
    """Place ``grad`` at ``indices`` along ``dim`` in zeros of ``shape`` (max/min's backward)."""

    formula = "grad scattered to indices"
    rules = ("grad gathered from indices",)
    input_names = ("grad",)

    def forward(self, grad: Tensor, indices: np.ndarray, dim: int, shape: tuple) -> np.ndarray:
        self.save(indices=indices, dim=dim)
        out = np.zeros(shape, dtype=grad._data.dtype)
        np.put_along_axis(out, indices, grad._data, axis=dim)
        return out

    def backward(self, grad: Tensor) -> Tensor:
        return apply(GatherBackward0, grad, indices=self._saved_indices, dim=self._saved_dim)


class GatherBackward0(Function):
    """The elements of ``grad`` at ``indices`` along ``dim`` (the backward of the above)."""

    formula = "self gathered at indices"
    rules = ("grad scattered to indices",)

    def forward(self, a: Tensor, indices: np.ndarray, dim: int) -> np.ndarray:
        self.save(indices=indices, dim=dim, self_sym_sizes=a._data.shape)
        return np.take_along_axis(a._data, indices, axis=dim)

    def backward(self, grad: Tensor) -> Tensor:
        return apply(
            GatherBackwardBackward0,
            grad,
            indices=self._saved_indices,
            dim=self._saved_dim,
            shape=self._saved_self_sym_sizes,
        )


def _sum_type(a: Tensor) -> Any:
    """Integer and bool sums are int64 in PyTorch."""
    return np.int64 if a._data.dtype.kind in "biu" else a._data.dtype


def _dims(dim: Any, ndim: int) -> tuple[int, ...]:
    dims = (dim,) if isinstance(dim, (int, np.integer)) else tuple(dim)
    if not dims:  # sum(dim=()) reduces over every dimension, as in PyTorch
        dims = tuple(range(ndim))
    wrapped = tuple(wrap_dim(d, ndim) for d in dims)
    if len(set(wrapped)) != len(wrapped):
        raise RuntimeError(f"dim {wrapped[0]} appears multiple times in the list of dims")
    return wrapped if ndim else ()  # a 0-d tensor accepts dim 0 and -1 and is its own sum


def sum(input: Tensor, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
    """Sum of all elements, or along ``dim`` (an int or a tuple of ints)."""
    if dtype is not None:
        input = input.to(_dtype.check(dtype, "sum"))
    if dim is None:
        return apply(SumBackward0, input)
    return apply(SumBackward1, input, dim=_dims(dim, input._data.ndim), keepdim=keepdim)


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
        return apply(MeanBackward0, input)
    return apply(MeanBackward1, input, dim=_dims(dim, input._data.ndim), keepdim=keepdim)


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
        return apply(all_op, input)
    d = wrap_dim(dim, input._data.ndim)
    source = input if input._data.ndim else input.reshape(1)
    if source._data.shape[d] == 0:
        raise IndexError(f"{kind.__name__}(): Expected reduction dim {d} to have non-zero size.")
    arg = np.argmax if kind is _MaxResult else np.argmin
    indices = np.expand_dims(arg(source._data, axis=d), d)
    values = apply(dim_op, source, dim=d, keepdim=keepdim, indices=indices)
    if not keepdim:
        indices = indices.squeeze(d)
    if not input._data.ndim:
        values, indices = values.reshape(()), indices.reshape(())
    return kind((values, Tensor._make(indices.astype(np.int64, copy=False))))


def max(input: Tensor, dim: Any = None, keepdim: bool = False) -> Any:
    """The largest element, or ``(values, indices)`` along ``dim``."""
    return _extremum(input, dim, keepdim, (MaxBackward1, MaxBackward0), _MaxResult)


def min(input: Tensor, dim: Any = None, keepdim: bool = False) -> Any:
    """The smallest element, or ``(values, indices)`` along ``dim``."""
    return _extremum(input, dim, keepdim, (MinBackward1, MinBackward0), _MinResult)


def argmax(input: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor:
    """Index of the largest element (of the flattened tensor when ``dim`` is None)."""
    if dim is None:
        return Tensor._make(np.asarray(np.argmax(input._data), dtype=np.int64))
    return max(input, dim, keepdim).indices


def argmin(input: Tensor, dim: Any = None, keepdim: bool = False) -> Tensor:
    """Index of the smallest element (of the flattened tensor when ``dim`` is None)."""
    if dim is None:
        return Tensor._make(np.asarray(np.argmin(input._data), dtype=np.int64))
    return min(input, dim, keepdim).indices
