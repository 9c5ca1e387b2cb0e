"""Anomaly detection against PyTorch's: the switches, the nan check, and the warning that
shows where the failing node's forward ran. Each body runs with ``L = torch`` and with
``L = minigrad``."""

from __future__ import annotations

import re
import warnings
from typing import Any

import pytest

import minigrad

torch = pytest.importorskip("torch")

TRIGGERED = re.compile(r" \(Triggered internally at [^)]*\.\)$")  # PyTorch's C++ location


def run(body: Any, L: Any) -> tuple[Any, list[str]]:
    """What ``body(L)`` returns or raises, and the warnings it gave (without PyTorch's
    "Triggered internally" suffix, which names its C++ source)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            result: Any = ("ok", body(L))
        except RuntimeError as error:
            result = ("RuntimeError", str(error))
        finally:
            L.autograd.set_detect_anomaly(False)
    return result, [TRIGGERED.sub("", str(w.message)) for w in caught]


def both(body: Any) -> list[tuple[Any, list[str]]]:
    """``run`` with minigrad, then with torch (from one line: the traces that warnings show
    include the caller's frames)."""
    return [run(body, L) for L in (minigrad, torch)]


def same(body: Any) -> None:
    ours, theirs = both(body)
    assert ours == theirs


def test_switches() -> None:
    def body(L: Any) -> Any:
        seen = [L.is_anomaly_enabled(), L.is_anomaly_check_nan_enabled()]
        with L.autograd.set_detect_anomaly(True, check_nan=False):
            seen += [L.is_anomaly_enabled(), L.is_anomaly_check_nan_enabled()]
        seen.append(L.is_anomaly_enabled())
        L.autograd.set_detect_anomaly(True)  # a plain call switches it on
        seen.append(L.is_anomaly_enabled())
        L.autograd.set_detect_anomaly(False)
        with L.autograd.detect_anomaly(check_nan=False):
            seen += [L.is_anomaly_enabled(), L.is_anomaly_check_nan_enabled()]
        return seen + [L.is_anomaly_enabled(), L.is_anomaly_check_nan_enabled()]

    same(body)


def test_a_nan_from_backward_names_the_node_and_where_its_forward_ran() -> None:
    def body(L: Any) -> Any:
        with L.autograd.detect_anomaly():
            z = L.tensor([0.0, 1.0], requires_grad=True)
            q = (z.sqrt() * 0).sum()  # 0 · ∞ in SqrtBackward0
            q.backward()

    (result, warned), theirs = both(body)
    assert result == (
        "RuntimeError",
        "Function 'SqrtBackward0' returned nan values in its 0th output.",
    )
    assert "q = (z.sqrt() * 0).sum()  # 0 · ∞ in SqrtBackward0" in warned[-1]
    assert "/minigrad/" not in warned[-1]  # the learner's lines only, none of minigrad's
    assert (result, warned) == theirs


def test_without_check_nan_the_nan_goes_through() -> None:
    def body(L: Any) -> Any:
        with L.autograd.set_detect_anomaly(True, check_nan=False):
            z = L.tensor([0.0, 1.0], requires_grad=True)
            (z.sqrt() * 0).sum().backward()
        return str(z.grad)

    same(body)


def test_a_modified_saved_tensor_gets_the_other_hint_and_the_forward_line() -> None:
    def body(L: Any) -> Any:
        with L.autograd.detect_anomaly():
            x = L.tensor([1.0, 2.0], requires_grad=True)
            y = x.exp()
            y.add_(1)
            (y * x).sum().backward()

    (result, warned), theirs = both(body)
    assert result[1].endswith("Good luck!")
    assert warned[-1].startswith("Error detected in ExpBackward0. Traceback of forward call")
    assert warned[-1].endswith("    y = x.exp()\n")
    assert (result, warned) == theirs


def test_no_forward_information_when_the_forward_ran_without_it() -> None:
    def body(L: Any) -> Any:
        z = L.tensor([0.0, 1.0], requires_grad=True)
        q = (z.sqrt() * 0).sum()
        with L.autograd.detect_anomaly():
            q.backward()

    same(body)


def test_off_by_default_and_nothing_recorded() -> None:
    y = minigrad.tensor([1.0], requires_grad=True) * 2
    assert not minigrad.is_anomaly_enabled()
    assert not hasattr(y.grad_fn, "_forward_trace")


def test_one_detect_anomaly_used_twice_nested_restores_the_state_it_was_made_in() -> None:
    def body(L: Any) -> Any:
        detect = L.autograd.detect_anomaly()
        with detect:
            with detect:
                inside = L.is_anomaly_enabled()
        return inside, L.is_anomaly_enabled()

    same(body)
