"""PyTorch's random integers and permutations, bit for bit (see ``minigrad.random`` for the
engine and the words each distribution takes): ``randint``, ``random_`` and ``randperm``."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from minigrad import _dtype
from minigrad.random import Generator, _source, _store

# --- integers -----------------------------------------------------------------------------


def _digits(dt: _dtype.dtype) -> int:
    return np.finfo(dt.numpy).nmant + 1


def _limits(dt: _dtype.dtype) -> tuple[float, float]:
    if dt.is_floating_point:
        info = np.finfo(dt.numpy)
        return float(info.min), float(info.max)
    if dt is _dtype.bool_:
        return 0, 1
    info = np.iinfo(dt.numpy)
    return int(info.min), int(info.max)


def _check_in_range(dt: _dtype.dtype, low: int, high_inclusive: int) -> None:
    """``check_from_to_in_range``: an error outside the dtype, a warning where floats lose ints."""
    smallest, largest = _limits(dt)
    bounds = (("from", low), ("to - 1", high_inclusive))
    for name, value in bounds:
        if not smallest <= value <= largest:
            raise RuntimeError(f"{name} is out of bounds for {dt.c_name}")
    if dt.is_floating_point:
        digits = _digits(dt)
        for name, value in bounds:
            if not -(2**digits) <= value <= 2**digits:
                warnings.warn(
                    f"{name} is out of bounds [-(2^{digits}), 2^{digits}]. Due to precision "
                    f"limitations {dt.c_name} can support discrete uniform distribution only "
                    "within this range. This warning will become an error in version 1.7 "
                    "release, please fix the code in advance",
                    UserWarning,
                    stacklevel=4,
                )


def _representable(dt: _dtype.dtype, bound: int, step: int) -> int:
    """``update_from`` (step +1) and ``update_to`` (step −1): move an integer bound of a float
    tensor inwards until bound + step survives the round trip through the dtype."""
    with np.errstate(over="ignore"):
        rounded = float(_as_dtype(np.array([bound + step]), dt)[0])
    # what x86 makes of a float beyond int64's range (inf included): the smallest int64
    neighbour = int(rounded) if -(2.0**63) <= rounded < 2.0**63 else -(2**63)
    if (neighbour < bound) if step > 0 else (neighbour >= bound):
        shift = 1 << (abs(bound + step).bit_length() - 1 - _digits(dt) + 1)
        return neighbour + shift if step > 0 else neighbour - shift
    return bound


def _as_dtype(values: np.ndarray, dt: _dtype.dtype) -> np.ndarray:
    """int64 → dtype as C++'s ``static_cast`` (int64 → float → half for float16)."""
    if dt is _dtype.float16:
        values = values.astype(np.float32)
    return values.astype(dt.numpy)


def _integers(gen: Generator, count: int, dt: _dtype.dtype, low: int, span: int) -> np.ndarray:
    """``uniform_int_from_to_distribution``: w mod span + low, wrapping as uint64 does; 64-bit
    words from a span of 2²⁸ on (PyTorch's builds outside Meta, whatever the dtype)."""
    words = gen._words64(count) if span >= 2**28 else gen._words(count)
    values = (words % np.uint64(span) + np.uint64(low % 2**64)).view(np.int64)
    return _as_dtype(values, dt)


def _any_integers(gen: Generator, count: int, dt: _dtype.dtype) -> np.ndarray:
    """``random_()`` without bounds: [0, max] of an integer dtype, [0, 2^digits] of a float one."""
    if dt.is_floating_point:
        span = 2 ** _digits(dt) + 1
    else:
        span = _limits(dt)[1] + 1
    words = gen._words64(count) if dt in (_dtype.int64, _dtype.float64) else gen._words(count)
    return (words % np.uint64(span)).astype(dt.numpy)


def random_(
    array: np.ndarray,
    low: int | None = None,
    high: int | None = None,
    generator: Generator | None = None,
) -> np.ndarray:
    """Fill ``array`` in place with random integers: ``Tensor.random_``.

    ``random_(a)`` draws from every value its dtype holds exactly, ``random_(a, low, high)``
    from [low, high), ``random_(a, low)`` from [low, the dtype's largest]. (PyTorch's
    ``t.random_(to)`` is ``random_(a, 0, to)`` here.)
    """
    dt = _dtype.from_numpy_dtype(array.dtype)
    gen = _source(generator)
    if low is None and high is not None:
        low = 0
    if low is None:
        draw = lambda count: _any_integers(gen, count, dt)  # noqa: E731
    elif high is None and low == -(2**63):  # every int64: the words themselves
        draw = lambda count: _as_dtype(gen._words64(count).view(np.int64), dt)  # noqa: E731
    else:
        low, high_inclusive = _random_range(dt, low, high)
        draw = lambda count: _integers(gen, count, dt, low, high_inclusive - low + 1)  # noqa: E731
    if array.size:
        _store(array, draw(array.size))
    return array


def _random_range(dt: Any, low: int, high: int | None) -> tuple[int, int]:
    """``random_``'s [low, high_inclusive], after PyTorch's checks; without ``high``, up to
    the largest integer the dtype holds exactly."""
    if high is None:
        high_inclusive = (
            min(2 ** _digits(dt), 2**63 - 1) if dt.is_floating_point else _limits(dt)[1]
        )
        if dt.is_floating_point:
            low = _representable(dt, low, 1)
    else:
        if not low < high:
            raise RuntimeError(
                f"random_ expects 'from' to be less than 'to', but got from={low} >= to={high}"
            )
        if dt.is_floating_point:
            low, high = _representable(dt, low, 1), _representable(dt, high, -1)
            if not low < high:
                raise RuntimeError(
                    "random_ expects 'from' casted to dtype to be less than 'to' casted to "
                    f"dtype, but got from={low} >= to={high}"
                )
        high_inclusive = high - 1
    _check_in_range(dt, low, high_inclusive)
    return low, high_inclusive


# --- permutations -------------------------------------------------------------------------

_LARGE_PERMUTATION = 2**32 // 20  # PyTorch switches to the inside-out shuffle here


def permutation(n: int, generator: Generator | None = None) -> np.ndarray:
    """``randperm(n)``'s numbers, int64."""
    gen = _source(generator)
    steps = np.arange(max(n - 1, 0)) if n < _LARGE_PERMUTATION else np.arange(n)
    if n < _LARGE_PERMUTATION:  # r[i] ↔ r[i + w mod (n − i)] for i < n − 1
        partners = steps + (gen._words(len(steps)) % (n - steps).astype(np.uint64)).astype(np.int64)
    else:  # inside-out: r[i] = r[z]; r[z] = i, i.e. r[i] ↔ r[z], z = w64 mod (i + 1)
        partners = (gen._words64(n) % (steps + 1).astype(np.uint64)).astype(np.int64)
    return _swapped_arange(n, steps, partners)


def _swapped_arange(n: int, first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """``arange(n)`` after swapping positions ``first[k]`` and ``second[k]``, k = 0, 1, … in turn.

    Each swap writes two positions, and what it writes into one is what the other held just
    before: the value of the last earlier write there, or that position's start value if it
    was never written. So every write points back to an earlier write or to a start value;
    pointer jumping (each round, point to where the target points) resolves all of them in
    about log₂(n) array passes.
    """
    moved = first != second
    position = np.stack([first[moved], second[moved]], axis=1).reshape(-1)  # write 2k + side
    writes = len(position)
    result = np.arange(n, dtype=np.int64)
    if not writes:
        return result
    # writes ordered by position, then time; np.sort on packed keys is much faster than argsort
    keys = np.sort(position * writes + np.arange(writes))
    order, sorted_position = keys % writes, keys // writes
    same = sorted_position[1:] == sorted_position[:-1]
    previous = np.full(writes, -1)
    previous[order[1:][same]] = order[:-1][same]
    partner = np.arange(writes) ^ 1
    source = previous[partner]  # the write whose value this one copies, or −1: a start value
    value = np.where(source < 0, position[partner], -1)
    live = np.flatnonzero(source >= 0)
    while live.size:
        target = source[live]
        target_source, target_value = source[target], value[target]
        value[live], source[live] = target_value, target_source
        live = live[target_source >= 0]
    last = np.append(~same, True)  # the last write at each position is what stays there
    result[sorted_position[last]] = value[order[last]]
    return result
