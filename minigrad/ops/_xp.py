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
    if type(condition) is np.ndarray and (isinstance(x, Tensor) or isinstance(y, Tensor)):
        condition = Tensor._make(condition)
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
