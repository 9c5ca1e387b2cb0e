"""Lesson 4, *autograd in a neural network*: the gradient of a mean squared error, and an
SGD step."""

from __future__ import annotations

import random
import warnings
from collections.abc import Callable, Sequence
from typing import Any

from minigrad.lessons._verdicts import does_nothing, not_answered, right, wrong, your_code_raised
from minigrad.lessons.checks._judging import SEEDS, check_formula, random_tensor, same


def lesson4_exercise1(torch: Any, gradient_formula: Callable[..., Any]) -> None:
    """∂loss/∂w for loss = ((x @ w - target)**2).mean(), as a formula in x, w and target."""
    points = []
    for seed, (samples, features) in zip(SEEDS, ((3, 3), (5, 3), (4, 2))):
        rng = random.Random(seed)
        x = random_tensor(torch, rng, samples, features)
        w = random_tensor(torch, rng, features, 1, requires_grad=True)
        target = random_tensor(torch, rng, samples, 1)
        ((x @ w - target) ** 2).mean().backward()
        points.append(((x, w.detach(), target), w.grad))
    two_over_n = "the mean divides by N = x.shape[0] (the check tries several N, not just 2)"
    check_formula(
        torch,
        "your gradient",
        gradient_formula,
        points,
        (
            (
                lambda x, w, t: x.T @ (x @ w - t),
                f"a factor 2/N is missing: the square's derivative brings a 2, and {two_over_n}",
            ),
            (lambda x, w, t: 2 * x.T @ (x @ w - t), f"a factor 1/N is missing: {two_over_n}"),
            (
                lambda x, w, t: x.T @ (x @ w - t) / x.shape[0],
                "a factor 2 is missing: the derivative of error² is 2·error",
            ),
            (
                lambda x, w, t: 2 / x.shape[0] * x.T @ (t - x @ w),
                "mind the sign: the error is x @ w − target",
            ),
        ),
        "each sample's row of x, times 2·error / N, summed over the samples: x.T @ (...)",
    )


def lesson4_exercise2(torch: Any, sgd_step: Callable[..., Any]) -> None:
    """sgd_step(parameters, learning_rate): p ← p − learning_rate · p.grad for each p, in place
    under torch.no_grad(), then p.grad zeroed."""
    part = "sgd_step"
    rebinding = (
        "`p = p - …` makes a new tensor, which is not a leaf, and only rebinds the "
        "name p; the parameter itself is unchanged. Update it in place under "
        "torch.no_grad(): p.sub_(…) or p -= …"
    )
    for seed, learning_rate in zip(SEEDS, (0.1, 0.5, 0.05)):
        rng = random.Random(seed)
        w = random_tensor(torch, rng, 2, 3, requires_grad=True)
        b = random_tensor(torch, rng, 1, requires_grad=True)
        slopes = (random_tensor(torch, rng, 2, 3), random_tensor(torch, rng, 1))
        ((w * slopes[0]).sum() + (b * slopes[1]).sum()).backward()  # grads: the slopes
        before = [p.detach().clone() for p in (w, b)]
        parameters = [w, b]
        try:
            with warnings.catch_warnings():  # reading .grad of a non-leaf warns: hinted below
                warnings.simplefilter("ignore")
                sgd_step(parameters, learning_rate)
        except Exception as error:  # the learner's code
            wrong(part, your_code_raised(error), _error_hint(error, (w, b), rebinding))
            return
        moved = [not torch.equal(p.detach(), old) for p, old in zip((w, b), before)]
        if not any(moved) and does_nothing(sgd_step):
            not_answered(part)
            return
        if parameters[0] is not w or parameters[1] is not b:
            wrong(
                part,
                "the list now holds new tensors that are not leaves",
                "`parameters[i] "
                "= p - …` replaces the list's entry; the model's own weight is unchanged. "
                "Update each parameter in place under torch.no_grad(): p.sub_(…)",
            )
            return
        if not all(moved):
            wrong(part, "the parameters did not move", rebinding)
            return
        if not (w.requires_grad and b.requires_grad and w.is_leaf and b.is_leaf):
            wrong(
                part,
                "a parameter no longer requires grad",
                "update the values in place and leave requires_grad as it is",
            )
            return
        expected = [old - learning_rate * slope for old, slope in zip(before, slopes)]
        if not all(same(torch, p.detach(), e) for p, e in zip((w, b), expected)):
            wrong(
                part,
                "the parameters moved by the wrong amount",
                _step_hint(torch, (w, b), before, slopes, learning_rate),
            )
            return
        if not all(p.grad is None or not bool(p.grad.abs().max() > 0) for p in (w, b)):
            wrong(
                part,
                "the parameters took their step, but their gradients were not zeroed",
                "after the update, p.grad.zero_() (or p.grad = None), or the next "
                "backward() adds to the old gradient",
            )
            return
    right(
        part,
        f"at {len(SEEDS)} random points each parameter took its step in place, and "
        "its gradient was zeroed",
    )


def _error_hint(error: Exception, parameters: Sequence[Any], rebinding: str) -> str:
    """What an error in sgd_step most likely means."""
    if isinstance(error, RuntimeError) and "in-place" in str(error):
        return (
            "an in-place change of a leaf that requires grad must run under "
            "torch.no_grad(), so that autograd does not record the update"
        )
    if isinstance(error, (TypeError, AttributeError)) and "NoneType" in str(error):
        if any(p.grad is None for p in parameters):
            return "p.grad was already None when the update read it: update first, then zero"
        return rebinding
    return "p ← p − learning_rate · p.grad, in place, under torch.no_grad(), then zero p.grad"


def _step_hint(
    torch: Any, parameters: Sequence[Any], before: Sequence[Any], slopes: Sequence[Any], lr: float
) -> str:
    def moved_by(step: Callable[[Any, Any], Any]) -> bool:
        return all(
            same(torch, p.detach(), step(old, slope))
            for p, old, slope in zip(parameters, before, slopes)
        )

    if moved_by(lambda old, slope: old + lr * slope):
        return "step against the gradient: subtract learning_rate · p.grad"
    if moved_by(lambda old, slope: old - slope):
        return "scale the gradient by learning_rate"
    return "p ← p − learning_rate · p.grad, for every parameter"
