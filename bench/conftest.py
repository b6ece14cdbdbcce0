"""Benchmark session: the size of the plan, the results and the printed tables.

``pytest bench`` runs the quick plan; ``pytest bench --full`` (or
``LOOKERVAULT_BENCH_FULL=1``) runs the full one, which makes the tables of
bench/README.md.  Every table and the targets are printed at the end of the
session, and written as Markdown to ``--bench-report PATH`` when given.
"""

from __future__ import annotations

import faulthandler
import os
from pathlib import Path

import pytest
import scenarios
import targets

# A scenario of the full plan takes a few minutes.  One that runs longer than
# this is hung, so dump every thread's stack and stop.
SCENARIO_TIMEOUT_SECONDS = 1800

_RESULTS = scenarios.Results()


def pytest_addoption(parser):
    group = parser.getgroup("lookervault benchmarks")
    group.addoption(
        "--full",
        action="store_true",
        default=os.environ.get("LOOKERVAULT_BENCH_FULL") == "1",
        help="run the full tables (about 7 minutes on 2 cores) instead of "
        "the quick ones; also LOOKERVAULT_BENCH_FULL=1",
    )
    group.addoption(
        "--before",
        metavar="REV",
        default="",
        help="also run the tool as it was at git revision REV in the side by "
        "side and memory tables",
    )
    group.addoption(
        "--bench-report",
        metavar="PATH",
        help="also write the tables and targets as Markdown to PATH",
    )


@pytest.fixture(scope="session")
def plan(request) -> scenarios.Plan:
    return scenarios.plan_for(
        request.config.getoption("--full"), request.config.getoption("--before")
    )


@pytest.fixture(scope="session")
def results() -> scenarios.Results:
    return _RESULTS


@pytest.fixture(autouse=True)
def hang_guard():
    faulthandler.dump_traceback_later(SCENARIO_TIMEOUT_SECONDS, exit=True)
    yield
    faulthandler.cancel_dump_traceback_later()


def pytest_terminal_summary(terminalreporter, config):
    if not _RESULTS.tables:
        return
    plan = scenarios.plan_for(config.getoption("--full"), config.getoption("--before"))
    text = report_markdown(plan, _RESULTS)
    terminalreporter.section("lookervault benchmarks")
    terminalreporter.write(text)
    path = config.getoption("--bench-report")
    if path:
        Path(path).write_text(text)


def report_markdown(plan: scenarios.Plan, results: scenarios.Results) -> str:
    parts = [table.markdown() for table in results.tables]
    parts.append(targets.evaluate(plan, results).markdown())
    return "\n".join(parts)
