"""Lesson 7's exercise checks: ``training.check_train_step(torch, train_step)`` and
``training.check_momentum_step(torch, momentum_step)``.

Each takes the tensor library the lesson runs on (minigrad or PyTorch, imported as ``torch``)
and the learner's function, runs it for a few steps from several seeded starting points, and
compares where the parameters go with where ``torch.nn`` and ``torch.optim`` take them. It prints
✓, or ✗ with a hint aimed at the likely mistake, or … while the answer is still ``...``; it never
prints the expected values.

>>> import minigrad as torch
>>> def train_step(model, loss_fn, optimizer, inputs, targets):
...     optimizer.zero_grad()
...     loss = loss_fn(model(inputs), targets)
...     loss.backward()
...     optimizer.step()
...     return loss
>>> check_train_step(torch, train_step)
✓ train_step is right: over 3 steps from 3 random starts, its parameters follow optimizer.step()'s
"""

from __future__ import annotations

import random
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from minigrad.lessons._verdicts import (
    does_nothing,
    not_answered,
    right,
    wrong,
    your_code_raised,
)

SEEDS = (1, 2, 3)  # one random start per seed
STEPS = 3  # steps per start: a missing zero_grad() shows from the second step on


# --- random starting points --------------------------------------------------------------


def _random(torch: Any, rng: random.Random, *shape: int) -> Any:
    """A float32 tensor of distinct values in [-1, 1] (none of them 0)."""
    count = 1
    for size in shape:
        count *= size
    values = [k / 100 for k in rng.sample([k for k in range(-100, 101) if k], count)]
    return torch.tensor(values).reshape(shape).clone()  # its own storage, not a view


@contextmanager
def _rng_kept(torch: Any) -> Iterator[None]:
    """Building a layer draws from torch's generator: give the lesson its state back."""
    state = torch.get_rng_state()
    try:
        yield
    finally:
        torch.set_rng_state(state)


def _close(torch: Any, mine: Any, expected: Any) -> bool:
    return tuple(mine.shape) == tuple(expected.shape) and bool(
        torch.allclose(mine.detach().double(), expected.detach().double(), rtol=1e-4, atol=1e-6)
    )


def _all_close(torch: Any, mine: list[Any], expected: list[Any]) -> bool:
    return all(_close(torch, m, e) for m, e in zip(mine, expected))


# --- exercise 1: the training step -------------------------------------------------------


def _training_setup(torch: Any, seed: int) -> tuple[Any, Any, Any, Any, Any]:
    """A 2-3-1 tanh network with seeded weights, its loss, an SGD optimizer, and a batch."""
    rng = random.Random(seed)
    with _rng_kept(torch):
        model = torch.nn.Sequential(
            torch.nn.Linear(2, 3), torch.nn.Tanh(), torch.nn.Linear(3, 1)
        )
    with torch.no_grad():
        for p in model.parameters():
            p.copy_(_random(torch, rng, *p.shape))
    optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
    inputs, targets = _random(torch, rng, 5, 2), _random(torch, rng, 5, 1)
    return model, torch.nn.MSELoss(), optimizer, inputs, targets


def _right_step(model: Any, loss_fn: Any, optimizer: Any, inputs: Any, targets: Any) -> Any:
    optimizer.zero_grad()
    loss = loss_fn(model(inputs), targets)
    loss.backward()
    optimizer.step()
    return loss


def _step_without_zero_grad(model: Any, loss_fn: Any, optimizer: Any, inputs: Any,
                            targets: Any) -> Any:
    loss = loss_fn(model(inputs), targets)
    loss.backward()
    optimizer.step()
    return loss


def _trajectory(torch: Any, seed: int, train_step: Callable[..., Any]) -> list[list[Any]]:
    """The parameters after each of STEPS calls of the reference ``train_step``."""
    model, *rest = _training_setup(torch, seed)
    after = []
    for _ in range(STEPS):
        train_step(model, *rest)
        after.append([p.detach().clone() for p in model.parameters()])
    return after


def _unmoved_hint(model: Any) -> str:
    """Why the parameters did not move, from what their .grad holds."""
    if all(p.grad is None for p in model.parameters()):
        return (
            "no gradient was there when optimizer.step() ran: loss.backward() fills the "
            ".grad that step() reads, so the order is zero_grad(), loss, backward(), step()"
        )
    return "the gradients are there, but optimizer.step() never applied them"


def _loss_problem(torch: Any, returned: Any, expected: Any) -> str | None:
    if returned is None:
        return "return the loss, so that the loop can record it"
    if not torch.is_tensor(returned) or returned.dim() != 0:
        return "return the loss tensor itself (one number, as loss_fn gives it)"
    if not _close(torch, returned, expected):
        return "return this step's loss: the one computed before the update"
    return None


def _check_one_start(torch: Any, seed: int, train_step: Callable[..., Any]) -> bool | None:
    """True when right, False after saying what is wrong, None when not answered."""
    part = "train_step"
    expected = _trajectory(torch, seed, _right_step)
    forgot = _trajectory(torch, seed, _step_without_zero_grad)
    model, loss_fn, optimizer, inputs, targets = _training_setup(torch, seed)
    start = [p.detach().clone() for p in model.parameters()]
    for step in range(STEPS):
        reference_loss = loss_fn(model(inputs), targets).detach()
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                returned = train_step(model, loss_fn, optimizer, inputs, targets)
        except Exception as error:  # the learner's code: any error is theirs to see
            return wrong(part, your_code_raised(error), "zero_grad(), loss, backward(), step()")
        now = [p.detach() for p in model.parameters()]
        if step == 0 and _all_close(torch, now, start):
            if returned is ... or does_nothing(train_step):
                return None
            return wrong(part, "the parameters did not move", _unmoved_hint(model))
        if not _all_close(torch, now, expected[step]):
            if _all_close(torch, now, forgot[step]):
                return wrong(
                    part,
                    "the first step was right, the next ones went wrong",
                    "backward() adds into .grad: without optimizer.zero_grad() each step "
                    "uses the sum of all the gradients so far",
                )
            return wrong(part, "the parameters moved to the wrong place", _unmoved_hint(model)
                          if _all_close(torch, now, start) else
                          "one step is zero_grad(), loss, backward(), step(), once each")
        problem = _loss_problem(torch, returned, reference_loss)
        if problem is not None:
            return wrong(part, "the parameters are right, the returned value is not", problem)
    return True


def check_train_step(torch: Any, train_step: Callable[..., Any]) -> None:
    """train_step(model, loss_fn, optimizer, inputs, targets): one step of training, returning
    the loss; checked for STEPS steps from each of the seeded starts."""
    for seed in SEEDS:
        verdict = _check_one_start(torch, seed, train_step)
        if verdict is None:
            not_answered("train_step")
            return
        if not verdict:
            return
    right(
        "train_step",
        f"over {STEPS} steps from {len(SEEDS)} random starts, its parameters follow "
        "optimizer.step()'s",
    )


# --- exercise 2: SGD with momentum -------------------------------------------------------

MOMENTA = (0.9, 0.5, 0.8)
LEARNING_RATES = (0.1, 0.3, 0.05)


def _momentum_setup(torch: Any, seed: int) -> tuple[list[Any], list[list[Any]]]:
    """Two parameters and the gradients they get at each of STEPS steps."""
    rng = random.Random(seed)
    shapes = ((2, 3), (3,))
    parameters = [_random(torch, rng, *shape).requires_grad_() for shape in shapes]
    gradients = [[_random(torch, rng, *shape) for shape in shapes] for _ in range(STEPS)]
    return parameters, gradients


def _with_optimizer(torch: Any, seed: int, lr: float, momentum: float) -> list[list[Any]]:
    """The parameters after each step of ``torch.optim.SGD(momentum=…)``."""
    parameters, gradients = _momentum_setup(torch, seed)
    optimizer = torch.optim.SGD(parameters, lr=lr, momentum=momentum)
    after = []
    for grads in gradients:
        for p, g in zip(parameters, grads):
            p.grad = g.clone()
        optimizer.step()
        after.append([p.detach().clone() for p in parameters])
    return after


def _plain_sgd(parameters: list[Any], velocities: list[Any], lr: float, momentum: float) -> None:
    for p, v in zip(parameters, velocities):
        v.mul_(momentum).add_(p.grad)
        p.sub_(lr * p.grad)


def _moving_average(parameters: list[Any], velocities: list[Any], lr: float,
                    momentum: float) -> None:
    for p, v in zip(parameters, velocities):
        v.mul_(momentum).add_((1 - momentum) * p.grad)
        p.sub_(lr * v)


def _uphill(parameters: list[Any], velocities: list[Any], lr: float, momentum: float) -> None:
    for p, v in zip(parameters, velocities):
        v.mul_(momentum).add_(p.grad)
        p.add_(lr * v)


def _old_velocity(parameters: list[Any], velocities: list[Any], lr: float,
                  momentum: float) -> None:
    for p, v in zip(parameters, velocities):
        p.sub_(lr * v)
        v.mul_(momentum).add_(p.grad)


MOMENTUM_MISTAKES = (
    (_plain_sgd, "that is plain SGD: step with the velocity, p ← p − lr · v, not with p.grad"),
    (
        _moving_average,
        "PyTorch adds the whole gradient: v ← momentum · v + p.grad, no (1 − momentum)",
    ),
    (_uphill, "step against the velocity: subtract lr · v"),
    (_old_velocity, "update the velocity first, then step with the new one"),
)


def _by_hand(torch: Any, seed: int, lr: float, momentum: float,
             step_function: Callable[..., Any]) -> list[list[Any]]:
    """The parameters after each step of a momentum step written by hand (a known mistake)."""
    parameters, gradients = _momentum_setup(torch, seed)
    velocities = [torch.zeros_like(p) for p in parameters]
    after = []
    for grads in gradients:
        for p, g in zip(parameters, grads):
            p.grad = g.clone()
        with torch.no_grad():
            step_function(parameters, velocities, lr, momentum)
        after.append([p.detach().clone() for p in parameters])
    return after


def _momentum_hint(torch: Any, seed: int, lr: float, momentum: float, step: int,
                   now: list[Any], velocities: list[Any]) -> str:
    if all(not bool(v.abs().max() > 0) for v in velocities):
        return (
            "the velocities are still zero: `v = …` only rebinds the name; update each in "
            "place, v.mul_(momentum).add_(p.grad), so that the next step remembers it"
        )
    for mistake, hint in MOMENTUM_MISTAKES:
        if _all_close(torch, now, _by_hand(torch, seed, lr, momentum, mistake)[step]):
            return hint
    return "first v ← momentum · v + p.grad, then p ← p − lr · v, for each pair (p, v)"


def _momentum_error_hint(error: Exception) -> str:
    if isinstance(error, RuntimeError) and "in-place" in str(error):
        return "change the parameters in place under torch.no_grad(), as optimizer.step() does"
    return "for each pair (p, v): v ← momentum · v + p.grad, then p ← p − lr · v, in place"


def _check_momentum_start(torch: Any, seed: int, lr: float, momentum: float,
                          momentum_step: Callable[..., Any]) -> bool | None:
    """True when right, False after saying what is wrong, None when not answered."""
    part = "momentum_step"
    expected = _with_optimizer(torch, seed, lr, momentum)
    parameters, gradients = _momentum_setup(torch, seed)
    velocities = [torch.zeros_like(p) for p in parameters]
    for step, grads in enumerate(gradients):
        before = [p.detach().clone() for p in parameters]
        for p, g in zip(parameters, grads):
            p.grad = g.clone()
        try:
            momentum_step(parameters, velocities, lr, momentum)
        except Exception as error:  # the learner's code
            return wrong(part, your_code_raised(error), _momentum_error_hint(error))
        now = [p.detach() for p in parameters]
        if _all_close(torch, now, before):
            if does_nothing(momentum_step):
                return None
            hint = _momentum_error_hint(ValueError())
            if any(bool(v.abs().max() > 0) for v in velocities):
                hint = "update the velocity first, then step with the new one"
            return wrong(part, "the parameters did not move", hint)
        if not _all_close(torch, now, expected[step]):
            problem = "the parameters moved by the wrong amount"
            if step:
                problem = "the first step is right, a later one is not"
            hint = _momentum_hint(torch, seed, lr, momentum, step, now, velocities)
            return wrong(part, problem, hint)
    return True


def check_momentum_step(torch: Any, momentum_step: Callable[..., Any]) -> None:
    """momentum_step(parameters, velocities, lr, momentum): what ``SGD(momentum=…).step()``
    does, with the velocities (PyTorch's momentum buffers) starting as zeros."""
    for seed, lr, momentum in zip(SEEDS, LEARNING_RATES, MOMENTA):
        verdict = _check_momentum_start(torch, seed, lr, momentum, momentum_step)
        if verdict is None:
            not_answered("momentum_step")
            return
        if not verdict:
            return
    right(
        "momentum_step",
        f"over {STEPS} steps from {len(SEEDS)} random starts, it moves the parameters as "
        "torch.optim.SGD with momentum does",
    )
