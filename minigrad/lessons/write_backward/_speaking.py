"""How lesson 6's checks speak: ✗ with a problem and a hint (a sentence, ending in a full
stop), for a wrong result, an error, or a call to autograd itself."""

from __future__ import annotations

from types import ModuleType
from typing import Any

from minigrad.lessons import _verdicts
from minigrad.lessons._verdicts import WAITING, WRONG


def shape_problem(mine: Any, expected: Any, torch: ModuleType, name: str) -> str | None:
    """Why ``mine`` cannot be compared with ``expected`` (a tensor of the same shape and
    dtype is wanted), or None."""
    if not isinstance(mine, torch.Tensor):
        return f"it gave a {type(mine).__name__}, not a tensor, for {name}"
    if tuple(mine.shape) != tuple(expected.shape):
        return (f"the result for {name} has shape {tuple(mine.shape)}, not "
                f"{tuple(expected.shape)}")
    if mine.dtype != expected.dtype:
        return f"the result for {name} is {mine.dtype}, not {expected.dtype}"
    if not bool((mine - mine == 0).all()):  # inf − inf and nan − nan are nan
        return f"the result for {name} holds inf or nan"
    return None


def raised(what: str, where: str, error: Exception, hint: str) -> bool:
    """Say that the learner's ``what`` raised ``error`` (or is not written yet, for a
    NotImplementedError), and hint at the fix."""
    message = str(error).splitlines()[0].rstrip(".") if str(error) else ""
    if isinstance(error, NotImplementedError):
        print(f"{WAITING} {what}: not written yet.")
        return False
    print(f"{WRONG} {what} raised {type(error).__name__} {where}: {message}. Hint: {hint}.")
    return False


def shortcut(what: str, used: list[str], hint: str) -> bool:
    """Say that the learner's ``what`` called autograd entry points ``used``."""
    names = ", ".join(dict.fromkeys(used))
    print(f"{WRONG} {what} called {names}: that is what you are writing yourself. Hint: {hint}.")
    return False


def wrong(what: str, problem: str, hint: str) -> bool:
    """Say what is wrong with the learner's ``what``, and hint at the fix."""
    return _verdicts.wrong(what, problem, f"{hint}.")
