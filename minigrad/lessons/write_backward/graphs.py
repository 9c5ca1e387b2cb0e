"""The graphs and random points lesson 6's checks build, and how they walk a graph."""

from __future__ import annotations

from dataclasses import dataclass, field
from types import ModuleType
from typing import Any


@dataclass
class Graph:
    """One graph built for a check: its root, the gradient to start from (None: the root has
    one element), and its leaves by name."""

    title: str
    root: Any
    gradient: Any
    leaves: dict[str, Any]
    paths_meet: bool = False  # some node receives gradients along more than one path
    prefilled: dict[str, Any] = field(default_factory=dict)  # .grad set before backward


def build_graphs(torch: ModuleType, seed: int) -> list[Graph]:
    """The check graphs, built with ``torch`` from random numbers seeded by ``seed`` (so that
    building them twice gives the same graphs, values included)."""
    generator = torch.Generator().manual_seed(seed)

    def randn(*shape: int, requires_grad: bool = True) -> Any:
        values = torch.randn(*shape, generator=generator, dtype=torch.float64)
        return values.requires_grad_(requires_grad)

    graphs = []
    a, b = randn(2), randn(2)
    graphs.append(Graph("the tutorial's Q = 3a³ − b²", 3 * a**3 - b**2, randn(2, requires_grad=False),
                        {"a": a, "b": b}))

    x, w = randn(4, 3), randn(3, 2)
    graphs.append(Graph("a matrix product X @ W", x @ w, randn(4, 2, requires_grad=False),
                        {"X": x, "W": w}))

    inputs, targets = randn(5, 3, requires_grad=False), randn(5, 1, requires_grad=False)
    w1, b1, w2, b2 = randn(3, 4), randn(4), randn(4, 1), randn(1)
    hidden = (inputs @ w1 + b1).tanh()
    loss = ((hidden @ w2 + b2 - targets) ** 2).mean()
    graphs.append(Graph("a 2-layer MLP with its loss", loss, None,
                        {"W1": w1, "b1": b1, "W2": w2, "b2": b2}))

    x = randn(3)
    y = x
    for _ in range(25):  # 75 operations, one after the other
        y = (y * 0.9).sin() + 0.1
    graphs.append(Graph("a chain of 75 operations", y.sum(), None, {"x": x}))

    x = randn(3)
    h = x * 3
    out = (h * h.sin() + h.exp()).sum() + (x * x).sum()
    graphs.append(Graph("a graph where tensors are used several times", out, None, {"x": x},
                        paths_meet=True))

    x = randn(6)
    first, _, last = x.split(2)  # the middle piece is never used: no gradient reaches it
    out = (first * last.exp()).sum() + last.sum()
    graphs.append(Graph("x.split(2), with the middle piece unused", out, None, {"x": x},
                        paths_meet=True))

    x = randn(2)
    y = x
    for _ in range(12):  # each step uses y twice: 4,096 paths from the root to x
        y = y.sin() + y.cos()
    graphs.append(Graph("a ladder where paths meet 4,096 times", y.sum(), None, {"x": x},
                        paths_meet=True))

    a, b = randn(2), randn(2)
    earlier = randn(2, requires_grad=False)
    a.grad = earlier.clone()  # a gradient from an earlier backward pass: it must be added to
    graphs.append(Graph("Q again, with a.grad already holding a gradient", 3 * a**3 - b**2,
                        randn(2, requires_grad=False), {"a": a, "b": b},
                        prefilled={"a": earlier}))
    return graphs


def random_vector(torch: ModuleType, size: int, seed: int) -> Any:
    """``size`` float64 numbers drawn from a generator of their own, seeded by ``seed``."""
    generator = torch.Generator().manual_seed(seed)
    return torch.randn(size, generator=generator, dtype=torch.float64)


def graph_nodes(root_node: Any) -> list[Any]:
    """Every node reachable from ``root_node`` through ``next_functions`` (each once)."""
    seen, stack, nodes = {id(root_node)}, [root_node], []
    while stack:
        node = stack.pop()
        nodes.append(node)
        for child, _ in node.next_functions:
            if child is not None and id(child) not in seen:
                seen.add(id(child))
                stack.append(child)
    return nodes


def node_name(node: Any) -> str:
    """The name a node goes by in messages: its class, ``MulBackward0`` for instance."""
    return type(node).__name__
