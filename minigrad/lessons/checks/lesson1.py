"""Lesson 1, *basic usage*: ∂P/∂a and ∂P/∂b as formulas, and a.grad and b.grad predicted."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

from minigrad.lessons.checks._judging import SEEDS, check_formula, check_prediction, random_tensor


def lesson1_exercise1(torch: Any, dP_da: Callable[..., Any], dP_db: Callable[..., Any]) -> None:
    """∂P/∂a and ∂P/∂b of P = a·b² − 2a, as formulas in a and b."""
    points_a, points_b = [], []
    for seed, size in zip(SEEDS, (3, 4, 5)):
        rng = random.Random(seed)
        a = random_tensor(torch, rng, size, requires_grad=True)
        b = random_tensor(torch, rng, size, requires_grad=True)
        (a * b**2 - 2 * a).sum().backward()
        points_a.append(((a.detach(), b.detach()), a.grad))
        points_b.append(((a.detach(), b.detach()), b.grad))
    check_formula(
        torch,
        "∂P/∂a",
        dP_da,
        points_a,
        (
            (lambda a, b: b**2, "−2a changes with a too: its derivative is not 0"),
            (lambda a, b: 2 * a * b, "that is ∂P/∂b; for ∂P/∂a treat b as a constant number"),
        ),
        "treat b as a constant number, and differentiate each term",
    )
    check_formula(
        torch,
        "∂P/∂b",
        dP_db,
        points_b,
        (
            (lambda a, b: 2 * b, "a multiplies b²: it stays, as a constant factor"),
            (lambda a, b: 2 * a * b - 2, "−2a does not change with b: its derivative is 0"),
            (lambda a, b: b**2 - 2, "that is ∂P/∂a; for ∂P/∂b treat a as a constant number"),
        ),
        "treat a as a constant number, and differentiate each term",
    )


def lesson1_exercise2(torch: Any, my_a_grad: Any, my_b_grad: Any) -> None:
    """a.grad and b.grad after the tutorial's Q.backward(gradient=[1., 0.])."""
    a = torch.tensor([2.0, 3.0], requires_grad=True)
    b = torch.tensor([6.0, 4.0], requires_grad=True)
    (3 * a**3 - b**2).backward(gradient=torch.tensor([1.0, 0.0]))
    both = "that is the gradient for gradient=[1., 1.]: here Q₂ counts 0 times"
    hint = "gradient=[1., 0.] makes the one number 1·Q₁ + 0·Q₂ = Q₁: what does Q₁ depend on?"
    check_prediction(
        torch,
        "a.grad",
        my_a_grad,
        a.grad,
        (
            (lambda: 9 * a.detach() ** 2, both),
            (lambda: b.grad, "that is b.grad: a.grad comes from 3a³"),
        ),
        hint,
    )
    check_prediction(
        torch,
        "b.grad",
        my_b_grad,
        b.grad,
        (
            (lambda: -2 * b.detach(), both),
            (lambda: a.grad, "that is a.grad: b.grad comes from −b²"),
            (lambda: -b.grad, "mind the sign: Q subtracts b²"),
        ),
        hint,
    )
