"""Lesson 7's exercise checks (minigrad/lessons/training.py): each accepts the lesson's model
solution, read from the notebook itself, and rejects known wrong answers with a hint that gives
no expected value away, under minigrad and under real PyTorch (skipped without it).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import nbformat
import pytest

import minigrad
from minigrad.lessons import training

from .verdicts import assert_rejected

LESSON = Path(__file__).resolve().parents[2] / "notebooks" / "07_from_gradients_to_training.ipynb"


@pytest.fixture(params=["minigrad", "torch"])
def torch(request: pytest.FixtureRequest) -> ModuleType:
    """The library the checks run on: minigrad, then real PyTorch."""
    if request.param == "minigrad":
        return minigrad
    return pytest.importorskip("torch")


def model_solution(torch: ModuleType, name: str) -> Callable[..., Any]:
    """One model solution, defined as the lesson defines it (its check call does nothing)."""
    namespace: dict[str, Any] = {"torch": torch, "training": _Silent()}
    for cell in nbformat.read(LESSON, as_version=4).cells:
        if "solution" in cell.metadata.get("tags", []):
            exec(cell.source, namespace)
    return namespace[name]


class _Silent:
    def __getattr__(self, name: str) -> Callable[..., None]:
        return lambda *args, **kwargs: None


def verdict(check: Callable[..., None], torch: ModuleType, answer: Callable[..., Any],
            capsys: pytest.CaptureFixture[str]) -> tuple[bool, str]:
    capsys.readouterr()
    assert check(torch, answer) is None  # nothing for the notebook to display
    said = capsys.readouterr().out
    return said.startswith("✓"), said


def test_the_checks_leave_the_lessons_random_numbers_alone(torch: ModuleType) -> None:
    torch.manual_seed(0)
    expected = torch.rand(3)
    torch.manual_seed(0)
    training.check_train_step(torch, model_solution(torch, "train_step"))
    training.check_momentum_step(torch, model_solution(torch, "momentum_step"))
    assert torch.equal(torch.rand(3), expected)


# --- exercise 1: the training step -------------------------------------------------------


def test_the_model_train_step_passes(torch: ModuleType, capsys: pytest.CaptureFixture) -> None:
    passed, said = verdict(training.check_train_step, torch,
                           model_solution(torch, "train_step"), capsys)
    assert passed and said.count("\n") == 1 and not re.search(r"\d\.\d", said), said


def _without_zero_grad(model, loss_fn, optimizer, inputs, targets):
    loss = loss_fn(model(inputs), targets)
    loss.backward()
    optimizer.step()
    return loss


def _without_step(model, loss_fn, optimizer, inputs, targets):
    optimizer.zero_grad()
    loss = loss_fn(model(inputs), targets)
    loss.backward()
    return loss


def _zero_grad_before_step(model, loss_fn, optimizer, inputs, targets):
    loss = loss_fn(model(inputs), targets)
    loss.backward()
    optimizer.zero_grad()
    optimizer.step()
    return loss


def _step_before_backward(model, loss_fn, optimizer, inputs, targets):
    optimizer.zero_grad()
    loss = loss_fn(model(inputs), targets)
    optimizer.step()
    loss.backward()
    return loss


def _returns_nothing(model, loss_fn, optimizer, inputs, targets):
    optimizer.zero_grad()
    loss_fn(model(inputs), targets).backward()
    optimizer.step()


def _returns_a_float(model, loss_fn, optimizer, inputs, targets):
    optimizer.zero_grad()
    loss = loss_fn(model(inputs), targets)
    loss.backward()
    optimizer.step()
    return loss.item()


def _raises(model, loss_fn, optimizer, inputs, targets):
    optimizer.zero_grad()
    loss = loss_fn(model(inputs))
    return loss


def _scaffold(model, loss_fn, optimizer, inputs, targets):
    ...


@pytest.mark.parametrize(
    ("answer", "hint"),
    [
        (_without_zero_grad, "without optimizer.zero_grad() each step uses the sum"),
        (_without_step, "optimizer.step() never applied them"),
        (_zero_grad_before_step, "no gradient was there when optimizer.step() ran"),
        (_step_before_backward, "optimizer.step() never applied them"),
        (_returns_nothing, "return the loss"),
        (_returns_a_float, "return the loss tensor itself"),
        (_raises, "your code raised TypeError"),
        (_scaffold, "not answered yet"),
    ],
)
def test_wrong_train_steps_are_rejected_with_a_hint(
    torch: ModuleType, capsys: pytest.CaptureFixture, answer: Callable, hint: str
) -> None:
    assert_rejected(*verdict(training.check_train_step, torch, answer, capsys), hint)


def test_zero_grad_at_the_end_of_the_step_is_also_right(
    torch: ModuleType, capsys: pytest.CaptureFixture
) -> None:
    def train_step(model, loss_fn, optimizer, inputs, targets):
        loss = loss_fn(model(inputs), targets)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        return loss

    assert verdict(training.check_train_step, torch, train_step, capsys)[0]


# --- exercise 2: SGD with momentum -------------------------------------------------------


def test_the_model_momentum_step_passes(torch: ModuleType, capsys: pytest.CaptureFixture) -> None:
    passed, said = verdict(training.check_momentum_step, torch,
                           model_solution(torch, "momentum_step"), capsys)
    assert passed and said.count("\n") == 1 and not re.search(r"\d\.\d", said), said


def _momentum_answer(update: Callable[..., None], no_grad: bool = True) -> Callable[..., None]:
    def momentum_step(parameters, velocities, lr, momentum):
        torch = minigrad if isinstance(parameters[0], minigrad.Tensor) else _real_torch()
        if not no_grad:
            update(parameters, velocities, lr, momentum)
            return
        with torch.no_grad():
            update(parameters, velocities, lr, momentum)

    return momentum_step


def _real_torch() -> ModuleType:
    import torch

    return torch


def _rebinding(parameters, velocities, lr, momentum):
    for p, v in zip(parameters, velocities):
        v = momentum * v + p.grad
        p.sub_(lr * v)


def _right(parameters, velocities, lr, momentum):
    for p, v in zip(parameters, velocities):
        v.mul_(momentum).add_(p.grad)
        p.sub_(lr * v)


@pytest.mark.parametrize(
    ("answer", "hint"),
    [
        (_momentum_answer(training._plain_sgd), "that is plain SGD"),
        (_momentum_answer(training._moving_average), "PyTorch adds the whole gradient"),
        (_momentum_answer(training._uphill), "step against the velocity"),
        (_momentum_answer(training._old_velocity), "update the velocity first"),
        (_momentum_answer(_rebinding), "only rebinds the name"),
        (_momentum_answer(_right, no_grad=False), "under torch.no_grad()"),
        (lambda parameters, velocities, lr, momentum: ..., "not answered yet"),
    ],
)
def test_wrong_momentum_steps_are_rejected_with_a_hint(
    torch: ModuleType, capsys: pytest.CaptureFixture, answer: Callable, hint: str
) -> None:
    assert_rejected(*verdict(training.check_momentum_step, torch, answer, capsys), hint)
