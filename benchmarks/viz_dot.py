"""How long minigrad.viz takes to turn a 1,000-node autograd graph into DOT text.

Only the walk and the DOT text are timed, not Graphviz's layout. Run it with
``python benchmarks/viz_dot.py`` (PyTorch) or ``python benchmarks/viz_dot.py minigrad``.
The target is a median under 50 ms for the default autograd view.
"""

from __future__ import annotations

import importlib
import statistics
import sys
import time

from minigrad.viz import build_graph, draw


def chain(backend, ops: int):
    """A graph of `ops` grad_fn nodes (plus two AccumulateGrad): a loop of mul and add."""
    w = backend.tensor([0.5, -0.5, 0.9], requires_grad=True)  # |w| < 1: values stay finite
    x = backend.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x
    for step in range(ops // 2):
        y = y * w + step
    return y


def median_ms(run, repeats: int = 21) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def main() -> None:
    backend = importlib.import_module(sys.argv[1] if len(sys.argv) > 1 else "torch")
    root = chain(backend, 1000)
    nodes = len(build_graph(root, max_nodes=None).nodes)
    print(f"backend {backend.__name__}: graph of {nodes} boxes (1,000 grad_fn nodes + leaves)")
    cases = {
        "autograd view": {},
        "autograd view, show_saved": {"show_saved": True},
        "values view": {"view": "values"},
    }
    for case, options in cases.items():
        ms = median_ms(lambda options=options: draw(root, max_nodes=None, **options).source)
        print(f"{case:<28} median {ms:6.1f} ms")


if __name__ == "__main__":
    main()
