"""The Stepper in a real browser: JupyterLab 4, ipywidgets 8 and headless Chromium.

Each test writes a notebook, opens it in JupyterLab, runs all cells from the Run menu and
clicks the widget's buttons the way a learner would. The first test also saves the picture
the README shows (docs/images/stepper.png).

Needs Debian's ``chromium`` package and the Python ``playwright`` driver (its own browser
download is not used); without them the tests are skipped with the command that installs them.
CI sets ``MINIGRAD_REQUIRE_BROWSER=1`` to turn those skips into failures.
JupyterLab runs as a subprocess on 127.0.0.1 with a random token and private Jupyter
directories, so the learner's settings, kernels and workspaces are never touched.
"""

from __future__ import annotations

import importlib
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest


def _need(problem: str | None) -> None:
    """Skip the module for a missing prerequisite (fail instead where CI requires the test)."""
    if problem is None:
        return
    if os.environ.get("MINIGRAD_REQUIRE_BROWSER") == "1":
        pytest.fail(f"browser test required but {problem}", pytrace=False)
    pytest.skip(f"browser test skipped: {problem}", allow_module_level=True)


def _module_missing(name: str, install: str) -> str | None:
    try:
        importlib.import_module(name)
    except ImportError:
        return f"{name} is not installed ({install})"
    return None


CHROMIUM = shutil.which("chromium") or (
    "/usr/bin/chromium" if os.access("/usr/bin/chromium", os.X_OK) else None
)
_need(None if CHROMIUM else "Chromium is not installed (Debian/Ubuntu: apt-get install chromium)")
_need(
    _module_missing(
        "playwright.sync_api", "pip install playwright; its own browser download is not needed"
    )
)
_need(_module_missing("jupyterlab", "pip install -e '.[lab]'"))
_need(_module_missing("ipywidgets", "pip install -e '.[widgets]'"))

from playwright import sync_api  # noqa: E402  (only once it is known to be installed)

expect = sync_api.expect

REPO = Path(__file__).resolve().parents[2]
SCREENSHOT = REPO / "docs" / "images" / "stepper.png"
HIGHLIGHT = "#d62728"  # minigrad.viz.dot.HIGHLIGHT: the red border of the current node
# The network is closed here and in CI: without these Chromium keeps dialling Google services.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SERVER_START_TIMEOUT = 60  # seconds for `jupyter lab` to answer its HTTP API
KERNEL_TIMEOUT_MS = 60_000  # the kernel starting and the first cell importing minigrad
UI_TIMEOUT_MS = 15_000  # one click to the re-rendered step

TUTORIAL_Q = """\
import minigrad as torch
from minigrad.widgets import Stepper

a = torch.tensor([2., 3.], requires_grad=True)
b = torch.tensor([6., 4.], requires_grad=True)
Q = 3*a**3 - b**2
Stepper(Q, gradient=torch.tensor([1., 1.]))"""

NEURAL_NETWORK_LOSS = """\
import minigrad as torch
from minigrad.widgets import Stepper

x = torch.arange(6).reshape(2, 3) * 1.0
target = torch.arange(2, 4).reshape(2, 1) * 1.0
w = torch.ones((3, 1), requires_grad=True)
loss = ((x.matmul(w) - target)**2).mean()
Stepper(loss)"""


# -- the server -------------------------------------------------------------------------------
class Lab:
    """A running `jupyter lab`: where it listens, its token, its notebook folder and its log."""

    def __init__(self, port: int, token: str, root: Path, log: Path) -> None:
        self.port, self.token, self.root, self.log = port, token, root, log

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}/{path}?token={self.token}"

    def api(self, path: str, method: str = "GET") -> object:
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}/api/{path}",
            method=method,
            headers={"Authorization": f"token {self.token}"},
        )
        with urllib.request.urlopen(request, timeout=5) as response:
            body = response.read()
        return json.loads(body) if body else None

    def log_tail(self, lines: int = 40) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _private_jupyter_dirs(base: Path) -> dict[str, str]:
    """Environment that points every per-user Jupyter/IPython directory into ``base``.

    The ipywidgets lab extension and the ``python3`` kernel (this interpreter) are still
    found: they are installed under ``sys.prefix/share/jupyter``, which Jupyter always searches."""
    dirs = {
        "JUPYTER_CONFIG_DIR": base / "config",
        "JUPYTER_DATA_DIR": base / "data",
        "JUPYTER_RUNTIME_DIR": base / "runtime",
        "JUPYTERLAB_SETTINGS_DIR": base / "config" / "lab" / "user-settings",
        "JUPYTERLAB_WORKSPACES_DIR": base / "data" / "lab" / "workspaces",
        "IPYTHONDIR": base / "ipython",
    }
    for path in dirs.values():
        path.mkdir(parents=True, exist_ok=True)
    # No news or update pop-up over the notebook (and no request to the closed network).
    notification = dirs["JUPYTERLAB_SETTINGS_DIR"] / "@jupyterlab" / "apputils-extension"
    notification.mkdir(parents=True)
    (notification / "notification.jupyterlab-settings").write_text(
        json.dumps({"fetchNews": "false", "checkForUpdates": False})
    )
    return {name: str(path) for name, path in dirs.items()}


def _children(pid: int) -> list[int]:
    """Every process descended from ``pid`` (Linux /proc; empty elsewhere)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        parents[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    found, frontier = [], [pid]
    while frontier:
        parent = frontier.pop()
        kids = [child for child, ppid in parents.items() if ppid == parent]
        found += kids
        frontier += kids
    return found


def _stop(process: subprocess.Popen, lab: Lab) -> None:
    """Shut the server and its kernels down, politely first; always returns with them gone."""
    kernels = _children(process.pid)  # kernels run in sessions of their own
    if process.poll() is None:
        try:
            lab.api("shutdown", method="POST")
            process.wait(timeout=15)
        except (OSError, urllib.error.URLError, subprocess.TimeoutExpired):
            pass
    for sig in (signal.SIGTERM, signal.SIGKILL):
        if process.poll() is not None:
            break
        try:
            os.killpg(process.pid, sig)
            process.wait(timeout=10)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            pass
    for pid in kernels:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    base = tmp_path_factory.mktemp("jupyterlab")
    root = base / "notebooks"
    root.mkdir()
    lab = Lab(_free_port(), secrets.token_hex(24), root, base / "server.log")
    env = {**os.environ, **_private_jupyter_dirs(base), "PYTHONUNBUFFERED": "1"}
    command = [
        sys.executable,
        "-m",
        "jupyterlab",
        "--no-browser",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={lab.port}",
        "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={lab.token}",
        f"--ServerApp.root_dir={root}",
        "--LabApp.extension_manager=readonly",  # no requests to PyPI
        *(["--allow-root"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []),
    ]
    with lab.log.open("w") as log:
        process = subprocess.Popen(
            command,
            cwd=root,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, so teardown can end all of it
        )
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while True:
            if process.poll() is not None:
                pytest.fail(f"jupyter lab exited with {process.returncode}:\n{lab.log_tail()}")
            try:
                lab.api("status")
                break
            except (OSError, urllib.error.URLError):
                if time.monotonic() > deadline:
                    pytest.fail(
                        f"jupyter lab did not answer within {SERVER_START_TIMEOUT} s:\n"
                        f"{lab.log_tail()}"
                    )
                time.sleep(0.2)  # polling interval, bounded by the deadline above
        yield lab
    finally:
        _stop(process, lab)


# -- the browser ------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_api.sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile),
            executable_path=CHROMIUM,
            headless=True,
            args=CHROMIUM_ARGS,
            viewport={"width": 1400, "height": 1000},
            device_scale_factor=1,
        )
        context.set_default_timeout(UI_TIMEOUT_MS)
        try:
            yield context
        finally:
            context.close()


@pytest.fixture
def page(browser):
    page = browser.new_page()
    yield page
    page.close()


@pytest.fixture
def page_errors(page) -> list[str]:
    """Uncaught JavaScript errors on the page (a widget view that failed, say)."""
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


def run_notebook(lab: Lab, page, name: str, source: str):
    """Write a one-cell notebook, open it in JupyterLab, run all cells; the Stepper's widget."""
    notebook = {
        "cells": [
            {
                "id": "stepper",
                "cell_type": "code",
                "metadata": {},
                "source": source,
                "outputs": [],
                "execution_count": None,
            }
        ],
        "metadata": {
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
            "language_info": {"name": "python"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    (lab.root / name).write_text(json.dumps(notebook))
    page.goto(lab.url(f"lab/tree/{name}"))
    # The status bar reads "No Kernel | Initializing", then "Python 3 (ipykernel) | Idle".
    # Running cells before a kernel is attached opens the "Select Kernel" dialog instead.
    kernel = page.locator(f'.jp-StatusBar-TextItem[title="Change kernel for {name}"]')
    expect(kernel).to_have_text(re.compile(r"^(?!No Kernel).+\| Idle$"), timeout=KERNEL_TIMEOUT_MS)
    page.locator(".lm-MenuBar-item", has_text=re.compile(r"^Run$")).click()
    page.locator('.lm-Menu-item[data-command="runmenu:run-all"]').click()
    # The live widget, not the static storyboard a frontend without ipywidgets falls back to.
    widget = page.locator(".jp-OutputArea-output .jupyter-widgets.minigrad-stepper")
    expect(widget).to_be_visible(timeout=KERNEL_TIMEOUT_MS)
    return widget


def no_traceback(page, page_errors: list[str]) -> None:
    """No error output, no widget that failed to render, no uncaught script error."""
    outputs = page.locator(".jp-OutputArea-output")
    assert page.locator('[data-mime-type="application/vnd.jupyter.error"]').count() == 0
    text = "\n".join(outputs.all_inner_texts())
    assert "Traceback" not in text and "Error displaying widget" not in text, text
    assert not page_errors, page_errors


def step_text(widget) -> str:
    return widget.locator(".minigrad-step-text").inner_text()


def tensor_table(widget) -> dict[str, list[str]]:
    """The rows of the tensor table by name: [name, kind, data, grad]."""
    rows = widget.locator("table.minigrad-tensors tr").evaluate_all(
        "rows => rows.map(row => [...row.cells].map(cell => cell.innerText.trim()))"
    )
    return {row[0]: row for row in rows[1:]}


def highlighted(widget) -> list[str]:
    """The label of every graph box drawn with the red highlight border, followed by
    "→ " and the labels of the boxes it points to (an AccumulateGrad points to its leaf)."""
    return widget.locator("svg").evaluate(
        """(svg, colour) => {
            const label = n => [...n.querySelectorAll('text')].map(t => t.textContent).join(' ');
            const boxes = new Map([...svg.querySelectorAll('g.node')]
                .map(n => [n.querySelector('title').textContent, n]));
            const arrows = [...svg.querySelectorAll('g.edge')]
                .map(e => e.querySelector('title').textContent.split('->'));
            // the computed stroke: set as an SVG attribute or by a style rule alike
            return [...boxes].filter(([, n]) => [...n.querySelectorAll('polygon, path, ellipse')]
                    .some(s => getComputedStyle(s).stroke === colour))
                .map(([id, n]) => [label(n), '→',
                    ...arrows.filter(([a]) => a === id).map(([, b]) => label(boxes.get(b)))]
                    .join(' '));
        }""",
        "rgb({}, {}, {})".format(*bytes.fromhex(HIGHLIGHT[1:])),
    )


def click(widget, tooltip: str, before: str) -> str:
    """Click a navigation button; wait for the step text to change and return it.

    Buttons are found by their tooltip ("next", "last step" …), not by their glyph."""
    widget.locator(f'button[title="{tooltip}"]').click()
    expect(widget.locator(".minigrad-step-text")).not_to_have_text(before)
    return step_text(widget)


# -- the tests --------------------------------------------------------------------------------
def test_stepping_through_the_tutorial_graph(lab, page, page_errors) -> None:
    widget = run_notebook(lab, page, "tutorial_q.ipynb", TUTORIAL_Q)
    no_traceback(page, page_errors)
    header = widget.locator(".minigrad-step")
    expect(header).to_contain_text("Forward pass · step 0 of 9")
    text = step_text(widget)
    assert text.startswith("PowBackward0 computes t1 = ")
    assert highlighted(widget) and highlighted(widget)[0].startswith("PowBackward0")

    # one click on ▶ (next): the next step's words and its box in the picture
    before_text, before_box = text, highlighted(widget)
    text = click(widget, "next", before_text)
    assert text.startswith("MulBackward0 computes")
    assert highlighted(widget) != before_box
    assert len(highlighted(widget)) == 1 and highlighted(widget)[0].startswith("MulBackward0")

    # on to the end: every step moves the highlight to the node its text talks about
    seen = [before_text, text]
    for number in range(2, 10):
        text = click(widget, "next", text)
        seen.append(text)
        expect(header).to_contain_text(f"step {number} of 9")
        boxes = highlighted(widget)
        assert len(boxes) == 1, (number, boxes)
        node = text.split()[0]
        if node == "AccumulateGrad":  # which one: the leaf its box points to
            leaf = re.search(r"in (\w+)\.grad", text).group(1)
            assert re.match(rf"AccumulateGrad → {leaf} ", boxes[0]), (number, boxes, text)
        else:
            assert boxes[0].startswith(node), (number, boxes, text)
        if number == 8:  # PowBackward0 of a**3, backward: the README's picture
            expect(header).to_contain_text("Backward pass")
            assert "grad · exponent · self^(exponent − 1)" in text
            page.mouse.move(0, 0)  # no hover or focus ring on the button just clicked
            page.evaluate("document.activeElement && document.activeElement.blur()")
            SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
            widget.screenshot(path=str(SCREENSHOT))
    assert re.match(r"AccumulateGrad stores the gradient in b\.grad = \[-12\., +-8\.\]", seen[6])
    assert seen[-1] == "AccumulateGrad stores the gradient in a.grad = [36., 81.]"
    table = tensor_table(widget)
    assert table["a"][3] == "[36., 81.]" and table["b"][3] == "[-12., -8.]", table
    no_traceback(page, page_errors)


def test_the_neural_network_loss_ends_with_the_gradient_of_w(lab, page, page_errors) -> None:
    widget = run_notebook(lab, page, "neural_network.ipynb", NEURAL_NETWORK_LOSS)
    no_traceback(page, page_errors)
    text = click(widget, "last step", step_text(widget))
    assert text.startswith("AccumulateGrad stores the gradient in w.grad")
    header = widget.locator(".minigrad-step").inner_text()
    total = re.search(r"step (\d+) of (\d+)", header)
    assert total and total.group(1) == total.group(2), header
    w = tensor_table(widget)["w"]
    assert w[1:] == ["leaf", "[[1.], [1.], [1.]]", "[[27.], [37.], [47.]]"], w
    assert "MmBackward0" in widget.locator("svg").text_content()
    no_traceback(page, page_errors)
