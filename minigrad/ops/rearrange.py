"""Ops that rearrange or copy elements into a new tensor: flip, the triangles of a matrix
(tril, triu) and tiling (repeat)."""

from __future__ import annotations

from typing import Any

import numpy as np

from minigrad.autograd.function import Function
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
