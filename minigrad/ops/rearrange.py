"""Ops that rearrange or copy elements into a new tensor: flip, roll, the triangles of a matrix
(tril, triu), diagonals (diag) and tiling (repeat)."""

from __future__ import annotations

from typing import Any

import numpy as np

from minigrad.autograd.function import Function
from minigrad.ops._shapes import int_tuple, is_int
from minigrad.tensor import Tensor, tensor_method, wrap_dim


class FlipBackward0(Function):
    formula = "self with the order along dims reversed"
    rules = ("grad flipped back",)
    saved = ("dims",)

    @staticmethod
    def forward(a: np.ndarray, dims: tuple[int, ...]) -> np.ndarray:
        return np.flip(a, dims).copy()

    def backward(self, grad: Any, dims: tuple[int, ...]) -> Any:
        return FlipBackward0.apply(grad, dims=dims)


class TrilBackward0(Function):
    formula = "self below diagonal (and on it), zeros above"
    rules = ("grad below diagonal, zeros above",)
    saved = ("diagonal",)

    @staticmethod
    def forward(a: np.ndarray, diagonal: int) -> np.ndarray:
        return np.tril(a, diagonal)

    def backward(self, grad: Any, diagonal: int) -> Any:
        return TrilBackward0.apply(grad, diagonal=diagonal)


class TriuBackward0(Function):
    formula = "self above diagonal (and on it), zeros below"
    rules = ("grad above diagonal, zeros below",)
    saved = ("diagonal",)

    @staticmethod
    def forward(a: np.ndarray, diagonal: int) -> np.ndarray:
        return np.triu(a, diagonal)

    def backward(self, grad: Any, diagonal: int) -> Any:
        return TriuBackward0.apply(grad, diagonal=diagonal)


class RepeatBackward0(Function):
    formula = "self tiled repeats times"
    rules = ("grad summed over the tiles",)
    saved = ("repeats", "self_sym_sizes")

    @staticmethod
    def forward(a: np.ndarray, repeats: tuple[int, ...]) -> np.ndarray:
        return np.tile(a, repeats)

    def backward(self, grad: Any, repeats: tuple[int, ...], sizes: tuple[int, ...]) -> Any:
        padded = (1,) * (len(repeats) - len(sizes)) + tuple(sizes)
        tiles: list[int] = []  # (repeat, size) pairs: the tiles along a dimension are summed
        for repeat, size in zip(repeats, padded):
            tiles += [repeat, size]
        return grad.reshape(tuple(tiles)).sum(tuple(range(0, len(tiles), 2))).reshape(sizes)


class RollBackward0(Function):
    formula = "self with elements shifted by shifts along dims (wrapping around)"
    rules = ("grad rolled back by −shifts",)
    saved = ("shifts", "dims")

    @staticmethod
    def forward(a: np.ndarray, shifts: tuple[int, ...], dims: tuple[int, ...]) -> np.ndarray:
        return np.roll(a, shifts, dims if dims else None)  # no dims: over the flattened tensor

    def backward(self, grad: Any, shifts: tuple[int, ...], dims: tuple[int, ...]) -> Any:
        return RollBackward0.apply(grad, shifts=tuple(-s for s in shifts), dims=dims)


class DiagEmbedBackward0(Function):
    """``diag`` of a vector: the matrix with the vector on diagonal ``offset``."""

    formula = "a matrix with self on diagonal offset, zeros elsewhere"
    rules = ("grad's diagonal offset",)
    saved = ("offset", "dim1", "dim2")

    @staticmethod
    def forward(a: np.ndarray, offset: int, dim1: int = -2, dim2: int = -1) -> np.ndarray:
        return np.diag(a, offset)

    def backward(self, grad: Any, offset: int, dim1: int, dim2: int) -> Any:
        return DiagonalBackward0.apply(grad, offset=offset, dim1=dim1, dim2=dim2)


class DiagonalBackward0_copy(Function):  # noqa: N801 - PyTorch's name
    """``diag`` of a matrix: diagonal ``offset`` copied out (PyTorch's ``diagonal_copy``)."""

    formula = "the diagonal offset of self (a copy)"
    rules = ("grad on diagonal offset of a zero matrix",)
    saved = ("self_sym_sizes", "offset", "dim1", "dim2")

    @staticmethod
    def forward(a: np.ndarray, offset: int, dim1: int = 0, dim2: int = 1) -> np.ndarray:
        return np.diagonal(a, offset, dim1, dim2).copy()

    def backward(self, grad: Any, sizes: tuple, offset: int, dim1: int, dim2: int) -> Any:
        return DiagonalBackwardBackward0.apply(
            grad, sizes=tuple(sizes), offset=offset, dim1=dim1, dim2=dim2
        )


class DiagonalBackward0(Function):
    """``diagonal``: diagonal ``offset`` of the dims ``dim1``, ``dim2``, as a view. Recorded by
    the gradient of ``diag`` of a vector (and of this op's own gradient)."""

    formula = "the diagonal offset of self (a view)"
    rules = ("grad on diagonal offset of zeros",)
    saved = ("self_sym_sizes", "offset", "dim1", "dim2")
    is_view = True

    @staticmethod
    def forward(a: np.ndarray, offset: int, dim1: int, dim2: int) -> np.ndarray:
        view = np.diagonal(a, offset, dim1, dim2)
        view.flags.writeable = a.flags.writeable  # (numpy makes a diagonal read-only)
        return view

    def backward(self, grad: Any, sizes: tuple, offset: int, dim1: int, dim2: int) -> Any:
        return DiagonalBackwardBackward0.apply(
            grad, sizes=tuple(sizes), offset=offset, dim1=dim1, dim2=dim2
        )


class DiagonalBackwardBackward0(Function):
    """The gradient of a diagonal: zeros of ``sizes`` with ``self`` on diagonal ``offset``."""

    formula = "zeros of sizes with self on diagonal offset"
    rules = ("grad's diagonal offset",)
    saved = ("offset", "dim1", "dim2")

    @staticmethod
    def forward(a: np.ndarray, sizes: tuple, offset: int, dim1: int, dim2: int) -> np.ndarray:
        out = np.zeros(sizes, a.dtype)
        diagonal = np.diagonal(out, offset, dim1, dim2)
        diagonal.flags.writeable = True  # a view into ``out``, which is ours to fill
        diagonal[...] = a
        return out

    def backward(self, grad: Any, offset: int, dim1: int, dim2: int) -> Any:
        return DiagonalBackward0.apply(grad, offset=offset, dim1=dim1, dim2=dim2)


# -- the functions a learner calls -----------------------------------------------------------


@tensor_method("flip")
def flip(input: Tensor, *dims: Any) -> Tensor:
    """``input`` with the order of elements along ``dims`` reversed (a copy)."""
    dims = tuple(dims[0]) if len(dims) == 1 and isinstance(dims[0], (list, tuple)) else dims
    ndim = input._data.ndim
    wrapped = tuple(wrap_dim(d, ndim) for d in dims)
    for position, dim in enumerate(wrapped):
        if dim in wrapped[:position]:
            raise RuntimeError(f"dim {dim} appears multiple times in the list of dims")
    return FlipBackward0.apply(input, dims=wrapped)


@tensor_method("tril")
def tril(input: Tensor, diagonal: int = 0) -> Tensor:
    """The lower triangle of a matrix (or of each in a batch), zeros above ``diagonal``."""
    _check_matrix("tril", input, diagonal)
    return TrilBackward0.apply(input, diagonal=diagonal)


@tensor_method("triu")
def triu(input: Tensor, diagonal: int = 0) -> Tensor:
    """The upper triangle of a matrix (or of each in a batch), zeros below ``diagonal``."""
    _check_matrix("triu", input, diagonal)
    return TriuBackward0.apply(input, diagonal=diagonal)


def _check_matrix(function: str, input: Tensor, diagonal: Any) -> None:
    if not isinstance(diagonal, (int, np.integer)) or isinstance(diagonal, bool):
        raise TypeError(
            f"{function}(): argument 'diagonal' (position 1) must be int, "
            f"not {type(diagonal).__name__}"
        )
    if input._data.ndim < 2:
        raise RuntimeError(f"{function}: input tensor must have at least 2 dimensions")


@tensor_method("repeat")
def repeat(input: Tensor, *repeats: Any) -> Tensor:
    """``input`` tiled: repeated ``repeats[d]`` times along each dimension ``d``."""
    repeats = (
        tuple(repeats[0])
        if len(repeats) == 1 and isinstance(repeats[0], (list, tuple))
        else repeats
    )
    if len(repeats) < input._data.ndim:
        raise RuntimeError(
            "Number of dimensions of repeat dims can not be smaller than number of dimensions "
            "of tensor"
        )
    repeats = tuple(int(r) for r in repeats)
    shape = (1,) * (len(repeats) - input._data.ndim) + input._data.shape
    tiled = [r * size for r, size in zip(repeats, shape)]
    for size in tiled:
        if size < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {size}: {tiled}")
    return RepeatBackward0.apply(input, repeats=repeats)


@tensor_method("roll")
def roll(input: Tensor, shifts: Any, dims: Any = None) -> Tensor:
    """Elements shifted by ``shifts`` along ``dims``, those pushed off the end coming back at
    the start; without ``dims``, over the flattened tensor.

    >>> torch.tensor([1, 2, 3]).roll(1)
    tensor([3, 1, 2])
    """
    shifts = int_tuple("roll", "shifts", 2, shifts, single=True)
    dims = () if dims is None else int_tuple("roll", "dims", 3, dims, single=True)
    if not shifts:
        raise RuntimeError("`shifts` required")
    if dims or len(shifts) != 1:
        if len(shifts) != len(dims):
            raise RuntimeError(
                f"shifts and dimensions must align. shifts: {len(shifts)}, dims:{len(dims)}"
            )
        ndim = input._data.ndim
        if ndim == 0:
            raise IndexError(f"Dimension specified as {dims[0]} but tensor has no dimensions")
        dims = tuple(wrap_dim(d, ndim) for d in dims)
    return RollBackward0.apply(input, shifts=shifts, dims=dims)


@tensor_method("diag")
def diag(input: Tensor, diagonal: int = 0) -> Tensor:
    """A vector's matrix (the vector on diagonal ``diagonal``), or a matrix's diagonal.

    >>> torch.diag(torch.tensor([1, 2]))
    tensor([[1, 0],
            [0, 2]])
    """
    if not is_int(diagonal):
        raise TypeError(
            f"diag(): argument 'diagonal' (position 2) must be int, not {type(diagonal).__name__}"
        )
    ndim = input._data.ndim
    if ndim == 1:
        return DiagEmbedBackward0.apply(input, offset=int(diagonal))
    if ndim == 2:
        return DiagonalBackward0_copy.apply(input, offset=int(diagonal))
    raise RuntimeError(f"diag(): Supports 1D or 2D tensors. Got {ndim}D")
