"""Vector norms: ``t.norm()`` (the length of a vector, by default) and ``torch.norm``."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from minigrad.autograd.function import Function
from minigrad.ops import _xp
from minigrad.ops.reduce import _dims
from minigrad.tensor import Tensor, tensor_method


class LinalgVectorNormBackward0(Function):
    formula = "(Σ |self|^ord)^(1/ord) along dim"
    rules = ("grad · self · |self|^(ord−2) / result^(ord−1); for ord 2: grad · self / result",)
    input_names = ("self",)
    saved = ("self", "ord", "dim", "keepdim", "result")

    @staticmethod
    def forward(a: np.ndarray, ord: float, dim: Any, keepdim: bool) -> np.ndarray:
        size = np.abs(a)
        if ord == 2:
            out = np.sqrt(np.add.reduce(a * a, axis=dim, keepdims=keepdim))
        elif ord == 1:
            out = np.add.reduce(size, axis=dim, keepdims=keepdim)
        elif ord == math.inf:
            out = np.max(size, axis=dim, keepdims=keepdim, initial=0)
        elif ord == -math.inf:
            out = np.min(size, axis=dim, keepdims=keepdim)
        elif ord == 0:
            out = np.add.reduce(size != 0, axis=dim, keepdims=keepdim)
        else:
            out = np.add.reduce(size**ord, axis=dim, keepdims=keepdim) ** (1 / ord)
        return np.asarray(out, dtype=a.dtype)

    def backward(
        self, grad: Any, a: Any, ord: float, dim: Any, keepdim: bool, result: Any
    ) -> Any:
        if not keepdim and dim is not None:  # the reduced dims back, to broadcast against a
            grad, result = _xp.unsqueeze(grad, dim), _xp.unsqueeze(result, dim)
        if ord == 0:
            return None  # a count: no gradient (PyTorch leaves .grad unset)
        if ord == 1:
            return grad * _xp.sign(a)
        if ord in (math.inf, -math.inf):  # shared evenly by the entries that are the norm
            at_norm = abs(a) == result
            return grad * _xp.sign(a) * at_norm / _count(at_norm, dim)
        if ord < 1:  # (as PyTorch: 0 where an entry is 0, whose power would be infinite)
            powered = _xp.where(a == 0, 0, abs(a) ** (ord - 1))
            return _xp.sign(a) * powered * grad * result ** (1 - ord)
        scale = _xp.where(result == 0, 0, grad / result ** (ord - 1))  # 0 for a zero vector
        if ord == 2:
            return a * scale
        if ord < 2:
            return _xp.sign(a) * abs(a) ** (ord - 1) * scale
        return a * abs(a) ** (ord - 2) * scale


def _count(mask: Any, dim: Any) -> Any:
    """How many entries along ``dim`` (all when None) are True, keeping the dims."""
    if isinstance(mask, Tensor):
        return mask.sum() if dim is None else mask.sum(dim=dim, keepdim=True)
    return np.add.reduce(mask, axis=dim, keepdims=True)


@tensor_method("norm")
def norm(
    input: Tensor, p: Any = "fro", dim: Any = None, keepdim: bool = False, dtype: Any = None
) -> Tensor:
    """The ``p``-norm of ``input`` (all its elements, or along ``dim``): by default the
    Euclidean length, ``√(Σ x²)``; ``p`` may be any number, ``inf`` or ``-inf``.

    >>> torch.tensor([3., 4.]).norm()
    tensor(5.)
    """
    if dtype is not None:
        input = input.to(dtype)
    if p == "fro":
        p = 2
    if isinstance(p, str) or not isinstance(p, (int, float)):
        raise RuntimeError(f"minigrad's norm takes a number, inf, -inf or 'fro' as p, not {p!r}")
    if input._data.dtype.kind != "f":
        raise RuntimeError(
            "linalg.vector_norm: Expected a floating point or complex tensor as input. Got "
            f"{input.dtype.title}"
        )
    dims = None if dim is None else _dims(dim, input._data.ndim)
    return LinalgVectorNormBackward0.apply(input, ord=float(p), dim=dims, keepdim=keepdim)
