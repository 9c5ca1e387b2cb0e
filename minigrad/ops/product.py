"""prod: the product of all elements, or along one dimension.

Its gradient at each element is the product of all the *other* elements. Without zeros that
is ``result / self``; with zeros it is computed as what it is, so that one zero gets the
product of the rest and every other element gets 0 (two zeros: 0 everywhere), as in PyTorch.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from minigrad import _dtype
from minigrad.autograd.function import Function
from minigrad.ops import _xp
from minigrad.ops.reduce import _sum_type
from minigrad.tensor import Tensor, tensor_method, wrap_dim


class ProdBackward0(Function):
    formula = "Π self"
    rules = ("grad · (product of the other elements): result / self when no element is 0",)
    saved = ("result", "self")

    @staticmethod
    def forward(a: np.ndarray) -> np.ndarray:
        return _product(a, None, False)

    def backward(self, grad: Any, result: Any, a: Any) -> Any:
        if a.ndim == 0:
            return grad
        zeros = int((a == 0).sum())
        if zeros == 0:
            return grad * (result / a)
        if zeros > 1 and not isinstance(a, Tensor):  # (as PyTorch, when not recording)
            return _xp.zeros_like(a)
        return (grad * _xp.products_of_others(a.reshape(-1), 0)).reshape(a.shape)


class ProdBackward1(Function):
    formula = "Π self along dim"
    rules = ("grad · (product of the other elements along dim)",)
    input_names = ("self",)
    saved = ("dim", "keepdim", "result", "self")

    @staticmethod
    def forward(a: np.ndarray, dim: int, keepdim: bool) -> np.ndarray:
        return _product(a, dim if a.ndim else None, keepdim)

    def backward(self, grad: Any, dim: int, keepdim: bool, result: Any, a: Any) -> Any:
        if a.ndim == 0:
            return grad
        if not keepdim:
            grad, result = _xp.unsqueeze(grad, (dim,)), _xp.unsqueeze(result, (dim,))
        if not bool((a == 0).any()):
            return grad * (result / a)
        return grad * _xp.products_of_others(a, dim)


def _product(a: np.ndarray, dim: int | None, keepdim: bool) -> np.ndarray:
    """The product, in int64 for integers and bools, else in the input's dtype."""
    if a.dtype != np.float16:
        return np.multiply.reduce(a, axis=dim, keepdims=keepdim, dtype=_sum_type(a))
    # numpy keeps a float16 product in float32 between steps; PyTorch rounds each one to
    # float16 (300 · 300 · 0.001 is inf there), and so does a product taken step by step
    rows = np.moveaxis(a.reshape(-1) if dim is None else a, 0 if dim is None else dim, 0)
    product = np.ones(rows.shape[1:], np.float16)
    for row in rows:
        product = product * row
    if keepdim:
        product = product.reshape((1,) * a.ndim) if dim is None else np.expand_dims(product, dim)
    return product


# -- the function a learner calls ------------------------------------------------------------


@tensor_method("prod")
def prod(input: Tensor, dim: Any = None, keepdim: bool = False, *, dtype: Any = None) -> Tensor:
    """The product of all elements, or along ``dim`` (one int); integers and bools give
    int64."""
    if dtype is not None:
        input = input.to(_dtype.check(dtype, "prod"))
    if dim is None:
        return ProdBackward0.apply(input)
    if not isinstance(dim, (int, np.integer)):
        raise TypeError(
            f"prod() received an invalid combination of arguments - got ({type(dim).__name__}), "
            "but expected one of:\n * (*, torch.dtype dtype = None)\n"
            " * (int dim, bool keepdim = False, *, torch.dtype dtype = None)\n"
        )
    return ProdBackward1.apply(input, dim=wrap_dim(dim, input._data.ndim), keepdim=keepdim)
