"""How every lesson's checks give their verdict, one line per part: ✓, ✗ with a hint, or … while
the exercise's ``...`` is still there. Each returns whether the part passed.

>>> wrong("a.grad", "not quite", "mind the sign")
✗ a.grad: not quite. Hint: mind the sign
False
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

RIGHT, WRONG, WAITING = "✓", "✗", "…"


def right(what: str, why: str = "") -> bool:
    """Say that the learner's ``what`` is right (and why, when ``why`` is given)."""
    print(f"{RIGHT} {what} is right{': ' + why if why else '.'}")
    return True


def wrong(what: str, problem: str, hint: str) -> bool:
    """Say what is wrong with the learner's ``what``, and hint at the fix."""
    print(f"{WRONG} {what}: {problem}. Hint: {hint}")
    return False


def not_answered(what: str, yours: str = "answer") -> bool:
    """Say that the exercise's ``...`` is still there, to be replaced with ``yours``."""
    print(f"{WAITING} {what}: not answered yet. Replace the ... with your {yours}.")
    return False


def your_code_raised(error: Exception) -> str:
    """The problem to report when the learner's code raised ``error``."""
    return f"your code raised {type(error).__name__}: {error}"


def is_unanswered(answer: Any) -> bool:
    """Whether ``answer`` is still the exercise's ``...`` (or a list holding one)."""
    if answer is ...:
        return True
    return isinstance(answer, (list, tuple)) and any(is_unanswered(item) for item in answer)


def does_nothing(function: Callable[..., Any]) -> bool:
    """True for a function whose body is still just ``...``: it names nothing."""
    code = getattr(function, "__code__", None)
    return code is not None and not code.co_names and code.co_nlocals == code.co_argcount


def still_has_dots(function: Callable[..., Any]) -> bool:
    """True for a function with a line that is still just the exercise's ``...``."""
    try:
        lines = inspect.getsource(function).splitlines()
    except (OSError, TypeError):  # (no source to read: it cannot be the lesson's skeleton)
        return False
    return any(line.split("#")[0].strip() == "..." for line in lines)


def close(torch: Any, mine: Any, expected: Any, *, rtol: float = 1e-7, atol: float = 1e-9) -> bool:
    """Whether ``mine`` agrees with ``expected`` entry by entry, within the tolerances."""
    return bool(torch.allclose(mine, expected, rtol=rtol, atol=atol))
