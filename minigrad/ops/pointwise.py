"""Fused pointwise ops the optimizers use: ``addcmul``, ``addcdiv`` and ``lerp``, rounded as
PyTorch's CPU kernels round them, so that an optimizer step gives PyTorch's bits.

- ``addcmul``: ``self + value·t1·t2`` is ``fma(value·t1, t2, self)``: the product
  ``value·t1`` rounded, then one rounding for the rest (float32).
- ``addcdiv``: ``self + value·t1 / t2``, each step rounded: ``(value·t1) / t2``, then ``+ self``.
- ``lerp``: ``self + weight·(end − self)`` is ``fma(weight, end − self, self)`` for
  ``|weight| < 0.5`` and ``fma(weight − 1, end − self, end)`` otherwise.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from minigrad._exact_float import fma32
from minigrad.autograd.function import Function
from minigrad.ops._operands import operands
from minigrad.tensor import Tensor, tensor_method


class AddcmulBackward0(Function):
    formula = "self + value · tensor1 · tensor2"
    rules = ("grad", "grad · tensor2 · value", "grad · tensor1 · value")
    input_names = ("self", "tensor1", "tensor2")
    saved = ("tensor1", "tensor2", "value")
    saved_only_for = {"tensor1": "tensor2", "tensor2": "tensor1"}

    @staticmethod
    def forward(a: np.ndarray, t1: np.ndarray, t2: np.ndarray, value: Any = 1) -> np.ndarray:
        scaled = t1 * t1.dtype.type(value)
        return fma32(scaled, t2, a) if a.dtype == np.float32 else a + scaled * t2

    def backward(self, grad: Any, t1: Any, t2: Any, value: Any) -> tuple:
        _, need_1, need_2 = self.needs_input_grad
        return (
            grad,
            grad * t2 * value if need_1 else None,
            grad * t1 * value if need_2 else None,
        )


class AddcdivBackward0(Function):
    formula = "self + value · tensor1 / tensor2"
    rules = ("grad", "grad · value / tensor2", "−grad · value · tensor1 / tensor2²")
    input_names = ("self", "tensor1", "tensor2")
    saved = ("tensor1", "tensor2", "value")
    saved_only_for = {"tensor1": "tensor2"}

    @staticmethod
    def forward(a: np.ndarray, t1: np.ndarray, t2: np.ndarray, value: Any = 1) -> np.ndarray:
        return a + t1 * t1.dtype.type(value) / t2

    def backward(self, grad: Any, t1: Any, t2: Any, value: Any) -> tuple:
        _, need_1, need_2 = self.needs_input_grad
        return (
            grad,
            grad * value / t2 if need_1 else None,
            -grad * value * t1 / (t2 * t2) if need_2 else None,
        )


class LerpBackward0(Function):
    formula = "self + weight · (end − self)"
    rules = ("grad · (1 − weight)", "grad · weight")
    input_names = ("self", "end")
    saved = ("weight",)

    @staticmethod
    def forward(a: np.ndarray, end: np.ndarray, weight: Any) -> np.ndarray:
        w = a.dtype.type(weight)
        difference = end - a
        if a.dtype != np.float32:
            return a + w * difference if abs(w) < 0.5 else end - difference * (1 - w)
        if abs(w) < 0.5:
            return fma32(difference, w, a)
        return fma32(difference, w - np.float32(1), end)

    def backward(self, grad: Any, weight: Any) -> tuple:
        return grad * (1 - weight), grad * weight


# -- the functions a learner calls -----------------------------------------------------------


def _three(input: Tensor, tensor1: Tensor, tensor2: Tensor) -> tuple[Tensor, Tensor, Tensor]:
    """The three operands in one dtype, by PyTorch's promotion."""
    t1, t2 = operands(tensor1, tensor2)
    a, t1 = operands(input, t1)
    t1, t2 = operands(t1, t2)
    return a, t1, t2


@tensor_method("addcmul")
def addcmul(input: Tensor, tensor1: Tensor, tensor2: Tensor, *, value: Any = 1) -> Tensor:
    """``input + value · tensor1 · tensor2``, elementwise (the last two steps fused).

    >>> torch.addcmul(torch.zeros(2), torch.tensor([1., 2.]), torch.tensor([3., 4.]), value=0.5)
    tensor([1.5000, 4.0000])
    """
    return AddcmulBackward0.apply(*_three(input, tensor1, tensor2), value=value)


@tensor_method("addcdiv")
def addcdiv(input: Tensor, tensor1: Tensor, tensor2: Tensor, *, value: Any = 1) -> Tensor:
    """``input + value · tensor1 / tensor2``, elementwise."""
    a, t1, t2 = _three(input, tensor1, tensor2)
    if t1._data.dtype.kind in "biu" and t2._data.dtype.kind in "biu":
        raise RuntimeError(
            "Integer division with addcdiv is no longer supported, and in a future  release "
            "addcdiv will perform a true division of tensor1 and tensor2. The historic addcdiv "
            "behavior can be implemented as (input + value * torch.trunc(tensor1 / tensor2))."
            "to(input.dtype) for integer inputs and as (input + value * tensor1 / tensor2) for "
            "float inputs. The future addcdiv behavior is just the latter implementation: "
            "(input + value * tensor1 / tensor2), for all dtypes."
        )
    return AddcdivBackward0.apply(a, t1, t2, value=value)


@tensor_method("lerp")
def lerp(input: Tensor, end: Tensor, weight: float) -> Tensor:
    """``input + weight · (end − input)``: the straight line from ``input`` to ``end``."""
    if isinstance(weight, Tensor):
        raise NotImplementedError("minigrad's lerp takes a number as its weight")
    if input._data.dtype != end._data.dtype:
        raise RuntimeError(
            f"expected dtype {input.dtype.c_name} for `end` but got dtype {end.dtype.c_name}"
        )
    return LerpBackward0.apply(input, end, weight=weight)
