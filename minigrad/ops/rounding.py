"""Rounding: floor, ceil, round (to ``decimals`` places), trunc and frac. The first four are
flat between jumps, so their gradient is 0, as in PyTorch; frac (x − trunc x) passes it on.

Integer tensors are already whole: floor, ceil, round and trunc return a copy of the same
dtype (PyTorch's behaviour); ``round(decimals=…)`` and ``frac`` refuse them, as PyTorch does.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from minigrad.autograd.function import Function
from minigrad.ops import _xp
from minigrad.tensor import Tensor, tensor_method


class _Flat(Function):
    """A step function: whole numbers out, a zero gradient back."""

    rules = ("0: flat between the jumps",)

    def backward(self, grad: Any) -> Any:
        return _xp.zeros_like(grad)


def _whole(rounder: Any) -> Any:
    """``rounder`` for floats; integers are returned as a copy (they are whole already)."""

    def forward(a: np.ndarray) -> np.ndarray:
        return a.copy() if a.dtype.kind in "iu" else rounder(a)

    return staticmethod(forward)


class FloorBackward0(_Flat):
    formula = "⌊self⌋"
    forward = _whole(np.floor)


class CeilBackward0(_Flat):
    formula = "⌈self⌉"
    forward = _whole(np.ceil)


class RoundBackward0(_Flat):
    formula = "self rounded to the nearest integer (halves to even)"
    forward = _whole(np.rint)


class TruncBackward0(_Flat):
    formula = "self rounded toward 0"
    forward = _whole(np.trunc)


class RoundBackward1(_Flat):
    formula = "self rounded to decimals places (halves to even)"

    @staticmethod
    def forward(a: np.ndarray, decimals: int) -> np.ndarray:
        # As PyTorch's kernel: scale by 10^|decimals| in float32 (float64 for float64), round
        # half to even, scale back.
        work = np.float64 if a.dtype == np.float64 else np.float32
        scale = work(10.0 ** abs(decimals) if abs(decimals) < 309 else np.inf)  # (then nan)
        x = a.astype(work, copy=False)
        rounded = np.rint(x / scale) * scale if decimals < 0 else np.rint(x * scale) / scale
        return rounded.astype(a.dtype, copy=False)


class FracBackward0(Function):
    formula = "self − trunc(self)"
    rules = ("grad",)

    @staticmethod
    def forward(a: np.ndarray) -> np.ndarray:
        return a - np.trunc(a)

    def backward(self, grad: Any) -> Any:
        return grad


def _refuse(input: Tensor, kernel: str, kinds: str) -> None:
    """PyTorch's error for a dtype the kernel was not built for (``kinds``: numpy kinds)."""
    if input._data.dtype.kind in kinds:
        raise NotImplementedError(f'"{kernel}" not implemented for \'{input.dtype.title}\'')


# -- the functions a learner calls -----------------------------------------------------------


@tensor_method("floor")
def floor(input: Tensor) -> Tensor:
    """The largest whole number ≤ x, elementwise (``floor(-1.5) = -2``); gradient 0."""
    _refuse(input, "floor_vml_cpu", "b")
    return FloorBackward0.apply(input)


@tensor_method("ceil")
def ceil(input: Tensor) -> Tensor:
    """The smallest whole number ≥ x, elementwise (``ceil(-1.5) = -1``); gradient 0."""
    _refuse(input, "ceil_vml_cpu", "b")
    return CeilBackward0.apply(input)


@tensor_method("round")
def round(input: Tensor, *, decimals: int | None = None) -> Tensor:  # noqa: A001 - PyTorch's
    """The nearest whole number, halves to even (``round(2.5) = 2``), or the nearest multiple
    of 10^-decimals with ``decimals=`` (recorded as RoundBackward1, even for 0); gradient 0."""
    if decimals is None:
        _refuse(input, "round_vml_cpu", "b")
        return RoundBackward0.apply(input)
    if type(decimals) is not int:
        raise TypeError(
            f"round(): argument 'decimals' must be int, not {type(decimals).__name__}"
        )
    _refuse(input, "round_vml_cpu" if decimals == 0 else "round_cpu", "biu")
    return RoundBackward1.apply(input, decimals=decimals)


@tensor_method("trunc", "fix")
def trunc(input: Tensor) -> Tensor:
    """x rounded toward zero, elementwise (``trunc(-1.5) = -1``); gradient 0."""
    _refuse(input, "trunc_vml_cpu", "b")
    return TruncBackward0.apply(input)


fix = trunc  # PyTorch's alias


@tensor_method("frac")
def frac(input: Tensor) -> Tensor:
    """The fractional part, x − trunc(x), with the sign of x; gradient passed on unchanged."""
    _refuse(input, "frac_cpu", "biu")
    return FracBackward0.apply(input)
