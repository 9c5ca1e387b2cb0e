"""Ops that move elements without computing: views, indexing, joining."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from minigrad import _dtype
from minigrad.autograd import grad_mode
from minigrad.autograd.graph import Function
from minigrad.ops._apply import apply, cast
from minigrad.tensor import Tensor, wrap_dim

# -- views -----------------------------------------------------------------------------------


class ViewBackward0(Function):
    formula = "self with a new shape"
    rules = ("grad reshaped back to self's shape",)
    is_view = True

    def forward(self, a: Tensor, shape: tuple[int, ...]) -> np.ndarray:
        self.save(self_sym_sizes=a._data.shape)
        return a._data.reshape(shape)

    def backward(self, grad: Tensor) -> Tensor:
        return grad.reshape(self._saved_self_sym_sizes)


class PermuteBackward0(Function):
    formula = "self with dimensions reordered"
    rules = ("grad with the order undone",)
    is_view = True

    def forward(self, a: Tensor, dims: tuple[int, ...]) -> np.ndarray:
        self.save(dims=dims)
        return a._data.transpose(dims)

    def backward(self, grad: Tensor) -> Tensor:
        return apply(PermuteBackward0, grad, dims=tuple(np.argsort(self._saved_dims).tolist()))


class TBackward0(Function):
    formula = "selfᵀ"
    rules = ("gradᵀ",)
    is_view = True

    def forward(self, a: Tensor) -> np.ndarray:
        return a._data.T

    def backward(self, grad: Tensor) -> Tensor:
        return grad.t()


class TransposeBackward0(Function):
    formula = "self with dim0 and dim1 swapped"
    rules = ("grad with dim0 and dim1 swapped back",)
    is_view = True

    def forward(self, a: Tensor, dim0: int, dim1: int) -> np.ndarray:
        self.save(dim0=dim0, dim1=dim1)
        return np.swapaxes(a._data, dim0, dim1)

    def backward(self, grad: Tensor) -> Tensor:
        return grad.transpose(self._saved_dim0, self._saved_dim1)


class UnsqueezeBackward0(Function):
    formula = "self with a new dimension of size 1 at dim"
    rules = ("grad with dim removed",)
    is_view = True

    def forward(self, a: Tensor, dim: int) -> np.ndarray:
        self.save(dim=dim)
        return np.expand_dims(a._data, dim)

    def backward(self, grad: Tensor) -> Tensor:
        return grad.squeeze(self._saved_dim)


class SqueezeBackward0(Function):
    formula = "self without its dimensions of size 1"
    rules = ("grad reshaped back to self's shape",)
    is_view = True

    def forward(self, a: Tensor) -> np.ndarray:
        self.save(self_sym_sizes=a._data.shape)
        return a._data.squeeze()

    def backward(self, grad: Tensor) -> Tensor:
        return grad.reshape(self._saved_self_sym_sizes)


class SqueezeBackward1(Function):
    formula = "self without dimension dim (if its size is 1)"
    rules = ("grad with dim put back",)
    is_view = True

    def forward(self, a: Tensor, dim: int) -> np.ndarray:
        self.save(dim=dim, self_sym_sizes=a._data.shape)
        return a._data.squeeze(dim) if a._data.ndim and a._data.shape[dim] == 1 else a._data

    def backward(self, grad: Tensor) -> Tensor:
        return grad.reshape(self._saved_self_sym_sizes)


class ExpandBackward0(Function):
    formula = "self repeated along dimensions of size 1"
    rules = ("grad summed over the repeats",)
    is_view = True

    def forward(self, a: Tensor, shape: tuple[int, ...]) -> np.ndarray:
        self.save(self_sym_sizes=a._data.shape)
        return np.broadcast_to(a._data, shape)

    def backward(self, grad: Tensor) -> Tensor:
        return grad.sum_to_size(self._saved_self_sym_sizes)


# -- indexing --------------------------------------------------------------------------------


class AliasBackward0(Function):
    formula = "self, as it is (x[...])"
    rules = ("grad",)
    is_view = True

    def forward(self, a: Tensor) -> np.ndarray:
        return a._data.view()

    def backward(self, grad: Tensor) -> Tensor:
        return grad


class SelectBackward0(Function):
    formula = "self[index] along dim"
    rules = ("grad placed at index, zeros elsewhere",)
    is_view = True

    def forward(self, a: Tensor, dim: int, index: int) -> np.ndarray:
        self.save(dim=dim, index=index, self_sym_sizes=a._data.shape)
        return a._data[(slice(None),) * dim + (index, Ellipsis)]  # a view, even when 0-d

    def backward(self, grad: Tensor) -> Tensor:
        key = (slice(None),) * self._saved_dim + (self._saved_index,)
        return _place(grad, key, self._saved_self_sym_sizes)


class SliceBackward0(Function):
    formula = "self[start:end:step] along dim"
    rules = ("grad placed in the slice, zeros elsewhere",)
    is_view = True

    def forward(self, a: Tensor, dim: int, start: int, end: int, step: int) -> np.ndarray:
        self.save(dim=dim, start=start, end=end, step=step, self_sym_sizes=a._data.shape)
        return a._data[(slice(None),) * dim + (slice(start, end, step),)]

    def backward(self, grad: Tensor) -> Tensor:
        key = (slice(None),) * self._saved_dim + (
            slice(self._saved_start, self._saved_end, self._saved_step),
        )
        return _place(grad, key, self._saved_self_sym_sizes)


class IndexBackward0(Function):
    formula = "self[indices]"
    rules = ("grad added at indices, zeros elsewhere",)

    def forward(self, a: Tensor, indices: tuple) -> np.ndarray:
        self.save(indices=indices, self_sym_sizes=a._data.shape)
        return a._data[indices]

    def backward(self, grad: Tensor) -> Tensor:
        return _place(grad, self._saved_indices, self._saved_self_sym_sizes)


class IndexPutBackward0(Function):
    """Zeros of ``shape`` with ``grad`` added at ``key``: the backward of every indexing op."""

    formula = "zeros with self added at indices"
    rules = ("grad[indices]",)
    input_names = ("grad",)

    def forward(self, grad: Tensor, key: Any, shape: tuple[int, ...]) -> np.ndarray:
        self.save(indices=key)
        out = np.zeros(shape, dtype=grad._data.dtype)
        np.add.at(out, key, grad._data)  # repeated indices must add up
        return out

    def backward(self, grad: Tensor) -> Tensor:
        return apply(IndexBackward0, grad, indices=self._saved_indices)


def _place(grad: Tensor, key: Any, shape: tuple[int, ...]) -> Tensor:
    return apply(IndexPutBackward0, grad, key=key, shape=shape)


class MaskedFillBackward0(Function):
    formula = "self with value where mask"
    rules = ("grad where not mask, zeros elsewhere",)

    def forward(self, a: Tensor, mask: Tensor, value: Any) -> np.ndarray:
        self.save(mask=mask)
        return np.where(mask._data, np.asarray(value, dtype=a._data.dtype), a._data)

    def backward(self, grad: Tensor) -> Tensor:
        return grad.masked_fill(self._saved_mask, 0)


# -- joining ---------------------------------------------------------------------------------


class CatBackward0(Function):
    formula = "tensors joined along dim"
    rules = ("grad sliced back into the pieces",)
    input_names = ("tensors",)

    def forward(self, *tensors: Tensor, dim: int) -> np.ndarray:
        self.save(dim=dim)
        return np.concatenate([t._data for t in tensors], axis=dim)

    def backward(self, grad: Tensor) -> tuple:
        dim, start, grads = self._saved_dim, 0, []
        for shape in self._input_shapes:
            grads.append(slice_dim(grad, dim, start, start + shape[dim], 1))
            start += shape[dim]
        return tuple(grads)


class StackBackward0(Function):
    formula = "tensors stacked along a new dim"
    rules = ("grad selected back into the pieces",)
    input_names = ("tensors",)

    def forward(self, *tensors: Tensor, dim: int) -> np.ndarray:
        self.save(dim=dim)
        return np.stack([t._data for t in tensors], axis=dim)

    def backward(self, grad: Tensor) -> tuple:
        dim = self._saved_dim
        return tuple(grad.select(dim, i) for i in range(len(self._input_shapes)))


# -- the functions behind the Tensor methods --------------------------------------------------


def _sizes(function: str, args: tuple, argument: str = "size") -> tuple[int, ...]:
    """Sizes given as separate ints or as one sequence, with PyTorch's TypeError otherwise."""
    if len(args) == 1 and not _is_int(args[0]):
        if not isinstance(args[0], (tuple, list)):
            raise TypeError(
                f"{function}(): argument '{argument}' (position 1) must be tuple of ints, "
                f"not {type(args[0]).__name__}"
            )
        args = tuple(args[0])
    for position, size in enumerate(args):
        if not _is_int(size):
            raise TypeError(
                f"{function}(): argument '{argument}' failed to unpack the object at pos "
                f'{position + 1} with error "type must be tuple of ints,but got '
                f'{type(size).__name__}"'
            )
    return tuple(int(s) for s in args)


def _is_int(value: object) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def _infer_shape(shape: tuple[int, ...], numel: int) -> tuple[int, ...]:
    """Fill in one ``-1``; PyTorch's error when the shape cannot hold ``numel`` elements."""
    known = int(np.prod([s for s in shape if s != -1], dtype=np.int64))
    if shape.count(-1) > 1:
        raise RuntimeError("only one dimension can be inferred")
    if shape.count(-1) == 1 and known and numel % known == 0:
        return tuple(numel // known if s == -1 else s for s in shape)
    for index, size in enumerate(shape):
        if size < -1:
            raise RuntimeError(
                f"invalid shape dimension {size} at index {index} of shape "
                f"[{', '.join(map(str, shape))}]"
            )
    if -1 in shape or known != numel:
        raise RuntimeError(
            f"shape '[{', '.join(map(str, shape))}]' is invalid for input of size {numel}"
        )
    return shape


def reshape(input: Tensor, *shape: Any) -> Tensor:
    """The same elements in a new shape (one size may be -1)."""
    target = _infer_shape(_sizes("reshape", shape, "shape"), input._data.size)
    return apply(ViewBackward0, input, shape=target)


def view(input: Tensor, *shape: Any) -> Tensor:
    """The same elements in a new shape, sharing memory (one size may be -1)."""
    target = _infer_shape(_sizes("view", shape), input._data.size)
    return apply(ViewBackward0, input, shape=target)


def flatten(input: Tensor, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Dimensions ``start_dim`` … ``end_dim`` merged into one."""
    shape = input._data.shape
    if not shape:
        return reshape(input, 1)
    start, end = wrap_dim(start_dim, len(shape)), wrap_dim(end_dim, len(shape))
    if start > end:
        raise RuntimeError("flatten() has invalid args: start_dim cannot come after end_dim")
    if start == end:
        return input  # nothing to merge: PyTorch returns the tensor itself
    merged = int(np.prod(shape[start : end + 1], dtype=np.int64))
    return reshape(input, shape[:start] + (merged,) + shape[end + 1 :])


def permute(input: Tensor, *dims: Any) -> Tensor:
    """The dimensions in the order ``dims``."""
    if not dims:
        raise TypeError('permute() missing 1 required positional arguments: "dims"')
    order = _sizes("permute", dims)
    ndim = input._data.ndim
    if len(order) != ndim:
        raise RuntimeError(
            "permute(sparse_coo): number of dimensions in the tensor input does not match the "
            "length of the desired ordering of dimensions i.e. input.dim() = "
            f"{ndim} is not equal to len(dims) = {len(order)}"
        )
    order = tuple(wrap_dim(d, ndim) for d in order)
    if len(set(order)) != ndim:
        raise RuntimeError("permute(): duplicate dims are not allowed.")
    return apply(PermuteBackward0, input, dims=order)


def t(input: Tensor) -> Tensor:
    """The transpose of a matrix (vectors and scalars are returned as they are)."""
    if input._data.ndim > 2:
        raise RuntimeError(
            f"t() expects a tensor with <= 2 dimensions, but self is {input._data.ndim}D"
        )
    return apply(TBackward0, input)


_T_DEPRECATED = {
    0: "Tensor.T is deprecated on 0-D tensors. This function is the identity in these cases.",
    "other": "The use of `x.T` on tensors of dimension other than 2 to reverse their shape is "
    "deprecated and it will throw an error in a future release. Consider `x.mT` to transpose "
    "batches of matrices or `x.permute(*torch.arange(x.ndim - 1, -1, -1))` to reverse the "
    "dimensions of a tensor.",
}


def T(input: Tensor) -> Tensor:  # noqa: N802 - PyTorch's name
    """All dimensions reversed (``.T``); PyTorch warns for anything but a matrix."""
    ndim = input._data.ndim
    if ndim != 2:
        warnings.warn(_T_DEPRECATED.get(ndim, _T_DEPRECATED["other"]), UserWarning, stacklevel=2)
    return apply(PermuteBackward0, input, dims=tuple(range(ndim))[::-1])


def transpose(input: Tensor, dim0: int, dim1: int) -> Tensor:
    """Dimensions ``dim0`` and ``dim1`` swapped."""
    ndim = input._data.ndim
    return apply(TransposeBackward0, input, dim0=wrap_dim(dim0, ndim), dim1=wrap_dim(dim1, ndim))


def unsqueeze(input: Tensor, dim: int) -> Tensor:
    """A new dimension of size 1 inserted at ``dim``."""
    return apply(UnsqueezeBackward0, input, dim=wrap_dim(dim, input._data.ndim + 1))


def squeeze(input: Tensor, dim: int | None = None) -> Tensor:
    """Dimensions of size 1 removed (only ``dim``, when given)."""
    if dim is None:
        return apply(SqueezeBackward0, input)
    return apply(SqueezeBackward1, input, dim=wrap_dim(dim, input._data.ndim))


def expand(input: Tensor, *sizes: Any) -> Tensor:
    """A view repeating dimensions of size 1 to ``sizes`` (-1 keeps a size)."""
    if not sizes:
        raise TypeError('expand() missing 1 required positional arguments: "size"')
    target = _sizes("expand", sizes)
    shape = input._data.shape
    if len(target) < len(shape):
        raise RuntimeError(
            f"expand({input.type()}{{[{', '.join(map(str, shape))}]}}, size=[{', '.join(map(str, target))}]): "
            "the number of sizes provided "
            f"({len(target)}) must be greater or equal to the number of dimensions in the tensor "
            f"({len(shape)})"
        )
    offset = len(target) - len(shape)
    final = list(target)
    for i, size in enumerate(shape):
        wanted = target[offset + i]
        if wanted == -1:
            final[offset + i] = size
        elif size != 1 and size != wanted:
            raise RuntimeError(
                f"The expanded size of the tensor ({wanted}) must match the existing size ({size}) "
                f"at non-singleton dimension {offset + i}.  Target sizes: "
                f"[{', '.join(map(str, target))}].  Tensor sizes: [{', '.join(map(str, shape))}]"
            )
    final_shape = tuple(final)
    if final_shape == shape:
        return input if not input._requires_grad else apply(ExpandBackward0, input, shape=shape)
    return apply(ExpandBackward0, input, shape=final_shape)


def sum_to_size(input: Tensor, *size: Any) -> Tensor:
    """Summed over broadcast dimensions down to ``size`` (undoes broadcasting)."""
    target = _sizes("sum_to_size", size)
    shape = input._data.shape
    leading = len(shape) - len(target)
    dims = tuple(range(leading)) + tuple(
        leading + i for i, s in enumerate(target) if s == 1 and shape[leading + i] != 1
    )
    if not (grad_mode.state.enabled and input._requires_grad):
        # nothing to record (the engine undoing broadcasting, usually): one numpy sum
        summed = np.add.reduce(input._data, axis=dims, keepdims=True)
        return Tensor._make(np.asarray(summed).reshape(target))
    out = input.sum(dim=dims, keepdim=True) if dims else input
    return out.reshape(target) if leading else out


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
    return apply(SelectBackward0, input, dim=dim, index=int(index) % size)


def slice_dim(
    input: Tensor, dim: int, start: int | None, end: int | None, step: int | None
) -> Tensor:
    """``input[start:end:step]`` along ``dim``."""
    if step == 0:
        raise ValueError("slice step cannot be zero")
    if step is not None and step < 0:
        raise ValueError("step must be greater than zero")
    start, end, step = slice(start, end, step).indices(input._data.shape[dim])
    return apply(SliceBackward0, input, dim=dim, start=start, end=max(start, end), step=step)


def _is_advanced(key: Any) -> bool:
    return isinstance(key, (list, np.ndarray, Tensor, bool))


def _as_index(key: Any) -> Any:
    """A 0-d integer tensor indexes like an int (PyTorch records a select for it)."""
    if isinstance(key, Tensor) and key._data.ndim == 0 and key._data.dtype.kind in "iu":
        return int(key._data)
    return key


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
    return apply(AliasBackward0, input) if out is input else out


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
            raise IndexError(f"index {k} is out of bounds for dimension {position} with size {size}")
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
    return apply(IndexBackward0, input, indices=indices if isinstance(key, tuple) else indices[0])


def masked_fill(input: Tensor, mask: Tensor, value: Any) -> Tensor:
    """``input`` with ``value`` wherever ``mask`` is True."""
    if mask._data.dtype != np.bool_:
        raise RuntimeError(
            f"masked_fill_ only supports boolean masks, but got mask with dtype {mask.dtype.name}"
        )
    return apply(MaskedFillBackward0, input, mask=mask, value=value)


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
    return apply(CatBackward0, *_common(tensors), dim=dim)


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
    return apply(StackBackward0, *_common(tensors), dim=wrap_dim(dim, len(first) + 1))


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
