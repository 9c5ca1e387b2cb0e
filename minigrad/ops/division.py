"""Rounded division and its remainders: ``//`` (floor_divide), ``%`` (remainder) and fmod.

- ``remainder`` (``%``) rounds the quotient down, as Python does: the result has the divisor's
  sign (``-7 % 2 == 1``). ``fmod`` rounds it toward zero, as C does: the result has the
  dividend's sign (``fmod(-7, 2) == -1``).
- Their gradient is ``grad`` for the dividend and ``−grad · quotient`` for the divisor, the
  quotient rounded the same way (``div(self, other, rounding_mode=…)``, whose own gradient is 0).
- PyTorch defines no derivative for ``floor_divide`` nor for ``number % tensor``: their node is
  ``NotImplemented``, which links the graph and raises PyTorch's error when backward reaches it.
- Integers divided by zero raise ``RuntimeError: ZeroDivisionError``; floats give inf and nan.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from minigrad.autograd.function import Function
from minigrad.autograd.graph import autograd_error
from minigrad.ops import _xp
from minigrad.ops._operands import operands
from minigrad.tensor import Tensor, is_number, tensor_method


class DivBackward2(Function):
    """``div(self, other, rounding_mode=...)``: a rounded quotient is flat between its jumps,
    so its gradient is 0; with ``rounding_mode=None`` it is true division's."""

    formula = "self / other, rounded (floor or trunc) when a rounding_mode is given"
    rules = ("0 when rounded, else grad / other", "0 when rounded, else −grad · self / other²")
    saved = ("self", "other", "rounding_mode")

    @staticmethod
    def forward(a: Any, b: Any, rounding_mode: str | None) -> Any:
        if rounding_mode is None:
            return a / b
        return _floor_divide(a, b) if rounding_mode == "floor" else _trunc_divide(a, b)

    def backward(self, grad: Any, a: Any, b: Any, rounding_mode: str | None) -> tuple:
        if rounding_mode is None:
            return grad / b, -grad * a / (b * b)
        return _xp.zeros_like(grad), _xp.zeros_like(grad)


class RemainderBackward0(Function):
    """``tensor % number``: the number is not an input, so there is one edge."""

    formula = "self − other · ⌊self / other⌋"
    rules = ("grad",)
    input_names = ("self",)

    @staticmethod
    def forward(a: np.ndarray, other: Any) -> np.ndarray:
        return _remainder(a, other)

    def backward(self, grad: Any) -> Any:
        return grad


class RemainderBackward1(Function):
    formula = "self − other · ⌊self / other⌋"
    rules = ("grad", "−grad · ⌊self / other⌋")
    saved = ("self", "other")
    saved_only_for = {"self": "other", "other": "other"}

    @staticmethod
    def forward(a: Any, b: Any) -> Any:
        return _remainder(a, b)

    def backward(self, grad: Any, a: Any, b: Any) -> tuple:
        need_a, need_b = self.needs_input_grad
        quotient = DivBackward2.apply(a, b, rounding_mode="floor") if need_b else None
        return grad if need_a else None, -grad * quotient if need_b else None


class FmodBackward0(Function):
    """``fmod(tensor, number)``: the number is not an input, so there is one edge."""

    formula = "self − other · trunc(self / other)"
    rules = ("grad",)
    input_names = ("self",)

    @staticmethod
    def forward(a: np.ndarray, other: Any) -> np.ndarray:
        return _fmod(a, other)

    def backward(self, grad: Any) -> Any:
        return grad


class FmodBackward1(Function):
    formula = "self − other · trunc(self / other)"
    rules = ("grad", "−grad · trunc(self / other)")
    saved = ("self", "other")
    saved_only_for = {"self": "other", "other": "other"}

    @staticmethod
    def forward(a: Any, b: Any) -> Any:
        return _fmod(a, b)

    def backward(self, grad: Any, a: Any, b: Any) -> tuple:
        need_a, need_b = self.needs_input_grad
        quotient = DivBackward2.apply(a, b, rounding_mode="trunc") if need_b else None
        return grad if need_a else None, -grad * quotient if need_b else None


class NotImplemented(Function):  # noqa: A001 - PyTorch's name for this node
    """The node of an op PyTorch defines no derivative for (``x // y``, ``2 % x``): it keeps
    the graph connected, and backward raises PyTorch's error. ``value`` is the op's result,
    computed by the function that records it."""

    formula = ""  # no rule: not in the op table
    input_names = ("self", "other")

    @staticmethod
    def forward(*arrays: Any, value: np.ndarray, op: str) -> np.ndarray:
        return value

    def name(self) -> str:
        return "torch::autograd::NotImplemented"  # PyTorch's (its repr says <NotImplemented>)

    def backward(self, grad: Any) -> Any:
        raise autograd_error(f"derivative for aten::{self._params['op']} is not implemented")


# -- the arithmetic, on numpy arrays (or numbers) --------------------------------------------


def _floor_divide(a: Any, b: Any) -> Any:
    """The quotient rounded down; a float divided by 0 is ±inf or nan, as ``a / b``."""
    _check_divisor(a, b)
    return np.floor_divide(a, b)


def _trunc_divide(a: Any, b: Any) -> Any:
    """The quotient rounded toward zero."""
    _check_divisor(a, b)
    if np.result_type(a, b).kind in "iu":
        return (a - np.fmod(a, b)) // b  # exact: the difference is a multiple of b
    return np.trunc(np.true_divide(a, b))


def _remainder(a: Any, b: Any) -> Any:
    """``a − b·⌊a/b⌋``, with the divisor's sign. For floats computed as PyTorch does, from
    ``fmod`` (numpy's remainder gives 0 the divisor's sign: ``-2.0 % 2`` is 0. not -0.)."""
    _check_divisor(a, b)
    if np.result_type(a, b).kind in "iu":
        return np.remainder(a, b)
    mod = np.fmod(a, b)
    return np.where((mod != 0) & ((b < 0) != (mod < 0)), mod + b, mod)


def _fmod(a: Any, b: Any) -> Any:
    """``a − b·trunc(a/b)``, with the dividend's sign (C's fmod)."""
    _check_divisor(a, b)
    return np.fmod(a, b)


def _check_divisor(a: Any, b: Any) -> None:
    """PyTorch's error for an integer divided by zero."""
    if np.result_type(a, b).kind in "iu" and np.any(np.asarray(b) == 0):
        raise RuntimeError("ZeroDivisionError")


# -- the functions a learner calls -----------------------------------------------------------


@tensor_method("floor_divide")
@tensor_method("__floordiv__", operator=True)
def floor_divide(input: Any, other: Any) -> Tensor:
    """``input // other``: the quotient rounded down (no gradient, as in PyTorch).

    >>> torch.tensor([-7, 7]) // 2
    tensor([-4,  3])
    """
    _check_arguments("floor_divide", input, other, _FLOOR_DIVIDE_FORMS)
    return _no_derivative("floor_divide", "div_floor", _floor_divide, input, other)


def floor_divide_in_place(input: Tensor, other: Any) -> Tensor:
    """``floor_divide`` as ``floor_divide_`` and ``//=`` record it (PyTorch's error names the
    in-place op); inplace.py writes the result in."""
    _check_arguments("floor_divide", input, other, _FLOOR_DIVIDE_FORMS)
    return _no_derivative("floor_divide_", "div_floor", _floor_divide, input, other)


@tensor_method("__rfloordiv__", operator=True)
def rfloordiv(input: Tensor, other: Any) -> Tensor:
    """``other // input`` for a number ``other`` (``7 // t``)."""
    return _no_derivative("floor_divide", "div_floor", _floor_divide, other, input)


@tensor_method("remainder")
@tensor_method("__mod__", operator=True)
def remainder(input: Any, other: Any) -> Tensor:
    """``input % other``: the remainder of the division rounded down, with the divisor's sign.

    >>> torch.tensor([-7, 7]) % 3
    tensor([2, 1])
    """
    _check_arguments("remainder", input, other, _REMAINDER_FORMS)
    if not isinstance(input, Tensor):  # number % tensor: no derivative in PyTorch
        return _no_derivative("remainder", "remainder", _remainder, input, other)
    a, b = _promoted("remainder", input, other)
    if isinstance(b, Tensor):
        return RemainderBackward1.apply(a, b)
    return RemainderBackward0.apply(a, other=b)


@tensor_method("__rmod__", operator=True)
def rmod(input: Tensor, other: Any) -> Tensor:
    """``other % input`` for a number ``other`` (``7 % t``)."""
    return remainder(other, input)


@tensor_method("fmod")
def fmod(input: Tensor, other: Any) -> Tensor:
    """The remainder of the division rounded toward zero, with the dividend's sign (C's fmod).

    >>> torch.fmod(torch.tensor([-7, 7]), 3)
    tensor([-1,  1])
    """
    _check_arguments("fmod", input, other, _FMOD_FORMS)
    a, b = _promoted("fmod", input, other)
    if isinstance(b, Tensor):
        return FmodBackward1.apply(a, b)
    return FmodBackward0.apply(a, other=b)


def _promoted(kernel: str, input: Any, other: Any) -> tuple[Any, Any]:
    """The operands in their common dtype (a number beside a float tensor stays a number);
    PyTorch's error for bools, which it does not divide."""
    a, b = operands(input, other)
    if a._data.dtype == np.bool_:
        raise NotImplementedError(f"\"{kernel}_cpu\" not implemented for 'Bool'")
    return a, b


def _no_derivative(op: str, kernel: str, compute: Any, input: Any, other: Any) -> Tensor:
    """``compute`` on the promoted operands, recorded as ``NotImplemented``: one edge for each
    tensor the learner passed (a number has none)."""
    a, b = _promoted(kernel, input, other)
    value = np.asarray(compute(_array(a), _array(b)))
    tensors = [x for x, given in zip((a, b), (input, other)) if isinstance(given, Tensor)]
    if not tensors:  # floor_divide(7, 2): PyTorch takes two numbers too
        return Tensor._make(value)
    return NotImplemented.apply(*tensors, value=value, op=op)


def _array(value: Any) -> Any:
    return value._data if isinstance(value, Tensor) else value


# What each function takes, as (input, other) kinds; and PyTorch's signatures, for its
# TypeError on arguments that fit none (with the kinds it names when it explains a mismatch)
_TENSOR_FIRST = {("Tensor", "Tensor"), ("Tensor", "Number")}
_ACCEPTED = {
    "floor_divide": _TENSOR_FIRST | {("Number", "Tensor"), ("Number", "Number")},
    "remainder": _TENSOR_FIRST | {("Number", "Tensor")},
    "fmod": _TENSOR_FIRST,
}
_FLOOR_DIVIDE_FORMS = (
    ("(Tensor input, Tensor other, *, Tensor out = None)", None),
    ("(Tensor input, Number other)", ("Tensor", "Number")),
)
_REMAINDER_FORMS = (
    ("(Tensor input, Tensor other, *, Tensor out = None)", None),
    ("(Number self, Tensor other)", ("Number", "Tensor")),
    ("(Tensor input, Number other, *, Tensor out = None)", None),
)
_FMOD_FORMS = (
    ("(Tensor input, Tensor other, *, Tensor out = None)", None),
    ("(Tensor input, Number other, *, Tensor out = None)", None),
)


def _check_arguments(function: str, input: Any, other: Any, forms: tuple) -> None:
    """PyTorch's TypeError when the arguments fit none of ``forms``."""
    kinds = tuple(_kind(value) for value in (input, other))
    if kinds in _ACCEPTED[function]:
        return
    lines = [
        f"{function}() received an invalid combination of arguments - got "
        f"({', '.join(_type_name(v) for v in (input, other))}), but expected one of:"
    ]
    for signature, types in forms:
        lines.append(f" * {signature}")
        if types is not None:  # PyTorch explains the mismatch for the forms without out=
            marked = [
                _type_name(v) if kind == want else f"!{_type_name(v)}!"
                for v, kind, want in zip((input, other), kinds, types)
            ]
            lines.append(
                "      didn't match because some of the arguments have invalid types: "
                f"({', '.join(marked)})"
            )
    raise TypeError("\n".join(lines) + "\n")


def _kind(value: Any) -> str | None:
    if isinstance(value, Tensor):
        return "Tensor"
    return "Number" if is_number(value) else None


def _type_name(value: Any) -> str:
    return "Tensor" if isinstance(value, Tensor) else type(value).__name__


def div_rounded(input: Any, other: Any, rounding_mode: str | None) -> Tensor:
    """``div`` with a ``rounding_mode`` given: None (true division), ``"trunc"`` or
    ``"floor"``; integers stay integers when rounded."""
    if rounding_mode not in (None, "trunc", "floor"):
        raise RuntimeError(
            "div expected rounding_mode to be one of None, 'trunc', or 'floor' but found "
            f"'{rounding_mode}'"
        )
    a, b = operands(input, other, floating=rounding_mode is None)
    return DivBackward2.apply(a, b, rounding_mode=rounding_mode)
