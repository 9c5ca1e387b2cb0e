"""minigrad.optim against torch.optim: the same gradients give the same parameters over 100
steps (SGD bit for bit; Adam to float32 rounding, see below), state_dict, repr, zero_grad,
and PyTorch's errors."""

from __future__ import annotations

import re
import warnings
from typing import Any

import numpy as np
import pytest

import minigrad

torch = pytest.importorskip("torch")

ADDRESS = re.compile(r"0x[0-9a-fA-F]+")
SHAPES = [(7, 3), (3,), (33,)]  # sizes that run PyTorch's vector loops and their tails


def outcome(body: Any, L: Any) -> tuple[str, str]:
    try:
        return "ok", ADDRESS.sub("0x…", repr(body(L)))
    except Exception as error:  # noqa: BLE001 - any exception is an outcome to compare
        return type(error).__name__, str(error)


def trajectory(L: Any, make: Any, steps: int = 100) -> list[np.ndarray]:
    """Parameters after ``steps`` updates from the same fixed sequence of gradients."""
    rng = np.random.default_rng(0)
    params = [
        L.tensor(rng.standard_normal(s).astype(np.float32), requires_grad=True) for s in SHAPES
    ]
    optimizer = make(L, params)
    for _ in range(steps):
        for p in params:
            p.grad = L.tensor(rng.standard_normal(tuple(p.shape)).astype(np.float32))
        optimizer.step()
    return [p.detach().numpy() for p in params]


SGDS = {
    "plain": {"lr": 0.1},
    "momentum": {"lr": 0.05, "momentum": 0.9},
    "dampening": {"lr": 0.05, "momentum": 0.8, "dampening": 0.3},
    "nesterov": {"lr": 0.03, "momentum": 0.9, "nesterov": True},
    "weight_decay": {"lr": 0.07, "momentum": 0.5, "weight_decay": 0.01},
    "maximize": {"lr": 0.01, "momentum": 0.7, "maximize": True, "weight_decay": 0.1},
}


@pytest.mark.parametrize("name", sorted(SGDS))
def test_sgd_trajectory_bit_for_bit(name: str) -> None:
    def make(L: Any, params: list) -> Any:
        return L.optim.SGD(params, **SGDS[name])

    for ours, theirs in zip(trajectory(minigrad, make), trajectory(torch, make), strict=True):
        np.testing.assert_array_equal(ours, theirs, strict=True)


ADAMS = {
    "defaults": {},
    "lr": {"lr": 0.01, "betas": (0.8, 0.99)},
    "weight_decay": {"lr": 0.005, "weight_decay": 0.1},
    "decoupled": {"lr": 0.005, "weight_decay": 0.1, "decoupled_weight_decay": True},
    "amsgrad": {"lr": 0.01, "amsgrad": True},
    "maximize": {"maximize": True, "eps": 1e-6},
}


@pytest.mark.parametrize("name", sorted(ADAMS))
def test_adam_trajectory_to_float32_rounding(name: str) -> None:
    """Every step is PyTorch's, rounding for rounding (lerp_ and addcmul_ fused as its
    kernels are), but for one: PyTorch's float32 sqrt comes from MKL's vector library, off
    from the correctly rounded root by up to 0.7 ulp, so a denominator can differ in its
    last bit."""

    def make(L: Any, params: list) -> Any:
        return L.optim.Adam(params, **ADAMS[name])

    for ours, theirs in zip(trajectory(minigrad, make), trajectory(torch, make), strict=True):
        np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-6)


def test_adam_first_steps_bit_for_bit_where_sqrt_is_exact() -> None:
    """With gradients whose squares have exact roots, Adam's step is PyTorch's bits."""

    def body(L: Any) -> np.ndarray:
        p = L.tensor([0.5, -1.25, 2.0, 3.0, -0.75, 1.5, 0.1, -2.0, 4.0], requires_grad=True)
        optimizer = L.optim.Adam([p], lr=0.01)
        for k in range(3):
            p.grad = L.tensor([1.0, -2.0, 0.5, 4.0, -0.25, 8.0, 2.0, -1.0, 0.125]) * (k + 1)
            optimizer.step()
        return p.detach().numpy()

    np.testing.assert_array_equal(body(minigrad), body(torch), strict=True)


@pytest.mark.parametrize(
    "op",
    [
        lambda a, b, c: a.addcmul_(b, c, value=0.001),
        lambda a, b, c: a.addcdiv_(b, c.abs() + 0.5, value=-0.0123),
        lambda a, b, c: a.lerp_(b, 0.1),
        lambda a, b, c: a.lerp_(b, 0.75),
        lambda a, b, c: a.mul_(0.999).add_(b, alpha=0.3),
    ],
    ids=["addcmul_", "addcdiv_", "lerp_small", "lerp_large", "mul_add_"],
)
def test_optimizer_kernels_round_as_pytorch(op: Any) -> None:
    rng = np.random.default_rng(1)
    values = [rng.standard_normal(1001).astype(np.float32) for _ in range(3)]

    def body(L: Any) -> np.ndarray:
        return op(*(L.tensor(v) for v in values)).numpy()

    np.testing.assert_array_equal(body(minigrad), body(torch), strict=True)


def test_state_dict_and_zero_grad() -> None:
    def body(L: Any) -> Any:
        L.manual_seed(0)
        model = L.nn.Linear(2, 3)
        optimizer = L.optim.Adam(model.parameters(), lr=0.01)
        model(L.ones(4, 2)).sum().backward()
        optimizer.step()
        state = optimizer.state_dict()
        steps = {k: (float(v["step"]), v["step"].dtype) for k, v in state["state"].items()}
        optimizer.zero_grad(set_to_none=False)
        zeroed = [p.grad.tolist() for p in model.parameters()]
        optimizer.zero_grad()
        return state["param_groups"], steps, zeroed, [p.grad for p in model.parameters()]

    ours, theirs = body(minigrad), body(torch)
    assert ours[0] == theirs[0]
    assert {k: (v, str(d)) for k, (v, d) in ours[1].items()} == {
        k: (v, str(d)) for k, (v, d) in theirs[1].items()
    }
    assert ours[2:] == theirs[2:]


def test_load_state_dict_continues_the_trajectory() -> None:
    def body(L: Any) -> Any:
        p = L.tensor([1.0, -2.0], requires_grad=True)
        first = L.optim.SGD([p], lr=0.1, momentum=0.9)
        p.grad = L.tensor([0.5, 0.25])
        first.step()
        second = L.optim.SGD([p], lr=0.5)
        second.load_state_dict(first.state_dict())
        second.step()
        return p.tolist(), second.param_groups[0]["lr"], repr(second)

    assert body(minigrad) == body(torch)


@pytest.mark.parametrize(
    "body",
    [
        lambda L: L.optim.SGD(L.nn.Linear(2, 2).parameters(), lr=0.1),
        lambda L: L.optim.Adam(L.nn.Linear(2, 2).parameters()),
        lambda L: L.optim.SGD([L.ones(2, requires_grad=True)], lr=0.1, momentum=0.9, nesterov=True),
        lambda L: L.optim.SGD(L.ones(2, requires_grad=True), lr=0.1),
        lambda L: L.optim.SGD([L.ones(2, requires_grad=True) * 2], lr=0.1),
        lambda L: L.optim.SGD([1.0], lr=0.1),
        lambda L: L.optim.SGD([], lr=0.1),
        lambda L: L.optim.SGD([L.ones(2, requires_grad=True)], lr=-1),
        lambda L: L.optim.SGD([L.ones(2, requires_grad=True)], lr=0.1, momentum=-0.5),
        lambda L: L.optim.SGD([L.ones(2, requires_grad=True)], lr=0.1, nesterov=True),
        lambda L: L.optim.Adam([L.ones(2, requires_grad=True)], betas=(1.0, 0.9)),
        lambda L: L.optim.Adam([L.ones(2, requires_grad=True)], betas=(0.9, -0.1)),
        lambda L: L.optim.Adam([L.ones(2, requires_grad=True)], eps=-1.0),
        lambda L: L.optim.Adam([L.ones(2, requires_grad=True)], weight_decay=-1.0),
        lambda L: L.optim.Adam({L.ones(2, requires_grad=True)}),
    ],
)
def test_reprs_and_errors_match(body: Any) -> None:
    assert outcome(body, minigrad) == outcome(body, torch)


def test_duplicate_parameter_warns_as_pytorch() -> None:
    def body(L: Any) -> list[str]:
        p = L.ones(2, requires_grad=True)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            L.optim.SGD([p, p], lr=0.1)
        return [str(w.message) for w in caught]

    assert body(minigrad) == body(torch) != []


def test_step_runs_without_recording_and_returns_the_closures_loss() -> None:
    def body(L: Any) -> Any:
        p = L.tensor([1.0, 2.0], requires_grad=True)
        optimizer = L.optim.SGD([p], lr=0.5)

        def closure() -> Any:
            optimizer.zero_grad()
            loss = (p * p).sum()
            loss.backward()
            return loss

        loss = optimizer.step(closure)
        return loss.item(), p.tolist(), p.grad_fn, p.is_leaf

    assert body(minigrad) == body(torch)
