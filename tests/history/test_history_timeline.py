"""history: the snapshots in which one object appeared, changed or went."""

from __future__ import annotations

import hashlib
import json

from historyhelpers import FAILING_DASHBOARD, backup, run_json, run_text

from helpers import run_cli


def test_edited_object_has_two_versions(two_snapshots):
    """An object edited between two runs has two versions; show reads either."""
    db = two_snapshots.db

    events = run_json("history", db, "looks", "1")
    old = run_cli("show", db, "looks", "1", "--snapshot", "1").stdout
    new = run_cli("show", db, "looks", "1").stdout

    assert [(e["snapshot"], e["event"]) for e in events] == [
        (1, "added"),
        (2, "modified"),
    ]
    assert events[0]["sha256"] == hashlib.sha256(old).hexdigest()
    assert events[1]["sha256"] == hashlib.sha256(new).hexdigest()
    assert events[0]["size"] == len(old)
    assert json.loads(new)["title"] == json.loads(old)["title"] + " (edit 1)"
    assert events[1]["title"] == json.loads(new)["title"]
    assert {e["status"] for e in events} == {"complete"}


def test_unchanged_object_has_one_event(two_snapshots):
    """A run that stores the same body again adds nothing to the history."""
    events = run_json("history", two_snapshots.db, "dashboards", "8")

    assert [(e["snapshot"], e["event"]) for e in events] == [(1, "added")]


def test_deleted_object_shows_removal(two_snapshots):
    """An object deleted in Looker ends its history with a removal."""
    events = run_json("history", two_snapshots.db, "dashboards", "10")
    text = run_text("history", two_snapshots.db, "dashboards", "10")

    assert [(e["snapshot"], e["event"]) for e in events] == [
        (1, "added"),
        (2, "removed"),
    ]
    assert events[1]["sha256"] is None
    assert " removed " in text.splitlines()[2]


def test_added_object_starts_in_second_snapshot(two_snapshots):
    """An object added after the first run first appears in snapshot 2."""
    added = two_snapshots.added["looks"][0]

    events = run_json("history", two_snapshots.db, "looks", added)

    assert [(e["snapshot"], e["event"]) for e in events] == [(2, "added")]


def test_failure_and_recovery_are_events(flaky_snapshots):
    """A dashboard that failed once and was then stored again, unchanged, shows
    the failure and the recovery."""
    events = run_json("history", flaky_snapshots, "dashboards", FAILING_DASHBOARD)

    assert [(e["snapshot"], e["event"]) for e in events] == [
        (1, "added"),
        (2, "failed"),
        (3, "recovered"),
    ]
    assert events[1]["message"] == "HTTP 500: Internal server error (simulated)"
    assert events[2]["sha256"] == events[0]["sha256"]


def test_unknown_object_is_one_line_error(tmp_path, start_simulator):
    """An id that no snapshot has is one line on stderr and exit 2."""
    simulator = start_simulator(counts={"folders": 2}, seed=34, small=True)
    db = backup(tmp_path, simulator, types=["folders"])

    result = run_cli("history", db, "folders", "77")

    assert result.returncode == 2
    assert result.stderr.decode().splitlines() == [
        "lookervault-batch: error: no folders with id '77' in any snapshot; list "
        "them with `lookervault-batch list DB folders`"
    ]
