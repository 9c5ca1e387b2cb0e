"""Lesson 6, exercise 1: a gradient by finite differences, without autograd."""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType
from typing import Any

from minigrad.lessons._verdicts import RIGHT, close, not_answered
from minigrad.lessons.write_backward._running import run_without_autograd
from minigrad.lessons.write_backward._speaking import raised, shape_problem, shortcut, wrong
from minigrad.lessons.write_backward.graphs import random_vector

FINITE_DIFFERENCE_FUNCTIONS: list[tuple[str, Callable[[Any], Any]]] = [
    ("(3·x³).sum()", lambda x: (3 * x**3).sum()),
    ("(x · sin x).sum()", lambda x: (x * x.sin()).sum()),
    ("x.exp().sum().log()", lambda x: x.exp().sum().log()),
    ("(x[:-1] · x[1:]).sum()", lambda x: (x[:-1] * x[1:]).sum()),
]


def _check_finite_difference(
    finite_difference_gradient: Callable[..., Any], torch: ModuleType
) -> bool:
    """Check ``finite_difference_gradient(f, x)``: one forward difference (f(x + h·eᵢ) − f(x))/h
    per entry of the 1-D tensor ``x``, without autograd, leaving ``x`` as it was."""
    for seed, (title, f) in enumerate(FINITE_DIFFERENCE_FUNCTIONS):
        x = random_vector(torch, size=3 + seed, seed=100 + seed)
        if not _check_finite_difference_of(finite_difference_gradient, torch, title, f, x):
            return False
    print(f"{RIGHT} finite_difference_gradient agrees with autograd to 4 decimals, on "
          f"{len(FINITE_DIFFERENCE_FUNCTIONS)} functions at random points")
    return True


def _check_finite_difference_of(finite_difference_gradient: Callable[..., Any],
                                torch: ModuleType, title: str, f: Callable[[Any], Any],
                                x: Any) -> bool:
    """The check for one function ``f`` (written ``title``) at ``x``: False once a problem is
    reported, True when the learner's gradient agrees with autograd's."""
    what = "finite_difference_gradient"
    original = x.clone()
    attempt = run_without_autograd(torch, finite_difference_gradient, f, x)
    if attempt.error is not None:
        return raised(what, f"f(x) = {title}", attempt.error,
                       "build the result with torch operations on x and f(x)")
    if attempt.shortcuts:
        return shortcut(what, attempt.shortcuts, "nudge x and call f: no autograd here")
    mine = attempt.result
    if mine is ...:
        return not_answered(what, "code")
    if not torch.equal(x, original):
        return wrong(what, f"it changed x (f(x) = {title})",
                      "nudge a copy (x.clone()), so that x stays as it was")
    expected = _autograd_gradient(f, original)
    problem = shape_problem(mine, expected, torch, "x")
    if problem:
        return wrong(what, problem,
                      "return a tensor shaped like x: fill torch.zeros_like(x) entry by entry")
    if close(torch, mine, expected, rtol=1e-4, atol=1e-4):
        return True
    return wrong(what, f"it is off for f(x) = {title}",
                  _finite_difference_hint(mine, expected, torch))


def _finite_difference_hint(mine: Any, expected: Any, torch: ModuleType) -> str:
    """The hint for a finite-difference gradient ``mine`` that is off: the mistake it shows."""
    if mine.numel() > 1 and bool((mine == mine[0]).all()):
        return "every entry came out the same: nudge one entry at a time, not all of x at once"
    if close(torch, mine[:1], expected[:1], rtol=1e-4, atol=1e-4):
        return ("the first entry is right, the next are not: each nudge starts from the "
                "original x, so undo the last nudge (or start from a fresh copy)")
    return "(f(x + h·eᵢ) − f(x)) / h: nudge entry i alone, by h, and divide by h"


def _autograd_gradient(f: Callable[[Any], Any], x: Any) -> Any:
    """The gradient of ``f`` at ``x`` as autograd computes it (``x`` itself is left alone)."""
    x = x.detach().clone().requires_grad_(True)
    f(x).backward()
    return x.grad


def check_finite_difference(finite_difference_gradient: Callable[..., Any],
                            torch: ModuleType) -> None:
    """Exercise 1: check ``finite_difference_gradient(f, x)``, the forward difference
    (f(x + h·eᵢ) − f(x))/h for every entry of a 1-D ``x``, computed without autograd."""
    _check_finite_difference(finite_difference_gradient, torch)
