"""Float arithmetic as PyTorch's compiled random kernels do it, bit for bit, with numpy.

Two things numpy does not offer directly:

- **Fused multiply-add**, ``fma(a, b, c) = a·b + c`` rounded once. PyTorch calls ``std::fma``
  and the compiler fuses ``x * scale + shift`` on AVX2 machines, so e.g. ``uniform_(-2, 3)`` and
  ``normal_(mean, std)`` round once where ``a * b + c`` in numpy rounds twice.
- **avx_mathfun.h**'s ``log256_ps`` and ``sincos256_ps``: the Cephes polynomials PyTorch's AVX2
  kernel uses for float32 ``randn`` instead of libm, evaluated in float32 step by step, with
  the multiply-adds GCC fused (read from the compiled ``libtorch_cpu.so``).

Sources: pytorch/pytorch ``aten/src/ATen/native/cpu/avx_mathfun.h`` and
``aten/src/ATen/native/cpu/DistributionTemplates.h`` (``NormalFill16``).
"""

from __future__ import annotations

import numpy as np

f32 = np.float32

# float64 bit patterns whose low 29 bits are 1000…0 lie exactly halfway between two float32s
_HALFWAY_MASK, _HALFWAY = np.uint64(0x1FFFFFFF), np.uint64(0x10000000)


def fma32(a: np.ndarray, b: np.ndarray | np.float32, c: np.ndarray | np.float32) -> np.ndarray:
    """float32 ``a·b + c`` with one rounding.

    ``a·b`` is exact in float64 (24 + 24 bits); adding ``c`` rounds once in float64, and
    rounding that to float32 is right unless the float64 sum fell exactly halfway between two
    float32s: there the exact sum's side decides, taken from the float64 rounding error.
    (A power-of-two ``b`` makes ``a·b`` exact in float32 already: one rounding, in float32.)
    """
    if np.ndim(b) == 0 and _is_power_of_two(b):
        return a * b + c
    total = np.multiply(a, b, dtype=np.float64)
    total += c
    result = total.astype(f32)
    halfway = (total.view(np.uint64) & _HALFWAY_MASK) == _HALFWAY
    if halfway.any():
        where = np.nonzero(halfway)
        product = np.multiply(
            np.broadcast_to(a, total.shape)[where],
            np.broadcast_to(b, total.shape)[where],
            dtype=np.float64,
        )
        addend = np.broadcast_to(c, total.shape)[where].astype(np.float64)
        result[where] = _nudged(total[where], _two_sum_error(product, addend, total[where]))
    return result


def _is_power_of_two(number: float) -> bool:
    """True for ±2ᵏ and 0: multiplying by it is exact (barring overflow and underflow)."""
    return number == 0 or abs(float(np.frexp(number)[0])) == 0.5


def _two_sum_error(a: np.ndarray, b: np.ndarray, total: np.ndarray) -> np.ndarray:
    """The rounding error of ``total = a + b`` (Knuth's TwoSum): a + b = total + error exactly."""
    b_part = total - a
    return (a - (total - b_part)) + (b - b_part)


def _nudged(value: np.ndarray, error: np.ndarray) -> np.ndarray:
    """``value`` moved one float64 step towards ``value + error`` (where error ≠ 0)."""
    bits = value.view(np.int64).copy()
    bits += np.where(error == 0, 0, np.where((error > 0) == (value > 0), 1, -1))
    return bits.view(np.float64)


def fma64(a: np.ndarray, b: float, c: float) -> np.ndarray:
    """float64 ``a·b + c`` with one rounding, for a scalar ``b`` and ``c``.

    When ``b`` is a power of two (``std=1``, ``uniform_(0, 1)``) the product is exact and numpy's
    ``a * b + c`` already is the fused result. Otherwise: the product split exactly into
    ``p + e`` (Dekker), ``c + p = s + t`` exactly (TwoSum), and the answer is ``s + (t + e)``
    with the inner sum rounded to odd, which makes the final rounding correct (Boldo and
    Melquiond, "Emulation of FMA and correctly rounded sums", 2008).
    """
    a = np.asarray(a, dtype=np.float64)
    if _is_power_of_two(b):
        return a * b + c
    p, e = _two_product(a, np.float64(b))
    s = p + c
    t = _two_sum_error(p, np.float64(c), s)
    return s + _sum_rounded_to_odd(t, e)


def _two_product(a: np.ndarray, b: np.float64) -> tuple[np.ndarray, np.ndarray]:
    """``a·b = p + e`` exactly (Dekker's product with Veltkamp's split)."""
    p = a * b
    a_hi, a_lo = _split(a)
    b_hi, b_lo = _split(b)
    e = ((a_hi * b_hi - p) + a_hi * b_lo + a_lo * b_hi) + a_lo * b_lo
    return p, e


def _split(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    scaled = 134217729.0 * x  # 2**27 + 1
    hi = scaled - (scaled - x)
    return hi, x - hi


def _sum_rounded_to_odd(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a + b`` rounded to odd: an inexact result gets an odd last bit, by moving towards the
    exact sum when rounding to nearest landed on an even one."""
    total = a + b
    error = _two_sum_error(a, b, total)
    even = (total.view(np.int64) & 1) == 0
    return np.where((error != 0) & even, _nudged(total, error), total)


# --- avx_mathfun.h (Cephes), as compiled into PyTorch's AVX2 normal kernel ------------------

_LOG_P = [f32(v) for v in (
    7.0376836292e-2, -1.1514610310e-1, 1.1676998740e-1, -1.2420140846e-1, 1.4249322787e-1,
    -1.6668057665e-1, 2.0000714765e-1, -2.4999993993e-1, 3.3333331174e-1,
)]  # fmt: skip
_LOG_Q1, _LOG_Q2 = f32(-2.12194440e-4), f32(0.693359375)
_SQRT_HALF = f32(0.707106781186547524)
_FOUR_OVER_PI = f32(1.27323954473516)
_DP1, _DP2, _DP3 = f32(-0.78515625), f32(-2.4187564849853515625e-4), f32(-3.77489497744594108e-8)
_SIN_P = (f32(-1.9515295891e-4), f32(8.3321608736e-3), f32(-1.6666654611e-1))
_COS_P = (f32(2.443315711809948e-5), f32(-1.388731625493765e-3), f32(4.166664568298827e-2))


def log_ps(x: np.ndarray) -> np.ndarray:
    """``log256_ps`` for float32 ``x`` in (0, 1] (Box–Muller's 1 − u, never 0, so the
    original's clamp to the smallest normal float and its NaN mask for x ≤ 0 never act)."""
    bits = x.view(np.int32)
    exponent = ((bits >> 23) - 127).astype(f32) + f32(1)
    x = ((bits & ~0x7F800000) | f32(0.5).view(np.int32)).view(f32)  # mantissa in [0.5, 1)
    small = x < _SQRT_HALF  # then use 2x − 1 and one less in the exponent
    exponent -= small.astype(f32)
    x = (x - f32(1)) + np.where(small, x, f32(0))
    z = x * x
    y = np.full_like(x, _LOG_P[0])
    for p in _LOG_P[1:]:
        y = fma32(y, x, p)
    y = fma32(y * x, z, exponent * _LOG_Q1)
    # the last two fused multiply-adds have exact products (z·½; a small integer times
    # Q2 = 355/512), so a float32 add rounds the same way
    y = y - z * f32(0.5)
    return (x + y) + exponent * _LOG_Q2


def sincos_ps(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``sincos256_ps`` for float32 ``x`` ≥ 0 (Box–Muller's 2π·u): ``(sin x, cos x)``."""
    octant = ((x * _FOUR_OVER_PI).astype(np.int32) + 1) & ~1
    y = octant.astype(f32)
    sin_negative = (octant & 4) != 0
    cos_negative = (~(octant - 2) & 4) != 0
    sine_polynomial_is_sin = (octant & 2) == 0
    # x − y·π/4 with π/4 in three parts ("extended precision modular arithmetic"); y ≤ 8 and
    # the first two parts have few bits, so those products are exact and need no fma
    x = (x + y * _DP1) + y * _DP2
    x = fma32(y, _DP3, x)
    z = x * x
    cos_poly = fma32(fma32(np.full_like(z, _COS_P[0]), z, _COS_P[1]), z, _COS_P[2])
    cos_poly = fma32(z, z * cos_poly, -(z * f32(0.5))) + f32(1)
    sin_poly = fma32(fma32(np.full_like(z, _SIN_P[0]), z, _SIN_P[1]), z, _SIN_P[2])
    sin_poly = fma32(x, z * sin_poly, x)
    sin = np.where(sine_polynomial_is_sin, sin_poly, cos_poly)
    cos = np.where(sine_polynomial_is_sin, cos_poly, sin_poly)
    return np.where(sin_negative, -sin, sin), np.where(cos_negative, -cos, cos)
