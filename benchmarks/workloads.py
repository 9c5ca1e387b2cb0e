"""The work the cases time, written once per kind of library.

minigrad and PyTorch share one function each, with the library passed in as ``lib``: running
the same code on both is what ``import minigrad as torch`` promises. micrograd (scalar
``Value`` objects) and the numpy floor (the bare array arithmetic, gradients written out by
hand) each get their own version of the same work, giving results that can be compared.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import numpy as np

#: a chain multiplies by this: below 1, so 200,000 steps stay well inside float32 (e⁻²)
CHAIN_FACTOR = 0.99999
#: the learning rate of the MLP's SGD update
LEARNING_RATE = 0.05

# -- the autograd tutorial's first example ----------------------------------------------------


def tutorial_seed(lib: ModuleType) -> tuple[Any, Any, Any]:
    """``Q = 3a³ − b²`` and ``Q.backward(gradient=…)``, a and b made afresh as the tutorial does."""
    a = lib.tensor([2.0, 3.0], requires_grad=True)
    b = lib.tensor([6.0, 4.0], requires_grad=True)
    q = 3 * a**3 - b**2
    q.backward(gradient=lib.tensor([1.0, 1.0]))
    return q, a.grad, b.grad


def numpy_seed() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The floor of the seed case: Q and its gradients written out (9a², −2b) in numpy."""
    a = np.array([2.0, 3.0], dtype=np.float32)
    b = np.array([6.0, 4.0], dtype=np.float32)
    q = 3 * a**3 - b**2
    gradient = np.array([1.0, 1.0], dtype=np.float32)
    return q, gradient * 9 * a**2, gradient * -2 * b


# -- chains -----------------------------------------------------------------------------------


def chain(lib: ModuleType, length: int) -> Any:
    """``length`` multiplications in a row from one leaf, then ``backward``; the leaf's grad.

    The graph is dropped when the function returns, so freeing it is part of the work.
    """
    x = lib.tensor(1.0, requires_grad=True)
    y = x
    for _ in range(length):
        y = y * CHAIN_FACTOR
    y.backward()
    return x.grad


def chain_tensor_factor(lib: ModuleType, length: int) -> Any:
    """The chain with a 0-d tensor as the multiplier (``y * c``, ``c = tensor(0.99999)``)."""
    x = lib.tensor(1.0, requires_grad=True)
    factor = lib.tensor(CHAIN_FACTOR)
    y = x
    for _ in range(length):
        y = y * factor
    y.backward()
    return x.grad


def micrograd_chain(value: type, length: int) -> float:
    """The chain on micrograd's ``Value`` (whose recursive topological sort gives out first)."""
    x = value(1.0)
    y = x
    for _ in range(length):
        y = y * CHAIN_FACTOR
    y.backward()
    return x.grad


def numpy_chain(length: int) -> np.ndarray:
    """The floor of a chain: its multiplications forward, then as many for the gradient."""
    factor = np.float32(CHAIN_FACTOR)
    y = np.array(1.0, dtype=np.float32)
    for _ in range(length):
        y = y * factor
    grad = np.array(1.0, dtype=np.float32)
    for _ in range(length):
        grad = grad * factor
    return grad


def mul_add_chain(lib: ModuleType, nodes: int) -> tuple[Any, Any, Any]:
    """A graph of ``nodes`` grad_fn nodes, ``y = y * w + step`` (as benchmarks/viz_dot.py
    builds it): the root, and the leaves ``w`` and ``x``."""
    w = lib.tensor([0.5, -0.5, 0.9], requires_grad=True)  # |w| < 1: values stay finite
    x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x
    for step in range(nodes // 2):
        y = y * w + step
    return y, w, x


# -- a 2-16-16-1 tanh MLP -----------------------------------------------------------------------


@dataclass(frozen=True)
class MLPData:
    """One batch and one set of initial weights, shared by every contender (float32)."""

    x: np.ndarray  # (batch, 2)
    y: np.ndarray  # (batch, 1)
    weights: tuple[np.ndarray, ...]  # w1 (2, h), b1 (h,), w2 (h, h), b2 (h,), w3 (h, 1), b3 (1,)


def mlp_data(batch: int, hidden: int = 16, seed: int = 0) -> MLPData:
    """A regression batch (y = sin x₀ · cos x₁) and initial weights uniform in ±1/√fan_in."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(-2, 2, size=(batch, 2)).astype(np.float32)
    y = (np.sin(x[:, :1]) * np.cos(x[:, 1:])).astype(np.float32)
    weights = []
    for fan_in, fan_out in ((2, hidden), (hidden, hidden), (hidden, 1)):
        bound = 1 / math.sqrt(fan_in)
        weights.append(rng.uniform(-bound, bound, size=(fan_in, fan_out)).astype(np.float32))
        weights.append(rng.uniform(-bound, bound, size=(fan_out,)).astype(np.float32))
    return MLPData(x, y, tuple(weights))


def mlp_state(lib: ModuleType, data: MLPData) -> tuple[list[Any], Any, Any]:
    """The parameters (leaves that require grad), inputs and targets as ``lib`` tensors."""
    params = [lib.tensor(w, requires_grad=True) for w in data.weights]
    return params, lib.tensor(data.x), lib.tensor(data.y)


def mlp_step(lib: ModuleType, params: list[Any], x: Any, y: Any) -> tuple[Any, ...]:
    """One training step: forward, MSE, backward, SGD under ``no_grad``; the loss and grads."""
    w1, b1, w2, b2, w3, b3 = params
    for p in params:
        p.grad = None  # what optimizer.zero_grad() does
    h = (x @ w1 + b1).tanh()
    h = (h @ w2 + b2).tanh()
    loss = ((h @ w3 + b3 - y) ** 2).mean()
    loss.backward()
    with lib.no_grad():
        for p in params:
            p.sub_(p.grad, alpha=LEARNING_RATE)
    return (loss, *(p.grad for p in params))


def numpy_mlp_step(params: list[np.ndarray], x: np.ndarray, y: np.ndarray) -> tuple[Any, ...]:
    """The floor of the MLP step: the same forward, backward written out by hand, and SGD."""
    w1, b1, w2, b2, w3, b3 = params
    h1 = np.tanh(x @ w1 + b1)
    h2 = np.tanh(h1 @ w2 + b2)
    diff = h2 @ w3 + b3 - y
    loss = (diff * diff).mean()
    g = diff * np.float32(2 / diff.size)
    gw3, gb3 = h2.T @ g, g.sum(0)
    g = (g @ w3.T) * (1 - h2 * h2)
    gw2, gb2 = h1.T @ g, g.sum(0)
    g = (g @ w2.T) * (1 - h1 * h1)
    gw1, gb1 = x.T @ g, g.sum(0)
    grads = (gw1, gb1, gw2, gb2, gw3, gb3)
    for p, grad in zip(params, grads):
        p -= np.float32(LEARNING_RATE) * grad
    return (loss, *grads)


# -- the MLP on micrograd -----------------------------------------------------------------------


def micrograd_tanh(v: Any) -> Any:
    """tanh as a micrograd ``Value`` op, written as micrograd writes ``relu`` (the PyPI release
    has no tanh; the lecture version of micrograd has this one)."""
    t = math.tanh(v.data)
    out = type(v)(t, (v,), "tanh")

    def _backward() -> None:
        v.grad += (1 - t * t) * out.grad

    out._backward = _backward
    return out


def micrograd_mlp(nn: ModuleType, data: MLPData) -> Any:
    """micrograd's ``MLP(2, [h, h, 1])`` with the shared initial weights copied in."""
    hidden = data.weights[0].shape[1]
    model = nn.MLP(2, [hidden, hidden, 1])
    for layer, w, b in zip(model.layers, data.weights[0::2], data.weights[1::2]):
        for j, neuron in enumerate(layer.neurons):
            for i, weight in enumerate(neuron.w):
                weight.data = float(w[i, j])
            neuron.b.data = float(b[j])
    return model


def micrograd_forward(model: Any, x: list[float]) -> Any:
    """The model on one sample: each neuron as micrograd's ``Neuron.__call__``, with tanh."""
    last = len(model.layers) - 1
    for index, layer in enumerate(model.layers):
        acts = [sum((wi * xi for wi, xi in zip(n.w, x)), n.b) for n in layer.neurons]
        x = acts if index == last else [micrograd_tanh(a) for a in acts]
    return x[0]


def micrograd_step(model: Any, xs: list[list[float]], ys: list[float]) -> Any:
    """One training step on micrograd: the batch is a loop over its scalar samples."""
    zero = type(model.parameters()[0])(0.0)
    loss = sum(((micrograd_forward(model, x) - y) ** 2 for x, y in zip(xs, ys)), zero)
    loss = loss * (1.0 / len(xs))
    model.zero_grad()
    loss.backward()
    for p in model.parameters():
        p.data -= LEARNING_RATE * p.grad
    return loss


def micrograd_results(loss: Any, model: Any) -> list[Any]:
    """The loss and the gradients laid out as the tensors' (w1, b1, w2, b2, w3, b3)."""
    results: list[Any] = [loss.data]
    for layer in model.layers:
        results.append(
            [[n.w[i].grad for n in layer.neurons] for i in range(len(layer.neurons[0].w))]
        )
        results.append([n.b.grad for n in layer.neurons])
    return results


def stepper_mlp(lib: ModuleType) -> tuple[Any, dict[str, Any]]:
    """A learner's MLP on a batch: x 4×2 → 8 tanh units → 1, mean squared error."""
    rng = np.random.default_rng(0)
    x = lib.tensor(rng.uniform(-1, 1, (4, 2)).astype(np.float32))
    target = lib.tensor(rng.uniform(-1, 1, (4, 1)).astype(np.float32))
    w1 = lib.tensor(rng.uniform(-0.7, 0.7, (2, 8)).astype(np.float32), requires_grad=True)
    b1 = lib.tensor(np.zeros(8, np.float32), requires_grad=True)
    w2 = lib.tensor(rng.uniform(-0.35, 0.35, (8, 1)).astype(np.float32), requires_grad=True)
    b2 = lib.tensor(np.zeros(1, np.float32), requires_grad=True)
    hidden = (x @ w1 + b1).tanh()
    loss = ((hidden @ w2 + b2 - target) ** 2).mean()
    return loss, {
        "x": x,
        "target": target,
        "w1": w1,
        "b1": b1,
        "w2": w2,
        "b2": b2,
        "hidden": hidden,
        "loss": loss,
    }


def stepper_chain(lib: ModuleType, ops: int = 50) -> tuple[Any, dict[str, Any]]:
    """``ops`` operations in a row on a 3-vector, alternating ``* w`` and ``+ 0.5``."""
    w = lib.tensor([0.9, -0.8, 1.1], requires_grad=True)
    x = lib.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x
    for k in range(ops):
        y = y * w if k % 2 == 0 else y + 0.5
    return y.sum(), {"w": w, "x": x}


# -- lesson 7: two moons, a 2-16-16-1 ReLU network, nn + optim ---------------------------------


@dataclass(frozen=True)
class MoonsData:
    """Lesson 7's two moons and its network's starting weights (float32), made once."""

    x: np.ndarray  # (points, 2)
    y: np.ndarray  # (points, 1), 0 or 1
    weights: tuple[np.ndarray, ...]  # nn.Linear's (out, in) weights and biases, layer by layer


def moons_data(points: int = 100) -> MoonsData:
    """The lesson's data and starting weights, drawn as the lesson draws them (seed 0)."""
    import minigrad as torch

    half = points // 2
    torch.manual_seed(0)
    angle = torch.linspace(0, math.pi, half)
    upper = torch.stack([angle.cos(), angle.sin()], dim=1)
    lower = torch.stack([1 - angle.cos(), 0.5 - angle.sin()], dim=1)
    x = torch.cat([upper, lower]) + 0.1 * torch.randn(2 * half, 2)
    y = torch.cat([torch.zeros(half), torch.ones(half)]).reshape(2 * half, 1)
    torch.manual_seed(0)
    net = moons_net(torch)
    weights = tuple(p.detach().numpy().copy() for p in net.parameters())
    return MoonsData(x.numpy().copy(), y.numpy().copy(), weights)


def moons_net(lib: ModuleType) -> Any:
    nn = lib.nn
    return nn.Sequential(
        nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 16), nn.ReLU(), nn.Linear(16, 1)
    )


def moons_training(lib: ModuleType, data: MoonsData, steps: int) -> tuple[Any, ...]:
    """The lesson's training loop from the shared starting weights: zero_grad, forward,
    BCEWithLogitsLoss, backward, SGD(lr=0.1, momentum=0.9).step(); the last loss and weights."""
    net = moons_net(lib)
    with lib.no_grad():
        for p, w in zip(net.parameters(), data.weights):
            p.copy_(lib.tensor(w))
    x, y = lib.tensor(data.x), lib.tensor(data.y)
    loss_fn = lib.nn.BCEWithLogitsLoss()
    optimizer = lib.optim.SGD(net.parameters(), lr=0.1, momentum=0.9)
    for _ in range(steps):
        optimizer.zero_grad()
        loss = loss_fn(net(x), y)
        loss.backward()
        optimizer.step()
    return (loss.detach(), *(p.detach() for p in net.parameters()))
