"""The exercise checks of lesson 6, *Write backward yourself* (``notebooks/06_…``).

Each check takes the learner's function and the lesson's ``torch`` (minigrad, or real PyTorch:
the graph API is PyTorch's, so the same checks run on both), builds several seeded graphs with
it, compares with what autograd computes, and prints ✓, or ✗ with a hint that never gives the
expected value away. The checks draw their random numbers from generators of their own, so they
leave the learner's random numbers alone.

>>> import minigrad as torch                                    # doctest: +SKIP
>>> check_engine(my_backward, torch)                            # doctest: +SKIP
✓ my_backward gives what .backward() gives, on all 8 graphs: …
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import types
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from types import ModuleType
from typing import Any

RIGHT, WRONG, WAITING = "✓", "✗", "…"

# --- shortcuts the exercises rule out ----------------------------------------------------


class ShortcutUsed(Exception):
    """Raised in place of autograd's own entry points while a learner's function runs."""


#: autograd's entry points, as (owner, attribute, what the learner is told they called), the
#: owner a path from the library's top module; the engine functions behind them are included
#: so that no public route around them is left
_ENTRY_POINTS = (
    ("Tensor", "backward", ".backward()"),
    ("autograd", "backward", "torch.autograd.backward"),
    ("autograd", "grad", "torch.autograd.grad"),
    ("autograd", "run_backward", "autograd's engine"),  # minigrad's, as backward/grad call it
    ("autograd", "_engine_run_backward", "autograd's engine"),  # PyTorch's, likewise
    ("autograd.graph", "_engine_run_backward", "autograd's engine"),
)


@contextlib.contextmanager
def forbid_autograd(torch: ModuleType) -> Iterator[list[str]]:
    """Within the block, ``.backward()``, ``torch.autograd.backward`` and ``torch.autograd.grad``
    (and the engine behind them) raise ShortcutUsed; the list yielded names the ones called.

    >>> with forbid_autograd(torch) as used:                    # doctest: +SKIP
    ...     learner_function()
    >>> used                                                    # doctest: +SKIP
    ['.backward()']
    """
    used: list[str] = []
    replaced: list[tuple[Any, str, Any]] = []
    for owner_path, name, label in _ENTRY_POINTS:
        owner: Any = torch
        for part in owner_path.split("."):
            owner = getattr(owner, part, None)
        if owner is None or name not in vars(owner):
            continue

        def refuse(*args: Any, _label: str = label, **kwargs: Any) -> Any:
            used.append(_label)
            raise ShortcutUsed(_label)

        replaced.append((owner, name, vars(owner)[name]))
        setattr(owner, name, refuse)
    try:
        yield used
    finally:
        for owner, name, original in reversed(replaced):
            setattr(owner, name, original)


@dataclass
class _Attempt:
    """What a learner's function did when run: its result (None if it raised), the error it
    raised (None if it returned), and the autograd entry points it called."""

    result: Any
    error: Exception | None
    shortcuts: list[str]


def _run_without_autograd(torch: ModuleType, function: Callable[..., Any],
                          *args: Any) -> _Attempt:
    """Run the learner's ``function(*args)`` inside ``forbid_autograd``, catching its errors:
    a bug in the learner's code is reported by the check, it does not stop the lesson."""
    with forbid_autograd(torch) as used:
        try:
            return _Attempt(function(*args), None, used)
        except ShortcutUsed:
            return _Attempt(None, None, used)
        except Exception as error:
            return _Attempt(None, error, used)


def real_pytorch(torch: ModuleType) -> ModuleType | None:
    """Real PyTorch, when it is installed and ``torch`` is not already it; else None."""
    if torch.__name__ == "torch" or importlib.util.find_spec("torch") is None:
        return None
    return importlib.import_module("torch")


# --- the graphs the checks use -----------------------------------------------------------


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


def _random_vector(torch: ModuleType, size: int, seed: int) -> Any:
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


# --- exercise 1: finite differences ------------------------------------------------------

FINITE_DIFFERENCE_FUNCTIONS: list[tuple[str, Callable[[Any], Any]]] = [
    ("(3·x³).sum()", lambda x: (3 * x**3).sum()),
    ("(x · sin x).sum()", lambda x: (x * x.sin()).sum()),
    ("x.exp().sum().log()", lambda x: x.exp().sum().log()),
    ("(x[:-1] · x[1:]).sum()", lambda x: (x[:-1] * x[1:]).sum()),
]


def _check_finite_difference(
    finite_difference_gradient: Callable[..., Any], torch: ModuleType
) -> bool:
    """Check ``finite_difference_gradient(f, x)``: one forward difference (f(x + h·eᵢ) − f(x))/h
    per entry of the 1-D tensor ``x``, without autograd, leaving ``x`` as it was."""
    for seed, (title, f) in enumerate(FINITE_DIFFERENCE_FUNCTIONS):
        x = _random_vector(torch, size=3 + seed, seed=100 + seed)
        if not _check_finite_difference_of(finite_difference_gradient, torch, title, f, x):
            return False
    print(f"{RIGHT} finite_difference_gradient agrees with autograd to 4 decimals, on "
          f"{len(FINITE_DIFFERENCE_FUNCTIONS)} functions at random points")
    return True


def _check_finite_difference_of(finite_difference_gradient: Callable[..., Any],
                                torch: ModuleType, title: str, f: Callable[[Any], Any],
                                x: Any) -> bool:
    """The check for one function ``f`` (written ``title``) at ``x``: False once a problem is
    reported, True when the learner's gradient agrees with autograd's."""
    what = "finite_difference_gradient"
    original = x.clone()
    attempt = _run_without_autograd(torch, finite_difference_gradient, f, x)
    if attempt.error is not None:
        return _raised(what, f"f(x) = {title}", attempt.error,
                       "build the result with torch operations on x and f(x)")
    if attempt.shortcuts:
        return _shortcut(what, attempt.shortcuts, "nudge x and call f: no autograd here")
    mine = attempt.result
    if mine is ...:
        return _not_answered(what)
    if not torch.equal(x, original):
        return _wrong(what, f"it changed x (f(x) = {title})",
                      "nudge a copy (x.clone()), so that x stays as it was")
    expected = _autograd_gradient(f, original)
    problem = _shape_problem(mine, expected, torch, "x")
    if problem:
        return _wrong(what, problem,
                      "return a tensor shaped like x: fill torch.zeros_like(x) entry by entry")
    if _close(torch, mine, expected, rtol=1e-4, atol=1e-4):
        return True
    return _wrong(what, f"it is off for f(x) = {title}",
                  _finite_difference_hint(mine, expected, torch))


def _finite_difference_hint(mine: Any, expected: Any, torch: ModuleType) -> str:
    """The hint for a finite-difference gradient ``mine`` that is off: the mistake it shows."""
    if mine.numel() > 1 and bool((mine == mine[0]).all()):
        return "every entry came out the same: nudge one entry at a time, not all of x at once"
    if _close(torch, mine[:1], expected[:1], rtol=1e-4, atol=1e-4):
        return ("the first entry is right, the next are not: each nudge starts from the "
                "original x, so undo the last nudge (or start from a fresh copy)")
    return "(f(x + h·eᵢ) − f(x)) / h: nudge entry i alone, by h, and divide by h"


def _autograd_gradient(f: Callable[[Any], Any], x: Any) -> Any:
    """The gradient of ``f`` at ``x`` as autograd computes it (``x`` itself is left alone)."""
    x = x.detach().clone().requires_grad_(True)
    f(x).backward()
    return x.grad


# --- exercise 2: a topological order -----------------------------------------------------


def _check_topological_order(topological_order: Callable[[Any], Any], torch: ModuleType) -> bool:
    """Check ``topological_order(root_node)``: a list of every node reachable from
    ``root_node`` (AccumulateGrad nodes included, no None), each once, each before every
    node its ``next_functions`` lead to; no recursion limit on deep graphs."""
    graphs = [*build_graphs(torch, seed=0), _deep_chain(torch, length=5000)]
    for graph in graphs:
        if not _check_topological_order_of(topological_order, torch, graph):
            return False
    print(f"{RIGHT} topological_order lists every node once, each before the nodes it leads "
          f"to, on all {len(graphs)} graphs")
    return True


def _deep_chain(torch: ModuleType, length: int) -> Graph:
    """A graph of ``length`` multiplications one after the other: too deep for recursion."""
    x = torch.ones(2, dtype=torch.float64, requires_grad=True)
    chain = x
    for _ in range(length):
        chain = chain * 1.0
    return Graph(f"a chain of {length:,} operations", chain.sum(), None, {"x": x})


def _check_topological_order_of(topological_order: Callable[[Any], Any], torch: ModuleType,
                                graph: Graph) -> bool:
    """The check on one graph: False once a problem is reported, True when the order is
    right."""
    what = "topological_order"
    where = f"on {graph.title}"
    nodes = graph_nodes(graph.root.grad_fn)
    attempt = _run_without_autograd(torch, topological_order, graph.root.grad_fn)
    if isinstance(attempt.error, RecursionError):
        return _wrong(what, f"Python ran out of recursion {where}",
                      "a function that calls itself once per node fails on deep "
                      "graphs: keep the nodes still to visit in a list instead")
    if attempt.error is not None:
        return _raised(what, where, attempt.error,
                       "each entry of next_functions is a (node, number) pair, and "
                       "the node is None for a constant")
    if attempt.shortcuts:
        return _shortcut(what, attempt.shortcuts, "only next_functions is needed")
    order = attempt.result
    if order is ...:
        return _not_answered(what)
    if not isinstance(order, list | tuple):
        return _wrong(what, f"it returned a {type(order).__name__} {where}",
                      "return a list of nodes")
    problem = _order_problem(list(order), nodes)
    if problem:
        return _wrong(what, f"{problem}, {where}", _ORDER_HINTS[problem.split(":")[0]])
    return True


#: a hint for each problem _order_problem finds, by the problem's text up to its first colon
_ORDER_HINTS = {
    "it holds a pair": "next_functions holds (node, number) pairs: keep only the node",
    "it holds None": "a constant's entry in next_functions is (None, 0): skip it",
    "it holds something that is not a node of the graph": "list the graph's nodes only",
    "a node appears twice": "a node reached along two paths must be listed once: remember "
    "the nodes you have seen",
    "a node is missing": "follow every entry of next_functions, AccumulateGrad nodes "
    "included (skip only None)",
    "wrong order": "a node comes before the nodes it leads to, and after *all* nodes that "
    "lead to it: count, for each node, the edges that lead into it, and take a node only once "
    "all of those have been taken",
}


def _order_problem(order: list[Any], nodes: list[Any]) -> str | None:
    """What is wrong with ``order`` as a topological order of ``nodes`` (None: nothing)."""
    return (_foreign_entry(order, nodes) or _repeated_node(order)
            or _missing_node(order, nodes) or _misordered_edge(order, nodes))


def _foreign_entry(order: list[Any], nodes: list[Any]) -> str | None:
    """The first entry of ``order`` that is not one of ``nodes``, described (None: none)."""
    known = {id(node) for node in nodes}
    for item in order:
        if isinstance(item, tuple):
            return "it holds a pair"
        if item is None:
            return "it holds None"
        if id(item) not in known:
            return "it holds something that is not a node of the graph"
    return None


def _repeated_node(order: list[Any]) -> str | None:
    """The first node listed twice in ``order``, described (None: each is listed once)."""
    seen: set[int] = set()
    for node in order:
        if id(node) in seen:
            return f"a node appears twice: {node_name(node)}"
        seen.add(id(node))
    return None


def _missing_node(order: list[Any], nodes: list[Any]) -> str | None:
    """The first of ``nodes`` that ``order`` leaves out, described (None: none is missing)."""
    listed = {id(node) for node in order}
    for node in nodes:
        if id(node) not in listed:
            return f"a node is missing: {node_name(node)}"
    return None


def _misordered_edge(order: list[Any], nodes: list[Any]) -> str | None:
    """The first edge of the graph whose end ``order`` lists before its start, described
    (None: every node comes before the nodes it leads to)."""
    position = {id(node): index for index, node in enumerate(order)}
    for node in nodes:
        for child, _ in node.next_functions:
            if child is not None and position[id(child)] < position[id(node)]:
                return (f"wrong order: {node_name(child)} comes before {node_name(node)}, "
                        "which leads to it")
    return None


# --- exercise 3: the engine --------------------------------------------------------------


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
    for function, library, by in runs:
        verdict = _check_engine_with(function, library, by)
        if verdict is not None:
            return verdict
    count = len(build_graphs(torch, seed=0))
    print(f"{RIGHT} my_backward gives what .backward() gives, on all {count} graphs: "
          "a matrix product, a 2-layer MLP, a long chain, tensors used several times, a split")
    return True


def as_if_pytorch(function: Callable[..., Any], pytorch: ModuleType) -> Callable[..., Any]:
    """``function`` as it would be had its notebook said ``import torch``: a copy whose global
    ``torch`` is real PyTorch, as is that of the functions defined beside it (its helpers)."""
    home = function.__globals__  # type: ignore[attr-defined]
    scope = dict(home, torch=pytorch)
    for name, value in home.items():
        if isinstance(value, types.FunctionType) and value.__globals__ is home:
            scope[name] = _rebind(value, scope)
    return _rebind(function, scope)  # type: ignore[arg-type]


def _rebind(function: types.FunctionType, scope: dict[str, Any]) -> types.FunctionType:
    """A copy of ``function`` that looks its global names up in ``scope``."""
    return types.FunctionType(function.__code__, scope, function.__name__,
                              function.__defaults__, function.__closure__)


#: a difference from .backward() that the engine check reports only once every graph has run
_Failure = tuple[Graph, str]


def _check_engine_with(my_backward: Callable[..., Any], torch: ModuleType,
                       by: str) -> bool | None:
    """The engine check on graphs built with ``torch`` (``by`` says so in messages): False
    once a problem is reported, None when every graph passes."""
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
    attempt = _run_without_autograd(torch, my_backward, graph.root, gradient)
    if attempt.error is not None:
        return _raised("my_backward", where, attempt.error, _engine_error_hint(attempt.error))
    if attempt.shortcuts:
        return _shortcut("my_backward", attempt.shortcuts,
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
        problem = _shape_problem(mine, theirs, torch, name)
        if problem:
            return _wrong("my_backward", f"{problem} {where}",
                          "a node's results come in the order of its next_functions: "
                          "hand each to the node in the same position (and sum a "
                          "broadcast gradient down to its leaf's shape)")
        if mine.requires_grad:
            return _wrong("my_backward", f"{name}.grad has a graph of its own {where}",
                          "call the nodes inside `with torch.no_grad():`, as "
                          ".backward() does (unless create_graph=True)")
        if max(calls[name], default=0) > 1:
            return _wrong("my_backward", f"{name}'s AccumulateGrad was called "
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
        elif not _close(torch, leaf.grad, theirs):
            failures.append((graph, f"{name}.grad differs from .backward()'s"))
    return failures


def _report_engine_failures(failures: list[_Failure], reached_any: bool, by: str) -> bool:
    """Report the first of ``failures``, with the hint their pattern points to."""
    if not reached_any:
        return _wrong("my_backward", f"no gradient reached any leaf's .grad{by}",
                      "a leaf's gradient is deposited by calling its AccumulateGrad node (the "
                      "node in next_functions that leads to the leaf) with that gradient")
    graph, problem = failures[0]
    return _wrong("my_backward", f"{problem} on {graph.title}{by}", _engine_failure_hint(failures))


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


# --- exercise 4: a second derivative -----------------------------------------------------

SECOND_DERIVATIVE_FUNCTIONS: list[tuple[str, Callable[[Any], Any], Callable[[Any], Any],
                                        Callable[[Any], Any]]] = [
    # (name, f, f′, f″), the derivatives worked out by hand
    ("x³", lambda x: x**3, lambda x: 3 * x**2, lambda x: 6 * x),
    ("sin x", lambda x: x.sin(), lambda x: x.cos(), lambda x: -x.sin()),
    ("x · eˣ", lambda x: x * x.exp(), lambda x: (x + 1) * x.exp(), lambda x: (x + 2) * x.exp()),
    ("tanh x", lambda x: x.tanh(), lambda x: 1 - x.tanh() ** 2,
     lambda x: -2 * x.tanh() * (1 - x.tanh() ** 2)),
]


def _check_second_derivative(second_derivative: Callable[..., Any], torch: ModuleType) -> bool:
    """Check ``second_derivative(f, x)``: f″ at every entry of ``x`` for a function ``f``
    applied entry by entry, computed by autograd (f is called on a tensor that requires grad)."""
    what = "second_derivative"
    for seed, (title, f, first, second) in enumerate(SECOND_DERIVATIVE_FUNCTIONS):
        x = _random_vector(torch, size=4, seed=200 + seed)
        tracked: list[bool] = []
        try:
            mine = second_derivative(_noting_requires_grad(f, tracked), x.clone())
        except Exception as error:
            return _raised(what, f"for f(x) = {title}", error, _second_error_hint(error))
        if mine is ...:
            return _not_answered(what)
        expected = second(x)
        problem = _shape_problem(mine, expected, torch, "x")
        if problem:
            return _wrong(what, problem, "return f″ at every entry: a tensor shaped like x")
        if not any(tracked):
            return _wrong(what, f"f was never called on a tensor that requires grad "
                          f"(f(x) = {title})",
                          "let autograd do it: x.requires_grad_(), then torch.autograd.grad "
                          "twice")
        mine = mine.detach()
        if not _close(torch, mine, expected):
            return _wrong(what, f"it is off for f(x) = {title}",
                          _second_derivative_hint(mine, first(x), expected, torch))
    print(f"{RIGHT} {what} agrees with f″ worked out by hand, for "
          f"{len(SECOND_DERIVATIVE_FUNCTIONS)} functions at random points")
    return True


def _noting_requires_grad(f: Callable[[Any], Any], tracked: list[bool]) -> Callable[[Any], Any]:
    """``f``, appending to ``tracked``, on each call, whether its argument requires grad."""

    def watched(t: Any) -> Any:
        tracked.append(bool(getattr(t, "requires_grad", False)))
        return f(t)

    return watched


def _second_derivative_hint(mine: Any, first: Any, second: Any, torch: ModuleType) -> str:
    """The hint for a second derivative ``mine`` that is off, given f′ and f″ at x."""
    if _close(torch, mine, first):
        return ("that is the first derivative: differentiate it once more (which is what "
                "create_graph=True makes possible)")
    if _close(torch, mine, first + second):
        return ("that is f′ + f″: .backward() adds into x.grad, so the first derivative "
                "is still in there. Use torch.autograd.grad, which returns the gradient")
    return ("differentiate f(x).sum() with create_graph=True, then differentiate the "
            "result's sum again")


def _second_error_hint(error: Exception) -> str:
    """The hint for an error raised by the learner's second derivative, by its message."""
    message = str(error)
    if "does not require grad" in message:
        return ("the first derivative needs a graph of its own to be differentiated again: "
                "pass create_graph=True to the first torch.autograd.grad (and make x require "
                "grad)")
    if "implicitly created only for scalar outputs" in message:
        return "differentiate a sum: f(x).sum(), since each entry depends on its own x only"
    if "a second time" in message:
        return "the first pass must keep its graph: create_graph=True"
    return "torch.autograd.grad(outputs, inputs, create_graph=True) returns a tuple"


# --- how the checks speak ----------------------------------------------------------------


def _shape_problem(mine: Any, expected: Any, torch: ModuleType, name: str) -> str | None:
    """Why ``mine`` cannot be compared with ``expected`` (a tensor of the same shape and
    dtype is wanted), or None."""
    if not isinstance(mine, torch.Tensor):
        return f"it gave a {type(mine).__name__}, not a tensor, for {name}"
    if tuple(mine.shape) != tuple(expected.shape):
        return (f"the result for {name} has shape {tuple(mine.shape)}, not "
                f"{tuple(expected.shape)}")
    if mine.dtype != expected.dtype:
        return f"the result for {name} is {mine.dtype}, not {expected.dtype}"
    if not bool((mine - mine == 0).all()):  # inf − inf and nan − nan are nan
        return f"the result for {name} holds inf or nan"
    return None


def _close(torch: ModuleType, mine: Any, expected: Any, *, rtol: float = 1e-7,
           atol: float = 1e-9) -> bool:
    """Whether ``mine`` agrees with ``expected`` entry by entry, within the tolerances."""
    return bool(torch.allclose(mine, expected, rtol=rtol, atol=atol))


def _not_answered(what: str) -> bool:
    """Say that the exercise's ``...`` is still there."""
    print(f"{WAITING} {what}: not answered yet. Replace the ... with your code.")
    return False


def _wrong(what: str, problem: str, hint: str) -> bool:
    """Say what is wrong with the learner's ``what``, and hint at the fix."""
    print(f"{WRONG} {what}: {problem}. Hint: {hint}.")
    return False


def _raised(what: str, where: str, error: Exception, hint: str) -> bool:
    """Say that the learner's ``what`` raised ``error`` (or is not written yet, for a
    NotImplementedError), and hint at the fix."""
    message = str(error).splitlines()[0].rstrip(".") if str(error) else ""
    if isinstance(error, NotImplementedError):
        print(f"{WAITING} {what}: not written yet.")
        return False
    print(f"{WRONG} {what} raised {type(error).__name__} {where}: {message}. Hint: {hint}.")
    return False


def _shortcut(what: str, used: list[str], hint: str) -> bool:
    """Say that the learner's ``what`` called autograd entry points ``used``."""
    names = ", ".join(dict.fromkeys(used))
    print(f"{WRONG} {what} called {names}: that is what you are writing yourself. Hint: {hint}.")
    return False


# --- what the lesson calls: each check prints its verdict (and returns nothing to display) ---


def check_finite_difference(finite_difference_gradient: Callable[..., Any],
                            torch: ModuleType) -> None:
    """Exercise 1: check ``finite_difference_gradient(f, x)``, the forward difference
    (f(x + h·eᵢ) − f(x))/h for every entry of a 1-D ``x``, computed without autograd."""
    _check_finite_difference(finite_difference_gradient, torch)


def check_topological_order(topological_order: Callable[[Any], Any], torch: ModuleType) -> None:
    """Exercise 2: check ``topological_order(root_node)``: every node once, each before the
    nodes its ``next_functions`` lead to."""
    _check_topological_order(topological_order, torch)


def check_engine(my_backward: Callable[..., Any], torch: ModuleType, *,
                 pytorch_too: bool = True) -> None:
    """Exercise 3: check ``my_backward(root, gradient)`` against ``root.backward(gradient)``."""
    _check_engine(my_backward, torch, pytorch_too=pytorch_too)


def check_second_derivative(second_derivative: Callable[..., Any], torch: ModuleType) -> None:
    """Exercise 4: check ``second_derivative(f, x)``, f″ at every entry of ``x`` by autograd."""
    _check_second_derivative(second_derivative, torch)


__all__ = [
    "check_engine",
    "check_finite_difference",
    "check_second_derivative",
    "check_topological_order",
    "forbid_autograd",
]
