"""Every differentiable op checked against central differences (no torch needed).

One row per op function. Each row is run with hypothesis-drawn shapes and float64 values
through ``minigrad.autograd.gradcheck`` (first derivatives) and through a gradgradcheck built
on ``autograd.grad(..., create_graph=True)`` (the backward formulas are themselves
differentiated). A coverage test walks the graphs every row builds (forward, and the graphs
of first and second derivatives) and fails when an op class from ``minigrad.ops.all_ops()``
is not exercised by any row, so that a new op cannot land without a row here.

Independent checks that do not trust minigrad's own gradcheck: a numpy-only central
difference for a few composite functions, and closed-form second derivatives.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import minigrad
from minigrad.autograd import gradcheck
from minigrad.autograd.graph import AccumulateGrad
from minigrad.ops import all_ops

SETTINGS = settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

# --------------------------------------------------------------------------------------------
# Value and shape strategies
# --------------------------------------------------------------------------------------------

_ANY = st.floats(-2.0, 2.0, allow_nan=False, allow_infinity=False, allow_subnormal=False)
_POSITIVE = st.floats(0.3, 3.0, allow_nan=False, allow_infinity=False)
# A grid offset by half a step: never 0, never on a clamp bound, never within 5e-3 of a kink.
_GRID = st.integers(-300, 299).map(lambda i: (i + 0.5) / 100)
_AWAY0 = st.tuples(st.sampled_from([-1.0, 1.0]), st.integers(20, 300)).map(
    lambda p: p[0] * (p[1] + 0.5) / 100
)
# Some exact zeros among values away from 0: prod's gradient is the product of the others
# there. (Elsewhere it is result / self, whose derivative overflows for a tiny self, 1e-166,
# in PyTorch too.)
_ZEROS = st.one_of(st.just(0.0), _AWAY0)
_ELEMENTS = {"any": _ANY, "positive": _POSITIVE, "grid": _GRID, "away0": _AWAY0, "zeros": _ZEROS}


def _array(shape: tuple[int, ...], kind: str) -> st.SearchStrategy[np.ndarray]:
    # "grid" values are also distinct, so max/min have a single winner.
    return hnp.arrays(np.float64, shape, elements=_ELEMENTS[kind], unique=kind == "grid")


def _default_array(rng: np.random.Generator, shape: tuple[int, ...], kind: str) -> np.ndarray:
    size = int(np.prod(shape, dtype=np.int64))
    if kind == "any":
        flat = rng.uniform(-2, 2, size)
    elif kind == "positive":
        flat = rng.uniform(0.3, 3, size)
    elif kind == "grid":
        flat = (rng.choice(np.arange(-300, 300), size, replace=False) + 0.5) / 100
    elif kind == "zeros":  # a zero first, and about a third of the rest
        flat = np.where(rng.random(size) < 0.3, 0.0, rng.uniform(0.2, 3, size))
        flat[:1] = 0.0
    else:
        flat = rng.choice([-1.0, 1.0], size) * (rng.integers(20, 300, size) + 0.5) / 100
    return flat.reshape(shape)


def shape(min_dims: int = 0, max_dims: int = 3, min_side: int = 1, max_side: int = 4):
    return hnp.array_shapes(
        min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side
    )


def one(min_dims: int = 0, max_dims: int = 3, **kwargs: int):
    """Cases of one input shape and no parameter."""
    return shape(min_dims, max_dims, **kwargs).map(lambda s: ((s,), None))


FIXED_BROADCASTS = [
    ((3, 1), (1, 4)),
    ((2, 3), (3,)),
    ((), (2, 3)),
    ((2, 3), ()),
    ((4,), (2, 3, 4)),
    ((2, 1, 3), (4, 1)),
]

two_broadcast = st.one_of(
    st.sampled_from(FIXED_BROADCASTS),
    hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=3, max_side=4).map(
        lambda r: r.input_shapes
    ),
).map(lambda shapes: (tuple(shapes), None))


def with_param(shapes: st.SearchStrategy, param: st.SearchStrategy) -> st.SearchStrategy:
    return st.tuples(shapes, param).map(lambda sp: (sp[0][0], sp[1]))


SEEDS = st.integers(0, 2**16)


def _mask(shape: tuple[int, ...], seed: int) -> minigrad.Tensor:
    return minigrad.tensor(np.random.default_rng(seed).random(shape) < 0.5)


def _dims_subset(ndim: int, bits: int) -> tuple[int, ...]:
    return tuple(d for d in range(ndim) if bits >> d & 1)


def _perm(ndim: int, seed: int) -> list[int]:
    return np.random.default_rng(seed).permutation(ndim).tolist()


@st.composite
def matmul_case(draw: Any, rank_a: int, rank_b: int, broadcast: bool = False) -> tuple:
    n, k, m = (draw(st.integers(1, 4)) for _ in range(3))
    batch = tuple(draw(st.lists(st.integers(1, 3), min_size=1, max_size=2)))
    a = {1: (k,), 2: (n, k)}.get(rank_a, batch + (n, k))
    b = {1: (k,), 2: (k, m)}.get(rank_b, batch + (k, m))
    if broadcast and rank_a > 2 and rank_b > 2:
        # Batch dims broadcast against each other: (B, 1, n, k) @ (C, k, m).
        c = draw(st.integers(1, 3))
        a = (batch[0], 1, n, k)
        b = (c, k, m)
    return (a, b), None


@st.composite
def cat_case(draw: Any, stack: bool = False) -> tuple:
    base = draw(shape(1, 3))
    count = draw(st.integers(1, 3))
    dim = draw(st.integers(-len(base) - (1 if stack else 0), len(base) - (0 if stack else 1)))
    shapes = []
    for _ in range(count):
        s = list(base)
        if not stack:
            s[dim] = draw(st.integers(1, 3))
        shapes.append(tuple(s))
    return tuple(shapes), dim


@st.composite
def slice_case(draw: Any) -> tuple:
    s = draw(shape(1, 3))
    n = s[0]
    start = draw(st.integers(-n, n - 1))
    stop = draw(st.one_of(st.none(), st.integers(-n, n)))
    step = draw(st.integers(1, 3))
    return (s,), (start, stop, step)


@st.composite
def squeeze_case(draw: Any) -> tuple:
    s = draw(hnp.array_shapes(min_dims=1, max_dims=4, min_side=1, max_side=3))
    dim = draw(st.integers(-len(s), len(s) - 1))
    return (s,), dim


@st.composite
def expand_case(draw: Any) -> tuple:
    s = draw(hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=3))
    target = [draw(st.integers(1, 3)) if size == 1 else size for size in s]
    target = [draw(st.integers(1, 3)) for _ in range(draw(st.integers(0, 1)))] + target
    keep = draw(st.booleans())
    if keep and len(target) > len(s) and s:
        target[-1] = -1  # -1 keeps a size
    return (s,), tuple(target)


@st.composite
def sum_to_size_case(draw: Any) -> tuple:
    target = draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=3))
    full = [draw(st.integers(1, 3)) if size == 1 else size for size in target]
    full = [draw(st.integers(1, 3)) for _ in range(draw(st.integers(0, 1)))] + full
    return (tuple(full),), target


# --------------------------------------------------------------------------------------------
# The table
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    name: str
    fn: Callable[..., minigrad.Tensor]  # fn(*tensors, param)
    case: st.SearchStrategy  # draws (shapes, param)
    default: tuple  # (shapes, param) for the deterministic runs
    values: str | tuple[str, ...] = "any"
    tolerance: dict | None = None  # extra gradcheck keyword arguments

    def kinds(self, count: int) -> tuple[str, ...]:
        return (self.values,) * count if isinstance(self.values, str) else self.values


def _weighted(pieces: tuple) -> list[minigrad.Tensor]:
    """Each piece times its position + 1, so that a gradient sent to the wrong piece shows."""
    return [piece * (position + 1) for position, piece in enumerate(pieces)]


def _clamp(x: minigrad.Tensor, bounds: tuple) -> minigrad.Tensor:
    low, high = bounds
    if low is None:
        return x.clamp(max=high)
    if high is None:
        return x.clamp(min=low)
    return x.clamp(low, high)


def _max_dim(x: minigrad.Tensor, p: tuple) -> minigrad.Tensor:
    dim, keepdim = p
    result = x.max(dim=dim % max(x.ndim, 1), keepdim=keepdim)
    assert result.indices.dtype == minigrad.int64
    return result.values


def _min_dim(x: minigrad.Tensor, p: tuple) -> minigrad.Tensor:
    dim, keepdim = p
    return minigrad.min(x, dim % max(x.ndim, 1), keepdim).values


def _bool_index(x: minigrad.Tensor, seed: int) -> minigrad.Tensor:
    return x[_mask(tuple(x.shape[:1]), seed)]


def _full_bool_index(x: minigrad.Tensor, seed: int) -> minigrad.Tensor:
    return x[_mask(tuple(x.shape), seed)]


S = st.sampled_from
two_vectors = st.tuples(st.integers(1, 4), st.integers(1, 4)).map(
    lambda n: (((n[0],), (n[1],)), None)
)
dim_and_keep = st.tuples(st.integers(-3, 2), st.booleans())

ROWS: list[Row] = [
    # -- arithmetic --------------------------------------------------------------------------
    Row("add", lambda a, b, p: a + b, two_broadcast, (((3, 1), (1, 4)), None)),
    Row(
        "add_fn_alpha",
        lambda a, b, p: minigrad.add(a, b, alpha=p),
        with_param(two_broadcast, S([2.5, -1.0])),
        (((2, 3), (3,)), 2.5),
    ),
    Row("add_number", lambda a, p: a + p, with_param(one(), S([1.5, -2, True])), (((2, 3),), 1.5)),
    Row("radd_number", lambda a, p: p + a, with_param(one(), S([1.5, 3])), (((2,),), 3)),
    Row("sub", lambda a, b, p: a - b, two_broadcast, (((2, 3), (3,)), None)),
    Row(
        "sub_method_alpha",
        lambda a, b, p: a.sub(b, alpha=p),
        with_param(two_broadcast, S([2.5, -0.5])),
        (((), (2, 3)), 2.5),
    ),
    Row("sub_number", lambda a, p: a - p, with_param(one(), S([1.5, 2])), (((2, 3),), 2)),
    Row("rsub_number", lambda a, p: p - a, with_param(one(), S([1.5, 2, -0.25])), (((2, 3),), 1.5)),
    Row("mul", lambda a, b, p: a * b, two_broadcast, (((3, 1), (1, 4)), None)),
    Row("mul_self", lambda a, p: a * a, one(), (((2, 3),), None)),
    Row("mul_number", lambda a, p: a * p, with_param(one(), S([2.5, -3, 0])), (((4,),), 2.5)),
    Row("rmul_number", lambda a, p: p * a, with_param(one(), S([2.5, -3])), (((4,),), -3)),
    Row(
        "div", lambda a, b, p: a / b, two_broadcast, (((2, 3), (3,)), None), values=("any", "away0")
    ),
    Row("div_number", lambda a, p: a / p, with_param(one(), S([2.5, -4])), (((3,),), 2.5)),
    Row(
        "rdiv_number",
        lambda a, p: p / a,
        with_param(one(), S([2.5, -1, 1])),
        (((3,),), 2.5),
        values="away0",
    ),
    Row("reciprocal", lambda a, p: a.reciprocal(), one(), (((3,),), None), values="away0"),
    Row("neg", lambda a, p: -a, one(), (((3,),), None)),
    Row("neg_fn", lambda a, p: minigrad.neg(a), one(), (((3,),), None)),
    Row(
        "pow_int_exponent",
        lambda a, p: a**p,
        with_param(one(), S([0, 1, 2, 3, -1])),
        (((3,),), 3),
        values="away0",
    ),
    Row(
        "pow_float_exponent",
        lambda a, p: a.pow(p),
        with_param(one(), S([0.5, -1.5, 2.5])),
        (((3,),), 0.5),
        values="positive",
    ),
    Row(
        "pow_tensor_tensor",
        lambda a, b, p: a**b,
        two_broadcast,
        (((3, 1), (1, 4)), None),
        # exponent 0 exactly: PyTorch's rule (and ours) zeroes the base gradient there, so its
        # derivative with respect to the exponent is 0 where central differences see 1/base
        values=("positive", "away0"),
    ),
    Row(
        "pow_fn_tensor_tensor",
        lambda a, b, p: minigrad.pow(a, b),
        two_broadcast,
        (((2, 3), (3,)), None),
        values=("positive", "away0"),
    ),
    Row("rpow_number", lambda a, p: p**a, with_param(one(), S([2.5, 0.5, math.e])), (((3,),), 2.5)),
    # -- functions of one tensor -------------------------------------------------------------
    Row("exp", lambda a, p: a.exp(), one(), (((2, 3),), None)),
    Row("log", lambda a, p: minigrad.log(a), one(), (((2, 3),), None), values="positive"),
    Row("sqrt", lambda a, p: a.sqrt(), one(), (((2, 3),), None), values="positive"),
    Row("log1p", lambda a, p: (a * a).log1p(), one(), (((2, 3),), None)),
    Row("expm1", lambda a, p: minigrad.expm1(a), one(), (((2, 3),), None)),
    Row("rsqrt", lambda a, p: a.rsqrt(), one(), (((2, 3),), None), values="positive"),
    Row("square", lambda a, p: a.square(), one(), (((2, 3),), None)),
    # rounding: values on the half-step grid, never near a jump (of round(decimals=±1) too)
    Row("floor", lambda a, p: a.floor(), one(), (((2, 3),), None), values="grid"),
    Row("ceil", lambda a, p: minigrad.ceil(a), one(), (((2, 3),), None), values="grid"),
    Row("round", lambda a, p: a.round(), one(), (((2, 3),), None), values="grid"),
    Row(
        "round_decimals",
        lambda a, p: minigrad.round(a, decimals=p),
        with_param(one(), S([1, 0, -1])),
        (((2, 3),), 1),
        values="grid",
    ),
    Row("trunc", lambda a, p: a.trunc(), one(), (((2, 3),), None), values="grid"),
    Row("fix_fn", lambda a, p: minigrad.fix(a), one(), (((2, 3),), None), values="grid"),
    Row("frac", lambda a, p: a.frac(), one(), (((2, 3),), None), values="grid"),
    Row("sinh", lambda a, p: a.sinh(), one(), (((2, 3),), None)),
    Row("cosh", lambda a, p: minigrad.cosh(a), one(), (((2, 3),), None)),
    Row("asin", lambda a, p: (a * 0.4).asin(), one(), (((2, 3),), None)),
    Row("arcsin_fn", lambda a, p: minigrad.arcsin(a * 0.4), one(), (((2, 3),), None)),
    Row("acos", lambda a, p: minigrad.acos(a * 0.4), one(), (((2, 3),), None)),
    Row("arccos", lambda a, p: (a * 0.4).arccos(), one(), (((2, 3),), None)),
    Row("atan", lambda a, p: a.atan(), one(), (((2, 3),), None)),
    Row("arctan_fn", lambda a, p: minigrad.arctan(a), one(), (((2, 3),), None)),
    Row(
        "atan2",
        lambda a, b, p: minigrad.atan2(a, b),
        two_broadcast,
        (((2, 3), (3,)), None),
        values=("any", "positive"),  # (the angle jumps by 2π across y = 0 where x < 0)
    ),
    Row(
        "arctan2_method",
        lambda a, b, p: a.arctan2(b),
        two_broadcast,
        (((3, 1), (1, 4)), None),
        values=("away0", "any"),
    ),
    Row("abs", lambda a, p: a.abs(), one(), (((2, 3),), None), values="grid"),
    Row("abs_operator", lambda a, p: abs(a), one(), (((2, 3),), None), values="away0"),
    Row("sin", lambda a, p: minigrad.sin(a), one(), (((2, 3),), None)),
    Row("cos", lambda a, p: a.cos(), one(), (((2, 3),), None)),
    Row("tanh", lambda a, p: a.tanh(), one(), (((2, 3),), None)),
    Row("sigmoid", lambda a, p: minigrad.sigmoid(a), one(), (((2, 3),), None)),
    Row("relu", lambda a, p: a.relu(), one(), (((2, 3),), None), values="grid"),
    Row(
        "clamp",
        lambda a, p: _clamp(a, p),
        with_param(one(), S([(-0.5, 0.5), (None, 0.25), (-0.25, None), (1, 2)])),
        (((2, 3),), (-0.5, 0.5)),
        values="grid",
    ),
    Row(
        "clamp_fn",
        lambda a, p: minigrad.clamp(a, min=p),
        with_param(one(), S([0, -1])),
        (((2, 3),), 0),
        values="grid",
    ),
    Row(
        "where",
        lambda a, b, p: minigrad.where(_mask(np.broadcast_shapes(a.shape, b.shape), p), a, b),
        with_param(two_broadcast, SEEDS),
        (((3, 1), (1, 4)), 1),
    ),
    Row(
        "where_number",
        lambda a, p: minigrad.where(_mask(tuple(a.shape), p), a, 0.0),
        with_param(one(), SEEDS),
        (((2, 3),), 3),
    ),
    Row(
        "where_number_first",
        lambda a, p: minigrad.where(_mask(tuple(a.shape), p), -1.5, a),
        with_param(one(), SEEDS),
        (((2, 3),), 3),
    ),
    Row("clip", lambda a, p: a.clip(-0.5, 0.5), one(), (((2, 3),), None), values="grid"),
    Row(
        "clip_fn", lambda a, p: minigrad.clip(a, max=0.25), one(), (((2, 3),), None), values="grid"
    ),
    Row("clone", lambda a, p: a.clone(), one(), (((2, 3),), None)),
    # filling a result in place cuts the gradient to the old values: only `+ a` remains
    Row("fill_", lambda a, p: (a * 2).fill_(1.5) + a, one(), (((2, 3),), None)),
    Row("zero_", lambda a, p: (a * 2).zero_() + a, one(), (((2, 3),), None)),
    Row("clone_fn", lambda a, p: minigrad.clone(a) * 2, one(), (((2, 3),), None)),
    Row(
        "to_float32_and_back",
        lambda a, p: a.to(minigrad.float32).to(minigrad.float64) * 3,
        one(),
        (((2, 3),), None),
        tolerance={"eps": 1e-3, "atol": 1e-3, "rtol": 1e-2},
    ),
    Row(
        "float_double_methods",
        lambda a, p: a.float().double(),
        one(),
        (((2, 3),), None),
        tolerance={"eps": 1e-3, "atol": 1e-3, "rtol": 1e-2},
    ),
    Row(
        "masked_fill",
        lambda a, p: a.masked_fill(_mask(tuple(a.shape), p), 0.5),
        with_param(one(), SEEDS),
        (((2, 3),), 3),
    ),
    Row(
        "masked_fill_broadcast_mask",
        lambda a, p: minigrad.masked_fill(a, _mask(tuple(a.shape[-1:]), p), -1.0),
        with_param(one(1), SEEDS),
        (((2, 3),), 5),
    ),
    # -- reductions --------------------------------------------------------------------------
    Row("sum", lambda a, p: a.sum(), one(), (((2, 3),), None)),
    Row("sum_fn", lambda a, p: minigrad.sum(a), one(), (((2, 3),), None)),
    Row(
        "sum_dim",
        lambda a, p: a.sum(dim=p[0] % max(a.ndim, 1), keepdim=p[1]),
        with_param(one(), dim_and_keep),
        (((2, 3),), (1, False)),
    ),
    Row("sum_negative_dim", lambda a, p: a.sum(-1), one(1), (((2, 3),), None)),
    Row(
        "sum_tuple_dims",
        lambda a, p: a.sum(dim=_dims_subset(a.ndim, p[0]), keepdim=p[1]),
        with_param(one(), st.tuples(st.integers(0, 7), st.booleans())),
        (((2, 3, 4),), (5, True)),
    ),
    Row("mean", lambda a, p: a.mean(), one(), (((2, 3),), None)),
    Row(
        "mean_dim",
        lambda a, p: minigrad.mean(a, p[0] % max(a.ndim, 1), keepdim=p[1]),
        with_param(one(), dim_and_keep),
        (((2, 3),), (0, True)),
    ),
    Row(
        "mean_tuple_dims",
        lambda a, p: a.mean(dim=_dims_subset(a.ndim, p[0]), keepdim=p[1]),
        with_param(one(1), st.tuples(st.integers(1, 7), st.booleans())),
        (((2, 3, 4),), (3, False)),
    ),
    Row(
        "cumsum",
        lambda a, p: a.cumsum(p[0] % max(a.ndim, 1)),
        with_param(one(), dim_and_keep),
        (((2, 3),), (1, False)),
    ),
    Row(
        "logsumexp",
        lambda a, p: minigrad.logsumexp(a, _dims_subset(a.ndim, p[0]), keepdim=p[1]),
        with_param(one(1), st.tuples(st.integers(1, 7), st.booleans())),
        (((2, 3, 4),), (3, False)),
    ),
    Row("var", lambda a, p: a.var(), one(1, min_side=2), (((2, 3),), None)),
    Row(
        "var_dim_correction",
        lambda a, p: a.var(p[0] % a.ndim, correction=0, keepdim=p[1]),
        with_param(one(1), dim_and_keep),
        (((2, 3),), (1, True)),
    ),
    Row(
        "std", lambda a, p: minigrad.std(a, 0), one(1, min_side=2), (((3, 2),), None), values="grid"
    ),
    Row("prod", lambda a, p: a.prod(), one(0, 2, max_side=3), (((2, 3),), None), values="away0"),
    Row(
        "prod_with_zeros",
        lambda a, p: minigrad.prod(a),
        one(1, 2),
        (((2, 3),), None),
        values="zeros",
    ),
    Row(
        "prod_dim",
        lambda a, p: a.prod(p[0] % max(a.ndim, 1), keepdim=p[1]),
        with_param(one(), dim_and_keep),
        (((2, 3),), (1, False)),
        values="away0",
    ),
    Row(
        "prod_dim_with_zeros",
        lambda a, p: minigrad.prod(a, p[0] % a.ndim, p[1]),
        with_param(one(1), dim_and_keep),
        (((3, 4),), (1, True)),
        values="zeros",
    ),
    Row(
        "amax",
        lambda a, p: a.amax(_dims_subset(a.ndim, p[0]), keepdim=p[1]),
        with_param(one(), st.tuples(st.integers(0, 7), st.booleans())),
        (((2, 3, 4),), (5, False)),
        values="grid",
    ),
    Row(
        "amin",
        lambda a, p: minigrad.amin(a, p[0] % max(a.ndim, 1), p[1]),
        with_param(one(), dim_and_keep),
        (((2, 3),), (1, True)),
        values="grid",
    ),
    Row("amin_all", lambda a, p: a.amin(), one(), (((2, 3),), None), values="grid"),
    Row("max_all", lambda a, p: a.max(), one(), (((2, 3),), None), values="grid"),
    Row("min_all", lambda a, p: minigrad.min(a), one(), (((2, 3),), None), values="grid"),
    Row(
        "max_dim", _max_dim, with_param(one(), dim_and_keep), (((2, 3),), (1, False)), values="grid"
    ),
    Row(
        "min_dim", _min_dim, with_param(one(), dim_and_keep), (((2, 3),), (0, True)), values="grid"
    ),
    # -- linear algebra ----------------------------------------------------------------------
    Row("matmul_1_1", lambda a, b, p: a @ b, matmul_case(1, 1), (((3,), (3,)), None)),
    Row("matmul_2_1", lambda a, b, p: a @ b, matmul_case(2, 1), (((2, 3), (3,)), None)),
    Row("matmul_1_2", lambda a, b, p: a @ b, matmul_case(1, 2), (((3,), (3, 2)), None)),
    Row("matmul_2_2", lambda a, b, p: a.matmul(b), matmul_case(2, 2), (((2, 3), (3, 4)), None)),
    Row(
        "matmul_3_3",
        lambda a, b, p: minigrad.matmul(a, b),
        matmul_case(3, 3),
        (((2, 2, 3), (2, 3, 4)), None),
    ),
    Row("matmul_3_2", lambda a, b, p: a @ b, matmul_case(3, 2), (((2, 2, 3), (3, 4)), None)),
    Row("matmul_2_3", lambda a, b, p: a @ b, matmul_case(2, 3), (((2, 3), (2, 3, 4)), None)),
    Row("matmul_1_3", lambda a, b, p: a @ b, matmul_case(1, 3), (((3,), (2, 3, 4)), None)),
    Row("matmul_3_1", lambda a, b, p: a @ b, matmul_case(3, 1), (((2, 2, 3), (3,)), None)),
    Row(
        "matmul_broadcast_batch",
        lambda a, b, p: a @ b,
        matmul_case(3, 3, broadcast=True),
        (((2, 1, 2, 3), (3, 3, 4)), None),
    ),
    Row("mm", lambda a, b, p: a.mm(b), matmul_case(2, 2), (((2, 3), (3, 4)), None)),
    Row("mm_fn", lambda a, b, p: minigrad.mm(a, b), matmul_case(2, 2), (((1, 3), (3, 1)), None)),
    Row("mv", lambda a, b, p: minigrad.mv(a, b), matmul_case(2, 1), (((2, 3), (3,)), None)),
    Row("dot", lambda a, b, p: a.dot(b), matmul_case(1, 1), (((3,), (3,)), None)),
    Row("outer", lambda a, b, p: minigrad.outer(a, b), two_vectors, (((3,), (4,)), None)),
    Row("ger_method", lambda a, b, p: a.ger(b), two_vectors, (((2,), (1,)), None)),
    Row("dot_fn", lambda a, b, p: minigrad.dot(a, b), matmul_case(1, 1), (((4,), (4,)), None)),
    # -- shape -------------------------------------------------------------------------------
    Row("reshape_flat", lambda a, p: a.reshape(-1), one(), (((2, 3),), None)),
    Row("reshape_fn", lambda a, p: minigrad.reshape(a, (a.numel(), 1)), one(), (((2, 3),), None)),
    Row("reshape_noncontiguous", lambda a, p: a.t().reshape(-1) * 1, one(2, 2), (((2, 3),), None)),
    Row("view", lambda a, p: a.view(1, -1, 1), one(), (((2, 3),), None)),
    Row("flatten", lambda a, p: a.flatten(), one(), (((2, 3, 2),), None)),
    Row(
        "flatten_range",
        lambda a, p: minigrad.flatten(a, 1, -1) if a.ndim > 1 else a.flatten(),
        one(1),
        (((2, 3, 2),), None),
    ),
    Row(
        "permute",
        lambda a, p: a.permute(*_perm(a.ndim, p)),
        with_param(one(1, 4), SEEDS),
        (((2, 3, 4),), 1),
    ),
    Row(
        "permute_fn",
        lambda a, p: minigrad.permute(a, _perm(a.ndim, p)),
        with_param(one(1, 3), SEEDS),
        (((2, 3),), 0),
    ),
    Row("T", lambda a, p: a.T, one(), (((2, 3),), None)),
    Row("mT", lambda a, p: a.mT, one(2, 3), (((4, 2, 3),), None)),
    Row("t_matrix", lambda a, p: a.t(), one(2, 2), (((2, 3),), None)),
    Row("t_vector", lambda a, p: minigrad.t(a), one(0, 1), (((3,),), None)),
    Row(
        "transpose",
        lambda a, p: a.transpose(p[0] % a.ndim, p[1] % a.ndim),
        with_param(one(1, 4), st.tuples(st.integers(-4, 3), st.integers(-4, 3))),
        (((2, 3, 4),), (0, 2)),
    ),
    Row("transpose_fn", lambda a, p: minigrad.transpose(a, 0, -1), one(1), (((2, 3),), None)),
    Row(
        "unsqueeze",
        lambda a, p: a.unsqueeze(p % (a.ndim + 1)),
        with_param(one(), st.integers(-4, 3)),
        (((2, 3),), 1),
    ),
    Row("unsqueeze_negative", lambda a, p: minigrad.unsqueeze(a, -1), one(), (((2, 3),), None)),
    Row("squeeze_all", lambda a, p: a.squeeze(), squeeze_case(), (((2, 1, 3, 1),), None)),
    Row("squeeze_dim", lambda a, p: a.squeeze(p), squeeze_case(), (((2, 1, 3),), 1)),
    Row("squeeze_fn_dim", lambda a, p: minigrad.squeeze(a, p), squeeze_case(), (((2, 1),), 0)),
    Row("expand", lambda a, p: a.expand(p), expand_case(), (((3, 1),), (2, 3, 4))),
    Row(
        "expand_as",
        lambda a, p: a.expand_as(minigrad.zeros(*p)),
        expand_case().filter(lambda c: -1 not in c[1]),
        (((1, 3),), (2, 3)),
    ),
    Row("sum_to_size", lambda a, p: a.sum_to_size(*p), sum_to_size_case(), (((2, 3, 4),), (3, 1))),
    Row(
        "select",
        lambda a, p: a.select(-1, p % a.shape[-1]) * 1,
        with_param(one(1), st.integers(-4, 3)),
        (((2, 3),), 1),
    ),
    Row("select_fn", lambda a, p: minigrad.select(a, 0, -1), one(1), (((2, 3),), None)),
    Row(
        "index_int",
        lambda a, p: a[p % a.shape[0]],
        with_param(one(1), st.integers(0, 3)),
        (((2, 3),), 1),
    ),
    Row("index_negative", lambda a, p: a[-1], one(1), (((2, 3),), None)),
    Row("index_int_pair", lambda a, p: a[0, -1], one(2), (((2, 3),), None)),
    Row(
        "index_slice_step",
        lambda a, p: a[p[0] : p[1] : p[2]],
        slice_case(),
        (((5, 2),), (1, None, 2)),
    ),
    Row("index_slice_second_dim", lambda a, p: a[:, ::2], one(2), (((2, 5),), None)),
    Row("index_none", lambda a, p: a[None, ..., None], one(), (((2, 3),), None)),
    Row("index_none_slice", lambda a, p: a[None, 1:], one(1), (((3, 2),), None)),
    Row("index_ellipsis", lambda a, p: a[..., 0], one(1), (((2, 3),), None)),
    Row("index_ellipsis_only", lambda a, p: a[...], one(), (((2, 3),), None)),
    Row("index_full_slice", lambda a, p: a[:], one(1), (((2, 3),), None)),
    Row("index_list_repeats", lambda a, p: a[[0, 0, a.shape[0] - 1, 0]], one(1), (((3, 2),), None)),
    Row(
        "index_list_second_dim",
        lambda a, p: a[:, [a.shape[1] - 1, 0, 0]],
        one(2),
        (((2, 3),), None),
    ),
    Row(
        "index_two_lists",
        lambda a, p: a[[0, a.shape[0] - 1, 0], [0, 0, a.shape[1] - 1]],
        one(2),
        (((2, 3),), None),
    ),
    Row("index_tensor", lambda a, p: a[minigrad.tensor([0, 0, -1])], one(1), (((3, 2),), None)),
    Row("index_bool_mask", _bool_index, with_param(one(1), SEEDS), (((4, 2),), 7)),
    Row("index_bool_mask_full", _full_bool_index, with_param(one(1), SEEDS), (((2, 3),), 7)),
    Row(
        "flip",
        lambda a, p: a.flip(_dims_subset(a.ndim, p)),
        with_param(one(), SEEDS),
        (((2, 3),), 3),
    ),
    Row("flip_fn", lambda a, p: minigrad.flip(a, [-1]), one(1), (((2, 3),), None)),
    Row("narrow", lambda a, p: a.narrow(-1, 0, 1) * 1, one(1), (((2, 3),), None)),
    Row("tril", lambda a, p: a.tril(p), with_param(one(2), st.integers(-2, 2)), (((3, 3),), 0)),
    Row(
        "triu",
        lambda a, p: minigrad.triu(a, p),
        with_param(one(2), st.integers(-2, 2)),
        (((2, 4),), 1),
    ),
    Row(
        "repeat",
        lambda a, p: (
            a.repeat(*p[: a.ndim], *p[a.ndim :])
            if len(p) >= a.ndim
            else a.repeat(*p, *(1,) * (a.ndim - len(p)))
        ),
        with_param(one(0, 2), st.lists(st.integers(1, 3), min_size=0, max_size=3)),
        (((2, 3),), [2, 1, 3]),
    ),
    Row(
        "index_select",
        lambda a, p: a.index_select(-1, minigrad.tensor([0, a.shape[-1] - 1, 0])),
        one(1),
        (((2, 3),), None),
    ),
    Row(
        "gather",
        lambda a, p: a.gather(
            -1, minigrad.tensor(np.random.default_rng(p).integers(0, a.shape[-1], a.shape))
        ),
        with_param(one(1), SEEDS),
        (((2, 3),), 5),
    ),
    Row("movedim", lambda a, p: a.movedim(0, -1), one(1), (((2, 3, 4),), None)),
    Row("contiguous", lambda a, p: a.mT.contiguous(), one(2), (((2, 3),), None)),
    Row(
        "cat",
        lambda *args: minigrad.cat(list(args[:-1]), dim=args[-1]),
        cat_case(),
        (((2, 3), (1, 3)), 0),
    ),
    Row(
        "cat_tuple",
        lambda *args: minigrad.cat(tuple(args[:-1]), args[-1]),
        cat_case(),
        (((2, 3), (2, 1), (2, 2)), -1),
    ),
    Row(
        "stack",
        lambda *args: minigrad.stack(args[:-1], dim=args[-1]),
        cat_case(stack=True),
        (((2, 3), (2, 3)), 1),
    ),
    Row(
        "split",
        lambda a, p: minigrad.cat(_weighted(a.split(p, -1)), -1),
        with_param(one(1), st.integers(1, 3)),
        (((2, 5),), 2),
    ),
    Row(
        "split_with_sizes_one_piece_unused",
        lambda a, p: a.split([1, a.shape[0] - 1])[p] * 3,
        with_param(one(1, min_side=2), st.integers(0, 1)),
        (((3, 2),), 1),
    ),
    Row(
        "chunk",
        lambda a, p: minigrad.cat(_weighted(minigrad.chunk(a, p)), 0),
        with_param(one(1), st.integers(1, 4)),
        (((5, 2),), 3),
    ),
    Row(
        "unbind_every_other_slice",
        lambda a, p: minigrad.stack(_weighted(a.unbind(-1))[::2], 0),
        one(1),
        (((2, 3),), None),
    ),
    # -- roll, diag, unflatten, squeeze with a tuple of dims, remainder and fmod ---------------
    Row(
        "roll",
        lambda a, p: a.roll(p, 0) if a.ndim else a.roll(p),
        with_param(one(), st.integers(-5, 5)),
        (((2, 3),), 1),
    ),
    Row(
        "roll_fn_tuple",
        lambda a, p: minigrad.roll(a, (p, -2 * p), (-1, 0)),
        with_param(one(1), st.integers(-4, 4)),
        (((2, 3),), 1),
    ),
    Row(
        "roll_flattened",
        lambda a, p: minigrad.roll(a, p),
        with_param(one(), st.integers(-7, 7)),
        (((2, 3),), -4),
    ),
    Row(
        "diag_vector",
        lambda a, p: a.diag(p),
        with_param(one(1, 1), st.integers(-2, 2)),
        (((3,),), 1),
    ),
    Row(
        "diag_matrix",
        lambda a, p: minigrad.diag(a, p),
        with_param(one(2, 2, min_side=2), st.integers(-1, 1)),
        (((3, 4),), -1),
    ),
    Row(
        "unflatten",
        lambda a, p: a.unflatten(0, (p, -1)),
        st.tuples(st.integers(1, 3), st.integers(1, 3), st.integers(1, 3)).map(
            lambda s: (((s[0] * s[1], s[2]),), s[0])
        ),
        (((6, 2),), 2),
    ),
    Row(
        "unflatten_fn_negative_dim",
        lambda a, p: minigrad.unflatten(a, -1, (1, a.shape[-1], 1)),
        one(1),
        (((2, 3),), None),
    ),
    Row(
        "squeeze_tuple",
        lambda a, p: a.squeeze(_dims_subset(a.ndim, p)),
        with_param(one(0, 4, max_side=2), st.integers(0, 15)),
        (((1, 2, 1, 3),), 5),
    ),
    Row(
        "squeeze_fn_tuple_negative",
        lambda a, p: minigrad.squeeze(a, tuple(-d - 1 for d in _dims_subset(a.ndim, p))),
        with_param(one(0, 4, max_side=2), st.integers(0, 15)),
        (((2, 1, 1),), 3),
    ),
    # the dividend on the half-step grid and a positive divisor: never on a jump of % or fmod
    Row(
        "remainder",
        lambda a, b, p: a % b,
        two_broadcast,
        (((2, 3), (3,)), None),
        values=("grid", "positive"),
    ),
    Row(
        "remainder_method_negative_divisor",
        lambda a, b, p: a.remainder(-b),
        two_broadcast,
        (((3, 1), (1, 4)), None),
        values=("grid", "positive"),
    ),
    Row(
        "remainder_fn_number",
        lambda a, p: minigrad.remainder(a, p),
        with_param(one(), S([1.5, -0.75, 2])),
        (((2, 3),), -0.75),
        values="grid",
    ),
    Row(
        "fmod",
        lambda a, b, p: minigrad.fmod(a, b),
        two_broadcast,
        (((2, 3), (3,)), None),
        values=("grid", "positive"),
    ),
    Row(
        "fmod_method_number",
        lambda a, p: a.fmod(p),
        with_param(one(), S([1.5, -0.75, 2])),
        (((2, 3),), 1.5),
        values="grid",
    ),
    # -- bounds between tensors: values on the half-step grid, bounds shifted off it --------
    Row(
        "maximum",
        lambda a, b, p: minigrad.maximum(a, b + 0.0025),
        two_broadcast,
        (((3, 1), (1, 4)), None),
        values="grid",
    ),
    Row(
        "min_of_two",
        lambda a, b, p: minigrad.min(a, b + 0.0025),
        two_broadcast,
        (((2, 3), (3,)), None),
        values="grid",
    ),
    Row(
        "clamp_tensor_bounds",
        lambda a, low, high, p: a.clamp(low + 0.0025, high + 0.0033),
        st.just((((2, 3), (3,), (2, 1)), None)),
        (((2, 3), (3,), (2, 1)), None),
        values="grid",
    ),
    Row(
        "clamp_tensor_max",
        lambda a, high, p: minigrad.clamp(a, max=high + 0.0025),
        two_broadcast,
        (((2, 3), (2, 1)), None),
        values="grid",
    ),
    Row(
        "masked_fill_value_tensor",
        lambda a, value, p: a.masked_fill(_mask(tuple(a.shape), p), value),
        st.tuples(shape(), SEEDS).map(lambda sp: ((sp[0], ()), sp[1])),
        (((2, 3), ()), 1),
    ),
    Row(
        "div_rounding_mode_none",
        lambda a, b, p: minigrad.div(a, b, rounding_mode=None),
        two_broadcast,
        (((2, 3), (3,)), None),
        values=("any", "away0"),
    ),
    Row("norm", lambda a, p: a.norm(), one(), (((2, 3),), None), values="away0"),
    Row(
        "norm_p_dim",
        lambda a, p: minigrad.norm(a, p=p, dim=-1, keepdim=True),
        with_param(one(1), st.sampled_from([1, 3, 1.5, 0.5, float("inf"), -float("inf")])),
        (((2, 3),), 3),
        values="grid",
    ),
    # -- the optimizers' fused ops, nn.Linear's addmm, softmax and the losses -----------------
    Row(
        "addmm",
        lambda b, m1, m2, p: minigrad.addmm(b, m1, m2, beta=p[0], alpha=p[1]),
        st.tuples(
            st.integers(1, 3), st.integers(1, 3), st.integers(1, 3), S([(1, 1), (0.5, 2)])
        ).map(lambda c: (((c[2],), (c[0], c[1]), (c[1], c[2])), c[3])),
        (((3,), (2, 4), (4, 3)), (1, 1)),
    ),
    Row(
        "addcmul",
        lambda a, b, c, p: a.addcmul(b, c, value=p),
        st.tuples(shape(), S([1, 0.5, -2.0])).map(lambda c: ((c[0],) * 3, c[1])),
        (((2, 3),) * 3, 0.5),
    ),
    Row(
        "addcdiv",
        lambda a, b, c, p: minigrad.addcdiv(a, b, c, value=p),
        st.tuples(shape(), S([1, 0.5, -2.0])).map(lambda c: ((c[0],) * 3, c[1])),
        (((2, 3),) * 3, -2.0),
        values=("any", "any", "away0"),
    ),
    Row(
        "lerp",
        lambda a, b, p: a.lerp(b, p),
        st.tuples(shape(), S([0.1, 0.75, -0.3])).map(lambda c: ((c[0],) * 2, c[1])),
        (((2, 3),) * 2, 0.75),
    ),
    Row(
        "log_softmax",
        lambda a, p: a.log_softmax(p % a.ndim),
        with_param(one(1), st.integers(-3, 2)),
        (((2, 3),), 1),
    ),
    Row(
        "softmax",
        lambda a, p: minigrad.softmax(a, p % a.ndim),
        with_param(one(1), st.integers(-3, 2)),
        (((2, 3),), -1),
    ),
    Row(
        "nll_loss",
        lambda a, p: minigrad.nn.functional.nll_loss(
            a,
            minigrad.tensor(np.random.default_rng(p[0]).integers(0, a.shape[-1], a.shape[:-1])),
            reduction=p[1],
        ),
        st.tuples(shape(1, 2), SEEDS, S(["mean", "sum", "none"])).map(lambda c: ((c[0],), c[1:])),
        (((4, 3),), (0, "mean")),
    ),
    Row(
        "nll_loss_2d_weight_ignore_index",
        lambda a, p: minigrad.nn.functional.nll_loss(
            a,
            # (the first target is class 0, so not every target is ignored)
            minigrad.tensor(
                np.random.default_rng(p).integers(0, 3, (a.shape[0], a.shape[2]))
                * (np.arange(a.shape[0] * a.shape[2]).reshape(a.shape[0], a.shape[2]) > 0)
            ),
            weight=minigrad.tensor([0.5, 2.0, 1.5], dtype=minigrad.float64),
            ignore_index=1,
        ),
        st.tuples(st.integers(1, 3), st.integers(1, 3), SEEDS).map(
            lambda c: (((c[0], 3, c[1]),), c[2])
        ),
        (((2, 3, 2),), 4),
    ),
    Row(
        "cross_entropy",
        lambda a, p: minigrad.nn.functional.cross_entropy(
            a, minigrad.tensor(np.random.default_rng(p).integers(0, a.shape[1], a.shape[0]))
        ),
        with_param(one(2, 2), SEEDS),
        (((4, 3),), 2),
    ),
    Row(
        "mse_loss",
        lambda a, b, p: minigrad.nn.functional.mse_loss(a, b, reduction=p),
        st.tuples(shape(), S(["mean", "sum", "none"])).map(lambda c: ((c[0],) * 2, c[1])),
        (((2, 3),) * 2, "mean"),
    ),
    Row(
        "binary_cross_entropy_with_logits",
        lambda a, b, p: minigrad.nn.functional.binary_cross_entropy_with_logits(a, b, reduction=p),
        st.tuples(shape(), S(["mean", "sum", "none"])).map(lambda c: ((c[0],) * 2, c[1])),
        (((2, 3),) * 2, "mean"),
    ),
    Row(
        "binary_cross_entropy_with_logits_weights",
        lambda a, b, p: minigrad.nn.functional.binary_cross_entropy_with_logits(
            a,
            b,
            weight=minigrad.tensor([0.5, 2.0, 1.0], dtype=minigrad.float64),
            pos_weight=minigrad.tensor([3.0, 0.5, 1.5], dtype=minigrad.float64),
            reduction=p,
        ),
        st.tuples(shape(1, 3, min_side=3, max_side=3), S(["mean", "sum", "none"])).map(
            lambda c: ((c[0],) * 2, c[1])
        ),
        (((2, 3),) * 2, "sum"),
    ),
]

ROW_IDS = [row.name for row in ROWS]
assert len(set(ROW_IDS)) == len(ROW_IDS), "row names must be unique"


def _leaves(arrays: list[np.ndarray]) -> list[minigrad.Tensor]:
    return [minigrad.tensor(a, dtype=minigrad.float64, requires_grad=True) for a in arrays]


def _draw_case(row: Row, data: st.DataObject) -> tuple[list[np.ndarray], Any]:
    shapes, param = data.draw(row.case, label="shapes and parameter")
    kinds = row.kinds(len(shapes))
    arrays = [
        data.draw(_array(tuple(s), kind), label=f"input {i}")
        for i, (s, kind) in enumerate(zip(shapes, kinds))
    ]
    return arrays, param


def _default_case(row: Row) -> tuple[list[np.ndarray], Any]:
    shapes, param = row.default
    rng = np.random.default_rng(0)
    return [_default_array(rng, s, k) for s, k in zip(shapes, row.kinds(len(shapes)))], param


def _gradgrad_function(row: Row, param: Any, seeds: tuple[int, int]) -> Callable:
    """x ↦ Σ_i ⟨∂⟨v, f(x)⟩/∂x_i, u_i⟩, whose gradient exercises the backward formulas."""
    v_seed, u_seed = seeds

    def function(*xs: minigrad.Tensor) -> minigrad.Tensor:
        with minigrad.enable_grad():  # gradcheck's numerical pass runs under no_grad
            return _inner(*xs)

    def _inner(*xs: minigrad.Tensor) -> minigrad.Tensor:
        out = row.fn(*xs, param)
        v = minigrad.tensor(np.random.default_rng(v_seed).uniform(-1, 1, tuple(out.shape)))
        firsts = minigrad.autograd.grad(out, xs, v, create_graph=True, allow_unused=True)
        rng = np.random.default_rng(u_seed)
        total = sum(x.sum() * 0.0 for x in xs)  # keeps the output in the graph when f is linear
        for x, g in zip(xs, firsts):
            if g is not None:
                total = total + (g * minigrad.tensor(rng.uniform(-1, 1, tuple(x.shape)))).sum()
        return total

    return function


# --------------------------------------------------------------------------------------------
# The tests over the table
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("row", ROWS, ids=ROW_IDS)
@SETTINGS
@given(data=st.data())
def test_gradcheck(row: Row, data: st.DataObject) -> None:
    arrays, param = _draw_case(row, data)
    inputs = _leaves(arrays)
    out = row.fn(*inputs, param)
    assert out.requires_grad
    assert out.dtype == minigrad.float64
    assert gradcheck(lambda *xs: row.fn(*xs, param), tuple(inputs), **(row.tolerance or {}))


@pytest.mark.parametrize("row", ROWS, ids=ROW_IDS)
@settings(SETTINGS, max_examples=10)
@given(data=st.data(), seeds=st.tuples(SEEDS, SEEDS))
def test_gradgradcheck(row: Row, data: st.DataObject, seeds: tuple[int, int]) -> None:
    arrays, param = _draw_case(row, data)
    inputs = _leaves(arrays)
    assert gradcheck(_gradgrad_function(row, param, seeds), tuple(inputs), **(row.tolerance or {}))


@pytest.mark.parametrize("row", ROWS, ids=ROW_IDS)
def test_gradcheck_default_case(row: Row) -> None:
    """The row's fixed example, so every row runs at least once on a known input."""
    arrays, param = _default_case(row)
    inputs = _leaves(arrays)
    assert gradcheck(lambda *xs: row.fn(*xs, param), tuple(inputs), **(row.tolerance or {}))


BINARY_OPS = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
    "div": lambda a, b: a / (b * b + 1),
    "pow": lambda a, b: (a * a + 1) ** b,
    "where": lambda a, b: minigrad.where(_mask(np.broadcast_shapes(a.shape, b.shape), 0), a, b),
}


@pytest.mark.parametrize("shapes", FIXED_BROADCASTS, ids=str)
@pytest.mark.parametrize("op", sorted(BINARY_OPS))
def test_broadcast_gradients_have_input_shapes(op: str, shapes: tuple) -> None:
    rng = np.random.default_rng(1)
    a, b = _leaves([rng.uniform(-1, 1, s) for s in shapes])
    out = BINARY_OPS[op](a, b)
    assert tuple(out.shape) == np.broadcast_shapes(*shapes)
    out.backward(minigrad.ones_like(out))
    assert tuple(a.grad.shape) == shapes[0] and tuple(b.grad.shape) == shapes[1]
    assert gradcheck(BINARY_OPS[op], (a, b))


# --------------------------------------------------------------------------------------------
# Every op class is covered by some row
# --------------------------------------------------------------------------------------------


def _graph_names(tensors: Any) -> set[str]:
    names: set[str] = set()
    stack = [t.grad_fn for t in tensors if t is not None and t.grad_fn is not None]
    seen: set[int] = set()
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if not isinstance(node, AccumulateGrad):
            names.add(type(node).__name__)
        stack.extend(child for child, _ in node.next_functions if child is not None)
    return names


def _names_exercised_by(row: Row) -> set[str]:
    """Op names in the row's forward graph and in the graphs of its 1st and 2nd derivatives."""
    arrays, param = _default_case(row)
    xs = _leaves(arrays)
    out = row.fn(*xs, param)
    names = _graph_names([out])
    # The incoming gradient requires grad too, so backward formulas that are linear in it
    # (max/min along a dim, indexing) are recorded as well.
    v = minigrad.ones_like(out, dtype=minigrad.float64, requires_grad=True)
    firsts = minigrad.autograd.grad(out, xs, v, create_graph=True, allow_unused=True)
    names |= _graph_names(firsts)
    c = minigrad.tensor(1.5, dtype=minigrad.float64, requires_grad=True)  # same reason
    total = sum((g * c).sum() for g in firsts if g is not None and g.requires_grad)
    if isinstance(total, minigrad.Tensor):
        seconds = minigrad.autograd.grad(total, [*xs, v], create_graph=True, allow_unused=True)
        names |= _graph_names(seconds)
    return names


def test_every_op_has_a_row() -> None:
    covered: set[str] = set()
    for row in ROWS:
        covered |= _names_exercised_by(row)
    expected = {op.__name__ for op in all_ops()}
    missing = sorted(expected - covered)
    assert not missing, f"ops without a row in tests/test_gradcheck_ops.py: {missing}"


def test_each_row_names_its_op() -> None:
    """Each row's forward graph holds at least one op class from the table."""
    known = {op.__name__ for op in all_ops()}
    for row in ROWS:
        arrays, param = _default_case(row)
        names = _graph_names([row.fn(*_leaves(arrays), param)])
        assert names & known, (row.name, names)


# --------------------------------------------------------------------------------------------
# Independent numerical checks (numpy only, not minigrad's gradcheck)
# --------------------------------------------------------------------------------------------


def _numpy_central_difference(
    f: Callable[..., float], arrays: list[np.ndarray], index: int, eps: float = 1e-6
) -> np.ndarray:
    arrays = [a.copy() for a in arrays]
    x = arrays[index]
    grad = np.zeros_like(x)
    for k in np.ndindex(x.shape):
        original = x[k]
        x[k] = original + eps
        plus = f(*arrays)
        x[k] = original - eps
        minus = f(*arrays)
        x[k] = original
        grad[k] = (plus - minus) / (2 * eps)
    return grad


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-z))


INDEPENDENT = {
    # name: (minigrad function, numpy function, shapes)
    "tanh_matmul_times_broadcast": (
        lambda a, b, c: ((a @ b).tanh() * c).sum(),
        lambda a, b, c: float((np.tanh(a @ b) * c).sum()),
        [(3, 4), (4, 2), (2,)],
    ),
    "log_sigmoid_mean_over_dim": (
        lambda a, b: (a - b).sigmoid().log().mean(dim=0).pow(2).sum(),
        lambda a, b: float((np.log(_sigmoid(a - b)).mean(axis=0) ** 2).sum()),
        [(3, 1), (1, 4)],
    ),
    "batched_matmul_max_softmaxish": (
        lambda a, b: ((a @ b).exp() / (a @ b).exp().sum(-1, keepdim=True)).max(dim=-1)[0].sum(),
        lambda a, b: float((np.exp(a @ b) / np.exp(a @ b).sum(-1, keepdims=True)).max(-1).sum()),
        [(2, 3, 4), (4, 5)],
    ),
    "indexing_cat_stack": (
        lambda a, b: (
            minigrad.cat([a[[0, 0]], b[1:]]) * minigrad.stack([a[1], b[0], a[0], b[2]])
        ).sum(),
        lambda a, b: float(
            (np.concatenate([a[[0, 0]], b[1:]]) * np.stack([a[1], b[0], a[0], b[2]])).sum()
        ),
        [(2, 3), (3, 3)],
    ),
}


@pytest.mark.parametrize("name", sorted(INDEPENDENT))
@settings(SETTINGS, max_examples=8)
@given(seed=SEEDS)
def test_against_numpy_central_differences(name: str, seed: int) -> None:
    mg_f, np_f, shapes = INDEPENDENT[name]
    rng = np.random.default_rng(seed)
    arrays = [rng.uniform(-1, 1, s) for s in shapes]
    xs = _leaves(arrays)
    out = mg_f(*xs)
    np.testing.assert_allclose(out.item(), np_f(*arrays), rtol=1e-10, atol=1e-12)
    out.backward()
    for i, x in enumerate(xs):
        expected = _numpy_central_difference(np_f, arrays, i)
        np.testing.assert_allclose(x.grad.numpy(), expected, rtol=1e-5, atol=1e-7)


# --------------------------------------------------------------------------------------------
# Second derivatives against closed forms
# --------------------------------------------------------------------------------------------

values_1d = hnp.arrays(np.float64, st.integers(1, 5), elements=_ANY)


def _first_and_second(f: Callable, x: minigrad.Tensor) -> tuple[minigrad.Tensor, minigrad.Tensor]:
    (first,) = minigrad.autograd.grad(f(x).sum(), x, create_graph=True)
    assert first.requires_grad
    (second,) = minigrad.autograd.grad(first.sum(), x)
    return first, second


SECOND_DERIVATIVES = {
    # name: (f, f', f'') elementwise
    "pow3": (lambda x: x**3, lambda x: 3 * x**2, lambda x: 6 * x),
    "pow_half_shifted": (
        lambda x: (x * x + 1) ** 0.5,
        lambda x: x / np.sqrt(x * x + 1),
        lambda x: (x * x + 1) ** -1.5,
    ),
    "exp": (lambda x: x.exp(), np.exp, np.exp),
    "tanh": (
        lambda x: x.tanh(),
        lambda x: 1 - np.tanh(x) ** 2,
        lambda x: -2 * np.tanh(x) * (1 - np.tanh(x) ** 2),
    ),
    "sigmoid": (
        lambda x: x.sigmoid(),
        lambda x: _sigmoid(x) * (1 - _sigmoid(x)),
        lambda x: _sigmoid(x) * (1 - _sigmoid(x)) * (1 - 2 * _sigmoid(x)),
    ),
    "mul_self": (lambda x: x * x, lambda x: 2 * x, lambda x: 2 + 0 * x),
    "sin": (lambda x: x.sin(), np.cos, lambda x: -np.sin(x)),
    "log_shifted": (
        lambda x: (x * x + 1).log(),
        lambda x: 2 * x / (x * x + 1),
        lambda x: (2 - 2 * x * x) / (x * x + 1) ** 2,
    ),
    "rpow": (lambda x: 2.0**x, lambda x: np.log(2) * 2.0**x, lambda x: np.log(2) ** 2 * 2.0**x),
    "reciprocal_shifted": (
        lambda x: 1 / (x * x + 1),
        lambda x: -2 * x / (x * x + 1) ** 2,
        lambda x: (6 * x * x - 2) / (x * x + 1) ** 3,
    ),
}


@pytest.mark.parametrize("name", sorted(SECOND_DERIVATIVES))
@settings(SETTINGS, max_examples=10)
@given(values=values_1d)
def test_second_derivative_closed_form(name: str, values: np.ndarray) -> None:
    f, df, d2f = SECOND_DERIVATIVES[name]
    x = minigrad.tensor(values, requires_grad=True)
    first, second = _first_and_second(f, x)
    np.testing.assert_allclose(first.detach().numpy(), df(values), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(second.numpy(), d2f(values), rtol=1e-10, atol=1e-10)


@settings(SETTINGS, max_examples=10)
@given(a=values_1d, b_seed=SEEDS)
def test_second_derivative_mul_mixed(a: np.ndarray, b_seed: int) -> None:
    """f = Σ x·y: ∂f/∂x = y, and ∂/∂y ⟨∂f/∂x, w⟩ = w."""
    rng = np.random.default_rng(b_seed)
    b, w = rng.uniform(-2, 2, a.shape), rng.uniform(-2, 2, a.shape)
    x, y = _leaves([a, b])
    (gx,) = minigrad.autograd.grad((x * y).sum(), x, create_graph=True)
    np.testing.assert_allclose(gx.detach().numpy(), b)
    (gy,) = minigrad.autograd.grad((gx * minigrad.tensor(w)).sum(), y)
    np.testing.assert_allclose(gy.numpy(), w)


@settings(SETTINGS, max_examples=10)
@given(n=st.integers(1, 4), seed=SEEDS)
def test_second_derivative_matmul_quadratic_form(n: int, seed: int) -> None:
    """f = xᵀ A x: ∇f = (A + Aᵀ) x and the Hessian is A + Aᵀ."""
    rng = np.random.default_rng(seed)
    a_np, x_np = rng.uniform(-1, 1, (n, n)), rng.uniform(-1, 1, n)
    a = minigrad.tensor(a_np)
    x = minigrad.tensor(x_np, requires_grad=True)
    (g,) = minigrad.autograd.grad(x @ (a @ x), x, create_graph=True)
    # (atol: an element near 0 comes from cancellation, and carries its terms' roundoff)
    np.testing.assert_allclose(g.detach().numpy(), (a_np + a_np.T) @ x_np, rtol=1e-12, atol=1e-14)
    rows = [minigrad.autograd.grad(g[i], x, retain_graph=True)[0].numpy() for i in range(n)]
    np.testing.assert_allclose(np.stack(rows), a_np + a_np.T, rtol=1e-12, atol=1e-14)
    hessian = minigrad.autograd.functional.hessian(lambda v: v @ (a @ v), x.detach())
    np.testing.assert_allclose(hessian.numpy(), a_np + a_np.T, rtol=1e-12, atol=1e-14)


@settings(SETTINGS, max_examples=10)
@given(shapes=st.tuples(st.integers(1, 3), st.integers(1, 3), st.integers(1, 3)), seed=SEEDS)
def test_second_derivative_matmul_mixed(shapes: tuple[int, int, int], seed: int) -> None:
    """f = Σ A@B: ∂f/∂A[i,k] = Σ_j B[k,j]; ∂/∂B[k,j] ⟨∂f/∂A, W⟩ = Σ_i W[i,k]."""
    n, k, m = shapes
    rng = np.random.default_rng(seed)
    a_np, b_np, w_np = (
        rng.uniform(-1, 1, (n, k)),
        rng.uniform(-1, 1, (k, m)),
        rng.uniform(-1, 1, (n, k)),
    )
    a, b = _leaves([a_np, b_np])
    (ga,) = minigrad.autograd.grad((a @ b).sum(), a, create_graph=True)
    np.testing.assert_allclose(ga.detach().numpy(), np.ones((n, m)) @ b_np.T, rtol=1e-12)
    (gb,) = minigrad.autograd.grad((ga * minigrad.tensor(w_np)).sum(), b)
    np.testing.assert_allclose(
        gb.numpy(), np.repeat(w_np.sum(0)[:, None], m, axis=1), rtol=1e-12, atol=1e-14
    )


def test_third_derivative_of_pow() -> None:
    x = minigrad.tensor([0.5, -2.0, 3.0], dtype=minigrad.float64, requires_grad=True)
    (g1,) = minigrad.autograd.grad((x**4).sum(), x, create_graph=True)
    (g2,) = minigrad.autograd.grad(g1.sum(), x, create_graph=True)
    (g3,) = minigrad.autograd.grad(g2.sum(), x)
    np.testing.assert_allclose(g3.numpy(), 24 * x.detach().numpy())


def test_gradcheck_detects_a_wrong_gradient() -> None:
    """The oracle itself must be able to fail."""

    class Wrong(minigrad.autograd.function.Function):
        formula = "self"
        rules = ("2 · grad (wrong on purpose)",)

        @staticmethod
        def forward(a: np.ndarray) -> np.ndarray:
            return a.copy()

        def backward(self, grad: Any) -> Any:
            return grad * 2

    x = minigrad.tensor([1.0, 2.0], dtype=minigrad.float64, requires_grad=True)
    assert gradcheck(lambda v: Wrong.apply(v), (x,), raise_exception=False) is False
    with pytest.raises(RuntimeError, match="Jacobian mismatch"):
        gradcheck(lambda v: Wrong.apply(v), (x,))
