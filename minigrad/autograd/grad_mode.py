"""Whether operations record the graph: ``no_grad``, ``enable_grad``, ``set_grad_enabled``
and ``inference_mode``."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


class _State:
    """The global switches; an attribute read is the cheapest check there is."""

    enabled = True
    inference = False  # inside inference_mode: the tensors made are inference tensors


state = _State()


def is_grad_enabled() -> bool:
    """True when new operations are recorded into the graph."""
    return state.enabled


def is_inference_mode_enabled() -> bool:
    """True inside ``torch.inference_mode()``."""
    return state.inference


class _GradMode:
    """A context manager that is also a decorator, like PyTorch's."""

    mode: bool
    _previous: bool

    def __new__(cls, orig_func: Any = None) -> Any:
        # ``@torch.no_grad`` without parentheses decorates ``orig_func`` directly
        if orig_func is None:
            return super().__new__(cls)
        return cls()(orig_func)

    def __enter__(self) -> None:
        self._previous = state.enabled
        state.enabled = self.mode

    def __exit__(self, *exc_info: object) -> None:
        state.enabled = self._previous

    def clone(self) -> _GradMode:
        return type(self)()

    def __call__(self, function: F) -> F:
        @functools.wraps(function)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with self.clone():
                return function(*args, **kwargs)

        return wrapper  # type: ignore[return-value]


class no_grad(_GradMode):  # noqa: N801 - PyTorch's name
    """Stop recording: ``with torch.no_grad(): w.add_(w.grad, alpha=-0.1)``."""

    mode = False


class enable_grad(_GradMode):  # noqa: N801
    """Record again inside a ``no_grad`` block."""

    mode = True


class set_grad_enabled(_GradMode):  # noqa: N801
    """Switch recording on or off: as a plain call, a context manager or a decorator."""

    def __new__(cls, mode: bool) -> set_grad_enabled:
        return object.__new__(cls)

    def __init__(self, mode: bool) -> None:
        if not isinstance(mode, bool):
            raise TypeError(
                "set_grad_enabled(): argument 'enabled' (position 1) must be bool, not "
                f"{type(mode).__name__}"
            )
        self.mode = mode
        # PyTorch switches at construction, so `torch.set_grad_enabled(False)` alone works.
        self._previous = state.enabled
        state.enabled = mode

    def __enter__(self) -> None:
        """Already switched by the constructor."""

    def clone(self) -> set_grad_enabled:
        return set_grad_enabled(self.mode)

    def __call__(self, function: F) -> F:
        state.enabled = self._previous  # decorating must not switch the mode for the caller
        return super().__call__(function)


class inference_mode(_GradMode):  # noqa: N801
    """``no_grad``, and the tensors made inside are inference tensors (``t.is_inference()``).
    A context manager or a decorator, with or without parentheses; ``inference_mode(False)``
    switches both off inside (so it records again, even within ``no_grad``), as in PyTorch.

    >>> with torch.inference_mode():
    ...     y = torch.ones(2) * 2
    >>> y.requires_grad, y.is_inference()
    (False, True)
    """

    _previous_inference: bool

    def __new__(cls, mode: Any = True) -> Any:
        # ``@torch.inference_mode`` without parentheses decorates the function directly
        if isinstance(mode, bool):
            return object.__new__(cls)
        return cls()(mode)

    def __init__(self, mode: bool = True) -> None:
        self.mode = mode

    def __enter__(self) -> None:
        self._previous, self._previous_inference = state.enabled, state.inference
        state.enabled, state.inference = not self.mode, self.mode

    def __exit__(self, *exc_info: object) -> None:
        state.enabled, state.inference = self._previous, self._previous_inference

    def clone(self) -> inference_mode:
        return inference_mode(self.mode)
