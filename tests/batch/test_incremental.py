"""Repeat runs fetch only what changed, and still catch silent edits."""

from __future__ import annotations

import json
import math
import re
import sqlite3

from helpers import run_cli, write_config

COUNTS = {"dashboards": 500, "looks": 500}
TYPES = ["dashboards", "looks"]
DETAIL = re.compile(r"^/api/4\.0/(dashboards|looks)/(?!search$)[^/]+$")


def backup(tmp_path, simulator, *flags, **settings):
    settings.setdefault("types", TYPES)
    path = write_config(tmp_path, simulator.base_url, **settings)
    result = run_cli("run", path, "--json", *flags)
    assert result.returncode == 0, result.stderr.decode()[-2000:]
    return json.loads(result.stdout), result.stderr.decode()


def entries(db, snapshot) -> dict[tuple[str, str], str]:
    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            "SELECT type, object_id, sha256 FROM entries WHERE snapshot_id = ?",
            (snapshot,),
        )
        return {(kind, object_id): sha for kind, object_id, sha in rows}


def detail_requests(simulator) -> list[str]:
    return [e["path"] for e in simulator.log() if DETAIL.match(e["path"])]


def test_unchanged_instance_costs_only_listing_requests(tmp_path, start_simulator):
    simulator = start_simulator(counts=COUNTS, small=True)
    backup(tmp_path, simulator, verify_sample=0)
    simulator.reset()
    summary, _ = backup(tmp_path, simulator, verify_sample=0)
    paths = {e["path"] for e in simulator.log()}
    assert paths <= {
        "/api/4.0/versions",
        "/api/4.0/login",
        "/api/4.0/dashboards/search",
        "/api/4.0/looks/search",
    }
    assert detail_requests(simulator) == []
    db = tmp_path / "backup.db"
    assert entries(db, 2) == entries(db, 1)
    assert summary["types"]["dashboards"]["unchanged"] == 500
    assert summary["status"] == "complete"


def test_changes_are_fetched_and_nothing_else(tmp_path, start_simulator):
    simulator = start_simulator(counts=COUNTS, small=True)
    backup(tmp_path, simulator)
    inventory = simulator.inventory()
    edited = [("dashboards", i) for i in inventory["dashboards"][:6]] + [
        ("looks", i) for i in inventory["looks"][:4]
    ]
    deleted = [("dashboards", i) for i in inventory["dashboards"][10:13]]
    answer = simulator.mutate(
        edit=edited, delete=deleted, add={"dashboards": 3, "looks": 2}
    )
    added = [(k, i) for k, ids in answer["added"].items() for i in ids]
    simulator.reset()

    sample = 0.02
    summary, _ = backup(tmp_path, simulator, verify_sample=sample)
    unchanged = sum(len(ids) for ids in inventory.values()) - len(edited) - 3
    sampled = sum(math.ceil(sample * n) for n in (500 - 6 - 3, 500 - 4))
    expected = len(edited) + len(added) + sampled
    assert len(detail_requests(simulator)) == expected
    db = tmp_path / "backup.db"
    first, second = entries(db, 1), entries(db, 2)
    assert set(first) - set(second) == set(deleted)
    assert set(second) - set(first) == set(added)
    modified = {k for k in set(first) & set(second) if first[k] != second[k]}
    assert modified == set(edited)
    assert summary["totals"]["unchanged"] == unchanged - sampled


def test_edit_without_updated_at_is_caught_by_the_sample(tmp_path, start_simulator):
    simulator = start_simulator(counts={"dashboards": 20}, small=True)
    backup(tmp_path, simulator, types=["dashboards"])
    quiet = simulator.inventory()["dashboards"][5]
    simulator.mutate(edit_silent=[("dashboards", quiet)])
    summary, stderr = backup(tmp_path, simulator, types=["dashboards"], verify_sample=1)
    assert summary["changed_without_updated_at"] == [
        {"type": "dashboards", "id": quiet}
    ]
    assert f"dashboards {quiet} changed since snapshot 1" in stderr
    served = simulator.record()["objects"]["dashboards"][quiet]["sha256"]
    assert entries(tmp_path / "backup.db", 2)[("dashboards", quiet)] == served


def test_full_run_fetches_everything(tmp_path, start_simulator):
    simulator = start_simulator(counts={"dashboards": 30, "looks": 30}, small=True)
    backup(tmp_path, simulator)
    simulator.reset()
    summary, _ = backup(tmp_path, simulator, "--full")
    assert len(detail_requests(simulator)) == 60
    assert summary["totals"]["unchanged"] == 0
