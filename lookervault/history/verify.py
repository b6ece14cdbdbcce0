"""Check that a database is whole: every body readable, every count reconciled.

For each snapshot checked, ``verify`` proves three things a restore depends on:

* SQLite's own ``PRAGMA integrity_check`` finds no damage in the file;
* every entry's blob is present, decompresses, and hashes to its sha256 and
  its recorded size, so ``show`` and ``export`` return what Looker sent;
* per type, the objects listed equal the objects stored plus those failed,
  so nothing the listing returned is silently missing.

Blobs are shared between snapshots, so each one is checked once per call.
"""

from __future__ import annotations

import hashlib
import sqlite3
from dataclasses import dataclass, field

from lookervault import catalog
from lookervault.history.ids import format_ids
from lookervault.store import codecs, reader

# The meaning for a restore of each snapshot status other than "complete".
STATUS_PROBLEMS = {
    "running": "its run is still going or was killed; run the backup again to "
    "continue it",
    "interrupted": "its run was interrupted; run the backup again to continue it",
    "failed": "its run stopped on an error; run the backup again to continue it",
    "incomplete": "some objects failed, listed below",
}


@dataclass
class TypeCheck:
    """Counts of one content type in one snapshot."""

    # None when the snapshot has no listing of this type.
    listed: int | None
    stored: int = 0
    failed: int = 0
    # Entries whose blob is missing or damaged.
    damaged: int = 0

    def as_dict(self) -> dict:
        """Return the counts as a JSON-ready dict."""
        return dict(self.__dict__)


@dataclass
class SnapshotCheck:
    """The counts and problems of one snapshot; whole when ``problems`` is empty."""

    snapshot: reader.Snapshot
    types: dict[str, TypeCheck] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    @property
    def whole(self) -> bool:
        """True when nothing is wrong with this snapshot."""
        return not self.problems

    def as_dict(self) -> dict:
        """Return the check as a JSON-ready dict."""
        return {
            "snapshot": self.snapshot.id,
            "started_at": self.snapshot.started_at,
            "status": self.snapshot.status,
            "whole": self.whole,
            "types": {kind: check.as_dict() for kind, check in self.types.items()},
            "problems": self.problems,
        }


@dataclass
class Verification:
    """The file's integrity check and each snapshot's check."""

    # Lines of PRAGMA integrity_check; empty when it returned "ok".
    integrity: list[str]
    snapshots: list[SnapshotCheck]

    @property
    def whole(self) -> bool:
        """True when the file and every snapshot checked are whole."""
        return not self.integrity and all(s.whole for s in self.snapshots)

    def as_dict(self) -> dict:
        """Return the verification as a JSON-ready dict."""
        return {
            "whole": self.whole,
            "integrity_check": self.integrity or ["ok"],
            "snapshots": [check.as_dict() for check in self.snapshots],
        }


def verify(conn: sqlite3.Connection, snapshot_ids: list[int]) -> Verification:
    """Check the file, then each snapshot in ``snapshot_ids``, and report all."""
    integrity = check_integrity(conn)
    blob_problems = BlobChecker(conn)
    checks = [check_snapshot(conn, sid, blob_problems) for sid in snapshot_ids]
    return Verification(integrity, checks)


def check_integrity(conn: sqlite3.Connection) -> list[str]:
    """Return what ``PRAGMA integrity_check`` reports, or [] when it is ok."""
    try:
        rows = conn.execute("PRAGMA integrity_check").fetchall()
    except sqlite3.DatabaseError as exc:
        return [f"integrity_check failed: {exc}"]
    lines = [row[0] for row in rows]
    return [] if lines == ["ok"] else lines


class BlobChecker:
    """Decompress and hash blobs, remembering each verdict by sha256.

    Consecutive snapshots share most of their blobs, and each blob is read
    and hashed once per call, so checking every snapshot reads about as
    many bytes as all the distinct bodies.
    """

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn
        self.verdicts: dict[str, str | None] = {}

    def damaged(self, snapshot_id: int) -> dict[str, str]:
        """Return {sha256: reason} for the damaged blobs a snapshot references."""
        found = {}
        for sha256 in reader.referenced_hashes(self.conn, snapshot_id):
            if sha256 not in self.verdicts:
                self.verdicts[sha256] = self._check(sha256)
            if self.verdicts[sha256] is not None:
                found[sha256] = self.verdicts[sha256]
        return found

    def _check(self, sha256: str) -> str | None:
        record = reader.blob_record(self.conn, sha256)
        # A missing blob is reported per entry, by reader.missing_blobs.
        return None if record is None else blob_problem(sha256, *record)


def blob_problem(sha256: str, size: int, codec: str, data) -> str | None:
    """Return why a blob cannot be trusted, or None when it is intact."""
    decode = reader.CODECS.get(codec)
    if decode is None:
        return f"has the unknown codec {codec!r}"
    try:
        raw = decode(data)
    except codecs.DECODE_ERRORS as exc:
        return f"does not decompress ({exc})"
    if hashlib.sha256(raw).hexdigest() != sha256:
        return "does not match its sha256"
    if len(raw) != size:
        return f"is {len(raw)} bytes, but {size} are recorded"
    return None


def check_snapshot(
    conn: sqlite3.Connection, snapshot_id: int, blobs: BlobChecker
) -> SnapshotCheck:
    """Check one snapshot's status, counts, failures and blobs."""
    check = SnapshotCheck(reader.snapshot(conn, snapshot_id))
    _count_types(conn, check)
    _check_status(check)
    _check_counts(conn, check)
    _check_failures(conn, check)
    _check_blobs(conn, check, blobs)
    return check


def _count_types(conn: sqlite3.Connection, check: SnapshotCheck) -> None:
    sid = check.snapshot.id
    listed = reader.listed_counts(conn, sid)
    stored = reader.type_counts(conn, "entries", sid)
    failed = reader.type_counts(conn, "failures", sid)
    order = {name: position for position, name in enumerate(catalog.TYPE_NAMES)}
    kinds = sorted(
        set(listed) | set(stored) | set(failed),
        key=lambda kind: (order.get(kind, len(order)), kind),
    )
    for kind in kinds:
        check.types[kind] = TypeCheck(
            listed.get(kind), stored.get(kind, 0), failed.get(kind, 0)
        )


def _check_status(check: SnapshotCheck) -> None:
    status = check.snapshot.status
    if status != "complete":
        reason = STATUS_PROBLEMS.get(status, "an unknown status")
        check.problems.append(f"snapshot status is {status}: {reason}")
    if not any(counts.listed is not None for counts in check.types.values()):
        check.problems.append(
            "the snapshot has no listings, because its run stopped before "
            "listing finished"
        )


def _check_counts(conn: sqlite3.Connection, check: SnapshotCheck) -> None:
    """Reconcile listed = stored + failed per type, naming missing ids if known."""
    planned = reader.planned_ids(conn, check.snapshot.id)
    accounted = None
    for kind, counts in check.types.items():
        if counts.listed is None:
            check.problems.append(
                f"{kind}: {counts.stored} stored and {counts.failed} failed, but "
                "the type has no listing"
            )
            continue
        if counts.listed == counts.stored + counts.failed:
            continue
        message = (
            f"{kind}: listed {counts.listed}, but {counts.stored} stored + "
            f"{counts.failed} failed = {counts.stored + counts.failed}"
        )
        if kind in planned:
            if accounted is None:
                accounted = _accounted_ids(conn, check.snapshot.id)
            missing = planned[kind] - accounted.get(kind, set())
            if missing:
                message += f"; missing: {format_ids(missing)}"
        check.problems.append(message)


def _accounted_ids(conn: sqlite3.Connection, snapshot_id: int) -> dict:
    accounted: dict[str, set[str]] = {}
    for kind, object_id in reader.entry_index(conn, snapshot_id):
        accounted.setdefault(kind, set()).add(object_id)
    for kind, object_id in reader.failure_index(conn, snapshot_id):
        accounted.setdefault(kind, set()).add(object_id)
    return accounted


def _check_failures(conn: sqlite3.Connection, check: SnapshotCheck) -> None:
    for kind, object_id, _status, message, attempts in reader.failures(
        conn, check.snapshot.id
    ):
        check.problems.append(
            f"{kind} {object_id} failed after {attempts} attempts: {message}"
        )


def _check_blobs(
    conn: sqlite3.Connection, check: SnapshotCheck, blobs: BlobChecker
) -> None:
    sid = check.snapshot.id
    for kind, object_id, sha256 in reader.missing_blobs(conn, sid):
        check.types[kind].damaged += 1
        check.problems.append(f"{kind} {object_id}: blob {sha256[:12]} is missing")
    for sha256, reason in sorted(blobs.damaged(sid).items()):
        for kind, object_id in reader.objects_with_blob(conn, sid, sha256):
            check.types[kind].damaged += 1
            check.problems.append(f"{kind} {object_id}: blob {sha256[:12]} {reason}")
