"""The single writer of a snapshot: only the parent process uses it."""

from __future__ import annotations

import json
import logging
import sqlite3
import time
from datetime import datetime, timezone
from typing import Callable

from lookervault.errors import StoreUnusable
from lookervault.store.rows import FailureRow, ObjectRow

log = logging.getLogger(__name__)


def utc_now() -> str:
    """Return the current time as ISO 8601 in UTC, to the second."""
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class SnapshotWriter:
    """Write one snapshot: its plan, its objects and failures, its outcome.

    Every write happens in a transaction that also marks the units it completes
    as done, so the database never says a unit is done without its rows.
    """

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn
        self.snapshot_id: int | None = None
        self.commit_seconds: list[float] = []

    def begin(
        self,
        instance_url: str,
        looker_version: str | None,
        settings: dict,
        tool_version: str,
    ) -> int:
        """Create the snapshot row in state ``running`` and return its id."""
        cursor = self.conn.execute(
            "INSERT INTO snapshots (started_at, status, instance_url, "
            "looker_version, tool_version, settings) VALUES (?, 'running', ?, ?, ?, ?)",
            (
                utc_now(),
                instance_url,
                looker_version,
                tool_version,
                json.dumps(settings, sort_keys=True),
            ),
        )
        self.snapshot_id = cursor.lastrowid
        return self.snapshot_id

    def resume(self, snapshot_id: int) -> None:
        """Continue writing an unfinished snapshot, marked ``running`` again."""
        self.snapshot_id = snapshot_id
        with self._transaction():
            self.conn.execute(
                "UPDATE snapshots SET status = 'running', finished_at = NULL "
                "WHERE id = ?",
                (snapshot_id,),
            )

    def record_plan(
        self,
        listed: dict[str, tuple[int, int, int]],
        objects: list[ObjectRow],
        failures: list[FailureRow],
        stage: Callable[[], dict[str, int]],
    ) -> None:
        """Store the listings, the work units, listed and carried content at once.

        ``listed`` maps a type to (objects listed, duplicates dropped,
        requests).  ``stage`` runs first, in the same transaction: it records
        the work units and the entries carried from the last snapshot, and
        returns {type: objects carried}.  One transaction, so a snapshot
        either has its whole plan or none of it, and a resumed run can tell which.
        """
        sid = self.snapshot_id
        with self._transaction():
            carried = stage()
            self.conn.executemany(
                "INSERT INTO listings (snapshot_id, type, listed, duplicates, "
                "requests, carried) VALUES (?, ?, ?, ?, ?, ?)",
                [
                    (sid, kind, *counts, carried.get(kind, 0))
                    for kind, counts in listed.items()
                ],
            )
            self._insert(objects, failures)

    def retry_failures(self, ids: dict[str, list[str]], size: int) -> None:
        """Forget the failures of ``ids`` ({type: ids}) and queue them again
        as new units of at most ``size`` ids, in one transaction."""
        sid = self.snapshot_id
        with self._transaction():
            last = self.conn.execute(
                "SELECT coalesce(max(id), 0) FROM units WHERE snapshot_id = ?",
                (sid,),
            ).fetchone()[0]
            units = [
                (sid, kind, object_ids[start : start + size])
                for kind, object_ids in ids.items()
                for start in range(0, len(object_ids), size)
            ]
            self.conn.executemany(
                "INSERT INTO units (snapshot_id, id, type, object_ids) "
                "VALUES (?, ?, ?, ?)",
                [
                    (sid, last + number, kind, json.dumps(chunk))
                    for number, (sid, kind, chunk) in enumerate(units, start=1)
                ],
            )
            self.conn.executemany(
                "DELETE FROM failures WHERE snapshot_id = ? AND type = ? "
                "AND object_id = ?",
                [
                    (sid, kind, i)
                    for kind, object_ids in ids.items()
                    for i in object_ids
                ],
            )

    def write(
        self,
        objects: list[ObjectRow],
        failures: list[FailureRow],
        done_units: list[int],
    ) -> None:
        """Store a batch of objects and failures and mark their units done."""
        sid = self.snapshot_id
        started = time.perf_counter()
        with self._transaction():
            self._insert(objects, failures)
            self.conn.executemany(
                "UPDATE units SET done = 1 WHERE snapshot_id = ? AND id = ?",
                [(sid, uid) for uid in done_units],
            )
        self.commit_seconds.append(time.perf_counter() - started)

    def _insert(self, objects: list[ObjectRow], failures: list[FailureRow]) -> None:
        sid = self.snapshot_id
        self.conn.executemany(
            "INSERT OR IGNORE INTO blobs VALUES (?, ?, ?, ?)",
            [(r.sha256, r.size, r.codec, r.data) for r in objects],
        )
        self.conn.executemany(
            "INSERT OR REPLACE INTO entries VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (sid, r.type, r.object_id, r.sha256, r.title, r.folder_id, r.updated_at)
                for r in objects
            ],
        )
        self.conn.executemany(
            "INSERT OR REPLACE INTO failures VALUES (?, ?, ?, ?, ?, ?, ?)",
            [(sid, *f) for f in failures],
        )

    def finish(self, status: str, counts: dict) -> None:
        """Record the outcome and checkpoint the WAL into the main file."""
        with self._transaction():
            self.conn.execute(
                "UPDATE snapshots SET status = ?, finished_at = ?, counts = ? "
                "WHERE id = ?",
                (
                    status,
                    utc_now(),
                    json.dumps(counts, sort_keys=True),
                    self.snapshot_id,
                ),
            )
        try:
            self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        except sqlite3.Error as exc:
            # The snapshot is committed in the WAL; folding it in can wait.
            log.warning("WAL checkpoint of the database failed: %s", exc)

    def _transaction(self):
        return _Transaction(self.conn)


def transaction(conn: sqlite3.Connection) -> _Transaction:
    """Return a context that runs its block as one transaction on ``conn``."""
    return _Transaction(conn)


class _Transaction:
    """BEGIN IMMEDIATE ... COMMIT, rolled back if the block raises.

    SQLite errors become :class:`StoreUnusable`, with the fix when it is
    known; the rolled-back rows stay uncommitted, so the next run fetches
    them again.
    """

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn

    def __enter__(self):
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise _unusable(self.conn, exc) from None

    def __exit__(self, exc_type, exc, traceback):
        try:
            if exc_type is None:
                self.conn.execute("COMMIT")
                return False
            if self.conn.in_transaction:
                # Some errors (SQLITE_FULL among them) have already rolled back.
                self.conn.execute("ROLLBACK")
        except sqlite3.Error as error:
            raise _unusable(self.conn, error) from None
        if isinstance(exc, sqlite3.Error):
            raise _unusable(self.conn, exc) from None
        return False


def _unusable(conn: sqlite3.Connection, error: sqlite3.Error) -> StoreUnusable:
    path = conn.execute("PRAGMA database_list").fetchone()[2]
    if getattr(error, "sqlite_errorcode", None) == sqlite3.SQLITE_FULL or (
        "full" in str(error)
    ):
        return StoreUnusable(
            f"the disk holding {path} is full; free some space, then run the same "
            "command again to continue the snapshot"
        )
    return StoreUnusable(f"writing {path} failed: {error}")
