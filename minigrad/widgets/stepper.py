"""``Stepper``: walk through the forward and the backward pass of a graph in JupyterLab.

>>> from minigrad.widgets import Stepper
>>> Stepper(Q, gradient=torch.tensor([1., 1.]))      # doctest: +SKIP

The Stepper records everything it shows when it is made: the steps come from one run of the
real engine with ``retain_graph=True`` that writes no ``.grad``, runs no hooks and fills no
``retain_grad`` tensor (``leaf_grad`` tells what a leaf's ``.grad`` would hold at each step),
and the values are copied. A later ``backward()`` or in-place change of the learner's tensors
neither changes nor blanks what it shows.
"""

from __future__ import annotations

import base64
import html
from typing import Any

from minigrad.autograd.graph import SECOND_BACKWARD
from minigrad.tensor import Tensor
from minigrad.viz import GraphvizMissing, caller_names
from minigrad.viz.display import GraphvizFailed
from minigrad.viz.names import named_tensors
from minigrad.viz.tensors import is_tensor, type_name
from minigrad.widgets.board import Board
from minigrad.widgets.steps import BACKWARD, Step, record
from minigrad.widgets.torch_steps import record_torch


class Stepper:
    """The forward and backward pass of ``root``'s graph, one node per step.

    ``names`` maps names to tensors (``{"a": a}``); by default the caller's variables are used,
    so leaves are labelled as the learner called them. Each time it is displayed, a new view
    starts at the current step (``goto`` moves the Python-side cursor, not views already shown).
    """

    def __init__(
        self,
        root: Any,
        gradient: Tensor | None = None,
        *,
        names: dict[str, Any] | None = None,
        max_nodes: int = 300,
    ) -> None:
        self.root = root
        self.index = 0
        self.steps: list[Step] = []
        #: why there is nothing to step through (bad input), shown inside the widget
        self.error: str | None = _problem(root, gradient)
        self._board: Board | None = None
        if self.error is not None:
            return
        names = dict(named_tensors(caller_names(1) if names is None else names))
        if isinstance(root, Tensor):
            own = {name: t for name, t in names.items() if isinstance(t, Tensor)}
            recording = record(root, gradient, own)
        else:
            recording = record_torch(root, gradient, names)
        self.steps = recording.steps
        if recording.failure is not None:
            self.steps.append(_failure_step(recording.failure))
        self._board = Board(
            root,
            recording.functions,
            self.steps,
            outputs=recording.outputs,
            leaves=recording.leaves,
            names=names,
            max_nodes=max_nodes,
        )

    # -- the Python-level API -------------------------------------------------------------
    @property
    def step(self) -> Step | None:
        """The current step (None when there is nothing to step through)."""
        return self.steps[self.index] if self.steps else None

    def goto(self, index: int) -> Stepper:
        """Go to step ``index``; indices past either end stop at the first or last step."""
        if self.steps:
            self.index = max(0, min(int(index), len(self.steps) - 1))
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
        """The live widget where a widget front end runs; a static storyboard everywhere else."""
        data = {"text/plain": self.summary(), "text/html": self.storyboard_html()}
        widget = self.widget()
        if widget is None:
            return data
        bundle = widget._repr_mimebundle_(include=include, exclude=exclude, **kwargs)
        widget_data, metadata = bundle if isinstance(bundle, tuple) else (bundle or {}, {})
        return {**data, **widget_data, "text/plain": data["text/plain"]}, metadata

    def storyboard_html(self) -> str:
        """The graph at the end of backward and every step's title, as static HTML: what
        a notebook viewer without widgets (or an untrusted notebook) shows."""
        if self.error is not None:
            return _message_html(self.error)
        items = "".join(f"<li>{html.escape(step.title)}</li>" for step in self.steps)
        return (
            '<div class="minigrad-storyboard">'
            f"<p><b>Stepper</b>: {len(self.steps)} steps, forward then backward. Run the cell "
            "to step through them; the picture shows the graph after the last step.</p>"
            f"{self._picture_html()}"
            '<ol start="0" style="font-family:monospace;font-size:90%;padding-left:3.5em">'
            f"{items}</ol></div>"
        )

    def _picture_html(self) -> str:
        """The graph as laid out for the view, as an <img> (sanitisers keep those, where they
        drop inline SVG), or why it cannot be drawn."""
        assert self._board is not None
        try:
            svg = self._board.svg()
        except (GraphvizMissing, GraphvizFailed) as missing:
            return _message_html(str(missing))
        encoded = base64.b64encode(svg.encode("utf-8")).decode("ascii")
        # at its own size, readable, in a box that scrolls (not shrunk to the notebook's width)
        return (
            '<div style="overflow:auto;max-height:640px">'
            f'<img src="data:image/svg+xml;base64,{encoded}" style="max-width:none" '
            'alt="the graph after the last step"></div>'
        )

    # -- the widget -----------------------------------------------------------------------
    def widget(self) -> Any:
        """A new live view starting at the current step, or None without a widget library."""
        try:
            import ipywidgets

            from minigrad.widgets.view import StepperView
        except ImportError:
            return None
        if self.error is not None or not self.steps:
            return ipywidgets.HTML(_message_html(self.error or "Nothing to step through."))
        assert self._board is not None
        try:
            svg = self._board.svg()
        except (GraphvizMissing, GraphvizFailed) as missing:
            svg = _message_html(str(missing))
        payload = self._board.payload()
        return StepperView(
            svg=svg, steps=payload["steps"], computed=payload["computed"], index=self.index
        )


def _problem(root: Any, gradient: Any) -> str | None:
    """Why ``root`` cannot be stepped through, in words a learner can act on; None if it can."""
    if not is_tensor(root):
        return (
            "Stepper needs a tensor with a graph behind it (a minigrad or a PyTorch tensor), "
            f"e.g. Stepper(Q); got {type_name(root)}."
        )
    if root.grad_fn is None:
        return (
            "This tensor has no grad_fn, so there is no graph to step through: it is a leaf, or "
            "it was computed under torch.no_grad() or detached. Step through a result computed "
            "from tensors with requires_grad=True, e.g. Q = 3*a**3 - b**2."
        )
    if gradient is not None and type(gradient) is not type(root):
        return (
            f"gradient must be a tensor like the root ({type_name(root)}), e.g. "
            f"torch.ones_like(Q); got {type_name(gradient)}."
        )
    if gradient is not None and tuple(gradient.shape) != tuple(root.shape):
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


def _message_html(message: str) -> str:
    return (
        '<div style="border:1px solid #ffa500;background:#fff8e6;color:#1a1a1a;padding:8px 12px;'
        f'font-family:sans-serif;white-space:pre-wrap">{html.escape(message)}</div>'
    )
