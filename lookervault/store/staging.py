"""Ids listed for fetching, staged on disk while a run plans.

A run lists every content type before it fetches anything.  Kept in Python,
the ids of a 100,000-object instance, with their ``updated_at`` and the sets
that remove repeats, cost the parent about 20 MB.  So they go, one listing
page at a time, into a TEMP table of the run's own connection, which SQLite
keeps in a temporary file behind its small page cache.  The work units, the
objects carried from the last snapshot and the sample fetched anyway are then
made in SQL, a page of rows at a time.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable, Iterator

from lookervault.store.writer import transaction

# Rows read from the staged ids at once when cutting units or sampling.
READ_ROWS = 2000


class ListedIds:
    """The ids every listing found, in listing order, without repeats.

    Listing threads add pages from several threads at once; a lock keeps
    them off the connection together.  The main thread uses the connection
    again only once listing is over.
    """

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn
        self._lock = threading.Lock()
        self._counts: dict[str, int] = {}
        # A SQLite built to keep temporary tables in memory would undo the
        # point of staging.
        conn.execute("PRAGMA temp_store = FILE")
        conn.execute(
            "CREATE TEMP TABLE IF NOT EXISTS listed_ids ("
            "seq INTEGER PRIMARY KEY, type TEXT NOT NULL, object_id TEXT NOT NULL, "
            "updated_at TEXT, carry INTEGER NOT NULL DEFAULT 0, "
            "UNIQUE (type, object_id))"
        )
        conn.execute("DELETE FROM temp.listed_ids")

    def add(self, kind: str, pairs: Iterable[tuple[str, str | None]]) -> int:
        """Stage (id, updated_at) pairs of ``kind``; return how many were new."""
        rows = [(kind, object_id, updated) for object_id, updated in pairs]
        with self._lock:
            before = self.conn.total_changes
            with transaction(self.conn):
                self.conn.executemany(
                    "INSERT OR IGNORE INTO temp.listed_ids (type, object_id, "
                    "updated_at) VALUES (?, ?, ?)",
                    rows,
                )
            new = self.conn.total_changes - before
            self._counts[kind] = self._counts.get(kind, 0) + new
        return new

    def count(self, kind: str) -> int:
        """Ids of ``kind`` staged so far."""
        return self._counts.get(kind, 0)

    def mark_unchanged(self, kind: str, base_id: int) -> int:
        """Mark the ids whose ``updated_at`` equals snapshot ``base_id``'s to be
        carried; return how many."""
        cursor = self.conn.execute(
            "UPDATE temp.listed_ids SET carry = 1 WHERE type = ? "
            "AND updated_at IS NOT NULL AND EXISTS (SELECT 1 FROM entries b "
            "WHERE b.snapshot_id = ? AND b.type = listed_ids.type "
            "AND b.object_id = listed_ids.object_id "
            "AND b.updated_at = listed_ids.updated_at)",
            (kind, base_id),
        )
        return cursor.rowcount

    def fetch_anyway(self, kind: str, positions: set[int]) -> None:
        """Unmark the carried ids at ``positions`` (0-based, in listing order)."""
        chosen = []
        rows = self.conn.execute(
            "SELECT seq FROM temp.listed_ids WHERE type = ? AND carry = 1 ORDER BY seq",
            (kind,),
        )
        for position, (seq,) in enumerate(rows):
            if position in positions:
                chosen.append((seq,))
        self.conn.executemany(
            "UPDATE temp.listed_ids SET carry = 0 WHERE seq = ?", chosen
        )

    def carry_entries(self, kind: str, snapshot_id: int, base_id: int) -> None:
        """Copy the entries of the carried ids from ``base_id`` to ``snapshot_id``."""
        self.conn.execute(
            "INSERT INTO entries SELECT ?, b.type, b.object_id, b.sha256, b.title, "
            "b.folder_id, b.updated_at FROM temp.listed_ids s JOIN entries b "
            "ON b.snapshot_id = ? AND b.type = s.type AND b.object_id = s.object_id "
            "WHERE s.type = ? AND s.carry = 1",
            (snapshot_id, base_id, kind),
        )

    def to_fetch(self) -> int:
        """Ids staged and not carried, over every type."""
        row = self.conn.execute(
            "SELECT count(*) FROM temp.listed_ids WHERE carry = 0"
        ).fetchone()
        return row[0]

    def write_units(self, snapshot_id: int, kinds: Iterable[str], size: int) -> int:
        """Record the ids to fetch as units of ``size``, type by type in the
        order of ``kinds``; return the number of units."""
        unit_id = 0
        for kind in kinds:
            for ids in self._chunks(kind, size):
                unit_id += 1
                self.conn.execute(
                    "INSERT INTO units (snapshot_id, id, type, object_ids) "
                    "VALUES (?, ?, ?, ?)",
                    (snapshot_id, unit_id, kind, json.dumps(ids)),
                )
        return unit_id

    def clear(self) -> None:
        """Drop every staged id."""
        self.conn.execute("DELETE FROM temp.listed_ids")
        self._counts.clear()

    def _chunks(self, kind: str, size: int) -> Iterator[list[str]]:
        # Read with one cursor while another statement inserts units: SQLite
        # allows it, as the two touch different tables.
        rows = self.conn.execute(
            "SELECT object_id FROM temp.listed_ids WHERE type = ? AND carry = 0 "
            "ORDER BY seq",
            (kind,),
        )
        chunk: list[str] = []
        while batch := rows.fetchmany(READ_ROWS):
            for (object_id,) in batch:
                chunk.append(object_id)
                if len(chunk) == size:
                    yield chunk
                    chunk = []
        if chunk:
            yield chunk
