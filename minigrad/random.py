"""PyTorch's CPU random numbers, bit for bit: ``manual_seed(0); rand(3)`` prints what torch prints.

**The engine** is the Mersenne Twister seeded as ``std::mt19937(seed)``, which is numpy's
``MT19937`` with the legacy seeding of ``np.random.RandomState(seed)``: one stream of 32-bit
words. A 64-bit word is two of them, the first one high.

**The distributions** turn words into numbers as PyTorch's kernels do:

- uniform (``rand``, ``uniform_``): float32 keeps the low 24 bits of a word, x = (w & 0xFFFFFF)
  / 2²⁴; float64 the low 53 bits of a 64-bit word, x = (w & (2⁵³ − 1)) / 2⁵³. Then
  fma(x, to − from, from), and a value that rounded up to ``to`` becomes ``from``.
- integers (``randint``, ``random_``): w mod (to − from) + from; 64-bit words for ranges ≥ 2²⁸.
- normal (``randn``, ``normal_``): Box–Muller. A contiguous tensor of 16 or more elements is
  first filled with uniforms, then each block of 16 is transformed in place: u1 = 1 − the first
  eight, u2 = the last eight, cosines r·cos θ in the first half, sines in the second. A partial
  last block is redrawn from 16 more uniforms and overwrites the last 16 values. float32 uses
  the AVX2 kernel's polynomial log and sincos (``_exact_float``), float64 libm's. Fewer than
  16 elements: pairs of float64 uniforms, one number each now, and the sine of each pair is
  cached on the generator for the next normal number of any later call.
- ``randperm``: Fisher–Yates from the front, swapping r[i] with r[i + w mod (n − i)]; from
  n ≥ 2³²/20 on, the "inside-out" shuffle with 64-bit words. Both are sequences of swaps,
  resolved here with array operations (``_swapped_arange``).

Everything is vectorised with numpy: no Python loop per number. Integers and permutations
live in ``_random_integers.py``; the engine and the float distributions here.

Sources, in pytorch/pytorch: ``aten/src/ATen/CPUGeneratorImpl.cpp`` and
``core/MT19937RNGEngine.h`` (engine, state bytes), ``core/TransformationHelper.h`` and
``core/DistributionsHelper.h`` (word → number), ``native/cpu/DistributionTemplates.h`` and
``native/cpu/DistributionKernels.cpp`` (kernels), ``native/DistributionTemplates.h`` (argument
checks), ``native/TensorFactories.cpp`` (``randperm``).

One difference on purpose: PyTorch seeds its default generator from the operating system at
start-up; minigrad starts it from 67280421310721, the seed of every new ``torch.Generator()``,
so that a lesson prints the same numbers every run even before ``manual_seed``.

Where bits could still differ: float32 normals follow PyTorch's AVX2 kernel (what x86-64 CPUs
of the last decade run; older ones, and ARM, use libm there), and float64 normals rely on
numpy's log, sin and cos being libm's, which holds unless numpy picks its own AVX-512 versions.
"""

from __future__ import annotations

import secrets
from typing import Any

import numpy as np

from minigrad import _dtype
from minigrad._exact_float import fma32, fma64, log_ps, sincos_ps

#: the seed of a new ``torch.Generator()`` (``default_rng_seed_val``), and of minigrad's default
DEFAULT_SEED = 67280421310721

_MT_N = 624  # words in the Mersenne Twister's state
_WORD, _MASK24, _MASK53 = np.uint64(32), np.uint64(0xFFFFFF), np.uint64(2**53 - 1)
f32 = np.float32

#: ``CPUGeneratorImplState``, the bytes of ``get_rng_state()`` (normal_x and normal_rho at
#: offsets 5016 and 5032 are unused, always 0)
_STATE = np.dtype(
    {
        "names": ["seed", "left", "seeded", "next", "state", "normal_y", "normal_is_valid",
                  "float_normal", "float_normal_is_valid"],
        "formats": ["<u8", "<i4", "<i4", "<u8", ("<u8", (_MT_N,)), "<f8", "<i4", "<f4", "?"],
        "offsets": [0, 8, 12, 16, 24, 5024, 5040, 5048, 5052],
        "itemsize": 5056,
    }
)  # fmt: skip


class Generator:
    """A seeded source of random numbers, PyTorch's ``torch.Generator``.

    >>> g = torch.Generator().manual_seed(0)
    >>> torch.rand(3, generator=g)
    tensor([0.4963, 0.7682, 0.0885])
    """

    def __init__(self, device: str = "cpu") -> None:
        if str(device) != "cpu":
            raise RuntimeError(f"minigrad has CPU generators only, not '{device}'")
        self.manual_seed(DEFAULT_SEED)

    def manual_seed(self, seed: int) -> Generator:
        """Restart from ``seed`` (an int; negative ones count modulo 2⁶⁴). Returns the generator."""
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
            raise RuntimeError(f"manual_seed expected a long, but got {type(seed).__name__}")
        if not -(2**63) <= seed < 2**64:
            raise ValueError("Overflow when unpacking long long")
        self._seed = int(seed) % 2**64
        key = np.random.RandomState(self._seed & 0xFFFFFFFF).get_state()[1]
        self._set_engine(key, _MT_N)
        self._just_seeded = True  # only for get_state()'s bytes: PyTorch says next=0, not 624
        self._next_normal: float | None = None  # the cached sine of Box–Muller
        self._next_float_normal: float | None = None  # kept for get_state/set_state only
        return self

    def initial_seed(self) -> int:
        """The seed the sequence started from."""
        return self._seed

    def seed(self) -> int:
        """Restart from a seed taken from the operating system's entropy; returns it."""
        value = secrets.randbits(64)
        self.manual_seed(value)
        return value

    def get_state(self) -> Any:
        """The state as PyTorch's 5056 bytes (a uint8 tensor), for ``set_state``."""
        from minigrad.tensor import Tensor  # here, so that tensor.py may import this module

        state = self._engine.state["state"]
        pos = int(state["pos"])
        record = np.zeros((), _STATE)
        record["seed"], record["seeded"], record["state"] = self._seed, 1, state["key"]
        if pos == _MT_N:  # a twist is due before the next word
            record["left"], record["next"] = 1, 0 if self._just_seeded else _MT_N
        else:
            record["left"], record["next"] = _MT_N + 1 - pos, pos
        if self._next_normal is not None:
            record["normal_is_valid"], record["normal_y"] = 1, self._next_normal
        if self._next_float_normal is not None:
            record["float_normal_is_valid"], record["float_normal"] = True, self._next_float_normal
        return Tensor._make(np.frombuffer(record.tobytes(), dtype=np.uint8).copy())

    def set_state(self, new_state: Any) -> Generator:
        """Continue from a state made by ``get_state`` (here or in PyTorch). Returns the generator."""
        from minigrad.tensor import Tensor

        if not isinstance(new_state, Tensor):
            raise TypeError(f"expected a torch.ByteTensor, but got {type(new_state).__name__}")
        if new_state.dtype is not _dtype.uint8:
            raise TypeError("RNG state must be a torch.ByteTensor")
        data = np.ascontiguousarray(new_state._data).reshape(-1)
        if data.size != _STATE.itemsize:
            raise RuntimeError(
                f"Expected a CPUGeneratorImplState of size {_STATE.itemsize} but found the input "
                f"RNG state size to be {data.size}"
            )
        record = np.frombuffer(data.tobytes(), dtype=_STATE)[0]
        left, next_word = int(record["left"]), int(record["next"]) & 0xFFFFFFFF
        if not (record["seeded"] and 0 < left <= _MT_N and next_word <= _MT_N):
            raise RuntimeError("Invalid mt19937 state")
        self._seed = int(record["seed"])
        self._set_engine(record["state"].astype(np.uint32), _MT_N if left == 1 else next_word)
        self._just_seeded = left == 1 and next_word == 0
        self._next_normal = float(record["normal_y"]) if record["normal_is_valid"] else None
        valid = record["float_normal_is_valid"]
        self._next_float_normal = float(record["float_normal"]) if valid else None
        return self

    def __repr__(self) -> str:
        return f"<torch._C.Generator object at {id(self):#x}>"

    def _set_engine(self, key: np.ndarray, pos: int) -> None:
        self._engine = np.random.MT19937(0)
        self._engine.state = {"bit_generator": "MT19937", "state": {"key": key, "pos": pos}}

    def _words(self, count: int) -> np.ndarray:
        """The next ``count`` 32-bit words (``random()``), as uint64."""
        if count:
            self._just_seeded = False
        return self._engine.random_raw(count)

    def _words64(self, count: int) -> np.ndarray:
        """The next ``count`` 64-bit words (``random64()``): two words each, the first one high."""
        words = self._words(2 * count)
        return (words[0::2] << _WORD) | words[1::2]


default_generator = Generator()


def manual_seed(seed: int) -> Generator:
    """Seed the default generator: ``torch.manual_seed(0)``. Returns it."""
    return default_generator.manual_seed(int(seed))


def initial_seed() -> int:
    """The seed of the default generator."""
    return default_generator.initial_seed()


def seed() -> int:
    """Seed the default generator from the operating system's entropy; returns the seed."""
    return default_generator.seed()


def get_rng_state() -> Any:
    """The default generator's state, a uint8 tensor: ``set_rng_state`` brings it back."""
    return default_generator.get_state()


def set_rng_state(new_state: Any) -> None:
    """Continue the default generator from a state made by ``get_rng_state``."""
    from minigrad.tensor import Tensor

    if not isinstance(new_state, Tensor) or new_state.dtype is not _dtype.uint8:
        raise TypeError("RNG state must be a torch.ByteTensor")
    default_generator.set_state(new_state)


def _source(generator: Generator | None) -> Generator:
    if generator is None:
        return default_generator
    if not isinstance(generator, Generator):
        raise TypeError(f"generator must be a torch.Generator, not {type(generator).__name__}")
    return generator


def _store(array: np.ndarray, values: np.ndarray) -> None:
    """Write numbers drawn one after another into ``array`` in the order PyTorch's
    TensorIterator visits it: memory order (a transposed view is filled as its base)."""
    axes = sorted(range(array.ndim), key=lambda axis: -abs(array.strides[axis]))
    view = array.transpose(axes)
    view[...] = values.reshape(view.shape)


def _c(number: float) -> str:
    """A double as C++'s ``<<`` prints it in PyTorch's messages (``2``, ``0.5``, ``1e+10``)."""
    return f"{number:g}"


# --- uniform ------------------------------------------------------------------------------


def _unit(gen: Generator, count: int, dtype: type) -> np.ndarray:
    """``count`` uniform numbers in [0, 1): 24 bits of a word for float32, 53 of a 64-bit word
    for float64."""
    if dtype is np.float64:
        return (gen._words64(count) & _MASK53).astype(np.float64) * 2.0**-53
    return (gen._words(count) & _MASK24).astype(f32) * f32(2.0**-24)


def _uniform_values(
    gen: Generator, count: int, dt: _dtype.dtype, low: float, high: float
) -> np.ndarray:
    """``uniform_real_distribution``: fma(x, high − low, low), computed in float32 for float32
    and float16 (then rounded), in float64 for float64; a value equal to ``high`` after
    rounding becomes ``low``."""
    if dt is _dtype.float64:
        values = fma64(_unit(gen, count, np.float64), high - low, low)
        top, bottom = np.float64(high), np.float64(low)
    else:
        low32, high32 = f32(low), f32(high)
        values = fma32(_unit(gen, count, f32), high32 - low32, low32).astype(dt.numpy, copy=False)
        top, bottom = dt.numpy.type(high32), dt.numpy.type(low32)
    values[values == top] = bottom
    return values


def uniform_(
    array: np.ndarray, low: float = 0.0, high: float = 1.0, generator: Generator | None = None
) -> np.ndarray:
    """Fill ``array`` in place with uniform numbers in [low, high): ``Tensor.uniform_``."""
    dt = _dtype.from_numpy_dtype(array.dtype)
    if not dt.is_floating_point:
        raise NotImplementedError(f"\"check_uniform_bounds\" not implemented for '{dt.title}'")
    largest = float(np.finfo(dt.numpy).max)
    for name, value in (("from", low), ("to", high)):
        if not -largest <= value <= largest:
            raise RuntimeError(f"{name} is out of bounds for {dt.c_name}")
    if low > high:
        raise RuntimeError(
            f"uniform_ expects to return a [from, to) range, but found from={_c(low)} > to={_c(high)}"
        )
    if high - low > largest:
        raise RuntimeError(
            f"uniform_ expects to-from <= std::numeric_limits<{dt.title}>::max(), but found "
            f"to={_c(high)} and from={_c(low)} which result in to-from to exceed the limit"
        )
    if array.size:
        _store(array, _uniform_values(_source(generator), array.size, dt, low, high))
    return array


# --- normal -------------------------------------------------------------------------------

_TWO_PI_32 = f32(2 * np.pi)


def _box_muller_32(uniforms: np.ndarray, mean: np.float32, std: np.float32) -> np.ndarray:
    """PyTorch's AVX2 ``NormalFill16<float>`` on rows of 16 float32 uniforms."""
    radius = np.sqrt(log_ps(f32(1) - uniforms[:, :8]) * f32(-2))
    sin, cos = sincos_ps(_TWO_PI_32 * uniforms[:, 8:])
    return np.concatenate([fma32(radius * cos, std, mean), fma32(radius * sin, std, mean)], 1)


def _box_muller_64(uniforms: np.ndarray, mean: float, std: float) -> np.ndarray:
    """``NormalFill16<double>`` (libm's log, cos and sin) on rows of 16 float64 uniforms."""
    radius = np.sqrt(-2.0 * np.log(1.0 - uniforms[:, :8]))
    theta = 2.0 * np.pi * uniforms[:, 8:]
    cos, sin = radius * np.cos(theta), radius * np.sin(theta)
    return np.concatenate([fma64(cos, std, mean), fma64(sin, std, mean)], 1)


def _normal_in_blocks(
    gen: Generator, count: int, dt: _dtype.dtype, mean: float, std: float
) -> np.ndarray:
    """``normal_fill``, for 16 or more numbers of a contiguous tensor."""
    blocks, rest = divmod(count, 16)
    if dt is _dtype.float64:
        precision, transform = np.float64, lambda u: _box_muller_64(u, mean, std)
    else:  # float16 is computed in float32, then rounded
        precision, transform = f32, lambda u: _box_muller_32(u, f32(mean), f32(std))
    # float32 and float64 draw all uniforms into the output first, wasting those of a partial
    # last block; float16 goes through a buffer of 16 and does not
    wasted = rest if dt is not _dtype.float16 else 0
    uniforms = _unit(gen, blocks * 16 + wasted + (16 if rest else 0), precision)
    rows = uniforms[: blocks * 16]
    if rest:
        rows = np.concatenate([rows, uniforms[-16:]])
    rows = rows.reshape(-1, 16)
    # a few thousand rows at a time keep the temporaries in the CPU cache: 2–3× faster
    normals = np.concatenate([transform(rows[i : i + 4096]) for i in range(0, len(rows), 4096)])
    values = np.empty(count, precision)
    values[: blocks * 16] = normals[:blocks].reshape(-1)
    if rest:
        values[count - 16 :] = normals[-1]
    return values.astype(dt.numpy, copy=False)


def _normal_one_by_one(gen: Generator, count: int, mean: float, std: float) -> np.ndarray:
    """``normal_distribution<double>`` ``count`` times: from two float64 uniforms u1, u2,
    r = √(−2 log(1 − u2)) and θ = 2π·u1 give r·cos θ, and r·sin θ is cached on the generator
    for the next number (which gets that call's mean and std)."""
    cached = [] if gen._next_normal is None else [gen._next_normal]
    gen._next_normal = None
    needed = count - len(cached)
    pairs = (needed + 1) // 2
    uniforms = _unit(gen, 2 * pairs, np.float64).reshape(pairs, 2)
    radius = np.sqrt(-2.0 * np.log1p(-uniforms[:, 1]))
    theta = 2.0 * np.pi * uniforms[:, 0]
    fresh = np.stack([radius * np.cos(theta), radius * np.sin(theta)], axis=1).reshape(-1)
    if needed % 2:
        gen._next_normal = float(fresh[-1])
    return fma64(np.concatenate([cached, fresh[:needed]]), std, mean)


def normal_(
    array: np.ndarray, mean: float = 0.0, std: float = 1.0, generator: Generator | None = None
) -> np.ndarray:
    """Fill ``array`` in place with normal numbers: ``Tensor.normal_``."""
    if not std >= 0.0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {_c(std)}")
    if array.size == 0:
        return array
    dt = _dtype.from_numpy_dtype(array.dtype)
    if not dt.is_floating_point:
        raise NotImplementedError(f"\"normal_kernel_cpu\" not implemented for '{dt.title}'")
    gen = _source(generator)
    if array.size >= 16 and array.flags.c_contiguous:
        array[...] = _normal_in_blocks(gen, array.size, dt, mean, std).reshape(array.shape)
    else:
        values = _normal_one_by_one(gen, array.size, mean, std)
        # double → float (→ half), as C++'s static_cast does it
        _store(array, values if dt is _dtype.float64 else values.astype(f32))
    return array
