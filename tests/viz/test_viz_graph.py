"""The graphs of the autograd tutorial, drawn box by box and arrow by arrow."""

from __future__ import annotations

from minigrad.viz import build_graph, draw
from minigrad.viz.walk import COUNT_BEYOND

from .viz_helpers import fake_chain, parse_dot, tutorial_loss, tutorial_q, tutorial_z


def recorded(backend):
    """minigrad's nodes record the values of the forward pass; PyTorch's do not."""
    return backend.__name__ == "minigrad"


def test_q_autograd_view_has_one_box_per_grad_fn_and_arrows_in_next_functions_order(backend):
    a, b, q = tutorial_q(backend)
    dot = parse_dot(draw(q, names={"a": a, "b": b}).source)
    assert dot.text == {
        "n0": ["output (2,)"],
        "n1": ["SubBackward0"],
        "n2": ["MulBackward0"],  # 3 * a**3
        "n3": ["PowBackward0"],  # b**2
        "n4": ["PowBackward0"],  # a**3
        "n5": ["AccumulateGrad"],
        "n6": ["AccumulateGrad"],
        "n7": ["3" if recorded(backend) else "constant"],  # the 3 in 3 * a**3
        "n8": ["b (2,)"],
        "n9": ["a (2,)"],
    }
    assert dot.edges == [
        ("n0", "n1"),
        ("n1", "n2"),
        ("n1", "n3"),
        ("n2", "n4"),
        ("n2", "n7"),
        ("n3", "n5"),
        ("n4", "n6"),
        ("n5", "n8"),
        ("n6", "n9"),
    ]


def test_z_autograd_view_matches_the_printed_next_functions(backend):
    # the tutorial prints z.grad_fn.next_functions == ((PowBackward0, 0), (None, 0))
    x, _, z = tutorial_z(backend)
    dot = parse_dot(draw(z, names={"x": x}).source)
    assert dot.text == {
        "n0": ["output (3, 1)"],
        "n1": ["AddBackward0"],
        "n2": ["PowBackward0"],
        "n3": ["AddBackward0"],
        "n4": ["AccumulateGrad"],
        "n5": ["3" if recorded(backend) else "constant"],  # the 3 of y**2 + 3
        "n6": ["1" if recorded(backend) else "constant"],  # the 1 of x + 1
        "n7": ["x (3, 1)"],
    }
    assert dot.edges == [
        ("n0", "n1"),
        ("n1", "n2"),
        ("n1", "n5"),
        ("n2", "n3"),
        ("n3", "n4"),
        ("n3", "n6"),
        ("n4", "n7"),
    ]


def test_loss_autograd_view_names_tensors_from_the_dict(backend):
    t = tutorial_loss(backend)
    dot = parse_dot(draw(t["loss"], names=t).source)
    assert dot.text == {
        "n0": ["loss ()"],
        "n1": ["MeanBackward0"],
        "n2": ["PowBackward0"],
        "n3": ["SubBackward0"],
        "n4": ["MmBackward0", "output.grad_fn"],  # a named intermediate has no box of its own
        "n5": ["AccumulateGrad"],
        # the constants target and x: minigrad recorded their values, so knows their names
        "n6": ["target (2, 1)" if recorded(backend) else "constant"],
        "n7": ["x (2, 3)" if recorded(backend) else "constant"],
        "n8": ["w (3, 1)"],
    }
    # MmBackward0.next_functions is ((None, 0), (AccumulateGrad, 0)): the constant comes first
    assert dot.edges == [
        ("n0", "n1"),
        ("n1", "n2"),
        ("n2", "n3"),
        ("n3", "n4"),
        ("n3", "n6"),
        ("n4", "n7"),
        ("n4", "n5"),
        ("n5", "n8"),
    ]


def test_loss_values_view_shows_data_and_grads(backend):
    t = tutorial_loss(backend)
    t["loss"].backward(retain_graph=True)
    dot = parse_dot(draw(t["loss"], names=t, view="values").source)
    not_kept = ["grad", "not kept (non-leaf)"]
    known = recorded(backend)
    assert dot.text == {
        "n0": ["loss ()", "data", "41.", *not_kept],
        "n1": ["mean", "MeanBackward0"],
        "n2": ["pow", "PowBackward0"],
        "n3": ["sub", "SubBackward0"],
        "n4": ["mm", "MmBackward0"],
        "n5": ["w (3, 1)", "data", "[[1.], /  [1.], /  [1.]]"]
        + ["grad", "[[27.], /  [37.], /  [47.]]"],
        # (output - target) ** 2: PyTorch keeps no value; minigrad's node recorded it
        "n6": ["tensor (2, 1)", "data", "[[ 1.], /  [81.]]", *not_kept]
        if known
        else ["tensor", "value not kept by autograd"],
        # output - target: PowBackward0 saved it, so its value is known
        "n7": ["tensor (2, 1)", "data", "[[1.], /  [9.]]", *not_kept],
        "n8": ["output (2, 1)", "data", "[[ 3.], /  [12.]]", *not_kept],
        # the constants target and x (which do not require grad): minigrad knows their values,
        # and so which named tensors they are; no grad row, as for any no-grad tensor
        "n9": ["target (2, 1)", "data", "[[2.], /  [3.]]"] if known else ["constant"],
        "n10": ["x (2, 3)", "data", "[[0., 1., 2.], /  [3., 4., 5.]]"] if known else ["constant"],
    }
    # forward direction: inputs flow into each op, each op into the tensor it made
    assert dot.edges == [
        ("n1", "n0"),
        ("n2", "n6"),
        ("n6", "n1"),
        ("n3", "n7"),
        ("n7", "n2"),
        ("n4", "n8"),
        ("n8", "n3"),
        ("n9", "n3"),
        ("n10", "n4"),
        ("n5", "n4"),
    ]


def test_q_values_view_before_backward(backend):
    a, b, q = tutorial_q(backend)
    dot = parse_dot(draw(q, names={"a": a, "b": b, "Q": q}, view="values").source)
    assert dot.text["n0"] == ["Q (2,)", "data", "[-12.,  65.]", "grad", "not kept (non-leaf)"]
    assert dot.text["n6"] == ["a (2,)", "data", "[2., 3.]", "grad", "None"]
    three = "3" if recorded(backend) else "constant"
    assert sorted(dot.titles.values()) == sorted(
        ["Q", "sub", "mul", "pow", "pow", "b", "a", "tensor", "tensor", "tensor", three]
    )


def test_a_tensor_used_twice_gets_two_arrows_to_one_box(backend):
    a = backend.tensor([1.0, 2.0], requires_grad=True)
    t = a * 2
    u = t + t  # AddBackward0.next_functions == ((MulBackward0, 0), (MulBackward0, 0))
    square = a * a  # both inputs are the same AccumulateGrad
    dot = parse_dot(draw([u, square], names={"a": a}).source)
    add, mul_twice = dot.ids_titled("AddBackward0")[0], dot.ids_titled("MulBackward0")
    times_two = next(m for m in mul_twice if (add, m) in dot.edges)
    assert dot.edges.count((add, times_two)) == 2
    square_node = next(m for m in mul_twice if m != times_two)
    (accumulate,) = dot.ids_titled("AccumulateGrad")
    assert dot.edges.count((square_node, accumulate)) == 2
    assert len(dot.ids_titled("a")) == 1


def test_two_roots_share_their_common_subgraph(backend):
    a = backend.tensor([1.0], requires_grad=True)
    h = a * 3
    graph = build_graph([h + 1, h * h])
    titles = [n.title for n in graph.nodes]
    assert titles.count("output") == 2
    assert titles.count("MulBackward0") == 2  # a * 3 and h * h, each drawn once
    assert titles.count("AccumulateGrad") == 1


def test_no_grad_and_detached_inputs_are_greyed_out(backend):
    x = backend.tensor([1.0, 2.0], requires_grad=True)
    with backend.no_grad():
        c = x * 2
    d = x.detach()
    out = x * c + d * x
    graph = build_graph(out, names={"x": x, "c": c, "d": d}, show_saved=True)
    by_title = {n.title: n for n in graph.nodes if n.kind != "constant"}
    assert by_title["c"].kind == "saved" and by_title["c"].no_grad
    assert by_title["d"].kind == "saved" and by_title["d"].no_grad
    assert "requires_grad=False" in by_title["d"].notes
    constants = [n for n in graph.nodes if n.kind == "constant"]
    assert len(constants) == 2 and all(n.no_grad for n in constants)
    # minigrad recorded the inputs c and d, so their (None, 0) boxes carry their names too
    names = ["c", "d"] if recorded(backend) else ["constant", "constant"]
    assert [n.title for n in constants] == names
    assert not by_title["x"].no_grad
    dot = parse_dot(draw(out, names={"c": c, "d": d}, show_saved=True).source)
    for box in dot.ids_titled("c"):
        assert dot.attrs[box]["fillcolor"] == "#eeeeee"
        assert "dashed" in dot.attrs[box]["style"]


def test_show_saved_links_each_node_to_what_it_saved(backend):
    a, b, q = tutorial_q(backend)
    graph = build_graph(q, names={"a": a, "b": b}, show_saved=True)
    box = {n.title: n.id for n in graph.nodes if n.kind != "function"}
    saved = {(e.src, e.dst, e.label) for e in graph.edges if e.kind == "saved"}
    pow_b, pow_a = [n.id for n in graph.nodes if n.title == "PowBackward0"]  # b**2 is nearer Q
    # PowBackward0 saved its input: the leaf box itself, not a copy
    assert (pow_a, box["a"], "self") in saved
    assert (pow_b, box["b"], "self") in saved
    notes = {n.id: n.notes for n in graph.nodes}
    assert notes[pow_a] == ("exponent = 3",)
    assert notes[pow_b] == ("exponent = 2",)


def test_freed_saved_tensors_are_drawn_as_freed(backend):
    _, _, q = tutorial_q(backend)
    q.sum().backward()  # frees what the nodes saved
    graph = build_graph(q, show_saved=True)
    freed = [n for n in graph.nodes if n.kind == "freed"]
    assert len(freed) == 3  # a for a**3, b for b**2, the 3 of 3 * a**3
    assert {e.label for e in graph.edges if e.dst in {n.id for n in freed}} == {"self", "other"}
    assert "freed" in draw(q, show_saved=True, view="values").source


def test_max_nodes_collapses_the_rest_into_one_marker(backend):
    x = backend.tensor([1.0], requires_grad=True)
    y = x
    for _ in range(20):
        y = y * 1.5
    graph = build_graph(y, max_nodes=5)
    assert [n.kind for n in graph.nodes].count("function") == 5
    assert graph.hidden == 16 and graph.hidden_exact  # 20 MulBackward0 + 1 AccumulateGrad - 5
    (more,) = [n for n in graph.nodes if n.kind == "more"]
    assert more.title == "… 16 more"
    assert [e.kind for e in graph.edges if e.dst == more.id] == ["more"]
    assert "… 16 more" in parse_dot(draw(y, max_nodes=5).source).text[more.id][0]


def test_a_100000_node_chain_draws_without_recursion(backend):
    x = backend.tensor([1.0], requires_grad=True)
    y = x
    for _ in range(100_000):
        y = y + 1.0
    drawing = draw(y, max_nodes=50)
    assert [n.kind for n in drawing.graph.nodes].count("function") == 50
    # counting stops COUNT_BEYOND nodes past max_nodes, so the count is a lower bound
    assert not drawing.graph.hidden_exact
    assert drawing.graph.hidden == COUNT_BEYOND + 1
    assert f"… {COUNT_BEYOND + 1}+ more" in drawing.source


def test_duck_typed_fake_graph_of_100000_nodes_is_walked_without_recursion():
    leaf, root = fake_chain(100_000)
    graph = build_graph(root, names={"leaf": leaf}, max_nodes=None)
    assert graph.hidden == 0
    assert sum(n.kind == "function" for n in graph.nodes) == 100_001
    assert (graph.nodes[-1].kind, graph.nodes[-1].title) == ("leaf", "leaf")


def test_duck_typed_fake_graph_values_view_reads_tolist():
    leaf, root = fake_chain(2)
    dot = parse_dot(draw(root, names={"leaf": leaf}, view="values").source)
    assert dot.text == {
        "n0": ["output (1,)", "data", "[2.]", "grad", "not kept (non-leaf)"],
        "n1": ["exp", "ExpBackward0"],
        "n2": ["exp", "ExpBackward0"],
        "n3": ["leaf (1,)", "data", "[1.]", "grad", "None"],
        "n4": ["tensor", "value not kept by autograd"],
    }
    assert dot.edges == [("n1", "n0"), ("n2", "n4"), ("n4", "n1"), ("n3", "n2")]


def test_find_maps_tensors_and_grad_fns_to_boxes(backend):
    x, y, z = tutorial_z(backend)
    graph = build_graph(z)
    by_id = {n.id: n for n in graph.nodes}
    assert by_id[graph.find(z)].kind == "output"
    assert by_id[graph.find(x)].kind == "leaf"
    assert by_id[graph.find(z.grad_fn)].title == "AddBackward0"
    assert graph.find(y) == graph.find(y.grad_fn)  # no box of its own: its grad_fn's
    assert graph.find(backend.tensor([1.0])) is None
    values = build_graph(z, view="values", names={"y": y})
    assert values.nodes[int(values.find(y)[1:])].title == "y"
    assert values.nodes[int(values.find(x)[1:])].kind == "leaf"


def test_highlight_marks_the_given_tensor_and_grad_fn(backend):
    a, b, q = tutorial_q(backend)
    drawing = draw(q, names={"a": a, "b": b}, highlight=[a, q.grad_fn])
    dot = parse_dot(drawing.source)
    thick = sorted(node for node, attrs in dot.attrs.items() if attrs.get("penwidth") == "3")
    assert thick == sorted([dot.ids_titled("a")[0], dot.ids_titled("SubBackward0")[0]])
    assert dot.attrs[dot.ids_titled("a")[0]]["color"] == "#d62728"


def test_names_accepts_globals_like_dicts(backend):
    a = backend.tensor([1.0], requires_grad=True)
    names = {"_": a, "_3": a, "count": 3, "np": object(), "a": a, "alias": a}
    graph = build_graph(a * 2, names=names)
    assert [n.title for n in graph.nodes if n.kind == "leaf"] == ["a"]


def test_a_leaf_alone_and_a_tensor_without_history_are_drawings(backend):
    a = backend.tensor([1.0, 2.0], requires_grad=True)
    leaf = build_graph(a, names={"a": a})
    assert [(n.kind, n.title) for n in leaf.nodes] == [("leaf", "a")]
    with backend.no_grad():
        c = a * 2
    lonely = parse_dot(draw(c, names={}).source)
    assert lonely.text == {"n0": ["constant (2,)", "no autograd history", "requires_grad=False"]}
    assert lonely.edges == []


# --- constants: titled by name or value where the engine recorded it -------------------------


def constants(graph):
    return [n for n in graph.nodes if n.kind == "constant"]


def test_a_small_constant_is_titled_with_its_value(backend):
    a = backend.tensor([1.0, 2.0], requires_grad=True)
    out = (
        a * 3 + a * backend.tensor([0.5, -1.0]) + a * backend.tensor([1.0, 2.0, 3.0, 4.0, 5.0])[:2]
    )
    for view in ("autograd", "values"):
        graph = build_graph(out, names={"a": a}, view=view)
        titles = [n.title for n in constants(graph)]
        if recorded(backend):
            assert sorted(titles) == sorted(["3", "[0.5, -1.]", "[1., 2.]"])
        else:  # PyTorch keeps no value of a constant
            assert titles == ["constant"] * 3
        assert all(n.no_grad and n.notes == () for n in constants(graph))
        assert all(
            n.tooltip == "(None, 0): a constant, no gradient flows here" for n in constants(graph)
        )


def test_a_large_unnamed_constant_is_titled_constant_and_keeps_its_value(backend):
    a = backend.tensor([1.0], requires_grad=True)
    out = a * (backend.arange(5) * 1.0)
    dot = parse_dot(draw(out, names={}, view="values").source)
    (box,) = dot.ids_titled("constant")
    if recorded(backend):
        assert dot.text[box] == ["constant (5,)", "data", "[0., 1., 2., 3., 4.]"]
    else:
        assert dot.text[box] == ["constant"]
    assert 'tooltip="(None, 0): a constant, no gradient flows here"' in dot_line(dot, box)
    assert "dashed" in dot.attrs[box]["style"] and dot.attrs[box]["fillcolor"] == "#eeeeee"


def dot_line(dot, box):
    return " ".join(f'{key}="{value}"' for key, value in dot.attrs[box].items())


def test_a_named_constant_is_titled_with_its_name_in_both_views(backend):
    t = tutorial_loss(backend)
    for view in ("autograd", "values"):
        titles = [n.title for n in constants(build_graph(t["loss"], names=t, view=view))]
        assert titles == (["target", "x"] if recorded(backend) else ["constant", "constant"])


def test_constants_freed_by_backward_are_titled_constant(backend):
    a, b, q = tutorial_q(backend)
    q.sum().backward()  # minigrad frees the recorded values with the saved tensors
    assert [n.title for n in constants(build_graph(q))] == ["constant"]


# --- names by default ------------------------------------------------------------------------


def test_draw_labels_tensors_with_the_callers_variable_names(backend):
    weight = backend.tensor([1.0, 2.0], requires_grad=True)
    _private = backend.tensor([3.0, 4.0], requires_grad=True)
    result = (weight * _private).sum()
    titles = {n.title for n in draw(result).graph.nodes}
    assert {"weight", "result", "leaf"} <= titles  # _private is skipped: drawn as 'leaf'
    assert "_private" not in titles
    bare = {n.title for n in draw(result, names={}).graph.nodes}
    assert "weight" not in bare and "output" in bare


def test_draw_reads_the_callers_globals_too(backend):
    cell = "w = torch.tensor([1.0], requires_grad=True)\nloss = (w * 2).sum()\nd = draw(loss)\n"
    scope = {"torch": backend, "draw": draw}
    exec(cell, scope)  # a notebook cell: its variables are globals
    tensors = [n.title for n in scope["d"].graph.nodes if n.kind in ("output", "leaf")]
    assert tensors == ["loss", "w"]


def test_caller_names_keeps_tensors_only(backend):
    from minigrad.viz import caller_names

    def helper():
        return caller_names()

    a = backend.tensor([1.0])
    count = 3
    _hidden = backend.tensor([2.0])
    found = helper()
    assert found["a"] is a
    assert "count" not in found and "_hidden" not in found and "backend" not in found
    assert count == 3 and _hidden is not None
