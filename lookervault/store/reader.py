"""Read snapshots, entries and bodies back out of the database."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass

from lookervault.errors import SnapshotNotFound
from lookervault.store import codecs

CODECS = codecs.DECODERS


@dataclass(frozen=True)
class Snapshot:
    """One run's snapshot as stored."""

    id: int
    started_at: str
    finished_at: str | None
    status: str
    instance_url: str
    looker_version: str | None
    tool_version: str
    counts: dict

    def as_dict(self) -> dict:
        """Return the snapshot as a JSON-ready dict."""
        return dict(self.__dict__)


def snapshots(conn: sqlite3.Connection) -> list[Snapshot]:
    """Return every snapshot, oldest first."""
    rows = conn.execute(
        "SELECT id, started_at, finished_at, status, instance_url, looker_version, "
        "tool_version, counts FROM snapshots ORDER BY id"
    ).fetchall()
    return [Snapshot(*row[:-1], counts=json.loads(row[-1] or "{}")) for row in rows]


def resolve_snapshot(conn: sqlite3.Connection, snapshot_id: int | None) -> int:
    """Return ``snapshot_id`` if it exists, or the latest snapshot's id."""
    if snapshot_id is None:
        row = conn.execute("SELECT max(id) FROM snapshots").fetchone()
        if row[0] is None:
            raise SnapshotNotFound(
                "the database contains no snapshot yet; run a backup"
            )
        return row[0]
    row = conn.execute("SELECT id FROM snapshots WHERE id = ?", (snapshot_id,))
    if row.fetchone() is None:
        raise SnapshotNotFound(
            f"snapshot {snapshot_id} not found; list them with "
            "`lookervault-batch snapshots DB`"
        )
    return snapshot_id


def entries(conn: sqlite3.Connection, snapshot_id: int, kind: str | None = None):
    """Yield (type, id, title, folder_id, updated_at, size, sha256) per object."""
    sql = (
        "SELECT e.type, e.object_id, e.title, e.folder_id, e.updated_at, b.size, "
        "e.sha256 FROM entries e JOIN blobs b ON b.sha256 = e.sha256 "
        "WHERE e.snapshot_id = ?"
    )
    params: tuple = (snapshot_id,)
    if kind is not None:
        sql += " AND e.type = ?"
        params += (kind,)
    # Numeric ids in numeric order: shorter ids first, then by text.
    order = " ORDER BY e.type, length(e.object_id), e.object_id"
    yield from conn.execute(sql + order, params)


def failures(conn: sqlite3.Connection, snapshot_id: int):
    """Yield (type, id, status, message, attempts) per failed object."""
    yield from conn.execute(
        "SELECT type, object_id, status, message, attempts FROM failures "
        "WHERE snapshot_id = ? ORDER BY type, object_id",
        (snapshot_id,),
    )


def body(
    conn: sqlite3.Connection, snapshot_id: int, kind: str, object_id: str
) -> bytes:
    """Return the exact bytes the server sent for one object."""
    row = conn.execute(
        "SELECT b.codec, b.data FROM entries e JOIN blobs b ON b.sha256 = e.sha256 "
        "WHERE e.snapshot_id = ? AND e.type = ? AND e.object_id = ?",
        (snapshot_id, kind, object_id),
    ).fetchone()
    if row is None:
        failed = conn.execute(
            "SELECT message FROM failures WHERE snapshot_id = ? AND type = ? "
            "AND object_id = ?",
            (snapshot_id, kind, object_id),
        ).fetchone()
        if failed is not None:
            raise SnapshotNotFound(
                f"{kind} {object_id} failed in snapshot {snapshot_id} and has no "
                f"body: {failed[0]}"
            )
        raise SnapshotNotFound(
            f"no {kind} with id {object_id!r} in snapshot {snapshot_id}; list them "
            f"with `lookervault-batch list DB {kind}`"
        )
    codec, data = row
    return CODECS[codec](data)


# Snapshots in these states stopped before the end and can be continued.
RESUMABLE = ("running", "interrupted", "failed")


def resumable_snapshot(
    conn: sqlite3.Connection, instance_url: str, types
) -> int | None:
    """Return the latest snapshot if a run can continue it, else None.

    Only the newest snapshot qualifies, and only for the same instance and
    content types, so that a resumed snapshot is what one whole run would have
    made.
    """
    row = conn.execute(
        "SELECT id, status, instance_url, settings FROM snapshots "
        "ORDER BY id DESC LIMIT 1"
    ).fetchone()
    if row is None or row[1] not in RESUMABLE or row[2] != instance_url:
        return None
    if json.loads(row[3]).get("types") != list(types):
        return None
    return row[0]


def is_planned(conn: sqlite3.Connection, snapshot_id: int) -> bool:
    """True once a snapshot's listings and work units are recorded."""
    row = conn.execute(
        "SELECT 1 FROM listings WHERE snapshot_id = ? LIMIT 1", (snapshot_id,)
    ).fetchone()
    return row is not None


def pending_units(conn: sqlite3.Connection, snapshot_id: int, page: int = 200):
    """Yield the units of a snapshot not yet committed, as (id, type, ids).

    Units are read a page at a time, so the parent holds only those it is
    about to hand out, whatever the size of the instance.  Units committed
    meanwhile are skipped.
    """
    after = 0
    while True:
        rows = conn.execute(
            "SELECT id, type, object_ids FROM units WHERE snapshot_id = ? "
            "AND done = 0 AND id > ? ORDER BY id LIMIT ?",
            (snapshot_id, after, page),
        ).fetchall()
        if not rows:
            return
        for uid, kind, ids in rows:
            yield uid, kind, json.loads(ids)
        after = rows[-1][0]


def transient_failures(conn: sqlite3.Connection, snapshot_id: int):
    """Return (type, id) of failures that may pass on another try.

    Those that got no HTTP response, or a 429 or 5xx response, as recorded when
    Looker or the network was down, in the order the run would fetch them.
    """
    return conn.execute(
        "SELECT type, object_id FROM failures WHERE snapshot_id = ? "
        "AND (status IS NULL OR status = 429 OR status >= 500) "
        "ORDER BY type, object_id",
        (snapshot_id,),
    ).fetchall()


def pending_unit_count(conn: sqlite3.Connection, snapshot_id: int) -> int:
    """Return how many units of a snapshot are not yet committed."""
    row = conn.execute(
        "SELECT count(*) FROM units WHERE snapshot_id = ? AND done = 0",
        (snapshot_id,),
    ).fetchone()
    return row[0]


def progress_counts(conn: sqlite3.Connection, snapshot_id: int):
    """Return ({type: objects listed}, {type: objects stored or failed})."""
    listed = dict(
        conn.execute(
            "SELECT type, listed FROM listings WHERE snapshot_id = ?", (snapshot_id,)
        )
    )
    done = dict.fromkeys(listed, 0)
    for table in ("entries", "failures"):
        for kind, count in conn.execute(
            f"SELECT type, count(*) FROM {table} WHERE snapshot_id = ? GROUP BY type",
            (snapshot_id,),
        ):
            done[kind] = done.get(kind, 0) + count
    return listed, done


# Read functions of the history commands (verify, diff, history, export,
# forget).  None of them writes.


def snapshot(conn: sqlite3.Connection, snapshot_id: int) -> Snapshot:
    """Return one snapshot; raise :class:`SnapshotNotFound` if it is absent."""
    resolve_snapshot(conn, snapshot_id)
    row = conn.execute(
        "SELECT id, started_at, finished_at, status, instance_url, looker_version, "
        "tool_version, counts FROM snapshots WHERE id = ?",
        (snapshot_id,),
    ).fetchone()
    return Snapshot(*row[:-1], counts=json.loads(row[-1] or "{}"))


def snapshot_settings(conn: sqlite3.Connection, snapshot_id: int) -> dict:
    """Return the settings a snapshot's run recorded, secrets excluded."""
    row = conn.execute(
        "SELECT settings FROM snapshots WHERE id = ?", (snapshot_id,)
    ).fetchone()
    return json.loads(row[0]) if row and row[0] else {}


def listed_counts(conn: sqlite3.Connection, snapshot_id: int) -> dict[str, int]:
    """Return {type: objects listed} for each type a snapshot listed."""
    return dict(
        conn.execute(
            "SELECT type, listed FROM listings WHERE snapshot_id = ?", (snapshot_id,)
        )
    )


def type_counts(conn: sqlite3.Connection, table: str, snapshot_id: int) -> dict:
    """Return {type: rows} of ``entries`` or ``failures`` in one snapshot."""
    if table not in ("entries", "failures"):
        raise ValueError(f"not a per-object table: {table}")
    return dict(
        conn.execute(
            f"SELECT type, count(*) FROM {table} WHERE snapshot_id = ? GROUP BY type",
            (snapshot_id,),
        )
    )


def entry_index(conn: sqlite3.Connection, snapshot_id: int) -> dict:
    """Return {(type, id): (sha256, title, folder_id, updated_at)} of a snapshot."""
    rows = conn.execute(
        "SELECT type, object_id, sha256, title, folder_id, updated_at FROM entries "
        "WHERE snapshot_id = ?",
        (snapshot_id,),
    )
    return {(kind, object_id): rest for kind, object_id, *rest in rows}


def failure_index(conn: sqlite3.Connection, snapshot_id: int) -> dict:
    """Return {(type, id): message} of the objects a snapshot failed on."""
    rows = conn.execute(
        "SELECT type, object_id, message FROM failures WHERE snapshot_id = ?",
        (snapshot_id,),
    )
    return {(kind, object_id): message for kind, object_id, message in rows}


def planned_ids(
    conn: sqlite3.Connection, snapshot_id: int, pending_only: bool = False
) -> dict[str, set[str]]:
    """Return {type: ids} in a snapshot's work units, or only those not done.

    Only fetched types have units: a listed type's objects are stored with
    the plan itself.
    """
    sql = "SELECT type, object_ids FROM units WHERE snapshot_id = ?"
    if pending_only:
        sql += " AND done = 0"
    planned: dict[str, set[str]] = {}
    for kind, ids in conn.execute(sql, (snapshot_id,)):
        planned.setdefault(kind, set()).update(json.loads(ids))
    return planned


def missing_blobs(conn: sqlite3.Connection, snapshot_id: int):
    """Yield (type, id, sha256) of a snapshot's entries whose blob is absent."""
    yield from conn.execute(
        "SELECT e.type, e.object_id, e.sha256 FROM entries e "
        "LEFT JOIN blobs b ON b.sha256 = e.sha256 "
        "WHERE e.snapshot_id = ? AND b.sha256 IS NULL ORDER BY e.type, e.object_id",
        (snapshot_id,),
    )


def referenced_hashes(conn: sqlite3.Connection, snapshot_id: int) -> list[str]:
    """Return the distinct sha256 of the blobs a snapshot's entries reference."""
    return [
        sha256
        for (sha256,) in conn.execute(
            "SELECT DISTINCT sha256 FROM entries WHERE snapshot_id = ?",
            (snapshot_id,),
        )
    ]


def objects_with_blob(conn: sqlite3.Connection, snapshot_id: int, sha256: str):
    """Return [(type, id)] of a snapshot's entries that reference one blob."""
    return conn.execute(
        "SELECT type, object_id FROM entries WHERE snapshot_id = ? AND sha256 = ? "
        "ORDER BY type, object_id",
        (snapshot_id, sha256),
    ).fetchall()


def blob(conn: sqlite3.Connection, sha256: str) -> tuple[str, bytes] | None:
    """Return (codec, stored data) of one blob, or None when it is absent."""
    return conn.execute(
        "SELECT codec, data FROM blobs WHERE sha256 = ?", (sha256,)
    ).fetchone()


def blob_record(conn: sqlite3.Connection, sha256: str):
    """Return (size, codec, stored data) of one blob, or None when it is absent."""
    return conn.execute(
        "SELECT size, codec, data FROM blobs WHERE sha256 = ?", (sha256,)
    ).fetchone()


def object_states(conn: sqlite3.Connection, kind: str, object_id: str):
    """Return one object's rows across snapshots, as two dicts by snapshot id.

    The first maps to (sha256, size, title) where the object was stored, the
    second to the failure message where it failed.
    """
    stored = {
        sid: (sha, size, title)
        for sid, sha, size, title in conn.execute(
            "SELECT e.snapshot_id, e.sha256, b.size, e.title FROM entries e "
            "LEFT JOIN blobs b ON b.sha256 = e.sha256 "
            "WHERE e.type = ? AND e.object_id = ?",
            (kind, object_id),
        )
    }
    failed = dict(
        conn.execute(
            "SELECT snapshot_id, message FROM failures WHERE type = ? "
            "AND object_id = ?",
            (kind, object_id),
        )
    )
    return stored, failed
