"""One full training run, minigrad against PyTorch: the issue's network, seeded, trained
for 100 steps on the same data, prints PyTorch's losses to float32 rounding.

The starting weights are PyTorch's bit for bit and each optimizer step rounds as PyTorch's;
what differs is the last bit of a matrix product (PyTorch's MKL sums in another order than
numpy's BLAS) and of exp/tanh, which the steps then carry along."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import minigrad

torch = pytest.importorskip("torch")


def train(L: Any, optimizer: str, loss: str, **settings: Any) -> tuple[list[str], list[Any]]:
    L.manual_seed(0)
    model = L.nn.Sequential(L.nn.Linear(2, 16), L.nn.Tanh(), L.nn.Linear(16, 1))
    x = L.randn(64, 2)
    if loss == "mse":
        y, loss_fn = (x[:, :1] * x[:, 1:]).sin(), L.nn.MSELoss()
    else:
        y, loss_fn = (x[:, :1] * x[:, 1:] > 0).float(), L.nn.BCEWithLogitsLoss()
    opt = getattr(L.optim, optimizer)(model.parameters(), **settings)
    printed = []
    for _ in range(100):
        opt.zero_grad()
        value = loss_fn(model(x), y)
        value.backward()
        opt.step()
        printed.append(f"{value.item():.4f}")
    return printed, [p.detach().numpy() for p in model.parameters()]


RUNS = [
    ("SGD", "mse", {"lr": 0.1}),
    ("SGD", "bce", {"lr": 0.1, "momentum": 0.9, "nesterov": True, "weight_decay": 1e-3}),
    ("Adam", "mse", {"lr": 0.01}),
    ("Adam", "bce", {"lr": 0.02, "amsgrad": True}),
]


@pytest.mark.parametrize(("optimizer", "loss", "settings"), RUNS)
def test_training_prints_pytorchs_losses(optimizer: str, loss: str, settings: dict) -> None:
    ours, theirs = (
        train(minigrad, optimizer, loss, **settings),
        train(torch, optimizer, loss, **settings),
    )
    assert ours[0] == theirs[0]
    assert float(ours[0][-1]) < float(ours[0][0])  # it learned something
    for mine, yours in zip(ours[1], theirs[1], strict=True):
        np.testing.assert_allclose(mine, yours, rtol=1e-5, atol=1e-6)


def test_classifier_with_cross_entropy() -> None:
    def body(L: Any) -> tuple[list[float], Any]:
        L.manual_seed(1)
        model = L.nn.Sequential(L.nn.Linear(2, 8), L.nn.ReLU(), L.nn.Linear(8, 3))
        x = L.randn(30, 2)
        y = (x[:, 0] > 0).long() + (x[:, 1] > 0).long()
        opt = L.optim.SGD(model.parameters(), lr=0.2, momentum=0.5)
        losses = []
        for _ in range(100):
            opt.zero_grad()
            loss = L.nn.functional.cross_entropy(model(x), y)
            loss.backward()
            opt.step()
            losses.append(loss.item())
        return losses, model(x).argmax(1).tolist()

    ours, theirs = body(minigrad), body(torch)
    np.testing.assert_allclose(ours[0], theirs[0], rtol=1e-5)
    assert ours[1] == theirs[1]
