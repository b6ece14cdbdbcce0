"""Check the measured numbers against the targets of the design.

Nothing here fails a test: timings on shared machines are reported, not
asserted.  Each target gets its measured value and PASS, MISS, or "not run"
when the session skipped the scenario it needs.
"""

from __future__ import annotations

from scenarios import (
    CPU_BOUND_LOAD,
    Plan,
    Results,
    cpu_demand,
    paired_ratio,
    total_peak_rss,
)
from tables import MB, Table

TOOL = "lookervault-batch 2x8"
RAW = "raw loop 1x16"
SDK = "SDK models 1x16"
TOOL_DASHBOARDS = "lookervault-batch 2x8, dashboards only"
RAW_DASHBOARDS = "raw loop 1x16, dashboards only"

RATE_SHARE = 0.9
SDK_RATE_RATIO = 5.0
DASHBOARD_CPU_MS = 1.0
RAW_CPU_RATIO = 1.2
SDK_CPU_RATIO = 20.0
# "Flat" memory: the tree's peak RSS at 100k objects within 10% of 10k's.
FLAT_RSS_GROWTH = 1.1
WORKER_RSS_BYTES = 60 * MB


def evaluate(plan: Plan, results: Results) -> Table:
    """Return the targets table for whatever scenarios ``results`` holds."""
    table = Table(
        "Targets",
        f"python bench/run.py all{plan.flag}",
        ["target", "measured", "verdict"],
    )
    for check in (
        _rate_share,
        _sdk_rate,
        _dashboard_cpu,
        _raw_cpu,
        _sdk_cpu,
        _flat_rss,
        _worker_rss,
        _repeat_requests,
    ):
        table.add(*check(results))
    return table


def _verdict(passed: bool | None) -> str:
    if passed is None:
        return "not run"
    return "PASS" if passed else "MISS"


def _rate_share(results: Results):
    target = f"objects/s >= {RATE_SHARE:.0%} of C / L until the CPU is the limit"
    runs = [m for m in results.scaling if m.ideal_rate]
    runs += results.compare.get(TOOL, [])
    below = [m for m in runs if cpu_demand(m) < CPU_BOUND_LOAD]
    if not below:
        return target, "-", _verdict(None)
    worst = min(below, key=lambda m: m.steady_rate / m.ideal_rate)
    share = worst.steady_rate / worst.ideal_rate
    bound = len(runs) - len(below)
    measured = (
        f"lowest {share:.0%} ({worst.processes}x{worst.threads}: "
        f"{worst.steady_rate:.0f} of {worst.ideal_rate:.0f} obj/s) over "
        f"{len(below)} runs whose C / L needs under {CPU_BOUND_LOAD:.0%} of the "
        f"cores; {bound} CPU-bound runs left out"
    )
    return target, measured, _verdict(share >= RATE_SHARE)


def _sdk_rate(results: Results):
    target = f"objects/s >= {SDK_RATE_RATIO:g}x the SDK-model reader"
    ratio = paired_ratio(results, TOOL, SDK, "steady_rate")
    if ratio is None:
        return target, "-", _verdict(None)
    return target, f"{ratio:.1f}x", _verdict(ratio >= SDK_RATE_RATIO)


def _dashboard_cpu(results: Results):
    """The design puts this at 1.2x the raw loop, "about 1 ms" on the machine
    it was measured on.  The raw loop's own cost differs between machines, so
    the ratio on the same dashboards decides."""
    target = (
        f"CPU per median-sized dashboard <= {RAW_CPU_RATIO:g}x the raw loop's "
        f"(design: about {DASHBOARD_CPU_MS:g} ms)"
    )
    runs = results.compare.get(TOOL_DASHBOARDS, [])
    ratio = paired_ratio(results, TOOL_DASHBOARDS, RAW_DASHBOARDS, "cpu_ms_per_object")
    if not runs or ratio is None:
        return target, "-", _verdict(None)
    value = sorted(m.cpu_ms_per_object for m in runs)[len(runs) // 2]
    steady = sorted(m.steady_cpu_ms_per_object for m in runs)[len(runs) // 2]
    steady_ratio = paired_ratio(
        results, TOOL_DASHBOARDS, RAW_DASHBOARDS, "steady_cpu_ms_per_object"
    )
    measured = (
        f"{value:.2f} ms, {ratio:.2f}x (steady phase: {steady:.2f} ms, "
        f"{steady_ratio:.2f}x)"
    )
    return target, measured, _verdict(ratio <= RAW_CPU_RATIO)


def _raw_cpu(results: Results):
    target = f"CPU/object <= {RAW_CPU_RATIO:g}x the minimal raw loop"
    ratio = paired_ratio(results, TOOL, RAW, "cpu_ms_per_object")
    if ratio is None:
        return target, "-", _verdict(None)
    steady = paired_ratio(results, TOOL, RAW, "steady_cpu_ms_per_object")
    measured = f"{ratio:.2f}x (steady phase: {steady:.2f}x)"
    for name in results.compare:
        # The longer run, where start-up weighs less; reported, not judged.
        if name.startswith(TOOL + ", ") and name.endswith(" objects"):
            suffix = name[len(TOOL) :]
            long = paired_ratio(results, name, RAW + suffix, "cpu_ms_per_object")
            if long is not None:
                measured += f"; {suffix[2:]}: {long:.2f}x"
    return target, measured, _verdict(ratio <= RAW_CPU_RATIO)


def _sdk_cpu(results: Results):
    target = f"CPU/object >= {SDK_CPU_RATIO:g}x less than the SDK-model reader"
    ratio = paired_ratio(results, SDK, TOOL, "cpu_ms_per_object")
    if ratio is None:
        return target, "-", _verdict(None)
    return target, f"{ratio:.1f}x less", _verdict(ratio >= SDK_CPU_RATIO)


def _flat_rss(results: Results):
    target = (
        "peak RSS of all processes flat from 10k to 100k objects "
        f"(at most {FLAT_RSS_GROWTH - 1:.0%} growth)"
    )
    by_size = {round(m.stored, -3): m for m in results.memory}
    small, large = by_size.get(10_000), by_size.get(100_000)
    if small is None or large is None:
        return target, "-", _verdict(None)
    growth = total_peak_rss(large) / total_peak_rss(small)
    measured = (
        f"{total_peak_rss(small) / MB:.0f} MB -> {total_peak_rss(large) / MB:.0f} MB "
        f"({growth - 1:+.1%}); parent {small.peak_rss['parent'] / MB:.0f} -> "
        f"{large.peak_rss['parent'] / MB:.0f} MB"
    )
    return target, measured, _verdict(growth <= FLAT_RSS_GROWTH)


def _worker_rss(results: Results):
    target = f"peak RSS <= ~{WORKER_RSS_BYTES / MB:.0f} MB per worker process"
    runs = [*results.memory, *results.scaling, *results.zero]
    runs += [
        m for name, ms in results.compare.items() if name.startswith(TOOL) for m in ms
    ]
    peaks = [m.peak_rss["worker"] for m in runs if m.peak_rss.get("worker")]
    if not peaks:
        return target, "-", _verdict(None)
    measured = (
        f"{min(peaks) / MB:.0f} to {max(peaks) / MB:.0f} MB over {len(peaks)} runs"
    )
    return target, measured, _verdict(max(peaks) <= WORKER_RSS_BYTES)


def _repeat_requests(results: Results):
    target = "a repeat run over an unchanged instance makes at most the listing calls"
    if not results.repeat:
        return target, "-", _verdict(None)
    parts = [
        f"{setting}: {m.requests - m.detail_requests} listing and login, "
        f"{m.detail_requests} detail"
        for setting, m in results.repeat.items()
    ]
    unsampled = results.repeat["verify_sample = 0"]
    return target, "; ".join(parts), _verdict(unsampled.detail_requests == 0)
