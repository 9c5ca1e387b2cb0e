"""Indexing and joining: ``t[key]``, select, slices, masks, cat and stack."""

from __future__ import annotations

from typing import Any

import numpy as np

from minigrad import _dtype
from minigrad.autograd.function import Function
from minigrad.ops import _xp
from minigrad.ops._operands import cast
from minigrad.ops.reduce import GatherBackward0
from minigrad.ops.views import unsqueeze
from minigrad.tensor import Tensor, tensor_method, wrap_dim


class AliasBackward0(Function):
    formula = "self, as it is (x[...])"
    rules = ("grad",)
    is_view = True

    @staticmethod
    def forward(a: np.ndarray) -> np.ndarray:
        return a.view()

    def backward(self, grad: Any) -> Any:
        return grad


class SelectBackward0(Function):
    formula = "self[index] along dim"
    rules = ("grad placed at index, zeros elsewhere",)
    saved = ("dim", "index", "self_sym_sizes")
    is_view = True

    @staticmethod
    def forward(a: np.ndarray, dim: int, index: int) -> np.ndarray:
        return a[(slice(None),) * dim + (index, Ellipsis)]  # a view, even when 0-d

    def backward(self, grad: Any, dim: int, index: int, sizes: tuple[int, ...]) -> Any:
        return IndexPutBackward0.apply(grad, indices=(slice(None),) * dim + (index,), shape=sizes)


class SliceBackward0(Function):
    formula = "self[start:end:step] along dim"
    rules = ("grad placed in the slice, zeros elsewhere",)
    saved = ("dim", "start", "end", "step", "self_sym_sizes")
    is_view = True

    @staticmethod
    def forward(a: np.ndarray, dim: int, start: int, end: int, step: int) -> np.ndarray:
        return a[(slice(None),) * dim + (slice(start, end, step),)]

    def backward(self, grad: Any, dim: int, start: int, end: int, step: int, sizes: tuple) -> Any:
        key = (slice(None),) * dim + (slice(start, end, step),)
        return IndexPutBackward0.apply(grad, indices=key, shape=sizes)


class IndexBackward0(Function):
    formula = "self[indices]"
    rules = ("grad added at indices, zeros elsewhere",)
    saved = ("indices", "self_sym_sizes")

    @staticmethod
    def forward(a: np.ndarray, indices: Any) -> np.ndarray:
        return a[indices]

    def backward(self, grad: Any, indices: Any, sizes: tuple[int, ...]) -> Any:
        return IndexPutBackward0.apply(grad, indices=indices, shape=sizes)


class IndexPutBackward0(Function):
    """Zeros of ``shape`` with ``grad`` added at ``key``: the backward of every indexing op."""

    formula = "zeros with self added at indices"
    rules = ("grad[indices]",)
    input_names = ("grad",)
    saved = ("indices",)

    @staticmethod
    def forward(grad: np.ndarray, indices: Any, shape: tuple[int, ...]) -> np.ndarray:
        out = np.zeros(shape, dtype=grad.dtype)
        np.add.at(out, indices, grad)  # repeated indices must add up
        return out

    def backward(self, grad: Any, indices: Any) -> Any:
        return IndexBackward0.apply(grad, indices=indices)


class MaskedFillBackward0(Function):
    formula = "self with value where mask"
    rules = ("grad where not mask, zeros elsewhere",)
    saved = ("mask",)

    @staticmethod
    def forward(a: np.ndarray, mask: np.ndarray, value: Any) -> np.ndarray:
        return np.where(mask, np.asarray(value, dtype=a.dtype), a)

    def backward(self, grad: Any, mask: Any) -> Any:
        return MaskedFillBackward0.apply(grad, mask=np.asarray(mask), value=0)


class MaskedFillBackward1(Function):
    """``masked_fill`` with a 0-d tensor as the value: the value gets a gradient too."""

    formula = "self with value where mask"
    rules = ("grad where not mask, zeros elsewhere", "the sum of grad where mask")
    input_names = ("self", "value")
    saved = ("mask",)

    @staticmethod
    def forward(a: np.ndarray, value: np.ndarray, mask: np.ndarray) -> np.ndarray:
        return np.where(mask, value.astype(a.dtype), a)

    def backward(self, grad: Any, mask: Any) -> tuple:
        zeros = _xp.zeros_like(grad)
        return _xp.where(mask, zeros, grad), _xp.where(mask, grad, zeros)


class CatBackward0(Function):
    formula = "tensors joined along dim"
    rules = ("grad sliced back into the pieces",)
    input_names = ("tensors",)
    saved = ("dim", "sizes")

    @staticmethod
    def forward(*arrays: np.ndarray, dim: int, sizes: tuple[int, ...]) -> np.ndarray:
        return np.concatenate(arrays, axis=dim)

    def backward(self, grad: Any, dim: int, sizes: tuple[int, ...]) -> tuple:
        ends = np.cumsum(sizes).tolist()
        return tuple(
            grad[(slice(None),) * dim + (slice(end - size, end),)] for size, end in zip(sizes, ends)
        )


class StackBackward0(Function):
    formula = "tensors stacked along a new dim"
    rules = ("grad selected back into the pieces",)
    input_names = ("tensors",)
    saved = ("dim", "count")

    @staticmethod
    def forward(*arrays: np.ndarray, dim: int, count: int) -> np.ndarray:
        return np.stack(arrays, axis=dim)

    def backward(self, grad: Any, dim: int, count: int) -> tuple:
        return tuple(grad[(slice(None),) * dim + (i,)] for i in range(count))


class IndexSelectBackward0(Function):
    formula = "self[index] along dim"
    rules = ("grad added at index along dim, zeros elsewhere",)
    saved = ("dim", "index", "self_sym_sizes")

    @staticmethod
    def forward(a: np.ndarray, dim: int, index: np.ndarray) -> np.ndarray:
        return np.take(a, index, axis=dim)

    def backward(self, grad: Any, dim: int, index: np.ndarray, sizes: tuple) -> Any:
        key = (slice(None),) * dim + (index,)
        return IndexPutBackward0.apply(grad, indices=key, shape=sizes)


# -- the functions a learner calls -----------------------------------------------------------


@tensor_method("select")
def select(input: Tensor, dim: int, index: int) -> Tensor:
    """The slice at ``index`` along ``dim``, with that dimension removed."""
    if not input._data.ndim:
        raise IndexError("select() cannot be applied to a 0-dim tensor.")
    dim = wrap_dim(dim, input._data.ndim)
    size = input._data.shape[dim]
    if not -size <= index < size:
        raise IndexError(
            f"select(): index {index} out of range for tensor of size "
            f"[{', '.join(map(str, input._data.shape))}] at dimension {dim}"
        )
    return SelectBackward0.apply(input, dim=dim, index=int(index) % size)


def slice_dim(
    input: Tensor, dim: int, start: int | None, end: int | None, step: int | None
) -> Tensor:
    """``input[start:end:step]`` along ``dim``."""
    if step == 0:
        raise ValueError("slice step cannot be zero")
    if step is not None and step < 0:
        raise ValueError("step must be greater than zero")
    start, end, step = slice(start, end, step).indices(input._data.shape[dim])
    return SliceBackward0.apply(input, dim=dim, start=start, end=max(start, end), step=step)


def _is_advanced(key: Any) -> bool:
    return isinstance(key, (list, np.ndarray, Tensor, bool))


def _as_index(key: Any) -> Any:
    """A 0-d integer tensor indexes like an int (PyTorch records a select for it)."""
    if isinstance(key, Tensor) and key._data.ndim == 0 and key._data.dtype.kind in "iu":
        return int(key._data)
    return key


@tensor_method("__getitem__")
def getitem(input: Tensor, key: Any) -> Tensor:
    """``input[key]``, recorded as PyTorch records it: select, slice, unsqueeze, index, alias."""
    if isinstance(key, slice):  # a bare slice is always recorded, even ``x[:]``
        return slice_dim(input, 0, key.start, key.stop, key.step)
    keys = tuple(_as_index(k) for k in (key if isinstance(key, tuple) else (key,)))
    if any(_is_advanced(k) for k in keys):
        return _advanced_index(input, keys if isinstance(key, tuple) else keys[0])
    consumed = sum(1 for k in keys if k is not None and k is not Ellipsis)
    if consumed > input._data.ndim:
        if input._data.ndim == 0:
            raise IndexError(
                "invalid index of a 0-dim tensor. Use `tensor.item()` in Python or "
                "`tensor.item<T>()` in C++ to convert a 0-dim tensor to a number"
            )
        raise IndexError(f"too many indices for tensor of dimension {input._data.ndim}")
    out, dim = input, 0
    for position, k in enumerate(keys):
        out, dim = _index_one(out, dim, k, position, input._data.ndim - consumed)
    return AliasBackward0.apply(input) if out is input else out


def _index_one(out: Tensor, dim: int, k: Any, position: int, spanned: int) -> tuple[Tensor, int]:
    """Apply one basic index ``k`` at dimension ``dim`` of ``out``; the result and the next
    dimension. ``position`` is ``k``'s place in the key (PyTorch's errors count by it) and
    ``spanned`` how many dimensions an ellipsis stands for."""
    if k is None:
        return unsqueeze(out, dim), dim + 1
    if k is Ellipsis:
        return out, dim + spanned
    if isinstance(k, slice):
        return (out if k == slice(None) else slice_dim(out, dim, k.start, k.stop, k.step)), dim + 1
    if isinstance(k, (int, np.integer)):
        size = out._data.shape[dim]
        if not -size <= k < size:
            raise IndexError(
                f"index {k} is out of bounds for dimension {position} with size {size}"
            )
        return select(out, dim, int(k)), dim
    raise IndexError(
        "only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables "
        f"are valid indices (got {type(k).__name__})"
    )


def _advanced_index(input: Tensor, key: Any) -> Tensor:
    keys = key if isinstance(key, tuple) else (key,)
    indices = tuple(k._data if isinstance(k, Tensor) else k for k in keys)
    mask = indices[0] if len(indices) == 1 else None
    if isinstance(mask, np.ndarray) and mask.dtype == np.bool_:
        for position, (want, got) in enumerate(zip(mask.shape, input._data.shape)):
            if want != got:
                raise IndexError(
                    f"The shape of the mask [{', '.join(map(str, mask.shape))}] at index "
                    f"{position} does not match the shape of the indexed tensor "
                    f"[{', '.join(map(str, input._data.shape))}] at index {position}"
                )
    try:
        input._data[indices]
    except IndexError as error:
        raise IndexError(str(error).replace(" axis ", " dimension ")) from None
    return IndexBackward0.apply(input, indices=indices if isinstance(key, tuple) else indices[0])


@tensor_method("masked_fill")
def masked_fill(input: Tensor, mask: Tensor, value: Any) -> Tensor:
    """``input`` with ``value`` wherever ``mask`` is True."""
    if mask._data.dtype != np.bool_:
        raise RuntimeError(
            f"masked_fill_ only supports boolean masks, but got mask with dtype {mask.dtype.c_name}"
        )
    if isinstance(value, Tensor):
        if value._data.ndim:
            raise RuntimeError(
                "masked_fill_ only supports a 0-dimensional value tensor, but got tensor with "
                f"{value._data.ndim} dimension(s)."
            )
        return MaskedFillBackward1.apply(input, value, mask=mask._data)
    return MaskedFillBackward0.apply(input, mask=mask._data, value=value)


def cat(tensors: Any, dim: int = 0) -> Tensor:
    """Tensors joined along an existing dimension."""
    tensors = _tensor_list("cat", tensors)
    for position, t in enumerate(tensors):
        if t._data.ndim == 0:
            raise RuntimeError(
                f"zero-dimensional tensor (at position {position}) cannot be concatenated"
            )
    dim = wrap_dim(dim, tensors[0]._data.ndim)
    first = tensors[0]._data.shape
    for position, t in enumerate(tensors[1:], 1):
        shape = t._data.shape
        if len(shape) != len(first):
            raise RuntimeError(
                f"Tensors must have same number of dimensions: got {len(first)} and {len(shape)}"
            )
        for d, (a, b) in enumerate(zip(first, shape)):
            if d != dim and a != b:
                raise RuntimeError(
                    f"Sizes of tensors must match except in dimension {dim}. Expected size {a} "
                    f"but got size {b} for tensor number {position} in the list."
                )
    sizes = tuple(t._data.shape[dim] for t in tensors)
    return CatBackward0.apply(*_common(tensors), dim=dim, sizes=sizes)


def stack(tensors: Any, dim: int = 0) -> Tensor:
    """Tensors of one shape joined along a new dimension."""
    tensors = _tensor_list("stack", tensors)
    first = tensors[0]._data.shape
    for position, t in enumerate(tensors[1:], 1):
        if t._data.shape != first:
            raise RuntimeError(
                f"stack expects each tensor to be equal size, but got [{', '.join(map(str, first))}] "
                f"at entry 0 and [{', '.join(map(str, t._data.shape))}] at entry {position}"
            )
    dim = wrap_dim(dim, len(first) + 1)
    return StackBackward0.apply(*_common(tensors), dim=dim, count=len(tensors))


def _tensor_list(function: str, tensors: Any) -> list[Tensor]:
    if isinstance(tensors, Tensor) or not isinstance(tensors, (list, tuple)):
        raise TypeError(
            f"{function}(): argument 'tensors' (position 1) must be tuple of Tensors, not "
            f"{type(tensors).__name__}"
        )
    for position, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(
                f"expected Tensor as element {position} in argument 0, but got {type(t).__name__}"
            )
    if not tensors:
        raise (ValueError if function == "cat" else RuntimeError)(
            f"torch.{function}(): expected a non-empty list of Tensors"
            if function == "cat"
            else f"{function} expects a non-empty TensorList"
        )
    return list(tensors)


def _common(tensors: list[Tensor]) -> list[Tensor]:
    """The tensors cast to their promoted dtype, as cat and stack do."""
    dt = tensors[0].dtype
    for t in tensors[1:]:
        dt = _dtype.promote(dt, t.dtype)
    return [cast(t, dt) for t in tensors]


@tensor_method("narrow")
def narrow(input: Tensor, dim: int, start: int, length: int) -> Tensor:
    """``length`` elements along ``dim`` from ``start`` (a slice, sharing memory)."""
    dim = wrap_dim(dim, input._data.ndim)
    size = input._data.shape[dim]
    start = start + size if start < 0 else start
    if length < 0:
        raise RuntimeError("narrow(): length must be non-negative.")
    if not 0 <= start <= size or start + length > size:
        raise RuntimeError(f"start ({start}) + length ({length}) exceeds dimension size ({size}).")
    return slice_dim(input, dim, start, start + length, 1)


@tensor_method("index_select")
def index_select(input: Tensor, dim: int, index: Tensor) -> Tensor:
    """The slices at ``index`` (a 1-d integer tensor) along ``dim``."""
    if not isinstance(index, Tensor) or index._data.dtype.kind not in "iu":
        raise RuntimeError("index_select(): Expected dtype int32 or int64 for index")
    if index._data.ndim > 1:
        raise IndexError("index_select(): Index is supposed to be a vector")
    dim = wrap_dim(dim, input._data.ndim)
    flat = index._data.reshape(-1)
    size = input._data.shape[dim] if input._data.ndim else 1
    if flat.size and (flat.min() < -size or flat.max() >= size):
        raise IndexError("index out of range in self")
    return IndexSelectBackward0.apply(input, dim=dim, index=flat)


@tensor_method("gather")
def gather(input: Tensor, dim: int, index: Tensor) -> Tensor:
    """``out[i][j] = input[i][index[i][j]]`` along ``dim`` (for ``dim=1``; likewise others)."""
    if not isinstance(index, Tensor) or index._data.dtype.kind not in "iu":
        raise RuntimeError("gather(): Expected dtype int32/int64 for index")
    dim = wrap_dim(dim, input._data.ndim)
    if index._data.ndim != input._data.ndim:
        raise RuntimeError("Index tensor must have the same number of dimensions as input tensor")
    size = input._data.shape[dim]
    outside = index._data[(index._data < -size) | (index._data >= size)]
    if outside.size:
        raise RuntimeError(
            f"index {outside.flat[0]} is out of bounds for dimension {dim} with size {size}"
        )
    return GatherBackward0.apply(input, indices=index._data.astype(np.int64), dim=dim)
