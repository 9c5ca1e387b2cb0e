"""Reductions built from sums: cumsum (a running sum), logsumexp, var and std."""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from minigrad import _dtype
from minigrad.autograd.function import Function
from minigrad.ops import _xp
from minigrad.ops.arithmetic import floating
from minigrad.ops.reduce import _dims
from minigrad.tensor import Tensor, tensor_method, wrap_dim


class CumsumBackward0(Function):
    formula = "running Σ self along dim"
    rules = ("grad summed from the last element back along dim",)
    input_names = ("self",)
    saved = ("dim",)

    @staticmethod
    def forward(a: np.ndarray, dim: int) -> np.ndarray:
        return _xp.running(np.cumsum, a, dim)

    def backward(self, grad: Any, dim: int) -> Any:
        return _xp.cumsum_from_end(grad, dim)


class LogsumexpBackward0(Function):
    formula = "ln Σ exp(self) along dim"
    rules = ("grad · exp(self − result)",)
    input_names = ("self",)
    saved = ("dim", "keepdim", "result", "self")

    @staticmethod
    def forward(a: np.ndarray, dim: tuple[int, ...], keepdim: bool) -> np.ndarray:
        if a.size == 0:
            return np.log(np.add.reduce(np.exp(a), axis=dim, keepdims=keepdim))
        largest = np.max(a, axis=dim, keepdims=True)
        largest = np.where(np.isinf(largest), 0, largest)  # (±inf: nothing to shift by)
        shifted = np.log(np.add.reduce(np.exp(a - largest), axis=dim, keepdims=True)) + largest
        return shifted if keepdim else np.squeeze(shifted, axis=dim)

    def backward(self, grad: Any, dim: tuple, keepdim: bool, result: Any, a: Any) -> Any:
        if not keepdim:
            grad, result = _xp.unsqueeze(grad, dim), _xp.unsqueeze(result, dim)
        return grad * _xp.exp(a - result)


class VarBackward0(Function):
    formula = "Σ (self − mean)² / (n − correction) along dim"
    rules = ("grad · 2 (self − mean) / (n − correction)",)
    input_names = ("self",)
    saved = ("correction", "dim", "keepdim", "self")

    @staticmethod
    def forward(a: np.ndarray, correction: int, dim: tuple[int, ...], keepdim: bool) -> np.ndarray:
        return _variance(a, correction, dim, keepdim)

    def backward(self, grad: Any, correction: int, dim: tuple, keepdim: bool, a: Any) -> Any:
        return _spread(grad if keepdim else _xp.unsqueeze(grad, dim), a, correction, dim)


class StdBackward0(Function):
    formula = "√(Σ (self − mean)² / (n − correction)) along dim"
    rules = ("grad · (self − mean) / ((n − correction) · result); 0 where result is 0",)
    input_names = ("self",)
    saved = ("correction", "dim", "keepdim", "result", "self")

    @staticmethod
    def forward(a: np.ndarray, correction: int, dim: tuple[int, ...], keepdim: bool) -> np.ndarray:
        return np.sqrt(_variance(a, correction, dim, keepdim))

    def backward(
        self, grad: Any, correction: int, dim: tuple, keepdim: bool, result: Any, a: Any
    ) -> Any:
        if not keepdim:
            grad, result = _xp.unsqueeze(grad, dim), _xp.unsqueeze(result, dim)
        half = _xp.where(result == 0, _xp.zeros_like(grad), grad / (2 * result))  # as PyTorch
        return _spread(half, a, correction, dim)


def _variance(a: np.ndarray, correction: int, dim: tuple[int, ...], keepdim: bool) -> np.ndarray:
    """Σ (a − mean)² / max(n − correction, 0) along ``dim``: inf or nan with too few elements,
    as in PyTorch."""
    count = int(np.prod([a.shape[d] for d in dim]))
    centered = a - np.add.reduce(a, axis=dim, keepdims=True) / max(count, 1)
    squares = np.add.reduce(centered * centered, axis=dim, keepdims=keepdim)
    return np.asarray(squares / max(count - correction, 0), dtype=a.dtype)


def _spread(grad: Any, a: Any, correction: int, dim: tuple[int, ...]) -> Any:
    """var's backward: ``grad · 2 (a − mean) / (n − correction)`` (grad has ``dim`` kept)."""
    count = int(np.prod([a.shape[d] for d in dim]))
    scale = 2 / (count - correction) if count > correction else math.inf  # (as 2.0 / 0 in C++)
    return grad * scale * (a - _xp.sum_keepdim(a, dim) / max(count, 1))


# -- the functions a learner calls -----------------------------------------------------------


@tensor_method("cumsum")
def cumsum(input: Tensor, dim: int, *, dtype: Any = None) -> Tensor:
    """The running sum along ``dim``: element i is the sum of elements 0 … i."""
    if dtype is not None:
        input = input.to(_dtype.check(dtype, "cumsum"))
    return CumsumBackward0.apply(
        input, dim=wrap_dim(dim, input._data.ndim) if input._data.ndim else 0
    )


@tensor_method("logsumexp")
def logsumexp(input: Tensor, dim: Any, keepdim: bool = False) -> Tensor:
    """``ln Σ exp(input)`` along ``dim``, computed without overflow (softmax's denominator)."""
    input = floating(input)
    return LogsumexpBackward0.apply(input, dim=_dims(dim, input._data.ndim), keepdim=keepdim)


def _moments(
    name: str, input: Tensor, dim: Any, unbiased: Any, keepdim: bool, correction: Any
) -> dict[str, Any]:
    """var's and std's arguments as PyTorch reads them: ``x.var(1)``, ``x.var(False)``
    (unbiased), ``x.var(0, correction=0, keepdim=True)``."""
    if input._data.dtype.kind != "f":
        raise RuntimeError(
            f"{name}(): input dtype should be either floating point or complex. Got "
            f"{input.dtype.title} instead."
        )
    if isinstance(dim, bool):
        dim, unbiased = None, dim
    if correction is None:
        correction = 1 if unbiased is None else int(unbiased)
    dims = tuple(range(input._data.ndim)) if dim is None else _dims(dim, input._data.ndim)
    count = int(np.prod([input._data.shape[d] for d in dims]))
    if count - correction <= 0:
        warnings.warn(
            f"{name}(): degrees of freedom is <= 0. Correction should be strictly less than the "
            "reduction factor (input numel divided by output numel).",
            UserWarning,
            stacklevel=3,
        )
    return {"correction": correction, "dim": dims, "keepdim": keepdim}


@tensor_method("var")
def var(
    input: Tensor,
    dim: Any = None,
    unbiased: Any = None,
    keepdim: bool = False,
    *,
    correction: Any = None,
) -> Tensor:
    """The variance along ``dim`` (everything by default): the mean squared distance from the
    mean, divided by ``n − correction`` (1: the unbiased estimate)."""
    return VarBackward0.apply(input, **_moments("var", input, dim, unbiased, keepdim, correction))


@tensor_method("std")
def std(
    input: Tensor,
    dim: Any = None,
    unbiased: Any = None,
    keepdim: bool = False,
    *,
    correction: Any = None,
) -> Tensor:
    """The standard deviation along ``dim``: the square root of ``var``."""
    return StdBackward0.apply(input, **_moments("std", input, dim, unbiased, keepdim, correction))
