"""Lesson 6, exercise 2: a topological order of the graph's nodes, without recursion."""

from __future__ import annotations

from collections.abc import Callable
from types import ModuleType
from typing import Any

from minigrad.lessons._verdicts import RIGHT, not_answered
from minigrad.lessons.write_backward._running import run_without_autograd
from minigrad.lessons.write_backward._speaking import raised, shortcut, wrong
from minigrad.lessons.write_backward.graphs import Graph, build_graphs, graph_nodes, node_name


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
    attempt = run_without_autograd(torch, topological_order, graph.root.grad_fn)
    if isinstance(attempt.error, RecursionError):
        return wrong(what, f"Python ran out of recursion {where}",
                      "a function that calls itself once per node fails on deep "
                      "graphs: keep the nodes still to visit in a list instead")
    if attempt.error is not None:
        return raised(what, where, attempt.error,
                       "each entry of next_functions is a (node, number) pair, and "
                       "the node is None for a constant")
    if attempt.shortcuts:
        return shortcut(what, attempt.shortcuts, "only next_functions is needed")
    order = attempt.result
    if order is ...:
        return not_answered(what, "code")
    if not isinstance(order, list | tuple):
        return wrong(what, f"it returned a {type(order).__name__} {where}",
                      "return a list of nodes")
    problem = _order_problem(list(order), nodes)
    if problem:
        return wrong(what, f"{problem}, {where}", _ORDER_HINTS[problem.split(":")[0]])
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


def check_topological_order(topological_order: Callable[[Any], Any], torch: ModuleType) -> None:
    """Exercise 2: check ``topological_order(root_node)``: every node once, each before the
    nodes its ``next_functions`` lead to."""
    _check_topological_order(topological_order, torch)
