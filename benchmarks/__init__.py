"""Side-by-side benchmarks: minigrad against PyTorch, micrograd and the numpy floor.

Run ``make bench`` (``python -m benchmarks``); ``--quick`` for a smoke run, ``--case NAME`` for
one case, ``--json PATH`` to keep the numbers, ``--profile CASE`` to see where minigrad's time
goes. Modules: ``harness`` (interleaved timing), ``workloads`` (the timed code), ``cases``
(each case's contenders and targets), ``plans`` (judging a measured case), ``memory``,
``report``, ``profiling``, ``backends`` (optional libraries and the machine).
``viz_dot.py`` is a separate script.
"""
