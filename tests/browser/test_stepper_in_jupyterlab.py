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
    assert_step_in_sight,
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
        assert_step_in_sight(widget, number)
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
    expect()(stepper.locator(".mg-graph svg g.node")).to_have_count(10)
    for title in ("SubBackward0", "AccumulateGrad", "a", "b"):
        assert title in stepper.locator(".mg-graph svg").text_content()
    stepper.locator('button[title="last step"]').click()
    expect()(stepper.locator(".minigrad-step")).to_have_text("Backward pass · step 9 of 9")
    quiet(page)
    page.screenshot(path=str(screenshots / "no_dot.png"))


# Where a box is, as a fraction of the whole graph: in the pane's picture and in the map.
PLACES = """stepper => {
    const fraction = (inner, outer) => [(inner.left + inner.width / 2 - outer.left) / outer.width,
                                        (inner.top + inner.height / 2 - outer.top) / outer.height];
    const svg = stepper.querySelector('.mg-graph svg');
    const map = stepper.querySelector('.mg-overview svg');
    return {
        current: fraction(svg.querySelector('g.node.mg-current').getBoundingClientRect(),
                          svg.getBoundingClientRect()),
        marker: fraction(stepper.querySelector('.mg-overview-current').getBoundingClientRect(),
                         map.getBoundingClientRect()),
    };
}"""


def test_a_graph_larger_than_its_pane_has_a_map_and_a_whole_graph_view(
    lab, page, screenshots
) -> None:
    """The MLP's graph is larger than its pane: a map of the whole graph frames the part in
    view and marks the current box; a click on the map moves the view there; one button
    shows the whole graph in the pane, and again back at full size."""
    name = write_notebook(lab, "stepper_map.ipynb", [SETUP + GRAPHS["mlp"]])
    open_notebook(lab, page, name)
    run_all(page)
    widget = page.locator(".minigrad-stepper").first
    expect()(widget).to_be_visible(timeout=KERNEL_TIMEOUT_MS)
    widget.evaluate("node => node.scrollIntoView({block: 'center'})")
    pane, picture = widget.locator(".mg-graph"), widget.locator(".mg-graph svg")
    assert picture.bounding_box()["height"] > pane.bounding_box()["height"]  # (else no map)
    overview, frame = widget.locator(".mg-overview"), widget.locator(".mg-overview-frame")
    expect()(overview).to_be_visible()
    assert inside(overview.bounding_box(), pane.bounding_box())
    for _ in range(6):
        widget.locator('button[title="next step"]').click()
    # the marker sits where the current box is in the whole graph, inside the framed part
    places = widget.evaluate(PLACES)
    assert places["marker"] == pytest.approx(places["current"], abs=0.03), places
    marker = widget.locator(".mg-overview-current").bounding_box()
    assert inside(marker, frame.bounding_box()), (marker, frame.bounding_box())
    quiet(page)
    widget.screenshot(path=str(screenshots / "stepper_map.png"))

    # a click on the map's bottom edge brings the bottom of the graph into view
    before = pane.evaluate("node => node.scrollTop")
    box = overview.bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] - 2)
    page.wait_for_function("node => node.scrollTop > 0", arg=pane.element_handle())
    after = pane.evaluate("node => node.scrollTop + node.clientHeight - node.scrollHeight")
    assert after == pytest.approx(0, abs=2) and before >= 0, after
    frame_box = frame.bounding_box()
    assert frame_box["y"] + frame_box["height"] == pytest.approx(box["y"] + box["height"], abs=3)

    whole = widget.locator('button[title="whole graph / full size"]')
    whole.click()
    assert inside(picture.bounding_box(), pane.bounding_box())
    expect()(overview).to_be_hidden()  # nothing left to find
    quiet(page)
    widget.screenshot(path=str(screenshots / "stepper_whole_graph.png"))
    fitted = picture.bounding_box()["width"]
    widget.locator('button[title="zoom out"]').click()  # never larger than the whole graph
    assert picture.bounding_box()["width"] <= fitted + 1
    whole.click()  # (from a smaller size: the whole graph again; from there, full size)
    if picture.bounding_box()["width"] <= fitted + 1:
        whole.click()
    expect()(overview).to_be_visible()
    assert picture.bounding_box()["height"] > pane.bounding_box()["height"]


def test_a_small_graph_has_no_map(lab, page) -> None:
    cells = [
        "import minigrad as torch\nfrom minigrad.widgets import Stepper\n"
        "a = torch.tensor([2., 3.], requires_grad=True)\nStepper((a * a).sum())"
    ]
    name = write_notebook(lab, "stepper_small.ipynb", cells)
    open_notebook(lab, page, name)
    run_all(page)
    widget = page.locator(".minigrad-stepper").first
    expect()(widget.locator(".minigrad-step")).to_contain_text("step 0 of")
    assert inside(
        widget.locator(".mg-graph svg").bounding_box(), widget.locator(".mg-graph").bounding_box()
    )
    expect()(widget.locator(".mg-overview")).to_be_hidden()
