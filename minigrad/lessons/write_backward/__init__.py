"""The exercise checks of lesson 6, *Write backward yourself* (``notebooks/06_…``).

Each check takes the learner's function and the lesson's ``torch`` (minigrad, or real PyTorch:
the graph API is PyTorch's, so the same checks run on both), builds several seeded graphs with
it, compares with what autograd computes, and prints ✓, or ✗ with a hint that never gives the
expected value away. The checks draw their random numbers from generators of their own, so they
leave the learner's random numbers alone.

>>> import minigrad as torch                                    # doctest: +SKIP
>>> check_engine(my_backward, torch)                            # doctest: +SKIP
✓ my_backward gives what .backward() gives, on all 8 graphs: …

One module per exercise (``finite_difference``, ``topological_order``, ``engine``,
``second_derivative``), each ending in the check the lesson calls; ``graphs`` builds the graphs
they run on, ``_running`` runs the learner's code with autograd's entry points barred, and
``_speaking`` words the verdicts.
"""

from minigrad.lessons.write_backward._running import ShortcutUsed as ShortcutUsed
from minigrad.lessons.write_backward._running import as_if_pytorch as as_if_pytorch
from minigrad.lessons.write_backward._running import forbid_autograd
from minigrad.lessons.write_backward._running import real_pytorch as real_pytorch
from minigrad.lessons.write_backward.engine import check_engine
from minigrad.lessons.write_backward.finite_difference import check_finite_difference
from minigrad.lessons.write_backward.graphs import Graph as Graph
from minigrad.lessons.write_backward.graphs import build_graphs as build_graphs
from minigrad.lessons.write_backward.graphs import graph_nodes as graph_nodes
from minigrad.lessons.write_backward.graphs import node_name as node_name
from minigrad.lessons.write_backward.second_derivative import check_second_derivative
from minigrad.lessons.write_backward.topological_order import check_topological_order

__all__ = [
    "check_engine",
    "check_finite_difference",
    "check_second_derivative",
    "check_topological_order",
    "forbid_autograd",
]
