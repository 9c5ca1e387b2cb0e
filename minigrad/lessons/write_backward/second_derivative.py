"""Lesson 6, exercise 4: a second derivative, by autograd twice."""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType
from typing import Any

from minigrad.lessons._verdicts import RIGHT, close, not_answered
from minigrad.lessons.write_backward._speaking import raised, shape_problem, wrong
from minigrad.lessons.write_backward.graphs import random_vector

SECOND_DERIVATIVE_FUNCTIONS: list[tuple[str, Callable[[Any], Any], Callable[[Any], Any],
                                        Callable[[Any], Any]]] = [
    # (name, f, f′, f″), the derivatives worked out by hand
    ("x³", lambda x: x**3, lambda x: 3 * x**2, lambda x: 6 * x),
    ("sin x", lambda x: x.sin(), lambda x: x.cos(), lambda x: -x.sin()),
    ("x · eˣ", lambda x: x * x.exp(), lambda x: (x + 1) * x.exp(), lambda x: (x + 2) * x.exp()),
    ("tanh x", lambda x: x.tanh(), lambda x: 1 - x.tanh() ** 2,
     lambda x: -2 * x.tanh() * (1 - x.tanh() ** 2)),
]


def _check_second_derivative(second_derivative: Callable[..., Any], torch: ModuleType) -> bool:
    """Check ``second_derivative(f, x)``: f″ at every entry of ``x`` for a function ``f``
    applied entry by entry, computed by autograd (f is called on a tensor that requires grad)."""
    what = "second_derivative"
    for seed, (title, f, first, second) in enumerate(SECOND_DERIVATIVE_FUNCTIONS):
        x = random_vector(torch, size=4, seed=200 + seed)
        tracked: list[bool] = []
        try:
            mine = second_derivative(_noting_requires_grad(f, tracked), x.clone())
        except Exception as error:
            return raised(what, f"for f(x) = {title}", error, _second_error_hint(error))
        if mine is ...:
            return not_answered(what, "code")
        expected = second(x)
        problem = shape_problem(mine, expected, torch, "x")
        if problem:
            return wrong(what, problem, "return f″ at every entry: a tensor shaped like x")
        if not any(tracked):
            return wrong(what, f"f was never called on a tensor that requires grad "
                          f"(f(x) = {title})",
                          "let autograd do it: x.requires_grad_(), then torch.autograd.grad "
                          "twice")
        mine = mine.detach()
        if not close(torch, mine, expected):
            return wrong(what, f"it is off for f(x) = {title}",
                          _second_derivative_hint(mine, first(x), expected, torch))
    print(f"{RIGHT} {what} agrees with f″ worked out by hand, for "
          f"{len(SECOND_DERIVATIVE_FUNCTIONS)} functions at random points")
    return True


def _noting_requires_grad(f: Callable[[Any], Any], tracked: list[bool]) -> Callable[[Any], Any]:
    """``f``, appending to ``tracked``, on each call, whether its argument requires grad."""

    def watched(t: Any) -> Any:
        tracked.append(bool(getattr(t, "requires_grad", False)))
        return f(t)

    return watched


def _second_derivative_hint(mine: Any, first: Any, second: Any, torch: ModuleType) -> str:
    """The hint for a second derivative ``mine`` that is off, given f′ and f″ at x."""
    if close(torch, mine, first):
        return ("that is the first derivative: differentiate it once more (which is what "
                "create_graph=True makes possible)")
    if close(torch, mine, first + second):
        return ("that is f′ + f″: .backward() adds into x.grad, so the first derivative "
                "is still in there. Use torch.autograd.grad, which returns the gradient")
    return ("differentiate f(x).sum() with create_graph=True, then differentiate the "
            "result's sum again")


def _second_error_hint(error: Exception) -> str:
    """The hint for an error raised by the learner's second derivative, by its message."""
    message = str(error)
    if "does not require grad" in message:
        return ("the first derivative needs a graph of its own to be differentiated again: "
                "pass create_graph=True to the first torch.autograd.grad (and make x require "
                "grad)")
    if "implicitly created only for scalar outputs" in message:
        return "differentiate a sum: f(x).sum(), since each entry depends on its own x only"
    if "a second time" in message:
        return "the first pass must keep its graph: create_graph=True"
    return "torch.autograd.grad(outputs, inputs, create_graph=True) returns a tuple"


def check_second_derivative(second_derivative: Callable[..., Any], torch: ModuleType) -> None:
    """Exercise 4: check ``second_derivative(f, x)``, f″ at every entry of ``x`` by autograd."""
    _check_second_derivative(second_derivative, torch)
