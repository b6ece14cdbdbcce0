"""Whole backups against the simulator, beside the baseline scripts.

Each test makes one table of bench/README.md.  The tests check that every
contestant stored what was listed.  Timings are printed at the end of the
session and never asserted, because the machines they run on are shared.
"""

from __future__ import annotations

import scenarios
from harness import Measurement


def assert_complete(m: Measurement) -> None:
    assert m.stored == m.listed, f"{m.name}: stored {m.stored} of {m.listed}"
    if m.summary:
        assert m.summary["exit_code"] == 0, m.summary["failures"][:5]
        assert m.summary["reconciled"]


def test_simulator_capacity(plan, results):
    """The simulator serves far more requests per core than any run sends."""
    results.tables.append(scenarios.capacity(plan, results))
    assert all(rate > 0 for rate in results.capacity.values())


def test_side_by_side(plan, results):
    """The tool, the raw loop, the thread pool and the SDK reader, same content."""
    results.tables.append(scenarios.compare(plan, results))
    for name, measured in results.compare.items():
        for m in measured:
            if name.startswith("SDK"):
                assert 0 < m.stored <= m.listed
            else:
                assert_complete(m)
    for m in results.repeat.values():
        assert_complete(m)


def test_zero_latency(plan, results):
    """With no latency every contestant is limited by the CPU."""
    results.tables.append(scenarios.zero_latency(plan, results))
    for m in results.zero:
        assert_complete(m)


def test_scaling_grid(plan, results):
    """Processes x threads at 50 ms latency."""
    results.tables.append(scenarios.scaling(plan, results))
    for m in results.scaling:
        assert_complete(m)


def test_memory_curve(plan, results):
    """Peak RSS of each process as the instance grows."""
    results.tables.append(scenarios.memory(plan, results))
    for m in [*results.memory, *results.memory_before]:
        assert_complete(m)


def test_startup(plan, results):
    """The CPU of a run over 16 objects: start-up and shutdown."""
    results.tables.append(scenarios.startup(plan, results))
    for measured in results.startup.values():
        for m in measured:
            assert_complete(m)
