"""Helpers of the history tests: back up a simulator, run commands, edit rows."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from helpers import run_cli, write_config

# Every content type a few times, small enough for two shared cores.
COUNTS = {
    "dashboards": 12,
    "looks": 10,
    "folders": 6,
    "boards": 2,
    "users": 4,
    "groups": 2,
    "user_attributes": 2,
    "scheduled_plans": 2,
    "alerts": 2,
    "lookml_models": 2,
}

# Changes made between the two snapshots of the ``two_snapshots`` fixture.
EDITS = [("dashboards", str(i)) for i in range(1, 7)] + [
    ("looks", "1"),
    ("looks", "2"),
    ("folders", "3"),
    ("users", "2"),
]
DELETES = [("dashboards", "10"), ("dashboards", "11"), ("looks", "9")]
ADDS = {"dashboards": 3, "looks": 2}
# The dashboard that fails in the second snapshot of ``flaky_snapshots``.
FAILING_DASHBOARD = "6"


def backup(directory: Path, simulator, *flags, expect_exit: int = 0, **settings):
    """Back up ``simulator`` with the real CLI into ``directory``/backup.db."""
    settings.setdefault("processes", 1)
    settings.setdefault("threads", 4)
    # One attempt, so that an object set to fail fails at once.
    settings.setdefault("max_attempts", 1)
    config = write_config(directory, simulator.base_url, **settings)
    result = run_cli("run", config, "--no-progress", *flags)
    assert result.returncode == expect_exit, result.stderr.decode()
    return directory / "backup.db"


def run_json(*args, expect_exit: int = 0):
    """Run a command with --json; check its exit code and return the JSON."""
    result = run_cli(*args, "--json")
    assert result.returncode == expect_exit, result.stderr.decode()
    return json.loads(result.stdout)


def run_text(*args, expect_exit: int = 0) -> str:
    """Run a command; check its exit code and return its stdout."""
    result = run_cli(*args)
    assert result.returncode == expect_exit, result.stderr.decode()
    return result.stdout.decode()


def execute(db: Path, statement: str, params: tuple = ()) -> list:
    """Run one SQL statement on ``db`` by hand, committed; return its rows."""
    conn = sqlite3.connect(db)
    try:
        with conn:
            return conn.execute(statement, params).fetchall()
    finally:
        conn.close()


def entry_sha(db: Path, snapshot: int, kind: str, object_id: str) -> str:
    """Return the sha256 an entry of ``snapshot`` points to."""
    rows = execute(
        db,
        "SELECT sha256 FROM entries WHERE snapshot_id = ? AND type = ? "
        "AND object_id = ?",
        (snapshot, kind, object_id),
    )
    return rows[0][0]
