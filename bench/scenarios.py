"""The benchmark tables: which runs make each one, and what each row shows.

Every scenario starts its own simulator, runs its contestants one after the
other against the same content and returns a :class:`~tables.Table`.  The
measurements are kept in a :class:`Results`, from which ``targets.py`` checks
the numbers the design sets.

Two sizes: the quick plan keeps ``pytest bench`` to a few minutes on two cores;
the full plan (``--full`` or ``LOOKERVAULT_BENCH_FULL=1``) makes the tables in
``bench/README.md``.
"""

from __future__ import annotations

import contextlib
import os
import statistics
from dataclasses import dataclass, field, replace
from pathlib import Path

import harness
from harness import Measurement
from tables import Table, fixed, megabytes, percent

LATENCY_MS = 50.0
# A run is CPU-bound when C / L objects/s would need this share of all cores.
CPU_BOUND_LOAD = 0.8


@dataclass(frozen=True)
class Plan:
    """The sizes of every scenario, quick or full."""

    full: bool
    compare_per_type: int
    compare_rounds: int
    # Objects per type of one more run of the tool and the raw loop, long
    # enough that start-up no longer weighs on the CPU per object; 0: none.
    compare_long_per_type: int
    # The SDK reader stops starting objects after this many seconds, because
    # each of its calls is slower than the last.  With looker-sdk 26.22 a
    # dashboard took about 100 ms after 250 calls on the machine of
    # bench/README.md, so a whole run would take many minutes.
    sdk_seconds: float
    scaling_grid: tuple[tuple[int, int], ...]
    # Each cell backs up what C / L objects/s fetches in this many seconds.
    scaling_seconds: float
    scaling_min_objects: int
    scaling_max_objects: int
    # Cells run again with small bodies, because realistic ones make the CPU
    # the limit there.  A small object costs the simulator's cache and the
    # tool's CPU far less, so these cells may back up this many objects.
    scaling_small_grid: tuple[tuple[int, int], ...]
    scaling_small_max_objects: int
    zero_per_type: int
    zero_grid: tuple[tuple[int, int], ...]
    zero_rounds: int
    memory_sizes: tuple[int, ...]
    capacity_per_type: int
    startup_rounds: int
    # A git revision whose tool runs beside this checkout's in the side by
    # side and memory tables, to show a change's effect in one session.
    before: str = ""

    @property
    def flag(self) -> str:
        return " --full" if self.full else ""

    @property
    def before_label(self) -> str:
        return f"before ({self.before})"

    def before_source(self):
        """Return a context yielding the earlier tree, or None without one."""
        if not self.before:
            return contextlib.nullcontext(None)
        return harness.source_at(self.before)


QUICK = Plan(
    full=False,
    compare_per_type=300,
    compare_rounds=1,
    compare_long_per_type=0,
    sdk_seconds=10,
    scaling_grid=((1, 1), (1, 8), (2, 8), (4, 16)),
    scaling_seconds=2.5,
    scaling_min_objects=60,
    scaling_max_objects=1000,
    scaling_small_grid=((4, 16),),
    scaling_small_max_objects=4000,
    zero_per_type=500,
    zero_grid=((1, 8), (2, 8), (4, 16)),
    zero_rounds=1,
    memory_sizes=(1_000, 10_000),
    capacity_per_type=300,
    startup_rounds=3,
)
FULL = Plan(
    full=True,
    compare_per_type=1000,
    compare_rounds=3,
    compare_long_per_type=5000,
    sdk_seconds=30,
    scaling_grid=((1, 1), (1, 8), (2, 8), (2, 16), (4, 16), (4, 32)),
    scaling_seconds=6,
    scaling_min_objects=100,
    scaling_max_objects=3000,
    scaling_small_grid=((2, 16), (4, 16)),
    scaling_small_max_objects=15000,
    zero_per_type=1000,
    zero_grid=((1, 8), (2, 8), (2, 16), (4, 16)),
    zero_rounds=3,
    memory_sizes=(1_000, 10_000, 100_000),
    capacity_per_type=1000,
    startup_rounds=5,
)


def plan_for(full: bool, before: str = "") -> Plan:
    return replace(FULL if full else QUICK, before=before)


@dataclass
class Results:
    """Every measurement of a session, by scenario, for the target checks."""

    compare: dict[str, list[Measurement]] = field(default_factory=dict)
    scaling: list[Measurement] = field(default_factory=list)
    zero: list[Measurement] = field(default_factory=list)
    memory: list[Measurement] = field(default_factory=list)
    memory_before: list[Measurement] = field(default_factory=list)
    capacity: dict[str, float] = field(default_factory=dict)
    startup: dict[str, list[Measurement]] = field(default_factory=dict)
    # Runs over an unchanged instance into the database of an earlier run.
    repeat: dict[str, Measurement] = field(default_factory=dict)
    tables: list[Table] = field(default_factory=list)


def mixed(per_type: int) -> dict[str, int]:
    """Content as the design measures it: as many looks as dashboards."""
    return {"dashboards": per_type, "looks": per_type}


def cpu_load(m: Measurement) -> float:
    """Share of all cores the contestant and the simulator kept busy, steadily."""
    contestant = m.steady_cpu_seconds / max(m.steady_seconds, 1e-9)
    return (contestant + m.simulator_share) / (os.cpu_count() or 1)


def cpu_demand(m: Measurement) -> float | None:
    """Share of all cores that C / L objects/s would need at the CPU per object.

    None at zero latency, where every run is CPU-bound.
    """
    if m.ideal_rate is None:
        return None
    return m.ideal_rate * m.steady_cpu_ms_per_object / 1000 / (os.cpu_count() or 1)


# -- side by side ------------------------------------------------------------

COMPARE_COLUMNS = [
    "contestant",
    "C",
    "objects",
    "steady obj/s",
    "% of C/L",
    "wall obj/s",
    "wall s",
    "start / end s",
    "CPU ms/obj",
    "steady CPU ms/obj",
    "req/obj",
    "peak RSS MB parent / worker",
    "simulator CPU",
]


def compare(plan: Plan, results: Results) -> Table:
    """Run the tool beside the raw loop, the thread-pool script and the SDK reader."""
    per_type = plan.compare_per_type
    table = Table(
        f"Side by side: {per_type} dashboards + {per_type} looks, "
        f"{LATENCY_MS:.0f} ms latency, 16 requests in flight",
        f"python bench/run.py compare{plan.flag}",
        COMPARE_COLUMNS,
    )
    runs: dict[str, list[Measurement]] = {}
    with plan.before_source() as before:
        with harness.simulator(mixed(per_type), LATENCY_MS) as sim:
            harness.warm(sim)
            for round_number in range(plan.compare_rounds):
                pairs = _contestants(sim, plan, before, sdk=round_number == 0)
                for name, run in pairs:
                    runs.setdefault(name, []).append(run())
            repeat = _repeat_runs(sim)
        for suffix, tiles in (
            (DASHBOARDS_ONLY, harness.DESIGN_TILES),
            (LARGE_DASHBOARDS_ONLY, harness.LARGE_TILES),
        ):
            dashboards = {"dashboards": per_type}
            with harness.simulator(dashboards, LATENCY_MS, tiles=tiles) as sim:
                harness.warm(sim)
                for _ in range(plan.compare_rounds):
                    pairs = _contestants(sim, plan, None, baselines=("raw",))
                    for name, run in pairs:
                        runs.setdefault(name + suffix, []).append(run())
        if plan.compare_long_per_type:
            long_per_type = plan.compare_long_per_type
            suffix = f", {2 * long_per_type} objects"
            with harness.simulator(mixed(long_per_type), LATENCY_MS) as sim:
                harness.warm(sim)
                for name, run in _contestants(sim, plan, None, baselines=("raw",)):
                    runs.setdefault(name + suffix, []).append(run())
    for name, measured in runs.items():
        _add_compare_row(table, name, _median_run(measured))
    results.compare = runs
    results.repeat = repeat
    table.notes += _compare_notes(plan, runs, repeat)
    return table


DASHBOARDS_ONLY = ", dashboards only"
LARGE_DASHBOARDS_ONLY = ", 140 KB dashboards only"
TOOL_NAME = "lookervault-batch 2x8"
BASELINE_NAMES = {"raw": "raw loop 1x16", "threadpool": "thread pool 1x16"}


def _contestants(
    sim,
    plan: Plan,
    before: Path | None,
    sdk: bool = False,
    baselines=("raw", "threadpool"),
):
    """Return (name, run) pairs, one run of each contestant, in turn order."""
    pairs = [(TOOL_NAME, lambda: harness.run_tool(sim, 2, 8))]
    if before is not None:
        pairs.append(
            (
                f"{plan.before_label}: {TOOL_NAME}",
                lambda: harness.run_tool(sim, 2, 8, source=before),
            )
        )
    for mode in baselines:
        pairs.append(
            (
                BASELINE_NAMES[mode],
                lambda mode=mode: harness.run_baseline(sim, mode, 16),
            )
        )
    if sdk:
        seconds = plan.sdk_seconds
        pairs.append(
            (
                "SDK models 1x16",
                lambda: harness.run_baseline(sim, "sdk", 16, max_seconds=seconds),
            )
        )
    return pairs


def _repeat_runs(sim) -> dict[str, Measurement]:
    """Back up an unchanged instance again into the same database.

    Return the repeat runs by setting: the default ``verify_sample``, which
    fetches a share of the unchanged objects anyway, and ``verify_sample = 0``.
    """
    with harness.scratch() as directory:
        database = directory / "repeat.db"
        harness.run_tool(sim, 2, 8, database)
        return {
            "default": harness.run_tool(sim, 2, 8, database),
            "verify_sample = 0": harness.run_tool(
                sim, 2, 8, database, {"verify_sample": 0}
            ),
        }


def _add_compare_row(table: Table, name: str, m: Measurement) -> None:
    rss = megabytes(m.peak_rss["parent"])
    if "worker" in m.peak_rss:
        rss += " / " + megabytes(m.peak_rss["worker"])
    table.add(
        name,
        m.concurrency,
        m.stored,
        m.steady_rate,
        percent(m.steady_rate / m.ideal_rate),
        m.wall_rate,
        m.wall_seconds,
        f"{m.start_seconds:.2f} / {m.end_seconds:.2f}",
        fixed(m.cpu_ms_per_object),
        fixed(m.steady_cpu_ms_per_object),
        fixed(m.requests_per_object, 3),
        rss,
        percent(m.simulator_share),
    )


def _median_run(measured: list[Measurement]) -> Measurement:
    ordered = sorted(measured, key=lambda m: m.steady_rate)
    return ordered[len(ordered) // 2]


def _compare_notes(
    plan: Plan, runs: dict[str, list[Measurement]], repeat: dict[str, Measurement]
) -> list[str]:
    notes = [
        "Each row is the run with the median steady rate of "
        f"{plan.compare_rounds} round(s).  Contestants take turns in each round.",
        "steady obj/s and steady CPU count the middle "
        f"{harness.STEADY_SHARE:.0%} of the detail requests, as the simulator "
        "dated them, so they leave out process start-up and listing.  wall "
        "obj/s: objects over the whole process run.  start / end: wall seconds "
        "from the launch to the first detail request, and from the last one to "
        "the exit.  CPU: user + system of every process of the contestant, "
        "start-up included.  simulator CPU: its CPU seconds over the run's wall "
        "time, in one core.",
        f"The SDK reader stops starting objects after {plan.sdk_seconds:.0f} s.  "
        "Its per-object cost grows with every call, so a whole run would "
        "look worse than this row.",
        "Content: dashboards of 50 KB at the median and 58 KB on average, and "
        "looks of 14 KB, as in the design's measurements.  The 140 KB rows use "
        "the simulator's default dashboards, 140 KB at the median and 167 KB on "
        "average.",
    ]
    if plan.compare_long_per_type:
        notes.append(
            f"The {2 * plan.compare_long_per_type} objects rows: one run each, "
            "half dashboards and half looks, so that start-up weighs less on "
            "the CPU per object."
        )
    if plan.before:
        notes.append(
            f"{plan.before_label}: the same command run from the package as it "
            f"was at {plan.before}, beside this checkout's."
        )
    for setting, m in repeat.items():
        notes.append(
            f"Repeat run over the unchanged instance into the same database "
            f"({setting}): {m.requests} API requests, {m.detail_requests} of "
            f"them detail requests, for {m.stored} objects."
        )
    for name, measured in runs.items():
        if len(measured) > 1:
            rates = sorted(m.steady_rate for m in measured)
            cpus = sorted(m.cpu_ms_per_object for m in measured)
            notes.append(
                f"{name}: steady obj/s {rates[0]:.0f} to {rates[-1]:.0f}, "
                f"CPU ms/obj {cpus[0]:.2f} to {cpus[-1]:.2f} over the rounds."
            )
    return ["", *notes]


def paired_ratio(results: Results, a: str, b: str, metric: str) -> float | None:
    """Return the median over rounds of metric(a) / metric(b), round by round.

    The SDK reader runs in the first round only, so pairs stop at the shorter
    list of runs.
    """
    first, second = results.compare.get(a, []), results.compare.get(b, [])
    ratios = [
        getattr(x, metric) / getattr(y, metric)
        for x, y in zip(first, second, strict=False)
        if getattr(y, metric)
    ]
    return statistics.median(ratios) if ratios else None


# -- scaling -----------------------------------------------------------------

SCALING_COLUMNS = [
    "P x T",
    "C",
    "objects",
    "steady obj/s",
    "C/L",
    "% of C/L",
    "CPU demand at C/L",
    "CPU load",
    "CPU ms/obj",
    "steady CPU ms/obj",
    "queue wait s",
    "commits",
    "commit ms",
    "peak RSS MB parent / manager / worker",
    "simulator CPU",
]


def scaling(plan: Plan, results: Results) -> Table:
    """Run the tool over a grid of processes x threads at 50 ms latency."""
    table = Table(
        f"Scaling: processes x threads at {LATENCY_MS:.0f} ms latency",
        f"python bench/run.py scaling{plan.flag}",
        SCALING_COLUMNS,
    )
    for processes, threads in plan.scaling_grid:
        objects = _scaling_objects(plan, processes * threads, plan.scaling_max_objects)
        with harness.simulator(mixed(objects // 2), LATENCY_MS) as sim:
            harness.warm(sim)
            m = harness.run_tool(sim, processes, threads)
        results.scaling.append(m)
        _add_tool_row(table, m)
    for processes, threads in plan.scaling_small_grid:
        limit = plan.scaling_small_max_objects
        objects = _scaling_objects(plan, processes * threads, limit)
        with harness.simulator(mixed(objects // 2), LATENCY_MS, small=True) as sim:
            m = harness.run_tool(sim, processes, threads)
        results.scaling.append(m)
        _add_tool_row(table, m, " small")
    table.notes += [
        "",
        "Each cell backs up about "
        f"{plan.scaling_seconds:g} s of work at C / L (from "
        f"{plan.scaling_min_objects} to {plan.scaling_max_objects} objects, half "
        "dashboards, half looks; up to "
        f"{plan.scaling_small_max_objects} objects in the cells marked small, "
        "whose bodies are about 4 KB).  CPU demand: the share of all "
        f"{os.cpu_count()} cores that C / L objects/s would need at the steady "
        f"CPU per object; at {CPU_BOUND_LOAD:.0%} or more the CPU is the limit.  "
        "CPU load: the tool's and the simulator's CPU in the steady phase, "
        "over all cores.",
    ]
    return table


def _scaling_objects(plan: Plan, concurrency: int, limit: int) -> int:
    wanted = concurrency / (LATENCY_MS / 1000.0) * plan.scaling_seconds
    objects = min(max(wanted, plan.scaling_min_objects), limit)
    return 2 * round(objects / 2)


def _add_tool_row(table: Table, m: Measurement, label: str = "") -> None:
    summary = m.summary
    rss = " / ".join(
        megabytes(m.peak_rss[role]) for role in ("parent", "manager", "worker")
    )
    table.add(
        f"{m.processes}x{m.threads}{label}",
        m.concurrency,
        m.stored,
        m.steady_rate,
        "-" if m.ideal_rate is None else f"{m.ideal_rate:.0f}",
        "-" if m.ideal_rate is None else percent(m.steady_rate / m.ideal_rate),
        percent(cpu_demand(m)),
        percent(cpu_load(m)),
        fixed(m.cpu_ms_per_object),
        fixed(m.steady_cpu_ms_per_object),
        fixed(summary.get("queue_wait_seconds")),
        summary.get("commits", "-"),
        fixed(1000 * summary.get("commit_seconds_mean", 0.0), 1),
        rss,
        percent(m.simulator_share),
    )


# -- zero latency ------------------------------------------------------------


def zero_latency(plan: Plan, results: Results) -> Table:
    """Run every contestant with no latency, so that the CPU is the limit."""
    per_type = plan.zero_per_type
    table = Table(
        f"Zero latency (CPU-bound): {per_type} dashboards + {per_type} looks",
        f"python bench/run.py zero{plan.flag}",
        ["contestant", *SCALING_COLUMNS[1:]],
    )
    runs: dict[str, list[Measurement]] = {}
    with harness.simulator(mixed(per_type), 0.0) as sim:
        harness.warm(sim)
        for _ in range(plan.zero_rounds):
            for processes, threads in plan.zero_grid:
                m = harness.run_tool(sim, processes, threads)
                runs.setdefault(f"{processes}x{threads}", []).append(m)
            for mode in ("raw", "threadpool"):
                m = harness.run_baseline(sim, mode, 16)
                runs.setdefault(m.name, []).append(m)
    for measured in runs.values():
        m = _median_run(measured)
        results.zero.append(m)
        if m.summary:
            _add_tool_row(table, m)
        else:
            _add_baseline_row(table, m)
    table.notes += [
        "",
        "P x T rows are lookervault-batch; raw and threadpool are the "
        "single-process scripts of bench/baselines.py with 16 threads.  Each row "
        f"is the run with the median steady rate of {plan.zero_rounds} round(s).",
    ]
    return table


def _add_baseline_row(table: Table, m: Measurement) -> None:
    table.add(
        m.name,
        m.concurrency,
        m.stored,
        m.steady_rate,
        "-",
        "-",
        "-",
        percent(cpu_load(m)),
        fixed(m.cpu_ms_per_object),
        fixed(m.steady_cpu_ms_per_object),
        "-",
        "-",
        "-",
        megabytes(m.peak_rss["parent"]),
        percent(m.simulator_share),
    )


# -- memory ------------------------------------------------------------------


def memory(plan: Plan, results: Results) -> Table:
    """Measure the peak RSS of each of the tool's processes as content grows."""
    table = Table(
        "Memory: small objects, zero latency, 2 processes x 8 threads",
        f"python bench/run.py memory{plan.flag}",
        [
            "tool",
            "objects",
            "wall s",
            "wall obj/s",
            "CPU ms/obj",
            "peak RSS MB parent",
            "manager",
            "max worker",
            "all processes",
            "simulator CPU",
        ],
    )
    with plan.before_source() as before:
        for size in plan.memory_sizes:
            with harness.simulator(mixed(size // 2), 0.0, small=True) as sim:
                m = harness.run_tool(sim, 2, 8)
                results.memory.append(m)
                _add_memory_row(table, "this checkout", m)
                if before is not None:
                    m = harness.run_tool(sim, 2, 8, source=before)
                    results.memory_before.append(m)
                    _add_memory_row(table, plan.before_label, m)
    table.notes += [
        "",
        "Small bodies (simulator option small=True, about 4 KB each).  RSS is "
        f"sampled every {harness.SAMPLE_SECONDS * 1000:.0f} ms; all processes "
        "adds each process's own peak, an upper bound on the tree's peak.",
    ]
    if plan.before:
        table.notes.append(
            f"{plan.before_label}: the package as it was at {plan.before}, run "
            "right after this checkout's on the same simulator."
        )
    return table


def _add_memory_row(table: Table, tool: str, m: Measurement) -> None:
    table.add(
        tool,
        m.stored,
        m.wall_seconds,
        m.wall_rate,
        fixed(m.cpu_ms_per_object),
        megabytes(m.peak_rss["parent"]),
        megabytes(m.peak_rss["manager"]),
        megabytes(m.peak_rss["worker"]),
        megabytes(total_peak_rss(m)),
        percent(m.simulator_share),
    )


def total_peak_rss(m: Measurement) -> int:
    return (
        m.peak_rss["parent"]
        + m.peak_rss["manager"]
        + m.peak_rss["worker"] * (m.processes)
    )


# -- simulator capacity ------------------------------------------------------


def capacity(plan: Plan, results: Results) -> Table:
    """Measure the requests the simulator serves per second of its own CPU."""
    table = Table(
        "Simulator capacity at zero latency (one process, one core)",
        f"python bench/run.py capacity{plan.flag}",
        [
            "content",
            "requests",
            "client req/s",
            "simulator CPU s",
            "capacity req/s per core",
            "simulator CPU ms/req",
        ],
    )
    per_type = plan.capacity_per_type
    for label, small in (("design sizes", False), ("small bodies", True)):
        with harness.simulator(mixed(per_type), 0.0, small=small) as sim:
            harness.warm(sim)
            served, seconds, cpu = harness.load(sim, processes=2, threads=8)
        rate = served / max(cpu, 1e-9)
        results.capacity[label] = rate
        table.add(
            f"{per_type} dashboards + {per_type} looks, {label}",
            served,
            served / max(seconds, 1e-9),
            cpu,
            rate,
            fixed(1000 * cpu / max(served, 1), 3),
        )
    table.notes += [
        "",
        "Two load processes of 8 threads each GET every object twice from warm "
        "caches.  The clients share the cores with the simulator, so client "
        "req/s is a lower bound.  Capacity is requests over the simulator's own "
        "CPU seconds: what one core of simulator serves.",
    ]
    return table


# -- start-up ------------------------------------------------------------------

STARTUP_PER_TYPE = 8
# Short-lived processes are sampled this often, so that each one's CPU is read
# close to its exit.
STARTUP_SAMPLE_SECONDS = 0.005
STARTUP_COLUMNS = [
    "contestant",
    "objects",
    "CPU s",
    "parent",
    "manager",
    "workers",
    "other processes",
    "wall s",
    "first request s",
]


def startup(plan: Plan, results: Results) -> Table:
    """Measure the CPU a run spends on everything but its objects."""
    per_type = STARTUP_PER_TYPE
    table = Table(
        f"Start-up: {per_type} dashboards + {per_type} looks, zero latency",
        f"python bench/run.py startup{plan.flag}",
        STARTUP_COLUMNS,
    )
    runs: dict[str, list[Measurement]] = {}
    with plan.before_source() as before:
        with harness.simulator(mixed(per_type), 0.0) as sim:
            harness.warm(sim)
            for _ in range(plan.startup_rounds):
                for name, run in _startup_contestants(sim, before, plan):
                    runs.setdefault(name, []).append(run())
    for name, measured in runs.items():
        _add_startup_row(table, name, _median_by_cpu(measured))
    results.startup = runs
    table.notes += [
        "",
        f"Each row is the run with the median CPU of {plan.startup_rounds}.  "
        "CPU s: user + system of every process of the contestant "
        "(getrusage), exact.  parent, manager and workers (both summed) come "
        f"from psutil samples every {STARTUP_SAMPLE_SECONDS * 1000:.0f} ms, so "
        "each may miss the last few milliseconds of a process; other "
        "processes (the resource tracker) is the rest.  first request s: wall "
        "seconds from the launch to the first detail request.",
    ]
    return table


def _startup_contestants(sim, before: Path | None, plan: Plan):
    interval = STARTUP_SAMPLE_SECONDS
    yield TOOL_NAME, lambda: harness.run_tool(sim, 2, 8, interval=interval)
    if before is not None:
        yield (
            f"{plan.before_label}: {TOOL_NAME}",
            lambda: harness.run_tool(sim, 2, 8, source=before, interval=interval),
        )
    yield (
        BASELINE_NAMES["raw"],
        lambda: harness.run_baseline(sim, "raw", 16, interval=interval),
    )


def _median_by_cpu(measured: list[Measurement]) -> Measurement:
    return sorted(measured, key=lambda m: m.cpu_seconds)[len(measured) // 2]


def _add_startup_row(table: Table, name: str, m: Measurement) -> None:
    roles = m.cpu_by_role
    rest = m.cpu_seconds - sum(roles.values())
    table.add(
        name,
        m.stored,
        fixed(m.cpu_seconds),
        fixed(roles["parent"]),
        fixed(roles.get("manager")),
        fixed(roles.get("worker")),
        fixed(max(rest, 0.0)),
        fixed(m.wall_seconds),
        fixed(m.start_seconds),
    )
