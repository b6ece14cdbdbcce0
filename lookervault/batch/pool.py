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
"""

from __future__ import annotations

import logging
import queue
import signal
from collections import deque
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
        self.units: dict[int, tuple[int, str, list[str]]] = {}
        self.pending: deque[int] = deque()
        self.deaths: dict[int, int] = {}
        self.abandoned: list[int] = []
        self.done: set[int] = set()
        self._workers: dict[int, _Worker] = {}
        self._next_index = 0
        self._restarts = 0
        self.dispatching = True

    def start(self, units: list[tuple[int, str, list[str]]]) -> None:
        """Queue ``units`` and start the worker processes."""
        for unit in units:
            self.units[unit[0]] = unit
            self.pending.append(unit[0])
        for _ in range(self.size):
            self._spawn()

    def assign(self) -> None:
        """Top up every live worker's queue to a few units per thread."""
        if not self.dispatching:
            return
        depth = 2 * self.spec.threads
        for worker in self._workers.values():
            while (
                self.pending and len(worker.in_flight) < depth and not worker.stopping
            ):
                unit_id = self.pending.popleft()
                if unit_id in self.done:
                    continue
                worker.in_flight.add(unit_id)
                worker.tasks.put(self.units[unit_id])

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

    def complete(self, worker_index: int, unit_id: int) -> None:
        """Forget a unit once its rows are committed."""
        self.done.add(unit_id)
        worker = self._workers.get(worker_index)
        if worker is not None:
            worker.in_flight.discard(unit_id)

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
            if unit_id in self.done:
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
