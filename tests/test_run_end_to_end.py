"""Whole backups through the real CLI, against a simulator over a real socket."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from lookervault import catalog

from helpers import CLIENT_ID, CLIENT_SECRET, run_cli, write_config

# Big enough for every type and several units per worker, small enough for
# two shared cores: about 250 objects, a few MB of realistic bodies.
COUNTS = {
    "dashboards": 24,
    "looks": 60,
    "folders": 20,
    "boards": 5,
    "users": 40,
    "groups": 6,
    "roles": 4,
    "permission_sets": 3,
    "model_sets": 3,
    "user_attributes": 5,
    "scheduled_plans": 15,
    "alerts": 8,
    "lookml_models": 4,
}
EXPORTS = Path(__file__).parent / "fixtures" / "exports"


def backup(tmp_path, simulator, *flags, **backup_settings):
    path = write_config(tmp_path, simulator.base_url, **backup_settings)
    result = run_cli("run", path, "--json", *flags)
    summary = json.loads(result.stdout) if result.stdout.strip() else None
    return result, summary


def stored_hashes(db: Path, snapshot: int) -> dict[tuple[str, str], str]:
    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            "SELECT type, object_id, sha256 FROM entries WHERE snapshot_id = ?",
            (snapshot,),
        )
        return {(kind, object_id): sha for kind, object_id, sha in rows}


def served_hashes(record: dict) -> dict[tuple[str, str], str]:
    return {
        (kind, object_id): served["sha256"]
        for kind, objects in record["objects"].items()
        for object_id, served in objects.items()
    }


def test_every_served_object_is_stored_byte_identical(tmp_path, start_simulator):
    simulator = start_simulator(counts=COUNTS, seed=3)
    result, summary = backup(tmp_path, simulator, processes=2, threads=4)
    assert result.returncode == 0, result.stderr.decode()
    record = simulator.record()
    stored = stored_hashes(tmp_path / "backup.db", summary["snapshot"])
    served = served_hashes(record)
    assert served, "the simulator served no objects"
    assert stored == served
    inventory = simulator.inventory()
    for kind in catalog.TYPE_NAMES:
        expected = set(map(str, inventory.get(kind, [])))
        if kind == "user_attribute_group_values":
            expected = set(map(str, inventory["user_attributes"]))
        assert {i for k, i in stored if k == kind} == expected, kind


def test_summary_reconciles_listed_with_stored_and_failed(tmp_path, start_simulator):
    simulator = start_simulator(counts=COUNTS, seed=4)
    result, summary = backup(tmp_path, simulator, processes=2, threads=3)
    assert result.returncode == 0, result.stderr.decode()
    assert summary["reconciled"] is True
    assert summary["status"] == "complete"
    for kind, counts in summary["types"].items():
        assert counts["listed"] == counts["stored"] + counts["failed"], kind
    assert summary["types"]["dashboards"]["stored"] == COUNTS["dashboards"]


def test_counters_match_what_was_stored(tmp_path, start_simulator):
    simulator = start_simulator(counts=COUNTS, seed=5)
    result, summary = backup(tmp_path, simulator, processes=3, threads=6, unit_size=2)
    assert result.returncode == 0, result.stderr.decode()
    for kind, counts in summary["types"].items():
        counted = summary["counters"][kind]
        assert counted["fetched"] == counts["stored"], kind
        assert counted["failed"] == counts["failed"], kind


def test_object_answering_500_is_recorded_as_failure(tmp_path, start_simulator):
    simulator = start_simulator(counts=COUNTS, seed=6)
    broken = simulator.inventory()["dashboards"][3]
    simulator.stop()
    simulator = start_simulator(counts=COUNTS, seed=6, fail=(("dashboards", broken),))
    result, summary = backup(
        tmp_path, simulator, processes=2, threads=4, max_attempts=3
    )
    assert result.returncode == 3, result.stderr.decode()
    assert summary["status"] == "incomplete"
    assert summary["failures"] == [
        {
            "type": "dashboards",
            "id": broken,
            "status": 500,
            "message": "HTTP 500: Internal server error (simulated)",
            "attempts": 3,
        }
    ]
    assert summary["types"]["dashboards"]["stored"] == COUNTS["dashboards"] - 1
    text = run_cli("snapshots", tmp_path / "backup.db").stdout.decode()
    assert "incomplete" in text
    with sqlite3.connect(tmp_path / "backup.db") as conn:
        rows = conn.execute("SELECT status, message FROM failures").fetchall()
    assert rows == [(500, "HTTP 500: Internal server error (simulated)")]


def test_failed_object_is_named_in_text_summary(tmp_path, start_simulator):
    counts = {"dashboards": 4, "looks": 2}
    simulator = start_simulator(counts=counts, seed=6)
    broken = simulator.inventory()["looks"][1]
    simulator.stop()
    simulator = start_simulator(counts=counts, seed=6, fail=(("looks", broken),))
    path = write_config(
        tmp_path, simulator.base_url, types=["dashboards", "looks"], max_attempts=1
    )
    result = run_cli("run", path, "--no-progress")
    assert result.returncode == 3
    assert f"looks {broken}: HTTP 500" in result.stdout.decode()


def test_second_run_adds_a_snapshot_but_no_blobs(tmp_path, start_simulator):
    simulator = start_simulator(counts=COUNTS, seed=8)
    first, _ = backup(tmp_path, simulator)
    assert first.returncode == 0, first.stderr.decode()
    db = tmp_path / "backup.db"
    with sqlite3.connect(db) as conn:
        blobs_before = conn.execute("SELECT count(*) FROM blobs").fetchone()[0]
    second, summary = backup(tmp_path, simulator)
    assert second.returncode == 0, second.stderr.decode()
    assert summary["snapshot"] == 2
    with sqlite3.connect(db) as conn:
        blobs_after = conn.execute("SELECT count(*) FROM blobs").fetchone()[0]
        per_snapshot = conn.execute(
            "SELECT snapshot_id, count(*) FROM entries GROUP BY snapshot_id"
        ).fetchall()
    assert blobs_after == blobs_before
    assert per_snapshot[0][1] == per_snapshot[1][1]
    assert stored_hashes(db, 1) == stored_hashes(db, 2)


def test_exported_files_are_stored_unchanged(tmp_path, start_simulator):
    simulator = start_simulator(from_dir=str(EXPORTS))
    result, summary = backup(
        tmp_path, simulator, types=["dashboards", "looks", "folders"]
    )
    assert result.returncode == 0, result.stderr.decode()
    db = tmp_path / "backup.db"
    expected = {}
    for path in EXPORTS.glob("*.json"):
        kind = {"Dashboard": "dashboards", "Look": "looks"}.get(
            path.name.split("_")[0], "folders"
        )
        object_id = str(json.loads(path.read_bytes())["id"])
        expected[(kind, object_id)] = path.read_bytes()
    stored = stored_hashes(db, summary["snapshot"])
    assert set(stored) == set(expected)
    for (kind, object_id), raw in expected.items():
        shown = run_cli("show", db, kind, object_id)
        assert shown.returncode == 0, shown.stderr.decode()
        assert shown.stdout == raw, (kind, object_id)
        assert stored[(kind, object_id)] == hashlib.sha256(raw).hexdigest()


def test_list_shows_titles_with_unicode(tmp_path, start_simulator):
    simulator = start_simulator(from_dir=str(EXPORTS))
    result, _ = backup(tmp_path, simulator, types=["dashboards"])
    assert result.returncode == 0, result.stderr.decode()
    listed = run_cli("list", tmp_path / "backup.db", "dashboards", "--json")
    rows = [json.loads(line) for line in listed.stdout.decode().splitlines()]
    titles = {row["id"]: row["title"] for row in rows}
    assert titles["7"] == "Ventas ☕ por región 📊"
    assert titles["9"] == "Empty"
    updated = {row["id"]: row["updated_at"] for row in rows}
    assert updated["7"] == "2024-03-01 17:05:44 UTC"


def test_secret_never_reaches_output_or_database(tmp_path, start_simulator):
    simulator = start_simulator(counts={"dashboards": 3, "users": 3}, seed=2)
    result, _ = backup(tmp_path, simulator, "--debug", types=["dashboards", "users"])
    assert result.returncode == 0, result.stderr.decode()
    secret = b"test-secret-3f9a1c"
    assert secret not in result.stdout
    assert secret not in result.stderr
    assert secret not in (tmp_path / "backup.db").read_bytes()


def test_database_is_private_to_its_owner(tmp_path, start_simulator):
    simulator = start_simulator(counts={"folders": 2}, seed=2)
    result, _ = backup(tmp_path, simulator, types=["folders"])
    assert result.returncode == 0, result.stderr.decode()
    assert (tmp_path / "backup.db").stat().st_mode & 0o777 == 0o600


def test_bundled_simulator_runs_build_on_each_other(tmp_path):
    """Each [simulator] run starts a simulator on a new port; the second run
    still finds the first snapshot as its base and fetches only a sample."""
    config = tmp_path / "demo.toml"
    config.write_text(
        '[backup]\ndatabase = "demo.db"\ntypes = ["dashboards", "folders"]\n\n'
        "[simulator]\nseed = 3\ncounts = { dashboards = 40, folders = 5 }\n"
    )
    first = run_cli("run", config, "--json")
    assert first.returncode == 0, first.stderr.decode()
    second = run_cli("run", config, "--json")
    assert second.returncode == 0, second.stderr.decode()
    summary = json.loads(second.stdout)
    assert summary["snapshot"] == 2
    assert summary["instance_url"] == "lookervault simulator (seed 3, scale 1)"
    assert summary["types"]["dashboards"]["unchanged"] == 40 - 1


def test_closed_stdout_keeps_the_exit_code(tmp_path, start_simulator):
    """`run ... | head -1` still exits 3 for an incomplete snapshot."""
    counts = {"dashboards": 4}
    simulator = start_simulator(counts=counts, seed=6)
    broken = simulator.inventory()["dashboards"][0]
    simulator.stop()
    simulator = start_simulator(counts=counts, seed=6, fail=(("dashboards", broken),))
    path = write_config(tmp_path, simulator.base_url, max_attempts=1)
    environment = {
        **os.environ,
        "LOOKERSDK_CLIENT_ID": CLIENT_ID,
        "LOOKERSDK_CLIENT_SECRET": CLIENT_SECRET,
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "lookervault", "run", str(path), "--no-progress"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=environment,
    )
    process.stdout.close()  # the reader is gone before the summary is printed
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 3, stderr.decode()[-2000:]
    assert "Traceback" not in stderr.decode()
