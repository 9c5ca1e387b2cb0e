"""``python -m benchmarks``: run the cases and print the Markdown report."""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence

from benchmarks import backends, instructions, report
from benchmarks.cases import CASES, run_case
from benchmarks.harness import Config
from benchmarks.profiling import profile


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="minigrad side by side with PyTorch, micrograd and numpy.",
    )
    parser.add_argument("--quick", action="store_true", help="tiny sizes, 2 rounds (smoke run)")
    parser.add_argument(
        "--case",
        action="append",
        choices=list(CASES),
        metavar="NAME",
        help=f"run only this case (repeatable): {', '.join(CASES)}",
    )
    parser.add_argument("--json", metavar="PATH", help="also write the results as JSON")
    parser.add_argument(
        "--profile",
        choices=list(CASES),
        metavar="CASE",
        help="instead: profile minigrad on CASE, top 25 functions by own time",
    )
    parser.add_argument(
        "--instructions",
        choices=instructions.CASES,
        metavar="CASE",
        help="instead: one call's CPU instructions on CASE, counted by valgrind (repeatable to "
        f"a fraction of a percent, where times are not): {', '.join(instructions.CASES)}",
    )
    parser.add_argument(
        "--root", default=".", help="with --instructions: the checkout whose code is counted"
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse(argv)
    config = Config(quick=args.quick)
    if args.profile:
        print(profile(args.profile, config))
        return 0
    if args.instructions:
        print(instructions.per_call(args.instructions, args.root))
        return 0
    load_at_start = backends.load_average()
    start = time.perf_counter()
    results = []
    for name in args.case or CASES:
        print(f"benchmarks: {name} …", end=" ", file=sys.stderr, flush=True)
        results.append(run_case(name, config))
        print(f"{results[-1].seconds:.1f} s", file=sys.stderr, flush=True)
    wall = time.perf_counter() - start
    facts = backends.machine()
    load_at_end = backends.load_average()
    if load_at_start is not None and load_at_end is not None:
        facts["load average"] = f"{load_at_start:.2f} at start, {load_at_end:.2f} at end"
    warning = backends.busy_warning(load_at_start)
    print(report.render(results, facts, wall, [warning] if warning else []))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as file:
            json.dump(report.as_json(results, facts, wall), file, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
