"""The few array functions backward formulas call, for both kinds of gradient: numpy arrays
in a plain backward pass, tensors when ``create_graph=True`` records the backward pass.

Operators (``grad * other``, ``result > 0``, ``a @ b``, ``g[key]``, ``g.reshape(shape)``)
already read the same for both; these cover what does not.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from minigrad._dtype import dtype
from minigrad.tensor import Tensor


def sign(x: Any) -> Any:
    """-1, 0 or 1; 0 for NaN, as PyTorch's sign (numpy's gives NaN)."""
    if isinstance(x, Tensor):
        return x.sign()
    signs = np.sign(x)
    return np.where(signs == signs, signs, 0) if signs.dtype.kind == "f" else signs


def sin(x: Any) -> Any:
    return x.sin() if isinstance(x, Tensor) else np.sin(x)


def cos(x: Any) -> Any:
    return x.cos() if isinstance(x, Tensor) else np.cos(x)


def log(x: Any) -> Any:
    return x.log() if isinstance(x, Tensor) else np.log(x)


def where(condition: Any, x: Any, y: Any) -> Any:
    """``x`` where ``condition``, else ``y``; one of them may be a number."""
    if isinstance(condition, (np.ndarray, np.bool_)) and (
        isinstance(x, Tensor) or isinstance(y, Tensor)
    ):
        condition = Tensor._make(np.asarray(condition))  # (a 0-d comparison gives np.bool_)
    if isinstance(x, Tensor):
        return x.where(condition, y)
    if isinstance(y, Tensor):
        return y.where(~condition, x)
    return np.where(condition, x, y)


def expand(x: Any, shape: tuple[int, ...]) -> Any:
    if isinstance(x, Tensor):
        return x.expand(shape)
    out = np.empty(shape, dtype=np.result_type(x))  # (np.broadcast_to is slower for this)
    out[...] = x
    return out


def unsqueeze(x: Any, dims: tuple[int, ...]) -> Any:
    """New dimensions of size 1 at ``dims`` (positions in the result)."""
    if not isinstance(x, Tensor):
        return np.expand_dims(x, dims)
    for dim in sorted(dims):
        x = x.unsqueeze(dim)
    return x


def to(x: Any, dt: dtype) -> Any:
    return x.to(dt) if isinstance(x, Tensor) else x.astype(dt.numpy)


def zeros_like(x: Any) -> Any:
    return Tensor._make(np.zeros_like(x._data)) if isinstance(x, Tensor) else np.zeros_like(x)


def zeros(shape: tuple[int, ...], like: Any) -> Any:
    """Zeros of ``shape``, of ``like``'s kind (array or tensor) and dtype."""
    if isinstance(like, Tensor):
        return Tensor._make(np.zeros(shape, like._data.dtype))
    return np.zeros(shape, like.dtype)


def exp(x: Any) -> Any:
    return x.exp() if isinstance(x, Tensor) else np.exp(x)


def sigmoid(x: Any) -> Any:
    return x.sigmoid() if isinstance(x, Tensor) else 1 / (1 + np.exp(-x))


def sum_keepdim(x: Any, dim: int) -> Any:
    """The sum along ``dim``, keeping it as a dimension of size 1."""
    return x.sum(dim, keepdim=True) if isinstance(x, Tensor) else x.sum(axis=dim, keepdims=True)


#: PyTorch's CPU kernels keep a running sum or product of float32 in float64 (of float16 in
#: float32) and round each result once
_RUNNING_TYPE = {np.dtype(np.float16): np.float32, np.dtype(np.float32): np.float64}


def running(accumulate: Any, x: np.ndarray, dim: int) -> np.ndarray:
    """``np.cumsum`` or ``np.cumprod`` of ``x`` along ``dim``, as PyTorch computes it (in its
    dtype; integers and bools in int64)."""
    if x.ndim == 0:  # (numpy's would be 1-d)
        return running(accumulate, x.reshape(1), 0).reshape(())
    if x.dtype.kind in "biu":
        return accumulate(x, axis=dim, dtype=np.int64)
    wide = _RUNNING_TYPE.get(x.dtype)
    if wide is None:
        return accumulate(x, axis=dim)
    return accumulate(x, axis=dim, dtype=wide).astype(x.dtype)


def cumsum_from_end(x: Any, dim: int) -> Any:
    """The running sum along ``dim`` taken from the last element back (cumsum's backward)."""
    if x.ndim == 0:  # one element: its own running sum
        return x
    if isinstance(x, Tensor):
        return x.flip(dim).cumsum(dim).flip(dim)
    return np.flip(running(np.cumsum, np.flip(x, dim), dim), dim)


def constant(array: np.ndarray, like: Any) -> Any:
    """``array`` (a value the op was given, not an input) as ``like``'s kind: a tensor
    without history when ``like`` is a tensor."""
    return Tensor._make(array) if isinstance(like, Tensor) else array


def sinh(x: Any) -> Any:
    return x.sinh() if isinstance(x, Tensor) else np.sinh(x)


def cosh(x: Any) -> Any:
    return x.cosh() if isinstance(x, Tensor) else np.cosh(x)


def rsqrt(x: Any) -> Any:
    return x.rsqrt() if isinstance(x, Tensor) else 1 / np.sqrt(x)


def indicator(condition: Any, like: Any) -> Any:
    """1 where ``condition`` holds, else 0, in ``like``'s dtype and kind (a constant: no
    history)."""
    if isinstance(like, Tensor):
        return Tensor._make(condition._data.astype(like._data.dtype))
    return np.asarray(condition, dtype=like.dtype)


def products_of_others(x: Any, dim: int) -> Any:
    """At each position, the product of the other elements along ``dim`` (prod's gradient
    where an element is 0): the running product before it times the running product after
    it, as PyTorch computes it; a tensor ``x`` gives a recorded result."""
    if isinstance(x, Tensor):  # (no cumprod to record: the k-th copy of x with x[k] = 1)
        n = x.shape[dim]
        shape = x.shape[:dim] + (n,) + x.shape[dim:]
        mask = np.eye(n, dtype=bool).reshape((1,) * dim + (n, n) + (1,) * (x.ndim - dim - 1))
        return where(mask, 1, expand(unsqueeze(x, (dim,)), shape)).prod(dim + 1)
    ones = np.ones_like(np.take(x, [0], axis=dim))
    before = np.concatenate([ones, np.take(x, range(x.shape[dim] - 1), axis=dim)], axis=dim)
    after = np.concatenate([ones, np.flip(np.take(x, range(1, x.shape[dim]), axis=dim), dim)], dim)
    return running(np.cumprod, before, dim) * np.flip(running(np.cumprod, after, dim), dim)
