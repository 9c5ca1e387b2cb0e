"""``gradcheck`` with several outputs and PyTorch's keywords, and ``gradgradcheck``, against
PyTorch: the same verdicts, the same errors and failure messages. Ops with a deliberately
wrong backward are defined for both libraries, and the checks must reject them."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import minigrad

torch = pytest.importorskip("torch")


def _detached(value: Any) -> Any:
    """A saved value without history (a plain array in a backward pass without create_graph)."""
    return value.detach() if hasattr(value, "detach") else value


class SquareFlatSecond(minigrad.autograd.function.Function):
    """x²: a right first derivative, computed so that its own derivative is lost."""

    formula = "self²"
    rules = ("grad · 2·self, detached (so the second derivative is wrong)",)
    saved = ("self",)

    @staticmethod
    def forward(a: np.ndarray) -> np.ndarray:
        return a * a

    def backward(self, grad: Any, a: Any) -> Any:
        return grad * 2 * _detached(a)


class DoubleInsteadOfIdentity(minigrad.autograd.function.Function):
    formula = "self"
    rules = ("2 · grad (wrong on purpose)",)

    @staticmethod
    def forward(a: np.ndarray) -> np.ndarray:
        return a.copy()

    def backward(self, grad: Any) -> Any:
        return grad * 2


class SlightlyOff(minigrad.autograd.function.Function):
    formula = "self"
    rules = ("grad · (1 + 1e-4) (wrong, by a little)",)

    @staticmethod
    def forward(a: np.ndarray) -> np.ndarray:
        return a.copy()

    def backward(self, grad: Any) -> Any:
        return grad * (1 + 1e-4)


class NotMultipliedByGrad(minigrad.autograd.function.Function):
    formula = "2 · self"
    rules = ("2 · grad, but 1 for a zero grad (wrong on purpose)",)

    @staticmethod
    def forward(a: np.ndarray) -> np.ndarray:
        return a * 2

    def backward(self, grad: Any) -> Any:
        return grad * 2 + 1 if not (grad != 0).any() else grad * 2


class TorchSquareFlatSecond(torch.autograd.Function):
    @staticmethod
    def forward(ctx: Any, x: Any) -> Any:
        ctx.save_for_backward(x)
        return x * x

    @staticmethod
    def backward(ctx: Any, grad: Any) -> Any:
        (x,) = ctx.saved_tensors
        return grad * 2 * x.detach()


class TorchDoubleInsteadOfIdentity(torch.autograd.Function):
    @staticmethod
    def forward(ctx: Any, x: Any) -> Any:
        return x.clone()

    @staticmethod
    def backward(ctx: Any, grad: Any) -> Any:
        return grad * 2


class TorchSlightlyOff(torch.autograd.Function):
    @staticmethod
    def forward(ctx: Any, x: Any) -> Any:
        return x.clone()

    @staticmethod
    def backward(ctx: Any, grad: Any) -> Any:
        return grad * (1 + 1e-4)


class TorchNotMultipliedByGrad(torch.autograd.Function):
    @staticmethod
    def forward(ctx: Any, x: Any) -> Any:
        return x * 2

    @staticmethod
    def backward(ctx: Any, grad: Any) -> Any:
        return grad * 2 + 1 if not (grad != 0).any() else grad * 2


WRONG = {
    torch: {
        "flat_second": TorchSquareFlatSecond.apply,
        "double": TorchDoubleInsteadOfIdentity.apply,
        "slightly_off": TorchSlightlyOff.apply,
        "not_multiplied": TorchNotMultipliedByGrad.apply,
    },
    minigrad: {
        "flat_second": SquareFlatSecond.apply,
        "double": DoubleInsteadOfIdentity.apply,
        "slightly_off": SlightlyOff.apply,
        "not_multiplied": NotMultipliedByGrad.apply,
    },
}


def outcome(body: Callable[[Any], Any], L: Any) -> tuple:
    try:
        return ("ok", body(L))
    except Exception as error:  # noqa: BLE001 - any exception is an outcome to compare
        return (type(error).__name__, str(error), isinstance(error, RuntimeError))


def check(body: Callable[[Any], Any]) -> tuple:
    expected = outcome(body, torch)
    assert outcome(body, minigrad) == expected
    return expected


def x_of(L: Any, values: Any = (0.5, -1.25, 2.0), dtype: str = "float64") -> Any:
    return L.tensor(list(values), dtype=getattr(L, dtype), requires_grad=True)


def gradcheck_of(name: str, **options: Any) -> Callable[[Any], Any]:
    return lambda L: L.autograd.gradcheck(WRONG[L][name], (x_of(L),), **options)


CASES = {
    "several_outputs": lambda L: L.autograd.gradcheck(
        lambda a, b: (a * b, (a.exp() * b).sum(), b.sin()), (x_of(L), x_of(L, (1.0, 2.0, 3.0)))
    ),
    "a_list_of_inputs_and_of_outputs": lambda L: L.autograd.gradcheck(
        lambda a: [a * 2, a**2], [x_of(L)]
    ),
    "one_tensor_as_inputs": lambda L: L.autograd.gradcheck(lambda a: a.tanh(), x_of(L)),
    "an_input_without_grad": lambda L: L.autograd.gradcheck(
        lambda a, b: a * b, (x_of(L), L.tensor([1.0, 2.0, 3.0], dtype=L.float64))
    ),
    "an_output_without_grad": lambda L: L.autograd.gradcheck(
        lambda a: (a.detach() * 0 + 1, a.cos()), (x_of(L),)
    ),
    "no_output_with_grad": lambda L: L.autograd.gradcheck(lambda a: (a > 0).double(), (x_of(L),)),
    "no_output_with_grad_but_changing": lambda L: L.autograd.gradcheck(
        lambda a: a.detach() * 2, (x_of(L),)
    ),
    "no_input_requires_grad": lambda L: L.autograd.gradcheck(
        lambda a: a * 2, (L.ones(2, dtype=L.float64),)
    ),
    "wrong_backward": gradcheck_of("double"),
    "wrong_backward_no_raise": gradcheck_of("double", raise_exception=False),
    "wrong_backward_on_the_second_output": lambda L: L.autograd.gradcheck(
        lambda a: (a * 3, WRONG[L]["double"](a)), (x_of(L),)
    ),
    "wrong_backward_second_input": lambda L: L.autograd.gradcheck(
        lambda a, b: a * WRONG[L]["double"](b), (x_of(L), x_of(L, (1.0, 2.0, 3.0)))
    ),
    "slightly_off_default_tolerances": gradcheck_of("slightly_off"),
    "slightly_off_tight_tolerances": gradcheck_of("slightly_off", rtol=1e-6, atol=0.0),
    "slightly_off_loose_atol": gradcheck_of("slightly_off", rtol=0.0, atol=1e-3),
    "not_multiplied_by_grad_output": gradcheck_of("not_multiplied"),
    "flat_second_passes_gradcheck": gradcheck_of("flat_second"),
    "keywords_accepted": gradcheck_of(
        "flat_second", eps=1e-7, nondet_tol=1e-12, check_undefined_grad=False, fast_mode=True
    ),
    "keywords_accepted_wrong": gradcheck_of(
        "double", check_undefined_grad=False, check_grad_dtypes=True, masked=False
    ),
    "no_ad_checked": gradcheck_of("double", check_backward_ad=False),
    "batched_without_backward": gradcheck_of(
        "double", check_batched_grad=True, check_backward_ad=False, check_forward_ad=True
    ),
    "returns_a_number": lambda L: L.autograd.gradcheck(lambda a: 3.0, (x_of(L),)),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_gradcheck(case: str) -> None:
    check(CASES[case])


def test_a_wrong_backward_is_rejected_with_torchs_message() -> None:
    kind, message, is_runtime_error = check(gradcheck_of("double"))
    assert (kind, is_runtime_error) == ("GradcheckError", True)
    assert message.startswith("Jacobian mismatch for output 0 with respect to input 0,\n")
    assert check(gradcheck_of("double", raise_exception=False)) == ("ok", False)


def test_warning_for_single_precision_inputs() -> None:
    said = {}
    for L in (torch, minigrad):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            L.autograd.gradcheck(lambda a: a * 2, (x_of(L, dtype="float32"),), atol=0.5)
        said[L] = [str(w.message) for w in caught if "double precision" in str(w.message)]
    assert said[minigrad] == said[torch] and len(said[torch]) == 1


GRADGRAD_CASES = {
    "right": lambda L: L.autograd.gradgradcheck(lambda a: (a**3).sin(), (x_of(L),)),
    "several_outputs": lambda L: L.autograd.gradgradcheck(
        lambda a, b: (a * b * b, (a.exp() * b).sum()), (x_of(L), x_of(L, (1.0, 2.0, 3.0)))
    ),
    "given_grad_outputs": lambda L: L.autograd.gradgradcheck(
        lambda a: a**3, (x_of(L),), (L.tensor([0.3, -0.7, 0.9], dtype=L.float64),)
    ),
    "wrong_second_derivative": lambda L: L.autograd.gradgradcheck(
        WRONG[L]["flat_second"],
        (x_of(L),),
        (L.tensor([0.5, 1.0, -1.0], dtype=L.float64, requires_grad=True),),
    ),
    "wrong_second_derivative_no_raise": lambda L: L.autograd.gradgradcheck(
        WRONG[L]["flat_second"], (x_of(L),), raise_exception=False
    ),
    "wrong_first_derivative": lambda L: L.autograd.gradgradcheck(
        lambda a: WRONG[L]["double"](a) ** 2,
        (x_of(L),),
        (L.tensor([0.5, 1.0, -1.0], dtype=L.float64, requires_grad=True),),
    ),
    "no_check": lambda L: L.autograd.gradgradcheck(
        lambda a: a**3, (x_of(L),), check_rev_over_rev=False
    ),
    "undefined_without_rev_over_rev": lambda L: L.autograd.gradgradcheck(
        lambda a: a**3, (x_of(L),), check_rev_over_rev=False, check_fwd_over_rev=True
    ),
    "keywords_accepted": lambda L: L.autograd.gradgradcheck(
        lambda a: a**3,
        (x_of(L),),
        gen_non_contig_grad_outputs=True,
        nondet_tol=1e-12,
        check_undefined_grad=False,
        fast_mode=True,
    ),
}


@pytest.mark.parametrize("case", sorted(GRADGRAD_CASES))
def test_gradgradcheck(case: str) -> None:
    check(GRADGRAD_CASES[case])


def test_gradgradcheck_rejects_a_wrong_second_derivative_that_gradcheck_accepts() -> None:
    assert check(gradcheck_of("flat_second")) == ("ok", True)
    kind, message, _ = check(GRADGRAD_CASES["wrong_second_derivative"])
    assert kind == "GradcheckError" and message.startswith("Jacobian mismatch for output 0")
    assert check(GRADGRAD_CASES["wrong_second_derivative_no_raise"]) == ("ok", False)


def test_where_gradgradcheck_lives() -> None:
    """``torch.autograd.gradgradcheck`` exists; ``torch.autograd.gradcheck`` is the function,
    so there is no ``torch.autograd.gradcheck.gradgradcheck`` in either."""
    for L in (torch, minigrad):
        assert callable(L.autograd.gradgradcheck)
        assert not hasattr(L.autograd.gradcheck, "gradgradcheck")
