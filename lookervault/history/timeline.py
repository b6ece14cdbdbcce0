"""One object's history: the snapshots in which it appeared, changed or went.

Snapshots are read in order.  A snapshot contains no evidence about an
object when it did not back up the object's type, when that type's listing
failed, or when its run stopped before fetching the object.  Such snapshots
are skipped rather than read as a deletion.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from lookervault.batch.plan import LISTING_ID
from lookervault.errors import SnapshotNotFound
from lookervault.store import reader

# Snapshot statuses whose runs fetched every unit they planned.
FINISHED = ("complete", "incomplete")


@dataclass(frozen=True)
class Event:
    """One change of an object, seen in one snapshot.

    ``event`` is ``added`` (first stored, or stored again after removal),
    ``modified`` (a new sha256), ``removed`` (no longer listed), ``failed``
    (listed, but its body could not be fetched) or ``recovered`` (stored
    again after a failure, with the body it had before).
    """

    snapshot: int
    started_at: str
    status: str
    event: str
    sha256: str | None = None
    size: int | None = None
    title: str | None = None
    message: str | None = None

    def as_dict(self) -> dict:
        """Return the event as a JSON-ready dict."""
        return dict(self.__dict__)


def object_history(conn: sqlite3.Connection, kind: str, object_id: str) -> list[Event]:
    """Return every change of one object, oldest first.

    Raises :class:`SnapshotNotFound` when no snapshot stored or failed it.
    """
    stored, failed = reader.object_states(conn, kind, object_id)
    if not stored and not failed:
        raise SnapshotNotFound(
            f"no {kind} with id {object_id!r} in any snapshot; list them with "
            f"`lookervault-batch list DB {kind}`"
        )
    events: list[Event] = []
    previous, last_sha = "absent", None
    for snapshot in reader.snapshots(conn):
        sid = snapshot.id
        if sid in stored:
            sha256, size, title = stored[sid]
            event = _stored_event(previous, last_sha, sha256)
            previous, last_sha = "stored", sha256
            if event:
                events.append(
                    _event(snapshot, event, sha256=sha256, size=size, title=title)
                )
        elif sid in failed:
            if previous != "failed":
                events.append(_event(snapshot, "failed", message=failed[sid]))
            previous = "failed"
        elif previous != "absent" and _saw_absence(conn, snapshot, kind, object_id):
            events.append(_event(snapshot, "removed"))
            previous = "absent"
    return events


def _stored_event(previous: str, last_sha: str | None, sha256: str) -> str | None:
    # last_sha is None when the object only failed before: first stored now.
    if previous == "absent" or last_sha is None:
        return "added"
    if sha256 != last_sha:
        return "modified"
    return "recovered" if previous == "failed" else None


def _saw_absence(conn, snapshot: reader.Snapshot, kind: str, object_id: str) -> bool:
    """True when ``snapshot`` listed ``kind`` in full and did not list the object."""
    sid = snapshot.id
    if kind not in reader.listed_counts(conn, sid):
        return False
    if (kind, LISTING_ID) in reader.failure_index(conn, sid):
        return False
    if snapshot.status in FINISHED:
        return True
    pending = reader.planned_ids(conn, sid, pending_only=True)
    return object_id not in pending.get(kind, set())


def _event(snapshot: reader.Snapshot, event: str, **details) -> Event:
    return Event(snapshot.id, snapshot.started_at, snapshot.status, event, **details)
