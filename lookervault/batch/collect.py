"""The parent's loop: feed the pool, drain results into SQLite, draw progress.

Rows are committed in batches, because one transaction per object would
spend the run in fsync; a batch closes at ``BATCH_OBJECTS`` objects,
``BATCH_BYTES`` of compressed data or ``BATCH_SECONDS`` of age, whichever
comes first, so memory stays bounded and little is lost to a crash.
"""

from __future__ import annotations

import logging
import time

from lookervault import bodies
from lookervault.batch.counters import Counters
from lookervault.batch.pool import MAX_UNIT_DEATHS, WorkerPool
from lookervault.batch.progress import Progress
from lookervault.errors import LookerUnreachable, WorkersFailed
from lookervault.looker.login import OwnLogin
from lookervault.store.writer import SnapshotWriter

log = logging.getLogger(__name__)

BATCH_OBJECTS = 500
BATCH_BYTES = 32 * 1024 * 1024
BATCH_SECONDS = 0.5
PROGRESS_SECONDS = 0.25
# How long one wait on the results queue may block the loop.
RECEIVE_TIMEOUT = 0.1
MIN_UNANSWERED = 10
# After Ctrl-C or SIGTERM, seconds the units in hand get to arrive.
STOP_GRACE_SECONDS = 3.0


class StopRequest:
    """Set by the first SIGINT or SIGTERM; the collector then winds down."""

    def __init__(self):
        self.requested = False


class Collector:
    """Run the units of one snapshot on ``pool`` and commit what comes back."""

    def __init__(
        self,
        writer: SnapshotWriter,
        pool: WorkerPool,
        counters: Counters,
        progress: Progress,
        tokens: OwnLogin,
    ):
        self.writer = writer
        self.pool = pool
        self.counters = counters
        self.progress = progress
        # Workers cannot log in, so this loop renews the token they share.
        self.tokens = tokens
        self.queue_wait_seconds = 0.0
        # Two objects per thread in a row with no response means Looker is
        # down, not one object misbehaving: stop rather than fail them all.
        self.unanswered_limit = max(MIN_UNANSWERED, 2 * pool.size * pool.spec.threads)
        self._objects: list = []
        self._failures: list = []
        self._units: list[int] = []
        self._bytes = 0
        self._batch_started = time.monotonic()
        self._last_progress = 0.0

    def run(self, stop: StopRequest) -> bool:
        """Commit every unit's rows as they arrive; return False if stopped.

        Once ``stop`` is requested, no more units are handed out and the units
        in hand get ``STOP_GRACE_SECONDS`` to arrive before the loop returns.
        Raises if the pool cannot go on.
        """
        stop_by = None
        while not self.pool.finished:
            if stop.requested and stop_by is None:
                stop_by = time.monotonic() + STOP_GRACE_SECONDS
                self.pool.stop_dispatch()
            if stop_by is not None and (
                time.monotonic() > stop_by or self.pool.all_exited
            ):
                break
            self.pool.assign()
            message = self._receive()
            if message is not None:
                self._handle(message)
            self._watch_workers()
            self._check_looker_answers()
            self.tokens.keep_fresh()
            if self._batch_due():
                self.flush()
            self._show_progress()
        self.flush()
        self.progress.update(self.counters.read())
        return self.pool.finished

    def flush(self) -> None:
        """Commit every buffered row and mark its units done."""
        if self._objects or self._failures or self._units:
            self.writer.write(self._objects, self._failures, self._units)
        self._objects, self._failures, self._units = [], [], []
        self._bytes = 0
        self._batch_started = time.monotonic()

    def _receive(self):
        started = time.perf_counter()
        message = self.pool.receive(RECEIVE_TIMEOUT)
        self.queue_wait_seconds += time.perf_counter() - started
        return message

    def _handle(self, message) -> None:
        kind = message[0]
        if kind == "unit":
            _, worker, unit_id, objects, failures = message
            if self.pool.complete(worker, unit_id):
                self._buffer(objects, failures, unit_id)
        elif kind == "log":
            _, level, name, text = message
            logging.getLogger(name).log(level, "%s", text)
        elif kind == "ready":
            log.debug("worker %d is taking work", message[1])

    def _buffer(self, objects, failures, unit_id: int) -> None:
        self._objects.extend(objects)
        self._failures.extend(failures)
        self._units.append(unit_id)
        self._bytes += sum(len(row.data) for row in objects)

    def _check_looker_answers(self) -> None:
        streak = self.counters.unanswered_streak
        if streak >= self.unanswered_limit:
            raise LookerUnreachable(
                f"Looker stopped responding: the last {streak} objects got no "
                "response after every retry; check the instance and the network, "
                "then run the same command again to continue the snapshot"
            )

    def _watch_workers(self) -> None:
        for event in self.pool.check_workers():
            log.warning("%s", event)
        if self.pool.exhausted:
            raise WorkersFailed(
                "worker processes keep dying; see the messages above, and check "
                "memory limits (dmesg shows OOM kills)"
            )
        while self.pool.abandoned:
            unit = self.pool.give_up(self.pool.abandoned.pop())
            if unit is not None:
                self._give_up(unit)

    def _give_up(self, unit) -> None:
        unit_id, kind, ids = unit
        message = (
            f"a worker process died {MAX_UNIT_DEATHS} times while this unit "
            "was in flight; the object may crash the parser or exhaust memory"
        )
        log.error("giving up on %d %s: %s", len(ids), kind, message)
        self._failures.extend(bodies.failure(kind, i, None, message) for i in ids)
        self._units.append(unit_id)
        self.counters.add(kind, "failed", len(ids))

    def _batch_due(self) -> bool:
        if not (self._objects or self._failures or self._units):
            return False
        return (
            len(self._objects) + len(self._failures) >= BATCH_OBJECTS
            or self._bytes >= BATCH_BYTES
            or time.monotonic() - self._batch_started >= BATCH_SECONDS
        )

    def _show_progress(self) -> None:
        now = time.monotonic()
        if now - self._last_progress >= PROGRESS_SECONDS:
            self._last_progress = now
            self.progress.update(self.counters.read())
