"""``Tensor.register_post_accumulate_grad_hook`` against PyTorch: when the hooks run, what
they see, their handles, and PyTorch's errors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import minigrad

torch = pytest.importorskip("torch")


def outcome(body: Callable[[Any], Any], L: Any) -> Any:
    try:
        return ("ok", body(L))
    except Exception as error:  # noqa: BLE001 - any exception is an outcome to compare
        return (type(error).__name__, str(error))


def check(body: Callable[[Any], Any]) -> None:
    assert outcome(body, minigrad) == outcome(body, torch)


def values(t: Any) -> Any:
    return None if t is None else t.detach().numpy().tolist()


def _after_accumulation(L: Any) -> list:
    w = L.tensor([1.0, 2.0], requires_grad=True)
    log: list = []
    w.register_hook(lambda g: log.append(("tensor hook", values(g))))
    w.register_post_accumulate_grad_hook(lambda t: log.append(("post", t is w, values(t.grad))))
    (w * 3).sum().backward()
    (w * w).sum().backward()  # accumulates: the hook sees the sum
    return log


def _not_for_grad_nor_excluded_leaves(L: Any) -> list:
    w, u = L.ones(2, requires_grad=True), L.ones(2, requires_grad=True)
    log: list = []
    w.register_post_accumulate_grad_hook(lambda t: log.append("w"))
    u.register_post_accumulate_grad_hook(lambda t: log.append("u"))
    L.autograd.grad((w * u).sum(), [w, u])
    (w * u).sum().backward(inputs=[u])
    return log


def _handles(L: Any) -> list:
    w = L.ones(2, requires_grad=True)
    log: list = []

    def hook(t: Any) -> None:
        log.append(values(t.grad))

    first = w.register_post_accumulate_grad_hook(hook)
    w.register_post_accumulate_grad_hook(hook)  # registered twice: runs twice
    (w * 2).sum().backward()
    first.remove()
    (w * 2).sum().backward()
    return log


def _hook_may_change_grad(L: Any) -> list:
    w = L.ones(2, requires_grad=True)

    def halve(t: Any) -> None:
        t.grad.mul_(0.5)

    w.register_post_accumulate_grad_hook(halve)
    (w * 4).sum().backward()
    return values(w.grad)


def _create_graph(L: Any) -> list:
    w = L.tensor([1.0, 2.0], requires_grad=True)
    seen: list = []
    w.register_post_accumulate_grad_hook(lambda t: seen.append(t.grad.requires_grad))
    (w**3).sum().backward(create_graph=True)
    return seen


def _direct_call_of_the_node(L: Any) -> list:
    w = L.ones(2, requires_grad=True)
    seen: list = []
    w.register_post_accumulate_grad_hook(lambda t: seen.append(values(t.grad)))
    node = (w * 1).grad_fn.next_functions[0][0]
    node(L.ones(2))
    return seen


def _returns_a_tensor(L: Any) -> Any:
    w = L.ones(2, requires_grad=True)
    w.register_post_accumulate_grad_hook(lambda t: t.grad * 2)
    (w * 2).sum().backward()


def _returns_a_number(L: Any) -> Any:
    w = L.ones(2, requires_grad=True)
    w.register_post_accumulate_grad_hook(lambda t: 5)
    (w * 2).sum().backward()


CASES: dict[str, Callable[[Any], Any]] = {
    "after_accumulation": _after_accumulation,
    "not_for_grad_nor_excluded_leaves": _not_for_grad_nor_excluded_leaves,
    "handles": _handles,
    "hook_may_change_grad": _hook_may_change_grad,
    "create_graph": _create_graph,
    "direct_call_of_the_node": _direct_call_of_the_node,
    "returns_a_tensor": _returns_a_tensor,
    "returns_a_number": _returns_a_number,
    "non_leaf": lambda L: (L.ones(2, requires_grad=True) * 2).register_post_accumulate_grad_hook(
        print
    ),
    "no_grad_required": lambda L: L.ones(2).register_post_accumulate_grad_hook(print),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_same_as_torch(case: str) -> None:
    check(CASES[case])


def test_each_hook_runs_right_after_its_own_leaf_is_written() -> None:
    """A hook sees its leaf's new gradient; the step it takes (w -= lr·grad) is applied."""
    w = minigrad.tensor([1.0, -2.0], requires_grad=True)

    def step(t: minigrad.Tensor) -> None:
        with minigrad.no_grad():
            t.sub_(0.1 * t.grad)

    w.register_post_accumulate_grad_hook(step)
    (w**2).sum().backward()
    np.testing.assert_allclose(w.detach().numpy(), np.array([1.0, -2.0]) * (1 - 0.2))
