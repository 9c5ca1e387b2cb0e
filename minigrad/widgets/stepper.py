"""``Stepper``: walk through the forward and the backward pass of a graph in JupyterLab.

>>> from minigrad.widgets import Stepper
>>> Stepper(Q, gradient=torch.tensor([1., 1.]))      # doctest: +SKIP

Stepping never writes the learner's ``.grad`` and never frees their graph: the backward
steps come from one run of the real engine with ``retain_graph=True`` whose gradients are
only recorded (``leaf_grad`` tells what a leaf's ``.grad`` would hold at each step).
"""

from __future__ import annotations

import html
import re
import sys
from typing import Any

import numpy as np

from minigrad.autograd.graph import SECOND_BACKWARD, AccumulateGrad, Function
from minigrad.tensor import Tensor
from minigrad.viz import Drawing, GraphvizMissing, build_graph, to_dot
from minigrad.viz.dot import HIGHLIGHT
from minigrad.widgets.steps import (
    BACKWARD,
    FORWARD,
    Labeler,
    Step,
    build_steps,
    collect_functions,
    fmt,
)

_SPEEDS = (("slow", 1600), ("normal", 900), ("fast", 350))


class Stepper:
    """The forward and backward pass of ``root``'s graph, one node per step.

    ``names`` maps names to tensors (``{"a": a}``); by default the caller's variables are used,
    so leaves are labelled as the learner called them.
    """

    def __init__(
        self,
        root: Any,
        gradient: Tensor | None = None,
        *,
        names: dict[str, Any] | None = None,
        max_nodes: int = 100,
    ) -> None:
        self.root = root
        self.index = 0
        self.steps: list[Step] = []
        #: why there is nothing to step through (bad input), shown inside the widget
        self.error: str | None = _problem(root, gradient)
        self._names = _tensor_names(names if names is not None else _caller_variables())
        self._max_nodes = max_nodes
        self._pictures: dict[int, str] = {}
        self._drawn: Any = None  # the graph as boxes and arrows, built once
        self._svg: str | None = None
        self._missing = ""
        self._widget: Any = None
        if self.error is None:
            self._functions = collect_functions(root)
            self._labels = Labeler(self._functions, self._names)
            self._leaves = _leaves(self._functions)
            self._root_gradient = (
                gradient._data if gradient is not None else np.ones_like(root._data)
            )
            self.steps, failure = build_steps(root, gradient, self._names)
            if failure is not None:
                self.steps.append(_failure_step(failure))

    # -- the Python-level API -------------------------------------------------------------
    @property
    def step(self) -> Step | None:
        """The current step (None when there is nothing to step through)."""
        return self.steps[self.index] if self.steps else None

    def goto(self, index: int) -> Stepper:
        """Go to step ``index``; indices past either end stop at the first or last step."""
        if self.steps:
            self.index = max(0, min(int(index), len(self.steps) - 1))
            self._show()
        return self

    def next(self) -> Stepper:
        """One step forward (nothing happens at the last step)."""
        return self.goto(self.index + 1)

    def prev(self) -> Stepper:
        """One step back (nothing happens at the first step)."""
        return self.goto(self.index - 1)

    def first(self) -> Stepper:
        return self.goto(0)

    def last(self) -> Stepper:
        return self.goto(len(self.steps) - 1)

    def leaf_grad(self, tensor: Tensor) -> Tensor | None:
        """What ``tensor.grad`` holds at the current step; None before backward reaches it."""
        held = None
        for step in self.steps[: self.index + 1]:
            if step.deposit is not None and step.deposit[0] is tensor:
                held = step.deposit[1]
        return None if held is None else Tensor._make(held.copy())

    # -- what the learner sees ------------------------------------------------------------
    def summary(self) -> str:
        """All steps as plain text, one line each; the current one marked."""
        if self.error is not None:
            return f"Stepper: {self.error}"
        lines = [f"Stepper: {len(self.steps)} steps (forward, then backward)"]
        for number, step in enumerate(self.steps):
            marker = "▶" if number == self.index else " "
            lines.append(f"{marker} {number:>3} {step.phase:<8} {step.title}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return self.summary()

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None, **kwargs: Any) -> Any:
        """The live widget where a widget frontend runs; a static storyboard everywhere else."""
        data = {"text/plain": self.summary(), "text/html": self.storyboard_html()}
        widget = self.widget()
        if widget is None:
            return data
        bundle = widget._repr_mimebundle_(include=include, exclude=exclude, **kwargs)
        widget_data, metadata = bundle if isinstance(bundle, tuple) else (bundle or {}, {})
        return {**data, **widget_data, "text/plain": data["text/plain"]}, metadata

    def storyboard_html(self) -> str:
        """The final state and every step's title: what a notebook viewer without widgets shows."""
        if self.error is not None:
            return _message_html(self.error)
        items = "".join(f"<li>{html.escape(step.title)}</li>" for step in self.steps)
        return (
            '<div style="font-family:sans-serif;color:inherit">'
            f"<div>{self._picture(len(self.steps) - 1)}</div>"
            f'<ol start=0 style="font-family:monospace;font-size:90%">{items}</ol></div>'
        )

    def table_html(self) -> str:
        """The tensors involved, with their data and gradient as of the current step."""
        step = self.step
        in_backward = step is not None and step.phase == BACKWARD
        rows = []
        for leaf in self._leaves:
            grad = self.leaf_grad(leaf)
            rows.append((self._labels.leaf(leaf), "leaf", leaf._data, grad))
        for fn in self._functions:
            values = fn.forward_values()
            if fn is self.root.grad_fn:
                grad = self._root_gradient if in_backward else None
            else:
                grad = step.received.get(fn) if in_backward else None
            rows.append((self._labels.output(fn), "result", values and values[1], grad))
        cell = 'style="padding:1px 14px 1px 0;line-height:1.5;vertical-align:top"'
        body = "".join(
            f"<tr><td {cell}><b>{html.escape(name)}</b></td><td {cell}>{kind}</td>"
            f"<td {cell}><code>{html.escape(fmt(data))}</code></td>"
            f"<td {cell}><code>{'—' if grad is None else html.escape(fmt(grad))}</code></td></tr>"
            for name, kind, data, grad in rows
        )
        return (
            '<table class="minigrad-tensors" style="border-collapse:collapse;font-size:90%;'
            'margin-top:6px">'
            f"<tr><th align=left {cell}>tensor</th><th {cell}></th>"
            f"<th align=left {cell}>data</th><th align=left {cell}>grad</th></tr>"
            + body
            + "</table>"
        )

    def _picture(self, index: int) -> str:
        """The graph as SVG at step ``index``: its node highlighted, nodes not yet created faded.

        Graphviz lays the whole graph out once per Stepper; each step only restyles that SVG,
        so boxes stay where they are and a step costs well under a millisecond.
        """
        if index in self._pictures:
            return self._pictures[index]
        graph, svg = self._layout()
        step = self.steps[index] if self.steps else None
        highlight = None
        if step is not None and step.node is not None:
            highlight = graph.find(step.node)
            if highlight is None and isinstance(step.node, AccumulateGrad):
                highlight = graph.find(step.node.variable)
        faded = set()
        if step is not None and step.phase == FORWARD:
            later = [s.node for s in self.steps[index + 1 :] if s.phase == FORWARD]
            faded = {graph.find(node) for node in later} | {graph.find(self.root)}
            faded.discard(None)
        if svg is None:  # no Graphviz: the DOT text, which still says what is highlighted
            source = to_dot(graph, highlight=[highlight] if highlight else [])
            picture = _message_html(f"{self._missing}\n\n{source}")
        else:
            picture = _restyle(svg, highlight, faded)
        self._pictures[index] = picture
        return picture

    def _layout(self) -> tuple[Any, str | None]:
        """The whole graph and its SVG laid out by Graphviz (None without Graphviz); made once."""
        if self._drawn is None:
            self._drawn = build_graph([self.root], names=self._names, max_nodes=self._max_nodes)
            drawing = Drawing(to_dot(self._drawn), self._drawn)
            try:
                svg = drawing.pipe("svg").decode("utf-8")
                self._svg = svg[svg.index("<svg") :]
            except GraphvizMissing as missing:
                self._missing = str(missing)
        return self._drawn, self._svg

    # -- the widget -----------------------------------------------------------------------
    def widget(self) -> Any:
        """The ipywidgets view (built once), or None when ipywidgets is not installed."""
        if self._widget is not None:
            return self._widget
        try:
            import ipywidgets as w
        except ImportError:
            return None
        if self.error is not None or not self.steps:
            self._widget = w.HTML(_message_html(self.error or "Nothing to step through."))
            return self._widget
        last = len(self.steps) - 1
        self._slider = w.IntSlider(
            value=self.index,
            min=0,
            max=last,
            description="step",
            continuous_update=True,
            layout=w.Layout(flex="1 1 240px", max_width="420px"),
        )
        self._play = w.Play(value=self.index, min=0, max=last, interval=_SPEEDS[1][1])
        w.jslink((self._play, "value"), (self._slider, "value"))
        speed = w.ToggleButtons(
            options=_SPEEDS,
            value=_SPEEDS[1][1],
            style={"button_width": "auto"},
            layout=w.Layout(flex="0 0 auto"),
        )
        speed.observe(lambda change: setattr(self._play, "interval", change["new"]), "value")
        buttons = []
        for label, tip, action in (
            ("«", "first step", self.first),
            ("◀", "back", self.prev),
            ("▶", "next", self.next),
            ("»", "last step", self.last),
        ):  # glyphs every font has: ⏮ and ⏭ show as boxes in some browsers
            button = w.Button(description=label, tooltip=tip, layout=w.Layout(width="44px"))
            button.on_click(lambda _, action=action: action())
            buttons.append(button)
        self._slider.observe(lambda change: self.goto(change["new"]), "value")
        self._graph = w.HTML(layout=w.Layout(overflow="auto", max_width="60%"))
        self._text = w.HTML()
        self._table = w.HTML()
        self._widget = w.VBox(
            [
                w.HBox(
                    [*buttons, self._play, self._slider, speed],
                    layout=w.Layout(align_items="center"),
                ),
                w.HBox([self._graph, w.VBox([self._text, self._table])]),
            ]
        )
        self._widget.add_class("minigrad-stepper")
        self._show()
        return self._widget

    def _show(self) -> None:
        """Bring the widget (if built) to the current step."""
        if self._widget is None or not hasattr(self, "_slider"):
            return
        step = self.steps[self.index]
        if self._slider.value != self.index:
            self._slider.value = self.index
        self._graph.value = self._picture(self.index)
        phase = "Forward pass" if step.phase == FORWARD else "Backward pass"
        self._text.value = (
            f'<div class="minigrad-step" style="font-family:sans-serif">'
            f"<b>{phase}</b> · step {self.index} of {len(self.steps) - 1}"
            f'<pre class="minigrad-step-text" style="white-space:pre-wrap">'
            f"{html.escape(step.text)}</pre></div>"
        )
        self._table.value = self.table_html()


def _problem(root: Any, gradient: Any) -> str | None:
    """Why ``root`` cannot be stepped through, in words a learner can act on; None if it can."""
    if not isinstance(root, Tensor):
        return (
            f"Stepper needs a tensor with a graph behind it, e.g. Stepper(Q); got "
            f"{type(root).__name__}."
        )
    if root.grad_fn is None:
        return (
            "This tensor has no grad_fn, so there is no graph to step through: it is a leaf, or "
            "it was computed under torch.no_grad() or detached. Step through a result computed "
            "from tensors with requires_grad=True, e.g. Q = 3*a**3 - b**2."
        )
    if gradient is not None and not isinstance(gradient, Tensor):
        return (
            "gradient must be a tensor shaped like the root, e.g. torch.ones_like(Q); got "
            f"{type(gradient).__name__}."
        )
    if gradient is not None and gradient.shape != root.shape:
        return (
            f"gradient has shape {list(gradient.shape)} but the root has shape "
            f"{list(root.shape)}: they must match."
        )
    return None


def _failure_step(message: str) -> Step:
    if message == SECOND_BACKWARD:
        message = (
            "The saved tensors of this graph were already freed by an earlier backward(), so it "
            "cannot be stepped backward again. Compute it once more (run the forward cell), or "
            "call backward(retain_graph=True) the first time.\n\nPyTorch says: " + message
        )
    return Step(BACKWARD, None, "error", f"⚠ stopped: {message.splitlines()[0]}", message)


def _caller_variables() -> dict[str, Any]:
    """The variables of the code that created the Stepper (a notebook's globals, usually)."""
    frame = sys._getframe(2)
    return {**frame.f_globals, **frame.f_locals}


def _tensor_names(variables: dict[str, Any]) -> dict[str, Tensor]:
    return {k: v for k, v in variables.items() if isinstance(v, Tensor) and not k.startswith("_")}


def _leaves(functions: list[Function]) -> list[Tensor]:
    """The leaf tensors the graph reaches, in the order the forward pass first used them."""
    found: dict[int, Tensor] = {}
    for fn in functions:
        for child, _ in fn.next_functions:
            if isinstance(child, AccumulateGrad):
                found.setdefault(id(child.variable), child.variable)
    return list(found.values())


# Graphviz writes every box and arrow as <g id=".." class="node|edge"><title>n3</title>…
_GROUP = re.compile(
    r'<g id="([^"]*)" class="(node|edge)">(\s*<title>([^<]*)</title>)(.*?)</g>', re.S
)
_STROKE = re.compile(r'stroke="[^"]*"')


def _restyle(svg: str, highlight: str | None, faded: set[str]) -> str:
    """``svg`` with box ``highlight`` drawn with a thick red border and ``faded`` boxes (and
    their arrows) drawn pale."""

    def restyle(match: re.Match) -> str:
        group_id, kind, title_tag, title, body = match.groups()
        if kind == "node":
            pale = title in faded
            if title == highlight:
                body = _STROKE.sub(f'stroke="{HIGHLIGHT}" stroke-width="3"', body, count=1)
        else:
            ends = html.unescape(title).split("->")
            pale = any(end.split(":")[0] in faded for end in ends)
        opacity = ' opacity="0.18"' if pale else ""
        return f'<g id="{group_id}" class="{kind}"{opacity}>{title_tag}{body}</g>'

    return _GROUP.sub(restyle, svg)


def _message_html(message: str) -> str:
    return (
        '<div style="border:1px solid #ffa500;background:#fff8e6;color:#1a1a1a;padding:8px 12px;'
        f'font-family:sans-serif;white-space:pre-wrap">{html.escape(message)}</div>'
    )
