"""``--instructions CASE``: what one call of minigrad's work in a case costs in CPU
instructions, counted by valgrind's callgrind.

Times on a shared machine swing by tens of percent between runs; an instruction count repeats
to a fraction of a percent. The call is run ``few`` and ``many`` times, each in a fresh
process, and the difference of the two counts divided by the difference of the calls is one
call's cost: importing and setting up cancel out. Compare two versions of the code by
running the same command in each checkout (``--root``). Needs ``valgrind`` (Debian package).
"""

from __future__ import annotations

import gc
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable
from typing import Any

import minigrad
from benchmarks import workloads


def _calls() -> dict[str, Callable[[], Callable[[], Any]]]:
    """Each case's minigrad work, made ready to call (the chains 2,000 long)."""

    def op() -> Callable[[], Any]:
        a = minigrad.tensor([2.0, 3.0], requires_grad=True)
        b = minigrad.tensor([6.0, 4.0], requires_grad=True)
        return lambda: a + b

    def mlp() -> Callable[[], Any]:
        params, x, y = workloads.mlp_state(minigrad, workloads.mlp_data(64))
        return lambda: workloads.mlp_step(minigrad, params, x, y)

    return {
        "seed": lambda: lambda: workloads.tutorial_seed(minigrad),
        "op": op,
        "mlp": mlp,
        "deep": lambda: lambda: workloads.chain(minigrad, 2000),
        "deep-tensor": lambda: lambda: workloads.chain_tensor_factor(minigrad, 2000),
    }


CASES = tuple(_calls())
#: how many calls to count, few and many, per case: enough that the garbage collector's
#: occasional passes weigh little against the work
CALLS = {"seed": (10, 50), "op": (100, 1100), "mlp": (3, 13), "deep": (1, 3), "deep-tensor": (1, 3)}


def run_calls(name: str, calls: int) -> Any:
    """Call the case's work ``calls`` times, after a warm-up and with the objects alive so
    far frozen out of the garbage collector (as the timed benchmarks do); the last result."""
    call = _calls()[name]()
    for _ in range(3):
        call()
    gc.collect()
    gc.freeze()
    try:
        for _ in range(calls):
            result = call()
    finally:
        gc.unfreeze()
    return result


def collected(callgrind_output: str) -> int:
    """The instruction count callgrind reports ("Collected : N")."""
    match = re.search(r"Collected\s*:\s*(\d+)", callgrind_output)
    if match is None:
        raise RuntimeError(f"no instruction count in valgrind's output:\n{callgrind_output}")
    return int(match.group(1))


def count(name: str, calls: int, root: str = ".") -> int:
    """Instructions to run the case's work ``calls`` times, and to start and set up, with
    the ``minigrad`` and ``benchmarks`` of the checkout ``root``."""
    valgrind = shutil.which("valgrind")
    if valgrind is None:
        raise RuntimeError("--instructions needs valgrind: apt-get install valgrind")
    # this file, run from root: its imports find root's minigrad (root may be an old checkout)
    program = f"import runpy; runpy.run_path({__file__!r})['run_calls']({name!r}, {calls})"
    # the same hash seed, and no OpenBLAS threads spinning, make the count repeat
    env = dict(os.environ, PYTHONHASHSEED="0", OPENBLAS_NUM_THREADS="1")
    finished = subprocess.run(
        [valgrind, "--tool=callgrind", "--callgrind-out-file=/dev/null"]
        + [sys.executable, "-c", program],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if finished.returncode != 0:
        raise RuntimeError(f"the case failed under valgrind:\n{finished.stderr[-2000:]}")
    return collected(finished.stderr)


def per_call(name: str, root: str = ".") -> str:
    """One call's instructions, as a line of text."""
    few, many = CALLS[name]
    cost = (count(name, many, root) - count(name, few, root)) / (many - few)
    return f"{name}: {cost:,.0f} instructions per call ({root}, {few} → {many} calls)"
