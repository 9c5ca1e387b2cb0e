"""How long the Stepper widget takes to show one step of a graph of about 100 nodes.

A click on "next" calls ``Stepper.goto``: it draws the graph with the step's node highlighted
(Graphviz ``dot``, then cached per step), writes the step's text and rebuilds the tensor
table. This times ``goto(i)`` for steps not drawn yet and for steps already drawn, in the
forward and the backward phase, on three graphs of about 100 autograd nodes. Only the Python
side is timed, not the browser repainting the widget. Run it with
``python benchmarks/step_latency.py``; the target is under 100 ms per step.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

import minigrad as torch
from minigrad.autograd.graph import AccumulateGrad
from minigrad.viz import build_graph
from minigrad.widgets import Stepper
from minigrad.widgets.steps import FORWARD, collect_functions

SAMPLES = 9  # steps timed per phase, spread over the whole phase


def tree() -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """34 leaves squared, then summed pairwise: 67 grad_fn + 34 AccumulateGrad nodes."""
    leaves = {f"x{i}": torch.tensor([float(i)], requires_grad=True) for i in range(34)}
    level = [leaf**2 for leaf in leaves.values()]
    while len(level) > 1:
        pairs = [level[i : i + 2] for i in range(0, len(level), 2)]
        level = [pair[0] + pair[1] if len(pair) == 2 else pair[0] for pair in pairs]
    return level[0], leaves


def chain() -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """One leaf through 99 multiplications: 99 grad_fn + 1 AccumulateGrad nodes."""
    x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x
    for _ in range(99):
        y = y * 1.01
    return y, {"x": x, "y": y}


def chain_reusing_a_weight() -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """``y = y * w + k`` 49 times (benchmarks/viz_dot.py's graph): 98 grad_fn +
    2 AccumulateGrad nodes, and w's AccumulateGrad is reached from 49 of them."""
    w = torch.tensor([0.5, -0.5, 0.9], requires_grad=True)  # |w| < 1: values stay finite
    x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x
    for k in range(49):
        y = y * w + k
    return y, {"w": w, "x": x, "y": y}


def timed_ms(run: Callable[[], object]) -> float:
    start = time.perf_counter()
    run()
    return (time.perf_counter() - start) * 1000


def spread(indices: list[int], count: int) -> list[int]:
    """``count`` indices spread evenly over ``indices``."""
    if len(indices) <= count:
        return indices
    return [indices[round(k * (len(indices) - 1) / (count - 1))] for k in range(count)]


def measure(title: str, root: torch.Tensor, names: dict[str, torch.Tensor]) -> None:
    gradient = torch.ones_like(root)
    functions = collect_functions(root)
    accumulators = {
        child
        for fn in functions
        for child, _ in fn.next_functions
        if isinstance(child, AccumulateGrad)
    }
    build_ms = timed_ms(lambda: Stepper(root, gradient=gradient, names=names))
    stepper = Stepper(root, gradient=gradient, names=names)
    widget_ms = timed_ms(stepper.widget)  # builds the widget and draws step 0
    if not hasattr(stepper, "_slider"):
        raise SystemExit("the widget needs ipywidgets: pip install -e '.[widgets]'")
    boxes = len(build_graph(root, names=names, max_nodes=stepper._max_nodes).nodes)
    print(
        f"\n{title}: {len(functions) + len(accumulators)} autograd nodes "
        f"({len(functions)} grad_fn + {len(accumulators)} AccumulateGrad), {boxes} boxes "
        f"drawn, {len(stepper.steps)} steps"
    )
    print(f"  Stepper(...) {build_ms:.1f} ms, .widget() {widget_ms:.1f} ms (draws step 0)")

    forward = [i for i, s in enumerate(stepper.steps) if s.phase == FORWARD and i > 0]
    backward = [i for i, s in enumerate(stepper.steps) if s.phase != FORWARD]
    print(f"  {'goto(i), ms':<36}{'median':>8}{'max':>8}")
    drawn: list[float] = []
    for phase, indices in (("forward", forward), ("backward", backward)):
        indices = spread(indices, SAMPLES)
        fresh = [timed_ms(lambda i=i: stepper.goto(i)) for i in indices]
        drawn += [timed_ms(lambda i=i: stepper.goto(i)) for i in indices]
        label = f"{phase} step, not drawn yet"
        print(f"  {label:<36}{statistics.median(fresh):8.1f}{max(fresh):8.1f}")
    print(f"  {'any step, already drawn':<36}{statistics.median(drawn):8.1f}{max(drawn):8.1f}")

    # where a backward step not drawn yet spends its time
    index = backward[len(backward) // 2]
    picture = []
    for _ in range(3):
        stepper._pictures.pop(index, None)
        picture.append(timed_ms(lambda: stepper._picture(index)))
    table = [timed_ms(stepper.table_html) for _ in range(3)]
    print(
        f"  of which: picture (graph walk, DOT, Graphviz layout) "
        f"{statistics.median(picture):.1f} ms, tensor table {statistics.median(table):.1f} ms"
    )


def main() -> None:
    print(f"target: under 100 ms per step; {SAMPLES} steps timed per phase")
    for title, build in (
        ("tree", tree),
        ("chain", chain),
        ("chain reusing one weight", chain_reusing_a_weight),
    ):
        measure(title, *build())


if __name__ == "__main__":
    main()
