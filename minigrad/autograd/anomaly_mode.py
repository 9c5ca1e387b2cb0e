"""Anomaly detection, as PyTorch's: ``with torch.autograd.detect_anomaly(): ...``.

While it is on, every recorded op keeps the lines of the learner's program that made it. If
backward then fails in a node, a warning shows where that node's forward was called
("Error detected in MulBackward0. Traceback of forward call that caused the error: ...");
with ``check_nan``, a node whose backward returns nan stops the pass with an error naming it.
"""

from __future__ import annotations

import os
import traceback
import warnings
from typing import Any

import numpy as np


class _State:
    def __init__(self) -> None:  # (instance attributes: the fastest read, once per op)
        self.enabled = False
        self.check_nan = True


state = _State()

_PACKAGE = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep  # minigrad/


def is_anomaly_enabled() -> bool:
    """True while anomaly detection is on."""
    return state.enabled


def is_anomaly_check_nan_enabled() -> bool:
    """True while anomaly detection also checks backward's results for nan."""
    return state.check_nan


class detect_anomaly:  # noqa: N801 - PyTorch's name
    """Turn anomaly detection on inside the block (it slows every op: for debugging)."""

    def __init__(self, check_nan: bool = True) -> None:
        self.check_nan = check_nan
        self._previous = (state.enabled, state.check_nan)  # (as PyTorch: the state when made)
        warnings.warn(
            "Anomaly Detection has been enabled. This mode will increase the runtime and should "
            "only be enabled for debugging.",
            UserWarning,
            stacklevel=2,
        )

    def __enter__(self) -> None:
        state.enabled, state.check_nan = True, self.check_nan

    def __exit__(self, *exc_info: object) -> None:
        state.enabled, state.check_nan = self._previous


class set_detect_anomaly:  # noqa: N801
    """Turn anomaly detection on or off: at once, or for a ``with`` block."""

    def __init__(self, mode: bool, check_nan: bool = True) -> None:
        self._previous = (state.enabled, state.check_nan)
        state.enabled, state.check_nan = mode, check_nan

    def __enter__(self) -> None:
        """Already switched by the constructor."""

    def __exit__(self, *exc_info: object) -> None:
        state.enabled, state.check_nan = self._previous


def forward_trace() -> str:
    """Where the learner's program is now: the stack without minigrad's own frames."""
    frames = [f for f in traceback.extract_stack() if not f.filename.startswith(_PACKAGE)]
    return "".join(traceback.format_list(frames))


def warn_failed(node: Any) -> None:
    """PyTorch's warning that backward failed in ``node``, with where its forward ran."""
    trace = getattr(node, "_forward_trace", None)
    if trace is None:
        message = (
            f"Error detected in {node.name()}. No forward pass information available. Enable "
            "detect anomaly during forward pass for more information."
        )
    else:
        message = (
            f"Error detected in {node.name()}. Traceback of forward call that caused the "
            f"error:\n{trace}"
        )
    warnings.warn(message, UserWarning, stacklevel=2)


def check_nan(step: Any) -> None:
    """PyTorch's error for a node whose backward returned nan (an observer of the engine's
    steps: ``step`` is an ``engine.BackwardStep``)."""
    for position, grad in enumerate(step.grad_inputs):
        if grad is not None and np.isnan(grad._data).any():
            raise RuntimeError(
                f"Function '{step.node.name()}' returned nan values in its {position}th output."
            )
