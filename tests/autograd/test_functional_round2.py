"""``autograd.functional`` against PyTorch: ``jvp``, ``vjp``, ``hvp``, ``vhp``, and
``jacobian`` / ``hessian`` with ``strict``, ``vectorize`` and ``strategy``.

Each case runs one body with ``L = torch`` and with ``L = minigrad`` and compares what comes
out: the structure of the returned tuples, dtypes, shapes, values, whether each result has a
``grad_fn``, or the error's type and message.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import minigrad

torch = pytest.importorskip("torch")


def outcome(body: Callable[[Any], Any], L: Any) -> Any:
    """The result, summarised (nested tuples kept), or (exception type name, message)."""
    try:
        return summary(body(L))
    except Exception as error:  # noqa: BLE001 - any exception is an outcome to compare
        return ("raised", type(error).__name__, str(error))


def summary(value: Any) -> Any:
    if isinstance(value, (tuple, list)):
        return (type(value).__name__, tuple(summary(item) for item in value))
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return (
        str(value.dtype),
        tuple(value.shape),
        value.requires_grad,
        value.grad_fn is not None,
        np.asarray(value.detach().numpy(), dtype=np.float64),
    )


def assert_same(expected: Any, actual: Any) -> None:
    if isinstance(expected, np.ndarray):
        np.testing.assert_allclose(actual, expected, rtol=1e-10, atol=1e-12)
    elif isinstance(expected, tuple):
        assert isinstance(actual, tuple) and len(actual) == len(expected), (actual, expected)
        for e, a in zip(expected, actual):
            assert_same(e, a)
    else:
        assert actual == expected


def check(body: Callable[[Any], Any]) -> Any:
    """Run ``body`` on both libraries and compare; the torch outcome, for extra checks."""
    expected = outcome(body, torch)
    assert_same(expected, outcome(body, minigrad))
    return expected


def x_of(L: Any, values: Any = (0.5, -1.25, 2.0), requires_grad: bool = False) -> Any:
    return L.tensor(list(values), dtype=L.float64, requires_grad=requires_grad)


def cube(L: Any) -> Callable[[Any], Any]:
    return lambda t: (t**3).sum()


# -- jvp ---------------------------------------------------------------------------------------

JVP_CASES = {
    "one_input_one_output": lambda L: L.autograd.functional.jvp(
        lambda t: t.sin() * t, x_of(L), x_of(L, (1.0, 2.0, 3.0))
    ),
    "two_inputs_two_outputs": lambda L: L.autograd.functional.jvp(
        lambda a, b: (a * b, (a.exp() + b).sum()),
        (x_of(L), x_of(L, (3.0, 4.0, 5.0))),
        (x_of(L, (1.0, 0.0, -1.0)), x_of(L, (0.5, 0.5, 0.5))),
    ),
    "scalar_input_v_none": lambda L: L.autograd.functional.jvp(
        lambda t: t**2 * 3, L.tensor(2.0, dtype=L.float64)
    ),
    "output_independent_of_input_is_zero": lambda L: L.autograd.functional.jvp(
        lambda t: L.ones(2, dtype=L.float64), x_of(L), x_of(L)
    ),
    "identity": lambda L: L.autograd.functional.jvp(lambda t: t, x_of(L), x_of(L)),
    "create_graph_with_input_requiring_grad": lambda L: L.autograd.functional.jvp(
        lambda t: t**3, x_of(L, requires_grad=True), x_of(L), create_graph=True
    ),
    "create_graph_without": lambda L: L.autograd.functional.jvp(
        lambda t: t * 2, x_of(L), x_of(L), create_graph=True
    ),
    "v_wrong_size": lambda L: L.autograd.functional.jvp(lambda t: t, x_of(L), L.ones(2)),
    "v_tuple_entry_wrong_size": lambda L: L.autograd.functional.jvp(
        lambda a, b: a + b, (x_of(L), x_of(L)), (x_of(L), L.ones(4, dtype=L.float64))
    ),
    "v_tuple_wrong_length": lambda L: L.autograd.functional.jvp(
        lambda a, b: a + b, (x_of(L), x_of(L)), (x_of(L),)
    ),
    "v_single_for_tuple_of_one": lambda L: L.autograd.functional.jvp(
        lambda a: a, x_of(L), (x_of(L), x_of(L))
    ),
    "v_none_not_scalar": lambda L: L.autograd.functional.jvp(lambda t: t, x_of(L)),
    "input_a_list": lambda L: L.autograd.functional.jvp(lambda t: t, [x_of(L)], x_of(L)),
    "input_not_a_tensor": lambda L: L.autograd.functional.jvp(lambda t: t, (x_of(L), 3), x_of(L)),
    "output_not_a_tensor": lambda L: L.autograd.functional.jvp(lambda t: 3.0, x_of(L), x_of(L)),
    "strict_output_independent": lambda L: L.autograd.functional.jvp(
        lambda t: L.ones(2, dtype=L.float64), x_of(L), x_of(L), strict=True
    ),
    "strict_fine": lambda L: L.autograd.functional.jvp(
        lambda t: t * t, x_of(L), x_of(L), strict=True
    ),
}


@pytest.mark.parametrize("case", sorted(JVP_CASES))
def test_jvp(case: str) -> None:
    check(JVP_CASES[case])


def test_jvp_is_j_times_v() -> None:
    """Against the Jacobian computed by hand: d(sin(x)·x)/dx = cos(x)·x + sin(x)."""
    x, v = np.array([0.5, -1.25, 2.0]), np.array([1.0, 2.0, 3.0])
    _, jv = minigrad.autograd.functional.jvp(
        lambda t: t.sin() * t, minigrad.tensor(x), minigrad.tensor(v)
    )
    np.testing.assert_allclose(jv.numpy(), (np.cos(x) * x + np.sin(x)) * v, rtol=1e-12)


# -- vjp ---------------------------------------------------------------------------------------

VJP_CASES = {
    "tuple_outputs": lambda L: L.autograd.functional.vjp(
        lambda a: (a * 2, a.sum()), x_of(L), (x_of(L), L.tensor(3.0, dtype=L.float64))
    ),
    "v_none_scalar_output": lambda L: L.autograd.functional.vjp(cube(L), x_of(L)),
    "v_none_not_scalar": lambda L: L.autograd.functional.vjp(lambda t: t * 2, x_of(L)),
    "v_wrong_size": lambda L: L.autograd.functional.vjp(lambda t: t * 2, x_of(L), L.ones(2)),
    "strict_unused_input": lambda L: L.autograd.functional.vjp(
        lambda a, b: a * 2, (x_of(L), x_of(L)), x_of(L), strict=True
    ),
    "unused_input_is_zero": lambda L: L.autograd.functional.vjp(
        lambda a, b: a * 2, (x_of(L), x_of(L)), x_of(L)
    ),
    "create_graph": lambda L: L.autograd.functional.vjp(
        lambda t: t**2, x_of(L, requires_grad=True), x_of(L), create_graph=True
    ),
}


@pytest.mark.parametrize("case", sorted(VJP_CASES))
def test_vjp(case: str) -> None:
    check(VJP_CASES[case])


# -- hvp and vhp -------------------------------------------------------------------------------


def quartic(L: Any) -> Callable[..., Any]:
    return lambda a, b: (a**2 * b.sum() + (a * b).exp()).sum()


def hessian_vector_cases(name: str) -> dict[str, Callable[[Any], Any]]:
    def fn(L: Any) -> Callable[..., Any]:
        return getattr(L.autograd.functional, name)

    return {
        "one_input": lambda L: fn(L)(cube(L), x_of(L), x_of(L, (1.0, -1.0, 0.5))),
        "two_inputs": lambda L: fn(L)(
            quartic(L), (x_of(L), x_of(L, (0.1, 0.2, 0.3))), (x_of(L), x_of(L))
        ),
        "scalar_input_v_none": lambda L: fn(L)(lambda t: t**4, L.tensor(1.5, dtype=L.float64)),
        "linear_is_zero": lambda L: fn(L)(lambda t: (t * 2).sum(), x_of(L), x_of(L)),
        "strict_linear": lambda L: fn(L)(lambda t: (t * 2).sum(), x_of(L), x_of(L), strict=True),
        "strict_quadratic": lambda L: fn(L)(lambda t: (t * t).sum(), x_of(L), x_of(L), strict=True),
        "returns_tuple": lambda L: fn(L)(lambda t: (t.sum(), t.sum()), x_of(L), x_of(L)),
        "returns_several_elements": lambda L: fn(L)(lambda t: t * t, x_of(L), x_of(L)),
        "v_none_not_scalar": lambda L: fn(L)(cube(L), x_of(L)),
        "v_wrong_size": lambda L: fn(L)(cube(L), x_of(L), L.ones(5, dtype=L.float64)),
        "create_graph": lambda L: fn(L)(
            cube(L), x_of(L, requires_grad=True), x_of(L), create_graph=True
        ),
        "create_graph_input_without_grad": lambda L: fn(L)(
            cube(L), x_of(L), x_of(L), create_graph=True
        ),
    }


HVP_CASES = hessian_vector_cases("hvp")
VHP_CASES = hessian_vector_cases("vhp")


@pytest.mark.parametrize("case", sorted(HVP_CASES))
def test_hvp(case: str) -> None:
    check(HVP_CASES[case])


@pytest.mark.parametrize("case", sorted(VHP_CASES))
def test_vhp(case: str) -> None:
    check(VHP_CASES[case])


def test_hvp_is_hessian_times_v() -> None:
    """(x³).sum() has the Hessian diag(6x): H·v = 6·x·v."""
    x, v = np.array([0.5, -1.25, 2.0]), np.array([1.0, -1.0, 0.5])
    out, hv = minigrad.autograd.functional.hvp(
        lambda t: (t**3).sum(), minigrad.tensor(x), minigrad.tensor(v)
    )
    assert out.item() == pytest.approx((x**3).sum())
    np.testing.assert_allclose(hv.numpy(), 6 * x * v, rtol=1e-12)


def test_create_graph_results_lead_back_to_the_input() -> None:
    """With create_graph, differentiating the result again reaches the input, as in torch."""

    def body(L: Any) -> Any:
        F = L.autograd.functional
        found = []
        for make in (
            lambda x: F.jvp(lambda t: t**3, x, x_of(L), create_graph=True)[1],
            lambda x: F.hvp(cube(L), x, x_of(L), create_graph=True)[1],
            lambda x: F.vhp(cube(L), x, x_of(L), create_graph=True)[1],
        ):
            x = x_of(L, requires_grad=True)
            make(x).sum().backward()
            found.append(x.grad)
        return found

    check(body)


# -- jacobian and hessian ----------------------------------------------------------------------

JACOBIAN_CASES = {
    "vectorize": lambda L: L.autograd.functional.jacobian(
        lambda a, b: (a * b, a.sum()), (x_of(L), x_of(L)), vectorize=True
    ),
    "forward_mode_vectorized": lambda L: L.autograd.functional.jacobian(
        lambda a: a.exp() * a, x_of(L), vectorize=True, strategy="forward-mode"
    ),
    "forward_mode_not_vectorized": lambda L: L.autograd.functional.jacobian(
        lambda a: a * 2, x_of(L), strategy="forward-mode"
    ),
    "forward_mode_create_graph": lambda L: L.autograd.functional.jacobian(
        lambda a: a * 2, x_of(L), create_graph=True, strategy="forward-mode", vectorize=True
    ),
    "forward_mode_strict": lambda L: L.autograd.functional.jacobian(
        lambda a: a * 2, x_of(L), strict=True, strategy="forward-mode", vectorize=True
    ),
    "unknown_strategy": lambda L: L.autograd.functional.jacobian(
        lambda a: a, x_of(L), strategy="sideways"
    ),
    "strict_and_vectorize": lambda L: L.autograd.functional.jacobian(
        lambda a: a * 2, x_of(L), strict=True, vectorize=True
    ),
    "strict_output_without_grad": lambda L: L.autograd.functional.jacobian(
        lambda a: L.ones(2), x_of(L), strict=True
    ),
    "strict_input_unused": lambda L: L.autograd.functional.jacobian(
        lambda a, b: a * 2, (x_of(L), x_of(L)), strict=True
    ),
    "strict_linear_create_graph": lambda L: L.autograd.functional.jacobian(
        lambda a: a * 2, x_of(L), create_graph=True, strict=True
    ),
    "strict_fine": lambda L: L.autograd.functional.jacobian(
        lambda a: a * a, x_of(L, requires_grad=True), create_graph=True, strict=True
    ),
    "create_graph": lambda L: L.autograd.functional.jacobian(
        lambda a, b: (a * b, b.exp()),
        (x_of(L, requires_grad=True), x_of(L)),
        create_graph=True,
    ),
    "output_not_a_tensor": lambda L: L.autograd.functional.jacobian(lambda a: 3, x_of(L)),
    "input_a_list": lambda L: L.autograd.functional.jacobian(lambda a: a, [x_of(L)]),
}


@pytest.mark.parametrize("case", sorted(JACOBIAN_CASES))
def test_jacobian(case: str) -> None:
    check(JACOBIAN_CASES[case])


HESSIAN_CASES = {
    "two_inputs": lambda L: L.autograd.functional.hessian(
        quartic(L), (x_of(L), x_of(L, (0.1, 0.2, 0.3)))
    ),
    "vectorize": lambda L: L.autograd.functional.hessian(cube(L), x_of(L), vectorize=True),
    "outer_forward_mode": lambda L: L.autograd.functional.hessian(
        cube(L), x_of(L), vectorize=True, outer_jacobian_strategy="forward-mode"
    ),
    "outer_forward_mode_not_vectorized": lambda L: L.autograd.functional.hessian(
        cube(L), x_of(L), outer_jacobian_strategy="forward-mode"
    ),
    "unknown_strategy": lambda L: L.autograd.functional.hessian(
        cube(L), x_of(L), outer_jacobian_strategy="sideways"
    ),
    "strict_linear": lambda L: L.autograd.functional.hessian(
        lambda t: (t * 2).sum(), x_of(L), strict=True
    ),
    "strict_quadratic": lambda L: L.autograd.functional.hessian(
        lambda t: (t * t).sum(), x_of(L), strict=True
    ),
    "strict_input_unused": lambda L: L.autograd.functional.hessian(
        lambda a, b: (a**3).sum(), (x_of(L), x_of(L)), strict=True
    ),
    "returns_several_elements": lambda L: L.autograd.functional.hessian(lambda t: t * t, x_of(L)),
    "returns_tuple": lambda L: L.autograd.functional.hessian(lambda t: (t.sum(),), x_of(L)),
    "create_graph": lambda L: L.autograd.functional.hessian(
        cube(L), x_of(L, requires_grad=True), create_graph=True
    ),
    "input_a_list": lambda L: L.autograd.functional.hessian(cube(L), [x_of(L)]),
}


@pytest.mark.parametrize("case", sorted(HESSIAN_CASES))
def test_hessian(case: str) -> None:
    check(HESSIAN_CASES[case])


def test_hessian_of_a_cubic_by_math() -> None:
    """(x³).sum() · x₀ has the Hessian from its formula, whichever route computes it."""
    x = np.array([0.5, -1.25, 2.0])
    expected = np.diag(6 * x * x[0])
    expected[0, :] += 3 * x**2
    expected[:, 0] += 3 * x**2
    for options in (
        {},
        {"vectorize": True},
        {"vectorize": True, "outer_jacobian_strategy": "forward-mode"},
    ):
        found = minigrad.autograd.functional.hessian(
            lambda t: (t**3).sum() * t[0], minigrad.tensor(x), **options
        )
        np.testing.assert_allclose(found.detach().numpy(), expected, rtol=1e-12)
