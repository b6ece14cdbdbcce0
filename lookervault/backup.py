"""One backup run, from config to summary: the steps ``run`` takes.

1. start the bundled simulator if the config asks for one;
2. resolve credentials and log in from the parent, so bad settings fail fast;
3. open and lock the database; continue its unfinished snapshot or begin one;
4. list every content type and record the plan with the listed content;
5. fetch the units not yet committed on the worker pool;
6. reconcile the counts, mark the snapshot and return the summary.

A run whose snapshot stopped early (Ctrl-C, a kill, a crash) is continued by
the next run with the same instance and content types: only units not yet
committed are fetched, so the finished snapshot is the one a single
uninterrupted run would have made.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import signal
import time
from dataclasses import asdict, dataclass
from multiprocessing.managers import SyncManager

from lookervault import __version__, catalog
from lookervault.batch import plan
from lookervault.batch.collect import Collector, StopRequest
from lookervault.batch.counters import Counters
from lookervault.batch.incremental import (
    base_snapshot,
    carry_unchanged,
    changed_silently,
)
from lookervault.batch.orphan import start_helper_process
from lookervault.batch.pool import WorkerPool
from lookervault.batch.progress import Progress
from lookervault.batch.worker import WorkerSpec
from lookervault.config import RunConfig
from lookervault.errors import (
    Interrupted,
    LookerUnreachable,
    LookerVaultError,
    StoreUnusable,
)
from lookervault.instance import looker_instance
from lookervault.looker.fetcher import Fetcher
from lookervault.looker.login import logged_in_client
from lookervault.looker.ratelimit import RateLimiter
from lookervault.looker.retry import RetryPolicy
from lookervault.looker.tokens import SharedToken
from lookervault.store import reader
from lookervault.store.database import open_database
from lookervault.store.lock import exclusive_run
from lookervault.store.staging import ListedIds
from lookervault.store.writer import SnapshotWriter
from lookervault.summary import Summary, reconcile

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RunOptions:
    """Choices from the command line that are not part of the config."""

    progress: bool = True
    log_level: int = logging.INFO
    # Begin a new snapshot even if the last one can be continued.
    fresh: bool = False
    # Fetch every object, even those unchanged since the last snapshot.
    full: bool = False


def run_backup(config: RunConfig, options: RunOptions = RunOptions()) -> Summary:
    """Back up the instance ``config`` names and return the summary.

    Raises :class:`LookerVaultError` subclasses for runs that cannot start or
    go on, and :class:`Interrupted` after SIGINT or SIGTERM, in every case
    with the snapshot marked and committed work kept.
    """
    database = config.backup.database
    with looker_instance(config) as credentials:
        if not credentials.verify_ssl:
            log.warning(
                "TLS certificate verification is off (verify_ssl = false): anyone "
                "between this host and %s can read the backup and the API "
                "credentials",
                credentials.base_url,
            )
        client = logged_in_client(credentials, pool_size=plan.LISTING_THREADS)
        try:
            version = client.check_api()
            client.login()
            conn = open_database(database, create=True)
            try:
                with exclusive_run(database):
                    return _Run(config, options, client, conn, version).execute()
            finally:
                conn.close()
        finally:
            client.close()


class _Run:
    """The state of one run, so its steps can be short methods."""

    def __init__(self, config: RunConfig, options: RunOptions, client, conn, version):
        self.settings = config.backup
        self.version = version
        self.options = options
        self.client = client
        self.conn = conn
        self.writer = SnapshotWriter(conn)
        self.context = multiprocessing.get_context(self.settings.start_method)
        self.counters = Counters(self.context, catalog.TYPE_NAMES)
        self.limiter = RateLimiter(self.context, self.settings.requests_per_second)
        self.policy = RetryPolicy(
            max_attempts=self.settings.max_attempts,
            deadline=self.settings.object_deadline,
        )
        self.stop = StopRequest()
        self.started = time.monotonic()

    def execute(self) -> Summary:
        """Run every step and return the summary; see the module docstring."""
        summary = self._begin()
        try:
            with _signals_stop(self.stop):
                if not reader.is_planned(self.conn, summary.snapshot_id):
                    self._plan(summary)
                whole = self._fetch(summary)
        except (KeyboardInterrupt, plan.ListingStopped):
            whole = False
        except LookerVaultError:
            self._close_after_error(summary)
            raise
        if not whole:
            self._close(summary, "interrupted")
            raise Interrupted(
                f"interrupted; snapshot {summary.snapshot_id} is marked interrupted "
                "and keeps what was committed; run the same command again to "
                "continue it"
            )
        self._close(summary, None)
        return summary

    def _begin(self) -> Summary:
        credentials = self.client.credentials
        version = self.version
        snapshot_id = None
        if not self.options.fresh:
            snapshot_id = reader.resumable_snapshot(
                self.conn, credentials.instance, self.settings.types
            )
        if snapshot_id is not None:
            self.writer.resume(snapshot_id)
            log.info("continuing unfinished snapshot %d", snapshot_id)
            self._retry_transient_failures()
        else:
            settings = {**credentials.public(), **_public(self.settings)}
            snapshot_id = self.writer.begin(
                credentials.instance, version, settings, __version__
            )
            log.info(
                "snapshot %d of %s (Looker %s) into %s",
                snapshot_id,
                credentials.instance,
                version or "version unknown",
                self.settings.database,
            )
        return Summary(
            snapshot_id, str(self.settings.database), credentials.instance, version
        )

    def _retry_transient_failures(self) -> None:
        """Fetch again the objects that failed with no usable response.

        A run stopped because Looker went down has recorded some objects as
        failed with no response, or with a 429 or 5xx.  Continuing the
        snapshot gives them the try an uninterrupted run would have.
        """
        retry: dict[str, list[str]] = {}
        snapshot_id = self.writer.snapshot_id
        for kind, object_id in reader.transient_failures(self.conn, snapshot_id):
            content_type = catalog.BY_NAME.get(kind)
            # Listing failures and elements listed without an id have no
            # detail request to send again.
            if content_type is None or content_type.listed:
                continue
            if plan.is_listing_marker(object_id):
                continue
            retry.setdefault(kind, []).append(object_id)
        if retry:
            count = sum(map(len, retry.values()))
            log.info(
                "fetching again %d objects that failed with no response, a 429 or "
                "a 5xx",
                count,
            )
            self.writer.retry_failures(retry, self.settings.unit_size)

    def _plan(self, summary: Summary) -> None:
        fetcher = Fetcher(self.client, self.policy, self.limiter, self.counters)
        found = ListedIds(self.conn)
        settings = self.settings
        listings = plan.list_all(
            fetcher,
            settings.types,
            settings.page_size,
            found,
            stopped=lambda: self.stop.requested,
        )
        _stop_if_unreachable(listings)
        base_id = self._base_snapshot(summary)
        sid = summary.snapshot_id

        def stage() -> dict[str, int]:
            carried = {}
            if base_id is not None:
                sample = settings.verify_sample
                carried = carry_unchanged(found, listings, sid, base_id, sample)
            workers = settings.processes * settings.threads
            size = plan.unit_size_for(found.to_fetch(), settings.unit_size, workers)
            found.write_units(sid, listings, size)
            return carried

        objects = [row for listing in listings.values() for row in listing.rows]
        failures = [row for listing in listings.values() for row in listing.failures]
        counts = {k: (v.listed, v.duplicates, v.requests) for k, v in listings.items()}
        self.writer.record_plan(counts, objects, failures, stage)
        found.clear()
        for row in objects:
            self.counters.add(row.type, "fetched")
            self.counters.add(row.type, "bytes", row.size)
        for row in failures:
            self.counters.add(row.type, "failed")

    def _base_snapshot(self, summary: Summary) -> int | None:
        if self.options.full:
            return None
        return base_snapshot(self.conn, summary.instance_url, summary.snapshot_id)

    def _fetch(self, summary: Summary) -> bool:
        if self.stop.requested:
            return False
        sid = summary.snapshot_id
        listed, done = reader.progress_counts(self.conn, sid)
        progress = Progress(
            listed, done, self.counters.read(), enabled=self.options.progress
        )
        if not reader.pending_unit_count(self.conn, sid):
            progress.close()
            return True
        token = SharedToken(self.context)
        self.client.tokens.share(token)
        spec = WorkerSpec(
            self.client.credentials.without_secret(),
            self.client.route,
            token,
            self.settings.threads,
            self.options.log_level,
            self.policy,
            self.limiter,
            self.context.Event(),
        )
        with _manager(self.context) as manager:
            # Bounded, so a slow disk makes workers wait instead of memory grow.
            results = manager.Queue(maxsize=max(8, 2 * self.settings.processes))
            pool = WorkerPool(
                self.context, spec, self.settings.processes, results, self.counters
            )
            collector = Collector(
                self.writer, pool, self.counters, progress, self.client.tokens
            )
            try:
                pool.start(reader.pending_units(self.conn, sid))
                whole = collector.run(self.stop)
            finally:
                # Kill what is left before committing what arrived, so that a
                # second Ctrl-C during the grace period still ends promptly.
                pool.kill()
                collector.flush()
                progress.close()
        summary.extra["queue_wait_seconds"] = round(collector.queue_wait_seconds, 3)
        return whole

    def _report_silent_changes(self, summary: Summary) -> None:
        base_id = self._base_snapshot(summary)
        if base_id is None:
            return
        silent = changed_silently(self.conn, base_id, summary.snapshot_id)
        summary.extra["changed_without_updated_at"] = [
            {"type": kind, "id": object_id} for kind, object_id in silent
        ]
        for kind, object_id in silent:
            log.warning(
                "%s %s changed since snapshot %d although its updated_at did not; "
                "stored the new body",
                kind,
                object_id,
                base_id,
            )

    def _close_after_error(self, summary: Summary) -> None:
        try:
            self._close(summary, "failed")
        except StoreUnusable as exc:
            # The error being raised matters more; the next run sees a
            # snapshot still marked running and continues it all the same.
            log.debug("could not mark snapshot %d failed: %s", summary.snapshot_id, exc)

    def _close(self, summary: Summary, forced_status: str | None) -> None:
        summary.elapsed_seconds = time.monotonic() - self.started
        reconcile(summary, self.conn, self.counters.read())
        self._report_silent_changes(summary)
        status = forced_status or (
            "complete" if summary.exit_code == 0 else "incomplete"
        )
        summary.status = status
        self.writer.finish(status, {"types": summary.types, "totals": summary.totals})
        summary.extra["counters"] = self.counters.read()
        commits = self.writer.commit_seconds
        summary.extra["commits"] = len(commits)
        mean = sum(commits) / max(1, len(commits))
        summary.extra["commit_seconds_mean"] = round(mean, 5)


def _stop_if_unreachable(listings: dict) -> None:
    """Stop before recording a plan in which a listing got no response at all.

    Such a listing means Looker or the network went down.  Recorded, it
    would leave that type's unlisted objects out of the snapshot for good;
    unrecorded, the next run lists everything again and continues the
    snapshot.
    """
    for kind, listing in listings.items():
        for failure in listing.failures:
            if failure.object_id == plan.LISTING_ID and failure.status is None:
                raise LookerUnreachable(
                    f"Looker stopped responding while {kind} were listed "
                    f"({failure.message}); check the instance and the network, "
                    "then run the same command again to continue the snapshot"
                )


def _public(settings) -> dict:
    values = asdict(settings)
    values["database"] = str(settings.database)
    values["types"] = list(settings.types)
    return values


@contextlib.contextmanager
def _manager(context):
    manager = SyncManager(ctx=context)
    # The manager serves the results queue; it must outlive a Ctrl-C so the
    # parent can still drain what the workers sent.
    manager.start(initializer=start_helper_process)
    try:
        yield manager
    finally:
        manager.shutdown()


@contextlib.contextmanager
def _signals_stop(stop: StopRequest):
    """Turn the first SIGINT or SIGTERM into a stop request, the second into
    KeyboardInterrupt, which ends the run at once."""

    def handle(signum, frame):
        if stop.requested:
            raise KeyboardInterrupt
        stop.requested = True
        log.warning(
            "%s: finishing the units in hand, then stopping; send it again to "
            "stop at once",
            signal.Signals(signum).name,
        )

    previous = {s: signal.signal(s, handle) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
