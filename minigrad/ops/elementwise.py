"""Functions applied to each element (exp, log, tanh, relu …), choosing and copying, and
conversions between dtypes; each with its derivative rule."""

from __future__ import annotations

from typing import Any

import numpy as np

from minigrad import _dtype
from minigrad._dtype import dtype
from minigrad.autograd.function import Function
from minigrad.ops import _xp, bounds
from minigrad.ops._operands import operands
from minigrad.ops.arithmetic import floating
from minigrad.tensor import Tensor, tensor_method


class ExpBackward0(Function):
    formula = "exp(self)"
    rules = ("grad · result",)
    saved = ("result",)

    @staticmethod
    def forward(a: np.ndarray) -> np.ndarray:
        return np.exp(a)

    def backward(self, grad: Any, result: Any) -> Any:
        return grad * result


class LogBackward0(Function):
    formula = "ln(self)"
    rules = ("grad / self",)
    saved = ("self",)

    @staticmethod
    def forward(a: np.ndarray) -> np.ndarray:
        return np.log(a)

    def backward(self, grad: Any, a: Any) -> Any:
        return grad / a


class SqrtBackward0(Function):
    formula = "√self"
    rules = ("grad / (2 · result)",)
    saved = ("result",)

    @staticmethod
    def forward(a: np.ndarray) -> np.ndarray:
        return np.sqrt(a)

    def backward(self, grad: Any, result: Any) -> Any:
        return grad / (2 * result)


class AbsBackward0(Function):
    formula = "|self|"
    rules = ("grad · sign(self)",)
    saved = ("self",)

    @staticmethod
    def forward(a: np.ndarray) -> np.ndarray:
        return np.abs(a)

    def backward(self, grad: Any, a: Any) -> Any:
        return grad * _xp.sign(a)


class SinBackward0(Function):
    formula = "sin(self)"
    rules = ("grad · cos(self)",)
    saved = ("self",)

    @staticmethod
    def forward(a: np.ndarray) -> np.ndarray:
        return np.sin(a)

    def backward(self, grad: Any, a: Any) -> Any:
        return grad * _xp.cos(a)


class CosBackward0(Function):
    formula = "cos(self)"
    rules = ("−grad · sin(self)",)
    saved = ("self",)

    @staticmethod
    def forward(a: np.ndarray) -> np.ndarray:
        return np.cos(a)

    def backward(self, grad: Any, a: Any) -> Any:
        return -grad * _xp.sin(a)


class TanhBackward0(Function):
    formula = "tanh(self)"
    rules = ("grad · (1 − result²)",)
    saved = ("result",)

    @staticmethod
    def forward(a: np.ndarray) -> np.ndarray:
        return np.tanh(a)

    def backward(self, grad: Any, result: Any) -> Any:
        return grad * (1 - result * result)


class SigmoidBackward0(Function):
    formula = "1 / (1 + exp(−self))"
    rules = ("grad · result · (1 − result)",)
    saved = ("result",)

    @staticmethod
    def forward(a: np.ndarray) -> np.ndarray:
        return 1 / (
            1 + np.exp(-a)
        )  # as PyTorch computes it: exp(100) = inf gives 0, not a denormal

    def backward(self, grad: Any, result: Any) -> Any:
        return grad * result * (1 - result)


class ReluBackward0(Function):
    formula = "max(self, 0)"
    rules = ("grad where result > 0, else 0",)
    saved = ("result",)

    @staticmethod
    def forward(a: np.ndarray) -> np.ndarray:
        return np.where(a < 0, 0, a)  # as PyTorch: -0. and NaN stay as they are

    def backward(self, grad: Any, result: Any) -> Any:
        return ThresholdBackwardBackward0.apply(grad, result, threshold=0)


class ThresholdBackwardBackward0(Function):
    """relu's backward as an op of its own, as in PyTorch: recorded under create_graph, it
    keeps the link to ``self`` (with a zero derivative), so second derivatives work."""

    formula = "grad_output where self > threshold, else 0"
    rules = ("grad where self > threshold, else 0", "0")
    input_names = ("grad_output", "self")
    saved = ("self", "threshold")

    @staticmethod
    def forward(grad: np.ndarray, a: np.ndarray, threshold: Any) -> np.ndarray:
        return np.where(a <= threshold, 0, grad)  # (a NaN passes grad on, as in PyTorch)

    def backward(self, grad: Any, a: Any, threshold: Any) -> tuple:
        return ThresholdBackwardBackward0.apply(grad, a, threshold=threshold), _xp.zeros_like(a)


class ClampBackward1(Function):
    formula = "min(max(self, min), max)"
    rules = ("grad · (min ≤ self ≤ max)",)
    saved = ("self", "min", "max")

    @staticmethod
    def forward(a: np.ndarray, min: Any, max: Any) -> np.ndarray:
        if a.dtype.kind in "iu":  # a bound is cast to the dtype first, as PyTorch does:
            # clamp(uint8, -1, 1) has min 255 > max 1, so every element is 1
            min, max = (None if b is None else np.array(b).astype(a.dtype) for b in (min, max))
        return np.clip(a, min, max)

    def backward(self, grad: Any, a: Any, low: Any, high: Any) -> Any:
        inside = (a >= (-np.inf if low is None else low)) & (
            a <= (np.inf if high is None else high)
        )
        return _xp.where(inside, grad, 0)  # (0, not −0 for a negative grad: as PyTorch)


class WhereBackward0(Function):
    formula = "condition ? self : other"
    rules = ("grad where condition, else 0", "grad where not condition, else 0")
    saved = ("condition",)

    @staticmethod
    def forward(a: Any, b: Any, condition: np.ndarray) -> np.ndarray:
        return np.where(condition, a, b)

    def backward(self, grad: Any, condition: Any) -> tuple:
        return _xp.where(condition, grad, 0), _xp.where(condition, 0, grad)


class ToCopyBackward0(Function):
    formula = "self converted to dtype"
    rules = ("grad converted back to self's dtype",)
    saved = ("self_dtype",)

    @staticmethod
    def forward(a: np.ndarray, dt: dtype) -> np.ndarray:
        return a.astype(dt.numpy)

    def backward(self, grad: Any, self_dtype: dtype) -> Any:
        return _xp.to(grad, self_dtype)


class FillBackward2(Function):
    formula = "value everywhere"
    rules = ("0: the old values are gone",)

    @staticmethod
    def forward(a: np.ndarray, value: Any) -> np.ndarray:
        return np.full_like(a, value)

    def backward(self, grad: Any) -> Any:
        return _xp.zeros_like(grad)


class ZeroBackward0(FillBackward2):
    formula = "0 everywhere"


class SignBackward0(Function):
    formula = "sign(self)"
    rules = ("0: sign is flat",)

    @staticmethod
    def forward(a: np.ndarray) -> np.ndarray:
        return a.copy() if a.dtype.kind == "b" else _xp.sign(a)  # a bool is its own sign

    def backward(self, grad: Any) -> Any:
        return _xp.zeros_like(grad)


class CloneBackward0(Function):
    formula = "a copy of self"
    rules = ("grad",)

    @staticmethod
    def forward(a: np.ndarray) -> np.ndarray:
        return a.copy()

    def backward(self, grad: Any) -> Any:
        return grad


# -- the functions a learner calls -----------------------------------------------------------


@tensor_method("exp")
def exp(input: Tensor) -> Tensor:
    """eˣ, elementwise."""
    return ExpBackward0.apply(floating(input))


@tensor_method("log")
def log(input: Tensor) -> Tensor:
    """Natural logarithm, elementwise."""
    return LogBackward0.apply(floating(input))


@tensor_method("sqrt")
def sqrt(input: Tensor) -> Tensor:
    """Square root, elementwise."""
    return SqrtBackward0.apply(floating(input))


@tensor_method("abs", "__abs__")
def abs(input: Tensor) -> Tensor:
    """Absolute value, elementwise."""
    if input._data.dtype == np.bool_:
        raise NotImplementedError("\"abs_cpu\" not implemented for 'Bool'")
    return AbsBackward0.apply(input)


@tensor_method("sin")
def sin(input: Tensor) -> Tensor:
    """Sine, elementwise."""
    return SinBackward0.apply(floating(input))


@tensor_method("cos")
def cos(input: Tensor) -> Tensor:
    """Cosine, elementwise."""
    return CosBackward0.apply(floating(input))


@tensor_method("tanh")
def tanh(input: Tensor) -> Tensor:
    """Hyperbolic tangent, elementwise."""
    return TanhBackward0.apply(floating(input))


@tensor_method("sigmoid")
def sigmoid(input: Tensor) -> Tensor:
    """1 / (1 + e⁻ˣ), elementwise."""
    return SigmoidBackward0.apply(floating(input))


@tensor_method("relu")
def relu(input: Tensor) -> Tensor:
    """max(x, 0), elementwise."""
    return ReluBackward0.apply(input)


@tensor_method("clamp", "clip")
def clamp(input: Tensor, min: Any = None, max: Any = None) -> Tensor:
    """Each element limited to ``[min, max]``."""
    if min is None and max is None:
        raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        return bounds.clamp_between(input, min, max)
    if input._data.dtype.kind in "iu":
        for bound in (min, max):
            _check_integer_bound(bound, input._data.dtype)
    for bound in (min, max):
        if bound is not None:
            input, _ = operands(input, bound)  # an integer tensor clamped to 2.5 becomes float
    return ClampBackward1.apply(input, min=min, max=max)


#: the C++ names PyTorch's clamp gives integer types in its overflow error
_C_INTEGERS = {"int8": "int8_t", "uint8": "uint8_t", "int16": "int16_t", "int32": "int"}


def _check_integer_bound(bound: Any, dt: np.dtype) -> None:
    """PyTorch's errors for a bound an integer dtype cannot hold; negative bounds of a uint8
    tensor wrap around instead, as there."""
    if type(bound) is not int:
        return
    if not -(2**63) <= bound < 2**63:
        raise OverflowError("int too big to convert")
    info = np.iinfo(dt)
    if bound > info.max or bound < (info.min if info.min < 0 else -(2**63)):
        raise RuntimeError(
            f"value cannot be converted to type {_C_INTEGERS[dt.name]} without overflow"
        )


clip = clamp  # PyTorch's alias


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
    if not isinstance(a, Tensor):  # a number beside a float tensor: where needs two arrays
        a = Tensor._make(np.asarray(a, dtype=b._data.dtype))
    if not isinstance(b, Tensor):
        b = Tensor._make(np.asarray(b, dtype=a._data.dtype))
    return WhereBackward0.apply(a, b, condition=condition._data)


@tensor_method("where")
def where_method(input: Tensor, condition: Tensor, other: Any) -> Tensor:
    """``self`` where ``condition`` holds, else ``other`` (``torch.where(condition, self, other)``)."""
    return where(condition, input, other)


@tensor_method("sign")
def sign(input: Tensor) -> Tensor:
    """-1, 0 or 1 by the sign of each element (0 for NaN); its gradient is 0. A bool is its
    own sign."""
    return SignBackward0.apply(input)


@tensor_method("clone")
def clone(input: Tensor) -> Tensor:
    """A copy with its own memory, recorded in the graph."""
    return CloneBackward0.apply(input)


def to_dtype(input: Tensor, dtype: dtype) -> Tensor:
    """``input`` converted to ``dtype`` (the same tensor if it already has it)."""
    dtype = _dtype.check(dtype, "to")
    if input._data.dtype == dtype.numpy:
        return input
    if input._requires_grad and not dtype.is_floating_point:
        return Tensor._make(input._data.astype(dtype.numpy))
    return ToCopyBackward0.apply(input, dt=dtype)


@tensor_method("to")
def to(input: Tensor, *args: Any, **kwargs: Any) -> Tensor:
    """Convert to a dtype: ``t.to(torch.float64)``; devices other than "cpu" are not offered."""
    target = kwargs.pop("dtype", None)
    for arg in args:
        if isinstance(arg, _dtype.dtype):
            target = arg
        elif isinstance(arg, str) and arg != "cpu":
            raise RuntimeError(f"Invalid device string: '{arg}'")
        elif arg != "cpu":
            raise TypeError(f"to() received an invalid combination of arguments - got ({arg!r})")
    return input if target is None else to_dtype(input, target)


@tensor_method("type")
def type_(input: Tensor, dtype: Any = None) -> Any:
    """The type name (``'torch.FloatTensor'``), or a copy converted to ``dtype``."""
    if dtype is None:
        return f"torch.{input.dtype.title}Tensor"
    return to_dtype(input, dtype)


@tensor_method("float")
def float_(input: Tensor) -> Tensor:
    """This tensor converted to torch.float32."""
    return to_dtype(input, _dtype.float32)


@tensor_method("double")
def double(input: Tensor) -> Tensor:
    """This tensor converted to torch.float64."""
    return to_dtype(input, _dtype.float64)


@tensor_method("half")
def half(input: Tensor) -> Tensor:
    """This tensor converted to torch.float16."""
    return to_dtype(input, _dtype.float16)


@tensor_method("long")
def long(input: Tensor) -> Tensor:
    """This tensor converted to torch.int64."""
    return to_dtype(input, _dtype.int64)


@tensor_method("int")
def int_(input: Tensor) -> Tensor:
    """This tensor converted to torch.int32."""
    return to_dtype(input, _dtype.int32)


@tensor_method("bool")
def bool_(input: Tensor) -> Tensor:
    """This tensor converted to torch.bool."""
    return to_dtype(input, _dtype.bool_)
