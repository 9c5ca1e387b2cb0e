"""Elementwise bounds between tensors: ``maximum``, ``minimum`` and ``clamp`` with tensor
bounds. (``clamp`` with number bounds is in elementwise.py; ``max(t)`` over a tensor's
elements is in reduce.py.)"""

from __future__ import annotations

from typing import Any

import numpy as np

from minigrad.autograd.function import Function
from minigrad.ops import _xp
from minigrad.ops._operands import cast, operands
from minigrad.tensor import Tensor, tensor_method


class MaximumBackward0(Function):
    formula = "max(self, other), elementwise"
    rules = ("grad where self > other, grad/2 at ties", "grad where other > self, grad/2 at ties")
    saved = ("self", "other")

    @staticmethod
    def forward(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return np.maximum(a, b)

    def backward(self, grad: Any, a: Any, b: Any) -> tuple:
        shared = _xp.where(a == b, grad / 2, grad)
        return _xp.where(a < b, 0, shared), _xp.where(a > b, 0, shared)


class MinimumBackward0(Function):
    formula = "min(self, other), elementwise"
    rules = ("grad where self < other, grad/2 at ties", "grad where other < self, grad/2 at ties")
    saved = ("self", "other")

    @staticmethod
    def forward(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return np.minimum(a, b)

    def backward(self, grad: Any, a: Any, b: Any) -> tuple:
        shared = _xp.where(a == b, grad / 2, grad)
        return _xp.where(a > b, 0, shared), _xp.where(a < b, 0, shared)


class ClampBackward0(Function):
    """``clamp`` with tensor bounds (either may be None); ``max`` wins where min > max."""

    formula = "min(max(self, min), max)"
    rules = (
        "grad where min ≤ self ≤ max",
        "grad where self < min (and min < max)",
        "grad where self > max (or max < min)",
    )
    input_names = ("self", "min", "max")
    saved = ("self", "min", "max")

    @staticmethod
    def forward(a: np.ndarray, low: Any, high: Any) -> np.ndarray:
        out = a if low is None else np.maximum(a, low)
        return out if high is None else np.minimum(out, high)

    def backward(self, grad: Any, a: Any, low: Any, high: Any) -> tuple:
        need_self, need_low, need_high = self.needs_input_grad
        inside = below = above = None
        if low is not None:
            inside, below = a >= low, a < low
        if high is not None:
            inside = a <= high if inside is None else inside & (a <= high)
            above = a > high
        if low is not None and high is not None:
            below, above = below & (low < high), above | (high < low)
        return (
            _xp.where(inside, grad, 0) if need_self else None,
            _xp.where(below, grad, 0) if need_low else None,
            _xp.where(above, grad, 0) if need_high else None,
        )


# -- the functions a learner calls -----------------------------------------------------------


@tensor_method("maximum")
def maximum(input: Tensor, other: Tensor) -> Tensor:
    """The larger of ``input`` and ``other`` at each position (NaN if either is NaN)."""
    a, b = _two_tensors(input, other, "maximum")
    return MaximumBackward0.apply(a, b)


@tensor_method("minimum")
def minimum(input: Tensor, other: Tensor) -> Tensor:
    """The smaller of ``input`` and ``other`` at each position (NaN if either is NaN)."""
    a, b = _two_tensors(input, other, "minimum")
    return MinimumBackward0.apply(a, b)


def clamp_between(input: Tensor, min: Tensor | None, max: Tensor | None) -> Tensor:
    """``clamp`` where a bound is a tensor: each element limited by the bounds beside it."""
    bounds = [bound for bound in (min, max) if bound is not None]
    for bound in bounds:
        input, _ = operands(input, bound)  # an integer tensor clamped to 2.5 becomes float
    low, high = (None if b is None else _as_tensor(b, input) for b in (min, max))
    return ClampBackward0.apply(input, low, high)


def _as_tensor(bound: Any, like: Tensor) -> Tensor:
    if isinstance(bound, Tensor):
        return cast(bound, like.dtype)
    return Tensor._make(np.asarray(bound, dtype=like._data.dtype))


def _two_tensors(input: Tensor, other: Any, name: str) -> tuple[Tensor, Tensor]:
    if not isinstance(other, Tensor):
        raise TypeError(
            f"{name}(): argument 'other' (position 2) must be Tensor, not {type(other).__name__}"
        )
    return operands(input, other)
