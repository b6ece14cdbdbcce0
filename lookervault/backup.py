"""One backup run, from config to summary: the steps ``run`` takes.

1. start the bundled simulator if the config asks for one;
2. resolve credentials and log in from the parent, so bad settings fail fast;
3. open the database and begin a snapshot;
4. list every content type, record the work units, store listed content;
5. fetch the units on the worker pool, committing as results arrive;
6. reconcile the counts, mark the snapshot and return the summary.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import secrets
import signal
import time
from dataclasses import asdict, dataclass
from multiprocessing.managers import SyncManager

from lookervault import __version__
from lookervault.batch import plan
from lookervault.batch.collect import BATCH_OBJECTS, Collector
from lookervault.batch.counters import Counters
from lookervault.batch.pool import WorkerPool
from lookervault.batch.progress import Progress
from lookervault.batch.worker import WorkerSpec
from lookervault.config import Credentials, RunConfig
from lookervault.errors import (
    ConfigInvalid,
    Interrupted,
    LookerUnreachable,
    LookerVaultError,
)
from lookervault.looker.client import LookerClient
from lookervault.looker.settings import resolve_credentials
from lookervault.store.database import open_database
from lookervault.store.writer import SnapshotWriter
from lookervault.summary import Summary, reconcile

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RunOptions:
    """Choices from the command line that are not part of the config."""

    progress: bool = True
    log_level: int = logging.INFO


def run_backup(config: RunConfig, options: RunOptions = RunOptions()) -> Summary:
    """Back up the instance ``config`` names and return the summary.

    Raises :class:`LookerVaultError` subclasses for runs that cannot start or
    go on, and :class:`Interrupted` after SIGINT or SIGTERM, in every case
    with the snapshot marked and committed work kept.
    """
    with _instance(config) as credentials:
        client = LookerClient(credentials, pool_size=plan.LISTING_THREADS)
        client.login()
        conn = open_database(config.backup.database, create=True)
        try:
            return _run(config, options, credentials, client, conn)
        finally:
            conn.close()
            client.close()


def _run(config, options, credentials, client, conn) -> Summary:
    settings = config.backup
    writer = SnapshotWriter(conn)
    version = looker_version(client)
    run_settings = {**credentials.public(), **_public_backup(settings)}
    snapshot_id = writer.begin(credentials.base_url, version, run_settings, __version__)
    summary = Summary(
        snapshot_id, str(settings.database), credentials.base_url, version
    )
    log.info(
        "snapshot %d of %s (Looker %s) into %s",
        snapshot_id,
        credentials.base_url,
        version or "version unknown",
        settings.database,
    )
    started = time.monotonic()
    context = multiprocessing.get_context(settings.start_method)
    counters = Counters(context, settings.types)
    try:
        with _sigterm_as_interrupt():
            units = _plan(client, settings, writer, counters)
            _fetch(
                context,
                credentials,
                settings,
                options,
                units,
                writer,
                counters,
                summary,
            )
    except KeyboardInterrupt:
        _close(writer, conn, summary, counters, started, "interrupted")
        raise Interrupted(
            f"interrupted; snapshot {snapshot_id} is marked interrupted and keeps "
            "what was committed"
        ) from None
    except LookerVaultError:
        _close(writer, conn, summary, counters, started, "failed")
        raise
    _close(writer, conn, summary, counters, started, None)
    return summary


def _plan(client, settings, writer, counters) -> list:
    listings = plan.list_all(client, settings.types, settings.page_size)
    workers = settings.processes * settings.threads
    units = plan.make_units(listings, settings.unit_size, workers)
    writer.record_plan(
        {k: (v.listed, v.duplicates, v.requests) for k, v in listings.items()}, units
    )
    for kind, listing in listings.items():
        counters.add(kind, "fetched", len(listing.rows))
        counters.add(kind, "failed", len(listing.failures))
        counters.add(kind, "bytes", sum(row.size for row in listing.rows))
        for start in range(0, max(len(listing.rows), 1), BATCH_OBJECTS):
            writer.write(
                listing.rows[start : start + BATCH_OBJECTS],
                listing.failures if start == 0 else [],
                [],
            )
    return units


def _fetch(context, credentials, settings, options, units, writer, counters, summary):
    counts = counters.read()
    initial = {k: counts[k]["fetched"] + counts[k]["failed"] for k in settings.types}
    totals = dict(initial)
    for _, kind, ids in units:
        totals[kind] += len(ids)
    progress = Progress(totals, initial, enabled=options.progress)
    if not units:
        progress.close()
        return
    spec = WorkerSpec(credentials, settings.threads, options.log_level)
    with _manager(context) as manager:
        # Bounded, so that a slow disk makes workers wait instead of memory grow.
        results = manager.Queue(maxsize=max(8, 2 * settings.processes))
        pool = WorkerPool(context, spec, settings.processes, results, counters)
        pool.start(units)
        collector = Collector(writer, pool, counters, progress)
        try:
            collector.run()
        except BaseException:
            pool.kill()
            collector.flush()
            raise
        finally:
            progress.close()
        pool.stop()
    summary.extra["queue_wait_seconds"] = round(collector.queue_wait_seconds, 3)


def _close(writer, conn, summary, counters, started, forced_status) -> None:
    summary.elapsed_seconds = time.monotonic() - started
    reconcile(summary, conn, counters.read())
    status = forced_status or ("complete" if summary.exit_code == 0 else "incomplete")
    summary.status = status
    writer.finish(status, {"types": summary.types, "totals": summary.totals})
    summary.extra["counters"] = counters.read()
    commits = writer.commit_seconds
    summary.extra["commits"] = len(commits)
    summary.extra["commit_seconds_mean"] = round(sum(commits) / max(1, len(commits)), 5)


def looker_version(client: LookerClient) -> str | None:
    """Return the instance's Looker release, or None if it does not say."""
    try:
        response = client.get_public("/versions")
        return response.json().get("looker_release_version")
    except Exception as exc:  # the version is informative only
        log.debug("could not read /versions: %s", exc)
        return None


def _public_backup(settings) -> dict:
    values = asdict(settings)
    values["database"] = str(settings.database)
    values["types"] = list(settings.types)
    return values


@contextlib.contextmanager
def _manager(context):
    manager = SyncManager(ctx=context)
    # The manager serves the results queue; it must outlive a Ctrl-C so the
    # parent can still drain what the workers sent.
    manager.start(initializer=signal.signal, initargs=(signal.SIGINT, signal.SIG_IGN))
    try:
        yield manager
    finally:
        manager.shutdown()


@contextlib.contextmanager
def _sigterm_as_interrupt():
    def interrupt(signum, frame):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextlib.contextmanager
def _instance(config: RunConfig):
    """Yield credentials: a started simulator's, or the configured instance's."""
    if config.simulator is None:
        yield resolve_credentials(config)
        return
    from lookervault.simulator import (
        InvalidSimulatorConfig,
        SimulatorConfig,
        SimulatorProcess,
        SimulatorStartFailed,
    )

    sim = config.simulator
    counts = {k: round(v * sim.scale) for k, v in SimulatorConfig().counts.items()}
    counts.update(sim.counts)
    secret = secrets.token_urlsafe(24)
    sim_config = SimulatorConfig(
        client_id="lookervault-demo",
        client_secret=secret,
        seed=sim.seed,
        counts=counts,
        small=sim.small,
        latency_ms=sim.latency_ms,
        fail=sim.fail,
    )
    log.info("starting the Looker simulator (%d objects)", sum(counts.values()))
    try:
        simulator = SimulatorProcess(sim_config).start()
    except InvalidSimulatorConfig as exc:
        raise ConfigInvalid(f"{config.path}: [simulator] {exc}") from None
    except SimulatorStartFailed as exc:
        raise LookerUnreachable(f"the simulator did not start: {exc}") from None
    try:
        yield Credentials(
            simulator.base_url,
            "lookervault-demo",
            secret,
            verify_ssl=True,
            timeout=30.0,
        )
    finally:
        simulator.stop()
