"""The worker process: fetch units of work on M threads.

Everything here runs in a child process started with ``spawn`` or
``forkserver``; the client and its sessions are built inside the child.  A
worker never prints, never logs in and never touches SQLite: it sends the
token the parent published, sends rows to the parent over the results queue
and adds to the shared counters.  Nothing it imports loads looker-sdk.

Messages put on the results queue (all picklable tuples):

* ``("ready", worker)``: started and taking work;
* ``("unit", worker, unit_id, objects, failures)``: one unit, fully handled;
* ``("log", level, logger_name, message)``: a log record for the parent.
"""

from __future__ import annotations

import ctypes
import logging
import queue
import threading
from dataclasses import dataclass
from urllib.parse import quote

from lookervault import bodies, catalog
from lookervault.batch.counters import Counters
from lookervault.batch.orphan import start_helper_process
from lookervault.config import Credentials
from lookervault.errors import LookerVaultError
from lookervault.looker.client import LookerClient
from lookervault.looker.fetcher import Fetcher
from lookervault.looker.ratelimit import RateLimiter
from lookervault.looker.retry import RetryPolicy
from lookervault.looker.route import Route
from lookervault.looker.tokens import SharedLogin, SharedToken
from lookervault.store.rows import ObjectRow

log = logging.getLogger(__name__)

# How often an idle thread checks whether the parent asked it to stop.
TASK_POLL_SECONDS = 0.5
# glibc's mallopt() parameter number for the maximum count of malloc arenas.
M_ARENA_MAX = -8


@dataclass(frozen=True)
class WorkerSpec:
    """What every worker process needs.

    Passed to each process at start (the shared values cannot be sent
    later).  ``credentials`` carry no client secret: workers never log in.
    ``route`` is the proxy and CA bundle the parent read from the environment.
    """

    credentials: Credentials
    route: Route
    token: SharedToken
    threads: int
    log_level: int
    policy: RetryPolicy
    limiter: RateLimiter
    # Set by the parent to stop taking units (Ctrl-C); units in hand finish.
    stop: object


def worker_main(index: int, spec: WorkerSpec, tasks, results, counters: Counters):
    """Run one worker process until it reads the stop sentinel (``None``).

    ``tasks`` is this worker's own ``multiprocessing.Queue`` of
    ``(unit_id, type, ids)``; ``results`` is the shared Manager queue.
    """
    start_helper_process()
    _limit_malloc_arenas()
    _forward_logs(results, spec.log_level)
    tokens = SharedLogin(spec.token)
    client = LookerClient(spec.credentials, tokens, spec.route, pool_size=spec.threads)
    results.put(("ready", index))

    fetcher = Fetcher(client, spec.policy, spec.limiter, counters)
    threads = [
        threading.Thread(target=_work, args=(index, fetcher, tasks, results, spec.stop))
        for _ in range(spec.threads)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    client.close()


def _work(index: int, fetcher: Fetcher, tasks, results, stop) -> None:
    while not stop.is_set():
        try:
            task = tasks.get(timeout=TASK_POLL_SECONDS)
        except queue.Empty:
            continue
        if task is None:
            return
        unit_id, kind, ids = task
        objects, failures = fetch_unit(fetcher, catalog.BY_NAME[kind], ids)
        try:
            results.put(("unit", index, unit_id, objects, failures))
        except (EOFError, OSError):
            # The results queue is gone with its process; the parent has
            # noticed and will stop this worker, so leave without a traceback.
            return


def fetch_unit(fetcher: Fetcher, content_type, ids):
    """Fetch every object of one unit; return (object rows, failure rows)."""
    objects, failures = [], []
    for object_id in ids:
        try:
            row = fetch_object(fetcher, content_type, object_id)
        except Exception as exc:
            # An error no handler expected fails this object, not the thread:
            # a thread that died would hold its unit forever.
            log.debug("%s %s", content_type.name, object_id, exc_info=True)
            message = f"unexpected error: {type(exc).__name__}: {exc}"
            row = _failed(
                fetcher.counters, content_type.name, object_id, None, message, 1
            )
        if isinstance(row, ObjectRow):
            objects.append(row)
        else:
            failures.append(row)
    return objects, failures


def fetch_object(fetcher: Fetcher, content_type, object_id: str):
    """GET one object's detail endpoint and pack it, or describe why not."""
    kind = content_type.name
    counters = fetcher.counters
    path = content_type.detail_url_path(quote(object_id, safe=""))
    try:
        outcome = fetcher.get(kind, path)
    except LookerVaultError as exc:
        return _failed(counters, kind, object_id, None, str(exc), 1)

    response, attempts = outcome.response, outcome.attempts
    if outcome.error is not None:
        reason = fetcher.client.describe(outcome.error, path)
        message = f"request failed after {attempts} attempts: {reason}"
        return _failed(counters, kind, object_id, None, message, attempts)

    body = response.content
    counters.add(kind, "bytes", len(body))
    if response.status_code != 200:
        status = response.status_code
        message = f"HTTP {status}: {bodies.error_message(body)}"
        return _failed(counters, kind, object_id, status, message, attempts, body)

    try:
        row = bodies.pack(kind, object_id, body, expected=content_type.body_type)
    except bodies.MalformedBody as exc:
        return _failed(counters, kind, object_id, 200, str(exc), attempts, body)
    counters.add(kind, "fetched")
    return row


def _failed(counters, kind, object_id, status, message, attempts, body=None):
    """Count and log one failed object, and build its failure row."""
    log.warning("%s %s failed: %s", kind, object_id, message)
    counters.add(kind, "failed")
    return bodies.failure(kind, object_id, status, message, attempts, body)


def _limit_malloc_arenas() -> None:
    """Cap glibc's per-thread malloc arenas at two for this process.

    Each thread otherwise gets an arena that keeps the peak of the response
    buffers it has held; at 2 processes x 16 threads this cut a worker's peak
    RSS from 95 to 73 MB in bench/, at no measurable CPU cost.  Elsewhere
    than glibc this does nothing.
    """
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(M_ARENA_MAX, 2)
    except (OSError, AttributeError):
        pass


class _QueueLogHandler(logging.Handler):
    """Send log records to the parent, which owns stderr and the bars."""

    def __init__(self, results, level):
        super().__init__(level)
        self.results = results

    def emit(self, record):
        try:
            self.results.put(("log", record.levelno, record.name, self.format(record)))
        except Exception:  # the parent is gone; nothing is left to tell
            pass


def _forward_logs(results, level: int) -> None:
    root = logging.getLogger()
    root.handlers[:] = [_QueueLogHandler(results, level)]
    root.setLevel(level)
