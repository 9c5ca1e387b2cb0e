"""``--profile CASE``: where minigrad's time goes in one case, by cProfile."""

from __future__ import annotations

import cProfile
import gc
import io
import pstats

from benchmarks.cases import CASES
from benchmarks.harness import Config


def profile(name: str, config: Config, top: int = 25) -> str:
    """Run the case's minigrad contender (or its first one) under cProfile for as many calls
    as a timed run makes; the ``top`` functions by own time (tottime), as text."""
    plan = CASES[name](config)
    if not plan.contenders:
        return f"{name}: nothing to profile ({'; '.join(plan.skipped.values())})"
    contender = next((c for c in plan.contenders if c.name == "minigrad"), plan.contenders[0])
    calls = plan.rounds * contender.inner
    contender.run()  # warm-up, outside the profile
    gc.collect()
    gc.freeze()  # as when timed: collections do not walk the libraries' objects
    profiler = cProfile.Profile()
    try:
        profiler.enable()
        for _ in range(calls):
            contender.run()
        profiler.disable()
    finally:
        gc.unfreeze()
    out = io.StringIO()
    out.write(f"cProfile of {contender.name} on case {name!r}: {calls} calls\n")
    stats = pstats.Stats(profiler, stream=out)
    stats.strip_dirs().sort_stats("tottime").print_stats(top)
    return out.getvalue()
