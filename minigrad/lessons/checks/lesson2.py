"""Lesson 2, *the computational graph*: the nodes next_functions leads to, and a.grad
where two paths meet."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from minigrad.lessons._verdicts import is_unanswered, not_answered, right, wrong
from minigrad.lessons.checks._judging import check_prediction


def _names_of(nodes: Sequence[tuple[Any, int]]) -> list[str]:
    return ["None" if node is None else type(node).__name__ for node, _ in nodes]


def lesson2_exercise1(torch: Any, my_names: Any) -> None:
    """The class names r.grad_fn.next_functions leads to, for r = a * b + a."""
    part = "next_functions"
    a = torch.tensor([2.0, 3.0], requires_grad=True)
    b = torch.tensor([6.0, 4.0], requires_grad=True)
    r = a * b + a
    expected = _names_of(r.grad_fn.next_functions)
    if is_unanswered(my_names):
        not_answered(part)
    elif not isinstance(my_names, (list, tuple)) or not all(
        isinstance(name, str) for name in my_names
    ):
        wrong(part, "that is not a list of strings", 'write it like ["PowBackward0", "..."]')
    elif len(my_names) != len(expected):
        wrong(
            part,
            f"you named {len(my_names)} nodes",
            "the last operation, +, has two inputs: one entry for each",
        )
    elif list(my_names) == expected:
        right(part)
    elif sorted(my_names) == sorted(expected):
        wrong(
            part,
            "right names, wrong order",
            "next_functions follows the inputs of +: a * b first, then a",
        )
    elif "AddBackward0" in my_names:
        wrong(
            part,
            "not quite",
            "AddBackward0 is r.grad_fn itself; next_functions holds the nodes of its inputs",
        )
    elif "None" in my_names or "" in my_names:
        wrong(
            part,
            "not quite",
            "None stands for an input that needs no gradient; a leaf "
            "that requires grad has a node of its own (lesson 2's drawing shows it)",
        )
    else:
        wrong(
            part,
            "not quite",
            "the last operation is +: what made each of its two inputs, "
            "an operation or nothing (a leaf)?",
        )


def lesson2_exercise2(torch: Any, my_a_grad: Any) -> None:
    """a.grad after r.sum().backward(), for r = a * b + a at the tutorial's a and b."""
    a = torch.tensor([2.0, 3.0], requires_grad=True)
    b = torch.tensor([6.0, 4.0], requires_grad=True)
    (a * b + a).sum().backward()
    if check_prediction(
        torch,
        "a.grad",
        my_a_grad,
        a.grad,
        (
            (lambda: b, "that is what the path through a * b brings; a also reaches r directly"),
            (
                lambda: torch.ones(2),
                "that is what the direct path brings; a also reaches r through a * b",
            ),
        ),
        "a reaches r along two paths, through a * b and directly: what does each bring?",
    ):
        print("  Both paths end in a's one AccumulateGrad node, which adds up what they bring.")
