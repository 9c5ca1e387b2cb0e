"""Ops with several outputs: ``split``, ``chunk`` and ``unbind`` cut a tensor into views.

One node makes all the pieces (``a.grad_fn is b.grad_fn``), and each piece knows which output
it is (``output_nr``): the node's ``next_functions`` entries read ``(SplitBackward0, 1)`` for
the second piece. In backward the node receives one gradient per piece — None for a piece no
gradient reached — and joins them back into the input's shape.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from minigrad.autograd.function import Function
from minigrad.ops import _xp
from minigrad.ops.indexing import CatBackward0, StackBackward0
from minigrad.tensor import Tensor, tensor_method, wrap_dim


class SplitBackward0(Function):
    formula = "self cut into pieces of split_size along dim"
    rules = ("the pieces' gradients joined along dim (zeros for a piece none reached)",)
    input_names = ("self",)
    saved = ("dim", "self_sym_sizes", "split_size")
    is_view = True
    several_outputs = True

    @staticmethod
    def forward(a: np.ndarray, split_size: int, dim: int) -> list[np.ndarray]:
        return _pieces(a, _sizes_of_pieces(a.shape[dim], split_size), dim)

    def backward(self, grads: list, dim: int, sizes: tuple[int, ...], split_size: int) -> Any:
        return _joined(grads, dim, sizes, _sizes_of_pieces(sizes[dim], split_size))


class SplitWithSizesBackward0(Function):
    formula = "self cut into pieces of split_sizes along dim"
    rules = ("the pieces' gradients joined along dim (zeros for a piece none reached)",)
    input_names = ("self",)
    saved = ("dim", "self_sym_sizes", "split_sizes")
    is_view = True
    several_outputs = True

    @staticmethod
    def forward(a: np.ndarray, split_sizes: tuple[int, ...], dim: int) -> list[np.ndarray]:
        return _pieces(a, split_sizes, dim)

    def backward(self, grads: list, dim: int, sizes: tuple[int, ...], split_sizes: tuple) -> Any:
        return _joined(grads, dim, sizes, split_sizes)


class UnbindBackward0(Function):
    formula = "the slices of self along dim"
    rules = ("the slices' gradients stacked along dim (zeros for a slice none reached)",)
    input_names = ("self",)
    saved = ("dim", "self_sym_sizes")
    is_view = True
    several_outputs = True

    @staticmethod
    def forward(a: np.ndarray, dim: int) -> list[np.ndarray]:
        return [a[(slice(None),) * dim + (index,)] for index in range(a.shape[dim])]

    def backward(self, grads: list, dim: int, sizes: tuple[int, ...]) -> Any:
        shape = sizes[:dim] + sizes[dim + 1 :]
        filled = _filled(grads, [shape] * len(grads))
        if filled is None:
            return None
        return StackBackward0.apply(*filled, dim=dim, count=len(filled))


def _sizes_of_pieces(size: int, split_size: int) -> list[int]:
    """Pieces of ``split_size`` along a dimension of ``size``; the last may be smaller."""
    if split_size == 0:
        return [0]
    return [min(split_size, size - start) for start in range(0, size, split_size)] or [0]


def _pieces(a: np.ndarray, sizes: Any, dim: int) -> list[np.ndarray]:
    pieces, start = [], 0
    for size in sizes:
        pieces.append(a[(slice(None),) * dim + (slice(start, start + size),)])
        start += size
    return pieces


def _joined(grads: list, dim: int, sizes: tuple[int, ...], pieces: Any) -> Any:
    """The pieces' gradients joined along ``dim`` into the input's shape."""
    shapes = [sizes[:dim] + (size,) + sizes[dim + 1 :] for size in pieces]
    filled = _filled(grads, shapes)
    if filled is None:
        return None
    return CatBackward0.apply(*filled, dim=dim, sizes=tuple(pieces))


def _filled(grads: list, shapes: list[tuple[int, ...]]) -> list | None:
    """``grads`` with zeros of the piece's shape where no gradient arrived; None if none did."""
    arrived = next((g for g in grads if g is not None), None)
    if arrived is None:
        return None
    return [_xp.zeros(shape, arrived) if g is None else g for g, shape in zip(grads, shapes)]


# -- the functions a learner calls -----------------------------------------------------------


@tensor_method("split")
def split(tensor: Tensor, split_size_or_sections: Any, dim: int = 0) -> tuple[Tensor, ...]:
    """``tensor`` cut along ``dim`` into pieces of ``split_size_or_sections`` elements (an int:
    the last piece may be smaller) or of the sizes listed; the pieces are views.

    >>> torch.arange(5.).split(2)
    (tensor([0., 1.]), tensor([2., 3.]), tensor([4.]))
    """
    _at_least_1d(tensor, "split")
    dim = _dim_of(tensor, dim)
    size = tensor._data.shape[dim]
    if isinstance(split_size_or_sections, (list, tuple)):
        return split_with_sizes(tensor, split_size_or_sections, dim)
    split_size = split_size_or_sections
    if split_size < 0:
        raise RuntimeError(
            f"split expects split_size be non-negative, but got split_size={split_size}"
        )
    if split_size == 0 and size != 0:
        raise RuntimeError(
            f"split_size can only be 0 if dimension size is 0, but got dimension size of {size}"
        )
    return SplitBackward0.apply(tensor, split_size=split_size, dim=dim)


@tensor_method("split_with_sizes")
def split_with_sizes(tensor: Tensor, split_sizes: Any, dim: int = 0) -> tuple[Tensor, ...]:
    """``tensor`` cut along ``dim`` into pieces of the listed sizes (they must add up)."""
    _at_least_1d(tensor, "split")
    dim = _dim_of(tensor, dim)
    size = tensor._data.shape[dim]
    sizes = tuple(int(s) for s in split_sizes)
    if any(s < 0 for s in sizes) or sum(sizes) != size:
        raise RuntimeError(
            f"split_with_sizes expects split_sizes to sum exactly to {size} (input tensor's size "
            f"at dimension {dim}), but got split_sizes=[{', '.join(map(str, sizes))}]"
        )
    return SplitWithSizesBackward0.apply(tensor, split_sizes=sizes, dim=dim)


@tensor_method("chunk")
def chunk(input: Tensor, chunks: int, dim: int = 0) -> tuple[Tensor, ...]:
    """``input`` cut into ``chunks`` pieces of equal size along ``dim`` (the last may be
    smaller, and there may be fewer pieces), as views.

    >>> torch.arange(5.).chunk(3)
    (tensor([0., 1.]), tensor([2., 3.]), tensor([4.]))
    """
    _at_least_1d(input, "chunk")
    if chunks <= 0:
        raise RuntimeError(f"chunk expects `chunks` to be greater than 0, got: {chunks}")
    dim = _dim_of(input, dim)
    size = input._data.shape[dim]
    split_size = -(-size // chunks)  # the size rounded up
    if split_size == 0:  # an empty dimension still gives ``chunks`` (empty) pieces
        return split_with_sizes(input, [0] * chunks, dim)
    return split(input, split_size, dim)


@tensor_method("unbind")
def unbind(input: Tensor, dim: int = 0) -> tuple[Tensor, ...]:
    """The slices of ``input`` along ``dim``, each without that dimension (views).

    >>> torch.tensor([[1., 2.], [3., 4.]]).unbind(1)
    (tensor([1., 3.]), tensor([2., 4.]))
    """
    return UnbindBackward0.apply(input, dim=_dim_of(input, dim))


def _at_least_1d(tensor: Tensor, function: str) -> None:
    if tensor._data.ndim == 0:
        raise RuntimeError(f"{function} expects at least a 1-dimensional tensor")


def _dim_of(tensor: Tensor, dim: int) -> int:
    if tensor._data.ndim == 0:
        raise IndexError("Dimension specified as 0 but tensor has no dimensions")
    return wrap_dim(dim, tensor._data.ndim)
