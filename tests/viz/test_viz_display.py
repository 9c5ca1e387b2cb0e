"""How a drawing shows itself in Jupyter, saves to files, and falls back without Graphviz."""

from __future__ import annotations

import shutil
import sys
import types

import pytest

from minigrad.viz import Drawing, GraphvizMissing, draw
from minigrad.viz import display as display_module

from .viz_helpers import tutorial_q

needs_graphviz = pytest.mark.skipif(
    shutil.which("dot") is None, reason="Graphviz's dot is not installed"
)


@pytest.fixture
def no_browser_renderer(monkeypatch):
    """Make sure the optional graphviz-anywidget package is not picked up."""
    monkeypatch.setitem(sys.modules, "graphviz_anywidget", None)


@pytest.fixture
def q_drawing(backend):
    a, b, q = tutorial_q(backend)
    return draw(q, names={"a": a, "b": b})


@needs_graphviz
def test_jupyter_gets_a_real_svg(q_drawing):
    pytest.importorskip("graphviz")
    bundle = q_drawing._repr_mimebundle_()
    svg = bundle["image/svg+xml"]
    assert svg.lstrip().startswith("<?xml") and "</svg>" in svg
    assert "SubBackward0" in svg and "AccumulateGrad" in svg
    assert "text/html" not in bundle


@needs_graphviz
def test_render_and_save_write_files(q_drawing, tmp_path):
    pytest.importorskip("graphviz")
    svg_path = q_drawing.render(outfile=tmp_path / "q.svg")
    assert (tmp_path / "q.svg").read_text().count("<svg") == 1
    assert str(svg_path).endswith("q.svg")
    png = q_drawing.render(tmp_path / "q", format="png")
    assert (tmp_path / "q.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert str(png).endswith("q.png")
    assert q_drawing.pipe("png")[:4] == b"\x89PNG"
    saved = q_drawing.save(tmp_path / "q.gv")
    assert open(saved).read() == q_drawing.source


def test_without_dot_jupyter_shows_the_install_command_and_the_source(
    q_drawing, monkeypatch, no_browser_renderer
):
    monkeypatch.setattr(display_module.shutil, "which", lambda name: None)
    bundle = q_drawing._repr_mimebundle_()
    assert "image/svg+xml" not in bundle
    page = bundle["text/html"]
    for command in (
        "apt-get install graphviz",
        "brew install graphviz",
        "conda install -c conda-forge graphviz",
    ):
        assert command in page and command in bundle["text/plain"]
    assert "dot program was not found" in page
    # the DOT text, escaped, in a <pre>
    assert "<pre" in page and "digraph autograd {" in page and "&lt;TABLE" in page
    with pytest.raises(GraphvizMissing, match="apt-get install graphviz"):
        q_drawing.pipe("svg")


def test_dot_on_path_but_not_runnable_still_falls_back(
    q_drawing, monkeypatch, tmp_path, no_browser_renderer
):
    pytest.importorskip("graphviz")
    monkeypatch.setattr(display_module.shutil, "which", lambda name: "/nowhere/dot")
    monkeypatch.setenv("PATH", str(tmp_path))  # graphviz raises ExecutableNotFound
    bundle = q_drawing._repr_mimebundle_()
    assert "apt-get install graphviz" in bundle["text/html"]
    with pytest.raises(GraphvizMissing):
        q_drawing.render(tmp_path / "q", format="svg")


def test_without_the_graphviz_package_the_message_says_pip(
    q_drawing, monkeypatch, no_browser_renderer
):
    monkeypatch.setattr(display_module.shutil, "which", lambda name: "/usr/bin/dot")
    monkeypatch.setitem(sys.modules, "graphviz", None)  # import graphviz -> ImportError
    bundle = q_drawing._repr_mimebundle_()
    assert "pip install graphviz" in bundle["text/html"]
    assert "apt-get" not in bundle["text/html"]
    with pytest.raises(GraphvizMissing, match="pip install graphviz"):
        q_drawing.to_graphviz()


@needs_graphviz
def test_dot_refusing_the_input_is_a_message_not_a_traceback(
    q_drawing, monkeypatch, no_browser_renderer
):
    pytest.importorskip("graphviz")
    broken = Drawing("digraph { n0 [label=<<B>>] }", q_drawing.graph)
    bundle = broken._repr_mimebundle_()
    assert "Graphviz&#x27;s dot failed" in bundle["text/html"]
    assert "mismatched tag" in bundle["text/plain"]  # what dot said


def test_graphviz_anywidget_renders_in_the_browser_when_installed(q_drawing, monkeypatch):
    monkeypatch.setattr(display_module.shutil, "which", lambda name: None)
    made = []

    class FakeWidget:
        def __init__(self, source):
            made.append(source)

        def _repr_mimebundle_(self, **kwargs):  # ipywidgets returns (data, metadata)
            view = {"version_major": 2, "version_minor": 1, "model_id": "m1"}
            return {
                "text/plain": "FakeWidget()",
                "application/vnd.jupyter.widget-view+json": view,
            }, {}

    fake = types.ModuleType("graphviz_anywidget")
    fake.graphviz_widget_simple = FakeWidget
    monkeypatch.setitem(sys.modules, "graphviz_anywidget", fake)
    data, metadata = q_drawing._repr_mimebundle_()
    assert made == [q_drawing.source]
    assert data["application/vnd.jupyter.widget-view+json"]["model_id"] == "m1"
    assert "apt-get install graphviz" in data["text/html"]  # for static notebook viewers
    assert metadata == {}


def test_a_broken_browser_renderer_is_ignored(q_drawing, monkeypatch):
    monkeypatch.setattr(display_module.shutil, "which", lambda name: None)
    broken = types.ModuleType("graphviz_anywidget")  # has no graphviz_widget_simple
    monkeypatch.setitem(sys.modules, "graphviz_anywidget", broken)
    bundle = q_drawing._repr_mimebundle_()
    assert set(bundle) == {"text/html", "text/plain"}


def test_repr_and_str(q_drawing):
    assert repr(q_drawing) == "<Drawing (autograd view): 10 boxes, 9 arrows; .source is DOT text>"
    assert str(q_drawing) == q_drawing.source
