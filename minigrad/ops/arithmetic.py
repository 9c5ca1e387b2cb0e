"""Arithmetic: + − · / and powers, each with its derivative rule.

Each op is a node class (forward and backward side by side) and the function a learner calls,
which also makes the Tensor methods and operators (``@tensor_method``).
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

from minigrad import _dtype
from minigrad.autograd.function import Function
from minigrad.ops import _xp, division
from minigrad.ops._operands import operands
from minigrad.tensor import Tensor, is_number, tensor_method


class AddBackward0(Function):
    formula = "self + alpha·other"
    rules = ("grad", "grad · alpha")
    saved = ("alpha",)

    @staticmethod
    def forward(a: Any, b: Any, alpha: Any = 1) -> Any:
        return a + b if alpha == 1 else _fused(a, alpha, b)

    def backward(self, grad: Any, alpha: Any) -> tuple:
        return grad, grad if alpha == 1 else grad * alpha


class SubBackward0(Function):
    formula = "self − alpha·other"
    rules = ("grad", "−grad · alpha")
    saved = ("alpha",)

    @staticmethod
    def forward(a: Any, b: Any, alpha: Any = 1) -> Any:
        return a - b if alpha == 1 else _fused(a, -alpha, b)

    def backward(self, grad: Any, alpha: Any) -> tuple:
        return grad, -grad if alpha == 1 else grad * -alpha


class RsubBackward1(Function):
    """``number − tensor``: the number is not an input, so there is one edge."""

    formula = "other − alpha·self"
    rules = ("−grad · alpha",)
    saved = ("alpha",)

    @staticmethod
    def forward(a: np.ndarray, other: Any, alpha: Any = 1) -> np.ndarray:
        return np.asarray(other - alpha * a, dtype=a.dtype)

    def backward(self, grad: Any, alpha: Any) -> Any:
        return -grad if alpha == 1 else grad * -alpha


class MulBackward0(Function):
    formula = "self · other"
    rules = ("grad · other", "grad · self")
    saved = ("self", "other")
    saved_only_for = {"self": "other", "other": "self"}

    @staticmethod
    def forward(a: Any, b: Any) -> Any:
        return a * b

    def backward(self, grad: Any, a: Any, b: Any) -> tuple:
        need_a, need_b = self.needs_input_grad
        return grad * b if need_a else None, grad * a if need_b else None


class DivBackward0(Function):
    formula = "self / other"
    rules = ("grad / other", "−grad · self / other²")
    saved = ("self", "other")
    saved_only_for = {"self": "other"}

    @staticmethod
    def forward(a: Any, b: Any) -> Any:
        return a / b

    def backward(self, grad: Any, a: Any, b: Any) -> tuple:
        need_a, need_b = self.needs_input_grad
        return grad / b if need_a else None, -grad * a / (b * b) if need_b else None


class ReciprocalBackward0(Function):
    formula = "1 / self"
    rules = ("−grad · result²",)
    saved = ("result",)

    @staticmethod
    def forward(a: np.ndarray) -> np.ndarray:
        return 1 / a

    def backward(self, grad: Any, result: Any) -> Any:
        return -grad * result * result


class NegBackward0(Function):
    formula = "−self"
    rules = ("−grad",)

    @staticmethod
    def forward(a: np.ndarray) -> np.ndarray:
        return -a

    def backward(self, grad: Any) -> Any:
        return -grad


class PowBackward0(Function):
    """``tensor ** number``."""

    formula = "self ^ exponent"
    rules = ("grad · exponent · self^(exponent − 1)",)
    saved = ("self", "exponent")

    @staticmethod
    def forward(a: np.ndarray, exponent: Any) -> np.ndarray:
        return np.asarray(a**exponent, dtype=a.dtype)

    def backward(self, grad: Any, a: Any, exponent: Any) -> Any:
        if exponent == 0:
            return grad * 0
        return grad * exponent * a ** (exponent - 1)


class PowBackward1(Function):
    """``tensor ** tensor``."""

    formula = "self ^ exponent"
    rules = (
        "grad · exponent · self^(exponent − 1)",
        "grad · result · ln(self), 0 where self = 0 and exponent ≥ 0",
    )
    input_names = ("self", "exponent")
    saved = ("self", "exponent", "result")

    @staticmethod
    def forward(a: Any, b: Any) -> Any:
        return _power(a, b)

    def backward(self, grad: Any, a: Any, exponent: Any, result: Any) -> tuple:
        need_a, need_b = self.needs_input_grad
        return (
            _xp.where(exponent == 0, 0, grad * exponent * a ** (exponent - 1)) if need_a else None,
            _xp.where((a == 0) & (exponent >= 0), 0, grad * result * _xp.log(a))
            if need_b
            else None,
        )


class PowBackward2(Function):
    """``number ** tensor``: the number is not an input, so there is one edge."""

    formula = "self ^ exponent"
    rules = ("grad · result · ln(self)",)
    input_names = ("exponent",)
    saved = ("self", "exponent", "result")

    @staticmethod
    def forward(exponent: np.ndarray, self: Any) -> np.ndarray:  # noqa: PLW0211 - PyTorch's name
        return np.asarray(_power(self, exponent), dtype=exponent.dtype)

    def backward(self, grad: Any, base: Any, exponent: Any, result: Any) -> Any:
        if base == 0:  # as PyTorch: 0^x contributes no gradient where x >= 0
            return _xp.where(exponent >= 0, 0, grad * result * float("-inf"))
        return grad * result * float(np.log(base))


def _power(base: Any, exponent: Any) -> Any:
    """``base ** exponent``; an integer to a negative integer power as PyTorch computes it:
    1 and -1 keep their magnitude (1, or ±1 by parity), anything else gives 0."""
    if np.result_type(base, exponent).kind not in "iu" or not np.any(exponent < 0):
        return base**exponent
    negative = exponent < 0
    powered = base ** np.where(negative, 0, exponent)
    odd = exponent % 2 == 1
    at_negative = np.where(base == 1, 1, np.where(base == -1, np.where(odd, -1, 1), 0))
    return np.where(negative, at_negative, powered).astype(np.result_type(powered))


def _fused(a: Any, alpha: Any, b: Any) -> Any:
    """``a + alpha·b`` rounded once, as PyTorch's fused multiply-add does: computing it in
    float64 and rounding to float32 gives the tutorial's last digit (w.add_(grad, alpha=-lr))."""
    a = np.asarray(a)
    float_type = a.dtype
    if float_type.kind != "f" or float_type == np.float64:
        return a + alpha * b
    product = np.array(b, dtype=np.float64)  # a float32 product is exact in float64
    product *= _rounded(float_type, alpha)  # alpha is first rounded to the tensor's type
    # (float64 with float64: numpy's fast loops, where mixing types would buffer and cast)
    return (product + a.astype(np.float64)).astype(float_type)


@functools.lru_cache(maxsize=64)
def _rounded(float_type: np.dtype, number: Any) -> np.float64:
    """``number`` rounded to ``float_type``, as a float64 (an optimizer asks for the same few)."""
    return np.float64(float_type.type(number))


# -- the functions a learner calls -----------------------------------------------------------

_TRUE_DIVISION = object()  # div() without a rounding_mode (an explicit None records DivBackward2)


@tensor_method("add")
@tensor_method("__add__", "__radd__", operator=True)  # PyTorch keeps the tensor first in 1 + t
def add(input: Tensor, other: Any, *, alpha: Any = 1) -> Tensor:
    """``input + alpha * other``, broadcasting."""
    a, b = operands(input, other)
    return AddBackward0.apply(a, b) if alpha == 1 else AddBackward0.apply(a, b, alpha=alpha)


@tensor_method("sub")
@tensor_method("__sub__", operator=True)
def sub(input: Tensor, other: Any, *, alpha: Any = 1) -> Tensor:
    """``input - alpha * other``, broadcasting."""
    _no_bool_subtraction(input, other)
    a, b = operands(input, other)
    return SubBackward0.apply(a, b) if alpha == 1 else SubBackward0.apply(a, b, alpha=alpha)


@tensor_method("__rsub__", operator=True)
def rsub(input: Tensor, other: Any, *, alpha: Any = 1) -> Tensor:
    """``other - alpha * input`` for a number ``other`` (``2 - t``)."""
    _no_bool_subtraction(input, other)
    a, _ = operands(input, other)
    return RsubBackward1.apply(a, other=other, alpha=alpha)


def _is_bool(value: Any) -> bool:
    if isinstance(value, Tensor):
        return value._data.dtype.kind == "b"
    return isinstance(value, (bool, np.bool_))


def _no_bool_subtraction(input: Any, other: Any) -> None:
    """PyTorch's errors for ``-`` with bools, and the operator a learner may have meant."""
    bools = (_is_bool(input), _is_bool(other))
    if not any(bools):
        return
    if all(bools):
        raise RuntimeError(
            "Subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` "
            "or `logical_xor()` operator instead."
        )
    raise RuntimeError(
        "Subtraction, the `-` operator, with a bool tensor is not supported. If you are "
        "trying to invert a mask, use the `~` or `logical_not()` operator instead."
    )


@tensor_method("mul")
@tensor_method("__mul__", "__rmul__", operator=True)
def mul(input: Tensor, other: Any) -> Tensor:
    """``input * other``, broadcasting."""
    a, b = operands(input, other)
    return MulBackward0.apply(a, b)


@tensor_method("div")
@tensor_method("__truediv__", operator=True)
def div(input: Tensor, other: Any, *, rounding_mode: Any = _TRUE_DIVISION) -> Tensor:
    """True division, ``input / other`` (integers give float32), or the quotient rounded
    toward zero (``rounding_mode="trunc"``) or down (``"floor"``), whose gradient is 0."""
    if rounding_mode is not _TRUE_DIVISION:
        return division.div_rounded(input, other, rounding_mode)
    a, b = operands(input, other, floating=True)
    return DivBackward0.apply(a, b)


@tensor_method("__rtruediv__", operator=True)
def rdiv(input: Tensor, other: Any) -> Tensor:
    """``other / input`` for a number ``other``: PyTorch records ``reciprocal`` then ``mul``."""
    return mul(reciprocal(input), other)


@tensor_method("reciprocal")
def reciprocal(input: Tensor) -> Tensor:
    """``1 / input``."""
    return ReciprocalBackward0.apply(floating(input))


@tensor_method("neg", "__neg__")
def neg(input: Tensor) -> Tensor:
    """``-input``."""
    if input._data.dtype == np.bool_:
        raise RuntimeError(
            "Negation, the `-` operator, on a bool tensor is not supported. If you are trying "
            "to invert a mask, use the `~` or `logical_not()` operator instead."
        )
    return NegBackward0.apply(input)


@tensor_method("__pos__")
def positive(input: Tensor) -> Tensor:
    """``+input``: the tensor itself."""
    return input


@tensor_method("pow")
@tensor_method("__pow__", operator=True)
def pow(input: Any, exponent: Any) -> Tensor:
    """``input ** exponent`` for tensors and numbers on either side."""
    if isinstance(input, Tensor) and is_number(exponent):
        # a float tensor keeps its type; an integer one may become float (x ** 0.5)
        a = input if input._data.dtype.kind == "f" else operands(input, exponent)[0]
        if a._data.dtype.kind in "iu" and exponent < 0:
            raise RuntimeError("Integers to negative integer powers are not allowed.")
        return PowBackward0.apply(a, exponent=exponent)
    if isinstance(exponent, Tensor) and is_number(input):
        _, b = operands(input, exponent)
        return PowBackward2.apply(b, self=input)
    a, b = operands(input, exponent)
    return PowBackward1.apply(a, b)


@tensor_method("square")
def square(input: Tensor) -> Tensor:
    """x², elementwise (``input ** 2``, recorded as PowBackward0, as in PyTorch)."""
    return pow(input, 2)


@tensor_method("__rpow__", operator=True)
def rpow(input: Tensor, other: Any) -> Tensor:
    """``other ** input`` for a number ``other`` (``2 ** t``)."""
    return pow(other, input)


def floating(input: Tensor) -> Tensor:
    """Integer and bool tensors become float32 for functions like exp, as in PyTorch."""
    return input if input._data.dtype.kind == "f" else input.to(_dtype.default_float)
