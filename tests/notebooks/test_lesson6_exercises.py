"""Lesson 6's exercise checks (minigrad/lessons/write_backward/): each accepts the lesson's
model solution, read from the notebook itself, and rejects known wrong answers with a hint that
gives no expected value away, under minigrad and under real PyTorch (skipped without it).
"""

from __future__ import annotations

import contextlib
import functools
import io
import re
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import nbformat
import pytest

import minigrad
from minigrad.lessons import write_backward
from minigrad.lessons.write_backward import (
    check_engine,
    check_finite_difference,
    check_second_derivative,
    check_topological_order,
    forbid_autograd,
)

from .verdicts import assert_rejected

LESSON = Path(__file__).resolve().parents[2] / "notebooks" / "06_write_backward_yourself.ipynb"


def _pytorch() -> ModuleType | None:
    try:
        import torch
    except ImportError:
        return None
    return torch


@pytest.fixture(params=["minigrad", "torch"])
def torch(request: pytest.FixtureRequest) -> ModuleType:
    """The library the checks build their graphs with: minigrad, then real PyTorch."""
    if request.param == "minigrad":
        return minigrad
    return pytest.importorskip("torch")


def solutions(torch: ModuleType) -> dict[str, Any]:
    """The lesson's model solutions, run as the lesson runs them (checks included) with
    ``torch`` as the lesson's torch; returns the namespace they were defined in."""
    namespace: dict[str, Any] = {"torch": torch}
    exec("from minigrad.lessons.write_backward import *", namespace)
    for cell in nbformat.read(LESSON, as_version=4).cells:
        if "solution" in cell.metadata.get("tags", []):
            exec(cell.source, namespace)
    return namespace


@functools.cache
def model(torch: ModuleType, name: str) -> Callable:
    """One model solution, defined as the lesson defines it (its check calls do nothing)."""
    namespace: dict[str, Any] = {"torch": torch}
    namespace.update({check: lambda *args, **kwargs: None for check in write_backward.__all__})
    for cell in nbformat.read(LESSON, as_version=4).cells:
        if "solution" in cell.metadata.get("tags", []):
            exec(cell.source, namespace)
    return namespace[name]


def verdict(check: Callable[..., bool], answer: Any, torch: ModuleType,
            capsys: pytest.CaptureFixture[str], **options: Any) -> tuple[bool, str]:
    """What ``check`` returns for ``answer``, and what it printed."""
    capsys.readouterr()
    assert check(answer, torch, **options) is None  # nothing for the notebook to display
    said = capsys.readouterr().out
    return said.startswith("✓"), said


# --- the model solutions -----------------------------------------------------------------


def test_each_model_solution_passes(torch: ModuleType, capsys: pytest.CaptureFixture) -> None:
    capsys.readouterr()
    solutions(torch)
    said = capsys.readouterr().out.splitlines()
    assert len(said) == 4 and all(line.startswith("✓") for line in said), said
    assert not any(re.search(r"\d\.\d", line) for line in said)


MINIGRAD_ONLY_ENGINE = """
def my_backward(root, gradient=None):
    if gradient is None:
        gradient = torch.ones_like(root)
    received = {root.grad_fn: {0: gradient}}
    with torch.no_grad():
        for node in topological_order(root.grad_fn):
            grads = received.pop(node, {})
            if not grads:
                continue
            results = node(*[grads.get(n) for n in range(1 + max(grads))])
            results = results if isinstance(results, tuple) else (results,)
            for child, (_, number), result in zip(node._next, node.next_functions, results):
                if child is not None and result is not None:  # _next: minigrad's own field
                    if hasattr(child, "variable"):
                        result = result.sum_to_size(child.variable.shape)
                    slots = received.setdefault(child, {})
                    slots[number] = slots[number] + result if number in slots else result
"""


def test_the_engine_check_runs_the_learners_code_with_real_pytorch_too(
    capsys: pytest.CaptureFixture,
) -> None:
    """Under minigrad, with PyTorch installed, the engine check also runs the learner's code
    as if the lesson said `import torch`: the model passes, and an engine that reads one of
    minigrad's private fields passes on minigrad's graphs alone."""
    pytest.importorskip("torch")
    namespace = {"torch": minigrad, "topological_order": model(minigrad, "topological_order")}
    exec(MINIGRAD_ONLY_ENGINE, namespace)
    engine = namespace["my_backward"]
    assert verdict(check_engine, engine, minigrad, capsys, pytorch_too=False)[0]
    passed, said = verdict(check_engine, engine, minigrad, capsys)
    assert_rejected(passed, said, "(with real PyTorch)")
    passed, said = verdict(check_engine, model(minigrad, "my_backward"), minigrad, capsys)
    assert passed and said.startswith("✓"), said


def test_an_engine_that_does_not_sum_down_broadcast_gradients_fails(
    torch: ModuleType, capsys: pytest.CaptureFixture
) -> None:
    """A node returns a broadcast input's gradient in the broadcast shape (the engine sums it
    down), in both libraries. The check says what to do."""
    order = model(torch, "topological_order")
    passed, said = verdict(check_engine, engine(torch, order, sum_to_leaf=False), torch, capsys)
    assert_rejected(passed, said, "sum_to_size(leaf.shape)")



# --- exercise 1: finite differences ------------------------------------------------------


def finite_difference_mistakes(torch: ModuleType) -> dict[str, tuple[Callable, str]]:
    """Wrong answers to exercise 1, each with (part of) the hint it must get."""

    def all_at_once(f: Any, x: Any, h: float = 1e-6) -> Any:
        return torch.ones_like(x) * (f(x + h) - f(x)) / h

    def nudges_pile_up(f: Any, x: Any, h: float = 1e-6) -> Any:
        grad, fx, nudged = torch.zeros_like(x), f(x), x.clone()
        for i in range(len(x)):
            nudged[i] += h
            grad[i] = (f(nudged) - fx) / h
        return grad

    def changes_x(f: Any, x: Any, h: float = 1e-6) -> Any:
        grad, fx = torch.zeros_like(x), f(x)
        for i in range(len(x)):
            x[i] += h
            grad[i] = (f(x) - fx) / h
        return grad

    def returns_a_list(f: Any, x: Any, h: float = 1e-6) -> Any:
        return model(torch, "finite_difference_gradient")(f, x, h).tolist()

    def forgets_to_divide(f: Any, x: Any, h: float = 1e-6) -> Any:
        grad, fx = torch.zeros_like(x), f(x)
        for i in range(len(x)):
            nudged = x.clone()
            nudged[i] += h
            grad[i] = f(nudged) - fx
        return grad

    def uses_autograd(f: Any, x: Any, h: float = 1e-6) -> Any:
        x = x.clone().requires_grad_(True)
        f(x).backward()
        return x.grad

    def raises(f: Any, x: Any, h: float = 1e-6) -> Any:
        return x[len(x)]

    return {
        "nudges all entries at once": (all_at_once, "one entry at a time"),
        "lets the nudges pile up": (nudges_pile_up, "each nudge starts from the original x"),
        "changes x": (changes_x, "nudge a copy"),
        "returns a list": (returns_a_list, "not a tensor"),
        "forgets to divide by h": (forgets_to_divide, "divide by h"),
        "calls .backward()": (uses_autograd, "called .backward()"),
        "raises an error": (raises, "raised IndexError"),
        "is not answered": (lambda f, x, h=1e-6: ..., "not answered yet"),
    }


@pytest.mark.parametrize("mistake", list(finite_difference_mistakes(minigrad)))
def test_exercise_1_rejects(mistake: str, torch: ModuleType, capsys: pytest.CaptureFixture) -> None:
    answer, hint = finite_difference_mistakes(torch)[mistake]
    assert_rejected(*verdict(check_finite_difference, answer, torch, capsys), hint)


def test_exercise_1_accepts_a_central_difference(
    torch: ModuleType, capsys: pytest.CaptureFixture
) -> None:
    """A better approximation is no mistake."""

    def central(f: Any, x: Any, h: float = 1e-6) -> Any:
        grad = torch.zeros_like(x)
        for i in range(len(x)):
            up, down = x.clone(), x.clone()
            up[i] += h
            down[i] -= h
            grad[i] = (f(up) - f(down)) / (2 * h)
        return grad

    passed, said = verdict(check_finite_difference, central, torch, capsys)
    assert passed and said.startswith("✓"), said


# --- exercise 2: a topological order -----------------------------------------------------


def children(node: Any) -> list[Any]:
    return [child for child, _ in node.next_functions if child is not None]


def depth_first(root: Any) -> list[Any]:
    """Each node once, in the order a depth-first walk first meets it."""
    order, seen, stack = [], set(), [root]
    while stack:
        node = stack.pop()
        if node in seen:
            continue
        seen.add(node)
        order.append(node)
        stack.extend(reversed(children(node)))
    return order


def breadth_first(root: Any) -> list[Any]:
    """Each node once, in the order a breadth-first walk first meets it."""
    order, seen = [root], {root}
    for node in order:
        for child in children(node):
            if child not in seen:
                seen.add(child)
                order.append(child)
    return order


def without_remembering(root: Any) -> list[Any]:
    """Every path walked: a node reached twice is listed twice."""
    order, stack = [], [root]
    while stack:
        node = stack.pop()
        order.append(node)
        stack.extend(children(node))
    return order


def recursive(root: Any) -> list[Any]:
    """Right, but a function that calls itself once per node."""
    order: list[Any] = []
    seen: set[Any] = set()

    def visit(node: Any) -> None:
        if node in seen:
            return
        seen.add(node)
        for child in children(node):
            visit(child)
        order.append(node)

    visit(root)
    return order[::-1]


def order_mistakes(torch: ModuleType) -> dict[str, tuple[Callable, str]]:
    order = model(torch, "topological_order")
    return {
        "lists nodes depth first": (depth_first, "after *all* nodes that lead to it"),
        "lists nodes breadth first": (breadth_first, "after *all* nodes that lead to it"),
        "does not remember visited nodes": (without_remembering, "listed once"),
        "leaves out AccumulateGrad": (
            lambda root: [n for n in order(root) if "AccumulateGrad" not in type(n).__name__],
            "AccumulateGrad nodes included",
        ),
        "lists leaves first": (lambda root: order(root)[::-1], "after *all* nodes"),
        "recurses": (recursive, "recursion"),
        "keeps the (node, number) pairs": (
            lambda root: [(node, 0) for node in order(root)], "keep only the node"),
        "keeps None": (lambda root: [*order(root), None], "skip it"),
        "returns a set": (lambda root: set(order(root)), "return a list"),
        "calls .backward()": (
            lambda root: [torch.Tensor.backward(torch.ones(1)), *order(root)],
            "called .backward()",
        ),
        "is not answered": (lambda root: ..., "not answered yet"),
    }


@pytest.mark.parametrize("mistake", list(order_mistakes(minigrad)))
def test_exercise_2_rejects(mistake: str, torch: ModuleType, capsys: pytest.CaptureFixture) -> None:
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(3000)  # IPython's limit: the 5,000-deep graph must still exceed it
    try:
        answer, hint = order_mistakes(torch)[mistake]
        assert_rejected(*verdict(check_topological_order, answer, torch, capsys), hint)
    finally:
        sys.setrecursionlimit(limit)


# --- exercise 3: the engine --------------------------------------------------------------


def engine(torch: ModuleType, order: Callable[[Any], list[Any]], *, add: bool = True,
           call: Callable[[Any, list[Any]], Any] | None = None, grad_mode: bool = False,
           skip_accumulate: bool = False, assign_leaves: bool = False,
           sum_to_leaf: bool = True) -> Callable:
    """The model engine, with one thing changed, to make a wrong answer."""

    def my_backward(root: Any, gradient: Any = None) -> None:
        if gradient is None:
            gradient = torch.ones_like(root)
        received = {root.grad_fn: {root.output_nr: gradient}}
        with torch.set_grad_enabled(grad_mode):
            for node in order(root.grad_fn):
                grads = received.pop(node, {})
                if not grads:
                    continue
                name = type(node).__name__
                if "AccumulateGrad" in name and (skip_accumulate or assign_leaves):
                    if assign_leaves:
                        node.variable.grad = grads[0]
                    continue
                slots = [grads.get(number) for number in range(1 + max(grads))]
                results = call(node, slots) if call else node(*slots)
                results = results if isinstance(results, tuple) else (results,)
                for (child, number), result in zip(node.next_functions, results):
                    if child is None or result is None:
                        continue
                    if sum_to_leaf and hasattr(child, "variable"):
                        result = result.sum_to_size(child.variable.shape)
                    stored = received.setdefault(child, {})
                    if add and number in stored:
                        stored[number] = stored[number] + result
                    else:
                        stored[number] = result

    return my_backward


def along_every_path(torch: ModuleType) -> Callable:
    """Right values, but each node is called once per path, with that path's gradient."""

    def my_backward(root: Any, gradient: Any = None) -> None:
        if gradient is None:
            gradient = torch.ones_like(root)
        with torch.no_grad():
            stack = [(root.grad_fn, root.output_nr, gradient)]
            while stack:
                node, number, grad = stack.pop()
                if "Split" in type(node).__name__:
                    slots = [None] * 3
                    slots[number] = grad
                    results = node(*slots)
                else:
                    results = node(grad)
                results = results if isinstance(results, tuple) else (results,)
                for (child, nr), result in zip(node.next_functions, results):
                    if child is not None and result is not None:
                        if hasattr(child, "variable"):
                            result = result.sum_to_size(child.variable.shape)
                        stack.append((child, nr, result))

    return my_backward


def engine_mistakes(torch: ModuleType) -> dict[str, tuple[Callable, str]]:
    order = model(torch, "topological_order")

    def calls_backward(root: Any, gradient: Any = None) -> None:
        root.backward(gradient)

    def calls_autograd_grad(root: Any, gradient: Any = None) -> None:
        leaves = [n.variable for n in order(root.grad_fn) if hasattr(n, "variable")]
        for leaf, grad in zip(leaves, torch.autograd.grad(root, leaves, gradient)):
            leaf.grad = grad if leaf.grad is None else leaf.grad + grad

    return {
        "does not sum where paths meet": (engine(torch, order, add=False), "*sum*"),
        "visits nodes in the wrong order": (engine(torch, breadth_first), "topological order"),
        "forgets AccumulateGrad": (engine(torch, order, skip_accumulate=True),
                                   "calling its AccumulateGrad node"),
        "sets .grad instead of adding to it": (engine(torch, order, assign_leaves=True),
                                               "added to, not replaced"),
        "calls .backward()": (calls_backward, "called .backward()"),
        "calls torch.autograd.grad": (calls_autograd_grad, "called torch.autograd.grad"),
        "records a graph of the gradients": (engine(torch, order, grad_mode=True),
                                             "torch.no_grad()"),
        "calls nodes once per path": (along_every_path(torch), "then call it once"),
        "passes one gradient to a split": (
            engine(torch, order, call=lambda node, slots: node(slots[0])),
            "one gradient per output"),
        "hands results on in reverse": (
            engine(torch, order, call=lambda node, slots: _reversed(node(*slots))),
            "result i of a node goes to entry i"),
        "is not written": (lambda root, gradient=None: None, "no gradient reached any leaf"),
    }


def _reversed(results: Any) -> Any:
    return results[::-1] if isinstance(results, tuple) else results


@pytest.mark.parametrize("mistake", list(engine_mistakes(minigrad)))
def test_exercise_3_rejects(mistake: str, torch: ModuleType, capsys: pytest.CaptureFixture) -> None:
    answer, hint = engine_mistakes(torch)[mistake]
    passed, said = verdict(check_engine, answer, torch, capsys, pytorch_too=False)
    assert_rejected(passed, said, hint)


def test_forbid_autograd_puts_everything_back(torch: ModuleType) -> None:
    before = (torch.Tensor.backward, torch.autograd.backward, torch.autograd.grad)
    with forbid_autograd(torch) as used, pytest.raises(write_backward.ShortcutUsed):
        torch.ones(1, requires_grad=True).sum().backward()
    assert used == [".backward()"]
    assert (torch.Tensor.backward, torch.autograd.backward, torch.autograd.grad) == before
    x = torch.ones(2, requires_grad=True)
    (x * 3).sum().backward()
    assert x.grad.tolist() == [3.0, 3.0]


# --- exercise 4: a second derivative -----------------------------------------------------


def second_derivative_mistakes(torch: ModuleType) -> dict[str, tuple[Callable, str]]:

    def first_only(f: Any, x: Any) -> Any:
        x = x.detach().requires_grad_()
        return torch.autograd.grad(f(x).sum(), x)[0]

    def without_create_graph(f: Any, x: Any) -> Any:
        x = x.detach().requires_grad_()
        (first,) = torch.autograd.grad(f(x).sum(), x)
        return torch.autograd.grad(first.sum(), x)[0]

    def backward_twice(f: Any, x: Any) -> Any:
        x = x.detach().requires_grad_()
        f(x).sum().backward(create_graph=True)
        x.grad.sum().backward()
        return x.grad

    def finite_differences(f: Any, x: Any) -> Any:
        h = 1e-4
        return (f(x + h) - 2 * f(x) + f(x - h)) / h**2

    def without_sum(f: Any, x: Any) -> Any:
        x = x.detach().requires_grad_()
        (first,) = torch.autograd.grad(f(x), x, create_graph=True)
        return torch.autograd.grad(first, x)[0]

    def wrong_shape(f: Any, x: Any) -> Any:
        x = x.detach().requires_grad_()
        (first,) = torch.autograd.grad(f(x).sum(), x, create_graph=True)
        return torch.autograd.grad(first.sum(), x)[0].sum()

    return {
        "returns the first derivative": (first_only, "that is the first derivative"),
        "forgets create_graph=True": (without_create_graph, "create_graph=True"),
        "calls .backward() twice": (backward_twice, "f′ + f″"),
        "uses finite differences": (finite_differences, "let autograd do it"),
        "differentiates a vector": (without_sum, "differentiate a sum"),
        "returns one number": (wrong_shape, "has shape ()"),
        "is not answered": (lambda f, x: ..., "not answered yet"),
    }


@pytest.mark.filterwarnings("ignore:Using backward\\(\\) with create_graph=True")
@pytest.mark.parametrize("mistake", list(second_derivative_mistakes(minigrad)))
def test_exercise_4_rejects(mistake: str, torch: ModuleType, capsys: pytest.CaptureFixture) -> None:
    answer, hint = second_derivative_mistakes(torch)[mistake]
    assert_rejected(*verdict(check_second_derivative, answer, torch, capsys), hint)


# --- the scaffolds -----------------------------------------------------------------------


def test_each_scaffold_as_given_is_not_accepted(torch: ModuleType) -> None:
    """The ✏️ cells, run in the lesson's order as the learner first finds them (after the
    solutions of the exercises before them), print no ✓."""
    namespace: dict[str, Any] = {"torch": torch}
    exec("from minigrad.lessons.write_backward import *", namespace)
    scaffolds = 0
    for cell in nbformat.read(LESSON, as_version=4).cells:
        if cell.source.startswith("# ✏️"):
            scaffolds += 1
            printed = io.StringIO()
            with contextlib.redirect_stdout(printed):
                exec(cell.source, namespace)
            said = printed.getvalue()
            assert said and "✓" not in said, said
        elif "solution" in cell.metadata.get("tags", []):
            with contextlib.redirect_stdout(io.StringIO()):
                exec(cell.source, namespace)
    assert scaffolds == 4


def test_exercise_3_as_the_lesson_gives_it_is_not_answered_yet(
    torch: ModuleType, capsys: pytest.CaptureFixture
) -> None:
    order = model(torch, "topological_order")

    def my_backward(root: Any, gradient: Any = None) -> None:  # the lesson's skeleton
        if gradient is None:
            gradient = torch.ones_like(root)
        received = {root.grad_fn: {root.output_nr: gradient}}
        with torch.no_grad():
            for node in order(root.grad_fn):
                grads = received.pop(node, {})
                if grads:
                    ...  # call the node with them (one per output), hand each result on

    passed, said = verdict(check_engine, my_backward, torch, capsys, pytorch_too=False)
    assert not passed
    assert said == "… my_backward: not answered yet. Replace the ... with your code.\n"
