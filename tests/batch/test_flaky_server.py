"""Backups against a Looker that throttles, fails, drops, stalls and expires."""

from __future__ import annotations

import json
import math
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time

from helpers import CLIENT_ID, CLIENT_SECRET, run_cli, write_config

LOGIN = "/api/4.0/login"
DETAIL = re.compile(r"/(dashboards|looks)/\d+$")


def backup(tmp_path, simulator, env=None, **settings):
    path = write_config(tmp_path, simulator.base_url, **settings)
    started = time.monotonic()
    result = run_cli("run", path, "--json", env=env)
    elapsed = time.monotonic() - started
    summary = json.loads(result.stdout) if result.stdout.strip() else None
    return result, summary, elapsed


def start_run(path) -> subprocess.Popen:
    """Start a run in the background, its stderr piped."""
    return subprocess.Popen(
        [sys.executable, "-m", "lookervault", "run", str(path), "--no-progress"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={
            **os.environ,
            "LOOKERSDK_CLIENT_ID": CLIENT_ID,
            "LOOKERSDK_CLIENT_SECRET": CLIENT_SECRET,
        },
    )


def stored_hashes(db) -> dict[tuple[str, str], str]:
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT type, object_id, sha256 FROM entries")
        return {(kind, object_id): sha for kind, object_id, sha in rows}


def stored_so_far(db) -> int:
    """Count stored objects of a run in progress; 0 before its database exists."""
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as conn:
            return conn.execute("SELECT count(*) FROM entries").fetchone()[0]
    except sqlite3.OperationalError:
        return 0


def snapshot_begun(db) -> bool:
    """True once a run has recorded its snapshot, before it lists anything."""
    if not db.exists():
        return False
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as conn:
            return conn.execute("SELECT count(*) FROM snapshots").fetchone()[0] > 0
    except sqlite3.Error:
        return False


def served_hashes(simulator) -> dict[tuple[str, str], str]:
    return {
        (kind, object_id): served["sha256"]
        for kind, objects in simulator.record()["objects"].items()
        for object_id, served in objects.items()
    }


def test_throttled_and_failing_server_still_gives_whole_backup(
    tmp_path, start_simulator
):
    simulator = start_simulator(
        counts={"dashboards": 40, "looks": 80, "folders": 10, "users": 20},
        rate_429=0.2,
        rate_5xx=0.1,
        retry_after_s=1,
        seed=11,
    )
    result, summary, _ = backup(
        tmp_path,
        simulator,
        types=["dashboards", "looks", "folders", "users"],
        processes=2,
        threads=6,
        max_attempts=10,
    )
    assert result.returncode == 0, result.stderr.decode()[-2000:]
    assert summary["failures"] == []
    assert stored_hashes(tmp_path / "backup.db") == served_hashes(simulator)
    statuses = simulator.record()["statuses"]
    assert statuses.get("429", 0) > 0
    assert sum(statuses.get(s, 0) for s in ("502", "503", "504")) > 0
    assert summary["totals"]["retries"] > 0
    log = simulator.log()
    assert [entry for entry in log if entry["too_early"]] == []
    assert simulator.stats()["too_early"] == 0


def test_request_rate_holds_the_configured_limit(tmp_path, start_simulator):
    simulator = start_simulator(
        counts={"dashboards": 200, "looks": 200}, small=True, latency_ms=30
    )
    rate = 40
    result, _, _ = backup(
        tmp_path,
        simulator,
        types=["dashboards", "looks"],
        processes=2,
        threads=4,
        requests_per_second=rate,
    )
    assert result.returncode == 0, result.stderr.decode()[-2000:]
    detail = [e["t"] for e in simulator.log() if DETAIL.search(e["path"])]
    assert len(detail) == 400
    # Windows start at the first detail request, once the workers are up; the
    # first and the last, partial, window are left out.
    first, last = detail[0], detail[-1]
    windows = [0] * math.ceil(last - first + 1e-9)
    for t in detail:
        windows[int(t - first)] += 1
    for second, count in enumerate(windows[1:-1], start=1):
        assert 0.9 * rate <= count <= 1.1 * rate, (second, windows)


def test_short_lived_tokens_are_renewed_not_fought(tmp_path, start_simulator):
    simulator = start_simulator(
        counts={"dashboards": 150, "looks": 150},
        small=True,
        latency_ms=40,
        token_ttl_s=2,
    )
    processes = 2
    result, summary, elapsed = backup(
        tmp_path,
        simulator,
        types=["dashboards", "looks"],
        processes=processes,
        threads=4,
    )
    assert result.returncode == 0, result.stderr.decode()[-2000:]
    assert summary["totals"]["stored"] == 300
    log = simulator.log()
    logins = [e for e in log if e["path"] == LOGIN and e["status"] == 200]
    rejected = [e for e in log if e["status"] == 401]
    # Only the parent logs in, at 80% of a 2 s lifetime; workers share its
    # token, so more processes do not mean more logins.
    renewals = elapsed / (2 * 0.8) + 2
    assert 2 <= len(logins) <= renewals
    assert len(rejected) <= processes + 1


def test_server_that_never_answers_fails_within_deadline(tmp_path, start_simulator):
    simulator = start_simulator(
        counts={"dashboards": 4, "looks": 6}, hang_types=("dashboards",)
    )
    deadline = 3
    result, summary, elapsed = backup(
        tmp_path,
        simulator,
        types=["dashboards", "looks"],
        processes=1,
        threads=4,
        object_deadline=deadline,
    )
    assert result.returncode == 3, result.stderr.decode()[-2000:]
    failed = {f["id"] for f in summary["failures"]}
    assert failed == set(simulator.inventory()["dashboards"])
    for failure in summary["failures"]:
        assert failure["type"] == "dashboards"
        assert "timed out" in failure["message"]
    assert summary["types"]["looks"]["stored"] == 6
    # Four hung dashboards on four threads: one deadline, plus start-up.
    assert elapsed < deadline + 30


def test_dropped_and_stalled_answers_are_retried(tmp_path, start_simulator):
    simulator = start_simulator(
        counts={"dashboards": 30, "looks": 60},
        drop_rate=0.1,
        slow_rate=0.05,
        slow_s=5,
        seed=5,
    )
    result, summary, _ = backup(
        tmp_path,
        simulator,
        env={"LOOKERSDK_TIMEOUT": "1"},
        types=["dashboards", "looks"],
        processes=2,
        threads=4,
    )
    assert result.returncode == 0, result.stderr.decode()[-2000:]
    assert summary["failures"] == []
    assert stored_hashes(tmp_path / "backup.db") == served_hashes(simulator)
    assert summary["totals"]["retries"] > 0


def test_looker_going_down_stops_the_run(tmp_path, start_simulator):
    """Rather than record every remaining object as failed, the run stops with
    exit 1 once objects in a row get no response, and keeps what it has."""
    simulator = start_simulator(counts={"dashboards": 300}, small=True, latency_ms=50)
    path = write_config(
        tmp_path,
        simulator.base_url,
        types=["dashboards"],
        processes=2,
        threads=4,
        unit_size=5,
        max_attempts=2,
    )
    process = start_run(path)
    db = tmp_path / "backup.db"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and stored_so_far(db) < 20:
        time.sleep(0.2)
    simulator.stop()
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 1, stderr.decode()[-2000:]
    assert "Looker stopped responding" in stderr.decode()
    with sqlite3.connect(db) as conn:
        status = conn.execute("SELECT status FROM snapshots").fetchone()[0]
        failed = conn.execute("SELECT count(*) FROM failures").fetchone()[0]
    assert status == "failed"
    assert failed < 300 - len(stored_hashes(db))

    # Looker is back on the same address: continuing the snapshot fetches
    # the objects that got no response too, and ends complete.
    port = int(simulator.base_url.rsplit(":", 1)[1])
    back = start_simulator(
        counts={"dashboards": 300}, small=True, latency_ms=50, port=port
    )
    result = run_cli("run", path, "--json")
    assert result.returncode == 0, result.stderr.decode()[-2000:]
    summary = json.loads(result.stdout)
    assert summary["snapshot"] == 1
    assert summary["status"] == "complete"
    assert summary["failures"] == []
    stored = stored_hashes(db)
    assert len(stored) == 300
    refetched = served_hashes(back)
    assert refetched and all(stored[key] == sha for key, sha in refetched.items())


def failures_so_far(db) -> int:
    """Count failures committed by a run in progress; 0 before they exist."""
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as conn:
            return conn.execute("SELECT count(*) FROM failures").fetchone()[0]
    except sqlite3.Error:
        return 0


def test_objects_failed_with_5xx_are_fetched_again(tmp_path, start_simulator):
    """Continuing a stopped snapshot fetches again the objects that failed
    with a 5xx, rather than keeping their failures."""
    counts = {"dashboards": 400}
    healthy = start_simulator(counts=counts, small=True)
    broken = healthy.inventory()["dashboards"][:3]
    port = int(healthy.base_url.rsplit(":", 1)[1])
    healthy.stop()
    failing = start_simulator(
        counts=counts,
        small=True,
        latency_ms=100,
        fail=tuple(("dashboards", i) for i in broken),
        port=port,
    )
    path = write_config(
        tmp_path,
        failing.base_url,
        types=["dashboards"],
        processes=1,
        threads=2,
        unit_size=1,
        max_attempts=1,
    )
    db = tmp_path / "backup.db"
    process = start_run(path)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and failures_so_far(db) < len(broken):
        time.sleep(0.1)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr.decode()[-2000:]
    assert failures_so_far(db) == len(broken)

    failing.stop()
    start_simulator(counts=counts, small=True, port=port)
    result = run_cli("run", path, "--json")
    assert result.returncode == 0, result.stderr.decode()[-2000:]
    summary = json.loads(result.stdout)
    assert summary["snapshot"] == 1
    assert summary["status"] == "complete"
    assert summary["failures"] == []
    assert f"fetching again {len(broken)} objects" in result.stderr.decode()
    assert len(stored_hashes(db)) == 400


def test_looker_going_down_while_listing_is_listed_again(tmp_path, start_simulator):
    """A listing that got no response is not recorded as the plan: the next
    run lists again and ends with every object."""
    counts = {"dashboards": 3000}
    simulator = start_simulator(counts=counts, small=True, latency_ms=100)
    port = int(simulator.base_url.rsplit(":", 1)[1])
    path = write_config(
        tmp_path,
        simulator.base_url,
        types=["dashboards"],
        page_size=50,
        max_attempts=2,
    )
    process = start_run(path)
    # About 65 pages at 100 ms each: stop Looker a second into the listing.
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not snapshot_begun(tmp_path / "backup.db"):
        time.sleep(0.1)
    time.sleep(1.0)
    simulator.stop()
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 1, stderr.decode()[-2000:]
    assert "stopped responding while dashboards were listed" in stderr.decode()

    start_simulator(counts=counts, small=True, latency_ms=100, port=port)
    result = run_cli("run", path, "--json")
    assert result.returncode == 0, result.stderr.decode()[-2000:]
    summary = json.loads(result.stdout)
    assert summary["snapshot"] == 1
    assert summary["totals"]["stored"] == 3000
    assert summary["failures"] == []
