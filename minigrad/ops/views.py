"""Views: the same memory seen in another shape (reshape, permute, transpose, squeeze, unflatten,
expand)."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from minigrad.autograd import grad_mode
from minigrad.autograd.function import Function, sum_to
from minigrad.ops import _shapes, _xp
from minigrad.tensor import Tensor, tensor_method, wrap_dim


class ViewBackward0(Function):
    formula = "self with a new shape"
    rules = ("grad reshaped back to self's shape",)
    saved = ("self_sym_sizes",)
    is_view = True

    @staticmethod
    def forward(a: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
        return a.reshape(shape)

    def backward(self, grad: Any, sizes: tuple[int, ...]) -> Any:
        return grad.reshape(sizes)


class PermuteBackward0(Function):
    formula = "self with dimensions reordered"
    rules = ("grad with the order undone",)
    saved = ("dims",)
    is_view = True

    @staticmethod
    def forward(a: np.ndarray, dims: tuple[int, ...]) -> np.ndarray:
        return a.transpose(dims)

    def backward(self, grad: Any, dims: tuple[int, ...]) -> Any:
        return PermuteBackward0.apply(grad, dims=tuple(np.argsort(dims).tolist()))


class TBackward0(Function):
    formula = "selfᵀ"
    rules = ("gradᵀ",)
    is_view = True

    @staticmethod
    def forward(a: np.ndarray) -> np.ndarray:
        return a.T

    def backward(self, grad: Any) -> Any:
        return TBackward0.apply(grad)


class TransposeBackward0(Function):
    formula = "self with dim0 and dim1 swapped"
    rules = ("grad with dim0 and dim1 swapped back",)
    saved = ("dim0", "dim1")
    is_view = True

    @staticmethod
    def forward(a: np.ndarray, dim0: int, dim1: int) -> np.ndarray:
        return np.swapaxes(a, dim0, dim1)

    def backward(self, grad: Any, dim0: int, dim1: int) -> Any:
        return TransposeBackward0.apply(grad, dim0=dim0, dim1=dim1)


class UnsqueezeBackward0(Function):
    formula = "self with a new dimension of size 1 at dim"
    rules = ("grad with dim removed",)
    saved = ("dim",)
    is_view = True

    @staticmethod
    def forward(a: np.ndarray, dim: int) -> np.ndarray:
        return np.expand_dims(a, dim)

    def backward(self, grad: Any, dim: int) -> Any:
        return SqueezeBackward1.apply(grad, dim=dim)


class SqueezeBackward0(Function):
    formula = "self without its dimensions of size 1"
    rules = ("grad with the dimensions of size 1 put back",)
    saved = ("self_sym_sizes",)
    is_view = True

    @staticmethod
    def forward(a: np.ndarray) -> np.ndarray:
        return a.squeeze()

    def backward(self, grad: Any, sizes: tuple[int, ...]) -> Any:
        return _unsqueeze_to(grad, sizes, range(len(sizes)))


class SqueezeBackward1(Function):
    formula = "self without dimension dim (if its size is 1)"
    rules = ("grad with dim put back",)
    saved = ("dim", "self_sym_sizes")
    is_view = True

    @staticmethod
    def forward(a: np.ndarray, dim: int) -> np.ndarray:
        return a.squeeze(dim) if a.ndim and a.shape[dim] == 1 else a.view()

    def backward(self, grad: Any, dim: int, sizes: tuple[int, ...]) -> Any:
        return _unsqueeze_to(grad, sizes, (dim,))


class SqueezeBackward2(Function):
    """``squeeze`` with a tuple of dims; ``dim`` is saved as given (negative dims too)."""

    formula = "self without the dimensions in dim that have size 1"
    rules = ("grad with those dimensions put back",)
    saved = ("dim", "self_sym_sizes")
    is_view = True

    @staticmethod
    def forward(a: np.ndarray, dim: tuple[int, ...]) -> np.ndarray:
        ndim = a.ndim
        return a.squeeze(tuple(d % ndim for d in dim if a.shape[d] == 1) if ndim else ())

    def backward(self, grad: Any, dim: tuple[int, ...], sizes: tuple[int, ...]) -> Any:
        return _unsqueeze_to(grad, sizes, [d % max(len(sizes), 1) for d in dim])


def _unsqueeze_to(grad: Any, sizes: tuple[int, ...], dims: Any) -> Any:
    """``grad`` with the dimensions among ``dims`` that have size 1 in ``sizes`` put back, one
    ``unsqueeze`` each in increasing order, as PyTorch records it (nothing when there are none)."""
    put_back = tuple(sorted({d for d in dims if d < len(sizes) and sizes[d] == 1}))
    return _xp.unsqueeze(grad, put_back) if put_back else grad


class ExpandBackward0(Function):
    formula = "self repeated along dimensions of size 1"
    rules = ("grad summed over the repeats",)
    saved = ("self_sym_sizes",)
    is_view = True

    @staticmethod
    def forward(a: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
        return np.broadcast_to(a, shape)

    def backward(self, grad: Any, sizes: tuple[int, ...]) -> Any:
        return sum_to(grad, sizes)


# -- the functions a learner calls -----------------------------------------------------------


@tensor_method("reshape")
def reshape(input: Tensor, *shape: Any) -> Tensor:
    """The same elements in a new shape (one size may be -1)."""
    target = _shapes.infer_shape(_shapes.sizes("reshape", shape, "shape"), input._data.size)
    return ViewBackward0.apply(input, shape=target)


@tensor_method("view")
def view(input: Tensor, *shape: Any) -> Tensor:
    """The same elements in a new shape, sharing memory (one size may be -1)."""
    target = _shapes.infer_shape(_shapes.sizes("view", shape), input._data.size)
    return ViewBackward0.apply(input, shape=target)


@tensor_method("flatten")
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


@tensor_method("permute")
def permute(input: Tensor, *dims: Any) -> Tensor:
    """The dimensions in the order ``dims``."""
    if not dims:
        raise TypeError('permute() missing 1 required positional arguments: "dims"')
    order = _shapes.sizes("permute", dims)
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
    return PermuteBackward0.apply(input, dims=order)


@tensor_method("t")
def t(input: Tensor) -> Tensor:
    """The transpose of a matrix (vectors and scalars are returned as they are)."""
    if input._data.ndim > 2:
        raise RuntimeError(
            f"t() expects a tensor with <= 2 dimensions, but self is {input._data.ndim}D"
        )
    return TBackward0.apply(input)


_T_DEPRECATED = {
    0: "Tensor.T is deprecated on 0-D tensors. This function is the identity in these cases.",
    "other": "The use of `x.T` on tensors of dimension other than 2 to reverse their shape is "
    "deprecated and it will throw an error in a future release. Consider `x.mT` to transpose "
    "batches of matrices or `x.permute(*torch.arange(x.ndim - 1, -1, -1))` to reverse the "
    "dimensions of a tensor.",
}


@tensor_method("T", is_property=True)
def T(input: Tensor) -> Tensor:  # noqa: N802 - PyTorch's name
    """All dimensions reversed (``.T``); PyTorch warns for anything but a matrix."""
    ndim = input._data.ndim
    if ndim != 2:
        warnings.warn(_T_DEPRECATED.get(ndim, _T_DEPRECATED["other"]), UserWarning, stacklevel=2)
    return PermuteBackward0.apply(input, dims=tuple(range(ndim))[::-1])


@tensor_method("transpose")
def transpose(input: Tensor, dim0: int, dim1: int) -> Tensor:
    """Dimensions ``dim0`` and ``dim1`` swapped."""
    ndim = input._data.ndim
    return TransposeBackward0.apply(input, dim0=wrap_dim(dim0, ndim), dim1=wrap_dim(dim1, ndim))


@tensor_method("unsqueeze")
def unsqueeze(input: Tensor, dim: int) -> Tensor:
    """A new dimension of size 1 inserted at ``dim``."""
    return UnsqueezeBackward0.apply(input, dim=wrap_dim(dim, input._data.ndim + 1))


@tensor_method("squeeze")
def squeeze(input: Tensor, dim: int | tuple[int, ...] | None = None) -> Tensor:
    """Dimensions of size 1 removed (only ``dim``, or the dims in a tuple, when given).

    >>> torch.zeros(1, 2, 1).squeeze((0, 2)).shape
    torch.Size([2])
    """
    if dim is None:
        return SqueezeBackward0.apply(input)
    if not isinstance(dim, (tuple, list)):
        return SqueezeBackward1.apply(input, dim=wrap_dim(dim, input._data.ndim))
    dims = _shapes.sizes("squeeze", (tuple(dim),), "dim")
    wrapped = [wrap_dim(d, input._data.ndim) for d in dims]
    for position, d in enumerate(wrapped):
        if d in wrapped[:position]:
            raise RuntimeError(f"dim {d} appears multiple times in the list of dims")
    return SqueezeBackward2.apply(input, dim=dims)


@tensor_method("unflatten")
def unflatten(input: Tensor, dim: int, sizes: Any) -> Tensor:
    """Dimension ``dim`` split into ``sizes`` (one may be -1): a view.

    >>> torch.arange(6).unflatten(0, (2, -1)).shape
    torch.Size([2, 3])
    """
    if not _shapes.is_int(dim):
        raise TypeError(
            f"unflatten(): argument 'dim' (position 1) must be int, not {type(dim).__name__}"
        )
    sizes = _shapes.int_tuple("unflatten", "sizes", 2, sizes)
    shape = input._data.shape
    dim = wrap_dim(dim, len(shape))
    if not sizes:
        raise RuntimeError("unflatten: sizes must be non-empty")
    if not shape:
        raise RuntimeError(
            "unflatten got an unexpected error:\n"
            f"Dimension specified as {dim} but tensor has no dimensions"
        )
    try:
        split = _shapes.infer_shape(sizes, shape[dim])
    except RuntimeError as error:
        if "is invalid for input of size" not in str(error):
            raise RuntimeError(f"unflatten got an unexpected error:\n{error}") from None
        raise RuntimeError(
            f"unflatten: Provided sizes {_shapes.listed(sizes)} don't multiply up to the size of dim "
            f"{dim} ({shape[dim]}) in the input tensor"
        ) from None
    return ViewBackward0.apply(input, shape=shape[:dim] + split + shape[dim + 1 :])


@tensor_method("expand")
def expand(input: Tensor, *sizes: Any) -> Tensor:
    """A view repeating dimensions of size 1 to ``sizes`` (-1 keeps a size)."""
    if not sizes:
        raise TypeError('expand() missing 1 required positional arguments: "size"')
    target = _shapes.sizes("expand", sizes)
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
        return input if not input._requires_grad else ExpandBackward0.apply(input, shape=shape)
    return ExpandBackward0.apply(input, shape=final_shape)


@tensor_method("sum_to_size")
def sum_to_size(input: Tensor, *size: Any) -> Tensor:
    """Summed over broadcast dimensions down to ``size`` (undoes broadcasting)."""
    target = _shapes.sizes("sum_to_size", size)
    if target == input._data.shape and target:  # as PyTorch: the tensor itself (not if 0-d)
        return input
    if not (grad_mode.state.enabled and input._requires_grad):
        return Tensor._make(np.asarray(sum_to(input._data, target)))
    shape = input._data.shape
    leading = len(shape) - len(target)
    dims = tuple(range(leading)) + tuple(
        leading + i for i, s in enumerate(target) if s == 1 and shape[leading + i] != 1
    )
    if not target and not shape:  # a number: a new tensor (its sum), as PyTorch gives
        return input.sum()
    out = input.sum(dim=dims, keepdim=True) if dims else input
    return out.reshape(target) if leading else out


@tensor_method("mT", is_property=True)
def matrix_transpose(input: Tensor) -> Tensor:
    """The last two dimensions swapped (``t.mT``): a batch of matrices, each transposed."""
    return transpose(input, -2, -1)


@tensor_method("expand_as")
def expand_as(input: Tensor, other: Tensor) -> Tensor:
    """``input`` expanded to ``other``'s shape."""
    return expand(input, other.shape)


@tensor_method("view_as")
def view_as(input: Tensor, other: Tensor) -> Tensor:
    """``input`` viewed in ``other``'s shape."""
    return view(input, other.shape)


@tensor_method("reshape_as")
def reshape_as(input: Tensor, other: Tensor) -> Tensor:
    """``input`` reshaped to ``other``'s shape."""
    return reshape(input, other.shape)


@tensor_method("swapaxes")
def swapaxes(input: Tensor, axis0: int, axis1: int) -> Tensor:
    """Dimensions ``axis0`` and ``axis1`` swapped (``transpose`` under numpy's name)."""
    return transpose(input, axis0, axis1)


@tensor_method("swapdims")
def swapdims(input: Tensor, dim0: int, dim1: int) -> Tensor:
    """Dimensions ``dim0`` and ``dim1`` swapped (``transpose``)."""
    return transpose(input, dim0, dim1)


@tensor_method("movedim")
def movedim(input: Tensor, source: Any, destination: Any) -> Tensor:
    """Dimensions ``source`` moved to positions ``destination``, the others keeping order."""
    ndim = input._data.ndim
    if isinstance(source, int) != isinstance(destination, int):
        raise TypeError(
            "movedim() received an invalid combination of arguments: source and destination "
            "are both ints or both tuples of ints"
        )
    sources = (source,) if isinstance(source, int) else tuple(source)
    targets = (destination,) if isinstance(destination, int) else tuple(destination)
    if len(sources) != len(targets):
        raise RuntimeError(
            "movedim: Invalid source or destination dims: source "
            f"({list(sources)} dims) should contain the same number of dims as destination "
            f"({list(targets)} dims)"
        )
    sources = tuple(wrap_dim(d, ndim) for d in sources)
    targets = tuple(wrap_dim(d, ndim) for d in targets)
    order = [d for d in range(ndim) if d not in sources]
    for target, source_dim in sorted(zip(targets, sources)):
        order.insert(target, source_dim)
    return PermuteBackward0.apply(input, dims=tuple(order))


@tensor_method("contiguous")
def contiguous(input: Tensor) -> Tensor:
    """``input`` itself if its elements lie in row-major order, else a copy that does."""
    if input._data.flags.c_contiguous:
        return input
    return input.clone()
