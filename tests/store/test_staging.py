"""Listed ids staged on disk: no repeats, units in listing order, carried entries."""

from __future__ import annotations

import json
import threading

from lookervault.store import reader
from lookervault.store.database import open_database
from lookervault.store.rows import ObjectRow
from lookervault.store.staging import ListedIds
from lookervault.store.writer import SnapshotWriter


def _pairs(ids, updated="2026-01-01T00:00:00.000+00:00"):
    return [(str(i), updated) for i in ids]


def _units(conn, snapshot_id):
    return conn.execute(
        "SELECT id, type, object_ids FROM units WHERE snapshot_id = ? ORDER BY id",
        (snapshot_id,),
    ).fetchall()


def _begin(conn) -> SnapshotWriter:
    writer = SnapshotWriter(conn)
    writer.begin("https://looker.example.com", "25.0", {}, "test")
    return writer


def test_listed_ids_count_only_new_ids(tmp_path):
    conn = open_database(tmp_path / "backup.db", create=True)
    found = ListedIds(conn)
    assert found.add("dashboards", _pairs(range(1, 6))) == 5
    assert found.add("dashboards", _pairs(range(4, 9))) == 3
    assert found.add("looks", _pairs(range(1, 3))) == 2
    assert found.count("dashboards") == 8
    assert found.count("looks") == 2
    assert found.to_fetch() == 10


def test_listed_ids_are_staged_outside_the_backup(tmp_path):
    conn = open_database(tmp_path / "backup.db", create=True)
    found = ListedIds(conn)
    found.add("dashboards", _pairs(range(1, 100)))
    tables = {name for (name,) in conn.execute("SELECT name FROM sqlite_master")}
    assert "listed_ids" not in tables
    assert conn.execute("PRAGMA temp_store").fetchone()[0] == 1


def test_listed_ids_from_three_threads(tmp_path):
    conn = open_database(tmp_path / "backup.db", create=True)
    found = ListedIds(conn)

    def add(kind):
        for page in range(20):
            found.add(kind, _pairs(range(page * 50, page * 50 + 55)))

    threads = [threading.Thread(target=add, args=(k,)) for k in ("a", "b", "c")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [found.count(k) for k in ("a", "b", "c")] == [1005, 1005, 1005]


def test_units_follow_listing_order_type_by_type(tmp_path):
    conn = open_database(tmp_path / "backup.db", create=True)
    writer = _begin(conn)
    found = ListedIds(conn)
    found.add("looks", _pairs([9, 3, 7]))
    found.add("dashboards", _pairs([5, 1, 4, 2, 8]))

    with writer._transaction():
        count = found.write_units(writer.snapshot_id, ["dashboards", "looks"], 2)

    units = _units(conn, writer.snapshot_id)
    assert count == len(units) == 5
    assert [(uid, kind, json.loads(ids)) for uid, kind, ids in units] == [
        (1, "dashboards", ["5", "1"]),
        (2, "dashboards", ["4", "2"]),
        (3, "dashboards", ["8"]),
        (4, "looks", ["9", "3"]),
        (5, "looks", ["7"]),
    ]
    assert list(reader.pending_units(conn, writer.snapshot_id, page=2)) == [
        (uid, kind, json.loads(ids)) for uid, kind, ids in units
    ]


def test_listed_ids_carry_unchanged_but_sample(tmp_path):
    conn = open_database(tmp_path / "backup.db", create=True)
    base = _begin(conn)
    old, new = "2026-01-01T00:00:00.000+00:00", "2026-02-01T00:00:00.000+00:00"
    rows = [
        ObjectRow("dashboards", str(i), f"{i:064x}", 10, "none", b"x", "t", "1", old)
        for i in range(1, 11)
    ]
    base.write(rows, [], [])
    writer = _begin(conn)
    found = ListedIds(conn)
    # 1-6 unchanged, 7-10 edited since, 11-12 new.
    found.add("dashboards", _pairs(range(1, 7), old) + _pairs(range(7, 13), new))

    with writer._transaction():
        unchanged = found.mark_unchanged("dashboards", base.snapshot_id)
        found.fetch_anyway("dashboards", {0, 5})
        found.carry_entries("dashboards", writer.snapshot_id, base.snapshot_id)
        found.write_units(writer.snapshot_id, ["dashboards"], 25)

    assert unchanged == 6
    carried = conn.execute(
        "SELECT object_id FROM entries WHERE snapshot_id = ? ORDER BY object_id",
        (writer.snapshot_id,),
    ).fetchall()
    assert sorted(int(i) for (i,) in carried) == [2, 3, 4, 5]
    ((_, _, ids),) = _units(conn, writer.snapshot_id)
    assert json.loads(ids) == ["1", "6", "7", "8", "9", "10", "11", "12"]
