"""Lesson 6, exercise 3: the engine, ``my_backward(root, gradient)``, against ``.backward()``."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from types import ModuleType
from typing import Any

from minigrad.lessons._verdicts import RIGHT, close, not_answered, still_has_dots
from minigrad.lessons.write_backward._running import (
    as_if_pytorch,
    real_pytorch,
    run_without_autograd,
)
from minigrad.lessons.write_backward._speaking import raised, shape_problem, shortcut, wrong
from minigrad.lessons.write_backward.graphs import Graph, build_graphs


def _check_engine(
    my_backward: Callable[..., Any], torch: ModuleType, *, pytorch_too: bool = True
) -> bool:
    """Check ``my_backward(root, gradient)`` against ``root.backward(gradient)``: the same
    ``.grad`` in every leaf, added to what was there, without history, each leaf's
    AccumulateGrad called once, and no call to autograd itself. With ``pytorch_too``, when the
    lesson runs minigrad and real PyTorch is installed, the learner's code is run once more as if
    the lesson said ``import torch`` (see ``as_if_pytorch``), on graphs built by PyTorch."""
    runs = [(my_backward, torch, "")]
    pytorch = real_pytorch(torch) if pytorch_too else None
    if pytorch is not None and getattr(my_backward, "__globals__", {}).get("torch") is torch:
        runs.append((as_if_pytorch(my_backward, pytorch), pytorch, " (with real PyTorch)"))
    untouched = still_has_dots(my_backward)  # the loop's ... not yet replaced
    for function, library, by in runs:
        verdict = _check_engine_with(function, library, by, untouched)
        if verdict is not None:
            return verdict
    count = len(build_graphs(torch, seed=0))
    print(f"{RIGHT} my_backward gives what .backward() gives, on all {count} graphs: "
          "a matrix product, a 2-layer MLP, a long chain, tensors used several times, a split")
    return True


#: a difference from .backward() that the engine check reports only once every graph has run
_Failure = tuple[Graph, str]


def _check_engine_with(my_backward: Callable[..., Any], torch: ModuleType,
                       by: str, untouched: bool) -> bool | None:
    """The engine check on graphs built with ``torch`` (``by`` says so in messages): False
    once a problem is reported, None when every graph passes. ``untouched``: the code still
    has the exercise's ``...``, so reaching no leaf means it is not answered yet."""
    reached_any = False
    failures: list[_Failure] = []
    for graph, expected in _graphs_before_and_after_backward(torch):
        where = f"on {graph.title}{by}"
        calls = _count_accumulations(graph)
        if not _run_my_backward(my_backward, torch, graph, where):
            return False
        reached = _reached_leaves(graph, torch)
        if not _check_reached_leaves(graph, expected, reached, calls, torch, where):
            return False
        reached_any = reached_any or bool(reached)
        failures += _gradient_differences(graph, expected, reached, torch)
    if not failures:
        return None
    if untouched and not reached_any:
        return not_answered("my_backward", "code")
    return _report_engine_failures(failures, reached_any, by)


def _graphs_before_and_after_backward(torch: ModuleType) -> Iterator[tuple[Graph, Graph]]:
    """Each check graph (seeds 0 and 1) fresh, beside a copy on which ``.backward()`` ran."""
    for seed in (0, 1):
        expected_graphs = build_graphs(torch, seed)
        for graph in expected_graphs:
            graph.root.backward(graph.gradient)
        yield from zip(build_graphs(torch, seed), expected_graphs)


def _run_my_backward(my_backward: Callable[..., Any], torch: ModuleType, graph: Graph,
                     where: str) -> bool:
    """Run ``my_backward`` on ``graph``: False once an error or a shortcut is reported."""
    gradient = None if graph.gradient is None else graph.gradient.clone()
    attempt = run_without_autograd(torch, my_backward, graph.root, gradient)
    if attempt.error is not None:
        return raised("my_backward", where, attempt.error, _engine_error_hint(attempt.error))
    if attempt.shortcuts:
        return shortcut("my_backward", attempt.shortcuts,
                         "call the grad_fn nodes yourself; AccumulateGrad fills .grad")
    return True


def _reached_leaves(graph: Graph, torch: ModuleType) -> list[str]:
    """The names of the leaves whose ``.grad`` a gradient reached: set, or changed from the
    gradient it held before."""
    return [name for name, leaf in graph.leaves.items()
            if leaf.grad is not None and not (
                name in graph.prefilled and torch.equal(leaf.grad, graph.prefilled[name]))]


def _check_reached_leaves(graph: Graph, expected: Graph, reached: list[str],
                          calls: dict[str, list[int]], torch: ModuleType, where: str) -> bool:
    """Check the ``.grad`` of each reached leaf: the right shape, no history of its own,
    deposited by one call of its AccumulateGrad; False once a problem is reported."""
    for name in reached:
        mine, theirs = graph.leaves[name].grad, expected.leaves[name].grad
        problem = shape_problem(mine, theirs, torch, name)
        if problem:
            return wrong("my_backward", f"{problem} {where}",
                          "a node's results come in the order of its next_functions: "
                          "hand each to the node in the same position (and sum a "
                          "broadcast gradient down to its leaf's shape)")
        if mine.requires_grad:
            return wrong("my_backward", f"{name}.grad has a graph of its own {where}",
                          "call the nodes inside `with torch.no_grad():`, as "
                          ".backward() does (unless create_graph=True)")
        if max(calls[name], default=0) > 1:
            return wrong("my_backward", f"{name}'s AccumulateGrad was called "
                          f"{max(calls[name])} times {where}",
                          "add up the gradients that reach a node first, then call it "
                          "once with their sum")
    return True


def _gradient_differences(graph: Graph, expected: Graph, reached: list[str],
                          torch: ModuleType) -> list[_Failure]:
    """Where the leaves' ``.grad`` differ from what ``.backward()`` left in ``expected``."""
    failures: list[_Failure] = []
    for name, leaf in graph.leaves.items():
        theirs = expected.leaves[name].grad
        if name not in reached:
            if theirs is not None:
                failures.append((graph, f"no gradient reached {name}.grad"))
        elif not close(torch, leaf.grad, theirs):
            failures.append((graph, f"{name}.grad differs from .backward()'s"))
    return failures


def _report_engine_failures(failures: list[_Failure], reached_any: bool, by: str) -> bool:
    """Report the first of ``failures``, with the hint their pattern points to."""
    if not reached_any:
        return wrong("my_backward", f"no gradient reached any leaf's .grad{by}",
                      "a leaf's gradient is deposited by calling its AccumulateGrad node (the "
                      "node in next_functions that leads to the leaf) with that gradient")
    graph, problem = failures[0]
    return wrong("my_backward", f"{problem} on {graph.title}{by}", _engine_failure_hint(failures))


def _engine_failure_hint(failures: list[_Failure]) -> str:
    """The hint for gradients that differ from .backward()'s, by the graphs they differ on."""
    first_graph = failures[0][0]
    if first_graph.prefilled and len({graph.title for graph, _ in failures}) == 1:
        return ("a leaf's .grad must be added to, not replaced: let its AccumulateGrad node do "
                "the adding")
    if all(graph.paths_meet or graph.prefilled for graph, _ in failures):
        return ("where paths meet, a node must receive the *sum* of the gradients from every "
                "path, and run only once all of them have arrived: add to what is stored for "
                "it (don't replace it), and visit the nodes in topological order")
    return ("run the nodes in topological order, call each with the gradients stored for "
            "it (one per output), and hand result i to entry i of its next_functions")


def _count_accumulations(graph: Graph) -> dict[str, list[int]]:
    """Count, per leaf, how often its AccumulateGrad is called (post-accumulate-grad hooks
    run on every call, by the engine or by hand)."""
    calls: dict[str, list[int]] = {}
    for name, leaf in graph.leaves.items():
        counter = calls[name] = [0]

        def count(_: Any, _counter: list[int] = counter) -> None:
            _counter[0] += 1

        leaf.register_post_accumulate_grad_hook(count)
    return calls


def _engine_error_hint(error: Exception) -> str:
    """The hint for an error raised by the learner's engine, by its message."""
    message = str(error)
    if "arguments" in message and "expected" in message:
        return ("a node takes one gradient per output it made: a split's node takes one per "
                "piece, None for a piece no gradient reached")
    if "not a Variable" in message or "NoneType" in message:
        return ("call a node with tensors (or None), and skip the (None, 0) entries of "
                "next_functions: constants get no gradient")
    if "broadcast shape" in message:
        return ("an input was broadcast (a bias added to every row): its node returns "
                "its gradient in the broadcast shape, so sum it down to the leaf's shape, "
                "grad.sum_to_size(leaf.shape), before its AccumulateGrad gets it")
    if "Trying to backward through the graph a second time" in message:
        return "call each node once: a call frees what the node saved"
    return ("result i of a node goes to entry i of its next_functions; a node returns one "
            "tensor (one input) or a tuple (several; None where an input needs no gradient)")


def check_engine(my_backward: Callable[..., Any], torch: ModuleType, *,
                 pytorch_too: bool = True) -> None:
    """Exercise 3: check ``my_backward(root, gradient)`` against ``root.backward(gradient)``."""
    _check_engine(my_backward, torch, pytorch_too=pytorch_too)
