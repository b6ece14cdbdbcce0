"""The end-of-run summary, reconciled from the database itself.

Counts of stored objects and failures are read back from the snapshot rather
than from the in-memory counters, so the summary states what is on disk.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field

from lookervault import catalog
from lookervault.errors import EXIT_INCOMPLETE, EXIT_OK

# Failures listed by name in the text summary; --json lists them all.
SHOWN_FAILURES = 20


@dataclass
class Summary:
    """The outcome of one run, per content type and in total."""

    snapshot_id: int
    database: str
    instance_url: str
    looker_version: str | None
    status: str = "running"
    elapsed_seconds: float = 0.0
    types: dict[str, dict[str, int]] = field(default_factory=dict)
    failures: list[dict] = field(default_factory=list)
    extra: dict = field(default_factory=dict)

    @property
    def totals(self) -> dict[str, int]:
        """Each count summed over every type."""
        totals: dict[str, int] = {}
        for counts in self.types.values():
            for key, value in counts.items():
                totals[key] = totals.get(key, 0) + value
        return totals

    @property
    def reconciled(self) -> bool:
        """True when every listed object is either stored or failed, per type."""
        return all(
            c["listed"] == c["stored"] + c["failed"] for c in self.types.values()
        )

    @property
    def exit_code(self) -> int:
        """0 when whole, 3 when anything failed or does not add up."""
        whole = not self.failures and self.reconciled
        return EXIT_OK if whole else EXIT_INCOMPLETE

    def as_dict(self) -> dict:
        """Return the summary as a JSON-ready dict."""
        stored = self.totals.get("stored", 0)
        return {
            "snapshot": self.snapshot_id,
            "database": self.database,
            "status": self.status,
            "instance_url": self.instance_url,
            "looker_version": self.looker_version,
            "elapsed_seconds": round(self.elapsed_seconds, 3),
            "objects_per_second": round(stored / max(self.elapsed_seconds, 1e-9), 1),
            "types": self.types,
            "totals": self.totals,
            "reconciled": self.reconciled,
            "failures": self.failures,
            "exit_code": self.exit_code,
            **self.extra,
        }

    def as_text(self) -> str:
        """Return the summary as a table for people."""
        lines = [f"snapshot {self.snapshot_id} {self.status} in {self.database}"]
        lines.append(
            f"{'type':<28} {'listed':>8} {'stored':>8} {'unchanged':>9} "
            f"{'failed':>7} {'requests':>9} {'MB':>9}"
        )
        for kind, c in {**self.types, "total": self.totals}.items():
            lines.append(
                f"{kind:<28} {c['listed']:>8} {c['stored']:>8} "
                f"{c['unchanged']:>9} {c['failed']:>7} {c['requests']:>9} "
                f"{c['bytes'] / 1e6:>9.1f}"
            )
        rate = self.totals.get("stored", 0) / max(self.elapsed_seconds, 1e-9)
        lines.append(f"{self.elapsed_seconds:.1f} s, {rate:.0f} objects/s")
        lines.extend(self._failure_lines())
        return "\n".join(lines)

    def _failure_lines(self) -> list[str]:
        if not self.failures:
            return []
        lines = [f"{len(self.failures)} failed:"]
        for f in self.failures[:SHOWN_FAILURES]:
            lines.append(f"  {f['type']} {f['id']}: {f['message']}")
        if len(self.failures) > SHOWN_FAILURES:
            lines.append(
                f"  ... and {len(self.failures) - SHOWN_FAILURES} more; "
                "run with --json for all of them"
            )
        return lines


def reconcile(summary: Summary, conn: sqlite3.Connection, counters: dict) -> None:
    """Fill ``summary`` with per-type counts from the database and counters.

    Stored and failed objects come from the database; requests, bytes and
    retries from this process's counters, so after a resumed run they cover
    the resumed part only.
    """
    sid = summary.snapshot_id
    stored = _counts(
        conn,
        "SELECT type, count(*) FROM entries WHERE snapshot_id = ? GROUP BY type",
        sid,
    )
    failed = _counts(
        conn,
        "SELECT type, count(*) FROM failures WHERE snapshot_id = ? GROUP BY type",
        sid,
    )
    listings = conn.execute(
        "SELECT type, listed, duplicates, carried FROM listings WHERE snapshot_id = ?",
        (sid,),
    ).fetchall()
    order = {name: position for position, name in enumerate(catalog.TYPE_NAMES)}
    listings.sort(key=lambda row: order.get(row[0], len(order)))
    for kind, listed, duplicates, carried in listings:
        live = counters.get(kind, {})
        summary.types[kind] = {
            "listed": listed,
            "stored": stored.get(kind, 0),
            "failed": failed.get(kind, 0),
            "duplicates": duplicates,
            "unchanged": carried,
            "requests": live.get("requests", 0),
            "bytes": live.get("bytes", 0),
            "retries": live.get("retries", 0),
        }
    summary.failures = [
        {"type": t, "id": i, "status": s, "message": m, "attempts": a}
        for t, i, s, m, a in conn.execute(
            "SELECT type, object_id, status, message, attempts FROM failures "
            "WHERE snapshot_id = ? ORDER BY type, object_id",
            (sid,),
        )
    ]


def _counts(conn, sql: str, snapshot_id: int) -> dict[str, int]:
    return dict(conn.execute(sql, (snapshot_id,)).fetchall())
