"""Print benchmark tables without pytest: ``python bench/run.py [SCENARIO ...]``.

Scenarios: capacity, compare, zero, scaling, memory, startup, or all (the
default).
The targets table follows, for whatever the chosen scenarios measured.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import scenarios
import targets

SCENARIOS = {
    "capacity": scenarios.capacity,
    "compare": scenarios.compare,
    "zero": scenarios.zero_latency,
    "scaling": scenarios.scaling,
    "memory": scenarios.memory,
    "startup": scenarios.startup,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "scenario", nargs="*", choices=[*SCENARIOS, "all"], default=["all"]
    )
    parser.add_argument(
        "--full",
        action="store_true",
        default=os.environ.get("LOOKERVAULT_BENCH_FULL") == "1",
        help="the full plan of bench/README.md instead of the quick one",
    )
    parser.add_argument("--markdown", metavar="PATH", help="also write to PATH")
    parser.add_argument(
        "--before",
        metavar="REV",
        default="",
        help="also run the tool as it was at git revision REV in the side by "
        "side and memory tables",
    )
    args = parser.parse_args(argv)
    names = list(SCENARIOS) if "all" in args.scenario else args.scenario
    plan = scenarios.plan_for(args.full, args.before)
    results = scenarios.Results()
    parts = []
    for name in names:
        table = SCENARIOS[name](plan, results)
        results.tables.append(table)
        parts.append(table.markdown())
        print(parts[-1], flush=True)
    parts.append(targets.evaluate(plan, results).markdown())
    print(parts[-1])
    if args.markdown:
        Path(args.markdown).write_text("\n".join(parts))
    return 0


if __name__ == "__main__":
    sys.exit(main())
