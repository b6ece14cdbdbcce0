"""Run one backup, or one baseline script, against a simulator and measure it.

Every contestant runs as its own process tree, started from here:

* the tool is the real CLI, ``python -m lookervault run CONFIG --json``, with
  its parent, Manager and worker processes;
* a baseline is ``python bench/baselines.py MODE``, one process.

While it runs, :class:`TreeSampler` reads the CPU time and RSS of every
process in the tree every ``SAMPLE_SECONDS``.  The CPU total comes from
``getrusage(RUSAGE_CHILDREN)`` around the run, which counts every process the
tree reaped, including the CPU spent after the last sample.  The simulator's
request log dates every detail request, which gives the steady phase of a run.
"""

from __future__ import annotations

import compileall
import contextlib
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil

from lookervault.simulator import SimulatorConfig, SimulatorProcess

BENCH_DIR = Path(__file__).resolve().parent
REPO_DIR = BENCH_DIR.parent
BASELINES = BENCH_DIR / "baselines.py"
CLIENT_ID = "bench-client"
CLIENT_SECRET = "bench-secret-5be1"
SAMPLE_SECONDS = 0.05
# Detail endpoints of the types the benchmarks generate.
DETAIL_PREFIXES = ("/api/4.0/dashboards/", "/api/4.0/looks/")
RUN_TIMEOUT_SECONDS = 1800
# Rates and CPU per object are measured over the middle 80% of the detail
# requests, so that the start-up of worker processes, which a short run
# cannot amortize, and the last stragglers do not hide the steady rate.
STEADY_SHARE = 0.8
# Median tiles per generated dashboard.  Two make the content the design's
# numbers were measured on: dashboards of 58 KB on average (50 KB at the
# median) and looks of 14 KB.  The simulator's default, six, makes dashboards
# of 140 KB at the median, which the large-dashboard rows use.
DESIGN_TILES = 2.0
LARGE_TILES = 6.0


@contextlib.contextmanager
def simulator(
    counts: dict[str, int],
    latency_ms: float = 0.0,
    small: bool = False,
    tiles: float = DESIGN_TILES,
):
    """Start a simulator serving ``counts`` objects; stop it afterwards."""
    config = SimulatorConfig(
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        counts=dict(counts),
        latency_ms=latency_ms,
        small=small,
        dashboard_tiles=tiles,
    )
    with SimulatorProcess(config) as sim:
        yield sim


def credentials_env() -> dict[str, str]:
    return {
        **os.environ,
        "LOOKERSDK_CLIENT_ID": CLIENT_ID,
        "LOOKERSDK_CLIENT_SECRET": CLIENT_SECRET,
    }


def baseline_command(sim: SimulatorProcess, mode: str, threads: int, *extra: str):
    """Return the command line of one mode of ``baselines.py`` against ``sim``."""
    return [
        sys.executable,
        str(BASELINES),
        mode,
        "--base-url",
        sim.base_url,
        "--threads",
        str(threads),
        *extra,
    ]


def warm(sim: SimulatorProcess, threads: int = 32) -> None:
    """Request every object once, so that later runs find rendered bodies.

    The simulator renders a body on its first request and caches it; without
    this, the first contestant would pay for the rendering in shared CPU.
    """
    command = baseline_command(sim, "load", threads)
    subprocess.run(
        command, env=credentials_env(), check=True, capture_output=True, timeout=600
    )


def load(sim: SimulatorProcess, processes: int, threads: int, repeat: int = 2):
    """GET every object ``repeat`` times from several load processes at once.

    Return (detail requests served, wall seconds, simulator CPU seconds).
    """
    command = baseline_command(sim, "load", threads, "--repeat", str(repeat))
    cpu_before = sim.stats()["cpu_seconds"]
    started = time.monotonic()
    children = [
        subprocess.Popen(command, env=credentials_env(), stdout=subprocess.PIPE)
        for _ in range(processes)
    ]
    outputs = [child.communicate(timeout=RUN_TIMEOUT_SECONDS)[0] for child in children]
    seconds = time.monotonic() - started
    cpu = sim.stats()["cpu_seconds"] - cpu_before
    for child in children:
        if child.returncode != 0:
            raise RuntimeError(f"load process exited with {child.returncode}")
    served = sum(json.loads(output)["requests"] for output in outputs)
    return served, seconds, cpu


@dataclass
class ProcessRecord:
    """The CPU time and peak RSS the sampler read for one process."""

    pid: int
    role: str
    created: float
    cpu_seconds: float = 0.0
    peak_rss: int = 0


class TreeSampler(threading.Thread):
    """Sample the CPU and RSS of a process and its descendants until stopped.

    The root's role is ``parent``.  For the tool, the first ``spawn`` child is
    the Manager, because it starts before the pool, and later ones are workers.
    """

    def __init__(self, root_pid: int, tool: bool, interval: float = SAMPLE_SECONDS):
        super().__init__(name="tree-sampler", daemon=True)
        self.root_pid = root_pid
        self.tool = tool
        self.interval = interval
        self.records: dict[int, ProcessRecord] = {}
        # (time.time(), CPU seconds of every process seen so far).
        self.timeline: list[tuple[float, float]] = []
        self._processes: dict[int, psutil.Process] = {}
        self._stopping = threading.Event()

    def run(self) -> None:
        while not self._stopping.is_set():
            self.sample()
            self._stopping.wait(self.interval)

    def stop(self) -> None:
        self._stopping.set()
        self.join()

    def sample(self) -> None:
        try:
            root = self._processes.setdefault(
                self.root_pid, psutil.Process(self.root_pid)
            )
            tree = [root, *root.children(recursive=True)]
        except psutil.Error:
            return
        # New processes in start order, so that the Manager is told from the
        # workers even when a sample sees them all for the first time.
        known = [process for process in tree if process.pid in self.records]
        new = [process for process in tree if process.pid not in self.records]
        for process in [*known, *sorted(new, key=_created)]:
            self._read(process)
        total = sum(record.cpu_seconds for record in self.records.values())
        self.timeline.append((time.time(), total))

    def _read(self, process: psutil.Process) -> None:
        try:
            with process.oneshot():
                times = process.cpu_times()
                rss = process.memory_info().rss
                record = self.records.get(process.pid)
                if record is None:
                    record = self._new_record(process)
        except psutil.Error:
            return
        record.cpu_seconds = times.user + times.system
        record.peak_rss = max(record.peak_rss, rss)

    def _new_record(self, process: psutil.Process) -> ProcessRecord:
        record = ProcessRecord(process.pid, "helper", process.create_time())
        if process.pid == self.root_pid:
            record.role = "parent"
        elif "resource_tracker" in " ".join(process.cmdline()):
            record.role = "tracker"
        elif self.tool:
            spawned = [
                r for r in self.records.values() if r.role in ("manager", "worker")
            ]
            record.role = "worker" if spawned else "manager"
        self._processes[process.pid] = process
        self.records[process.pid] = record
        return record

    def cpu_at(self, moment: float) -> float:
        """CPU seconds of the tree at ``moment``, interpolated between samples."""
        points = self.timeline
        if not points:
            return 0.0
        if moment <= points[0][0]:
            return points[0][1]
        for (t0, c0), (t1, c1) in zip(points, points[1:], strict=False):
            if t0 <= moment <= t1:
                return c0 + (c1 - c0) * (moment - t0) / max(t1 - t0, 1e-9)
        return points[-1][1]

    def by_role(self, role: str) -> list[ProcessRecord]:
        return [r for r in self.records.values() if r.role == role]


def _created(process: psutil.Process) -> float:
    try:
        return process.create_time()
    except psutil.Error:
        return float("inf")


@dataclass
class Measurement:
    """One contestant's run over one simulator's content."""

    name: str
    processes: int
    threads: int
    latency_ms: float
    listed: int
    stored: int
    wall_seconds: float
    cpu_seconds: float
    requests: int
    detail_requests: int
    # The steady phase: the middle STEADY_SHARE of the detail requests.
    steady_objects: int
    steady_seconds: float
    steady_cpu_seconds: float
    simulator_cpu_seconds: float
    # Wall seconds from the launch to the first detail request, and from the
    # last detail request to the exit: start-up and listing, then the end.
    start_seconds: float
    end_seconds: float
    peak_rss: dict[str, int] = field(default_factory=dict)
    cpu_by_role: dict[str, float] = field(default_factory=dict)
    summary: dict = field(default_factory=dict)
    result: dict = field(default_factory=dict)

    @property
    def concurrency(self) -> int:
        return self.processes * self.threads

    @property
    def ideal_rate(self) -> float | None:
        """Objects/s that C requests in flight can reach at L latency, C / L."""
        if not self.latency_ms:
            return None
        return self.concurrency / (self.latency_ms / 1000.0)

    @property
    def steady_rate(self) -> float:
        """Objects/s in the steady phase: no start-up, listing or last stragglers."""
        return self.steady_objects / max(self.steady_seconds, 1e-9)

    @property
    def wall_rate(self) -> float:
        """Objects/s over the whole process run, startup included."""
        return self.stored / max(self.wall_seconds, 1e-9)

    @property
    def cpu_ms_per_object(self) -> float:
        return 1000.0 * self.cpu_seconds / max(self.stored, 1)

    @property
    def steady_cpu_ms_per_object(self) -> float:
        return 1000.0 * self.steady_cpu_seconds / max(self.steady_objects, 1)

    @property
    def requests_per_object(self) -> float:
        return self.requests / max(self.stored, 1)

    @property
    def simulator_share(self) -> float:
        """The simulator's CPU over the run, as a fraction of one core."""
        return self.simulator_cpu_seconds / max(self.wall_seconds, 1e-9)

    def as_dict(self) -> dict:
        values = dict(self.__dict__)
        for name in (
            "concurrency",
            "ideal_rate",
            "steady_rate",
            "wall_rate",
            "cpu_ms_per_object",
            "steady_cpu_ms_per_object",
            "requests_per_object",
            "simulator_share",
        ):
            values[name] = getattr(self, name)
        return values


def run_tool(
    sim: SimulatorProcess,
    processes: int,
    threads: int,
    database: Path | None = None,
    backup: dict[str, float] | None = None,
    source: Path = REPO_DIR,
    interval: float = SAMPLE_SECONDS,
) -> Measurement:
    """Back up ``sim`` with the real CLI and measure the whole process tree.

    Each run begins a new snapshot, in ``database`` when given (so that a
    later run finds this one's snapshot), else in a scratch file.  ``backup``
    adds numeric keys to the config's ``[backup]`` table.  ``source`` is the
    tree the ``lookervault`` package is imported from: this checkout, or an
    earlier commit's from :func:`source_at`.  ``interval`` is the seconds
    between samples of each process's CPU and RSS.
    """
    _byte_compile(source)
    with scratch() as directory:
        config = directory / "config.toml"
        database = database or directory / "backup.db"
        settings = "".join(
            f"{key} = {value}\n" for key, value in (backup or {}).items()
        )
        config.write_text(
            f'[looker]\nbase_url = "{sim.base_url}"\n\n'
            f'[backup]\ndatabase = "{database}"\n{settings}'
        )
        command = [
            sys.executable,
            "-m",
            "lookervault",
            "run",
            str(config),
            "--json",
            "--no-progress",
            "--quiet",
            "--fresh",
            "--processes",
            str(processes),
            "--threads",
            str(threads),
        ]
        name = f"lookervault-batch {processes}x{threads}"
        measurement = _measure(
            sim, name, command, processes, threads, True, source, interval
        )
    summary = measurement.summary
    measurement.listed = summary["totals"]["listed"]
    measurement.stored = summary["totals"]["stored"]
    return measurement


def run_baseline(
    sim: SimulatorProcess,
    mode: str,
    threads: int,
    max_seconds: float = 0.0,
    interval: float = SAMPLE_SECONDS,
) -> Measurement:
    """Run one mode of ``baselines.py`` against ``sim`` and measure it."""
    with scratch() as directory:
        database = str(directory / "baseline.db")
        command = baseline_command(sim, mode, threads, "--database", database)
        if max_seconds:
            command += ["--max-seconds", str(max_seconds)]
        name = f"{mode} 1x{threads}"
        measurement = _measure(sim, name, command, 1, threads, interval=interval)
    measurement.listed = measurement.result["listed"]
    measurement.stored = measurement.result["stored"]
    return measurement


_COMPILED: set[Path] = set()


def _byte_compile(source: Path) -> None:
    """Write the package's .pyc files, as pip does when it installs it.

    Without them every run would compile again each module it imports: a git
    archive has none, and where PYTHONDONTWRITEBYTECODE is set, as on the
    machine of bench/README.md, Python writes none.
    """
    if source not in _COMPILED:
        compileall.compile_dir(source / "lookervault", quiet=1)
        _COMPILED.add(source)


@contextlib.contextmanager
def source_at(revision: str):
    """Yield a directory holding the ``lookervault`` package at ``revision``.

    Runs of the tool from it measure an earlier commit beside this one, on
    the same simulator, in the same session.
    """
    with scratch() as directory:
        archive = subprocess.run(
            ["git", "-C", str(REPO_DIR), "archive", revision, "lookervault"],
            check=True,
            capture_output=True,
        )
        subprocess.run(
            ["tar", "-x", "-C", str(directory)], input=archive.stdout, check=True
        )
        yield directory


@contextlib.contextmanager
def scratch():
    """Yield a new temporary directory; remove it afterwards."""
    directory = Path(tempfile.mkdtemp(prefix="lookervault-bench-"))
    try:
        yield directory
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def _measure(
    sim,
    name,
    command,
    processes,
    threads,
    tool=False,
    cwd=REPO_DIR,
    interval=SAMPLE_SECONDS,
) -> Measurement:
    sim.reset()
    simulator_before = sim.stats()["cpu_seconds"]
    usage_before = _children_cpu()
    launched = time.time()
    # ``python -m`` imports from the working directory first.
    child = subprocess.Popen(
        command,
        env=credentials_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=cwd,
    )
    sampler = TreeSampler(child.pid, tool, interval)
    sampler.start()
    try:
        stdout, stderr = child.communicate(timeout=RUN_TIMEOUT_SECONDS)
    finally:
        sampler.stop()
        if child.poll() is None:
            child.kill()
            child.wait()
    exited = time.time()
    cpu = _children_cpu() - usage_before
    simulator_cpu = sim.stats()["cpu_seconds"] - simulator_before
    if child.returncode != 0:
        raise RuntimeError(
            f"{name} exited with {child.returncode}: {stderr.decode()[-2000:]}"
        )
    output = json.loads(stdout)
    run = _Run(name, processes, threads, tool, launched, exited, cpu, simulator_cpu)
    return _measurement(run, sim, sampler, output)


@dataclass
class _Run:
    """A finished run's facts that ``_measure`` reads before the simulator's."""

    name: str
    processes: int
    threads: int
    tool: bool
    # time.time() at the launch and at the exit of the contestant.
    launched: float
    exited: float
    cpu_seconds: float
    simulator_cpu_seconds: float


def _measurement(run: _Run, sim, sampler, output) -> Measurement:
    entries = sim.log()
    details = sorted(e["t"] for e in entries if _is_detail(e["path"]))
    first, last = _steady_bounds(len(details))
    if last > first:
        steady_start, steady_end = details[first], details[last]
    else:
        steady_start = steady_end = 0.0
    steady_cpu = sampler.cpu_at(steady_end) - sampler.cpu_at(steady_start)
    peak_rss = {"parent": _peak(sampler, "parent")}
    cpu_by_role = {"parent": _cpu(sampler, "parent")}
    if run.tool:
        for role in ("manager", "worker"):
            peak_rss[role] = _peak(sampler, role)
            cpu_by_role[role] = _cpu(sampler, role)
    return Measurement(
        name=run.name,
        processes=run.processes,
        threads=run.threads,
        latency_ms=sim.config.latency_ms,
        listed=0,
        stored=0,
        wall_seconds=run.exited - run.launched,
        cpu_seconds=run.cpu_seconds,
        requests=len(entries),
        detail_requests=len(details),
        steady_objects=last - first,
        steady_seconds=steady_end - steady_start,
        steady_cpu_seconds=steady_cpu,
        simulator_cpu_seconds=run.simulator_cpu_seconds,
        start_seconds=details[0] - run.launched if details else 0.0,
        end_seconds=run.exited - details[-1] if details else 0.0,
        peak_rss=peak_rss,
        cpu_by_role=cpu_by_role,
        summary=output if run.tool else {},
        result={} if run.tool else output,
    )


def _steady_bounds(count: int) -> tuple[int, int]:
    """Return the indexes of the first and last detail request of the steady phase."""
    cut = int(count * (1 - STEADY_SHARE) / 2)
    return cut, count - 1 - cut


def _is_detail(path: str) -> bool:
    return path.startswith(DETAIL_PREFIXES) and not path.endswith("/search")


def _peak(sampler: TreeSampler, role: str) -> int:
    """The largest peak RSS of one process in ``role``, in bytes."""
    return max((r.peak_rss for r in sampler.by_role(role)), default=0)


def _cpu(sampler: TreeSampler, role: str) -> float:
    return sum(r.cpu_seconds for r in sampler.by_role(role))


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime
