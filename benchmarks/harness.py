"""Timing contenders side by side: interleaved rounds, medians and per-round ratios.

These machines are noisy, so contenders are never timed one after the other: in round ``k``
every contender runs once, in an order rotated by ``k``, and only ratios of times taken in the
same round are compared. ``gc.collect()`` runs before each contender's turn, never inside it.

While a case is measured, everything alive at its start (the imported libraries, the
contenders' inputs) is moved out of the collector's sight with ``gc.freeze()``: otherwise a
full collection would walk PyTorch's ~170,000 objects, charging whichever contender happened
to trigger it for a library it does not use, and each ``gc.collect()`` would cost ~65 ms.
"""

from __future__ import annotations

import gc
import math
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Config:
    """How long to measure: a full run for ``make bench``, or a quick smoke run (tiny sizes)."""

    quick: bool = False

    def pick(self, full: Any, quick: Any) -> Any:
        """``full`` in a full run, ``quick`` in a quick one."""
        return quick if self.quick else full

    def rounds(self, full: int) -> int:
        """Timed rounds: ``full``, or 2 in a quick run."""
        return 2 if self.quick else full

    def warmup(self, full: int) -> int:
        """Untimed warm-up rounds after the checked first call: ``full``, or none when quick."""
        return 0 if self.quick else full


@dataclass
class Contender:
    """One implementation of a case's work.

    ``run`` does the work once and returns its result. A timed round is ``inner`` calls and
    records their mean, so that microsecond workloads rise above the timer's resolution.
    ``result`` turns what ``run`` returned into arrays to compare across contenders
    (by default the returned tensors, arrays or numbers themselves).
    """

    name: str
    run: Callable[[], Any]
    inner: int = 1
    result: Callable[[Any], Sequence[Any]] | None = None


@dataclass
class Measurement:
    """What ``measure`` found: per-round times, failures and the first call's results."""

    #: seconds per call, one entry per timed round, for each contender that ran
    times: dict[str, list[float]] = field(default_factory=dict)
    #: why a contender has no times: the exception it raised (it is not run again)
    failed: dict[str, str] = field(default_factory=dict)
    #: each contender's first result, as float64 arrays
    outputs: dict[str, list[np.ndarray]] = field(default_factory=dict)

    def median(self, name: str) -> float | None:
        """The median seconds per call of ``name``; None if it has no times."""
        times = self.times.get(name)
        return statistics.median(times) if times else None

    def ratios(self, numerator: str, denominator: str) -> list[float]:
        """``numerator``'s time over ``denominator``'s, round by round."""
        top, bottom = self.times.get(numerator, []), self.times.get(denominator, [])
        return [a / b for a, b in zip(top, bottom) if b > 0]

    def ratio(self, numerator: str, denominator: str) -> float | None:
        """The median of the per-round ratios; None unless both contenders ran."""
        ratios = self.ratios(numerator, denominator)
        return statistics.median(ratios) if ratios else None

    def spread(self, numerator: str, denominator: str) -> tuple[float, float] | None:
        """The per-round ratios' interquartile range (their range with fewer than 4 rounds)."""
        ratios = self.ratios(numerator, denominator)
        if len(ratios) < 2:
            return None
        if len(ratios) < 4:
            return min(ratios), max(ratios)
        low, _, high = statistics.quantiles(ratios, n=4, method="inclusive")
        return low, high

    def agreement(self, reference: str) -> dict[str, float]:
        """For each other contender, the largest relative difference of its results from
        ``reference``'s (0.0 means equal; inf means different shapes or counts)."""
        if reference not in self.outputs:
            return {}
        expected = self.outputs[reference]
        return {
            name: relative_difference(got, expected)
            for name, got in self.outputs.items()
            if name != reference
        }


def measure(
    contenders: Sequence[Contender], rounds: int, warmup: int = 1, *, compare: bool = True
) -> Measurement:
    """Time ``contenders`` interleaved: a first call each (its result kept when ``compare``),
    ``warmup`` untimed rounds, then ``rounds`` timed rounds. A contender that raises is
    recorded as failed and not run again."""
    found = Measurement()
    gc.collect()
    gc.freeze()
    try:
        _measure(found, contenders, rounds, warmup, compare)
    finally:
        gc.unfreeze()
    return found


def _measure(
    found: Measurement, contenders: Sequence[Contender], rounds: int, warmup: int, compare: bool
) -> None:
    live: list[Contender] = []
    for contender in contenders:
        gc.collect()
        try:
            value = contender.run()
            if compare:
                converted = contender.result(value) if contender.result else value
                found.outputs[contender.name] = as_arrays(converted)
        except Exception as error:  # a failing contender is a result to report, not a crash
            found.failed[contender.name] = describe(error)
            continue
        live.append(contender)
        found.times[contender.name] = []

    for index in range(warmup + rounds):
        shift = index % len(live) if live else 0
        for contender in live[shift:] + live[:shift]:
            if contender.name in found.failed:
                continue
            try:
                seconds = time_calls(contender.run, contender.inner)
            except Exception as error:
                found.failed[contender.name] = describe(error)
                del found.times[contender.name]
                continue
            if index >= warmup:
                found.times[contender.name].append(seconds)


def time_calls(run: Callable[[], Any], calls: int) -> float:
    """Mean seconds per call of ``calls`` calls to ``run``, after a ``gc.collect()``."""
    gc.collect()
    start = time.perf_counter()
    for _ in range(calls):
        run()
    return (time.perf_counter() - start) / calls


def describe(error: BaseException) -> str:
    """An exception as one line: ``RecursionError: maximum recursion depth exceeded``."""
    message = str(error).splitlines()[0] if str(error) else ""
    if len(message) > 160:
        message = message[:157] + "..."
    return f"{type(error).__name__}: {message}" if message else type(error).__name__


def as_arrays(value: Any) -> list[np.ndarray]:
    """A result (a tensor, array, number, or a tuple or list of them) as float64 arrays."""
    items = value if isinstance(value, (tuple, list)) else [value]
    arrays = []
    for item in items:
        if item is None:
            continue
        if hasattr(item, "detach"):  # a minigrad or PyTorch tensor
            item = item.detach().numpy()
        arrays.append(np.asarray(item, dtype=np.float64))
    return arrays


def relative_difference(got: Sequence[np.ndarray], expected: Sequence[np.ndarray]) -> float:
    """The largest ``|got - expected|`` over all arrays, each relative to its expected scale."""
    if len(got) != len(expected):
        return math.inf
    worst = 0.0
    for a, b in zip(got, expected):
        if a.shape != b.shape:
            return math.inf
        if b.size == 0:
            continue
        scale = max(float(np.max(np.abs(b))), 1e-12)
        worst = max(worst, float(np.max(np.abs(a - b))) / scale)
    return worst


def format_seconds(seconds: float) -> str:
    """A duration in the unit that keeps it under 1,000: ``12.3 µs``, ``4.56 ms``, ``1.2 s``."""
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
        if seconds >= scale:
            return f"{seconds / scale:.3g} {unit}"
    return f"{seconds / 1e-9:.3g} ns"


def format_number(value: float) -> str:
    """A ratio or count: three significant digits, thousands separated (``0.912``, ``2,480``)."""
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.3g}"
