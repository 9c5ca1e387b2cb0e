"""A real JupyterLab, started as ``make lab`` starts it, a real headless Chromium, and what a
learner does in them (open, run all, save), for the browser tests.

Needs Debian's ``chromium`` package and the Python ``playwright`` driver (its own browser
download is not used); without them the browser tests are skipped with the command that
installs them. CI sets ``MINIGRAD_REQUIRE_BROWSER=1`` to turn those skips into failures.

JupyterLab runs as a subprocess on 127.0.0.1 with a random token and private Jupyter
directories, so the learner's settings, kernels and workspaces are never touched. Before it
starts, ``binder/postBuild`` runs as ``make lab`` runs it: JupyterLab's settings for the lessons
(widget state saved with the notebook, no news pop-up) and the lessons trusted.

Screenshots go to ``$MINIGRAD_SCREENSHOTS`` when set, else to a temporary folder;
``docs/images/browser`` holds a set last looked at (and ``docs/images/stepper.png``, the
README's picture, is ``stepper_mlp.png``).
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

REPO = Path(__file__).resolve().parents[2]
LESSONS = REPO / "notebooks"
HIGHLIGHT = "#d62728"  # the red border of the current node (stepper.css, viz.dot.HIGHLIGHT)
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
VIEWPORT = {"width": 1400, "height": 1000}
SERVER_START_TIMEOUT = 60  # seconds for `jupyter lab` to answer its HTTP API
KERNEL_TIMEOUT_MS = 60_000  # the kernel starting and the first cell importing minigrad
UI_TIMEOUT_MS = 15_000  # one click to the re-rendered step
CURRENT = ".jp-NotebookPanel:not(.lm-mod-hidden)"  # the notebook in the tab shown


def _problem() -> str | None:
    """What is missing for the browser tests, or None."""
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    if not os.access(chromium, os.X_OK):
        return "Chromium is not installed (Debian/Ubuntu: apt-get install chromium)"
    for module, install in (
        ("playwright.sync_api", "pip install playwright; its own browser download is not needed"),
        ("jupyterlab", "pip install -e '.[lab]'"),
        ("anywidget", "pip install -e '.[widgets]'"),
    ):
        try:
            importlib.import_module(module)
        except ImportError:
            return f"{module} is not installed ({install})"
    return None


PROBLEM = _problem()


def require_browser() -> None:
    """Skip for a missing prerequisite, or fail where CI requires the browser tests."""
    if PROBLEM is None:
        return
    if os.environ.get("MINIGRAD_REQUIRE_BROWSER") == "1":
        pytest.fail(f"browser test required but {PROBLEM}", pytrace=False)
    pytest.skip(f"browser test skipped: {PROBLEM}")


# -- the server -------------------------------------------------------------------------------
class Lab:
    """A running `jupyter lab`: where it listens, its token, its notebook folder and its log."""

    def __init__(self, port: int, token: str, root: Path, log: Path, env: dict) -> None:
        self.port, self.token, self.root, self.log, self.env = port, token, root, log, env

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

    def shut_down_kernels(self) -> None:
        for session in self.api("sessions"):
            self.api(f"sessions/{session['id']}", method="DELETE")

    def log_tail(self, lines: int = 40) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _private_jupyter_dirs(base: Path) -> dict[str, str]:
    """Environment that points every per-user Jupyter/IPython directory into ``base``.

    The lab extensions and the ``python3`` kernel (this interpreter) are still found: they
    are installed under ``sys.prefix/share/jupyter``, which Jupyter always searches."""
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
    # Every cell in the page, so that the n-th code cell on the page is the lesson's n-th
    # (JupyterLab otherwise leaves cells far off screen out until they are scrolled to).
    tracker = dirs["JUPYTERLAB_SETTINGS_DIR"] / "@jupyterlab" / "notebook-extension"
    tracker.mkdir(parents=True)
    (tracker / "tracker.jupyterlab-settings").write_text(json.dumps({"windowingMode": "none"}))
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


def start_lab(base: Path, path: str | None = None):
    """A generator that starts JupyterLab as `make lab` does, yields it, and stops it.

    ``path`` replaces PATH for the server and its kernels (to hide Graphviz's ``dot``)."""
    require_browser()
    root = base / "notebooks"
    root.mkdir()
    env = {**os.environ, **_private_jupyter_dirs(base), "PYTHONUNBUFFERED": "1"}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    subprocess.run(["sh", str(REPO / "binder" / "postBuild")], env=env, check=True)
    if path is not None:
        env["PATH"] = path
    lab = Lab(_free_port(), secrets.token_hex(24), root, base / "server.log", env)
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


@pytest.fixture(scope="session")
def lab(tmp_path_factory):
    yield from start_lab(tmp_path_factory.mktemp("jupyterlab"))


# -- the browser ------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def browser(tmp_path_factory):
    require_browser()
    from playwright import sync_api

    profile = tmp_path_factory.mktemp("chromium-profile")
    with sync_api.sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(profile),
            executable_path=shutil.which("chromium") or "/usr/bin/chromium",
            headless=True,
            args=CHROMIUM_ARGS,
            viewport=VIEWPORT,
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
    page.errors = []  # uncaught JavaScript errors (a widget view that failed, say)
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    yield page
    page.close()


@pytest.fixture(scope="session")
def screenshots(tmp_path_factory) -> Path:
    folder = os.environ.get("MINIGRAD_SCREENSHOTS")
    path = Path(folder) if folder else tmp_path_factory.mktemp("screenshots")
    path.mkdir(parents=True, exist_ok=True)
    return path


# -- what a learner does ----------------------------------------------------------------------
def expect():
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect


def write_notebook(lab: Lab, name: str, sources: list[str]) -> str:
    """A notebook of code cells, not yet run, in the lab's folder; returns its name."""
    notebook = {
        "cells": [
            {
                "id": f"cell{number}",
                "cell_type": "code",
                "metadata": {},
                "source": source,
                "outputs": [],
                "execution_count": None,
            }
            for number, source in enumerate(sources)
        ],
        "metadata": {
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
            "language_info": {"name": "python"},
        },
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    (lab.root / name).write_text(json.dumps(notebook))
    return name


def open_notebook(lab: Lab, page, name: str) -> None:
    """Open a notebook (alone: other tabs closed) and wait until its kernel is idle."""
    page.goto(lab.url(f"lab/tree/{name}") + "&reset")
    # The status bar reads "No Kernel | Initializing", then "Python 3 (ipykernel) | Idle".
    # Running cells before a kernel is attached opens the "Select Kernel" dialog instead.
    kernel = page.locator(f'.jp-StatusBar-TextItem[title="Change kernel for {name}"]')
    expect()(kernel).to_have_text(
        re.compile(r"^(?!No Kernel).+\| Idle$"), timeout=KERNEL_TIMEOUT_MS
    )


def menu(page, title: str, command: str) -> None:
    page.locator(".lm-MenuBar-item", has_text=re.compile(rf"^{title}$")).click()
    page.locator(f'.lm-Menu-item[data-command="{command}"]').click()


def run_all(page) -> None:
    """Run every cell and wait until the last one has run."""
    menu(page, "Run", "runmenu:run-all")
    prompts = page.locator(f"{CURRENT} .jp-CodeCell .jp-InputArea-prompt")
    expect()(prompts.last).to_have_text(re.compile(r"\[\d+\]"), timeout=KERNEL_TIMEOUT_MS)


def no_traceback(page) -> None:
    """No error output, no widget that failed to render, no uncaught script error."""
    outputs = page.locator(".jp-OutputArea-output")
    assert page.locator('[data-mime-type="application/vnd.jupyter.error"]').count() == 0
    text = "\n".join(outputs.all_inner_texts())
    assert "Traceback" not in text and "Error displaying widget" not in text, text
    assert not page.errors, page.errors


def quiet(page) -> None:
    """No hover or focus ring over what a screenshot shows."""
    page.mouse.move(0, 0)
    page.evaluate("document.activeElement && document.activeElement.blur()")


def inside(inner: dict | None, outer: dict) -> bool:
    """Whether bounding box ``inner`` lies within ``outer`` (both {x, y, width, height})."""
    return (
        inner is not None
        and inner["x"] >= outer["x"] - 1
        and inner["y"] >= outer["y"] - 1
        and inner["x"] + inner["width"] <= outer["x"] + outer["width"] + 1
        and inner["y"] + inner["height"] <= outer["y"] + outer["height"] + 1
    )


# What a learner must see of the Stepper's current step, measured in the page: the current
# box inside the graph pane and clear of the map, and the explanation without any line cut off.
_STEP_IN_SIGHT = """stepper => {
    const box = stepper.querySelector('.mg-graph g.node.mg-current').getBoundingClientRect();
    const pane = stepper.querySelector('.mg-graph').getBoundingClientRect();
    const map = stepper.querySelector('.mg-overview');
    const over = map && !map.hidden ? map.getBoundingClientRect() : null;
    const text = stepper.querySelector('.minigrad-step-text');
    return {
        in_pane: box.left >= pane.left - 1 && box.right <= pane.right + 1 &&
                 box.top >= pane.top - 1 && box.bottom <= pane.bottom + 1,
        under_map: over !== null && !(box.right <= over.left || box.left >= over.right ||
                                      box.bottom <= over.top || box.top >= over.bottom),
        text_cut_off: text.scrollWidth > text.clientWidth + 1,
    };
}"""


def assert_step_in_sight(stepper, step: int) -> None:
    """The current box in its pane, not under the map, and the step's text all readable."""
    seen = stepper.evaluate(_STEP_IN_SIGHT)
    assert seen == {"in_pane": True, "under_map": False, "text_cut_off": False}, (step, seen)
