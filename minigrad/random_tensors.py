"""Tensors of random numbers, drawn from the seeded generator (``manual_seed``) as PyTorch
draws them: ``rand``, ``randn``, ``normal``, ``randint``, ``randperm`` and the ``_like`` forms."""

from __future__ import annotations

import builtins
import functools
from collections.abc import Callable
from typing import Any

import numpy as np

from minigrad import _dtype, _random_integers, random
from minigrad._dtype import dtype
from minigrad.creation import _finish, _given_size
from minigrad.ops import _shapes
from minigrad.random import Generator
from minigrad.tensor import Tensor


def _drawn(
    function: str,
    size: tuple,
    dt: Any,
    default: dtype,
    requires_grad: bool,
    fill: Callable[[np.ndarray], Any],
) -> Tensor:
    """A new tensor of ``size`` filled in place by ``fill``, as PyTorch's ``empty(size).fill_()``."""
    shape = _shapes.sizes(function, size)
    dt = default if dt is None else _dtype.check(dt, function)
    if builtins.any(s < 0 for s in shape):
        raise RuntimeError(
            f"Trying to create tensor with negative dimension {builtins.min(shape)}: {list(shape)}"
        )
    array = np.empty(shape, dtype=dt.numpy)
    fill(array)
    return _finish(function, array, None, requires_grad)


def _shape_of(function: str, input: Any) -> tuple[int, ...]:
    if not isinstance(input, Tensor):
        raise TypeError(
            f"{function}(): argument 'input' (position 1) must be Tensor, not {type(input).__name__}"
        )
    return input._data.shape


def rand(
    *sizes: Any,
    size: Any = None,
    generator: Generator | None = None,
    dtype: dtype | None = None,
    requires_grad: bool = False,
) -> Tensor:
    """Uniform random numbers in [0, 1), PyTorch's own for the same seed.

    >>> torch.manual_seed(0)
    >>> torch.rand(3)
    tensor([0.4963, 0.7682, 0.0885])
    """
    fill = functools.partial(random.uniform_, low=0.0, high=1.0, generator=generator)
    return _drawn(
        "rand", _given_size("rand", sizes, size), dtype, _dtype.default_float, requires_grad, fill
    )


def randn(
    *sizes: Any,
    size: Any = None,
    generator: Generator | None = None,
    dtype: dtype | None = None,
    requires_grad: bool = False,
) -> Tensor:
    """Standard normal random numbers, PyTorch's own for the same seed."""
    fill = functools.partial(random.normal_, mean=0.0, std=1.0, generator=generator)
    return _drawn(
        "randn", _given_size("randn", sizes, size), dtype, _dtype.default_float, requires_grad, fill
    )


def normal(
    mean: float,
    std: float,
    size: Any,
    *,
    generator: Generator | None = None,
    dtype: dtype | None = None,
    requires_grad: bool = False,
) -> Tensor:
    """Normal random numbers with mean ``mean`` and standard deviation ``std``:
    ``normal(2.0, 0.5, (3,))``. (Tensor means and deviations are left out.)"""
    fill = functools.partial(random.normal_, mean=mean, std=std, generator=generator)
    return _drawn("normal", (size,), dtype, _dtype.default_float, requires_grad, fill)


def rand_like(
    input: Tensor,
    *,
    generator: Generator | None = None,
    dtype: dtype | None = None,
    requires_grad: bool = False,
) -> Tensor:
    """Uniform random numbers with ``input``'s shape and dtype."""
    shape = _shape_of("rand_like", input)
    fill = functools.partial(random.uniform_, low=0.0, high=1.0, generator=generator)
    return _drawn("rand_like", (shape,), dtype, input.dtype, requires_grad, fill)


def randn_like(
    input: Tensor,
    *,
    generator: Generator | None = None,
    dtype: dtype | None = None,
    requires_grad: bool = False,
) -> Tensor:
    """Normal random numbers with ``input``'s shape and dtype."""
    shape = _shape_of("randn_like", input)
    fill = functools.partial(random.normal_, mean=0.0, std=1.0, generator=generator)
    return _drawn("randn_like", (shape,), dtype, input.dtype, requires_grad, fill)


#: the signatures PyTorch lists when randint's arguments do not fit
_RANDINT_FORMS = "".join(
    f" * ({low}int high, tuple of ints size, *, {generator}Tensor out = None, "
    "torch.dtype dtype = None, torch.layout layout = None, torch.device device = None, "
    "bool pin_memory = False, bool requires_grad = False)\n"
    for low in ("", "int low, ")
    for generator in ("torch.Generator generator, ", "")
)


def randint(
    low: int,
    high: int | None = None,
    size: Any = None,
    *,
    generator: Generator | None = None,
    dtype: dtype | None = None,
    requires_grad: bool = False,
) -> Tensor:
    """Random integers in [low, high): ``randint(0, 10, (3,))``, or from 0: ``randint(10, (3,))``."""
    given = ", ".join(type(v).__name__ for v in (low, high, size) if v is not None)
    if size is None and high is not None and not _shapes.is_int(high):  # randint(high, size)
        high, size = None, high
    if high is None:
        low, high = 0, low
    if not (_shapes.is_int(low) and _shapes.is_int(high) and isinstance(size, (tuple, list))):
        raise TypeError(
            "randint() received an invalid combination of arguments - got "
            f"({given}), but expected one of:\n{_RANDINT_FORMS}"
        )
    fill = functools.partial(
        _random_integers.random_, low=int(low), high=int(high), generator=generator
    )
    return _drawn("randint", (size,), dtype, _dtype.int64, requires_grad, fill)


def randint_like(
    input: Tensor,
    low: int,
    high: int | None = None,
    *,
    generator: Generator | None = None,
    dtype: dtype | None = None,
    requires_grad: bool = False,
) -> Tensor:
    """Random integers in [low, high) with ``input``'s shape and dtype: ``randint_like(x, 10)``."""
    shape = _shape_of("randint_like", input)
    if high is None:
        low, high = 0, low
    fill = functools.partial(
        _random_integers.random_, low=int(low), high=int(high), generator=generator
    )
    return _drawn("randint_like", (shape,), dtype, input.dtype, requires_grad, fill)


def randperm(
    n: int,
    *,
    generator: Generator | None = None,
    dtype: dtype | None = None,
    requires_grad: bool = False,
) -> Tensor:
    """A random ordering of 0 … n−1, PyTorch's own for the same seed."""
    if not _shapes.is_int(n):
        raise TypeError(
            f"randperm(): argument 'n' (position 1) must be int, not {type(n).__name__}"
        )
    dt = _dtype.int64 if dtype is None else _dtype.check(dtype, "randperm")
    if n < 0:
        raise RuntimeError(f"Trying to create tensor with negative dimension {n}: [{n}]")
    _check_holds_up_to(dt, n - 1)
    if dt is _dtype.bool_:
        raise NotImplementedError("\"randperm\" not implemented for 'Bool'")
    values = _random_integers.permutation(int(n), generator)
    return _finish("randperm", values.astype(dt.numpy), None, requires_grad)


#: how PyTorch names the C types whose range n − 1 must fit in, and float precision limits
_C_TYPES = {
    _dtype.uint8: "uint8_t",
    _dtype.int8: "int8_t",
    _dtype.int16: "int16_t",
    _dtype.int32: "int",
}
_EXACT_UP_TO = {_dtype.float16: "2049", _dtype.float32: "2^24+1", _dtype.float64: "2^53+1"}


def _check_holds_up_to(dt: dtype, largest: int) -> None:
    """``check_supported_max_int_with_precision``: randperm's numbers must fit ``dt`` exactly."""
    if dt in _C_TYPES and largest > np.iinfo(dt.numpy).max:
        raise RuntimeError(f"value cannot be converted to type {_C_TYPES[dt]} without overflow")
    if dt.is_floating_point and largest > 2 ** (np.finfo(dt.numpy).nmant + 1):
        raise RuntimeError(f"n cannot be greater than {_EXACT_UP_TO[dt]} for {dt.title} type.")
