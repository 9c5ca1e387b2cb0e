"""What draw() returns: DOT text that shows itself in Jupyter and saves to files.

Rendering needs Graphviz's ``dot`` program and the ``graphviz`` Python package
(the project's ``viz`` extra). Without them a notebook shows a short message with
the install command and the DOT text instead of a traceback; outside a notebook,
pipe() and render() raise GraphvizMissing with the same advice.

>>> d = draw(loss)                   # doctest: +SKIP
>>> d.render("loss", format="png")   # writes loss (DOT) and loss.png  # doctest: +SKIP
'loss.png'
>>> d.save("loss.gv")                # the DOT text only, no Graphviz needed  # doctest: +SKIP
'loss.gv'
"""

from __future__ import annotations

import html
import importlib
import shutil
import subprocess
from pathlib import Path
from typing import Any

from .graph import Graph

Commands = tuple[tuple[str, str], ...]  # (system, install command) pairs

INSTALL_DOT = (
    ("Debian/Ubuntu", "apt-get install graphviz"),
    ("macOS", "brew install graphviz"),
    ("conda", "conda install -c conda-forge graphviz"),
)
INSTALL_PACKAGE = (
    ("pip", "pip install graphviz"),
    ("conda", "conda install -c conda-forge python-graphviz"),
)
_NO_DOT = "Graphviz's dot program was not found"
_NO_PACKAGE = "the graphviz Python package is not installed"


class GraphvizMissing(RuntimeError):
    """Graphviz (the dot program or the graphviz Python package) is not installed."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        self.commands = INSTALL_PACKAGE if reason == _NO_PACKAGE else INSTALL_DOT
        one_line = "; ".join(f"{system}: {command}" for system, command in self.commands)
        super().__init__(f"Cannot draw the graph: {reason}. Install it with one line ({one_line}).")


class Drawing:
    """A drawn graph: ``.source`` is the DOT text, ``.graph`` the boxes and arrows.

    In Jupyter it displays as SVG. render() and pipe() take the arguments of
    ``graphviz.Source.render`` / ``.pipe``: ``render("q", format="png")`` or
    ``render(outfile="q.svg")``.
    """

    def __init__(self, source: str, graph: Graph) -> None:
        self.source = source
        self.graph = graph

    def __repr__(self) -> str:
        return (
            f"<Drawing ({self.graph.view} view): {len(self.graph.nodes)} boxes, "
            f"{len(self.graph.edges)} arrows; .source is DOT text>"
        )

    def __str__(self) -> str:
        return self.source

    def to_graphviz(self) -> Any:
        """The DOT text as a ``graphviz.Source``, with Graphviz's full rendering API."""
        return _graphviz().Source(self.source)

    def pipe(self, format: str = "svg", **kwargs: Any) -> bytes:
        """The rendered picture as bytes, e.g. ``pipe("png")``."""
        return self._run("pipe", format=format, **kwargs)

    def render(self, *args: Any, **kwargs: Any) -> str:
        """Write the DOT file and the picture; returns the picture's path."""
        return self._run("render", *args, **kwargs)

    def save(self, filename: str | Path) -> str:
        """Write the DOT text to filename; returns its path."""
        Path(filename).write_text(self.source, encoding="utf-8")
        return str(filename)

    def _run(self, method: str, *args: Any, **kwargs: Any) -> Any:
        graphviz = _graphviz()
        try:
            return getattr(graphviz.Source(self.source), method)(*args, **kwargs)
        except graphviz.ExecutableNotFound as missing:  # found by which() but would not run
            raise GraphvizMissing(_NO_DOT) from missing

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None, **kwargs: Any) -> Any:
        """SVG for Jupyter, or a message with the install command: never a traceback."""
        try:
            svg = self.pipe("svg", quiet=True).decode("utf-8")
        except GraphvizMissing as missing:
            reason = f"Cannot draw the graph: {missing.reason}."
            return self._fallback(reason, missing.commands, **kwargs)
        except subprocess.CalledProcessError as failure:  # dot ran and refused the input
            stderr = failure.stderr.decode("utf-8", "replace") if failure.stderr else ""
            return self._fallback(f"Graphviz's dot failed: {stderr.strip()}", (), **kwargs)
        return {"image/svg+xml": svg, "text/plain": repr(self)}

    def _fallback(self, reason: str, commands: Commands, **kwargs: Any) -> Any:
        install = [f"{command:<48}# {system}" for system, command in commands]
        data = {
            "text/html": _fallback_html(reason, install, self.source),
            "text/plain": "\n  ".join([reason, *install]) + f"\n\n{self.source}",
        }
        widget = _browser_renderer(self.source)
        if widget is None:
            return data
        # graphviz-anywidget lays the graph out in the browser; where no widget can
        # show (a static notebook), the message above still does.
        bundle = widget._repr_mimebundle_(**kwargs)
        widget_data, metadata = bundle if isinstance(bundle, tuple) else (bundle or {}, {})
        return {**widget_data, **data}, metadata


def _graphviz() -> Any:
    """The graphviz module, once both it and the dot program are known to be there."""
    if shutil.which("dot") is None:
        raise GraphvizMissing(_NO_DOT)
    try:
        return importlib.import_module("graphviz")
    except ImportError as missing:
        raise GraphvizMissing(_NO_PACKAGE) from missing


def _fallback_html(reason: str, install: list[str], source: str) -> str:
    steps = ""
    if install:
        lines = html.escape("\n".join(install))
        steps = (
            "<p>Install it with one of these lines, then run the cell again:</p>"
            f'<pre style="color:#1a1a1a">{lines}</pre>'
        )
    return (
        '<div style="border:1px solid #ffa500;background:#fff8e6;color:#1a1a1a;'
        'padding:8px 12px;font-family:sans-serif">'
        f"<b>{html.escape(reason)}</b>{steps}"
        "<p>The graph as DOT text (paste it into any Graphviz viewer):</p>"
        f'<pre style="color:#1a1a1a;max-height:20em;overflow:auto">{html.escape(source)}</pre>'
        "</div>"
    )


def _browser_renderer(source: str) -> Any:
    """A graphviz-anywidget widget for source when that optional package works, else None."""
    try:
        module = importlib.import_module("graphviz_anywidget")
        return module.graphviz_widget_simple(source)
    except Exception:  # optional nicety: any failure means the plain message is shown
        return None
