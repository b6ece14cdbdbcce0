"""Remove old snapshots by a retention policy, then the blobs left unused.

The policy is restic's.  It keeps the last N snapshots, the last snapshot
of each of the last D days that have one, and the last of each of the last
W ISO weeks that have one.  A snapshot kept by any rule stays.  Days and
weeks are those of ``started_at`` in UTC.  A snapshot still marked
``running`` is always kept and counts toward no rule, because the next run
continues it.

Removing a snapshot deletes its rows from every table keyed by
``snapshot_id``; a blob is deleted once no remaining entry references it.
The file then shrinks with ``VACUUM``.
"""

from __future__ import annotations

import logging
import os
import sqlite3
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from lookervault.errors import StoreUnusable
from lookervault.history.errors import PolicyInvalid
from lookervault.store import reader
from lookervault.store.database import open_database, open_for_reading
from lookervault.store.lock import exclusive_run

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Policy:
    """How many snapshots to keep: the last, one per day, one per ISO week."""

    last: int = 0
    daily: int = 0
    weekly: int = 0

    def validate(self) -> None:
        """Raise :class:`PolicyInvalid` for a policy that would keep nothing."""
        counts = {"--keep-last": self.last, "--keep-daily": self.daily}
        counts["--keep-weekly"] = self.weekly
        for flag, count in counts.items():
            if count < 0:
                raise PolicyInvalid(f"{flag} {count} is negative; use 0 or more")
        if not any(counts.values()):
            raise PolicyInvalid(
                "forget needs at least one of --keep-last, --keep-daily or "
                "--keep-weekly above 0, so that it never removes every snapshot"
            )


@dataclass
class Decision:
    """Whether one snapshot stays, and the rules that keep it."""

    snapshot: reader.Snapshot
    reasons: list[str] = field(default_factory=list)

    @property
    def keep(self) -> bool:
        """True when any rule keeps the snapshot."""
        return bool(self.reasons)

    def as_dict(self) -> dict:
        """Return the decision as a JSON-ready dict."""
        return {
            "snapshot": self.snapshot.id,
            "started_at": self.snapshot.started_at,
            "status": self.snapshot.status,
            "keep": self.keep,
            "reasons": self.reasons,
        }


@dataclass
class ForgetResult:
    """The snapshots, blobs and bytes that forget removed (or would remove)."""

    decisions: list[Decision]
    dry_run: bool
    blobs_removed: int = 0
    # Compressed bytes of the removed blobs, as stored.
    blob_bytes: int = 0
    # Size of the database file and its WAL, before and after.
    file_bytes_before: int = 0
    file_bytes_after: int = 0

    @property
    def removed(self) -> list[int]:
        """Ids of the snapshots removed."""
        return [d.snapshot.id for d in self.decisions if not d.keep]

    def as_dict(self) -> dict:
        """Return the result as a JSON-ready dict."""
        return {
            "dry_run": self.dry_run,
            "snapshots_removed": self.removed,
            "blobs_removed": self.blobs_removed,
            "blob_bytes_removed": self.blob_bytes,
            "file_bytes_before": self.file_bytes_before,
            "file_bytes_after": self.file_bytes_after,
            "bytes_freed": self.file_bytes_before - self.file_bytes_after,
            "decisions": [d.as_dict() for d in self.decisions],
        }


def decide(snapshots: list[reader.Snapshot], policy: Policy) -> list[Decision]:
    """Apply ``policy`` to ``snapshots``; return one decision each, by id.

    Snapshots are visited newest first.  Each rule keeps a snapshot whose
    bucket (itself, its day, its ISO week) differs from the last bucket that
    rule kept, until the rule's count is spent.
    """
    decisions = {s.id: Decision(s) for s in snapshots}
    rules = [
        ("last", policy.last, lambda s, when: str(s.id)),
        ("daily", policy.daily, lambda s, when: when.date().isoformat()),
        ("weekly", policy.weekly, _iso_week),
    ]
    left = {name: count for name, count, _ in rules}
    last_bucket: dict[str, str] = {}
    for snapshot in _newest_first(snapshots):
        if snapshot.status == "running":
            decisions[snapshot.id].reasons.append("running")
            continue
        when = _started(snapshot)
        for name, _count, bucket_of in rules:
            bucket = bucket_of(snapshot, when)
            if left[name] > 0 and bucket != last_bucket.get(name):
                last_bucket[name] = bucket
                left[name] -= 1
                label = name if name == "last" else f"{name} {bucket}"
                decisions[snapshot.id].reasons.append(label)
    return [decisions[s.id] for s in sorted(snapshots, key=lambda s: s.id)]


def _newest_first(snapshots: list[reader.Snapshot]) -> list[reader.Snapshot]:
    return sorted(snapshots, key=lambda s: (_started(s), s.id), reverse=True)


def _started(snapshot: reader.Snapshot) -> datetime:
    when = datetime.fromisoformat(snapshot.started_at)
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return when.astimezone(timezone.utc)


def _iso_week(snapshot: reader.Snapshot, when: datetime) -> str:
    year, week, _ = when.isocalendar()
    return f"{year}-W{week:02d}"


def forget(database: Path, policy: Policy, dry_run: bool = False) -> ForgetResult:
    """Remove the snapshots ``policy`` does not keep, then unused blobs.

    Holds the database's run lock throughout, so no backup runs meanwhile;
    raises :class:`StoreUnusable` when a run holds it.  With ``dry_run``
    the database is only read and no lock is taken.
    """
    policy.validate()
    if dry_run:
        return _dry_run(database, policy)
    conn = open_database(database)
    try:
        with exclusive_run(database):
            return _remove(conn, database, policy)
    finally:
        conn.close()


def _dry_run(database: Path, policy: Policy) -> ForgetResult:
    conn = open_for_reading(database)
    try:
        decisions = decide(reader.snapshots(conn), policy)
        result = ForgetResult(decisions, dry_run=True)
        removed = set(result.removed)
        result.blobs_removed, result.blob_bytes = _blobs_left_over(conn, removed)
        result.file_bytes_before = result.file_bytes_after = _file_bytes(database)
        return result
    finally:
        conn.close()


def _blobs_left_over(conn: sqlite3.Connection, removed: set[int]) -> tuple[int, int]:
    """Count the blobs, and their bytes, that only ``removed`` snapshots use."""
    rows = conn.execute(
        "SELECT group_concat(DISTINCT r.snapshot_id), sum(r.snapshot_id IS NULL "
        "AND r.sha256 IS NOT NULL), max(length(b.data)) FROM blobs b LEFT JOIN "
        f"({_references(conn)}) r ON r.sha256 = b.sha256 GROUP BY b.sha256"
    )
    count = size = 0
    for users, unowned, blob_size in rows:
        snapshot_ids = {int(sid) for sid in users.split(",")} if users else set()
        if not unowned and snapshot_ids <= removed:
            count, size = count + 1, size + blob_size
    return count, size


def _remove(conn: sqlite3.Connection, database: Path, policy: Policy) -> ForgetResult:
    result = ForgetResult(decide(reader.snapshots(conn), policy), dry_run=False)
    result.file_bytes_before = _file_bytes(database)
    try:
        conn.execute("BEGIN IMMEDIATE")
        _delete_snapshots(conn, result.removed)
        result.blobs_removed, result.blob_bytes = _delete_unused_blobs(conn)
        conn.execute("COMMIT")
    except sqlite3.Error as exc:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise StoreUnusable(
            f"removing snapshots from {database} failed: {exc}"
        ) from None
    # VACUUM rewrites the whole file, which is wasted work if nothing went.
    if result.removed or result.blobs_removed:
        _vacuum(conn, database)
    result.file_bytes_after = _file_bytes(database)
    return result


def _vacuum(conn: sqlite3.Connection, database: Path) -> None:
    """Rewrite the file without the freed pages and empty the WAL into it."""
    try:
        conn.execute("VACUUM")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    except sqlite3.Error as exc:
        # The removal is committed; only the file's size waits for a VACUUM.
        log.warning(
            "snapshots were removed, but VACUUM of %s failed (%s); it needs free "
            "space about the size of the file, and the file keeps its size "
            "until the next forget",
            database,
            exc,
        )


def _delete_snapshots(conn: sqlite3.Connection, snapshot_ids: list[int]) -> None:
    # Every table with a snapshot_id column, found rather than listed, so a
    # table added to the schema later cannot keep rows of a removed snapshot.
    for table in _tables_with_column(conn, "snapshot_id"):
        conn.executemany(
            f'DELETE FROM "{table}" WHERE snapshot_id = ?',
            [(sid,) for sid in snapshot_ids],
        )
    conn.executemany(
        "DELETE FROM snapshots WHERE id = ?", [(sid,) for sid in snapshot_ids]
    )


def _delete_unused_blobs(conn: sqlite3.Connection) -> tuple[int, int]:
    unused = (
        f"FROM blobs WHERE sha256 NOT IN (SELECT sha256 FROM ({_references(conn)}))"
    )
    count, size = conn.execute(
        f"SELECT count(*), coalesce(sum(length(data)), 0) {unused}"
    ).fetchone()
    conn.execute(f"DELETE {unused}")
    return count, size


def _references(conn: sqlite3.Connection) -> str:
    """Return SQL selecting (snapshot_id, sha256) of every reference to a blob.

    Like the deletions, it covers every table with a ``sha256`` column; a
    table without ``snapshot_id`` references its blobs for good (NULL).
    """
    owned = set(_tables_with_column(conn, "snapshot_id"))
    parts = [
        f"SELECT {'snapshot_id' if table in owned else 'NULL'} AS snapshot_id, "
        f'sha256 FROM "{table}"'
        for table in _tables_with_column(conn, "sha256")
        if table != "blobs"
    ]
    return " UNION ALL ".join(parts)


def _tables_with_column(conn: sqlite3.Connection, column: str) -> list[str]:
    tables = [
        name
        for (name,) in conn.execute(
            "SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name"
        )
    ]
    return [
        table
        for table in tables
        if any(
            row[1] == column for row in conn.execute(f'PRAGMA table_info("{table}")')
        )
    ]


def _file_bytes(database: Path) -> int:
    wal = database.with_name(database.name + "-wal")
    return sum(os.path.getsize(p) for p in (database, wal) if p.exists())
