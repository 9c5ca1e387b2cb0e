"""minigrad against real PyTorch: the same programs must give the same values, gradients,
graphs, printed text, errors and dtypes.

Every test runs one body twice, once with ``L = torch`` and once with ``L = minigrad``, and
compares what comes out. Skipped when torch is not installed.
"""

from __future__ import annotations

import re
import subprocess
import sys
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import minigrad

torch = pytest.importorskip("torch")

LIBS = pytest.mark.parametrize("L", [torch, minigrad], ids=["torch", "minigrad"])
ADDRESS = re.compile(r"0x[0-9a-fA-F]+")


def mask_addresses(text: str) -> str:
    return ADDRESS.sub("0x…", text)


def both(body: Callable[[Any], Any]) -> tuple[Any, Any]:
    """``body(torch)`` and ``body(minigrad)``."""
    return body(torch), body(minigrad)


def outcome(body: Callable[[Any], Any], L: Any) -> tuple[str, str]:
    """("ok", repr of the result) or (exception type name, message)."""
    try:
        result = body(L)
    except Exception as error:  # noqa: BLE001 - any exception is an outcome to compare
        return type(error).__name__, str(error)
    return "ok", mask_addresses(repr(result))


def assert_same_outcome(body: Callable[[Any], Any]) -> None:
    expected, actual = outcome(body, torch), outcome(body, minigrad)
    assert actual == expected


def to_numpy(t: Any) -> np.ndarray:
    return np.asarray(t.detach().numpy())


def assert_close(actual: Any, expected: Any, rtol: float = 1e-6, atol: float = 1e-6) -> None:
    """Tensors (or None) with the same dtype name, shape and values."""
    if expected is None:
        assert actual is None
        return
    assert actual is not None
    assert str(actual.dtype) == str(expected.dtype)
    assert tuple(actual.shape) == tuple(expected.shape)
    np.testing.assert_allclose(to_numpy(actual), to_numpy(expected), rtol=rtol, atol=atol)


def graph_signature(tensor: Any, leaves: list[Any]) -> list[tuple] | None:
    """The graph below ``tensor.grad_fn`` as a list of (name, edges), nodes numbered in DFS
    order so that shared nodes and the (None, 0) slots are part of the comparison."""
    root = tensor.grad_fn
    if root is None:
        return None
    numbers: dict[int, int] = {}
    keep_alive: list[Any] = []
    signature: list[tuple] = []

    def number(node: Any) -> int:
        if id(node) not in numbers:
            numbers[id(node)] = len(numbers)
            keep_alive.append(node)
            signature.append(())  # placeholder, filled below
            order.append(node)
        return numbers[id(node)]

    order: list[Any] = []
    number(root)
    position = 0
    while position < len(order):
        node = order[position]
        edges = tuple(
            (None, nr) if child is None else (number(child), nr)
            for child, nr in node.next_functions
        )
        extra = None
        if hasattr(node, "variable"):  # AccumulateGrad: which leaf
            extra = next((i for i, leaf in enumerate(leaves) if leaf is node.variable), "?")
        signature[numbers[id(node)]] = (node.name(), type(node).__name__, edges, extra)
        position += 1
    return signature


# --------------------------------------------------------------------------------------------
# Random programs
# --------------------------------------------------------------------------------------------

UNARY = [
    "neg",
    "exp",
    "log1",
    "sqrt1",
    "tanh",
    "sigmoid",
    "sin",
    "cos",
    "abs",
    "relu",
    "clamp",
    "pow2",
    "pow3",
    "pow_frac",
    "rpow",
    "reciprocal1",
    "log1p_sq",
    "expm1",
    "rsqrt1",
    "square",
    "rsub",
    "rdiv1",
    "mul_number",
    "add_number",
    "sub_number",
    "div_number",
    "clone",
    "masked_fill",
    "where_number",
]
UNARY += ["floor", "ceil", "round", "round_decimals", "trunc", "frac", "sinh", "cosh", "asin"]
UNARY += ["acos", "atan", "clip", "any_where", "all_where"]
REDUCE = ["sum", "sum_dim", "sum_dims", "mean", "mean_dim", "max", "min", "max_dim", "min_dim"]
REDUCE += ["cumsum", "logsumexp", "var", "std_dim", "prod", "prod_dim", "amax", "amax_dims"]
REDUCE += ["amin_dim"]
SHAPE = [
    "reshape_flat",
    "view_column",
    "flatten",
    "T",
    "t",
    "transpose",
    "permute",
    "unsqueeze",
    "squeeze",
    "squeeze_dim",
    "expand",
    "index_int",
    "index_negative",
    "index_slice",
    "index_none",
    "index_ellipsis",
    "index_list",
    "index_bool",
    "index_tensor",
]
BINARY = [
    "add",
    "sub",
    "mul",
    "div1",
    "add_alpha",
    "pow_tt",
    "where",
    "matmul",
    "matmul_self",
    "cat",
    "stack",
    "atan2",
    "outer",
]
INPLACE = [
    "iadd_number",
    "imul_number",
    "idiv_number",
    "iadd",
    "isub_alpha",
    "imul",
    "iop_add",
    "iop_mul",
    "iclamp",
    "iclip",
    "ipow",
]
ALL_OPS = UNARY + REDUCE + SHAPE + BINARY + INPLACE


def _mask_array(shape: tuple[int, ...], seed: int) -> np.ndarray:
    return np.random.default_rng(seed).random(shape) < 0.5


def _broadcastable(a: tuple[int, ...], b: tuple[int, ...]) -> bool:
    try:
        np.broadcast_shapes(a, b)
    except ValueError:
        return False
    return True


def _matmul_ok(a: tuple[int, ...], b: tuple[int, ...]) -> bool:
    if not a or not b:
        return False
    k_b = b[0] if len(b) == 1 else b[-2]
    if a[-1] != k_b:
        return False
    return _broadcastable(a[:-2], b[:-2])


def plan(name: str, a: np.ndarray, b: np.ndarray, r: list[int]) -> Callable | None:
    """The step ``name`` as ``f(L, a, b)``, or None when it does not apply to these inputs.

    Decisions look only at the (torch) values, so both libraries run the same program.
    """
    sa, sb, nd = a.shape, b.shape, a.ndim
    big = float(np.abs(a).max()) if a.size else 0.0
    d0 = r[0] % nd if nd else 0
    d1 = r[1] % nd if nd else 0
    keep = bool(r[2] & 1)
    if name.startswith("index") and 0 in sa:
        return None  # an empty tensor (after a boolean mask) has nothing to pick
    if name == "neg":
        return lambda L, x, y: -x
    if name == "exp":
        return (lambda L, x, y: x.exp()) if big < 3 else None
    if name == "log1":
        return lambda L, x, y: (x * x + 1).log()
    if name == "sqrt1":
        return lambda L, x, y: L.sqrt(x * x + 1)
    if name in ("tanh", "sigmoid", "sin", "cos", "abs", "relu"):
        return lambda L, x, y: getattr(x, name)()
    if name == "clamp":
        low, high = [(-0.5, 0.5), (None, 0.25), (-0.25, None)][r[0] % 3]
        return lambda L, x, y: x.clamp(min=low, max=high)
    if name == "pow2":
        return lambda L, x, y: x**2
    if name == "pow3":
        return (lambda L, x, y: x.pow(3)) if big < 20 else None
    if name == "pow_frac":
        exponent = [0.5, -1.5, 2.5][r[0] % 3]
        return lambda L, x, y: (x * x + 1) ** exponent
    if name == "rpow":
        return (lambda L, x, y: 2.0**x) if big < 5 else None
    if name == "log1p_sq":
        return lambda L, x, y: (x * x).log1p()
    if name == "expm1":
        return (lambda L, x, y: x.expm1()) if big < 3 else None
    if name == "rsqrt1":
        return lambda L, x, y: (x * x + 1).rsqrt()
    if name == "square":
        return lambda L, x, y: x.square()
    if name in ("floor", "ceil", "round", "trunc", "frac", "atan"):
        return lambda L, x, y: getattr(x, name)()
    if name == "round_decimals":
        decimals = r[0] % 5 - 2
        return lambda L, x, y: L.round(x, decimals=decimals)
    if name in ("sinh", "cosh"):
        return (lambda L, x, y: getattr(L, name)(x)) if big < 3 else None
    if name in ("asin", "acos"):
        return (lambda L, x, y: getattr(x * 0.45, name)()) if big < 2 else None
    if name == "clip":
        low, high = [(-0.25, 0.75), (None, -0.5), (0.5, None)][r[0] % 3]
        return lambda L, x, y: L.clip(x, low, high)
    if name in ("any_where", "all_where"):
        method, dims = name[:3], tuple(d for d in range(nd) if r[0] >> d & 1)
        return lambda L, x, y: L.where(getattr(x > 0, method)(dims, keepdim=True), x, 2 * x)
    if name == "reciprocal1":
        return lambda L, x, y: (x * x + 1).reciprocal()
    if name == "rsub":
        return lambda L, x, y: 1.5 - x
    if name == "rdiv1":
        return lambda L, x, y: 2 / (x * x + 1)
    if name == "mul_number":
        return lambda L, x, y: x * -1.5
    if name == "add_number":
        return lambda L, x, y: 0.5 + x
    if name == "sub_number":
        return lambda L, x, y: x - 2
    if name == "div_number":
        return lambda L, x, y: x / 4
    if name == "clone":
        return lambda L, x, y: x.clone()
    if name == "masked_fill":
        mask = _mask_array(sa, r[0])
        return lambda L, x, y: x.masked_fill(L.tensor(mask), 0.5)
    if name == "where_number":
        mask = _mask_array(sa, r[0])
        return lambda L, x, y: L.where(L.tensor(mask), x, -1.0)
    # reductions
    if name in ("sum", "mean", "max", "min"):
        return (lambda L, x, y: getattr(x, name)()) if a.size else None
    if name in ("sum_dim", "mean_dim"):
        method = name[:-4]
        return (lambda L, x, y: getattr(x, method)(d0, keepdim=keep)) if nd else None
    if name == "sum_dims":
        dims = tuple(d for d in range(nd) if r[0] >> d & 1)
        return (lambda L, x, y: x.sum(dims, keep)) if dims else None
    if name in ("max_dim", "min_dim"):
        method = name[:3]
        return (lambda L, x, y: getattr(x, method)(dim=d0, keepdim=keep).values) if nd else None
    if name == "cumsum":
        return (lambda L, x, y: x.cumsum(d0)) if nd else None
    if name == "logsumexp":
        return (lambda L, x, y: L.logsumexp(x, d0, keepdim=keep)) if nd and big < 3 else None
    if name == "var":
        return (lambda L, x, y: x.var()) if a.size > 1 else None
    if name == "std_dim":  # (distinct values: the gradient of a std of 0 is a kink)
        distinct = nd and sa[d0] > 1 and len(np.unique(a)) == a.size
        return (lambda L, x, y: x.std(d0, correction=0, keepdim=keep)) if distinct else None
    if name == "prod":
        return lambda L, x, y: x.prod()
    if name == "prod_dim":
        return lambda L, x, y: x.prod(d0, keepdim=keep)
    if name == "amax":
        return (lambda L, x, y: x.amax()) if a.size else None
    if name == "amax_dims":
        dims = tuple(d for d in range(nd) if r[0] >> d & 1)
        return lambda L, x, y: L.amax(x, dims, keep)
    if name == "amin_dim":
        return (lambda L, x, y: x.amin(d0, keepdim=keep)) if nd else None
    # shape
    if name == "reshape_flat":
        return lambda L, x, y: x.reshape(-1)
    if name == "view_column":
        return lambda L, x, y: x.view(-1, 1)
    if name == "flatten":
        return lambda L, x, y: x.flatten()
    if name == "T":
        return (lambda L, x, y: x.T) if nd == 2 else None
    if name == "t":
        return (lambda L, x, y: x.t()) if nd <= 2 else None
    if name == "transpose":
        return (lambda L, x, y: x.transpose(d0, d1)) if nd else None
    if name == "permute":
        order = np.random.default_rng(r[0]).permutation(nd).tolist()
        return (lambda L, x, y: x.permute(*order)) if nd else None
    if name == "unsqueeze":
        dim = r[0] % (nd + 1)
        return lambda L, x, y: x.unsqueeze(dim)
    if name == "squeeze":
        return lambda L, x, y: x.squeeze()
    if name == "squeeze_dim":
        return (lambda L, x, y: x.squeeze(d0)) if nd else None
    if name == "expand":
        target = [1 + r[0] % 3] * (r[1] % 2) + [
            1 + (r[2] + i) % 3 if s == 1 else s for i, s in enumerate(sa)
        ]
        return (lambda L, x, y: x.expand(*target)) if target else None
    if name == "index_int":
        return (lambda L, x, y: x[r[0] % sa[0]]) if nd else None
    if name == "index_negative":
        return (lambda L, x, y: x[..., -1]) if nd else None
    if name == "index_slice":
        if not nd:
            return None
        start, stop, step = r[0] % sa[0], r[1] % (sa[0] + 1), 1 + r[2] % 3
        return lambda L, x, y: x[start:stop:step] if start < stop else x[start::step]
    if name == "index_none":
        return lambda L, x, y: x[None]
    if name == "index_ellipsis":
        return (lambda L, x, y: x[..., None, r[0] % sa[-1]]) if nd else None
    if name == "index_list":
        if not nd:
            return None
        index = [r[i] % sa[0] for i in range(1 + r[3] % 3)] + [r[0] % sa[0]]
        return lambda L, x, y: x[index]
    if name == "index_bool":
        if not nd:
            return None
        mask = _mask_array(sa[:1], r[0])
        return lambda L, x, y: x[L.tensor(mask)]
    if name == "index_tensor":
        if not nd:
            return None
        index = np.array([r[0] % sa[0], -1, r[1] % sa[0]])
        return lambda L, x, y: x[L.tensor(index)]
    # binary
    if name in ("add", "sub", "mul"):
        op = {"add": lambda x, y: x + y, "sub": lambda x, y: x - y, "mul": lambda x, y: x * y}
        return (lambda L, x, y: op[name](x, y)) if _broadcastable(sa, sb) else None
    if name == "div1":
        return (lambda L, x, y: x / (y * y + 1)) if _broadcastable(sa, sb) else None
    if name == "add_alpha":
        return (lambda L, x, y: x.add(y, alpha=-0.5)) if _broadcastable(sa, sb) else None
    if name == "pow_tt":
        ok = _broadcastable(sa, sb) and (float(np.abs(b).max()) if b.size else 0) < 3
        return (lambda L, x, y: (x * x + 0.5) ** y) if ok else None
    if name == "where":
        if not _broadcastable(sa, sb):
            return None
        mask = _mask_array(np.broadcast_shapes(sa, sb), r[0])
        return lambda L, x, y: L.where(L.tensor(mask), x, y)
    if name == "matmul":
        return (lambda L, x, y: x @ y) if _matmul_ok(sa, sb) and nd <= 3 else None
    if name == "matmul_self":
        if nd == 0 or nd > 3:
            return None
        return (lambda L, x, y: x @ x) if nd == 1 else (lambda L, x, y: x.matmul(x.mT))
    if name == "cat":
        if not nd:
            return None
        fits = b.ndim == nd and all(p == q for i, (p, q) in enumerate(zip(sa, sb)) if i != d0)
        return (lambda L, x, y: L.cat([x, y], d0)) if fits else (lambda L, x, y: L.cat([x, x], d0))
    if name == "stack":
        dim = r[0] % (nd + 1)
        return (
            (lambda L, x, y: L.stack([x, y], dim))
            if sa == sb
            else (lambda L, x, y: L.stack((x, x), dim=dim))
        )
    if name == "atan2":
        return (lambda L, x, y: L.atan2(x, y)) if _broadcastable(sa, sb) else None
    if name == "outer":
        return lambda L, x, y: L.outer(x.flatten(), y.flatten())
    # in place, always on a fresh clone (in-place on views of graph tensors is not offered)
    if name == "iadd_number":
        return lambda L, x, y: x.clone().add_(1.5)
    if name == "imul_number":
        return lambda L, x, y: x.clone().mul_(-2)
    if name == "idiv_number":
        return lambda L, x, y: x.clone().div_(4)
    fits_a = _broadcastable(sa, sb) and np.broadcast_shapes(sa, sb) == sa
    if name == "iadd":
        return (lambda L, x, y: x.clone().add_(y)) if fits_a else None
    if name == "isub_alpha":
        return (lambda L, x, y: x.clone().sub_(y, alpha=2)) if fits_a else None
    if name == "imul":
        return (lambda L, x, y: x.clone().mul_(y)) if fits_a else None
    if name == "iop_add":
        return (lambda L, x, y: _iop(x.clone(), y, "add")) if fits_a else None
    if name == "iop_mul":
        return (lambda L, x, y: _iop(x.clone(), y, "mul")) if fits_a else None
    if name == "iclamp":
        return lambda L, x, y: x.clone().clamp_(-1, 1)
    if name == "iclip":
        return lambda L, x, y: x.clone().clip_(max=0.5)
    if name == "ipow":
        return lambda L, x, y: x.clone().pow_(2)
    raise AssertionError(name)


def _iop(x: Any, y: Any, kind: str) -> Any:
    if kind == "add":
        x += y
    else:
        x *= y
    return x


@st.composite
def leaves_strategy(draw: Any) -> tuple[list[np.ndarray], list[bool]]:
    count = draw(st.integers(1, 3))
    shapes = draw(
        hnp.mutually_broadcastable_shapes(num_shapes=count, min_dims=0, max_dims=3, max_side=4)
    ).input_shapes
    elements = st.floats(-2, 2, allow_nan=False, allow_infinity=False, allow_subnormal=False)
    arrays = [draw(hnp.arrays(np.float64, s, elements=elements)) for s in shapes]
    flags = draw(st.lists(st.booleans(), min_size=count, max_size=count))
    if not any(flags):
        flags[draw(st.integers(0, count - 1))] = True
    return arrays, flags


programs = st.lists(
    st.tuples(st.sampled_from(ALL_OPS), st.lists(st.integers(0, 2**16), min_size=4, max_size=4)),
    min_size=1,
    max_size=8,
)


class Run:
    """One program run in lockstep in torch and minigrad."""

    def __init__(self, arrays: list[np.ndarray], flags: list[bool]) -> None:
        self.leaves = {
            lib: [lib.tensor(a, dtype=lib.float64, requires_grad=f) for a, f in zip(arrays, flags)]
            for lib in (torch, minigrad)
        }
        self.values = list(zip(self.leaves[torch], self.leaves[minigrad]))
        self.steps: list[str] = []
        # set when a step records one of the graph shapes listed in KNOWN_GRAPH_DIFFERENCES
        self.graph_differs = False

    def step(self, name: str, r: list[int]) -> None:
        (ta, ma), (tb, mb) = (
            self.values[r[0] % len(self.values)],
            self.values[r[1] % len(self.values)],
        )
        f = plan(name, to_numpy(ta), to_numpy(tb), r[1:] + r[:1])
        if f is None or (name == "view_column" and not ta.is_contiguous()):
            return  # minigrad's view of a non-contiguous tensor does not refuse (README)
        try:
            expected = f(torch, ta, tb)
        except Exception as error:  # noqa: BLE001 - torch refuses: minigrad must refuse too
            with pytest.raises(type(error)):
                f(minigrad, ma, mb)
            return
        e = to_numpy(expected)
        if (
            e.size > 256
            or e.ndim > 5
            or not np.all(np.isfinite(e))
            or np.abs(e).max(initial=0) > 1e6
        ):
            return
        self.steps.append(f"{name}{r}")
        if name in ("matmul", "matmul_self") and not (ta.dim() == 2 and tb.dim() == 2):
            self.graph_differs = True  # see the matmul_* cases in KNOWN_GRAPH_DIFFERENCES
        if name in ("reshape_flat", "view_column", "flatten") and not ta.is_contiguous():
            self.graph_differs = True  # see reshape_noncontiguous in KNOWN_GRAPH_DIFFERENCES
        if name == "outer" and not (ta.is_contiguous() and tb.is_contiguous()):
            self.graph_differs = True  # (it reshapes its inputs: the same difference)
        actual = f(minigrad, ma, mb)
        self.compare_tensor(actual, expected)
        self.values.append((expected, actual))

    def compare_tensor(self, actual: Any, expected: Any) -> None:
        where = " → ".join(self.steps)
        assert isinstance(actual, minigrad.Tensor), where
        assert actual.requires_grad == expected.requires_grad, where
        assert actual.is_leaf == expected.is_leaf, where
        assert_close(actual, expected)


def _node_name(tensor: Any) -> str | None:
    return None if tensor.grad_fn is None else tensor.grad_fn.name()


def _run_program(
    data: tuple, program: list, backward_mode: int, retain: int, check_graph: bool
) -> None:
    arrays, flags = data
    run = Run(arrays, flags)
    for name, r in program:
        run.step(name, r)
    expected, actual = run.values[-1]
    if check_graph and not run.graph_differs:
        assert _node_name(actual) == _node_name(expected), run.steps
        assert graph_signature(actual, run.leaves[minigrad]) == graph_signature(
            expected, run.leaves[torch]
        ), run.steps
        for t_value, m_value in run.values:
            assert _node_name(m_value) == _node_name(t_value), run.steps
    if not expected.requires_grad:
        return
    # Keep .grad of one intermediate non-leaf as well.
    candidates = [i for i, (t, _) in enumerate(run.values) if t.grad_fn is not None]
    kept = candidates[retain % len(candidates)] if candidates else None
    if kept is not None:
        for t in run.values[kept]:
            t.retain_grad()
    weights = np.random.default_rng(backward_mode).uniform(-1, 1, tuple(expected.shape))
    for lib, out in ((torch, expected), (minigrad, actual)):
        w = lib.tensor(weights, dtype=lib.float64)
        if backward_mode % 2:
            out.backward(w)
        else:
            (out * w).sum().backward()
    for t_leaf, m_leaf in zip(run.leaves[torch], run.leaves[minigrad]):
        assert_close(m_leaf.grad, t_leaf.grad)
    if kept is not None:
        t_value, m_value = run.values[kept]
        assert_close(m_value.grad, t_value.grad)


PROGRAM_SETTINGS = settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


@PROGRAM_SETTINGS
@given(
    data=leaves_strategy(),
    program=programs,
    backward_mode=st.integers(0, 99),
    retain=st.integers(0, 99),
)
def test_random_programs_values_and_gradients(data, program, backward_mode, retain):
    _run_program(data, program, backward_mode, retain, check_graph=False)


@PROGRAM_SETTINGS
@given(
    data=leaves_strategy(),
    program=programs,
    backward_mode=st.integers(0, 99),
    retain=st.integers(0, 99),
)
def test_random_programs_graph_structure(data, program, backward_mode, retain):
    _run_program(data, program, backward_mode, retain, check_graph=True)


# One small program per op, so each graph mismatch shows up as its own failure.
GRAPH_CASES: dict[str, Callable[[Any, Any, Any], Any]] = {
    "mul_number": lambda L, x, y: x * 2,
    "rsub": lambda L, x, y: 2 - x,
    "rdiv": lambda L, x, y: 2 / x,
    "rpow": lambda L, x, y: 2**x,
    "pow_tensor": lambda L, x, y: x.abs() ** y,
    "add_alpha": lambda L, x, y: x.add(y, alpha=3),
    "mul_only_first_requires_grad": lambda L, x, y: x * y.detach(),
    "mul_only_second_requires_grad": lambda L, x, y: x.detach() * y,
    "shared_subexpression": lambda L, x, y: (x * y) * (x * y).exp() + x,
    "where": lambda L, x, y: L.where(x > 0, x, y),
    "where_number": lambda L, x, y: L.where(x > 0, x, 0.0),
    "masked_fill": lambda L, x, y: x.masked_fill(x > 0, 0.0),
    "clamp": lambda L, x, y: x.clamp(-0.5, 0.5),
    "clamp_min": lambda L, x, y: x.clamp(min=0),
    "relu": lambda L, x, y: L.relu(x),
    "clone": lambda L, x, y: x.clone(),
    "sum_dim": lambda L, x, y: x.sum(1),
    "cumsum": lambda L, x, y: x.cumsum(1),
    "logsumexp": lambda L, x, y: L.logsumexp(x, 1),
    "var": lambda L, x, y: x.var(),
    "std_dim_keepdim": lambda L, x, y: x.std(0, keepdim=True),
    "square": lambda L, x, y: x.square(),
    "log1p_expm1_rsqrt": lambda L, x, y: (x * x).log1p() + x.expm1() + (x * x + 1).rsqrt(),
    "floor": lambda L, x, y: (x * 3).floor(),
    "ceil": lambda L, x, y: L.ceil(x * 3),
    "round": lambda L, x, y: (x * 3).round(),
    "round_decimals": lambda L, x, y: x.round(decimals=1),
    "trunc_and_fix": lambda L, x, y: (x * 3).trunc() + L.fix(y * 3),
    "frac": lambda L, x, y: (x * 3).frac(),
    "sinh_cosh": lambda L, x, y: x.sinh() * L.cosh(y),
    "asin_acos_atan": lambda L, x, y: x.asin() + L.arccos(y) + x.arctan(),
    "atan2": lambda L, x, y: L.atan2(x, y),
    "arctan2_method_broadcast": lambda L, x, y: x.arctan2(y[0]),
    "prod": lambda L, x, y: x.prod(),
    "prod_dim_keepdim": lambda L, x, y: L.prod(x, 1, keepdim=True),
    "prod_with_a_zero": lambda L, x, y: (x * (y > 0)).prod(0),
    "amax": lambda L, x, y: x.amax(),
    "amax_dims_keepdim": lambda L, x, y: L.amax(x, (0, 1), keepdim=True),
    "amin_dim_with_ties": lambda L, x, y: x.clamp(max=0.0).amin(1),
    "clip": lambda L, x, y: x.clip(-0.5, 0.5),
    "clip_tensor_bounds": lambda L, x, y: L.clip(x, min=y),
    "outer": lambda L, x, y: L.outer(x[0], y[1]),
    "ger": lambda L, x, y: x[1].ger(y[0]),
    "any_all_where": lambda L, x, y: (
        L.where((x > 0).any(1, keepdim=True), x, y) * L.where(y.all(), x, y)
    ),
    "mean_keepdim": lambda L, x, y: x.mean(0, keepdim=True),
    "max": lambda L, x, y: x.max(),
    "max_dim": lambda L, x, y: x.max(1).values,
    "min_dim_keepdim": lambda L, x, y: x.min(0, True)[0],
    "index_int": lambda L, x, y: x[1],
    "index_int_int": lambda L, x, y: x[1, 2],
    "max_of_two": lambda L, x, y: L.max(x, y),
    "min_of_two_with_ties": lambda L, x, y: L.min(x, x.detach().clamp(max=0.0)),
    "maximum_broadcast": lambda L, x, y: L.maximum(x, y[:1]),
    "minimum_method": lambda L, x, y: x.minimum(y),
    "clamp_tensor_bounds": lambda L, x, y: x.clamp(y - 0.5, y + 0.5),
    "clamp_crossed_bounds": lambda L, x, y: x.clamp(y, y - 0.1),
    "clamp_tensor_min_only": lambda L, x, y: L.clamp(x, min=y),
    "clamp_tensor_max_only": lambda L, x, y: x.clamp(max=y[0]),
    "masked_fill_value_tensor": lambda L, x, y: x.masked_fill(x > 0, y[0, 0]),
    "masked_fill_constant_value_tensor": lambda L, x, y: x.masked_fill(y > 0, L.tensor(2.0)),
    "split_pieces_meet": lambda L, x, y: (lambda a, b, c: a * c + b.exp())(*x.split(1, dim=1)),
    "split_one_piece_used": lambda L, x, y: x.split(2, dim=-1)[1] * y[:, 2:],
    "split_with_sizes": lambda L, x, y: (lambda a, b: a.sum(1) * b[:, 0])(*x.split([2, 1], 1)),
    "chunk_of_a_result": lambda L, x, y: (lambda a, b: a * b)(*(x * y).chunk(2)),
    "unbind_rows": lambda L, x, y: (lambda a, b: a * 2 - b)(*L.unbind(x)),
    "unbind_columns_twice": lambda L, x, y: x.unbind(1)[0] * x.unbind(1)[2] + y.unbind(1)[1],
    "index_slice": lambda L, x, y: x[:, 1::2],
    "index_full_slice": lambda L, x, y: x[:],
    "index_ellipsis": lambda L, x, y: x[...],
    "index_none": lambda L, x, y: x[None, :, None],
    "index_list": lambda L, x, y: x[[0, 0, 1]],
    "index_bool": lambda L, x, y: x[x > 0],
    "reshape": lambda L, x, y: x.reshape(3, 2),
    "view": lambda L, x, y: x.view(-1),
    "flatten": lambda L, x, y: x.flatten(),
    "T": lambda L, x, y: x.T,
    "mT": lambda L, x, y: x.mT,
    "t": lambda L, x, y: x.t(),
    "transpose": lambda L, x, y: x.transpose(0, 1),
    "permute": lambda L, x, y: x.permute(1, 0),
    "unsqueeze": lambda L, x, y: x.unsqueeze(1),
    "squeeze": lambda L, x, y: x.unsqueeze(0).squeeze(),
    "squeeze_dim": lambda L, x, y: x.unsqueeze(0).squeeze(0),
    "expand": lambda L, x, y: x[:1].expand(4, 3),
    "cat": lambda L, x, y: L.cat([x, y], 1),
    "stack": lambda L, x, y: L.stack([x, y]),
    "matmul_2_2": lambda L, x, y: x @ y.t(),
    "matmul_2_1": lambda L, x, y: x @ y[0],
    "matmul_1_1": lambda L, x, y: x[0] @ y[0],
    "matmul_1_2": lambda L, x, y: x[0] @ y.t(),
    "matmul_3_3": lambda L, x, y: x.unsqueeze(0).expand(2, 2, 3) @ y.t().unsqueeze(0),
    "matmul_3_2": lambda L, x, y: x.unsqueeze(0) @ y.t(),
    "matmul_3_1": lambda L, x, y: x.unsqueeze(0) @ y[0],
    "matmul_2_3": lambda L, x, y: x @ y.t().unsqueeze(0),
    "dot": lambda L, x, y: x[0].dot(y[1]),
    "mv": lambda L, x, y: x.mv(y[0]),
    "mm": lambda L, x, y: x.mm(y.t()),
    "float64_times_float32": lambda L, x, y: x * y.float(),
    "int_tensor_times_float": lambda L, x, y: L.tensor([1, 2, 3]) * x,
    "sum_dtype": lambda L, x, y: x.float().sum(dtype=L.float64),
    "inplace_mul_number": lambda L, x, y: (x * 1).mul_(2),
    "inplace_add_tensor": lambda L, x, y: (x * 1).add_(y),
    "sum_to_size": lambda L, x, y: x.sum_to_size(1, 3),
    "expand_as": lambda L, x, y: x[:1].expand_as(y),
    "double": lambda L, x, y: x.float().double(),
    "index_0d_int_tensor": lambda L, x, y: x[L.tensor(1)],
    "iterate_rows": lambda L, x, y: list(x)[1],
    "radd_number": lambda L, x, y: 0.5 + x,
    "rmul_number": lambda L, x, y: 2 * x,
    "flatten_1d": lambda L, x, y: x[0].flatten(),
    "flatten_nothing_to_merge": lambda L, x, y: x.flatten(1),
    "reshape_noncontiguous": lambda L, x, y: x.t().reshape(6),
    "flip": lambda L, x, y: x.flip(0, 1),
    "flip_fn": lambda L, x, y: L.flip(x, [-1]),
    "narrow": lambda L, x, y: x.narrow(1, 1, 2),
    "view_as": lambda L, x, y: x.view_as(y.reshape(6)),
    "reshape_as": lambda L, x, y: x.reshape_as(y.t()),
    "swapaxes": lambda L, x, y: x.swapaxes(0, 1),
    "swapdims": lambda L, x, y: x.swapdims(1, 0),
    "movedim": lambda L, x, y: x.unsqueeze(0).movedim(0, -1),
    "movedim_tuple": lambda L, x, y: x.unsqueeze(0).movedim((0, 1), (2, 0)),
    "contiguous_copy": lambda L, x, y: x.t().contiguous(),
    "tril": lambda L, x, y: x.tril(),
    "triu_diagonal": lambda L, x, y: L.triu(x, 1),
    "repeat": lambda L, x, y: x.repeat(2, 1, 3),
    "index_select": lambda L, x, y: x.index_select(1, L.tensor([2, 0, 2])),
    "gather": lambda L, x, y: x.gather(1, L.tensor([[0, 2], [1, 1]])),
}


# Graphs minigrad records differently on purpose (README, "what does not match"): one
# BmmBackward0 for a batched matmul, SqueezeBackward1 (PyTorch: SqueezeBackward4) around a
# vector-matrix one, a visible ToCopyBackward0 for mixed dtypes, no UnbindBackward0 /
# UnsafeViewBackward0. Values and gradients are still compared.
KNOWN_GRAPH_DIFFERENCES = {
    "float64_times_float32",
    "iterate_rows",
    "matmul_1_2",
    "matmul_2_3",
    "matmul_3_1",
    "matmul_3_2",
    "matmul_3_3",
    "reshape_noncontiguous",
    "sum_dtype",
}


@pytest.mark.parametrize("case", sorted(GRAPH_CASES))
def test_graph_structure_per_op(case: str) -> None:
    rng = np.random.default_rng(0)
    x_np, y_np = rng.uniform(-1, 1, (2, 3)), rng.uniform(-1, 1, (2, 3))
    signatures, names, grads = [], [], []
    for L in (torch, minigrad):
        x = L.tensor(x_np, requires_grad=True)
        y = L.tensor(y_np, requires_grad=True)
        out = GRAPH_CASES[case](L, x, y)
        names.append(out.grad_fn.name() if out.grad_fn is not None else None)
        signatures.append(graph_signature(out, [x, y]))
        out.sum().backward()
        grads.append((x.grad, y.grad))
    for actual, expected in zip(grads[1], grads[0]):
        assert_close(actual, expected)
    if case in KNOWN_GRAPH_DIFFERENCES:
        # still different; once it matches, take it off the list
        assert (names[1], signatures[1]) != (names[0], signatures[0])
        return
    assert names[1] == names[0]
    assert signatures[1] == signatures[0]


# --------------------------------------------------------------------------------------------
# Printing
# --------------------------------------------------------------------------------------------

REPRS: dict[str, Callable[[Any], Any]] = {
    "leaf_requires_grad": lambda L: L.tensor([1.0, 2.0], requires_grad=True),
    "leaf_requires_grad_float64": lambda L: L.tensor(
        [[1.5, -2.0]], dtype=L.float64, requires_grad=True
    ),
    "grad_fn_suffix": lambda L: L.tensor([1.0, 2.0], requires_grad=True) * 2,
    "grad_fn_0d": lambda L: (L.tensor([1.0, 2.0], requires_grad=True) ** 2).sum(),
    "grad_fn_float64": lambda L: L.ones(2, 2, dtype=L.float64, requires_grad=True).exp(),
    "grad_fn_long_line": lambda L: L.linspace(0, 1, 12, requires_grad=True) * 3.3333,
    "mean": lambda L: L.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True).mean(),
    "no_grad_result": lambda L: _under_no_grad(L, lambda: L.ones(2, requires_grad=True) * 2),
    "detached": lambda L: (L.ones(2, requires_grad=True) * 2).detach(),
    "grad_after_backward": lambda L: _grad_of(L, lambda x: (x * x).sum()),
    "grad_fn_object": lambda L: (L.ones(2, requires_grad=True) * 2).grad_fn,
    "grad_fn_str": lambda L: str((L.ones(2, requires_grad=True) + 1).grad_fn),
    "next_functions_leaf_and_none": lambda L: (
        (L.ones(2, requires_grad=True) * L.ones(2)).grad_fn.next_functions
    ),
    "next_functions_chain": lambda L: (
        ((L.ones(2, requires_grad=True) * 2).exp().sum()).grad_fn.next_functions
    ),
    "next_functions_of_accumulate_grad": lambda L: (
        (L.ones(2, requires_grad=True) * 2).grad_fn.next_functions[0][0].next_functions
    ),
    "accumulate_grad_name": lambda L: (
        (L.ones(2, requires_grad=True) * 2).grad_fn.next_functions[0][0].name()
    ),
    "grad_fn_name": lambda L: (L.ones(2, requires_grad=True) @ L.ones(2)).grad_fn.name(),
    "size": lambda L: L.Size([2, 3]),
    "size_empty": lambda L: L.Size([]),
    "size_str": lambda L: str(L.ones(2, 3, 4).shape),
    "shape": lambda L: L.zeros(2, 3).shape,
    "shape_0d": lambda L: L.tensor(1.0).shape,
    "size_method": lambda L: (L.zeros(2, 3).size(), L.zeros(2, 3).size(-1)),
    "shape_slice": lambda L: L.zeros(2, 3, 4).shape[1:],
    "size_plus_tuple": lambda L: L.Size([2]) + (3,),
    "dtypes": lambda L: [
        L.float32,
        L.float64,
        L.float16,
        L.int64,
        L.int32,
        L.int16,
        L.int8,
        L.uint8,
        L.bool,
    ],
    "dtype_aliases": lambda L: [L.float, L.double, L.half, L.long, L.int, L.short],
    "dtype_str": lambda L: str(L.float64),
    "tensor_dtypes": lambda L: [
        L.tensor([1.0]).dtype,
        L.tensor([1]).dtype,
        L.tensor([True]).dtype,
        L.tensor(2.5).dtype,
    ],
    "int_tensor": lambda L: L.tensor([[1, 2], [3, 4]]),
    "int32_tensor": lambda L: L.tensor([1, 2], dtype=L.int32),
    "bool_tensor": lambda L: L.tensor([1.0, -1.0]) > 0,
    "type_names": lambda L: [
        L.ones(1).type(),
        L.ones(1, dtype=L.float64).type(),
        L.tensor([1]).type(),
        L.tensor([True]).type(),
    ],
    "max_dim": lambda L: L.tensor([[1.0, 5.0], [7.0, 2.0]]).max(dim=1),
    "max_dim_requires_grad": lambda L: L.tensor([[1.0, 5.0], [7.0, 2.0]], requires_grad=True).max(
        dim=1
    ),
    "min_dim_keepdim": lambda L: L.tensor([[1.0, 5.0], [7.0, 2.0]]).min(dim=0, keepdim=True),
    "max_dim_str": lambda L: str(L.tensor([[1.0, 5.0], [7.0, 2.0]]).max(1)),
    "max_dim_fields": lambda L: (lambda r: (r.values, r.indices, r[0], r[1], len(r)))(
        L.tensor([[1.0, 5.0], [7.0, 2.0]]).max(dim=1)
    ),
    "max_dim_unpack": lambda L: tuple(L.tensor([3.0, 1.0, 3.0]).max(0)),
    "max_dim_type_name": lambda L: type(L.tensor([3.0, 1.0]).max(0)).__name__,
    "min_dim_type_name": lambda L: type(L.tensor([3.0, 1.0]).min(0)).__name__,
    "argmax": lambda L: (
        L.tensor([[1.0, 5.0], [7.0, 2.0]]).argmax(),
        L.tensor([[1.0, 5.0], [7.0, 2.0]]).argmax(dim=0),
    ),
    "tolist_item": lambda L: (
        L.tensor([[1.5, 2.0]]).tolist(),
        L.tensor([3]).item(),
        L.tensor(2.5).item(),
    ),
    "format_spec": lambda L: f"{L.tensor(2.5):.3f}",
}


def _under_no_grad(L: Any, body: Callable[[], Any]) -> Any:
    with L.no_grad():
        return body()


def _grad_of(L: Any, f: Callable[[Any], Any]) -> Any:
    x = L.tensor([1.0, -2.0], requires_grad=True)
    f(x).backward()
    return x.grad


@pytest.mark.parametrize("case", sorted(REPRS))
def test_repr_matches(case: str) -> None:
    assert_same_outcome(REPRS[case])


def test_grad_fn_repr_format() -> None:
    text = repr((minigrad.ones(2, requires_grad=True) * 2).grad_fn)
    assert re.fullmatch(r"<MulBackward0 object at 0x[0-9a-f]+>", text)
    leaf = repr((minigrad.ones(2, requires_grad=True) * 2).grad_fn.next_functions[0][0])
    assert re.fullmatch(r"<AccumulateGrad object at 0x[0-9a-f]+>", leaf)


# --------------------------------------------------------------------------------------------
# Error messages
# --------------------------------------------------------------------------------------------


def _second_backward(L: Any) -> None:
    y = L.ones(2, requires_grad=True).exp().sum()
    y.backward()
    y.backward()


def _modified_saved_tensor(L: Any) -> None:
    a = L.ones(2, requires_grad=True) * 1
    b = a.sin()  # saves a
    a.mul_(2)
    b.sum().backward()


def _modified_saved_result(L: Any) -> None:
    a = L.ones(2, requires_grad=True)
    b = a.exp()  # saves its result
    with L.no_grad():
        b.add_(1)
    b.sum().backward()


def _unused_input(L: Any) -> Any:
    a, b = L.ones(2, requires_grad=True), L.ones(2, requires_grad=True)
    return L.autograd.grad((a * 2).sum(), [a, b])


def _tutorial_q(L: Any) -> tuple[Any, Any, Any]:
    a = L.tensor([2.0, 3.0], requires_grad=True)
    b = L.tensor([6.0, 4.0], requires_grad=True)
    return a, b, 3 * a**3 - b**2


def _several_outputs(L: Any) -> list:
    x = L.tensor([1.0, 2.0, 3.0, 4.0, 5.0], requires_grad=True)
    a, b, c = x.split(2)
    seen = [a, b, c, b.output_nr, c.output_nr, x.output_nr, a.grad_fn is c.grad_fn]
    seen += [b._base is x, b._is_view(), a.grad_fn._saved_split_size, a.grad_fn._saved_dim]
    seen.append(a.grad_fn(L.ones(2), None, L.full((1,), 3.0)))  # one gradient per output
    (b.sum() * 2 + c.sum()).backward()
    seen.append(x.grad)
    seen.append(L.autograd.grad((a * 3).sum(), [a, x], retain_graph=True))
    seen.append(L.autograd.grad((a * 3).sum(), b, allow_unused=True))
    first, second = (x**3).split([3, 2])
    (d,) = L.autograd.grad((first[:2] * second).sum(), x, create_graph=True)
    d.sum().backward()
    seen += [d, x.grad]
    seen += [L.arange(0.0).chunk(3), L.ones(2, 3).chunk(2, 1), L.ones(2, 3).chunk(5, -1)]
    seen += [L.ones(3, 2).unbind(-1), L.split(L.arange(5), 4), L.ones(2, 0).split(0, 1)]
    a, b, c = (x * 1).split(2)
    b.register_hook(lambda g: g * 10)
    c.retain_grad()
    a.grad_fn.register_prehook(lambda grads: seen.append(grads))
    seen += [a.retains_grad, c.retains_grad]
    x.grad = None
    (a.sum() + b.sum() + c.sum() * 2).backward()
    seen += [x.grad, c.grad]
    pieces = L.arange(4.0).split(2)  # no gradient wanted: a piece may be changed in place
    pieces[1].add_(1)
    seen.append(pieces[1]._base)
    y = x * 1
    seen += [p.grad_fn.name() for p in y.unbind()]
    (y.unbind()[4] * 2).backward(inputs=[y])
    seen.append(y.grad)
    return seen


def _called_node_shapes(L: Any) -> list:
    """Summing a broadcast input's gradient to its shape is the engine's job, not the node's."""
    m = L.ones(2, 3, requires_grad=True)
    w = L.ones(3, requires_grad=True)
    b = L.ones(1, requires_grad=True)
    with L.no_grad():
        sent = [(m * w).grad_fn(L.ones(2, 3)), (m + b).grad_fn(L.ones(2, 3))]
    leaf = L.ones(3, requires_grad=True)
    (leaf * 1).grad_fn.next_functions[0][0](L.tensor(2.0))  # a number broadcasts into .grad
    return [[tuple(g.shape) for g in grads] for grads in sent] + [leaf.grad]


def _norms(L: Any) -> list:
    seen = []
    for p in (2, "fro", 1, float("inf"), -float("inf"), 0, 3, 0.5, 1.5):
        for dim, keepdim in ((None, False), (1, False), (0, True), ((0, 1), False)):
            x = L.tensor([[3.0, -4.0, 0.0], [6.0, 8.0, -8.0]], requires_grad=True)
            n = x.norm(p=p, dim=dim, keepdim=keepdim)
            n.sum().backward()
            seen += [n, x.grad]
    for p in (2, 3):
        zero = L.zeros(3, requires_grad=True)
        zero.norm(p=p).backward()
        seen.append(zero.grad)
    seen += [L.norm(L.tensor([3.0, 4.0])), L.tensor([3.0, 4.0]).norm(dtype=L.float64)]
    return seen


def _div_rounding_modes(L: Any) -> list:
    x = L.tensor([7.0, -7.0, 2.5], requires_grad=True)
    y = L.tensor([2.0, 2.0, -0.5], requires_grad=True)
    seen = []
    for mode in (None, "floor", "trunc"):
        out = L.div(x, y, rounding_mode=mode)
        out.sum().backward()
        seen += [
            out,
            x.grad,
            y.grad,
            x.div(2, rounding_mode=mode),
            out.grad_fn._saved_rounding_mode,
        ]
        x.grad = y.grad = None
    seen += [L.tensor([7, -7]).div(2, rounding_mode="floor"), L.tensor([7, -7]).div(2)]
    seen.append(L.tensor([7, -7]).div(L.tensor([2, 2]), rounding_mode=None))
    z = L.tensor([7.0, -7.0])
    z.div_(2, rounding_mode="trunc")
    seen.append(z)
    return seen


def _hook_handle_removed_twice(L: Any) -> list:
    x = L.ones(2, requires_grad=True)
    seen = []

    def double(g: Any) -> Any:
        return g * 2

    first, second = x.register_hook(double), x.register_hook(double)
    first.remove()
    first.remove()  # nothing more: the second registration stays
    (x * 1).sum().backward()
    seen.append(x.grad)
    second.remove()
    return seen


def _sum_to_size_same_size(L: Any) -> list:
    """The tensor itself when the size is its own, except for a number: a new tensor."""
    seen = []
    for make in (lambda: L.ones(2, 3), lambda: L.ones(2, 3, requires_grad=True) * 1):
        x = make()
        seen += [x.sum_to_size(2, 3) is x, x.sum_to_size(1, 3)]
    for make in (lambda: L.tensor(1.0), lambda: L.tensor(2.0, requires_grad=True) * 1):
        x = make()
        y = x.sum_to_size(())
        seen += [y is x, y]
        with L.no_grad():
            x.add_(1)
        seen.append(y)
    return seen


def _grad_made_by_create_graph(L: Any) -> list:
    x = L.tensor([1.0, 2.0], requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the reference-cycle warning: see its own test
        (x * x * x).sum().backward(create_graph=True)
    first = x.grad
    seen = [first, first.grad_fn.name(), graph_signature(first, [x])]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        (x * x).sum().backward(create_graph=True)  # added to a .grad that has history
    seen += [x.grad, x.grad.grad_fn.name()]
    x.grad.sum().backward()
    seen.append(x.grad)
    return seen


def _copy(L: Any) -> list:
    source = L.tensor([1.0, 2.0, 3.0], requires_grad=True)
    target = L.zeros(2, 3)
    seen = [target.copy_(source * 2), graph_signature(target, [source]), target._version]
    target.sum().backward()
    seen.append(source.grad)
    into = L.ones(3, requires_grad=True) * 1
    into.copy_(source.double())  # cast to float32; the gradient goes back as float64
    into.sum().backward()
    seen += [graph_signature(into, [source]), source.grad]
    seen.append(L.zeros(3, dtype=L.int64).copy_(L.tensor([1.7, -2.5, 3.0])))
    seen.append(L.zeros(2).copy_(2.5))
    return seen


def _calling_nodes(L: Any) -> list:
    """A learner's own backward: each grad_fn called on the gradient it receives."""
    a, b, q = _tutorial_q(L)
    sub = q.grad_fn
    mul, pow_b = (node for node, _ in sub.next_functions)
    pow_a = mul.next_functions[0][0]
    accumulate = pow_a.next_functions[0][0]
    to_t2, to_t3 = sub(L.ones(2))
    to_t1, to_three = mul(to_t2)
    to_a = pow_a(to_t1)
    called = accumulate(to_a)
    # .grad keeps to_a's history: PyTorch records CopyBackwards there, minigrad CloneBackward0
    return [to_t2, to_t3, to_t1, to_three, to_a, pow_b(to_t3), called, a.grad.requires_grad]


def _node_hooks(L: Any) -> list:
    a = L.tensor([2.0, 3.0], requires_grad=True)
    y = a * 3
    seen: list = []
    y.grad_fn.register_hook(lambda sent, got: seen.append((sent, got)) or (sent[0] * 10, None))
    handle = y.grad_fn.register_prehook(lambda got: seen.append(got) or (got[0] * 2,))
    y.register_hook(lambda grad: seen.append(grad) or grad + 1)
    y.sum().backward()
    handle.remove()
    return [seen, a.grad]


def _post_hook_fills_a_none(L: Any) -> None:
    b = L.ones(2, requires_grad=True)
    w = b * 2
    w.grad_fn.register_hook(lambda sent, got: (sent[0], sent[0]))
    w.sum().backward()


def _inplace_after_exp(L: Any) -> None:
    x = L.ones(2, requires_grad=True)
    y = x.exp()  # ExpBackward0 saves its result, y
    y.add_(1)
    y.sum().backward()


def _inplace_on_a_saved_input(L: Any) -> None:
    x = L.ones(2, requires_grad=True)
    y = x.tanh()
    w = y * y  # MulBackward0 saves its input y
    y.mul_(2)
    w.sum().backward()


ERRORS: dict[str, Callable[[Any], Any]] = {
    "backward_non_scalar": lambda L: (L.ones(2, requires_grad=True) * 2).backward(),
    "requires_grad_int_tensor": lambda L: L.tensor([1, 2], requires_grad=True),
    "requires_grad_int_zeros": lambda L: L.zeros(2, dtype=L.int64, requires_grad=True),
    "requires_grad_method_int": lambda L: L.tensor([1, 2]).requires_grad_(),
    "requires_grad_attribute_int": lambda L: setattr(L.tensor([1, 2]), "requires_grad", True),
    "inplace_on_leaf": lambda L: L.ones(2, requires_grad=True).add_(1),
    "inplace_operator_on_leaf": lambda L: _iop(L.ones(2, requires_grad=True), 1, "mul"),
    "backward_without_grad": lambda L: L.ones(()).backward(),
    "backward_without_grad_computed": lambda L: (L.ones(()) * 2).backward(),
    "maximum_broadcast": lambda L: L.maximum(L.ones(2), L.ones(3)),
    "maximum_of_a_number": lambda L: L.maximum(L.ones(2), 2.0),
    "clamp_bounds_broadcast": lambda L: L.ones(2).clamp(L.ones(3)),
    "masked_fill_value_not_0d": lambda L: L.ones(3).masked_fill(
        L.tensor([True, False, True]), L.ones(2)
    ),
    "int_to_negative_number_power": lambda L: L.tensor([2, 3]) ** -1,
    "argmax_of_bool": lambda L: L.tensor([True, False]).argmax(),
    "argmin_of_bool_along_dim": lambda L: L.tensor([[True, False]]).argmin(1),
    "norm_of_integers": lambda L: L.tensor([1, 2]).norm(),
    "calling_a_leaf_node_with_a_broadcast_gradient": lambda L: (
        L.ones(5, 1) + L.ones(1, requires_grad=True)
    ).grad_fn.next_functions[1][0](L.ones(5, 1)),
    "div_unknown_rounding_mode": lambda L: L.div(L.ones(2), 2, rounding_mode="round"),
    "deepcopy_with_history": lambda L: __import__("copy").deepcopy(
        L.ones(2, requires_grad=True) * 2
    ),
    "copy_into_a_leaf": lambda L: L.zeros(2, requires_grad=True).copy_(L.ones(2)),
    "copy_broadcast_too_big": lambda L: L.zeros(3).copy_(L.ones(2, 3)),
    "copy_shapes": lambda L: L.zeros(2).copy_(L.ones(3)),
    "split_negative": lambda L: L.ones(4).split(-1),
    "split_zero": lambda L: L.ones(4).split(0),
    "split_sizes_do_not_add_up": lambda L: L.ones(2, 4).split([1, 2], 1),
    "split_dim_out_of_range": lambda L: L.ones(4).split(2, 1),
    "split_0d": lambda L: L.tensor(1.0).split(1),
    "chunk_zero": lambda L: L.ones(4).chunk(0),
    "inplace_on_a_split_piece": lambda L: (
        (L.ones(4, requires_grad=True) * 1).split([1, 3])[1].add_(1)
    ),
    "inplace_on_an_unbound_slice": lambda L: L.ones(4, requires_grad=True).unbind()[2].zero_(),
    "inplace_on_a_chunk": lambda L: _iop(L.ones(4, requires_grad=True).chunk(2)[1], 2, "mul"),
    "unbind_0d": lambda L: L.tensor(1.0).unbind(),
    "unbind_dim_out_of_range": lambda L: L.ones(2, 3).unbind(2),
    "node_of_split_called_with_one": lambda L: (
        L.ones(4, requires_grad=True).split(2)[0].grad_fn(L.ones(2))
    ),
    "mm_shapes": lambda L: L.ones(2, 3).mm(L.ones(2, 3)),
    "matmul_shapes": lambda L: L.ones(2, 3) @ L.ones(2, 3),
    "broadcast": lambda L: L.ones(2, 3) + L.ones(4),
    "broadcast_3d": lambda L: L.ones(2, 3, 4) * L.ones(3, 3, 1),
    "second_backward": _second_backward,
    "modified_saved_tensor": _modified_saved_tensor,
    "modified_saved_result": _modified_saved_result,
    "gradient_shape": lambda L: (L.ones(2, requires_grad=True) * 2).backward(L.ones(3)),
    "reshape_invalid": lambda L: L.ones(2, 3).reshape(4),
    "view_invalid": lambda L: L.ones(2, 3).view(-1, 4),
    "dim_out_of_range": lambda L: L.ones(2, 3).sum(dim=2),
    "dim_out_of_range_negative": lambda L: L.ones(2, 3).transpose(0, -3),
    "index_out_of_bounds": lambda L: L.ones(2, 3)[2],
    "index_out_of_bounds_dim1": lambda L: L.ones(2, 3)[:, 5],
    "index_out_of_bounds_after_int": lambda L: L.ones(2, 3)[1, 5],
    "index_into_0d": lambda L: L.tensor(1.0)[0],
    "format_spec_of_a_vector": lambda L: f"{L.tensor([1.0, 2.0]):.2f}",
    "float_of_two_elements": lambda L: float(L.tensor([1.0, 2.0])),
    "int_of_an_empty_tensor": lambda L: int(L.tensor([])),
    "bool_of_an_empty_tensor": lambda L: bool(L.tensor([])),
    "backward_with_a_list_gradient": lambda L: (L.ones(2, requires_grad=True) * 2).backward(
        [1.0, 1.0]
    ),
    "inplace_on_a_saved_result_names_its_op": _inplace_after_exp,
    "calling_a_node_with_nothing": lambda L: _tutorial_q(L)[2].grad_fn(),
    "uint8_literal_too_large": lambda L: L.tensor([256], dtype=L.uint8),
    "inplace_float_into_int": lambda L: L.ones(2, dtype=L.int64).add_(L.ones(2)),
    "subtract_two_bool_tensors": lambda L: L.tensor([True]) - L.tensor([False]),
    "subtract_a_bool_tensor": lambda L: 1 - L.tensor([True]),
    "subtract_true": lambda L: L.tensor([1.0]) - True,
    "abs_of_bool": lambda L: L.tensor([True]).abs(),
    "inplace_int_into_bool": lambda L: L.ones(2, dtype=L.bool).add_(L.ones(2, dtype=L.int64)),
    "int8_literal_too_small": lambda L: L.tensor([-129], dtype=L.int8),
    "int64_from_inf": lambda L: L.tensor([float("inf")], dtype=L.int64),
    "set_grad_enabled_not_bool": lambda L: L.set_grad_enabled("yes"),
    "reshape_to_minus_two": lambda L: L.ones(4).reshape(2, -3),
    "zeros_of_negative_size": lambda L: L.zeros(2, -1),
    "ones_of_negative_size": lambda L: L.ones(-1),
    "calling_a_node_with_two_gradients": lambda L: _tutorial_q(L)[2].grad_fn(L.ones(2), None),
    "calling_a_node_with_a_list": lambda L: _tutorial_q(L)[2].grad_fn([1.0, 1.0]),
    "calling_a_freed_node": lambda L: _called_after_backward(L),
    "post_hook_fills_a_none": _post_hook_fills_a_none,
    "inplace_on_a_saved_input_names_the_last_op": _inplace_on_a_saved_input,
    "index_out_of_bounds_after_none": lambda L: L.ones(2, 3, 4)[None, 1, 5],
    "index_out_of_bounds_after_ellipsis": lambda L: L.ones(2, 3, 4)[..., 9],
    "index_out_of_bounds_third_key": lambda L: L.ones(2, 3, 4)[0, :, 7],
    "index_list_out_of_bounds": lambda L: L.ones(2, 3)[[0, 3]],
    "select_out_of_bounds": lambda L: L.ones(2, 3).select(1, 3),
    "cat_sizes": lambda L: L.cat([L.ones(2, 3), L.ones(3, 2)]),
    "cat_ranks": lambda L: L.cat([L.ones(2, 3), L.ones(3)]),
    "stack_sizes": lambda L: L.stack([L.ones(2, 3), L.ones(3, 2)]),
    "ragged": lambda L: L.tensor([[1, 2], [3]]),
    "ragged_deeper": lambda L: L.tensor([[[1.0], [2.0]], [[3.0]]]),
    "item_multi": lambda L: L.ones(3).item(),
    "numpy_requires_grad": lambda L: L.ones(3, requires_grad=True).numpy(),
    "grad_unused_input": _unused_input,
    "dtype_string_ones": lambda L: L.ones(2, dtype="float32"),
    "dtype_string_tensor": lambda L: L.tensor([1.0], dtype="float64"),
    "dtype_string_to": lambda L: L.ones(2).to("float32"),
    "grad_of_non_requiring": lambda L: L.autograd.grad(
        L.ones(2, requires_grad=True).sum(), L.ones(2)
    ),
    "grad_empty_inputs": lambda L: L.autograd.grad(L.ones(2, requires_grad=True).sum(), []),
    "retain_grad_no_grad": lambda L: L.ones(2).retain_grad(),
    "hook_no_grad": lambda L: L.ones(2).register_hook(lambda g: g),
    "set_requires_grad_non_leaf": lambda L: (L.ones(2, requires_grad=True) * 2).requires_grad_(
        False
    ),
    "bool_of_multi": lambda L: bool(L.ones(2)),
    "mv_sizes": lambda L: L.ones(2, 3).mv(L.ones(2)),
    "dot_sizes": lambda L: L.ones(3).dot(L.ones(2)),
    "matmul_0d": lambda L: L.ones(()) @ L.ones(2),
    "matmul_with_number": lambda L: L.ones(2) @ 2,
    "expand_invalid": lambda L: L.ones(2, 3).expand(4, 3),
    "permute_duplicate": lambda L: L.ones(2, 3).permute(0, 0),
    "narrow_past_the_end": lambda L: L.ones(2, 3).narrow(1, 2, 2),
    "tril_of_a_vector": lambda L: L.ones(3).tril(),
    "repeat_fewer_dims": lambda L: L.ones(2, 3).repeat(2),
    "flip_duplicate_dim": lambda L: L.ones(2, 3).flip(0, 0),
    "index_select_float_index": lambda L: L.ones(2, 3).index_select(0, L.tensor([0.0])),
    "index_select_matrix_index": lambda L: L.ones(2, 3).index_select(0, L.tensor([[0]])),
    "gather_float_index": lambda L: L.ones(2, 3).gather(0, L.tensor([[0.0]])),
    "movedim_unequal_lengths": lambda L: L.ones(2, 3).movedim((0, 1), (0,)),
    "repeat_negative": lambda L: L.ones(2, 3).repeat(-1, 1),
    "index_select_out_of_range": lambda L: L.ones(2, 3).index_select(0, L.tensor([5])),
    "gather_out_of_range": lambda L: L.ones(2, 3).gather(1, L.tensor([[7]])),
    "gather_fewer_dims": lambda L: L.ones(2, 3).gather(1, L.tensor([7])),
    "narrow_negative_length": lambda L: L.ones(2, 3).narrow(1, 0, -1),
    "tril_diagonal_not_int": lambda L: L.ones(2, 3).tril("a"),
    "t_of_3d": lambda L: L.ones(2, 3, 4).t(),
    "mean_of_int": lambda L: L.tensor([1, 2]).mean(),
    "where_non_bool_condition": lambda L: L.where(L.ones(2), L.ones(2), L.ones(2)),
    "inplace_result_type": lambda L: L.tensor([1, 2]).add_(1.5),
    "inplace_broadcast_shape": lambda L: L.ones(3).add_(L.ones(2, 3)),
    "cat_empty": lambda L: L.cat([]),
    "slice_step_zero": lambda L: L.ones(5)[::0],
    "slice_negative_step": lambda L: L.ones(5)[::-1],
    "too_many_indices": lambda L: L.ones(2)[0, 0],
    "mask_shape": lambda L: L.ones(3)[L.tensor([True, False])],
    "mm_dtypes": lambda L: L.ones(2, 2).mm(L.ones(2, 2, dtype=L.float64)),
    "add_string": lambda L: L.ones(2) + "a",
    "negate_bool": lambda L: -L.tensor([True]),
    "len_of_0d": lambda L: len(L.tensor(1.0)),
    "backward_empty_inputs": lambda L: L.ones(2, requires_grad=True).sum().backward(inputs=[]),
    "floor_of_bool": lambda L: L.tensor([True]).floor(),
    "round_of_bool": lambda L: L.round(L.tensor([True])),
    "round_decimals_of_int": lambda L: L.tensor([15, 25]).round(decimals=-1),
    "frac_of_int": lambda L: L.tensor([1, 2]).frac(),
    "frac_of_uint8": lambda L: L.tensor([1, 2], dtype=L.uint8).frac(),
    "atan2_with_a_number": lambda L: L.atan2(L.ones(2), 2.0),
    "atan2_broadcast": lambda L: L.ones(2).atan2(L.ones(3)),
    "prod_dim_tuple": lambda L: L.ones(2, 3).prod((0, 1)),
    "prod_dim_out_of_range": lambda L: L.ones(2, 3).prod(2),
    "clamp_int32_bound_out_of_range": lambda L: L.tensor([0, 1], dtype=L.int32).clamp(0, 2**40),
    "clamp_int8_bound_out_of_range": lambda L: L.tensor([0, 1], dtype=L.int8).clamp(max=128),
    "clamp_uint8_bound_out_of_range": lambda L: L.tensor([0, 1], dtype=L.uint8).clamp(0, 300),
    "clamp_bound_beyond_int64": lambda L: L.tensor([0, 1]).clamp(0, 2**70),
    "round_decimals_float": lambda L: L.tensor([1.5]).round(decimals=1.0),
    "round_decimals_bool": lambda L: L.tensor([1.5]).round(decimals=True),
    "amax_of_empty": lambda L: L.ones(0).amax(),
    "amin_over_an_empty_dim": lambda L: L.ones(2, 0).amin(1),
    "amax_dim_float": lambda L: L.ones(2).amax(0.5),
    "amax_duplicate_dims": lambda L: L.ones(2, 3).amax((1, -1)),
    "amin_dim_out_of_range": lambda L: L.amin(L.ones(2, 3), 2),
    "clip_without_bounds": lambda L: L.ones(2).clip(),
    "outer_of_a_matrix": lambda L: L.outer(L.ones(2, 2), L.ones(2)),
    "outer_vec2_0d": lambda L: L.ones(2).outer(L.tensor(1.0)),
    "outer_with_a_number": lambda L: L.outer(L.ones(2), 2.0),
    "ger_of_a_matrix": lambda L: L.ones(2).ger(L.ones(2, 1)),
    "all_dim_out_of_range": lambda L: L.ones(2).all(1),
    "any_duplicate_dims": lambda L: L.ones(2, 2).any((0, -2)),
}


@pytest.mark.parametrize("case", sorted(ERRORS))
def test_error_matches(case: str) -> None:
    expected = outcome(ERRORS[case], torch)
    assert expected[0] != "ok", f"torch accepted {case}; the case is wrong"
    assert outcome(ERRORS[case], minigrad) == expected


MATMUL_SHAPES = [(3,), (4,), (1,), (2, 3), (3, 4), (4, 2), (1, 3), (2, 3, 4), (2, 4, 5), (1, 4, 5)]
MATMUL_SHAPES += [(3, 4, 5), (7, 2, 3, 4)]


@pytest.mark.parametrize(
    "dtypes",
    [("float32", "float32"), ("float32", "float64"), ("int64", "float32"), ("bool", "bool")],
)
def test_matmul_of_every_rank_pair_matches(dtypes: tuple[str, str]) -> None:
    """Every pair of ranks and sizes (most do not fit): the same result shape or the same
    error, which names the op PyTorch reduces the product to (dot, mv, mm, bmm)."""
    first, second = dtypes

    def products(L: Any) -> list:
        found = []
        for a in MATMUL_SHAPES:
            for b in MATMUL_SHAPES:
                left = L.ones(*a, dtype=getattr(L, first))
                right = L.ones(*b, dtype=getattr(L, second))
                found.append(outcome(lambda L, x=left, y=right: tuple((x @ y).shape), L))
        return found

    expected, actual = products(torch), products(minigrad)
    assert sum(o[0] != "ok" for o in expected) > len(expected) // 2  # mostly errors: the point
    assert actual == expected


# --------------------------------------------------------------------------------------------
# dtype promotion
# --------------------------------------------------------------------------------------------

DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64", "float16", "float32", "float64"]


def _t(L: Any, value: Any, dtype: str) -> Any:
    return L.tensor(value, dtype=getattr(L, dtype))


@pytest.mark.parametrize("right", DTYPES)
@pytest.mark.parametrize("left", DTYPES)
def test_promotion_between_tensors(left: str, right: str) -> None:
    def body(L: Any) -> tuple:
        a, b = _t(L, [1, 0], left), _t(L, [1, 1], right)
        a0, b0 = _t(L, 1, left), _t(L, 1, right)
        return (a * b).dtype, (a * b0).dtype, (a0 * b).dtype, (a0 * b0).dtype

    assert_same_outcome(body)


@pytest.mark.parametrize("number", [True, 2, 2.5], ids=["bool", "int", "float"])
@pytest.mark.parametrize("dtype", DTYPES)
def test_promotion_with_python_numbers(dtype: str, number: Any) -> None:
    def body(L: Any) -> tuple:
        a, a0 = _t(L, [1, 0], dtype), _t(L, 1, dtype)
        return (a * number).dtype, (number * a).dtype, (a0 * number).dtype

    assert_same_outcome(body)


PROMOTION_EXAMPLES: dict[str, Callable[[Any], Any]] = {
    "int_tensor_times_float": lambda L: L.tensor([1, 2]) * 2.5,
    "int_div_int": lambda L: L.tensor([1, 2]) / L.tensor([2, 2]),
    "int_div_number": lambda L: L.tensor([3]) / 2,
    "number_div_int": lambda L: 3 / L.tensor([2]),
    "float32_plus_float64": lambda L: L.ones(2) + L.ones(2, dtype=L.float64),
    "0d_float64_times_float32": lambda L: L.tensor(2.0, dtype=L.float64) * L.ones(2),
    "0d_int_times_int32": lambda L: L.tensor(2) * L.ones(2, dtype=L.int32),
    "0d_float_times_int32": lambda L: L.tensor(2.0) * L.ones(2, dtype=L.int32),
    "bool_plus_int": lambda L: L.tensor([True, False]) + L.tensor([1, 2]),
    "bool_plus_number": lambda L: L.tensor([True]) + 1,
    "bool_times_float": lambda L: L.tensor([True]) * 1.5,
    "int64_plus_float32": lambda L: L.tensor([1, 2]) + L.tensor([0.5, 0.5]),
    "int32_times_float16": lambda L: L.ones(2, dtype=L.int32) * L.ones(2, dtype=L.float16),
    "uint8_plus_int8": lambda L: L.ones(2, dtype=L.uint8) + L.ones(2, dtype=L.int8),
    "int_pow_float": lambda L: L.tensor([2, 3]) ** 0.5,
    "number_pow_int": lambda L: 2.5 ** L.tensor([2, 3]),
    "exp_of_int": lambda L: L.tensor([1, 2]).exp(),
    "sum_of_bool": lambda L: L.tensor([True, True]).sum(),
    "sum_of_int32": lambda L: L.tensor([1, 2], dtype=L.int32).sum(),
    "cat_int_float": lambda L: L.cat([L.tensor([1]), L.tensor([0.5])]),
    "where_int_float": lambda L: L.where(L.tensor([True, False]), L.tensor([1, 2]), 0.5),
    "clamp_int_float_bounds": lambda L: L.tensor([1, 5]).clamp(0, 2.5),
    "masked_fill_int_float": lambda L: L.tensor([1, 5]).masked_fill(L.tensor([True, False]), 2.5),
    "arange_types": lambda L: (L.arange(3), L.arange(3.0), L.arange(0, 1, 0.5)),
    "tensor_from_list_of_0d": lambda L: L.tensor([L.tensor(1.0), L.tensor(2.0)]),
    "atan2_int_float64": lambda L: L.atan2(L.tensor([1, -2]), L.tensor([2.0], dtype=L.float64)),
    "atan2_0d_float64_float32": lambda L: L.atan2(L.tensor(1.0, dtype=L.float64), L.ones(2)),
    "atan2_int32_0d_int": lambda L: L.atan2(L.ones(2, dtype=L.int32), L.tensor(2)),
    "outer_int_float": lambda L: L.outer(L.tensor([1, 2]), L.tensor([0.5, 1.5])),
    "outer_bool": lambda L: L.outer(L.tensor([True, False]), L.tensor([True])),
    "prod_int32_and_bool": lambda L: (
        L.tensor([3, -2], dtype=L.int32).prod(),
        L.tensor([1, 1]).bool().prod(0),
    ),
    "clip_int_float_bounds": lambda L: L.tensor([1, 5]).clip(0, 2.5),
}


@pytest.mark.parametrize("case", sorted(PROMOTION_EXAMPLES))
def test_promotion_examples(case: str) -> None:
    assert_same_outcome(PROMOTION_EXAMPLES[case])


# --------------------------------------------------------------------------------------------
# Rounding, trigonometry, prod, amax/amin, clip, outer, any/all: each on every kind of input
# --------------------------------------------------------------------------------------------

_VALUES = [[1.26, -2.5, 0.0, 0.5], [3.75, -0.45, 2.5, -1.5], [0.0, 0.0, 1.5, -0.55]]

OP_CASES: dict[str, Callable[[Any, Any], Any]] = {
    "floor": lambda L, x: x.floor(),
    "ceil": lambda L, x: L.ceil(x),
    "round": lambda L, x: x.round(),
    "round_decimals_1": lambda L, x: L.round(x, decimals=1),
    "round_decimals_0": lambda L, x: x.round(decimals=0),
    "round_decimals_minus_1": lambda L, x: (x * 17).round(decimals=-1),
    "trunc": lambda L, x: x.trunc(),
    "fix": lambda L, x: L.fix(x),
    "frac": lambda L, x: x.frac(),
    "sinh": lambda L, x: x.sinh(),
    "cosh": lambda L, x: L.cosh(x),
    "asin": lambda L, x: (x * 0.3).asin(),
    "arcsin": lambda L, x: L.arcsin(x),
    "acos": lambda L, x: L.acos(x * 0.3),
    "arccos": lambda L, x: x.arccos(),
    "atan": lambda L, x: x.atan(),
    "arctan": lambda L, x: L.arctan(x),
    "atan2": lambda L, x: L.atan2(x, x.flip(0)),
    "arctan2_method_broadcast": lambda L, x: x.arctan2(x[1]),
    "prod": lambda L, x: x.prod(),
    "prod_dim": lambda L, x: x.prod(1),
    "prod_dim_keepdim": lambda L, x: L.prod(x, 0, keepdim=True),
    "prod_dtype": lambda L, x: x.prod(dtype=L.float64),
    "prod_0d": lambda L, x: x[0, 2].prod(0),
    "amax": lambda L, x: x.amax(),
    "amax_dim": lambda L, x: x.amax(1),
    "amax_dims_keepdim": lambda L, x: L.amax(x, (0, 1), keepdim=True),
    "amax_list_negative": lambda L, x: x.amax([-1]),
    "amin": lambda L, x: L.amin(x),
    "amin_dim_keepdim": lambda L, x: x.amin(0, keepdim=True),
    "amin_empty_tuple": lambda L, x: x.amin(()),
    "clip": lambda L, x: x.clip(-1, 1),
    "clip_fn_min": lambda L, x: L.clip(x, min=0.5),
    "clip_tensor": lambda L, x: x.clip(max=x[0]),
    "outer": lambda L, x: L.outer(x[0], x[1, :3]),
    "ger": lambda L, x: x[2].ger(x[0]),
    "any": lambda L, x: x.any(),
    "any_dim": lambda L, x: L.any(x, 1),
    "any_dims_keepdim": lambda L, x: x.any((0, 1), keepdim=True),
    "any_no_dims": lambda L, x: x.any(()),
    "all": lambda L, x: L.all(x),
    "all_dim_keepdim": lambda L, x: x.all(0, keepdim=True),
    "all_negative_dim_list": lambda L, x: x.all([-1]),
}


def _op_on(L: Any, case: str, dtype: str) -> list:
    """The result, its dtype, its node's name and the gradient (float inputs want one)."""
    x = L.tensor(_VALUES).to(getattr(L, dtype))
    if x.is_floating_point():
        x.requires_grad_()
    out = OP_CASES[case](L, x)
    seen = [out, out.dtype, None if out.grad_fn is None else out.grad_fn.name()]
    if out.requires_grad:
        out.backward(L.linspace(-1, 2, out.numel(), dtype=out.dtype).reshape(out.shape))
        seen.append(x.grad)
    return seen


@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "uint8", "bool"])
@pytest.mark.parametrize("case", sorted(OP_CASES))
def test_op_values_dtypes_gradients_and_names(case: str, dtype: str) -> None:
    """Every dtype, as PyTorch treats it: integers stay integers through floor, become float32
    through sinh, are refused by frac (the same error)."""
    if dtype == "uint8":  # (no negative values: their conversion to uint8 is undefined)
        body = lambda L: _op_on_abs(L, case)  # noqa: E731
    else:
        body = lambda L: _op_on(L, case, dtype)  # noqa: E731
    assert_same_outcome(body)


@pytest.mark.parametrize("case", sorted(OP_CASES))
def test_op_dtypes_for_float16(case: str) -> None:
    """float16 stays float16 (values are computed in float32 by PyTorch's kernels and may
    round to another last digit: the dtype and the node are compared)."""

    def body(L: Any) -> list:
        out = OP_CASES[case](L, L.tensor(_VALUES, dtype=L.float16, requires_grad=True))
        return [out.dtype, tuple(out.shape), None if out.grad_fn is None else out.grad_fn.name()]

    assert_same_outcome(body)


def _op_on_abs(L: Any, case: str) -> list:
    x = L.tensor(_VALUES).abs().to(L.uint8)
    out = OP_CASES[case](L, x)
    return [out, out.dtype, out.grad_fn]


def _prod_zeros(L: Any) -> list:
    """No zero, one zero, two zeros: the gradient of prod is the product of the others; and
    its own gradient (create_graph) through the zeros."""
    seen = []
    for values in ([2.0, 3.0, 4.0], [2.0, 0.0, 3.0], [0.0, 0.0, 3.0], [0.0]):
        x = L.tensor(values, requires_grad=True)
        x.prod().backward()
        seen.append(x.grad)
    rows = [[2.0, 0.0, 3.0], [0.0, 0.0, 1.0], [1.0, 2.0, 3.0], [-1.0, 4.0, 0.5]]
    for dim in (0, 1):
        x = L.tensor(rows, dtype=L.float64, requires_grad=True)
        (g,) = L.autograd.grad(x.prod(dim).sum(), x, create_graph=True)
        seen += [g, L.autograd.grad((g * g).sum(), x)]
    x = L.tensor([2.0, 0.0, 3.0, 5.0], dtype=L.float64, requires_grad=True)
    (g,) = L.autograd.grad(x.prod(), x, create_graph=True)
    seen += [g, L.autograd.grad(g.sum(), x)]
    return seen


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_running_sums_and_products_round_as_pytorch_over_long_rows(dtype: str) -> None:
    """PyTorch keeps a float32 running sum or product in float64 (float16's in float32) and
    rounds each result once: over 500 elements the last bits differ from float32 arithmetic.
    cumsum, its gradient, and prod's gradient through zeros match bit for bit."""
    values = np.random.default_rng(0).uniform(0.99, 1.01, (3, 500)).astype(dtype)
    values[0, 7] = values[2, 9] = values[2, 100] = 0

    def seen(L: Any) -> list[np.ndarray]:
        found = []
        x = L.tensor(values, requires_grad=True)
        running = x.cumsum(1)
        (running * running).sum().backward()
        found += [running.detach().numpy(), x.grad.numpy()]
        for product in (lambda v: v.prod(), lambda v: v.prod(1), lambda v: v.prod(0)):
            x = L.tensor(values, requires_grad=True)
            product(x).sum().backward()
            found.append(x.grad.numpy())
        return found

    for expected, actual in zip(*both(seen)):
        assert actual.dtype == expected.dtype and actual.tobytes() == expected.tobytes()


def test_a_long_float32_sum_along_a_dimension_may_differ_in_the_last_bit() -> None:
    """A known difference (README): PyTorch's vectorized sum over a dimension adds in another
    order than numpy's pairwise sum, so over thousands of float32 elements the last bit may
    differ; never by more than float32 rounding. Once they agree, take it off the README."""
    values = np.random.default_rng(0).normal(3, 2, (4, 3000)).astype(np.float32)
    expected, actual = (L.tensor(values).sum(1).numpy() for L in (torch, minigrad))
    assert not np.array_equal(actual, expected)  # still different
    np.testing.assert_allclose(actual, expected, rtol=2e-7)


def _extrema_ties(L: Any) -> list:
    """amax and amin share the gradient evenly among ties (max(dim) picks one); a NaN extreme
    gives nan gradients everywhere."""
    seen = []
    x = L.tensor([[3.0, 1.0, 3.0], [2.0, 2.0, 2.0]], requires_grad=True)
    weights = L.tensor([1.0, 3.0])
    for f in (
        lambda v: (v.amax(1) * weights).sum(),
        lambda v: v.amax(),
        lambda v: v.amin(0).sum(),
        lambda v: L.amax(v, (0, 1), keepdim=True).sum(),
        lambda v: v.max(1).values.sum(),
    ):
        x.grad = None
        f(x).backward()
        seen.append(x.grad)
    y = L.tensor([1.0, float("nan"), 2.0], requires_grad=True)
    y.amax().backward()
    seen += [y.grad, y.amax(), y.amin(0)]
    (g,) = L.autograd.grad(x.amax(1).sum(), x, create_graph=True)
    seen += [g, g.requires_grad]
    node = x.amax(1).grad_fn
    seen += [node._saved_dim, node._saved_keepdim, x.amin().grad_fn._saved_dim]
    return seen


def _rounding_edges(L: Any) -> list:
    halves = L.tensor([0.5, 1.5, 2.5, -0.5, -2.5, 1e20, float("inf"), float("nan")])
    return [
        halves.round(),
        halves.floor(),
        halves.ceil(),
        halves.trunc(),
        halves.frac(),
        L.tensor([1.25, 2.675, -0.125, 1234.5678]).round(decimals=2),
        L.tensor([1250.0, 2500.0, 150.0]).round(decimals=-2),
        L.tensor([1.26, 2.5], dtype=L.float16).round(decimals=1),
        L.tensor([1.0, -1.0, 2.0]).asin(),
        L.tensor([0.0, 0.0, -0.0]).atan2(L.tensor([0.0, -1.0, -1.0])),
        L.tensor([-3, 5, 7], dtype=L.int32).clip(0, 6),
        L.tensor([True, False]).any(),
        L.ones(0).all(),
        L.ones(0, 3).any(1),
        L.ones(2, 0).amax(0),
        L.ones(2, 0).prod(1),
        L.ones(0).prod(),
    ]


def _atan2_gradient_where_the_squares_vanish(L: Any) -> list:
    """0, not nan, at the origin and where self² + other² underflows, as in PyTorch."""
    x = L.tensor([0.0, 7e-196, 1e-200, 1e200, 3.0], dtype=L.float64, requires_grad=True)
    y = L.tensor([0.0, 0.0, 1e-200, 1e200, 4.0], dtype=L.float64, requires_grad=True)
    L.atan2(x, y).sum().backward()
    return [x.grad, y.grad]


def _clip_in_place(L: Any) -> list:
    a = L.tensor([1.0, -2.0, 0.25], requires_grad=True)
    y = a * 2
    y.clip_(-1, 1)
    y.sum().backward()
    return [y, a.grad, y.grad_fn.name()]


# --------------------------------------------------------------------------------------------
# Semantics
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["pi", "e", "inf", "nan"])
def test_constants_are_pytorchs(name: str) -> None:
    ours, theirs = getattr(minigrad, name), getattr(torch, name)
    assert type(ours) is type(theirs)
    assert repr(ours) == repr(theirs)  # (nan != nan: compare the digits)
    assert repr(minigrad.tensor([ours])) == repr(torch.tensor([theirs]))


@LIBS
def test_comparisons_are_bool_without_grad(L: Any) -> None:
    x = L.tensor([1.0, 2.0], requires_grad=True)
    for result in (
        x > 1,
        x == 2,
        x < L.tensor([2.0, 2.0]),
        x >= 1.5,
        x <= 1,
        x != 1,
        x.gt(1),
        x.eq(2),
        x.ne(2),
        x.lt(2),
        x.le(2),
        x.ge(2),
    ):
        assert result.dtype == L.bool
        assert not result.requires_grad
        assert result.grad_fn is None
        assert result.is_leaf


def test_comparison_values_match() -> None:
    def body(L: Any) -> Any:
        x = L.tensor([1.0, 2.0, 3.0], requires_grad=True)
        return [
            x > 2,
            x == 2,
            x < L.tensor([2.0, 2.0, 4.0]),
            x >= 2.0,
            (x > 1) & (x < 3),
            (x < 2) | (x > 2),
            ~(x > 2),
        ]

    assert_same_outcome(body)


def _quiet_grad(tensor: Any) -> Any:
    """``.grad`` of a non-leaf, without torch's warning (tested on its own below)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return tensor.grad


def _retain_grad(L: Any) -> Any:
    x = L.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    y.retain_grad()
    z = (y * y).sum()
    z.backward()
    return y.grad, x.grad, y.retains_grad, x.retains_grad, _quiet_grad(z)


def _hooks(L: Any) -> Any:
    x = L.tensor([1.0, 2.0], requires_grad=True)
    y = x * 3
    seen = []
    y.register_hook(lambda g: seen.append(g.clone()) or g * 10)
    x.register_hook(lambda g: g + 1)
    removed = x.register_hook(lambda g: g * 1000)
    removed.remove()
    (y * y).sum().backward()
    return seen, x.grad, _quiet_grad(y)


def _accumulation(L: Any) -> Any:
    x = L.tensor([1.0, 2.0], requires_grad=True)
    (x * x).sum().backward()
    first = x.grad.clone()
    (x * 3).sum().backward()
    return first, x.grad


def _backward_inputs(L: Any) -> Any:
    x = L.tensor([1.0, 2.0], requires_grad=True)
    w = L.tensor([3.0, 4.0], requires_grad=True)
    (x * w).sum().backward(inputs=[w])
    y = x * 2
    (y * y).sum().backward(inputs=[y])
    return x.grad, w.grad, y.grad


def _grad_create_graph(L: Any) -> Any:
    x = L.tensor([1.0, 2.0], requires_grad=True)
    (g,) = L.autograd.grad((x**3).sum(), x, create_graph=True)
    (h,) = L.autograd.grad(g.sum(), x)
    return g, g.requires_grad, h, x.grad


def _grad_outputs_and_unused(L: Any) -> Any:
    x = L.tensor([1.0, 2.0], requires_grad=True)
    y = L.tensor([1.0, 2.0], requires_grad=True)
    return (
        L.autograd.grad(x * x, x, L.tensor([1.0, 10.0])),
        L.autograd.grad((x * x).sum(), [x, y], allow_unused=True),
        L.autograd.grad((x * x).sum(), [x, y], materialize_grads=True),
    )


def _retain_graph(L: Any) -> Any:
    x = L.tensor([1.0, 2.0], requires_grad=True)
    y = x.exp().sum()
    y.backward(retain_graph=True)
    y.backward()
    return x.grad


def _detach_shares_memory(L: Any) -> Any:
    x = L.tensor([1.0, 2.0], requires_grad=True)
    d = x.detach()
    d[0] = 5.0
    d.add_(1)
    return x, d, d.requires_grad, d.is_leaf, d.grad_fn, x._version, d._version


def _data_shares_memory(L: Any) -> Any:
    x = L.tensor([1.0, 2.0], requires_grad=True)
    x.data[1] = 7.0
    return x, x.data.requires_grad


def _requires_grad_(L: Any) -> Any:
    x = L.tensor([1.0, 2.0])
    returned = x.requires_grad_()
    y = x * 2
    flags = [returned is x, x.requires_grad, x.is_leaf, y.requires_grad, y.is_leaf]
    x.requires_grad_(False)
    flags += [x.requires_grad, (x * 2).requires_grad]
    z = L.ones(2)
    z.requires_grad = True
    flags.append(z.requires_grad)
    return flags


def _tutorial_sgd(L: Any) -> Any:
    w = L.tensor([1.0, 2.0], dtype=L.float64, requires_grad=True)
    b = L.tensor(0.5, dtype=L.float64, requires_grad=True)
    history = []
    for _ in range(3):
        loss = ((w * 3 + b - 1) ** 2).sum()
        loss.backward()
        with L.no_grad():
            w.add_(w.grad, alpha=-0.01)
            b -= 0.01 * b.grad
        history.append((round(loss.item(), 9), w.clone(), b.clone()))
        w.grad.zero_()
        b.grad = None
    return history, w, w.grad, b.grad, w.is_leaf, w.requires_grad, w._version, b._version


def _version_counter(L: Any) -> Any:
    x = L.ones(3)
    versions = [x._version]
    x.add_(1)
    versions.append(x._version)
    x.mul_(2)
    versions.append(x._version)
    y = x[1:]
    y.zero_()
    versions += [x._version, y._version]
    x[0] = 3
    versions += [x._version, y._version]
    x += 1
    versions.append(x._version)
    x.fill_(2)
    versions.append(x._version)
    return versions, x


def _version_through_select(L: Any) -> Any:
    x = L.zeros(3)
    element = x[1]
    element.add_(1)
    return x, x._version, element._version


def _zero_(L: Any) -> Any:
    x = L.ones(3)
    returned = x.zero_()
    return returned is x, x


def _is_leaf(L: Any) -> Any:
    a = L.ones(2, requires_grad=True)
    b = L.ones(2)
    c = a * 2
    d = b * 2
    with L.no_grad():
        e = a * 2
    return [t.is_leaf for t in (a, b, c, d, e, c.detach())]


def _grad_dtype_follows_leaf(L: Any) -> Any:
    x = L.tensor([1.0, 2.0], requires_grad=True)
    (x.double() * 2).sum().backward()
    return x.grad


def _inplace_on_non_leaf(L: Any) -> Any:
    x = L.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    y.mul_(3)
    y += x
    y.sum().backward()
    return y, x.grad, y._version


def _inplace_mul_tensor(L: Any) -> Any:
    a = L.tensor([1.0, 2.0], requires_grad=True)
    b = L.tensor([3.0, 4.0], requires_grad=True)
    y = a * 1
    y.mul_(b)
    y.sum().backward()
    return y, a.grad, b.grad


def _inplace_div_tensor(L: Any) -> Any:
    a = L.tensor([1.0, 2.0], requires_grad=True)
    b = L.tensor([3.0, 4.0], requires_grad=True)
    y = a * 1
    y.div_(b)
    y.sum().backward()
    return y, a.grad, b.grad


def _inplace_pow(L: Any) -> Any:
    a = L.tensor([1.0, 2.0], requires_grad=True)
    y = a * 2
    y.pow_(2)
    y.sum().backward()
    return y, a.grad


def _inplace_clamp(L: Any) -> Any:
    a = L.tensor([1.0, 2.0], requires_grad=True)
    y = a * 1
    y.clamp_(0, 1.5)
    y.sum().backward()
    return y, a.grad


def _inplace_on_0d_result(L: Any) -> Any:
    y = L.tensor(2.0) * 3
    y.add_(1)
    z = L.tensor(1.0).exp()
    z.zero_()
    return y, z


def _sum_over_dim_of_0d(L: Any) -> Any:
    x = L.tensor(2.0, requires_grad=True)
    out = x.sum(0) + x.mean(-1) + x.sum((0,), keepdim=True).sum()
    out.backward()
    return out, x.grad


def _create_graph_backward(L: Any) -> Any:
    x = L.tensor([1.0, 2.0], requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch warns about the reference cycle
        (x**3).sum().backward(create_graph=True)
    first = x.grad
    (second,) = L.autograd.grad(first.sum(), x)
    return first.detach(), first.requires_grad, second


def _pow_zero_base_zero_exponent(L: Any) -> Any:
    base = L.tensor([0.0, 1.0, 0.0], requires_grad=True)
    exponent = L.tensor([2.0, 2.0, 0.0], requires_grad=True)
    (base**exponent).sum().backward()
    return base.grad, exponent.grad


def _rpow_zero_base(L: Any) -> Any:
    x = L.tensor([1.0, 2.0], requires_grad=True)
    (0.0**x).sum().backward()
    return x.grad


def _kinks(L: Any) -> Any:
    x = L.tensor([0.0, -1.0, 2.0, 1.0], requires_grad=True)
    out = (x.abs() + x.relu() + x.clamp(0, 1)).sum() + x.max()
    out.backward()
    return x.grad


def _max_ties(L: Any) -> Any:
    x = L.tensor([[1.0, 2.0, 2.0], [0.0, 0.0, -1.0]], requires_grad=True)
    (x.max() + x.min(dim=1).values.sum() + x.max(dim=0).values.sum()).backward()
    return x.grad


def _sum_over_empty_dims(L: Any) -> Any:
    x = L.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    return x.sum(dim=()), x.mean(dim=()), x.sum(dim=[])


def _grad_writable_after_create_graph(L: Any) -> Any:
    x = L.ones(3, requires_grad=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch warns about the reference cycle
        x.sum().backward(create_graph=True)
    x.grad.zero_()  # what an optimizer's zero_grad does
    return x.grad


def _formatted(L: Any) -> list[str]:
    loss = (L.tensor([1.0, 2.0], requires_grad=True) * 2.5).mean()
    return [
        f"loss = {loss}",
        f"{loss:.3f}|{L.tensor(3):>4}|{L.tensor(True)}|{L.tensor(2.5, dtype=L.float64):e}",
        "{}".format(L.tensor([1.0, 2.0])),  # noqa: UP032 - str.format is what is tested
    ]


def _called_after_backward(L: Any) -> Any:
    y = L.tensor([2.0, 3.0], requires_grad=True).exp()
    y.sum().backward()
    return y.grad_fn(L.ones(2))


def _functional_create_graph(L: Any) -> list:
    """Derivatives of whole Jacobians, Hessians and vector-Jacobian products."""
    F = L.autograd.functional
    grads = []
    for make in (
        lambda x: F.jacobian(lambda t: t**3, x, create_graph=True),
        lambda x: F.hessian(lambda t: (t**3).sum(), x, create_graph=True),
        lambda x: F.vjp(lambda t: t**3, x, L.ones(2), create_graph=True)[1],
    ):
        x = L.tensor([1.0, 2.0], requires_grad=True)
        make(x).sum().backward()
        grads.append(x.grad)
    return grads


def _inplace_casts(L: Any) -> list:
    """In place, a result is cast to the tensor's dtype within a category."""
    x, h, i = L.ones(2), L.ones(2, dtype=L.float16), L.ones(2, dtype=L.int32)
    x += L.ones(2, dtype=L.float64) * 0.1
    h.add_(L.ones(2))
    i += L.ones(2, dtype=L.int64)
    w = L.ones(2, requires_grad=True)
    y = w * 1
    y += L.ones(2, dtype=L.float64, requires_grad=True)
    y.sum().backward()
    return [x, h, i, y.dtype, w.grad]


def _saved_values(L: Any) -> list:
    """What a node saves: a number as a float64 0-d tensor, an input only where another
    input's gradient needs it, the output as a new tensor of its node."""
    x = L.tensor([1.0, 2.0], requires_grad=True)
    by_number, squared, tanh = (x * 2.0).grad_fn, (x * x).grad_fn, x.tanh()
    return [
        by_number._saved_other,
        by_number._saved_self is None,
        squared._saved_self is x,
        tanh.grad_fn._saved_result is tanh,
        tanh.grad_fn._saved_result.grad_fn is tanh.grad_fn,
        (3 * x.exp()).grad_fn._saved_self is None,
    ]


def _second_derivatives(L: Any) -> list:
    """Through relu and abs the first derivative keeps its link to x (zero second derivative),
    as in PyTorch; through sign and max it does not."""
    found = []
    for f in (lambda v: v.relu(), lambda v: v.abs(), lambda v: v.sign(), lambda v: v.max()):
        x = L.tensor([1.0, -2.0, 3.0], requires_grad=True)
        (g,) = L.autograd.grad(f(x).sum(), x, create_graph=True)
        found.append([g, g.requires_grad, None if g.grad_fn is None else g.grad_fn.name()])
        if g.requires_grad:
            found.append(L.autograd.grad(g.sum(), x, allow_unused=True))
    return found


def _alpha_and_plain_updates(L: Any) -> list:
    """``alpha`` with broadcasting either way, and in-place updates that record nothing (the
    optimizers' short path) beside ones that must cast or broadcast."""
    a = L.linspace(-1, 1, 12).reshape(3, 4)
    b = L.linspace(0.3, 0.9, 4)
    seen = [a.add(b, alpha=0.1), b.add(a, alpha=-0.7), a.add(2, alpha=0.1)]
    w = a.clone().requires_grad_()
    with L.no_grad():
        w.sub_(a * 0.5, alpha=0.05)
        w.mul_(0.9).add_(b, alpha=3).div_(a + 2)
        w += 1
    seen += [w, w._version]
    c = a.clone()
    c.add_(b.double(), alpha=2)  # another dtype: cast on the way in
    c.sub_(L.ones(4, dtype=L.int64))
    seen += [c, c._version]
    return seen


def _deepcopies(L: Any) -> list:
    """A deep copy is a leaf of its own: its gradients never reach the original."""
    import copy

    a = L.tensor([1.0, 2.0], requires_grad=True)
    (a * 2).sum().backward()
    b = copy.deepcopy(a)
    (b * 3).sum().backward()
    p = L.nn.Parameter(L.ones(2))
    p.grad = L.ones(2)
    q = copy.deepcopy(p)
    model = L.nn.Linear(2, 1)
    twin = copy.deepcopy(model)
    twin(L.ones(1, 2)).sum().backward()
    return [
        a.grad,
        b.grad,
        b.requires_grad,
        type(q).__name__,
        q.grad,
        q.requires_grad,
        model.weight.grad,
        twin.bias.grad,
    ]


SEMANTICS: dict[str, Callable[[Any], Any]] = {
    "prod_gradient_with_zeros": _prod_zeros,
    "float16_prod_overflows_as_pytorch": lambda L: [
        L.tensor([300.0, 300.0, 0.001], dtype=L.float16).prod(),
        L.tensor([[300.0, 2.0], [300.0, 0.5], [0.0, 4.0]], dtype=L.float16).prod(0),
        L.tensor([[300.0, 2.0]], dtype=L.float16).prod(1, keepdim=True),
    ],
    "clamp_int_bounds_that_fit_or_wrap": lambda L: [
        L.tensor([0, 1, 2], dtype=L.int16).clamp(0, 300),
        L.tensor([0, 1, 2], dtype=L.uint8).clamp(0, -1),
        L.tensor([0, 1, 2], dtype=L.int8).clamp(-1, 1),
    ],
    "round_decimals_beyond_float_range": lambda L: [
        L.tensor([1.5, 0.0]).round(decimals=309),
        L.tensor([1.5], dtype=L.float64).round(decimals=-400),
    ],
    "cumsum_of_a_0d_tensor": lambda L: [
        L.tensor(2.0).cumsum(0),
        L.tensor(3).cumsum(-1),
        L.tensor(2.0, requires_grad=True).cumsum(0).grad_fn.name(),
    ],
    "amax_amin_ties_share": _extrema_ties,
    "rounding_and_trigonometry_edges": _rounding_edges,
    "clip_in_place": _clip_in_place,
    "atan2_gradient_where_the_squares_vanish": _atan2_gradient_where_the_squares_vanish,
    "second_derivatives_through_kinks": _second_derivatives,
    "saved_values": _saved_values,
    "format_spec_and_fstrings": _formatted,
    "inplace_casts_within_a_category": _inplace_casts,
    "sign_of_bool": lambda L: [L.tensor([True, False]).sign(), L.sign(L.tensor([True]))],
    "functional_create_graph": _functional_create_graph,
    "float64_from_python_floats": lambda L: L.tensor(
        [0.1, 1e-300, 1e300], dtype=L.float64
    ).tolist(),
    "uint8_literals_wrap_below_zero": lambda L: L.tensor([-129, -1, 255], dtype=L.uint8),
    "float_literals_to_int": lambda L: L.tensor([1.5, -2.7], dtype=L.int64),
    "calling_nodes": _calling_nodes,
    "sum_to_size_same_size": _sum_to_size_same_size,
    "div_rounding_modes": _div_rounding_modes,
    "norms": _norms,
    "a_called_node_leaves_broadcast_shapes": _called_node_shapes,
    "isfinite_isnan_isinf": lambda L: [
        f(L.tensor([1.0, float("inf"), float("nan"), -float("inf")]))
        for f in (L.isfinite, L.isnan, L.isinf)
    ],
    "size_as_a_keyword": lambda L: [
        L.zeros(size=(2,)),
        L.ones(size=[1, 2]),
        L.empty(size=(0, 3)).shape,
        L.randn(size=(), requires_grad=True).shape,
    ],
    "hook_handle_removed_twice": _hook_handle_removed_twice,
    "integer_edges": lambda L: [
        2 ** L.tensor([-1, 2, -3]),
        L.tensor([2, 1, -1, 0, -1]) ** L.tensor([-1, -2, -3, -1, -2]),
        (-1) ** L.tensor([-1, -2, 3]),
        L.tensor([3, 5], dtype=L.int32) ** L.tensor([2, -1], dtype=L.int32),
        L.tensor([0, 5], dtype=L.uint8) + -1,
        L.tensor([0, 5], dtype=L.uint8) - 1,
        L.tensor([0, 5], dtype=L.uint8) + 300,
        L.tensor([1, 5], dtype=L.int8) * 200,
    ],
    "numpy_scalars_in_lists": lambda L: [
        L.tensor([np.float64(1.5), 2]),
        L.tensor([np.float32(1.5), 2]).dtype,
        L.tensor([[1.5], [np.float64(2)]]).dtype,
        L.tensor([1, np.float64(2.5)]).dtype,
        L.tensor([np.int32(1), 2]).dtype,
    ],
    "several_outputs": _several_outputs,
    "node_hooks": _node_hooks,
    "retain_grad": _retain_grad,
    "register_hook": _hooks,
    "gradient_accumulation": _accumulation,
    "backward_inputs": _backward_inputs,
    "autograd_grad_create_graph": _grad_create_graph,
    "autograd_grad_outputs_and_unused": _grad_outputs_and_unused,
    "retain_graph": _retain_graph,
    "detach_shares_memory": _detach_shares_memory,
    "data_shares_memory": _data_shares_memory,
    "requires_grad_": _requires_grad_,
    "tutorial_sgd_step": _tutorial_sgd,
    "version_counter": _version_counter,
    "version_through_select": _version_through_select,
    "zero_": _zero_,
    "is_leaf": _is_leaf,
    "grad_dtype_follows_leaf": _grad_dtype_follows_leaf,
    "inplace_on_non_leaf": _inplace_on_non_leaf,
    "inplace_mul_tensor_non_leaf": _inplace_mul_tensor,
    "inplace_div_tensor_non_leaf": _inplace_div_tensor,
    "inplace_pow_non_leaf": _inplace_pow,
    "inplace_clamp_non_leaf": _inplace_clamp,
    "inplace_on_0d_result": _inplace_on_0d_result,
    "sum_over_dim_of_0d": _sum_over_dim_of_0d,
    "backward_create_graph": _create_graph_backward,
    "pow_zero_base_zero_exponent": _pow_zero_base_zero_exponent,
    "rpow_zero_base": _rpow_zero_base,
    "gradients_at_kinks": _kinks,
    "max_min_ties": _max_ties,
    "sum_over_empty_dims": _sum_over_empty_dims,
    "grad_writable_after_create_graph": _grad_writable_after_create_graph,
    "grad_made_by_create_graph": _grad_made_by_create_graph,
    "copy_": _copy,
    "alpha_and_plain_updates": _alpha_and_plain_updates,
    "deepcopy": _deepcopies,
}


@pytest.mark.parametrize("case", sorted(SEMANTICS))
def test_semantics_match(case: str) -> None:
    assert_same_outcome(SEMANTICS[case])


def _modes(L: Any) -> list:
    x = L.tensor([1.0], requires_grad=True)
    seen = []
    with L.no_grad():
        seen.append((x * 2).requires_grad)
        with L.enable_grad():
            seen.append((x * 2).requires_grad)
        seen.append(L.is_grad_enabled())
    with L.set_grad_enabled(False):
        seen.append((x * 2).requires_grad)
    seen.append(L.is_grad_enabled())
    with L.set_grad_enabled(True):
        seen.append((x * 2).requires_grad)

    @L.no_grad()
    def off() -> tuple:
        return (x * 2).requires_grad, L.is_grad_enabled()

    @L.enable_grad()
    def on() -> bool:
        return (x * 2).requires_grad

    @L.set_grad_enabled(False)
    def switched_off() -> bool:
        return (x * 2).requires_grad

    seen.append(off())
    with L.no_grad():
        seen.append(on())
    seen += [L.is_grad_enabled(), switched_off(), L.is_grad_enabled()]
    L.set_grad_enabled(False)
    seen.append(L.is_grad_enabled())
    L.set_grad_enabled(True)
    seen.append(L.is_grad_enabled())
    return seen


EDGE_VALUES: dict[str, Callable[[Any], Any]] = {
    "pow_negative_exponent_at_0": lambda L: L.tensor([0.0, 2.0]) ** -1,
    "div_by_zero": lambda L: L.tensor([1.0, 0.0, -1.0]) / 0,
    "number_div_zero": lambda L: 1 / L.tensor([0.0, -0.0]),
    "reciprocal_of_zero": lambda L: L.tensor([0.0]).reciprocal(),
    "exp_overflow": lambda L: L.tensor([1000.0]).exp(),
    "inf_times_zero": lambda L: L.tensor([float("inf")]) * 0,
    "pow_tensor_zero_base": lambda L: L.tensor([0.0]) ** L.tensor([-1.0]),
    "rpow_zero_base": lambda L: 0.0 ** L.tensor([-1.0, 0.0, 2.0]),
    "rpow_negative_base": lambda L: (-2.0) ** L.tensor([0.5, 2.0]),
    "sqrt_negative": lambda L: L.tensor([-1.0, 4.0]).sqrt(),
    "log_zero_negative": lambda L: L.tensor([0.0, -1.0]).log(),
    "sqrt_grad_at_zero": lambda L: _grad_of_values(L, [0.0, 4.0], lambda x: x.sqrt()),
    "abs_grad_at_nan": lambda L: _grad_of_values(L, [float("nan"), 0.0, -1.0], lambda x: x.abs()),
    "sign_of_nan_and_its_grad": lambda L: [
        L.sign(L.tensor([float("nan"), -0.0, 2.0])),
        _grad_of_values(L, [float("nan"), 0.0, -1.0], lambda x: x.sign()),
        L.tensor([1.0], requires_grad=True).sign().grad_fn.name(),
    ],
    "relu_grad_at_nan": lambda L: _grad_of_values(L, [float("nan"), 0.0, 2.0], lambda x: x.relu()),
    "relu_of_negative_zero": lambda L: L.relu(L.tensor([-0.0, float("nan"), -1.0])),
    "sigmoid_far_below_zero": lambda L: L.sigmoid(L.tensor([-100.0, -50.0, 100.0])),
    "exponent_grad_of_zero_to_minus_one": lambda L: _exponent_grad(L, 0.0, -1.0),
    "exponent_grad_of_zero_to_two": lambda L: _exponent_grad(L, 0.0, 2.0),
    "log_grad_at_zero": lambda L: _grad_of_values(L, [0.0, 2.0], lambda x: x.log()),
    "sum_of_inf_and_minus_inf": lambda L: L.tensor([float("inf"), float("-inf")]).sum(),
    "mean_of_inf_and_minus_inf": lambda L: L.tensor([float("inf"), float("-inf")]).mean(),
    "mean_dim_of_inf_and_minus_inf": lambda L: L.tensor([[float("inf"), float("-inf")]]).mean(1),
    "sum_dim_of_inf_and_minus_inf": lambda L: L.tensor([[float("inf"), float("-inf")]]).sum(1),
}


def _exponent_grad(L: Any, base: float, exponent: float) -> Any:
    b = L.tensor(base, requires_grad=True)
    e = L.tensor(exponent, requires_grad=True)
    (b**e).backward()
    return [b.grad, e.grad]


def _grad_of_values(L: Any, values: list, f: Callable[[Any], Any]) -> Any:
    x = L.tensor(values, requires_grad=True)
    f(x).sum().backward()
    return x.grad


@pytest.mark.parametrize("case", sorted(EDGE_VALUES))
def test_ieee_edge_values_match_without_warnings(case: str) -> None:
    """inf / nan results as in torch, and no numpy RuntimeWarning leaking out."""
    expected = outcome(EDGE_VALUES[case], torch)
    with warnings.catch_warnings(record=True) as caught:  # the filters a learner has
        actual = outcome(EDGE_VALUES[case], minigrad)
    assert actual == expected
    assert [w for w in caught if issubclass(w.category, RuntimeWarning)] == []


@LIBS
def test_grad_modes_as_context_managers_and_decorators(L: Any) -> None:
    assert _modes(L) == [
        False,
        True,
        False,
        False,
        True,
        True,
        (False, False),
        True,
        True,
        False,
        True,
        False,
        True,
    ]
    assert L.is_grad_enabled()


@LIBS
def test_grad_mode_restored_after_exception(L: Any) -> None:
    with pytest.raises(ValueError):
        with L.no_grad():
            raise ValueError
    assert L.is_grad_enabled()


@LIBS
def test_bare_decorators(L: Any) -> None:
    """``@torch.no_grad`` and ``@torch.enable_grad`` also work without parentheses."""
    x = L.ones(1, requires_grad=True)

    @L.no_grad
    def off() -> bool:
        return (x * 2).requires_grad

    @L.enable_grad
    def on() -> bool:
        return (x * 2).requires_grad

    assert off() is False
    with L.no_grad():
        assert on() is True


@LIBS
def test_non_leaf_grad_access_warns(L: Any) -> None:
    x = L.ones(2, requires_grad=True)
    y = x * 2
    y.sum().backward()
    with pytest.warns(UserWarning, match="is not a leaf Tensor"):
        assert y.grad is None


WARNINGS: dict[str, Callable[[Any], Any]] = {
    "copy_construct": lambda L: L.tensor(L.ones(2)),
    "T_of_a_vector": lambda L: L.ones(3).T,
    "T_of_a_number": lambda L: L.tensor(2.0).T,
    "T_of_a_matrix": lambda L: L.ones(2, 3).T,
}


@pytest.mark.parametrize("case", sorted(WARNINGS))
def test_warnings_match(case: str) -> None:
    """The same UserWarnings, word for word (PyTorch may add where in C++ it was raised)."""
    said = {}
    for L in (torch, minigrad):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            WARNINGS[case](L)
        said[L] = [str(w.message).split(" (Triggered internally")[0] for w in caught]
    assert said[minigrad] == said[torch]


def test_functional_jacobian_hessian_vjp() -> None:
    def body(L: Any) -> Any:
        F = L.autograd.functional
        a = L.tensor([1.0, 2.0], dtype=L.float64)
        b = L.tensor([3.0, 4.0, 5.0], dtype=L.float64)
        return (
            F.jacobian(lambda u: u**2, a),
            F.jacobian(lambda u, v: u * v.sum() + u.exp(), (a, b)),
            F.jacobian(lambda u: (u**2).sum(), a),
            F.jacobian(lambda u: u.reshape(2, 1) @ u.reshape(1, 2), a),
            F.hessian(lambda u: (u**3).sum() * u[0], a),
            F.hessian(lambda u, v: (u * v[:2]).sum() + (u**2).sum(), (a, b)),
            F.vjp(lambda u: u**2, a, L.tensor([1.0, 10.0], dtype=L.float64)),
            F.vjp(lambda u, v: (u * v[1:]).sum(), (a, b)),
        )

    assert_same_outcome(body)


@settings(max_examples=25, deadline=None)
@given(
    values=hnp.arrays(
        np.float64,
        st.integers(1, 4),
        elements=st.floats(-2, 2, allow_nan=False, allow_subnormal=False),
    )
)
def test_functional_against_torch_random(values: np.ndarray) -> None:
    def f(L: Any) -> Callable:
        return lambda u: (u.tanh() * u.sum()).sigmoid()

    def g(L: Any) -> Callable:
        return lambda u: (u.exp() * u).sum() + (u @ u) ** 2

    for name, body in (
        ("jacobian", lambda L: L.autograd.functional.jacobian(f(L), L.tensor(values))),
        ("hessian", lambda L: L.autograd.functional.hessian(g(L), L.tensor(values))),
        (
            "vjp",
            lambda L: L.autograd.functional.vjp(
                f(L), L.tensor(values), L.tensor(values[::-1].copy())
            )[1],
        ),
    ):
        expected, actual = body(torch), body(minigrad)
        assert_close(actual, expected, rtol=1e-9, atol=1e-12)
        assert name


def test_backward_with_create_graph_warns_once_per_process() -> None:
    """PyTorch warns about the reference cycle once per process, whatever the filters."""
    program = (
        "import warnings, sys\n"
        "warnings.simplefilter('always')\n"
        "import {lib} as torch\n"
        "x = torch.ones(2, requires_grad=True)\n"
        "with warnings.catch_warnings(record=True) as caught:\n"
        "    warnings.simplefilter('always')\n"
        "    for _ in range(3):\n"
        "        (x * x).sum().backward(create_graph=True)\n"
        "    torch.autograd.grad((x * x).sum(), x, create_graph=True)\n"
        "for w in caught:\n"
        "    print(type(w.message).__name__, str(w.message).split(' (Triggered')[0])\n"
    )
    said = [
        subprocess.run(
            [sys.executable, "-c", program.replace("{lib}", lib)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for lib in ("torch", "minigrad")
    ]
    assert said[0].count("UserWarning Using backward() with create_graph=True") == 1
    assert said[1] == said[0]


@pytest.mark.parametrize("dtype", ["float32", "float64", "float16", "int64", "uint8"])
def test_linspace_values_bit_for_bit(dtype: str) -> None:
    """PyTorch counts up from start to the middle and down from end after it, each value one
    fused multiply-add: the same bits, so the same printing (linspace(-1, 1, 7)'s middle)."""
    ends = [(-1, 1), (0, 1), (0.1, 2.7), (-3.3, 7.1), (5, -2), (0, 255), (2.5, 2.5), (1.9, -2.9)]
    if dtype == "uint8":
        ends = [(a, b) for a, b in ends if min(a, b) >= 0]
    for steps in [*range(0, 30), 50, 64, 101, 1000]:
        for start, end in ends:
            expected = torch.linspace(start, end, steps, dtype=getattr(torch, dtype)).numpy()
            actual = minigrad.linspace(start, end, steps, dtype=getattr(minigrad, dtype)).numpy()
            assert actual.dtype == expected.dtype
            np.testing.assert_array_equal(actual, expected, err_msg=f"{start}, {end}, {steps}")
    assert repr(minigrad.linspace(-1, 1, 7)) == repr(torch.linspace(-1, 1, 7))
