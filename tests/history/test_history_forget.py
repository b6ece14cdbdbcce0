"""forget: the retention policy, pruned bodies, a smaller file, and safety."""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

import pytest
from historyhelpers import COUNTS, backup, execute, run_json

from lookervault.history.forget import Policy, decide
from lookervault.simulator import SimulatorConfig, SimulatorProcess
from lookervault.store.lock import exclusive_run
from lookervault.store.reader import Snapshot

from helpers import CLIENT_ID, CLIENT_SECRET, run_cli

# Start times given to the five snapshots: two ISO weeks, four days.
STARTED = {
    1: "2024-04-29T10:00:00+00:00",  # Monday of 2024-W18
    2: "2024-05-01T09:00:00+00:00",  # Wednesday, W18
    3: "2024-05-01T18:00:00+00:00",  # the same Wednesday, later
    4: "2024-05-06T08:00:00+00:00",  # Monday of 2024-W19
    5: "2024-05-07T08:00:00+00:00",  # Tuesday, W19
}


@pytest.fixture(scope="module")
def five_snapshots(tmp_path_factory) -> Path:
    """A database of five snapshots, four dashboards edited before each run."""
    directory = tmp_path_factory.mktemp("five")
    config = SimulatorConfig(
        client_id=CLIENT_ID, client_secret=CLIENT_SECRET, counts=COUNTS, seed=51
    )
    with SimulatorProcess(config).start() as simulator:
        db = backup(directory, simulator)
        for run in range(1, 5):
            edits = [("dashboards", str(run * 2 + i)) for i in range(4)]
            simulator.mutate(edit=edits)
            backup(directory, simulator)
    for sid, started in STARTED.items():
        execute(db, "UPDATE snapshots SET started_at = ? WHERE id = ?", (started, sid))
    return db


@pytest.fixture
def db(five_snapshots, tmp_path) -> Path:
    """A copy of the five-snapshot database for one test to change."""
    copy = tmp_path / "backup.db"
    shutil.copyfile(five_snapshots, copy)
    return copy


def remaining(db: Path) -> list[int]:
    return [sid for (sid,) in execute(db, "SELECT id FROM snapshots ORDER BY id")]


def test_policy_keeps_last_daily_and_weekly(db):
    """Keep the last, two days and two weeks: snapshots 3, 4 and 5 stay."""
    result = run_json(
        "forget", db, "--keep-last", 1, "--keep-daily", 2, "--keep-weekly", 2
    )

    reasons = {d["snapshot"]: d["reasons"] for d in result["decisions"]}
    assert reasons == {
        1: [],
        2: [],
        3: ["weekly 2024-W18"],
        4: ["daily 2024-05-06"],
        5: ["last", "daily 2024-05-07", "weekly 2024-W19"],
    }
    assert result["snapshots_removed"] == [1, 2]
    assert remaining(db) == [3, 4, 5]
    for table in ("entries", "failures", "units", "listings"):
        rows = execute(db, f"SELECT count(*) FROM {table} WHERE snapshot_id < 3")
        assert rows == [(0,)], table
    assert run_cli("verify", db, "--all").returncode == 0


def test_pruned_bodies_shrink_the_file(db):
    """Dropping all but the last snapshot deletes old bodies and shrinks the file."""
    size_before = os.path.getsize(db)
    blobs_before = execute(db, "SELECT count(*) FROM blobs")[0][0]

    result = run_json("forget", db, "--keep-last", 1)

    blobs_after = execute(db, "SELECT count(*) FROM blobs")[0][0]
    unused = execute(
        db,
        "SELECT count(*) FROM blobs WHERE sha256 NOT IN (SELECT sha256 FROM entries)",
    )
    assert result["snapshots_removed"] == [1, 2, 3, 4]
    assert result["blobs_removed"] == blobs_before - blobs_after
    assert result["blobs_removed"] >= 16
    assert unused == [(0,)]
    assert os.path.getsize(db) < size_before - result["blob_bytes_removed"] // 2
    assert result["bytes_freed"] == size_before - os.path.getsize(db)
    assert run_cli("verify", db).returncode == 0


def test_running_snapshot_is_never_removed(db):
    """A snapshot marked running stays, whatever the policy."""
    execute(db, "UPDATE snapshots SET status = 'running' WHERE id = 2")

    result = run_json("forget", db, "--keep-last", 1)

    assert result["snapshots_removed"] == [1, 3, 4]
    assert remaining(db) == [2, 5]
    assert execute(db, "SELECT count(*) FROM entries WHERE snapshot_id = 2") != [(0,)]


def test_dry_run_changes_nothing_and_predicts(db, tmp_path):
    """--dry-run leaves the file byte for byte and predicts the real run."""
    before = hashlib.sha256(db.read_bytes()).hexdigest()

    predicted = run_json("forget", db, "--keep-weekly", 1, "--dry-run")

    assert hashlib.sha256(db.read_bytes()).hexdigest() == before
    assert remaining(db) == [1, 2, 3, 4, 5]
    done = run_json("forget", db, "--keep-weekly", 1)
    assert predicted["snapshots_removed"] == done["snapshots_removed"] == [1, 2, 3, 4]
    assert predicted["blobs_removed"] == done["blobs_removed"]
    assert predicted["blob_bytes_removed"] == done["blob_bytes_removed"]


def test_forget_waits_for_no_run(db):
    """While a run holds the database's lock, forget stops at once, exit 1."""
    with exclusive_run(db):
        result = run_cli("forget", db, "--keep-last", 1)

    assert result.returncode == 1
    assert "is in use by another lookervault-batch run" in result.stderr.decode()
    assert remaining(db) == [1, 2, 3, 4, 5]


def test_policy_keeping_nothing_is_usage_error(db):
    """A forget without any keep option is rejected before anything is read."""
    result = run_cli("forget", db)

    assert result.returncode == 2
    assert len(result.stderr.decode().splitlines()) == 1
    assert "needs at least one of --keep-last" in result.stderr.decode()


def _snapshot(sid: int, started: str, status: str = "complete") -> Snapshot:
    return Snapshot(sid, started, None, status, "https://looker.test", None, "1", {})


def test_daily_counts_days_that_have_snapshots():
    """--keep-daily 2 keeps the last of the two latest days with snapshots,
    however many empty days lie between them."""
    snapshots = [
        _snapshot(1, "2024-05-01T08:00:00+00:00"),
        _snapshot(2, "2024-05-01T20:00:00+00:00"),
        _snapshot(3, "2024-05-05T08:00:00+00:00"),
        _snapshot(4, "2024-05-20T08:00:00+00:00"),
    ]

    decisions = decide(snapshots, Policy(daily=2))

    assert [d.snapshot.id for d in decisions if d.keep] == [3, 4]


def test_days_are_utc_days():
    """Start times in another offset are bucketed by their UTC day."""
    snapshots = [
        _snapshot(1, "2024-05-01T23:30:00-02:00"),  # 2024-05-02 01:30 UTC
        _snapshot(2, "2024-05-02T05:00:00+00:00"),
    ]

    decisions = decide(snapshots, Policy(daily=2))

    assert [d.keep for d in decisions] == [False, True]
