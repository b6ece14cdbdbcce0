"""A pool of worker processes, each fed its own queue of work units.

Data flow::

    parent                          worker process i (M threads)
    ──────                          ────────────────────────────
    WorkerPool.assign() ──tasks[i]──> thread: get unit, GET each object,
      (multiprocessing.Queue,         pack rows, add to Counters
       a few units per thread)                 │
                                               ▼
    WorkerPool.receive() <───── results (Manager queue, bounded) ──┘
      the collector writes SQLite

The parent decides which worker holds which unit, so it always knows what a
worker had in flight: when a worker process dies (killed, out of memory),
those units are handed to the others and a replacement is started.  A unit
that was in flight in ``MAX_UNIT_DEATHS`` dead workers is given up on, so a
body that crashes workers cannot loop forever.

Units come from an iterator (read from SQLite a page at a time) and are
drawn only to top up the workers' queues, so the pool keeps the units in
flight, not the whole run's.
"""

from __future__ import annotations

import logging
import queue
import signal
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from multiprocessing.context import BaseContext

from lookervault.batch.counters import Counters
from lookervault.batch.worker import WorkerSpec, worker_main
from lookervault.errors import WorkersFailed

log = logging.getLogger(__name__)

MAX_UNIT_DEATHS = 3
# Replacements allowed per original worker before the run is abandoned.
MAX_RESTARTS_PER_WORKER = 3
# Seconds a worker gets to finish after its stop sentinels before it is killed.
STOP_GRACE_SECONDS = 5.0


@dataclass
class _Worker:
    index: int
    process: object
    tasks: object
    in_flight: set[int] = field(default_factory=set)
    stopping: bool = False


class WorkerPool:
    """Start, feed, watch and stop the worker processes of one run."""

    def __init__(
        self,
        context: BaseContext,
        spec: WorkerSpec,
        processes: int,
        results,
        counters: Counters,
    ):
        self.context = context
        self.spec = spec
        self.size = processes
        self.results = results
        self.counters = counters
        # Units drawn from the feed and neither committed nor given up on.
        self.units: dict[int, tuple[int, str, list[str]]] = {}
        # Units of dead workers, handed out again before new ones.
        self.pending: deque[int] = deque()
        self.deaths: dict[int, int] = {}
        self.abandoned: list[int] = []
        self._feed: Iterator[tuple[int, str, list[str]]] = iter(())
        self._fed = False
        self._workers: dict[int, _Worker] = {}
        self._next_index = 0
        self._restarts = 0
        self.dispatching = True

    def start(self, units: Iterator[tuple[int, str, list[str]]]) -> None:
        """Take units from ``units`` as workers need them; start the workers."""
        self._feed = iter(units)
        for _ in range(self.size):
            self._spawn()

    @property
    def finished(self) -> bool:
        """True when every unit is committed or given up on."""
        return self._fed and not self.units

    def assign(self) -> None:
        """Top up every live worker's queue to a few units per thread."""
        if not self.dispatching:
            return
        depth = 2 * self.spec.threads
        for worker in self._workers.values():
            while len(worker.in_flight) < depth and not worker.stopping:
                unit = self._next_unit()
                if unit is None:
                    break
                worker.in_flight.add(unit[0])
                worker.tasks.put(unit)

    def _next_unit(self):
        while self.pending:
            unit_id = self.pending.popleft()
            if unit_id in self.units:
                return self.units[unit_id]
        if self._fed:
            return None
        unit = next(self._feed, None)
        if unit is None:
            self._fed = True
            return None
        self.units[unit[0]] = unit
        return unit

    def receive(self, timeout: float):
        """Return the next message from the workers, or None after ``timeout``."""
        try:
            return self.results.get(timeout=timeout)
        except queue.Empty:
            return None
        except (EOFError, OSError) as exc:
            raise WorkersFailed(
                "the process that carries results from the workers died "
                f"({type(exc).__name__}); "
                "run the same command again to continue the snapshot"
            ) from None

    def complete(self, worker_index: int, unit_id: int) -> bool:
        """Forget a unit whose rows arrived; return False if it was already
        complete (a dead worker's unit done twice) or given up on."""
        worker = self._workers.get(worker_index)
        if worker is not None:
            worker.in_flight.discard(unit_id)
        return self.units.pop(unit_id, None) is not None

    def give_up(self, unit_id: int):
        """Forget an abandoned unit; return it, or None if it completed since."""
        return self.units.pop(unit_id, None)

    def check_workers(self) -> list[str]:
        """Replace dead workers, re-queue their units; return what happened."""
        events = []
        for worker in list(self._workers.values()):
            code = worker.process.exitcode
            if code is None or worker.stopping or not self.dispatching:
                continue
            events.append(self._replace(worker, code))
        return events

    def stop_dispatch(self) -> None:
        """Hand out no more units; threads finish the unit in hand and exit."""
        self.dispatching = False
        self.spec.stop.set()

    @property
    def all_exited(self) -> bool:
        """True when no worker process is alive."""
        return all(not w.process.is_alive() for w in self._workers.values())

    def stop(self, grace: float = STOP_GRACE_SECONDS) -> None:
        """Send stop sentinels, wait up to ``grace`` seconds, then kill."""
        for worker in self._workers.values():
            worker.stopping = True
            for _ in range(self.spec.threads):
                _put_quietly(worker.tasks, None)
        for worker in self._workers.values():
            worker.process.join(grace)
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join()

    def kill(self) -> None:
        """Kill every worker at once."""
        for worker in self._workers.values():
            worker.stopping = True
            if worker.process.is_alive():
                worker.process.kill()
        for worker in self._workers.values():
            worker.process.join()

    def _spawn(self) -> None:
        index = self._next_index
        self._next_index += 1
        tasks = self.context.Queue()
        process = self.context.Process(
            target=worker_main,
            args=(index, self.spec, tasks, self.results, self.counters),
            name=f"lookervault-worker-{index}",
            daemon=True,
        )
        process.start()
        log.debug("worker %d started as pid %d", index, process.pid)
        self._workers[index] = _Worker(index, process, tasks)

    def _replace(self, worker: _Worker, exit_code: int) -> str:
        del self._workers[worker.index]
        cause = _describe_exit(exit_code)
        lost = sorted(worker.in_flight)
        for unit_id in lost:
            if unit_id not in self.units:
                continue
            self.deaths[unit_id] = self.deaths.get(unit_id, 0) + 1
            if self.deaths[unit_id] >= MAX_UNIT_DEATHS:
                self.abandoned.append(unit_id)
            else:
                self.pending.appendleft(unit_id)
        self._restarts += 1
        if self._restarts > MAX_RESTARTS_PER_WORKER * self.size:
            return f"worker {worker.index} {cause}; too many worker deaths to go on"
        self._spawn()
        return f"worker {worker.index} {cause}; {len(lost)} units handed to others"

    @property
    def exhausted(self) -> bool:
        """True when workers died so often that the pool gave up replacing them."""
        return self._restarts > MAX_RESTARTS_PER_WORKER * self.size


def _describe_exit(code: int) -> str:
    if code < 0:
        try:
            return f"was killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"was killed by signal {-code}"
    return f"exited with code {code}"


def _put_quietly(tasks, item) -> None:
    try:
        tasks.put(item)
    except (OSError, ValueError):
        pass
