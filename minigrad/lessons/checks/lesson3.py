"""Lesson 3, *disabling gradient tracking*: which results require grad, and a first layer
cut off from autograd."""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

from minigrad.lessons._verdicts import is_unanswered, not_answered, right, wrong, your_code_raised
from minigrad.lessons.checks._judging import SEEDS, random_tensor, same


def lesson3_exercise1(torch: Any, my_answers: Any) -> None:
    """Predicted .requires_grad of x * 2, x * z, z.detach() * 2 and z * 2 under no_grad()."""
    part = "your list of answers"
    x = torch.ones(2, 2)
    z = torch.ones(2, 2, requires_grad=True)
    with torch.no_grad():
        in_no_grad = z * 2
    truth = [
        (x * 2).requires_grad,
        (x * z).requires_grad,
        (z.detach() * 2).requires_grad,
        in_no_grad.requires_grad,
    ]
    if is_unanswered(my_answers):
        not_answered(part)
    elif not isinstance(my_answers, (list, tuple)) or len(my_answers) != len(truth):
        wrong(part, f"write a list of {len(truth)} answers", "one True or False per expression")
    elif not all(isinstance(answer, bool) for answer in my_answers):
        wrong(part, "each answer is True or False", "write True or False, without quotes")
    elif list(my_answers) != truth:
        correct = sum(mine == answer for mine, answer in zip(my_answers, truth))
        wrong(
            part,
            f"{correct} of {len(truth)} right",
            "a result requires grad when recording "
            "is on and an input of its operation requires grad; detach() gives a tensor "
            "that does not",
        )
    else:
        right(part, f"all {len(truth)}")


def lesson3_exercise2(torch: Any, two_layer: Callable[..., Any]) -> None:
    """two_layer(inputs, w1, w2): (inputs @ w1 @ w2).sum(), with gradients reaching w2 only,
    w1.requires_grad left True."""
    part = "two_layer"
    for seed, (samples, hidden) in zip(SEEDS, ((5, 2), (3, 4), (7, 3))):
        rng = random.Random(seed)
        inputs = random_tensor(torch, rng, samples, 3)
        w1 = random_tensor(torch, rng, 3, hidden, requires_grad=True)
        w2 = random_tensor(torch, rng, hidden, 1, requires_grad=True)
        w1_before = w1.detach().clone()
        with torch.no_grad():
            expected_loss = (inputs @ w1 @ w2).sum()
            expected_w2_grad = (inputs @ w1).sum(0).reshape(hidden, 1)
        try:
            loss = two_layer(inputs, w1, w2)
        except Exception as error:  # the learner's code
            wrong(
                part,
                your_code_raised(error),
                "return (inputs @ w1 @ w2).sum(), with the first "
                "layer under torch.no_grad() or detached",
            )
            return
        if is_unanswered(loss):
            not_answered(part)
            return
        if not w1.requires_grad:
            wrong(
                part,
                "w1.requires_grad was switched off",
                "the exercise asks you to leave "
                "w1 as it is and use torch.no_grad() or detach() instead",
            )
            return
        if not torch.is_tensor(loss) or loss.dim() != 0:
            wrong(part, "it does not return one number", "return the .sum() of the output")
            return
        if not torch.equal(w1.detach(), w1_before) or not same(torch, loss, expected_loss):
            wrong(part, "the loss has changed", "compute the same (inputs @ w1 @ w2).sum()")
            return
        if not loss.requires_grad:
            wrong(
                part,
                "nothing in the loss requires grad",
                "only the first layer, "
                "inputs @ w1, goes under torch.no_grad() (or is detached); w2 must be recorded",
            )
            return
        loss.backward()
        if w1.grad is not None:
            wrong(
                part,
                "w1 still gets a gradient",
                "compute inputs @ w1 under "
                "torch.no_grad(), or detach it, so that autograd does not record it",
            )
            return
        if w2.grad is None or not same(torch, w2.grad, expected_w2_grad):
            wrong(
                part,
                "w2 does not get its gradient",
                "only the first layer is cut off; the multiplication by w2 must be recorded",
            )
            return
    right(
        part,
        f"at {len(SEEDS)} random points w2 gets its gradient, w1.grad stays None, and "
        "w1.requires_grad stays True",
    )
