"""Running the learner's code: with autograd's own entry points barred, and as if the lesson
had said ``import torch``."""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import types
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from types import ModuleType
from typing import Any


class ShortcutUsed(Exception):
    """Raised in place of autograd's own entry points while a learner's function runs."""


#: autograd's entry points, as (owner, attribute, what the learner is told they called), the
#: owner a path from the library's top module; the engine functions behind them are included
#: so that no public route around them is left
_ENTRY_POINTS = (
    ("Tensor", "backward", ".backward()"),
    ("autograd", "backward", "torch.autograd.backward"),
    ("autograd", "grad", "torch.autograd.grad"),
    ("autograd", "run_backward", "autograd's engine"),  # minigrad's, as backward/grad call it
    ("autograd", "_engine_run_backward", "autograd's engine"),  # PyTorch's, likewise
    ("autograd.graph", "_engine_run_backward", "autograd's engine"),
)


@contextlib.contextmanager
def forbid_autograd(torch: ModuleType) -> Iterator[list[str]]:
    """Within the block, ``.backward()``, ``torch.autograd.backward`` and ``torch.autograd.grad``
    (and the engine behind them) raise ShortcutUsed; the list yielded names the ones called.

    >>> with forbid_autograd(torch) as used:                    # doctest: +SKIP
    ...     learner_function()
    >>> used                                                    # doctest: +SKIP
    ['.backward()']
    """
    used: list[str] = []
    replaced: list[tuple[Any, str, Any]] = []
    for owner_path, name, label in _ENTRY_POINTS:
        owner: Any = torch
        for part in owner_path.split("."):
            owner = getattr(owner, part, None)
        if owner is None or name not in vars(owner):
            continue

        def refuse(*args: Any, _label: str = label, **kwargs: Any) -> Any:
            used.append(_label)
            raise ShortcutUsed(_label)

        replaced.append((owner, name, vars(owner)[name]))
        setattr(owner, name, refuse)
    try:
        yield used
    finally:
        for owner, name, original in reversed(replaced):
            setattr(owner, name, original)


@dataclass
class Attempt:
    """What a learner's function did when run: its result (None if it raised), the error it
    raised (None if it returned), and the autograd entry points it called."""

    result: Any
    error: Exception | None
    shortcuts: list[str]


def run_without_autograd(torch: ModuleType, function: Callable[..., Any],
                          *args: Any) -> Attempt:
    """Run the learner's ``function(*args)`` inside ``forbid_autograd``, catching its errors:
    a bug in the learner's code is reported by the check, it does not stop the lesson."""
    with forbid_autograd(torch) as used:
        try:
            return Attempt(function(*args), None, used)
        except ShortcutUsed:
            return Attempt(None, None, used)
        except Exception as error:
            return Attempt(None, error, used)


def real_pytorch(torch: ModuleType) -> ModuleType | None:
    """Real PyTorch, when it is installed and ``torch`` is not already it; else None."""
    if torch.__name__ == "torch" or importlib.util.find_spec("torch") is None:
        return None
    return importlib.import_module("torch")


def as_if_pytorch(function: Callable[..., Any], pytorch: ModuleType) -> Callable[..., Any]:
    """``function`` as it would be had its notebook said ``import torch``: a copy whose global
    ``torch`` is real PyTorch, as is that of the functions defined beside it (its helpers)."""
    home = function.__globals__  # type: ignore[attr-defined]
    scope = dict(home, torch=pytorch)
    for name, value in home.items():
        if isinstance(value, types.FunctionType) and value.__globals__ is home:
            scope[name] = _rebind(value, scope)
    return _rebind(function, scope)  # type: ignore[arg-type]


def _rebind(function: types.FunctionType, scope: dict[str, Any]) -> types.FunctionType:
    """A copy of ``function`` that looks its global names up in ``scope``."""
    return types.FunctionType(function.__code__, scope, function.__name__,
                              function.__defaults__, function.__closure__)
