"""Fetch only what changed: compare a listing with the last snapshot.

An object whose listed ``updated_at`` equals the one stored in the base
snapshot joins the new snapshot by reference to its stored body, at no API
cost.  Looker does not move ``updated_at`` for every edit (a tile or filter
change may leave it), so a random sample of those objects is fetched anyway;
a body that changed under an unchanged ``updated_at`` is then stored and
reported, so such a change cannot hide for long.
"""

from __future__ import annotations

import logging
import math
import random
import sqlite3
from collections.abc import Iterable

from lookervault.store.staging import ListedIds

log = logging.getLogger(__name__)


def base_snapshot(conn: sqlite3.Connection, instance_url: str, current: int):
    """Return the latest finished snapshot of the same instance, or None.

    An incomplete snapshot qualifies: the objects it failed on are simply
    absent from it, so they are fetched again.
    """
    row = conn.execute(
        "SELECT max(id) FROM snapshots WHERE id < ? AND instance_url = ? "
        "AND status IN ('complete', 'incomplete')",
        (current, instance_url),
    ).fetchone()
    return row[0]


def carry_unchanged(
    found: ListedIds,
    kinds: Iterable[str],
    snapshot_id: int,
    base_id: int,
    sample: float,
) -> dict[str, int]:
    """Carry the entries of objects unchanged since snapshot ``base_id``.

    ``sample`` is the fraction of unchanged objects fetched all the same; the
    snapshot's id seeds the draw, so it repeats for one snapshot.  Return
    {type: objects carried}.  Runs inside the plan's transaction.
    """
    chance = random.Random(snapshot_id)
    carried = {}
    for kind in kinds:
        unchanged = found.mark_unchanged(kind, base_id)
        if not unchanged:
            continue
        checked = math.ceil(sample * unchanged)
        found.fetch_anyway(kind, set(chance.sample(range(unchanged), checked)))
        found.carry_entries(kind, snapshot_id, base_id)
        carried[kind] = unchanged - checked
        log.info(
            "%s: %d unchanged since snapshot %d, %d to fetch (%d of them to "
            "check unchanged bodies)",
            kind,
            carried[kind],
            base_id,
            found.count(kind) - carried[kind],
            checked,
        )
    return carried


def changed_silently(conn: sqlite3.Connection, base_id: int, snapshot_id: int):
    """Return (type, id) of objects whose body changed but updated_at did not."""
    return conn.execute(
        "SELECT e.type, e.object_id FROM entries e JOIN entries b "
        "ON b.snapshot_id = ? AND b.type = e.type AND b.object_id = e.object_id "
        "WHERE e.snapshot_id = ? AND e.updated_at = b.updated_at "
        "AND e.sha256 != b.sha256 ORDER BY e.type, e.object_id",
        (base_id, snapshot_id),
    ).fetchall()


def _stored_updated_at(conn, snapshot_id: int, kind: str) -> dict[str, str]:
    rows = conn.execute(
        "SELECT object_id, updated_at FROM entries WHERE snapshot_id = ? AND type = ? "
        "AND updated_at IS NOT NULL",
        (snapshot_id, kind),
    )
    return dict(rows)
