"""Lesson 5, *vector-Jacobian products*: vᵀJ predicted, and a derivative judged by
gradcheck."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

from minigrad.lessons._verdicts import is_unanswered, not_answered, right, wrong, your_code_raised
from minigrad.lessons.checks._judging import (
    SEEDS,
    as_numbers,
    check_prediction,
    known_mistake,
    random_tensor,
)


def lesson5_exercise1(torch: Any, my_a_grad: Any, my_b_grad: Any) -> None:
    """a.grad and b.grad after the tutorial's Q.backward(gradient=[0.5, 2.0])."""
    a = torch.tensor([2.0, 3.0], requires_grad=True)
    b = torch.tensor([6.0, 4.0], requires_grad=True)
    v = torch.tensor([0.5, 2.0])
    (3 * a**3 - b**2).backward(gradient=v)
    plain = "that is vᵀJ for v = [1., 1.]: here each element's derivative is weighed by its vᵢ"
    swapped = "vᵢ weighs row i of J: v₁ goes with Q₁, which depends on the first elements only"
    hint = "J is diagonal, so vᵀJ multiplies each vᵢ by the derivative of Qᵢ"
    a_, b_ = a.detach(), b.detach()
    check_prediction(
        torch,
        "a.grad",
        my_a_grad,
        a.grad,
        (
            (lambda: 9 * a_**2, plain),
            (lambda: 9 * a_**2 * v.flip(0), swapped),
        ),
        hint,
    )
    check_prediction(
        torch,
        "b.grad",
        my_b_grad,
        b.grad,
        (
            (lambda: -2 * b_, plain),
            (lambda: -2 * b_ * v.flip(0), swapped),
            (lambda: 2 * b_ * v, "mind the sign: Q subtracts b²"),
        ),
        hint,
    )


def lesson5_exercise2(torch: Any, my_derivative: Callable[..., Any]) -> None:
    """The derivative of f(x) = x·sin(x), judged by gradcheck at several random points."""
    part = "your derivative"
    hints = (
        (
            torch.cos,
            "that is the derivative of sin(x) alone: f is a product, x · sin(x), so "
            "use the product rule (uv)′ = u′v + uv′",
        ),
        (torch.sin, "that is (x)′ · sin(x): the product rule has a second term, x · (sin x)′"),
        (
            lambda x: x * torch.cos(x),
            "that is x · (sin x)′: the product rule has a first term, (x)′ · sin(x)",
        ),
        (
            lambda x: torch.sin(x) + torch.cos(x),
            "the second term of the product rule keeps its factor x",
        ),
        (lambda x: torch.sin(x) - x * torch.cos(x), "mind the sign: (sin x)′ = cos x"),
    )
    hint = "the product rule, (uv)′ = u′v + uv′, with u = x and v = sin(x)"
    if not callable(my_derivative):
        wrong(part, "this should be a function (def ...)", "keep the def line as it is")
        return
    for seed, size in zip(SEEDS, (3, 4, 5)):
        x = random_tensor(torch, random.Random(seed), size, requires_grad=True)
        try:
            mine = my_derivative(x.detach())
            if is_unanswered(mine):
                not_answered(part)
                return
            judged = torch.autograd.gradcheck(
                _with_backward(torch, my_derivative), (x,), raise_exception=False
            )
        except Exception as error:  # the learner's code
            wrong(part, your_code_raised(error), hint)
            return
        if not judged:
            numbers = as_numbers(torch, mine)
            known = None if numbers is None else known_mistake(torch, numbers, hints, x.detach())
            wrong(
                part,
                "gradcheck disagrees: your rule does not match the finite differences of f",
                known or hint,
            )
            return
    right(part, f"gradcheck agrees at {len(SEEDS)} random points")


def _with_backward(torch: Any, derivative: Callable[..., Any]) -> Callable[[Any], Any]:
    """x · sin(x) for the values, grad · derivative(x) for the backward pass (the lesson's
    with_backward)."""

    def function(x: Any) -> Any:
        frozen = x.detach()
        return frozen * torch.sin(frozen) + (x - frozen) * derivative(frozen)

    return function
