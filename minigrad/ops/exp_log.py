"""log1p, expm1 and rsqrt: cousins of log, exp and sqrt (elementwise.py), the first two
exact for inputs near 0."""

from __future__ import annotations

from typing import Any

import numpy as np

from minigrad.autograd.function import Function
from minigrad.ops.arithmetic import floating
from minigrad.tensor import Tensor, tensor_method


class Log1PBackward0(Function):
    formula = "ln(1 + self)"
    rules = ("grad / (1 + self)",)
    saved = ("self",)

    @staticmethod
    def forward(a: np.ndarray) -> np.ndarray:
        return np.log1p(a)

    def backward(self, grad: Any, a: Any) -> Any:
        return grad / (a + 1)


class Expm1Backward0(Function):
    formula = "exp(self) − 1"
    rules = ("grad · (result + 1)",)
    saved = ("result",)

    @staticmethod
    def forward(a: np.ndarray) -> np.ndarray:
        return np.expm1(a)

    def backward(self, grad: Any, result: Any) -> Any:
        return grad * (result + 1)


class RsqrtBackward0(Function):
    formula = "1 / √self"
    rules = ("−grad · result³ / 2",)
    saved = ("result",)

    @staticmethod
    def forward(a: np.ndarray) -> np.ndarray:
        return 1 / np.sqrt(a)

    def backward(self, grad: Any, result: Any) -> Any:
        return -0.5 * grad * result * result * result


# -- the functions a learner calls -----------------------------------------------------------


@tensor_method("log1p")
def log1p(input: Tensor) -> Tensor:
    """ln(1 + x), elementwise, exact for small x."""
    return Log1PBackward0.apply(floating(input))


@tensor_method("expm1")
def expm1(input: Tensor) -> Tensor:
    """eˣ − 1, elementwise, exact for small x."""
    return Expm1Backward0.apply(floating(input))


@tensor_method("rsqrt")
def rsqrt(input: Tensor) -> Tensor:
    """1 / √x, elementwise."""
    return RsqrtBackward0.apply(floating(input))
