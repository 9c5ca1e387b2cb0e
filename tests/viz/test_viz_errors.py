"""Wrong input gets an error a learner can act on, never a traceback from deep inside."""

from __future__ import annotations

import doctest
import importlib

import numpy as np
import pytest

from minigrad.viz import build_graph, draw

from .viz_helpers import tutorial_q


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (3, "got int. Pass the tensor"),
        (2.5, "got float"),
        ([1, 2], "got int as item 0 of the list"),
        (np.ones(3), "got numpy.ndarray"),
        ("loss", "got str"),
        (None, "got NoneType"),
    ],
)
def test_not_a_tensor_is_a_type_error(bad, message):
    with pytest.raises(TypeError, match=message):
        draw(bad)


def test_a_list_with_one_wrong_item_names_the_item(backend):
    _, _, q = tutorial_q(backend)
    with pytest.raises(TypeError, match="got float as item 1 of the list"):
        draw([q, 1.0])


def test_an_empty_list_is_a_value_error():
    with pytest.raises(ValueError, match="empty list"):
        draw([])


@pytest.mark.parametrize(
    ("options", "error", "message"),
    [
        ({"view": "value"}, ValueError, "view must be one of"),
        ({"rankdir": "up"}, ValueError, "rankdir must be one of"),
        ({"max_nodes": 0}, ValueError, "max_nodes must be a positive int or None"),
        ({"max_nodes": 2.5}, ValueError, "max_nodes must be a positive int or None"),
        ({"max_nodes": True}, ValueError, "max_nodes must be a positive int or None"),
        ({"names": ["a"]}, TypeError, "names must be a dict"),
        ({"highlight": "a"}, TypeError, "highlight= takes tensors and grad_fn nodes, got str"),
    ],
)
def test_wrong_options_say_what_is_expected(backend, options, error, message):
    _, _, q = tutorial_q(backend)
    with pytest.raises(error, match=message):
        draw(q, **options)


def test_names_the_wrong_way_round_get_a_hint(backend):
    a, _, q = tutorial_q(backend)
    with pytest.raises(TypeError, match=r"like \{'w': w\}"):
        draw(q, names={a: "a"})


def test_a_grad_fn_can_be_drawn_from(backend):
    # the tutorial explores z.grad_fn.next_functions[0][0]; that node can be drawn directly
    _, _, q = tutorial_q(backend)
    graph = build_graph(q.grad_fn.next_functions[0][0])
    assert [n.title for n in graph.nodes][:2] == ["MulBackward0", "PowBackward0"]
    assert "output" not in [n.kind for n in graph.nodes]


def test_highlighting_what_is_not_drawn_is_ignored(backend):
    _, _, q = tutorial_q(backend)
    elsewhere = backend.tensor([1.0], requires_grad=True)
    assert "penwidth" not in draw(q, highlight=elsewhere).source
    assert draw(q, highlight=None).source == draw(q).source


@pytest.mark.parametrize(
    "module", ["tensors", "names", "graph", "dot", "text", "display", "__init__"]
)
def test_docstring_examples_are_true(module):
    pytest.importorskip("torch")
    name = "minigrad.viz" if module == "__init__" else f"minigrad.viz.{module}"
    result = doctest.testmod(importlib.import_module(name), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
