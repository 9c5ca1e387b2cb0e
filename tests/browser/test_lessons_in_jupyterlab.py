"""The lessons as a learner meets them in JupyterLab: at first open, after Run All and
stepping, and after save → kernel shut down → reopen.

"Trusted" is how ``make lab`` and Binder open them (``binder/postBuild`` trusts the lessons);
"untrusted" is how a learner's own ``jupyter lab`` opens a downloaded lesson: JupyterLab then
refuses stored SVG and widgets, and shows the PNG and HTML stored beside them.
"""

from __future__ import annotations

import json
import re
import sys

import nbformat
import pytest

from .jupyterlab import (
    CURRENT,
    KERNEL_TIMEOUT_MS,
    LESSONS,
    assert_step_in_sight,
    expect,
    inside,
    menu,
    no_traceback,
    open_notebook,
    quiet,
    run_all,
    write_notebook,
)

LESSON_NAMES = sorted(path.name for path in LESSONS.glob("[0-9][0-9]_*.ipynb"))


def stored_pictures(name: str) -> list[tuple[int, str]]:
    """(code cell number, what it stores) for each drawing ('drawing') or Stepper ('stepper':
    its storyboard, as lessons are stored without widget state, which would make JupyterLab
    open them as modified)."""
    nb = nbformat.read(LESSONS / name, as_version=4)
    found = []
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    for number, cell in enumerate(code):
        for output in cell.outputs:
            data = output.get("data", {})
            if "Stepper:" in data.get("text/plain", ""):
                found.append((number, "stepper"))
            elif "image/svg+xml" in data:
                found.append((number, "drawing"))
    return found


def copy_lesson(lab, name: str, trusted: bool) -> str:
    """The lesson as shipped, or (untrusted) with one byte of metadata changed: any change
    breaks the signature that trusting it recorded."""
    nb = json.loads((LESSONS / name).read_text())
    if not trusted:
        nb["metadata"]["downloaded"] = True
        name = name.replace(".ipynb", "_downloaded.ipynb")
    (lab.root / name).write_text(json.dumps(nb, indent=1))
    return name


# An output shows a picture that the browser drew: an inline SVG graph, or images that loaded.
PICTURE_DRAWN = """node => {
    const images = [...node.querySelectorAll('img')];
    return node.querySelectorAll('svg g.node').length > 0 || (images.length > 0 &&
        images.every(img => img.complete && img.naturalWidth > 0));
}"""


@pytest.mark.parametrize("trusted", [True, False], ids=["trusted", "untrusted"])
@pytest.mark.parametrize("name", LESSON_NAMES)
def test_a_lesson_shows_its_pictures_at_first_open(lab, page, screenshots, name, trusted):
    opened = copy_lesson(lab, name, trusted)
    open_notebook(lab, page, opened)
    cells = page.locator(CURRENT + " .jp-CodeCell")
    pictures = stored_pictures(name)
    for number, kind in pictures:
        output = cells.nth(number).locator(".jp-OutputArea-output").first
        output.scroll_into_view_if_needed()
        mime = output.get_attribute("data-mime-type")
        if kind == "drawing":
            assert mime == ("image/svg+xml" if trusted else "image/png"), (number, mime)
        else:  # the Stepper's storyboard: the graph as a picture and the list of steps
            assert mime == "text/html", (number, mime)
            expect()(output.locator("ol li").first).to_be_visible()
        page.wait_for_function(PICTURE_DRAWN, arg=output.element_handle())
        if kind != "drawing" and trusted:  # at its own size (readable), scrolling if larger
            shown, natural = output.locator("img").first.evaluate(
                "img => [img.getBoundingClientRect().width, img.naturalWidth]"
            )
            assert shown == pytest.approx(natural, abs=1), (number, shown, natural)
    assert not page.locator(".jp-OutputArea-output", has_text="Drawing (").count()
    no_traceback(page)
    stored = nbformat.read(LESSONS / name, as_version=4).metadata.language_info
    if trusted and stored.get("version") == sys.version.split()[0]:
        tab = page.locator(".lm-TabBar-tab.jp-mod-current")
        assert "jp-mod-dirty" not in (tab.get_attribute("class") or ""), "opened as modified"
    if pictures:
        cells.nth(pictures[0][0]).scroll_into_view_if_needed()
    quiet(page)
    how = "trusted" if trusted else "untrusted"
    page.screenshot(path=str(screenshots / f"{name[:2]}_first_open_{how}.png"))


def test_lesson_2_steps_back_after_run_all_and_survives_a_reopen(lab, page, screenshots):
    name = copy_lesson(lab, "02_computational_graph.ipynb", trusted=True)
    open_notebook(lab, page, name)
    run_all(page)
    no_traceback(page)
    stepper = page.locator(".minigrad-stepper").first
    header = stepper.locator(".minigrad-step")
    # Later cells call stepper.goto(8) and Q.backward(): the view still starts at step 0 …
    expect()(header).to_have_text("Forward pass · step 0 of 9")
    stepper.scroll_into_view_if_needed()
    page.screenshot(path=str(screenshots / "02_after_run_all.png"))
    # … and every step still shows its values: nothing was freed under it
    stepper.locator('button[title="last step"]').click()
    expect()(header).to_have_text("Backward pass · step 9 of 9")
    for number in range(8, -1, -1):
        stepper.locator('button[title="back one step"]').click()
        expect()(header).to_contain_text(f"step {number} of 9")
        assert "(freed)" not in stepper.inner_text(), number
    stepper.locator('button[title="last step"]').click()
    grads = stepper.locator("text.mg-grad").all_text_contents()
    assert "[36.,\u00a081.]" in grads and "[-12.,\u00a0\u00a0-8.]" in grads, grads
    quiet(page)
    page.screenshot(path=str(screenshots / "02_stepped.png"))

    # save, shut the kernel down, reopen: the Stepper is there, and still steps
    menu(page, "File", "docmanager:save")
    expect()(page.locator(".lm-TabBar-tab.jp-mod-current")).not_to_have_class(
        re.compile("jp-mod-dirty")
    )
    lab.shut_down_kernels()
    page.reload()
    stepper = page.locator(".minigrad-stepper").first
    expect()(stepper).to_be_visible(timeout=KERNEL_TIMEOUT_MS)  # once the widgets are restored
    header = stepper.locator(".minigrad-step")
    expect()(header).to_have_text("Backward pass · step 9 of 9")  # where the learner left it
    # no kernel holds it now, yet it steps: no "disconnected" (broken link) icon on it
    expect()(stepper).to_have_class(re.compile("jupyter-widgets-disconnected"))
    assert stepper.evaluate("node => getComputedStyle(node, '::before').display") == "none"
    stepper.locator('button[title="first step"]').click()
    expect()(header).to_have_text("Forward pass · step 0 of 9")
    no_traceback(page)
    stepper.scroll_into_view_if_needed()
    quiet(page)
    page.screenshot(path=str(screenshots / "02_reopened.png"))


@pytest.mark.parametrize(
    "name", ["06_write_backward_yourself.ipynb", "07_from_gradients_to_training.ipynb"]
)
def test_the_later_lessons_run_all_and_step(lab, page, screenshots, name):
    """Run All as a learner does: no error, every drawing drawn, the Stepper steps, and each
    exercise cell as shipped says it is waiting for an answer rather than revealing one."""
    opened = copy_lesson(lab, name, trusted=True)
    open_notebook(lab, page, opened)
    run_all(page)
    no_traceback(page)
    drawings = page.locator(f"{CURRENT} .jp-OutputArea-output[data-mime-type='image/svg+xml']")
    assert drawings.count() > 0
    for output in drawings.all():
        page.wait_for_function(PICTURE_DRAWN, arg=output.element_handle())
    stepper = page.locator(".minigrad-stepper").first
    header = stepper.locator(".minigrad-step")
    expect()(header).to_contain_text("step 0 of")
    last = int(re.search(r"of (\d+)", header.inner_text()).group(1))
    stepper.scroll_into_view_if_needed()
    for number in range(1, last + 1):  # each step's box in sight, clear of the map
        stepper.locator('button[title="next step"]').click()
        expect()(header).to_contain_text(f"step {number} of {last}")
        assert_step_in_sight(stepper, number)
    expect()(header).to_contain_text("Backward pass")
    waiting = page.locator(f"{CURRENT} .jp-OutputArea-output", has_text="not answered yet")
    assert waiting.count() > 0
    stepper.scroll_into_view_if_needed()
    quiet(page)
    page.screenshot(path=str(screenshots / f"{name[:2]}_run_all_stepped.png"))


def test_a_wide_drawing_fits_the_output_width(lab, page, screenshots):
    """A graph of a few dozen ops is wider than the notebook: it is shrunk to fit, not cut
    off at the right with mostly blank space in view."""
    cells = [
        "import minigrad as torch\nfrom minigrad.viz import draw\n"
        "xs = [torch.tensor([float(i)], requires_grad=True) for i in range(24)]\n"
        "draw(sum(x * x for x in xs))"
    ]
    name = write_notebook(lab, "wide_drawing.ipynb", cells)
    open_notebook(lab, page, name)
    run_all(page)
    no_traceback(page)
    output = page.locator(f"{CURRENT} .jp-OutputArea-output[data-mime-type='image/svg+xml']")
    expect()(output).to_be_visible()
    area, shown = output.bounding_box(), output.locator("img").first.bounding_box()
    assert inside(shown, area), (shown, area)
    assert shown["width"] > 0.9 * area["width"]  # shrunk to the width, not to nothing
    quiet(page)
    output.screenshot(path=str(screenshots / "wide_drawing.png"))
