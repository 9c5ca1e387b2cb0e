"""A case's plan (contenders, rounds, targets), and judging it: table rows from a measurement.

A target is a median per-round ratio of two contenders' times, or a time limit. Contenders
must also agree on their results (compared with the reference contender's), or no target
counts as met.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from benchmarks.harness import Contender, Measurement, format_number, format_seconds, measure

#: per-round ratios whose interquartile range spans more than this factor are flagged as noisy
NOISY_SPREAD = 1.5

#: the table's contender columns, in order, with their headings
COLUMNS = {"minigrad": "minigrad", "torch": "PyTorch", "micrograd": "micrograd", "numpy": "numpy"}


@dataclass(frozen=True)
class Target:
    """A goal: a median per-round ratio of two contenders' times, or (without a denominator)
    a limit in seconds on the numerator's median."""

    numerator: str
    denominator: str | None
    limit: float
    at_least: bool = False

    def value(self, found: Measurement) -> float | None:
        if self.denominator is None:
            return found.median(self.numerator)
        return found.ratio(self.numerator, self.denominator)

    def met(self, value: float) -> bool:
        return value >= self.limit if self.at_least else value <= self.limit

    def describe(self) -> str:
        sign = "≥" if self.at_least else "≤"
        if self.denominator is None:
            return f"{sign} {format_seconds(self.limit)}"
        names = (COLUMNS.get(n, n) for n in (self.numerator, self.denominator))
        return f"{'/'.join(names)} {sign} {format_number(self.limit)}"


@dataclass
class Plan:
    """What a case runs and how it is judged."""

    contenders: list[Contender]
    rounds: int
    warmup: int
    #: one table row each: (what is measured, its target)
    targets: list[tuple[str, Target]]
    #: contenders that cannot run here, and why
    skipped: dict[str, str] = field(default_factory=dict)
    #: table column of contenders not named after one (e.g. the chain lengths of "scaling")
    columns: dict[str, str] = field(default_factory=dict)
    #: whose results the others must reproduce (None: nothing to compare)
    reference: str | None = "minigrad"
    tolerance: float = 1e-4
    notes: list[str] = field(default_factory=list)
    #: rows measured some other way than by timing (memory)
    extra_rows: Callable[[], list[Row]] | None = None


@dataclass
class Row:
    """One line of the table; ``data`` holds the numbers behind it for ``--json``."""

    case: str
    what: str
    cells: dict[str, str]
    ratio: float | None
    target: str
    met: bool | None
    data: dict[str, Any] = field(default_factory=dict)
    #: the per-round ratios scatter too widely for the verdict to be trusted
    noisy: bool = False


@dataclass
class CaseResult:
    """A measured case: its rows, the raw measurement and what the reader should know."""

    name: str
    rows: list[Row]
    measurement: Measurement
    skipped: dict[str, str]
    agreement: dict[str, float]
    tolerance: float
    notes: list[str]
    seconds: float

    @property
    def disagreeing(self) -> dict[str, float]:
        """Contenders whose results differ from the reference's beyond the tolerance."""
        return {k: v for k, v in self.agreement.items() if not v <= self.tolerance}


def judge(name: str, plan: Plan) -> CaseResult:
    """Measure ``plan`` (case ``name``) and judge it against its targets."""
    start = time.perf_counter()
    found = measure(plan.contenders, plan.rounds, plan.warmup, compare=plan.reference is not None)
    agreement = found.agreement(plan.reference) if plan.reference else {}
    differ = any(not value <= plan.tolerance for value in agreement.values())
    cells = _cells(plan, found)
    rows = []
    for what, target in plan.targets:
        value = target.value(found)
        met = None if value is None else target.met(value) and not differ
        data = {
            "target": {
                "numerator": target.numerator,
                "denominator": target.denominator,
                "limit": target.limit,
                "at_least": target.at_least,
            },
            "value": value,
        }
        spread = None
        if target.denominator is not None:
            data["per_round_ratios"] = found.ratios(target.numerator, target.denominator)
            spread = data["ratio_spread"] = found.spread(target.numerator, target.denominator)
        ratio = value if target.denominator is not None else None
        noisy = spread is not None and spread[0] > 0 and spread[1] / spread[0] > NOISY_SPREAD
        rows.append(Row(name, what, cells, ratio, target.describe(), met, data, noisy))
    if plan.extra_rows is not None:
        rows.extend(plan.extra_rows())
    return CaseResult(
        name,
        rows,
        found,
        dict(plan.skipped),
        agreement,
        plan.tolerance,
        list(plan.notes),
        time.perf_counter() - start,
    )


def _cells(plan: Plan, found: Measurement) -> dict[str, str]:
    """The contender columns' text: medians, or why there is none."""
    parts: dict[str, list[str]] = {}
    for contender in plan.contenders:
        name = contender.name
        column = plan.columns.get(name, name)
        if name in found.failed:
            text = f"failed ({found.failed[name].split(':')[0]})"
        else:
            median = found.median(name)
            text = format_seconds(median) if median is not None else "—"
        parts.setdefault(column, []).append(text if column == name else f"{name}: {text}")
    for name in plan.skipped:
        parts.setdefault(plan.columns.get(name, name), []).append("skipped")
    return {column: " · ".join(texts) for column, texts in parts.items()}
