"""verify: whole snapshots pass, damage is named, the live instance is compared."""

from __future__ import annotations

import zlib

from historyhelpers import (
    COUNTS,
    FAILING_DASHBOARD,
    backup,
    entry_sha,
    execute,
    run_json,
    run_text,
)

from lookervault.store import codecs
from lookervault.store.codecs import CODEC

from helpers import run_cli


def test_whole_snapshot_exits_0(one_snapshot_copy):
    """A fresh backup of a healthy instance verifies as whole."""
    db = one_snapshot_copy

    text = run_text("verify", db)
    report = run_json("verify", db, "--all")

    assert "integrity_check: ok" in text
    assert "verified: whole" in text
    assert report["whole"] is True
    dashboards = report["snapshots"][0]["types"]["dashboards"]
    assert dashboards == {"listed": 12, "stored": 12, "failed": 0, "damaged": 0}


def test_garbled_blob_is_named(one_snapshot_copy):
    """A blob overwritten with bytes that are not zstd is reported by object."""
    db = one_snapshot_copy
    sha = entry_sha(db, 1, "dashboards", "3")
    execute(db, "UPDATE blobs SET data = ? WHERE sha256 = ?", (b"garbage", sha))

    report = run_json("verify", db, expect_exit=3)

    problems = report["snapshots"][0]["problems"]
    assert problems == [
        f"dashboards 3: blob {sha[:12]} does not decompress "
        "(error determining content size from frame header)"
    ]
    assert report["snapshots"][0]["types"]["dashboards"]["damaged"] == 1
    assert report["whole"] is False


def test_blob_with_other_content_is_named(one_snapshot_copy):
    """A blob that decompresses to other bytes fails its sha256 check."""
    db = one_snapshot_copy
    sha = entry_sha(db, 1, "looks", "2")
    other = codecs.compress(b'{"id": "2", "title": "tampered"}')
    execute(db, "UPDATE blobs SET data = ? WHERE sha256 = ?", (other, sha))

    text = run_text("verify", db, expect_exit=3)

    assert f"problem: looks 2: blob {sha[:12]} does not match its sha256" in text
    assert "verified: problems found" in text


def test_zlib_blob_is_read_and_checked(one_snapshot_copy):
    """Earlier versions stored zlib; such blobs verify, show and fail as before."""
    db = one_snapshot_copy
    sha = entry_sha(db, 1, "looks", "2")
    ((data,),) = execute(db, "SELECT data FROM blobs WHERE sha256 = ?", (sha,))
    raw = codecs.DECODERS[CODEC](data)
    execute(
        db,
        "UPDATE blobs SET codec = 'zlib', data = ? WHERE sha256 = ?",
        (zlib.compress(raw), sha),
    )
    assert run_json("verify", db)["whole"] is True

    garbled = zlib.compress(raw)[:-9]
    execute(db, "UPDATE blobs SET data = ? WHERE sha256 = ?", (garbled, sha))
    report = run_json("verify", db, expect_exit=3)
    assert report["snapshots"][0]["problems"] == [
        f"looks 2: blob {sha[:12]} does not decompress (Error -5 while "
        "decompressing data: incomplete or truncated stream)"
    ]


def test_deleted_entry_is_named(one_snapshot_copy):
    """An entry deleted by hand breaks the count, and the missing id is named."""
    db = one_snapshot_copy
    execute(db, "DELETE FROM entries WHERE type = 'looks' AND object_id = '4'")

    report = run_json("verify", db, expect_exit=3)

    assert report["snapshots"][0]["problems"] == [
        "looks: listed 10, but 9 stored + 0 failed = 9; missing: 4"
    ]


def test_failed_object_is_a_problem(flaky_snapshots):
    """An object that failed during the backup makes the snapshot not whole."""
    report = run_json("verify", flaky_snapshots, "--snapshot", 2, expect_exit=3)

    problems = report["snapshots"][0]["problems"]
    assert problems[0].startswith("snapshot status is incomplete")
    assert problems[1] == (
        f"dashboards {FAILING_DASHBOARD} failed after 1 attempts: HTTP 500: "
        "Internal server error (simulated)"
    )
    assert len(problems) == 2


def test_all_names_only_the_damaged_snapshot(flaky_snapshots):
    """verify --all checks every snapshot and marks only the failed one."""
    report = run_json("verify", flaky_snapshots, "--all", expect_exit=3)

    whole = {check["snapshot"]: check["whole"] for check in report["snapshots"]}
    assert whole == {1: True, 2: False, 3: True}


def test_missing_snapshot_is_usage_error(one_snapshot):
    """Asking for a snapshot that does not exist is one line and exit 2."""
    result = run_cli("verify", one_snapshot, "--snapshot", "9")

    assert result.returncode == 2
    assert result.stderr.decode().strip().splitlines() == [
        "lookervault-batch: error: snapshot 9 not found; list them with "
        "`lookervault-batch snapshots DB`"
    ]


def test_live_matches_right_after_backup(tmp_path, start_simulator):
    """Compared with the instance it was just taken from, a snapshot matches."""
    simulator = start_simulator(counts=COUNTS, seed=16, small=True)
    db = backup(tmp_path, simulator)

    report = run_json("verify", db, "--live", tmp_path / "config.toml")

    assert report["matches"] is True
    assert report["types"]["dashboards"]["compared_by"] == "updated_at"
    assert report["types"]["folders"]["compared_by"] == "body"
    assert report["types"]["alerts"]["compared_by"] == "id only"


def test_live_reports_drift_since_snapshot(tmp_path, start_simulator):
    """Objects lost from the database, added, deleted and edited in Looker since
    the backup are each reported against the live listing."""
    simulator = start_simulator(counts=COUNTS, seed=17, small=True)
    db = backup(tmp_path, simulator)
    execute(db, "DELETE FROM entries WHERE type = 'dashboards' AND object_id = '2'")
    changed = simulator.mutate(
        add={"dashboards": 1},
        delete=[("looks", "5")],
        edit=[("dashboards", "3"), ("folders", "2")],
    )
    added = changed["added"]["dashboards"][0]

    report = run_json("verify", db, "--live", tmp_path / "config.toml", expect_exit=3)
    text = run_text("verify", db, "--live", tmp_path / "config.toml", expect_exit=3)

    dashboards = report["types"]["dashboards"]
    assert set(dashboards["missing"]) == {"2", added}
    assert dashboards["changed"] == ["3"]
    assert report["types"]["looks"]["deleted"] == ["5"]
    assert report["types"]["folders"]["changed"] == ["2"]
    assert report["matches"] is False
    assert f"missing from the backup:\n  dashboards 2\n  dashboards {added}\n" in text
    assert "deleted since the snapshot:\n  looks 5\n" in text
