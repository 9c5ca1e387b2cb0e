"""The lessons in notebooks/, beyond what ``pytest --nbval`` checks (their stored outputs):

- the conventions the lessons rely on (stored outputs for every cell, a text version of every
  drawing, an exercise check that passes on each model solution, kept out of sight);
- with ``import torch`` in place of ``import minigrad as torch`` they run under real PyTorch and
  print what is stored (skipped when PyTorch is not installed);
- the Binder environment, a fresh virtual environment built from binder/requirements.txt alone,
  runs every lesson with drawings and widgets working (slow: deselect with ``-m "not slow"``).
"""

from __future__ import annotations

import copy
import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[2]
RUNNER = Path(__file__).with_name("run_notebooks.py")
IMPORT = "import minigrad as torch"
MINIGRAD_ONLY = "# minigrad-only"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def _load_runner():
    spec = importlib.util.spec_from_file_location("run_notebooks", RUNNER)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


runner = _load_runner()
LESSONS = runner.lesson_paths()


def lesson_params():
    return [pytest.param(path, id=path.stem) for path in LESSONS]


def code_cells(nb):
    return [cell for cell in nb.cells if cell.cell_type == "code"]


def tags(cell) -> list[str]:
    return cell.metadata.get("tags", [])


def printed(cell) -> list[str]:
    """What a cell printed, displayed or raised, as text: printed text (stdout), the text/plain
    of displays and results, and errors as 'Name: message'. Object addresses are masked."""
    texts = []
    for output in cell.outputs:
        if output.output_type == "stream" and output.name == "stdout":
            texts.append(output.text)
        elif output.output_type in ("display_data", "execute_result"):
            texts.append(output.data.get("text/plain", ""))
        elif output.output_type == "error":
            texts.append(f"{output.ename}: {output.evalue}")
    return re.sub(r"0x[0-9a-fA-F]+", "0x…", "".join(texts)).splitlines()


# --- conventions -------------------------------------------------------------------------


def test_there_is_one_lesson_per_tutorial_section() -> None:
    assert [path.name for path in LESSONS] == [
        "01_basic_usage.ipynb",
        "02_computational_graph.ipynb",
        "03_disabling_gradient_tracking.ipynb",
        "04_autograd_in_a_neural_network.ipynb",
        "05_vector_jacobian_products.ipynb",
        "06_write_backward_yourself.ipynb",
        "07_from_gradients_to_training.ipynb",
    ]


@pytest.mark.parametrize("path", lesson_params())
def test_every_code_cell_has_stored_outputs_from_one_fresh_run(path: Path) -> None:
    """nbval compares only cells that were run; a fresh top-to-bottom run numbers them 1, 2, …"""
    nb = nbformat.read(path, as_version=4)
    cells = code_cells(nb)
    assert cells[0].source.startswith(IMPORT)
    assert [cell.execution_count for cell in cells] == list(range(1, len(cells) + 1))
    assert "widgets" not in nb.metadata, "widget state (random model ids) must not be stored"
    for cell in cells:
        for output in cell.outputs:
            assert WIDGET_VIEW not in output.get("data", {}), cell.source


@pytest.mark.parametrize("path", lesson_params())
def test_randomness_is_seeded_before_it_is_used(path: Path) -> None:
    seeded = False
    for cell in code_cells(nbformat.read(path, as_version=4)):
        seeded = seeded or "torch.manual_seed(0)" in cell.source
        if re.search(r"torch\.rand", cell.source):
            assert seeded, f"random numbers drawn before torch.manual_seed(0):\n{cell.source}"


@pytest.mark.parametrize("path", lesson_params())
def test_every_drawing_is_also_checked_as_text(path: Path) -> None:
    """nbval ignores the SVG (its layout depends on the Graphviz version) and compares the
    drawing's own text/plain instead, which says what the picture shows."""
    for cell in code_cells(nbformat.read(path, as_version=4)):
        for output in cell.outputs:
            data = output.get("data", {})
            if "image/svg+xml" in data:
                text = data.get("text/plain", "")
                assert re.match(r"Drawing \((autograd|values) view\): \d+ box", text), cell.source
                assert "→" in text or "without arrows" in text, cell.source


@pytest.mark.parametrize("path", lesson_params())
def test_each_exercise_has_a_solution_that_its_check_accepts(path: Path) -> None:
    cells = code_cells(nbformat.read(path, as_version=4))
    exercises = [i for i, cell in enumerate(cells) if cell.source.startswith("# ✏️")]
    assert exercises, "every lesson has exercises"
    for index in exercises:
        scaffold, solution = cells[index], cells[index + 1]
        assert "solution" in tags(solution), solution.source
        assert solution.metadata["jupyter"] == {"source_hidden": True, "outputs_hidden": True}
        assert solution.source.splitlines()[0] == "# Solution", (
            "a first line that gives nothing away"
        )
        said = "".join(printed(solution))
        assert "✓" in said and "✗" not in said and "…" not in said, said
        assert "✓" not in "".join(printed(scaffold)), "the scaffold must not pass as it is"


# --- the same lessons with real PyTorch --------------------------------------------------


def as_pytorch(nb):
    """The lesson with ``import torch`` and without its minigrad-only cells."""
    nb = copy.deepcopy(nb)
    nb.cells = [c for c in nb.cells if not c.source.startswith(MINIGRAD_ONLY)]
    imports = [c for c in nb.cells if IMPORT in c.source]
    assert len(imports) == 1, "one import line to swap"
    imports[0].source = imports[0].source.replace(IMPORT, "import torch")
    nb.cells.append(nbformat.v4.new_code_cell("print(torch.__name__)", id="which-torch"))
    return nb


@pytest.mark.parametrize("path", lesson_params())
def test_the_lesson_runs_and_prints_the_same_with_pytorch(path: Path) -> None:
    pytest.importorskip("torch")
    stored = nbformat.read(path, as_version=4)
    executed = runner.execute(as_pytorch(stored), cwd=path.parent)
    *cells, which = code_cells(executed)
    assert printed(which) == ["torch"], "the lesson must have run with PyTorch"
    by_id = {cell.id: cell for cell in code_cells(stored)}
    for cell in cells:  # random numbers included: minigrad draws PyTorch's, bit for bit
        mine, theirs = printed(by_id[cell.id]), printed(cell)
        assert constants_masked(theirs) == constants_masked(mine), (
            f"cell {cell.id} prints differently with PyTorch:\n{cell.source}"
        )


def constants_masked(lines: list[str]) -> list[str]:
    """Drawings' text with the names of constant boxes masked. A constant is a (None, k)
    entry of next_functions: PyTorch records nothing of it, so its box says 'constant', where
    minigrad, which records the values an op used, names it ('3', or 'x' for a named tensor)."""
    return [re.sub(r"(→ |^)[^→]+?(?= \[[^]]*no grad\]$)", r"\1…", line) for line in lines]


# --- Binder ------------------------------------------------------------------------------


def test_binder_installs_minigrad_graphviz_and_the_lab() -> None:
    requirements = (ROOT / "binder" / "requirements.txt").read_text().split()
    assert "-e" in requirements and ".[lab]" in requirements
    assert "graphviz" in (ROOT / "binder" / "apt.txt").read_text().split()


@pytest.mark.slow
def test_a_fresh_binder_environment_runs_every_lesson(tmp_path: Path) -> None:
    """Build the environment Binder builds (binder/requirements.txt, installed from the
    repository root as repo2docker does), then run every lesson in a kernel of it."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    pip = [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run([*pip, "-r", "binder/requirements.txt"], cwd=ROOT, check=True, timeout=1800)

    extensions = subprocess.run(
        [str(venv / "bin" / "jupyter"), "labextension", "list"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "@jupyter-widgets/jupyterlab-manager" in extensions.stdout + extensions.stderr

    executed_dir = tmp_path / "executed"
    run = [str(python), str(RUNNER), "--output-dir", str(executed_dir), "--keep-widget-views"]
    subprocess.run(run, cwd=ROOT, check=True, timeout=1800)  # fails on any unexpected error

    for path in LESSONS:
        stored = {cell.id: cell for cell in code_cells(nbformat.read(path, as_version=4))}
        for cell in code_cells(nbformat.read(executed_dir / path.name, as_version=4)):
            reference = stored[cell.id]
            assert printed(cell) == printed(reference), f"{path.name}, cell {cell.id}"
            kinds = {key for output in cell.outputs for key in output.get("data", {})}
            if any("image/svg+xml" in output.get("data", {}) for output in reference.outputs):
                assert "image/svg+xml" in kinds, f"no picture: is Graphviz working? {cell.id}"
            if "Stepper(" in cell.source:
                assert WIDGET_VIEW in kinds, f"no live widget: is ipywidgets working? {cell.id}"
