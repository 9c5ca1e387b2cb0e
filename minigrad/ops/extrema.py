"""amax and amin: the largest or smallest element over one or several dimensions (all by
default), values only. Unlike ``max(dim)``, which sends the gradient to one chosen index, the
gradient is shared evenly among all the elements equal to the result, as in PyTorch."""

from __future__ import annotations

from typing import Any

import numpy as np

from minigrad.autograd.function import Function
from minigrad.ops import _xp
from minigrad.ops.reduce import _dims
from minigrad.tensor import Tensor, tensor_method


def _over(extreme: Any) -> Any:
    """The forward of an op taking ``extreme`` (np.max or np.min) over ``dim`` (() for all)."""

    def forward(a: np.ndarray, dim: tuple, keepdim: bool) -> np.ndarray:
        return extreme(a, axis=dim or None, keepdims=keepdim)

    return staticmethod(forward)


class AmaxBackward0(Function):
    formula = "max of self over dim"
    rules = ("grad shared evenly among the elements equal to result",)
    input_names = ("self",)
    saved = ("dim", "keepdim", "result", "self")
    forward = _over(np.max)

    def backward(self, grad: Any, dim: tuple, keepdim: bool, result: Any, a: Any) -> Any:
        dim = dim or tuple(range(a.ndim))
        if not keepdim:
            grad, result = _xp.unsqueeze(grad, dim), _xp.unsqueeze(result, dim)
        winners = _xp.indicator(a == result, grad)  # (a NaN result: no winner, nan gradient)
        return winners * (grad / _xp.sum_keepdim(winners, dim))


class AminBackward0(AmaxBackward0):
    formula = "min of self over dim"
    forward = _over(np.min)


def _extrema(name: str, op: type[Function], input: Tensor, dim: Any, keepdim: bool) -> Tensor:
    """amax's and amin's checks, PyTorch's errors for empty reductions, then ``op``."""
    if dim is None:
        dim = ()
    elif not isinstance(dim, (int, np.integer, tuple, list)) or isinstance(dim, bool):
        raise TypeError(
            f"{name}(): argument 'dim' (position 1) must be tuple of ints, not "
            f"{type(dim).__name__}"
        )
    given = (dim,) if isinstance(dim, (int, np.integer)) else tuple(dim)
    dims = _dims(given, input._data.ndim)
    if input._data.size == 0:
        if not given:
            raise RuntimeError(
                f"{name}(): Expected reduction dim to be specified for input.numel() == 0. "
                "Specify the reduction dim with the 'dim' argument."
            )
        for d in dims:
            if input._data.shape[d] == 0:
                raise IndexError(f"{name}(): Expected reduction dim {d} to have non-zero size.")
    # (saved as given, as PyTorch does: () stands for every dimension)
    return op.apply(input, dim=dims if given else (), keepdim=keepdim)


# -- the functions a learner calls -----------------------------------------------------------


@tensor_method("amax")
def amax(input: Tensor, dim: Any = (), keepdim: bool = False) -> Tensor:
    """The largest element over ``dim`` (an int or a tuple; all dimensions by default); ties
    share the gradient."""
    return _extrema("amax", AmaxBackward0, input, dim, keepdim)


@tensor_method("amin")
def amin(input: Tensor, dim: Any = (), keepdim: bool = False) -> Tensor:
    """The smallest element over ``dim`` (an int or a tuple; all dimensions by default); ties
    share the gradient."""
    return _extrema("amin", AminBackward0, input, dim, keepdim)
