"""Execute the lesson notebooks in a kernel of *this* Python, and store tidy outputs.

    .venv/bin/python tests/notebooks/run_notebooks.py                  # re-execute, store outputs
    .venv/bin/python tests/notebooks/run_notebooks.py 02_*.ipynb       # just these lessons
    .venv/bin/python tests/notebooks/run_notebooks.py --output-dir DIR # write copies, not in place

The stored outputs are what ``pytest --nbval`` compares with, so they are kept free of what
changes from run to run: no widget state or widget views (random model ids; the Stepper's text
and static storyboard stay), no timings, printed text in one piece however the kernel split it
into messages, and error tracebacks cut to their last line (full tracebacks name temporary
files). Everything else is stored as the kernel produced it, except that a cell whose outputs
differ from the stored ones only in object addresses (0x7f…) keeps the stored outputs, so that
running the lessons again on the same Python changes no byte unless something really changed.

The notebook's ``language_info`` stays whole, Python version included: JupyterLab writes the
kernel's own into a notebook it opens, and one whose stored copy differs opens marked modified
(and is autosaved) before the learner does anything. So the lessons open unmodified wherever the
kernel runs the Python that stored them (CI's); elsewhere only that version changes.

This file needs only nbclient and nbformat (JupyterLab brings both), so the Binder test runs it
with the Python of a fresh virtual environment built from binder/requirements.txt alone.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

import nbformat
from jupyter_client.kernelspec import KernelSpec, KernelSpecManager
from jupyter_client.manager import AsyncKernelManager
from nbclient import NotebookClient

NOTEBOOKS = Path(__file__).resolve().parents[2] / "notebooks"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def lesson_paths(names: list[str] | None = None) -> list[Path]:
    """The lesson notebooks (01_… to 0N_…) in order, or the ones named."""
    if names:
        return [Path(name) if Path(name).exists() else NOTEBOOKS / name for name in names]
    return sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))


class _ThisPython(KernelSpecManager):
    """Every kernel name means a kernel of the running interpreter (not a user-level kernelspec
    that may point at another Python)."""

    def get_kernel_spec(self, kernel_name: str) -> KernelSpec:
        argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
        return KernelSpec(argv=argv, display_name="Python 3", language="python")


def execute(nb: nbformat.NotebookNode, cwd: Path = NOTEBOOKS, timeout: int = 300):
    """Run every cell of ``nb`` in a fresh kernel; stops at the first error in a cell that is not
    tagged ``raises-exception`` (nbclient's CellExecutionError)."""
    kernel = AsyncKernelManager(kernel_name="python3", kernel_spec_manager=_ThisPython())
    client = NotebookClient(
        nb,
        km=kernel,
        timeout=timeout,
        record_timing=False,
        store_widget_state=False,
        resources={"metadata": {"path": str(cwd)}},
    )
    return client.execute()


def tidy(nb: nbformat.NotebookNode, keep_widget_views: bool = False) -> nbformat.NotebookNode:
    """Drop from ``nb`` what differs between runs and machines (see the module docstring)."""
    nb.metadata.pop("widgets", None)  # language_info stays as the kernel reported it
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        cell.metadata.pop("execution", None)
        kept: list[nbformat.NotebookNode] = []
        for output in cell.outputs:
            if output.output_type == "stream":
                # how printed text is split into messages depends on timing: store it whole
                if kept and kept[-1].output_type == "stream" and kept[-1].name == output.name:
                    kept[-1].text += output.text
                    continue
            elif output.output_type in ("display_data", "execute_result"):
                if not keep_widget_views:
                    output.data.pop(WIDGET_VIEW, None)
                if not output.data:
                    continue
            elif output.output_type == "error":
                last = output.traceback[-1] if output.traceback else output.ename
                output.traceback = [last]
            kept.append(output)
        cell.outputs = kept
    return nb


def keep_unchanged(nb: nbformat.NotebookNode, stored: nbformat.NotebookNode) -> None:
    """Give the cells of ``nb`` whose outputs match ``stored`` up to object addresses the stored
    outputs (and execution count)."""

    def masked(cell: nbformat.NotebookNode) -> str:
        text = json.dumps([cell.execution_count, cell.outputs], sort_keys=True)
        return re.sub(r"0x[0-9a-fA-F]+", "0x…", text)

    before = {cell.id: cell for cell in stored.cells if cell.cell_type == "code"}
    for cell in nb.cells:
        old = before.get(cell.id)
        if cell.cell_type == "code" and old is not None and masked(old) == masked(cell):
            cell.outputs = old.outputs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", help="lesson files (default: all of them)")
    parser.add_argument("--output-dir", type=Path, help="write the executed copies here")
    parser.add_argument(
        "--keep-widget-views", action="store_true", help="keep the live widgets' outputs"
    )
    args = parser.parse_args(argv)
    for path in lesson_paths(args.notebooks):
        stored = nbformat.read(path, as_version=4)
        nb = execute(nbformat.read(path, as_version=4), cwd=path.parent)
        tidy(nb, keep_widget_views=args.keep_widget_views)
        target = path if args.output_dir is None else args.output_dir / path.name
        if target == path:
            keep_unchanged(nb, stored)
        target.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, target)
        print(f"executed {path.name} -> {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
