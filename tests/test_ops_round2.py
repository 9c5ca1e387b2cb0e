"""roll, diag, unflatten, squeeze with a tuple of dims, and ``//``, ``%``, fmod against real
PyTorch: values, dtypes, printed text, ``grad_fn`` names, graphs, gradients (first and second)
and error messages. Each body runs once with ``L = torch`` and once with ``L = minigrad``; what
is expected always comes from torch at test time (or from Python's own ``//`` and ``%``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import minigrad

torch = pytest.importorskip("torch")

# (test_differential.py's helpers are not importable under --import-mode=importlib; these are
# the few this file needs, in the same shape)
ADDRESS = re.compile(r"0x[0-9a-fA-F]+")
# PyTorch appends its C++ stack to some messages ("Exception raised from ..."): machine
# specific, so only the text before it is compared
CPP_STACK = re.compile(r"\nException raised from .*", re.S)


def outcome(body: Callable[[Any], Any], L: Any) -> tuple[str, str]:
    """("ok", repr of the result) or (exception type name, message)."""
    try:
        result = body(L)
    except Exception as error:  # noqa: BLE001 - any exception is an outcome to compare
        return type(error).__name__, CPP_STACK.sub("", str(error))
    return "ok", ADDRESS.sub("0x…", repr(result))


def assert_same_outcome(body: Callable[[Any], Any]) -> None:
    expected, actual = outcome(body, torch), outcome(body, minigrad)
    assert actual == expected


def graph_signature(tensor: Any, leaves: list[Any]) -> list[tuple] | None:
    """The graph below ``tensor.grad_fn``: (name, type name, edges, leaf index) per node,
    numbered in the order first met, so shared nodes and (None, 0) edges are compared too."""
    if tensor.grad_fn is None:
        return None
    numbers: dict[int, int] = {}
    order: list[Any] = []

    def number(node: Any) -> int:
        if id(node) not in numbers:
            numbers[id(node)] = len(order)
            order.append(node)
        return numbers[id(node)]

    number(tensor.grad_fn)
    signature = []
    for node in order:  # (grows while it is walked)
        edges = tuple(
            (None if child is None else number(child), nr) for child, nr in node.next_functions
        )
        leaf = None
        if hasattr(node, "variable"):
            leaf = next((i for i, x in enumerate(leaves) if x is node.variable), "?")
        signature.append((node.name(), type(node).__name__, edges, leaf))
    return signature


def assert_close(actual: Any, expected: Any) -> None:
    """Tensors (or None) of the same dtype, shape and values (nan where nan)."""
    if expected is None:
        assert actual is None
        return
    assert str(actual.dtype) == str(expected.dtype)
    assert tuple(actual.shape) == tuple(expected.shape)
    np.testing.assert_allclose(
        actual.detach().numpy(), expected.detach().numpy(), rtol=1e-6, atol=1e-7
    )


# --------------------------------------------------------------------------------------------
# Forward: values, dtypes, printed text (with grad_fn) and errors, one body per case
# --------------------------------------------------------------------------------------------

M = lambda L, **kw: L.arange(12.0).reshape(3, 4).requires_grad_(kw.get("grad", True))  # noqa: E731
I6 = lambda L: L.tensor([[-7, -3, 0], [3, 7, 8]])  # noqa: E731
F = lambda L, grad=True: L.tensor([-3.5, -2.0, -0.0, 0.0, 2.0, 3.5, 7.25], requires_grad=grad)  # noqa: E731

FORWARD: dict[str, Callable[[Any], Any]] = {
    # roll
    "roll_int": lambda L: M(L).roll(1),
    "roll_dim": lambda L: M(L).roll(1, 0),
    "roll_negative_shift_and_dim": lambda L: L.roll(M(L), -5, -1),
    "roll_tuple": lambda L: M(L).roll((1, -2), (0, 1)),
    "roll_list": lambda L: L.roll(M(L), [2], [1]),
    "roll_same_dim_twice": lambda L: M(L).roll((1, 2, 3), (1, 0, 1)),
    "roll_dims_none_keyword": lambda L: L.roll(M(L), shifts=7, dims=None),
    "roll_int_tensor": lambda L: I6(L).roll(-1, 1),
    "roll_0d": lambda L: L.tensor(3.0).roll(4),
    "roll_empty": lambda L: L.zeros(0, 3).roll(1, 0),
    "roll_err_dim_range": lambda L: M(L).roll(1, 2),
    "roll_err_negative_dim_range": lambda L: M(L).roll(1, -3),
    "roll_err_align": lambda L: M(L).roll((1, 2), 0),
    "roll_err_align_no_dims": lambda L: M(L).roll((1, 2)),
    "roll_err_align_dims": lambda L: M(L).roll(1, (0, 0)),
    "roll_err_no_shifts": lambda L: M(L).roll((), ()),
    "roll_err_0d_dim": lambda L: L.tensor(3.0).roll(1, 0),
    "roll_err_0d_negative_dim": lambda L: L.tensor(3.0).roll(1, -1),
    "roll_err_float_dims_element": lambda L: L.roll(M(L), (1,), (1.5,)),
    "roll_err_float_dims": lambda L: L.roll(M(L), 1, 1.5),
    # diag
    "diag_vector": lambda L: L.diag(L.tensor([1.0, 2.0, 3.0], requires_grad=True)),
    "diag_vector_above": lambda L: L.tensor([1.0, 2.0], requires_grad=True).diag(2),
    "diag_vector_below": lambda L: L.diag(L.tensor([1, 2, 3]), -1),
    "diag_vector_empty": lambda L: L.diag(L.zeros(0)),
    "diag_matrix": lambda L: M(L).diag(),
    "diag_matrix_above": lambda L: L.diag(M(L), 2),
    "diag_matrix_below": lambda L: M(L).diag(diagonal=-1),
    "diag_matrix_past_the_edge": lambda L: M(L).diag(5),
    "diag_matrix_past_the_edge_below": lambda L: L.diag(M(L), -3),
    "diag_int_matrix": lambda L: L.diag(I6(L), 1),
    "diag_err_3d": lambda L: L.zeros(2, 2, 2).diag(),
    "diag_err_0d": lambda L: L.diag(L.tensor(1.0)),
    "diag_err_float_diagonal": lambda L: L.diag(M(L), 1.5),
    "diag_err_bool_diagonal": lambda L: L.diag(M(L), True),
    # unflatten
    "unflatten": lambda L: L.arange(24.0).requires_grad_().unflatten(0, (2, -1, 3)),
    "unflatten_negative_dim": lambda L: L.unflatten(M(L), -1, (2, 2)),
    "unflatten_list": lambda L: M(L).unflatten(0, [1, 3]),
    "unflatten_size": lambda L: M(L).unflatten(1, L.Size([4, 1])),
    "unflatten_one": lambda L: M(L).unflatten(1, (4,)),
    "unflatten_empty": lambda L: L.zeros(2, 0).unflatten(1, (2, -1)).shape,
    "unflatten_int": lambda L: I6(L).unflatten(1, (3, 1)),
    "unflatten_err_product": lambda L: L.zeros(2, 12).unflatten(1, (5, -1)),
    "unflatten_err_product_negative_dim": lambda L: L.zeros(2, 12).unflatten(-1, (5, 2)),
    "unflatten_err_product_zero": lambda L: L.zeros(2, 12).unflatten(1, (4, -1, 0)),
    "unflatten_err_two_inferred": lambda L: L.zeros(2, 12).unflatten(1, (-1, -1)),
    "unflatten_err_invalid_size": lambda L: L.zeros(2, 12).unflatten(1, (3, -2)),
    "unflatten_err_invalid_before_inferred": lambda L: L.zeros(2, 12).unflatten(1, (-2, -1, -1)),
    "unflatten_err_ambiguous": lambda L: L.zeros(2, 0).unflatten(1, (0, -1)),
    "unflatten_err_empty_sizes": lambda L: L.zeros(2, 12).unflatten(1, ()),
    "unflatten_err_dim_range": lambda L: L.zeros(2, 12).unflatten(2, (3, 4)),
    "unflatten_err_0d": lambda L: L.tensor(3.0).unflatten(0, (1,)),
    "unflatten_err_0d_negative": lambda L: L.tensor(3.0).unflatten(-1, (1,)),
    "unflatten_err_0d_range": lambda L: L.tensor(3.0).unflatten(1, (1,)),
    "unflatten_err_int_sizes": lambda L: L.zeros(2, 12).unflatten(1, 3),
    "unflatten_err_float_size": lambda L: L.zeros(2, 12).unflatten(1, (3.0, 4)),
    "unflatten_err_float_dim": lambda L: L.zeros(2, 3).unflatten(1.0, (3,)),
    # reshape and view share unflatten's rules for sizes, in PyTorch's order of checks
    "reshape_err_invalid_first": lambda L: L.zeros(6).reshape(-2, -1, -1),
    "reshape_err_two_inferred_first": lambda L: L.zeros(6).reshape(-1, -1, -2),
    "reshape_err_ambiguous": lambda L: L.zeros(0).reshape(0, -1),
    "view_inferred_empty": lambda L: L.zeros(0, 3).view(-1, 3).shape,
    # squeeze with a tuple of dims
    "squeeze_tuple": lambda L: L.zeros(1, 2, 1, 3, requires_grad=True).squeeze((0, 2)),
    "squeeze_tuple_negative": lambda L: L.squeeze(L.zeros(1, 2, 1, 3, requires_grad=True), (0, -2)),
    "squeeze_tuple_not_size_one": lambda L: L.ones(1, 2, 1, 3, requires_grad=True).squeeze((0, 1)),
    "squeeze_tuple_nothing": lambda L: L.ones(1, 2, 1, 3, requires_grad=True).squeeze((1,)),
    "squeeze_empty_tuple": lambda L: L.ones(1, 2, requires_grad=True).squeeze(()),
    "squeeze_list": lambda L: L.ones(1, 2, 1).squeeze([0]),
    "squeeze_keyword": lambda L: L.ones(1, 2, 1).squeeze(dim=(2, 0)).shape,
    "squeeze_0d_tuple": lambda L: L.tensor(3.0, requires_grad=True).squeeze((0,)),
    "squeeze_int_tensor_tuple": lambda L: L.tensor([[5]]).squeeze((0, 1)),
    "squeeze_err_repeated": lambda L: L.ones(1, 2, 1, 3).squeeze((0, 0)),
    "squeeze_err_repeated_negative": lambda L: L.ones(1, 2, 1, 3).squeeze((0, -4)),
    "squeeze_err_range": lambda L: L.ones(1, 2, 1, 3).squeeze((0, 4)),
    "squeeze_err_0d_repeated": lambda L: L.tensor(3.0).squeeze((0, -1)),
    "squeeze_err_float_in_tuple": lambda L: L.ones(1, 2).squeeze((0, 1.0)),
    # floor_divide, //
    "floordiv_float_tensor": lambda L: F(L) // L.tensor([2.0, -2, 2, -2, 1.5, -1.5, 0.5]),
    "floordiv_float_number": lambda L: F(L) // 2,
    "floordiv_float_negative_number": lambda L: F(L) // -1.5,
    "floordiv_int": lambda L: I6(L) // L.tensor([2, -2, 5]),
    "floordiv_int_number": lambda L: I6(L) // -2,
    "floordiv_int_by_float": lambda L: I6(L) // 2.5,
    "floordiv_int_by_float_tensor": lambda L: L.tensor([1, 2]) // L.tensor([0.0, 1.0]),
    "floordiv_int32_number": lambda L: L.tensor([5, -5], dtype=L.int32) // 2,
    "floordiv_broadcast": lambda L: I6(L) // L.tensor([[2], [-3]]),
    "floordiv_float_by_0d_float64": lambda L: (
        L.tensor([1.0, -2.0]) // L.tensor(2.0, dtype=L.float64)
    ),
    "rfloordiv": lambda L: 7 // F(L),
    "rfloordiv_int": lambda L: 7 // L.tensor([-7, 3, -2]),
    "floor_divide_fn": lambda L: L.floor_divide(F(L), 2),
    "floor_divide_fn_number_first": lambda L: L.floor_divide(7, F(L)),
    "floor_divide_fn_numbers": lambda L: L.floor_divide(7, 2),
    "floor_divide_method": lambda L: I6(L).floor_divide(L.tensor(3)),
    "floordiv_float_by_zero": lambda L: L.tensor([-1.0, 0, 1, math.nan, math.inf]) // 0,
    "floordiv_float_by_negative_zero": lambda L: L.tensor([-1.0, 0, 1, math.inf]) // -0.0,
    "floordiv_float_by_inf": lambda L: L.tensor([5.0, -5.0, 0.0]) // math.inf,
    "floordiv_int8_overflow": lambda L: L.tensor([-128, 5], dtype=L.int8) // -1,
    "floordiv_uint8": lambda L: L.tensor([200, 3], dtype=L.uint8) // 7,
    "floordiv_bool_by_number": lambda L: L.tensor([True, False]) // 2,
    "floordiv_err_int_by_zero": lambda L: I6(L) // 0,
    "floordiv_err_int_by_zero_tensor": lambda L: I6(L) // L.tensor([1, 0, 1]),
    "rfloordiv_err_by_zero": lambda L: 5 // L.tensor([0]),
    "rfloordiv_err_by_false": lambda L: 7 // L.tensor([True, False]),
    "floordiv_err_bool": lambda L: L.tensor([True]) // L.tensor([True]),
    "floordiv_err_bool_number": lambda L: L.tensor([True]) // True,
    "floor_divide_err_none": lambda L: L.floor_divide(F(L), None),
    "floordiv_err_str": lambda L: F(L) // "a",
    "rfloordiv_err_str": lambda L: "a" // F(L),
    # remainder, %
    "mod_float_tensor": lambda L: F(L) % L.tensor([2.0, -2, 2, -2, 1.5, -1.5, 0.5]),
    "mod_float_number": lambda L: F(L) % 2,
    "mod_float_negative_number": lambda L: F(L) % -1.5,
    "mod_signed_zeros": lambda L: L.tensor([-0.0, -2.0, 2.0, 0.0]) % L.tensor([2.0, 2, -2, -2]),
    "mod_int": lambda L: I6(L) % L.tensor([2, -2, 5]),
    "mod_int_number": lambda L: I6(L) % -3,
    "mod_int_by_float": lambda L: I6(L) % 2.5,
    "mod_int_by_true": lambda L: I6(L) % True,
    "mod_broadcast": lambda L: I6(L) % L.tensor([[2], [-3]]),
    "mod_0d_tensor": lambda L: F(L) % L.tensor(2.0),
    "rmod": lambda L: 7 % F(L),
    "rmod_float": lambda L: 7.5 % L.tensor([-7, 3]),
    "rmod_int": lambda L: 7 % L.tensor([-7, 3, -2]),
    "rmod_bool": lambda L: 5 % L.tensor([True]),
    "remainder_fn": lambda L: L.remainder(F(L), -2),
    "remainder_fn_number_first": lambda L: L.remainder(7, F(L)),
    "remainder_method": lambda L: I6(L).remainder(L.tensor([4, -4, 3])),
    "mod_float_by_zero": lambda L: L.tensor([-1.0, 0, 1, math.nan, math.inf]) % 0,
    "mod_float_by_inf": lambda L: L.tensor([5.0, -5.0]) % L.tensor([math.inf, math.inf]),
    "mod_float_by_negative_inf": lambda L: L.tensor([5.0, -5.0]) % -math.inf,
    "mod_uint8": lambda L: L.tensor([200, 3], dtype=L.uint8) % 7,
    "mod_float16": lambda L: L.tensor([5.5, -5.5], dtype=L.float16) % 2,
    "mod_err_int_by_zero": lambda L: I6(L) % 0,
    "rmod_err_by_zero": lambda L: 5 % L.tensor([0]),
    "mod_err_bool": lambda L: L.tensor([True]) % L.tensor([True]),
    "mod_err_bool_number": lambda L: L.tensor([True]) % True,
    "remainder_err_str": lambda L: L.remainder(F(L), "a"),
    "remainder_err_none": lambda L: L.remainder(F(L), None),
    "mod_err_none": lambda L: F(L) % None,
    # fmod
    "fmod_float_tensor": lambda L: L.fmod(F(L), L.tensor([2.0, -2, 2, -2, 1.5, -1.5, 0.5])),
    "fmod_float_number": lambda L: L.fmod(F(L), 2),
    "fmod_method_negative_number": lambda L: F(L).fmod(-1.5),
    "fmod_int": lambda L: L.fmod(I6(L), L.tensor([2, -2, 5])),
    "fmod_int_number": lambda L: I6(L).fmod(-2),
    "fmod_int_by_float": lambda L: L.fmod(I6(L), 2.5),
    "fmod_broadcast": lambda L: L.fmod(I6(L), L.tensor([[2], [-3]])),
    "fmod_float_by_zero": lambda L: L.fmod(L.tensor([-1.0, 0, 1, math.inf]), 0),
    "fmod_float_by_inf": lambda L: L.fmod(L.tensor([-5.0, 5.0]), math.inf),
    "fmod_int8_by_minus_one": lambda L: L.fmod(L.tensor([-128, 5], dtype=L.int8), -1),
    "fmod_err_int_by_zero": lambda L: L.fmod(I6(L), 0),
    "fmod_err_bool": lambda L: L.fmod(L.tensor([True]), L.tensor([True])),
    "fmod_err_number_first": lambda L: L.fmod(7, F(L)),
    "fmod_err_none": lambda L: L.fmod(F(L), None),
    "fmod_err_numbers": lambda L: L.fmod(7, 2),
}


@pytest.mark.parametrize("name", sorted(FORWARD))
def test_forward_matches_torch(name: str) -> None:
    assert_same_outcome(FORWARD[name])


def test_forward_cases_run() -> None:
    """The table exercises every new op without error somewhere (guards against a table
    whose every row only compares two identical errors)."""
    ok = {name for name, body in FORWARD.items() if outcome(body, minigrad)[0] == "ok"}
    for prefix in ("roll", "diag", "unflatten", "squeeze", "floordiv", "mod", "fmod", "rmod"):
        assert any(name.startswith(prefix + "_") for name in ok), prefix


def test_grad_fn_repr_and_name_of_no_derivative_node() -> None:
    """PyTorch prints ``<NotImplemented>`` but names the node ``torch::autograd::NotImplemented``."""
    for L in (torch, minigrad):
        out = F(L) // 2
        assert "grad_fn=<NotImplemented>" in repr(out)
        assert out.requires_grad
    assert (F(minigrad) // 2).grad_fn.name() == (F(torch) // 2).grad_fn.name()


# --------------------------------------------------------------------------------------------
# Values over many numbers: Python's own // and % and math.fmod as the reference
# --------------------------------------------------------------------------------------------

# (no float32 subnormals: PyTorch's vectorized fmod gives nan for 1 % 1e-45, numpy 0)
_FLOATS = st.floats(-1e3, 1e3, allow_nan=False, allow_infinity=False).filter(
    lambda v: v == 0 or abs(v) > 1e-30
)
_INTS = st.integers(-1000, 1000)


@settings(max_examples=40, deadline=None, derandomize=True, database=None)
@given(
    a=st.lists(_INTS, min_size=1, max_size=20),
    b=st.lists(_INTS.filter(bool), min_size=1, max_size=1),
)
def test_integer_division_is_pythons(a: list[int], b: list[int]) -> None:
    x = minigrad.tensor(a)
    assert (x // b[0]).tolist() == [v // b[0] for v in a]
    assert (x % b[0]).tolist() == [v % b[0] for v in a]
    assert minigrad.fmod(x, b[0]).tolist() == [int(math.fmod(v, b[0])) for v in a]
    assert (b[0] // x.clamp(min=1)).tolist() == [b[0] // max(v, 1) for v in a]


@settings(max_examples=40, deadline=None, derandomize=True, database=None)
@given(a=st.lists(_FLOATS, min_size=9, max_size=20), b=st.lists(_FLOATS, min_size=9, max_size=20))
def test_float_division_matches_torch(a: list[float], b: list[float]) -> None:
    """Long enough for PyTorch's vectorized loops; zeros and signed zeros included."""
    n = min(len(a), len(b))
    for dtype in ("float32", "float64"):
        ta = torch.tensor(a[:n], dtype=getattr(torch, dtype))
        tb = torch.tensor(b[:n], dtype=getattr(torch, dtype))
        ma = minigrad.tensor(a[:n], dtype=getattr(minigrad, dtype))
        mb = minigrad.tensor(b[:n], dtype=getattr(minigrad, dtype))
        for op in (lambda p, q: p // q, lambda p, q: p % q, lambda p, q: p.fmod(q)):
            expected, actual = op(ta, tb).numpy(), op(ma, mb).numpy()
            np.testing.assert_array_equal(actual, expected)  # nan where nan
            numbers = ~np.isnan(expected)  # (a nan's sign bit means nothing)
            np.testing.assert_array_equal(
                np.signbit(actual[numbers]), np.signbit(expected[numbers])
            )


# --------------------------------------------------------------------------------------------
# Gradients and graphs
# --------------------------------------------------------------------------------------------

RNG = np.random.default_rng(7)
A34 = RNG.uniform(-3, 3, (3, 4)).round(3) + 0.0005  # never on a jump of // and %
B4 = RNG.uniform(0.5, 2, (4,)).round(3) * np.array([1, -1, 1, -1])

GRADIENT: dict[str, tuple[list[np.ndarray], Callable[..., Any]]] = {
    "roll": ([A34], lambda L, a: a.roll(1)),
    "roll_dims": ([A34], lambda L, a: L.roll(a * 2, (-1, 5), (1, 0))),
    "diag_vector": ([B4], lambda L, a: L.diag(a, -1)),
    "diag_matrix": ([A34], lambda L, a: a.diag(1)),
    "diag_of_diag": ([A34], lambda L, a: a.diag().diag()),
    "unflatten": ([A34], lambda L, a: a.unflatten(1, (2, -1))),
    "unflatten_of_sum": ([A34], lambda L, a: (a + 1).unflatten(0, (1, 3, 1))),
    "squeeze_tuple": ([A34.reshape(1, 3, 1, 4)], lambda L, a: a.squeeze((0, 2, 3))),
    "squeeze_tuple_negative": ([A34.reshape(3, 1, 4, 1)], lambda L, a: L.squeeze(a * 1, (-1, -3))),
    "squeeze_tuple_nothing": ([A34], lambda L, a: a.squeeze((0,))),
    # (their gradients, too, are recorded as one unsqueeze per dimension put back)
    "squeeze_all": ([A34.reshape(1, 3, 1, 4)], lambda L, a: a.squeeze()),
    "squeeze_dim": ([A34.reshape(3, 1, 4)], lambda L, a: L.squeeze(a, -2)),
    "squeeze_dim_not_size_one": ([A34], lambda L, a: a.squeeze(0)),
    "remainder": ([A34, B4], lambda L, a, b: a % b),
    "remainder_broadcast": ([A34, B4[:1]], lambda L, a, b: L.remainder(b, a)),
    "remainder_number": ([A34], lambda L, a: a % -1.5),
    "remainder_0d_tensor": ([A34], lambda L, a: a.remainder(L.tensor(2.0))),
    "fmod": ([A34, B4], lambda L, a, b: L.fmod(a, b)),
    "fmod_number": ([A34], lambda L, a: a.fmod(2)),
    "remainder_in_place": ([A34, B4], lambda L, a, b: (a * 1).remainder_(b)),
    "mod_in_place_operator": ([A34], lambda L, a: _imod(a * 1, 2)),
    "fmod_in_place": ([A34, B4], lambda L, a, b: (a * 1).fmod_(b)),
}


def _imod(x: Any, other: Any) -> Any:
    x %= other
    return x


def _leaves(L: Any, arrays: list[np.ndarray]) -> list[Any]:
    return [L.tensor(a, dtype=L.float64, requires_grad=True) for a in arrays]


@pytest.mark.parametrize("name", sorted(GRADIENT))
def test_gradients_and_graph_match_torch(name: str) -> None:
    arrays, body = GRADIENT[name]
    results = {}
    for L in (torch, minigrad):
        xs = _leaves(L, arrays)
        out = body(L, *xs)
        weights = L.tensor(np.random.default_rng(3).uniform(-1, 1, tuple(out.shape)))
        signature = graph_signature(out, xs)
        out.backward(weights)
        results[L.__name__] = (out, signature, [x.grad for x in xs])
    (t_out, t_graph, t_grads), (m_out, m_graph, m_grads) = results.values()
    assert repr(m_out) == repr(t_out)
    assert m_graph == t_graph
    for actual, expected in zip(m_grads, t_grads):
        assert_close(actual, expected)


# (in place, PyTorch saves the old values as a clone (CloneBackward0 in the second graph);
# minigrad's in-place ops save a snapshot that keeps the old history, as for mul_ and div_)
OUT_OF_PLACE = sorted(name for name in GRADIENT if "in_place" not in name)


@pytest.mark.parametrize("name", OUT_OF_PLACE)
def test_second_derivative_graphs_match_torch(name: str) -> None:
    """The gradient recorded with create_graph=True: its graph and its own gradients."""
    arrays, body = GRADIENT[name]
    results = []
    for L in (torch, minigrad):
        xs = _leaves(L, arrays)
        out = body(L, *xs)
        v = L.tensor(np.random.default_rng(4).uniform(-1, 1, tuple(out.shape)), requires_grad=True)
        firsts = L.autograd.grad(out, xs, v, create_graph=True)
        graphs = [graph_signature(g, [*xs, v]) for g in firsts]
        total = sum((g * (i + 2)).sum() for i, g in enumerate(firsts))
        seconds = L.autograd.grad(total, [*xs, v], allow_unused=True)
        results.append((firsts, graphs, seconds))
    (t_firsts, t_graphs, t_seconds), (m_firsts, m_graphs, m_seconds) = results
    assert m_graphs == t_graphs
    for actual, expected in zip([*m_firsts, *m_seconds], [*t_firsts, *t_seconds]):
        assert_close(actual, expected)


NO_DERIVATIVE = {
    "floordiv": lambda L, x, y: x // y,
    "floordiv_number": lambda L, x, y: x // 2,
    "rfloordiv": lambda L, x, y: 7 // x,
    "floor_divide_fn": lambda L, x, y: L.floor_divide(y, x),
    "floordiv_in_place": lambda L, x, y: _ifloordiv(x * 1, y),
    "rmod": lambda L, x, y: 7 % x,
    "remainder_number_first": lambda L, x, y: L.remainder(3, y),
}


def _ifloordiv(x: Any, other: Any) -> Any:
    x //= other
    return x


@pytest.mark.parametrize("name", sorted(NO_DERIVATIVE))
def test_ops_without_derivative_match_torch(name: str) -> None:
    """Recorded as ``NotImplemented`` (an edge for each tensor given), and backward raises
    PyTorch's error."""
    body = NO_DERIVATIVE[name]

    def run(L: Any) -> tuple:
        x, y = _leaves(L, [A34[0], B4])
        out = body(L, x, y)
        result = (repr(out), graph_signature(out, [x, y]))
        return result + (outcome(lambda _: out.sum().backward(), L),)

    expected, actual = run(torch), run(minigrad)
    assert expected[2][0] == "RuntimeError"  # the comparison is of an error
    assert actual == expected


# --------------------------------------------------------------------------------------------
# Views, saved values, in place
# --------------------------------------------------------------------------------------------


def _view_facts(L: Any, body: Callable[[Any, Any], Any]) -> tuple:
    base = L.arange(12.0).reshape(1, 3, 4)
    out = body(L, base)
    shares = out._base is base
    out.view(-1)[0] = 100.0 if shares else 0.0  # a view writes through to its base
    return shares, out._is_view(), base.view(-1)[0].item(), tuple(out.shape)


@pytest.mark.parametrize(
    "body",
    [
        lambda L, t: t.unflatten(2, (2, 2)),
        lambda L, t: L.unflatten(t, -1, (4, 1)),
        lambda L, t: t.squeeze((0, 1)),
        lambda L, t: t.squeeze(()),
        lambda L, t: t[0].diag(1),  # diag of a matrix is a copy
    ],
    ids=["unflatten", "unflatten_fn", "squeeze_tuple", "squeeze_empty_tuple", "diag"],
)
def test_view_or_copy_as_in_torch(body: Callable) -> None:
    assert _view_facts(minigrad, body) == _view_facts(torch, body)


def test_unflatten_view_of_requires_grad_tensor() -> None:
    for L in (torch, minigrad):
        y = L.arange(24.0).requires_grad_()
        u = y.unflatten(0, (2, -1, 3))
        assert u._base is y and u._is_view()
        assert u.grad_fn.name() == "ViewBackward0"
        assert tuple(u.grad_fn._saved_self_sym_sizes) == (24,)


SAVED = {
    "roll": (lambda L, x: x.roll((1, 2), (0, 1)), ["shifts", "dims"]),
    # (positive shifts and dims: PyTorch shows a negative one saved as 2**64 - n)
    "roll_flattened": (lambda L, x: x.roll(3), ["shifts", "dims"]),
    "squeeze_tuple": (lambda L, x: x.unsqueeze(0).squeeze((0, 2)), ["dim", "self_sym_sizes"]),
    "diag_matrix": (lambda L, x: x.diag(1), ["offset", "dim1", "dim2", "self_sym_sizes"]),
    "diag_vector": (lambda L, x: x[0].diag(1), ["offset"]),  # (dim1, dim2: -2, -1 as 2**64 - n)
    "remainder_number": (lambda L, x: x % 2, []),
    "fmod_number": (lambda L, x: x.fmod(2), []),
}


@pytest.mark.parametrize("name", sorted(SAVED))
def test_saved_values_match_torch(name: str) -> None:
    """The same ``_saved_`` attributes, and the same values in those compared."""
    body, fields = SAVED[name]
    values = []
    for L in (torch, minigrad):
        node = body(L, L.tensor(A34, requires_grad=True)).grad_fn
        names = sorted(a for a in dir(node) if a.startswith("_saved_"))
        read = [getattr(node, f"_saved_{field}") for field in fields]
        values.append((names, [tuple(v) if isinstance(v, (tuple, list)) else v for v in read]))
    assert values[1] == values[0]


@pytest.mark.parametrize("op", ["remainder", "fmod"])
def test_saved_operands_only_when_the_divisor_wants_a_gradient(op: str) -> None:
    outcomes = []
    for L in (torch, minigrad):
        x, y = _leaves(L, [A34[0], B4])
        only_x = getattr(L, op)(x, y.detach()).grad_fn
        only_y = getattr(L, op)(x.detach(), y).grad_fn
        outcomes.append(
            (
                only_x._saved_self is None,
                only_x._saved_other is None,
                only_y._saved_self.tolist(),
                only_y._saved_other.tolist(),
                graph_signature(getattr(L, op)(x.detach(), y), [x, y]),
            )
        )
    assert outcomes[1] == outcomes[0]


IN_PLACE = {
    "ifloordiv_int": lambda L: _ifloordiv(L.tensor([-7, 3, 8]), 2),
    "imod_float": lambda L: _imod(L.tensor([-7.0, 3.0]), 2),
    "floor_divide_": lambda L: L.tensor([-7.0, 3.0]).floor_divide_(L.tensor([2.0, -2.0])),
    "remainder_": lambda L: L.tensor([-7, 3]).remainder_(-2),
    "fmod_": lambda L: L.tensor([-7.0, 3.0]).fmod_(2),
    "remainder_err_int_by_float": lambda L: L.tensor([-7, 3]).remainder_(2.5),
    "fmod_err_int_by_float": lambda L: L.tensor([-7, 3]).fmod_(2.5),
    "ifloordiv_err_int_by_float": lambda L: _ifloordiv(L.tensor([-7, 3]), 2.5),
    "imod_err_by_zero": lambda L: _imod(L.zeros(2, dtype=L.long), 0),
    "remainder_err_leaf": lambda L: L.ones(2, requires_grad=True).remainder_(2),
    "remainder_result": lambda L: (L.ones(2, requires_grad=True) * 3).remainder_(2),
    "ifloordiv_result": lambda L: _ifloordiv(L.ones(2, requires_grad=True) * 3, 2),
}


@pytest.mark.parametrize("name", sorted(IN_PLACE))
def test_in_place_matches_torch(name: str) -> None:
    assert_same_outcome(IN_PLACE[name])


def test_in_place_writes_into_the_same_tensor() -> None:
    for L in (torch, minigrad):
        x = L.tensor([-7, 3, 8])
        before = x
        x //= 2
        y = L.tensor([-7.0, 3.0])
        assert x is before and y.remainder_(2) is y and y.fmod_(0.75) is y
        assert x.tolist() == [-4, 1, 4]
        assert y.tolist() == [math.fmod(-7.0 % 2, 0.75), math.fmod(3.0 % 2, 0.75)]
