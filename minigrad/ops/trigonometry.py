"""sinh and cosh, the inverse functions asin, acos, atan, and atan2 (the angle of the point
(other, self)); sin, cos and tanh are in elementwise.py. Integer and bool inputs give float32,
as in PyTorch; ``arcsin``, ``arccos``, ``arctan`` and ``arctan2`` are PyTorch's aliases."""

from __future__ import annotations

from typing import Any

import numpy as np

from minigrad.autograd.function import Function
from minigrad.ops import _xp
from minigrad.ops._operands import operands
from minigrad.ops.arithmetic import floating
from minigrad.tensor import Tensor, tensor_method


class SinhBackward0(Function):
    formula = "sinh(self)"
    rules = ("grad · cosh(self)",)
    saved = ("self",)

    @staticmethod
    def forward(a: np.ndarray) -> np.ndarray:
        return np.sinh(a)

    def backward(self, grad: Any, a: Any) -> Any:
        return grad * _xp.cosh(a)


class CoshBackward0(Function):
    formula = "cosh(self)"
    rules = ("grad · sinh(self)",)
    saved = ("self",)

    @staticmethod
    def forward(a: np.ndarray) -> np.ndarray:
        return np.cosh(a)

    def backward(self, grad: Any, a: Any) -> Any:
        return grad * _xp.sinh(a)


class AsinBackward0(Function):
    formula = "asin(self)"
    rules = ("grad / √(1 − self²)",)
    saved = ("self",)

    @staticmethod
    def forward(a: np.ndarray) -> np.ndarray:
        return np.arcsin(a)

    def backward(self, grad: Any, a: Any) -> Any:
        return grad * _xp.rsqrt(1 - a * a)


class AcosBackward0(Function):
    formula = "acos(self)"
    rules = ("−grad / √(1 − self²)",)
    saved = ("self",)

    @staticmethod
    def forward(a: np.ndarray) -> np.ndarray:
        return np.arccos(a)

    def backward(self, grad: Any, a: Any) -> Any:
        return grad * -_xp.rsqrt(1 - a * a)


class AtanBackward0(Function):
    formula = "atan(self)"
    rules = ("grad / (1 + self²)",)
    saved = ("self",)

    @staticmethod
    def forward(a: np.ndarray) -> np.ndarray:
        return np.arctan(a)

    def backward(self, grad: Any, a: Any) -> Any:
        return grad / (a * a + 1)


class Atan2Backward0(Function):
    formula = "atan2(self, other): the angle of the point (other, self)"
    rules = (
        "grad · other / (self² + other²), 0 where that is 0 / 0",
        "−grad · self / (self² + other²), 0 where that is 0 / 0",
    )
    saved = ("self", "other")

    @staticmethod
    def forward(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return np.arctan2(a, b)

    def backward(self, grad: Any, a: Any, b: Any) -> tuple:
        need_a, need_b = self.needs_input_grad
        squared = a * a + b * b
        # As PyTorch: one reciprocal for both, 0 where self² + other² is 0 (at the origin,
        # or when the squares underflow)
        reciprocal = _xp.where(squared == 0, 0, 1 / squared)
        return (
            grad * b * reciprocal if need_a else None,
            grad * -a * reciprocal if need_b else None,
        )


# -- the functions a learner calls -----------------------------------------------------------


@tensor_method("sinh")
def sinh(input: Tensor) -> Tensor:
    """Hyperbolic sine, (eˣ − e⁻ˣ) / 2, elementwise."""
    return SinhBackward0.apply(floating(input))


@tensor_method("cosh")
def cosh(input: Tensor) -> Tensor:
    """Hyperbolic cosine, (eˣ + e⁻ˣ) / 2, elementwise."""
    return CoshBackward0.apply(floating(input))


@tensor_method("asin", "arcsin")
def asin(input: Tensor) -> Tensor:
    """Inverse sine, elementwise: in [−π/2, π/2], nan outside [−1, 1]."""
    return AsinBackward0.apply(floating(input))


@tensor_method("acos", "arccos")
def acos(input: Tensor) -> Tensor:
    """Inverse cosine, elementwise: in [0, π], nan outside [−1, 1]."""
    return AcosBackward0.apply(floating(input))


@tensor_method("atan", "arctan")
def atan(input: Tensor) -> Tensor:
    """Inverse tangent, elementwise: in (−π/2, π/2)."""
    return AtanBackward0.apply(floating(input))


@tensor_method("atan2", "arctan2")
def atan2(input: Tensor, other: Tensor) -> Tensor:
    """The angle of the point (x = other, y = input), in [−π, π], broadcasting."""
    if not isinstance(other, Tensor):
        raise TypeError(
            f"atan2(): argument 'other' (position 2) must be Tensor, not {type(other).__name__}"
        )
    a, b = operands(input, other, floating=True)
    return Atan2Backward0.apply(a, b)


arcsin, arccos, arctan, arctan2 = asin, acos, atan, atan2  # PyTorch's aliases
