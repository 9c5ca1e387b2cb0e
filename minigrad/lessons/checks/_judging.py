"""How lessons 1–5 judge an answer: a formula at seeded random points, or a predicted list of
numbers, against autograd; a hint for the first known mistake it matches."""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from typing import Any

from minigrad.lessons._verdicts import (
    close,
    is_unanswered,
    not_answered,
    right,
    wrong,
    your_code_raised,
)

Hints = Sequence[tuple[Callable[..., Any], str]]  # (a known mistake, the hint for it)

SEEDS = (1, 2, 3)  # one random point per seed


def _values(rng: random.Random, count: int) -> list[float]:
    """count distinct numbers in [-3, 3] with two decimals, none of them 0."""
    return [k / 100 for k in rng.sample([k for k in range(-300, 301) if k], count)]


def random_tensor(torch: Any, rng: random.Random, *shape: int, requires_grad: bool = False) -> Any:
    """A float64 tensor of ``shape``, its entries drawn by ``_values`` from ``rng``."""
    count = 1
    for size in shape:
        count *= size
    data = torch.tensor(_values(rng, count), dtype=torch.float64).reshape(shape)
    return data.requires_grad_(requires_grad)


def as_numbers(torch: Any, value: Any) -> Any | None:
    """value as a float64 tensor, or None when it is not numbers."""
    try:
        if torch.is_tensor(value):
            return value.detach().to(torch.float64)
        return torch.as_tensor(value, dtype=torch.float64)
    except (TypeError, ValueError, RuntimeError):
        return None


def same(torch: Any, mine: Any, expected: Any) -> bool:
    """Whether ``mine`` has ``expected``'s shape and agrees with it to about 4 digits."""
    return tuple(mine.shape) == tuple(expected.shape) and close(
        torch, mine, expected.to(torch.float64), rtol=1e-4, atol=1e-6
    )


def known_mistake(torch: Any, mine: Any, hints: Hints, *args: Any) -> str | None:
    """The hint of the first known mistake that gives what the answer gave, if any."""
    for mistake, hint in hints:
        if same(torch, mine, as_numbers(torch, mistake(*args))):
            return hint
    return None


def check_formula(
    torch: Any,
    part: str,
    answer: Callable[..., Any],
    points: list[tuple[tuple[Any, ...], Any]],
    hints: Hints,
    hint: str,
) -> bool:
    """answer(*args) against the expected tensor at every point; a hint on the first miss."""
    if not callable(answer):
        return wrong(part, "this should be a function (def ...)", "keep the def line as it is")
    for args, expected in points:
        try:
            result = answer(*args)
        except Exception as error:  # the learner's code: any error is theirs to see
            return wrong(part, your_code_raised(error), hint)
        if is_unanswered(result):
            return not_answered(part)
        mine = as_numbers(torch, result)
        if mine is None:
            return wrong(part, "your formula does not give numbers", hint)
        if mine.dim() == 0 and expected.dim() > 0:
            return wrong(
                part,
                "your formula gives a single number",
                "the answer has one value per element, and it changes with the inputs",
            )
        if tuple(mine.shape) != tuple(expected.shape):
            return wrong(
                part,
                f"your formula gives shape {tuple(mine.shape)}, not {tuple(expected.shape)}",
                hint,
            )
        if not same(torch, mine, expected):
            return wrong(
                part,
                "not right at the test points",
                known_mistake(torch, mine, hints, *args) or hint,
            )
    return right(part, f"it agrees with autograd at {len(points)} random points")


def check_prediction(
    torch: Any, part: str, answer: Any, expected: Any, hints: Hints, hint: str
) -> bool:
    """A predicted list of numbers against autograd's, at the lesson's one point."""
    if is_unanswered(answer):
        return not_answered(part)
    mine = as_numbers(torch, answer)
    if mine is None:
        return wrong(part, "that is not a list of numbers", "write it like [1.0, 2.0]")
    if tuple(mine.shape) != tuple(expected.shape):
        count = expected.numel()
        return wrong(
            part,
            f"that is not a list of {count} numbers",
            f"{part} has one number per element of the tensor: {count} of them",
        )
    if not same(torch, mine, expected):
        return wrong(part, "not quite", known_mistake(torch, mine, hints) or hint)
    return right(part)
