"""``gradcheck``: compare the backward pass with central differences."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from minigrad.autograd.functional import jacobian
from minigrad.autograd.grad_mode import no_grad
from minigrad.tensor import Tensor


class GradcheckError(RuntimeError):
    """The analytical and numerical Jacobians disagree."""


def numerical_jacobian(
    func: Callable[..., Any], inputs: tuple[Tensor, ...], index: int, eps: float
) -> np.ndarray:
    """∂ outputs / ∂ inputs[index] by central differences: (f(x + eps) − f(x − eps)) / 2·eps."""
    x = inputs[index]
    flat = x._data.flat  # writes through to x, whatever its memory layout
    columns = []
    with no_grad():
        for k in range(x._data.size):
            original = flat[k]
            flat[k] = original + eps
            plus = _as_output(func(*inputs))._data.astype(np.float64)
            flat[k] = original - eps
            minus = _as_output(func(*inputs))._data.astype(np.float64)
            flat[k] = original
            columns.append(((plus - minus) / (2 * eps)).reshape(-1))
    out_size = columns[0].size if columns else 0
    return np.stack(columns, axis=1) if columns else np.zeros((out_size, 0))


def _as_output(value: Any) -> Tensor:
    if not isinstance(value, Tensor):
        raise TypeError("gradcheck expects the function to return a single Tensor")
    return value


def gradcheck(
    func: Callable[..., Any],
    inputs: Any,
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
) -> bool:
    """True when ``func``'s gradients match central differences at ``inputs``.

    >>> x = torch.tensor([1., 2.], dtype=torch.float64, requires_grad=True)
    >>> torch.autograd.gradcheck(lambda x: (x**3).sum(), (x,))
    True
    """
    xs = tuple(inputs) if isinstance(inputs, (tuple, list)) else (inputs,)
    for number, x in enumerate(xs):
        if isinstance(x, Tensor) and x._requires_grad and x._data.dtype != np.float64:
            warnings.warn(
                f"Input #{number} requires gradient and is not a double precision floating point. "
                "As a result, the numerical gradient may be unreliable.",
                stacklevel=2,
            )
    wanted = [i for i, x in enumerate(xs) if isinstance(x, Tensor) and x._requires_grad]
    if not wanted:
        raise ValueError(
            "gradcheck expects at least one input tensor to require gradient, but none of the "
            "them have requires_grad=True."
        )
    output = _as_output(func(*xs))
    for i in wanted:
        numerical = numerical_jacobian(func, xs, i, eps)

        def only_i(value: Tensor, i: int = i) -> Tensor:
            args = list(xs)
            args[i] = value
            return func(*args)

        analytical = jacobian(only_i, xs[i])._data.astype(np.float64)
        analytical = analytical.reshape(output._data.size, xs[i]._data.size)
        if not np.allclose(analytical, numerical, rtol=rtol, atol=atol):
            if not raise_exception:
                return False
            raise GradcheckError(
                f"Jacobian mismatch for output 0 with respect to input {i},\n"
                # printed as PyTorch prints them: one row per input element
                f"numerical:{Tensor._make(numerical.T)!r}\n"
                f"analytical:{Tensor._make(analytical.T)!r}\n"
            )
    return True
