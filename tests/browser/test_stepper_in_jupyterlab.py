"""The Stepper beyond the toy example, in a 1400×1000 window: a two-layer MLP on a batch and
a 50-op chain. At every step the controls, the step's explanation and the highlighted node are
on screen together, without scrolling the page. And pictures with no Graphviz ``dot`` at all.
"""

from __future__ import annotations

import os
import re
import statistics
import sys
from pathlib import Path

import pytest

from .jupyterlab import (
    KERNEL_TIMEOUT_MS,
    REPO,
    VIEWPORT,
    expect,
    inside,
    no_traceback,
    open_notebook,
    quiet,
    run_all,
    start_lab,
    write_notebook,
)

SCREEN = {"x": 0, "y": 0, **VIEWPORT}
SETUP = f"""\
import sys
sys.path.insert(0, {str(REPO)!r})  # the benchmarks' workloads
import minigrad as torch
from minigrad.widgets import Stepper
from benchmarks import workloads
"""
GRAPHS = {
    "mlp": "loss, names = workloads.stepper_mlp(torch)\nStepper(loss, names=names)",
    "chain": "out, names = workloads.stepper_chain(torch)\nStepper(out, names=names)",
}
# One click, timed in the page: the view's own work (synchronous), then until the next frame.
TIMED_CLICK = """async button => {
    const start = performance.now();
    button.click();
    const handled = performance.now() - start;
    await new Promise(done => requestAnimationFrame(() => setTimeout(done)));
    return [handled, performance.now() - start];
}"""


def boxes(widget) -> dict:
    """Bounding boxes of what must stay on screen: controls, explanation, current node."""
    return {
        "controls": widget.locator(".mg-bar").bounding_box(),
        "explanation": widget.locator(".minigrad-step").bounding_box(),
        "pane": widget.locator(".mg-graph").bounding_box(),
        "node": widget.locator("g.node.mg-current").bounding_box(),
    }


@pytest.mark.parametrize("graph", list(GRAPHS))
def test_controls_text_and_current_node_stay_in_view_at_every_step(
    lab, page, screenshots, graph
) -> None:
    name = write_notebook(lab, f"stepper_{graph}.ipynb", [SETUP + GRAPHS[graph]])
    open_notebook(lab, page, name)
    run_all(page)
    widget = page.locator(".minigrad-stepper").first
    expect()(widget).to_be_visible(timeout=KERNEL_TIMEOUT_MS)
    no_traceback(page)
    widget.evaluate("node => node.scrollIntoView({block: 'center'})")
    header = widget.locator(".minigrad-step")
    last = int(re.search(r"of (\d+)", header.inner_text()).group(1))
    next_button = widget.locator('button[title="next step"]').element_handle()
    handled, framed = [], []
    for number in range(last + 1):
        if number:
            times = page.evaluate(TIMED_CLICK, next_button)
            handled.append(times[0])
            framed.append(times[1])
        expect()(header).to_contain_text(f"step {number} of {last}")
        found = boxes(widget)
        for part in ("controls", "explanation", "node"):
            assert inside(found[part], SCREEN), (number, part, found)
        assert inside(found["node"], found["pane"]), (number, found)
        text = widget.locator(".minigrad-step-text").inner_text()
        assert "(freed)" not in text and text.strip(), number
        if graph == "mlp" and number == 15:  # tanh's rule with its numbers: the README's picture
            quiet(page)
            widget.screenshot(path=str(screenshots / "stepper_mlp.png"))
    # Matrices print as PyTorch prints them: aligned rows, never cut inside a number.
    grads = widget.locator("text.mg-grad").all_text_contents()
    assert all(re.fullmatch(r"[\[ \u00a0\d.,e+\-—…\]]*", line) for line in grads), grads
    print(
        f"\n{graph}: {last + 1} steps; a click re-renders in "
        f"{statistics.median(handled):.1f} ms (median; max {max(handled):.1f} ms), "
        f"{statistics.median(framed):.1f} ms to the next frame"
    )
    quiet(page)
    page.screenshot(path=str(screenshots / f"stepper_{graph}_last_step.png"))


@pytest.fixture(scope="module")
def lab_without_dot(tmp_path_factory):
    """JupyterLab whose kernels find no Graphviz ``dot`` on PATH (pip installs only)."""
    path = os.pathsep.join([str(Path(sys.executable).parent), "/nonexistent"])
    yield from start_lab(tmp_path_factory.mktemp("jupyterlab-without-dot"), path=path)


def test_pictures_render_without_graphviz_installed(lab_without_dot, page, screenshots) -> None:
    lab = lab_without_dot
    cells = [
        "import shutil\nprint('dot:', shutil.which('dot'))",
        "import minigrad as torch\nfrom minigrad.viz import draw\n"
        "a = torch.tensor([2., 3.], requires_grad=True)\n"
        "b = torch.tensor([6., 4.], requires_grad=True)\nQ = 3*a**3 - b**2\ndraw(Q)",
        "from minigrad.widgets import Stepper\nStepper(Q, gradient=torch.ones(2))",
    ]
    name = write_notebook(lab, "no_dot.ipynb", cells)
    open_notebook(lab, page, name)
    run_all(page)
    no_traceback(page)
    outputs = page.locator(".jp-OutputArea-output")
    expect()(outputs.first).to_have_text("dot: None")
    drawing = page.locator('.jp-OutputArea-output[data-mime-type="image/svg+xml"]')
    expect()(drawing).to_be_visible()
    stepper = page.locator(".minigrad-stepper").first
    expect()(stepper.locator("svg g.node")).to_have_count(10)
    for title in ("SubBackward0", "AccumulateGrad", "a", "b"):
        assert title in stepper.locator("svg").text_content()
    stepper.locator('button[title="last step"]').click()
    expect()(stepper.locator(".minigrad-step")).to_have_text("Backward pass · step 9 of 9")
    quiet(page)
    page.screenshot(path=str(screenshots / "no_dot.png"))
