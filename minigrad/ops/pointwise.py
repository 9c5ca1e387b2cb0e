"""Elementwise ops: arithmetic and the usual functions, each with its derivative rule."""

from __future__ import annotations

from typing import Any

import numpy as np

from minigrad import _dtype
from minigrad._dtype import dtype
from minigrad.autograd.graph import Function
from minigrad.ops._apply import apply, cast, is_number, operands, scalar_tensor
from minigrad.tensor import Tensor

# -- arithmetic ------------------------------------------------------------------------------


class AddBackward0(Function):
    formula = "self + alpha·other"
    rules = ("grad", "grad · alpha")

    def forward(self, a: Tensor, b: Tensor, alpha: Any = 1) -> np.ndarray:
        self.save(alpha=alpha)
        return a._data + b._data if alpha == 1 else _fused(a._data, alpha, b._data)

    def backward(self, grad: Tensor) -> tuple:
        alpha = self._saved_alpha
        return grad, grad if alpha == 1 else grad * alpha


class SubBackward0(Function):
    formula = "self − alpha·other"
    rules = ("grad", "−grad · alpha")

    def forward(self, a: Tensor, b: Tensor, alpha: Any = 1) -> np.ndarray:
        self.save(alpha=alpha)
        return a._data - b._data if alpha == 1 else _fused(a._data, -alpha, b._data)

    def backward(self, grad: Tensor) -> tuple:
        alpha = self._saved_alpha
        return grad, -grad if alpha == 1 else grad * -alpha


class RsubBackward1(Function):
    """``number − tensor``: the number is not an input, so there is one edge."""

    formula = "other − alpha·self"
    rules = ("−grad · alpha",)

    def forward(self, a: Tensor, other: Any, alpha: Any = 1) -> np.ndarray:
        self.save(alpha=alpha)
        return np.asarray(other - alpha * a._data, dtype=a._data.dtype)

    def backward(self, grad: Tensor) -> Tensor:
        alpha = self._saved_alpha
        return -grad if alpha == 1 else grad * -alpha


class MulBackward0(Function):
    formula = "self · other"
    rules = ("grad · other", "grad · self")

    def forward(self, a: Tensor, b: Tensor) -> np.ndarray:
        # Each input is only needed for the other one's gradient.
        self.save(self=a if b._requires_grad else None, other=b if a._requires_grad else None)
        return a._data * b._data

    def backward(self, grad: Tensor) -> tuple:
        need_a, need_b = self.needs_input_grad
        return (
            grad * self._saved_other if need_a else None,
            grad * self._saved_self if need_b else None,
        )


class DivBackward0(Function):
    formula = "self / other"
    rules = ("grad / other", "−grad · self / other²")

    def forward(self, a: Tensor, b: Tensor) -> np.ndarray:
        self.save(self=a if b._requires_grad else None, other=b)
        return a._data / b._data

    def backward(self, grad: Tensor) -> tuple:
        need_a, need_b = self.needs_input_grad
        other = self._saved_other
        return (
            grad / other if need_a else None,
            -grad * self._saved_self / (other * other) if need_b else None,
        )


class ReciprocalBackward0(Function):
    formula = "1 / self"
    rules = ("−grad · result²",)
    saves_result = True

    def forward(self, a: Tensor) -> np.ndarray:
        return 1 / a._data

    def backward(self, grad: Tensor) -> Tensor:
        result = self._saved_result
        return -grad * result * result


class NegBackward0(Function):
    formula = "−self"
    rules = ("−grad",)

    def forward(self, a: Tensor) -> np.ndarray:
        return -a._data

    def backward(self, grad: Tensor) -> Tensor:
        return -grad


class PowBackward0(Function):
    """``tensor ** number``."""

    formula = "self ^ exponent"
    rules = ("grad · exponent · self^(exponent − 1)",)

    def forward(self, a: Tensor, exponent: Any) -> np.ndarray:
        self.save(self=a, exponent=exponent)
        return np.asarray(a._data**exponent, dtype=a._data.dtype)

    def backward(self, grad: Tensor) -> Tensor:
        exponent = self._saved_exponent
        if exponent == 0:
            return grad * 0
        return grad * exponent * self._saved_self ** (exponent - 1)


class PowBackward1(Function):
    """``tensor ** tensor``."""

    formula = "self ^ exponent"
    rules = ("grad · exponent · self^(exponent − 1)", "grad · result · ln(self)")
    input_names = ("self", "exponent")
    saves_result = True

    def forward(self, a: Tensor, b: Tensor) -> np.ndarray:
        self.save(self=a, exponent=b)
        return a._data**b._data

    def backward(self, grad: Tensor) -> tuple:
        need_a, need_b = self.needs_input_grad
        base, exponent = self._saved_self, self._saved_exponent
        zero = scalar_tensor(0, grad.dtype)
        return (
            where(exponent == 0, zero, grad * exponent * base ** (exponent - 1))
            if need_a
            else None,
            grad * self._saved_result * _masked_log(base) if need_b else None,
        )


class PowBackward2(Function):
    """``number ** tensor``: the number is not an input, so there is one edge."""

    formula = "self ^ exponent"
    rules = ("grad · result · ln(self)",)
    input_names = ("exponent",)
    saves_result = True

    def forward(self, exponent: Tensor, base: Any) -> np.ndarray:
        self.save(self=base, exponent=exponent)
        return np.asarray(base**exponent._data, dtype=exponent._data.dtype)

    def backward(self, grad: Tensor) -> Tensor:
        base, exponent = self._saved_self, self._saved_exponent
        if base == 0:  # as PyTorch: 0^x contributes no gradient where x >= 0
            zero = scalar_tensor(0, grad.dtype)
            return where(exponent >= 0, zero, grad * self._saved_result * float("-inf"))
        return grad * self._saved_result * float(np.log(base))


def _masked_log(base: Tensor) -> Tensor:
    """ln(base), with 0 where base is 0 (PyTorch's convention: 0^x contributes no gradient)."""
    return log(base.masked_fill(base == 0, 1))


# -- functions of one tensor -----------------------------------------------------------------


class ExpBackward0(Function):
    formula = "exp(self)"
    rules = ("grad · result",)
    saves_result = True

    def forward(self, a: Tensor) -> np.ndarray:
        return np.exp(a._data)

    def backward(self, grad: Tensor) -> Tensor:
        return grad * self._saved_result


class LogBackward0(Function):
    formula = "ln(self)"
    rules = ("grad / self",)

    def forward(self, a: Tensor) -> np.ndarray:
        self.save(self=a)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.log(a._data)

    def backward(self, grad: Tensor) -> Tensor:
        return grad / self._saved_self


class SqrtBackward0(Function):
    formula = "√self"
    rules = ("grad / (2 · result)",)
    saves_result = True

    def forward(self, a: Tensor) -> np.ndarray:
        with np.errstate(invalid="ignore"):
            return np.sqrt(a._data)

    def backward(self, grad: Tensor) -> Tensor:
        return grad / (2 * self._saved_result)


class AbsBackward0(Function):
    formula = "|self|"
    rules = ("grad · sign(self)",)

    def forward(self, a: Tensor) -> np.ndarray:
        self.save(self=a)
        return np.abs(a._data)

    def backward(self, grad: Tensor) -> Tensor:
        return grad * self._saved_self.sign()


class SinBackward0(Function):
    formula = "sin(self)"
    rules = ("grad · cos(self)",)

    def forward(self, a: Tensor) -> np.ndarray:
        self.save(self=a)
        return np.sin(a._data)

    def backward(self, grad: Tensor) -> Tensor:
        return grad * self._saved_self.cos()


class CosBackward0(Function):
    formula = "cos(self)"
    rules = ("−grad · sin(self)",)

    def forward(self, a: Tensor) -> np.ndarray:
        self.save(self=a)
        return np.cos(a._data)

    def backward(self, grad: Tensor) -> Tensor:
        return -grad * self._saved_self.sin()


class TanhBackward0(Function):
    formula = "tanh(self)"
    rules = ("grad · (1 − result²)",)
    saves_result = True

    def forward(self, a: Tensor) -> np.ndarray:
        return np.tanh(a._data)

    def backward(self, grad: Tensor) -> Tensor:
        result = self._saved_result
        return grad * (1 - result * result)


class SigmoidBackward0(Function):
    formula = "1 / (1 + exp(−self))"
    rules = ("grad · result · (1 − result)",)
    saves_result = True

    def forward(self, a: Tensor) -> np.ndarray:
        x = a._data
        # Split by sign so that exp never overflows.
        z = np.exp(-np.abs(x))
        return np.where(x >= 0, 1 / (1 + z), z / (1 + z)).astype(x.dtype, copy=False)

    def backward(self, grad: Tensor) -> Tensor:
        result = self._saved_result
        return grad * result * (1 - result)


class ReluBackward0(Function):
    formula = "max(self, 0)"
    rules = ("grad · (result > 0)",)
    saves_result = True

    def forward(self, a: Tensor) -> np.ndarray:
        return np.maximum(a._data, 0)

    def backward(self, grad: Tensor) -> Tensor:
        return grad * (self._saved_result > 0)


class ClampBackward1(Function):
    formula = "min(max(self, min), max)"
    rules = ("grad · (min ≤ self ≤ max)",)

    def forward(self, a: Tensor, low: Any, high: Any) -> np.ndarray:
        self.save(self=a, min=low, max=high)
        return np.clip(a._data, low, high)

    def backward(self, grad: Tensor) -> Tensor:
        a, low, high = self._saved_self, self._saved_min, self._saved_max
        inside = (a >= (-np.inf if low is None else low)) & (
            a <= (np.inf if high is None else high)
        )
        return grad * inside


class WhereBackward0(Function):
    formula = "condition ? self : other"
    rules = ("grad where condition, else 0", "grad where not condition, else 0")

    def forward(self, a: Tensor, b: Tensor, condition: Tensor) -> np.ndarray:
        self.save(condition=condition)
        return np.where(condition._data, a._data, b._data)

    def backward(self, grad: Tensor) -> tuple:
        condition = self._saved_condition
        zero = scalar_tensor(0, grad.dtype)
        return where(condition, grad, zero), where(condition, zero, grad)


class ToCopyBackward0(Function):
    formula = "self converted to dtype"
    rules = ("grad converted back to self's dtype",)

    def forward(self, a: Tensor, dt: dtype) -> np.ndarray:
        self.save(self_dtype=a.dtype)
        return a._data.astype(dt.numpy)

    def backward(self, grad: Tensor) -> Tensor:
        return grad.to(self._saved_self_dtype)


class FillBackward2(Function):
    formula = "value everywhere"
    rules = ("0: the old values are gone",)

    def forward(self, a: Tensor, value: Any) -> np.ndarray:
        return np.full_like(a._data, value)

    def backward(self, grad: Tensor) -> Tensor:
        return Tensor._make(np.zeros_like(grad._data))


class ZeroBackward0(FillBackward2):
    formula = "0 everywhere"


class CloneBackward0(Function):
    formula = "a copy of self"
    rules = ("grad",)

    def forward(self, a: Tensor) -> np.ndarray:
        return a._data.copy()

    def backward(self, grad: Tensor) -> Tensor:
        return grad


def _fused(a: np.ndarray, alpha: Any, b: np.ndarray) -> np.ndarray:
    """``a + alpha·b`` rounded once, as PyTorch's fused multiply-add does: computing it in
    float64 and rounding to float32 gives the tutorial's last digit (w.add_(grad, alpha=-lr))."""
    if a.dtype.kind != "f" or a.dtype == np.float64:
        return a + alpha * b
    alpha = float(np.asarray(alpha, dtype=a.dtype))  # alpha is first rounded to the tensor's type
    return (a.astype(np.float64) + alpha * b.astype(np.float64)).astype(a.dtype)


# -- the functions behind the Tensor methods --------------------------------------------------


def add(input: Tensor, other: Any, *, alpha: Any = 1) -> Tensor:
    """``input + alpha * other``, broadcasting."""
    a, b = operands(input, other)
    return apply(AddBackward0, a, b, alpha=alpha)


def sub(input: Tensor, other: Any, *, alpha: Any = 1) -> Tensor:
    """``input - alpha * other``, broadcasting."""
    _no_bool_subtraction(input, other)
    a, b = operands(input, other)
    return apply(SubBackward0, a, b, alpha=alpha)


def rsub(input: Tensor, other: Any, *, alpha: Any = 1) -> Tensor:
    """``other - alpha * input`` for a number ``other`` (``2 - t``)."""
    _no_bool_subtraction(input, other)
    a, _ = operands(input, other)
    return apply(RsubBackward1, a, other=other, alpha=alpha)


def _no_bool_subtraction(input: Any, other: Any) -> None:
    """PyTorch's errors for ``-`` with bools, and the operator a learner may have meant."""
    bools = [
        (isinstance(x, Tensor) and x._data.dtype == np.bool_) or isinstance(x, (bool, np.bool_))
        for x in (input, other)
    ]
    if all(bools):
        raise RuntimeError(
            "Subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` "
            "or `logical_xor()` operator instead."
        )
    if any(bools):
        raise RuntimeError(
            "Subtraction, the `-` operator, with a bool tensor is not supported. If you are "
            "trying to invert a mask, use the `~` or `logical_not()` operator instead."
        )


def mul(input: Tensor, other: Any) -> Tensor:
    """``input * other``, broadcasting."""
    a, b = operands(input, other)
    return apply(MulBackward0, a, b)


def div(input: Tensor, other: Any) -> Tensor:
    """True division, ``input / other``; integers give float32."""
    a, b = operands(input, other, floating=True)
    return apply(DivBackward0, a, b)


def rdiv(input: Tensor, other: Any) -> Tensor:
    """``other / input`` for a number ``other``: PyTorch records ``reciprocal`` then ``mul``."""
    return mul(reciprocal(input), other)


def reciprocal(input: Tensor) -> Tensor:
    """``1 / input``."""
    return apply(ReciprocalBackward0, _floating(input))


def neg(input: Tensor) -> Tensor:
    """``-input``."""
    if input._data.dtype == np.bool_:
        raise RuntimeError(
            "Negation, the `-` operator, on a bool tensor is not supported. If you are trying "
            "to invert a mask, use the `~` or `logical_not()` operator instead."
        )
    return apply(NegBackward0, input)


def pow(input: Any, exponent: Any) -> Tensor:
    """``input ** exponent`` for tensors and numbers on either side."""
    if isinstance(input, Tensor) and is_number(exponent):
        # a float tensor keeps its type; an integer one may become float (x ** 0.5)
        a = input if input._data.dtype.kind == "f" else operands(input, exponent)[0]
        return apply(PowBackward0, a, exponent=exponent)
    if isinstance(exponent, Tensor) and is_number(input):
        _, b = operands(input, exponent)
        return apply(PowBackward2, b, base=input)
    a, b = operands(input, exponent)
    return apply(PowBackward1, a, b)


def exp(input: Tensor) -> Tensor:
    """eˣ, elementwise."""
    return apply(ExpBackward0, _floating(input))


def log(input: Tensor) -> Tensor:
    """Natural logarithm, elementwise."""
    return apply(LogBackward0, _floating(input))


def sqrt(input: Tensor) -> Tensor:
    """Square root, elementwise."""
    return apply(SqrtBackward0, _floating(input))


def abs(input: Tensor) -> Tensor:
    """Absolute value, elementwise."""
    if input._data.dtype == np.bool_:
        raise NotImplementedError("\"abs_cpu\" not implemented for 'Bool'")
    return apply(AbsBackward0, input)


def sin(input: Tensor) -> Tensor:
    """Sine, elementwise."""
    return apply(SinBackward0, _floating(input))


def cos(input: Tensor) -> Tensor:
    """Cosine, elementwise."""
    return apply(CosBackward0, _floating(input))


def tanh(input: Tensor) -> Tensor:
    """Hyperbolic tangent, elementwise."""
    return apply(TanhBackward0, _floating(input))


def sigmoid(input: Tensor) -> Tensor:
    """1 / (1 + e⁻ˣ), elementwise."""
    return apply(SigmoidBackward0, _floating(input))


def relu(input: Tensor) -> Tensor:
    """max(x, 0), elementwise."""
    return apply(ReluBackward0, input)


def clamp(input: Tensor, min: Any = None, max: Any = None) -> Tensor:
    """Each element limited to ``[min, max]``."""
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    for bound in (min, max):
        if bound is not None:
            input, _ = operands(input, bound)  # an integer tensor clamped to 2.5 becomes float
    return apply(ClampBackward1, input, low=min, high=max)


def where(condition: Tensor, input: Any, other: Any) -> Tensor:
    """``input`` where ``condition`` holds, else ``other``."""
    if not isinstance(condition, Tensor) or condition._data.dtype != np.bool_:
        got = (
            f", but got a tensor with dtype {condition.dtype.title}"
            if isinstance(condition, Tensor)
            else ""
        )
        raise RuntimeError(f"where expected condition to be a boolean tensor{got}")
    a, b = operands(input, other)
    return apply(WhereBackward0, a, b, condition=condition)


def sign(input: Tensor) -> Tensor:
    """-1, 0 or 1 by the sign of each element (no gradient flows through it); a bool is its
    own sign."""
    if input._data.dtype == np.bool_:
        return Tensor._make(input._data.copy())
    return Tensor._make(np.sign(input._data))


def clone(input: Tensor) -> Tensor:
    """A copy with its own memory, recorded in the graph."""
    return apply(CloneBackward0, input)


def to(input: Tensor, dtype: dtype) -> Tensor:
    """``input`` converted to ``dtype`` (the same tensor if it already has it)."""
    dtype = _dtype.check(dtype, "to")
    if input._data.dtype == dtype.numpy:
        return input
    if input._requires_grad and not dtype.is_floating_point:
        return Tensor._make(input._data.astype(dtype.numpy))
    return apply(ToCopyBackward0, input, dt=dtype)


def _floating(input: Tensor) -> Tensor:
    """Integer and bool tensors become float32 for functions like exp, as in PyTorch."""
    return input if input._data.dtype.kind == "f" else cast(input, _dtype.default_float)
