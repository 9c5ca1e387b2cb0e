"""The results as a Markdown report (stdout) and as JSON (``--json``)."""

from __future__ import annotations

import shlex
import sys
from collections.abc import Sequence
from typing import Any

from benchmarks.harness import format_number
from benchmarks.plans import COLUMNS, NOISY_SPREAD, CaseResult, Row

HEADINGS = ("case", "what", *COLUMNS.values(), "ratio", "target", "met?")


def command() -> str:
    """The command line this process was started with."""
    return shlex.join(getattr(sys, "orig_argv", [sys.executable, *sys.argv]))


def machine_line(facts: dict[str, str]) -> str:
    return "Machine: " + "; ".join(f"{key} {value}" for key, value in facts.items())


def _met(row: Row) -> str:
    if row.met is None:
        return "n/a"
    return ("yes" if row.met else "**no**") + (" (noisy)" if row.noisy else "")


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def table(rows: list[Row]) -> str:
    """The Markdown table: one line per row."""
    lines = ["| " + " | ".join(HEADINGS) + " |", "|" + "---|" * len(HEADINGS)]
    for row in rows:
        cells = [row.case, row.what, *(row.cells.get(c, "—") for c in COLUMNS)]
        ratio = "—" if row.ratio is None else format_number(row.ratio)
        spread = row.data.get("ratio_spread")
        if row.ratio is not None and spread:
            ratio += f" ({format_number(spread[0])}–{format_number(spread[1])})"
        cells += [ratio, row.target, _met(row)]
        lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    return "\n".join(lines)


def footnotes(results: list[CaseResult]) -> list[str]:
    """What was skipped or failed and why, results that disagree, and each case's notes."""
    lines = []
    for result in results:
        for name, reason in result.skipped.items():
            lines.append(f"{result.name}: {COLUMNS.get(name, name)} skipped: {reason}")
        for name, error in result.measurement.failed.items():
            lines.append(f"{result.name}: {COLUMNS.get(name, name)} failed: {error}")
        for name, difference in result.disagreeing.items():
            lines.append(
                f"{result.name}: {COLUMNS.get(name, name)}'s results differ from minigrad's "
                f"(relative difference {difference:.2g} > {result.tolerance:g}); target not met"
            )
        if result.agreement and not result.disagreeing:
            names = ", ".join(COLUMNS.get(n, n) for n in result.agreement)
            worst = max(result.agreement.values())
            lines.append(
                f"{result.name}: results agree with {names} (largest relative difference "
                f"{worst:.2g})"
            )
        lines.extend(result.notes)
    return lines


def render(
    results: list[CaseResult], facts: dict[str, str], wall: float, warnings: Sequence[str] = ()
) -> str:
    """The whole report: machine, command, warnings, table, notes, wall time."""
    rows = [row for result in results for row in result.rows]
    noisy = [
        f"(noisy): the per-round ratios' interquartile range spans more than {NOISY_SPREAD:g}×, "
        "so this verdict is not to be trusted; rerun on a quiet machine."
    ]
    parts = [
        "# minigrad benchmarks",
        "",
        machine_line(facts),
        "",
        f"Command: `{command()}`",
        "",
        *(f"**Warning:** {warning}\n" for warning in warnings),
        "Times are medians per call; ratio is the median of the per-round ratios (contenders "
        "interleaved round by round), with their interquartile range in brackets. Objects alive "
        "when a case starts are frozen out of the garbage collector (see harness.py).",
        "",
        table(rows),
        "",
        *(f"- {line}" for line in footnotes(results)),
        *(f"- {line}" for line in noisy if any(row.noisy for row in rows)),
        "",
        f"Wall time: {wall:.1f} s",
    ]
    return "\n".join(parts)


def as_json(results: list[CaseResult], facts: dict[str, str], wall: float) -> dict[str, Any]:
    """Everything measured, for ``--json``: the rows, and per case the raw per-round times."""
    return {
        "machine": facts,
        "command": command(),
        "wall_seconds": wall,
        "rows": [
            {
                "case": row.case,
                "what": row.what,
                "cells": row.cells,
                "ratio": row.ratio,
                "target": row.target,
                "met": row.met,
                "noisy": row.noisy,
                "data": row.data,
            }
            for row in [row for result in results for row in result.rows]
        ],
        "cases": {
            result.name: {
                "seconds": result.seconds,
                "medians": {n: result.measurement.median(n) for n in result.measurement.times},
                "times": result.measurement.times,
                "failed": result.measurement.failed,
                "skipped": result.skipped,
                "agreement": result.agreement,
                "tolerance": result.tolerance,
                "notes": result.notes,
            }
            for result in results
        },
    }
