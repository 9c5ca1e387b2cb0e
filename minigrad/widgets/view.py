"""The Stepper's live view in JupyterLab: an anywidget whose front end is ``stepper.js``.

Everything a step shows is sent once, when the view is made; the front end restyles the
picture at every click, so stepping never waits for the kernel, and a notebook saved with its
widget state steps through even with no kernel running.
"""

from __future__ import annotations

from pathlib import Path

import anywidget
import traitlets

HERE = Path(__file__).parent


class StepperView(anywidget.AnyWidget):
    """Controls, the laid-out graph and each step's explanation (see ``Stepper.widget``)."""

    _esm = (HERE / "stepper.js").read_text(encoding="utf-8")
    _css = (HERE / "stepper.css").read_text(encoding="utf-8")

    #: the graph as laid out by Graphviz, gradient lines marked (``board.mark_gradient_lines``)
    svg = traitlets.Unicode("").tag(sync=True)
    #: per step: phase, text, current box, changed gradient lines
    steps = traitlets.List(traitlets.Dict()).tag(sync=True)
    #: per box: the forward step that computes it (the box is pale before)
    computed = traitlets.Dict().tag(sync=True)
    #: the step shown; the front end moves it, and it is saved with the widget state
    index = traitlets.Int(0).tag(sync=True)
