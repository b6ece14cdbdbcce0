"""Runs that lose a worker, get Ctrl-C, or lose the parent still end whole."""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time

import psutil

from helpers import CLIENT_ID, CLIENT_SECRET, run_cli, write_config

# Small bodies and 40 ms per request: about 8 s of work for 2 x 4 threads,
# long enough to interrupt in the middle.
COUNTS = {"dashboards": 200, "looks": 200, "folders": 30, "users": 30}
TYPES = ["dashboards", "looks", "folders", "users"]


def start_run(config, *flags):
    """Start `lookervault-batch run` and collect its stderr lines as they come."""
    env = {
        **os.environ,
        "LOOKERSDK_CLIENT_ID": CLIENT_ID,
        "LOOKERSDK_CLIENT_SECRET": CLIENT_SECRET,
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "lookervault", "run", str(config), *flags],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    lines: list[str] = []

    def read():
        for line in process.stderr:
            lines.append(line.decode(errors="replace"))

    # Joined by finish(), so no line is lost when the process exits.
    process.reader = threading.Thread(target=read, daemon=True)
    process.reader.start()
    return process, lines


def finish(process, timeout=120):
    """Wait for the run to exit and for its last stderr lines to be read."""
    process.wait(timeout=timeout)
    process.reader.join(timeout=10)


def wait_for(condition, timeout=60.0, interval=0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError("condition not met in time")


def committed_units(db) -> int:
    if not db.exists():
        return 0
    try:
        with sqlite3.connect(db, timeout=5) as conn:
            return conn.execute("SELECT count(*) FROM units WHERE done = 1").fetchone()[
                0
            ]
    except sqlite3.OperationalError:
        return 0


def stored(db, snapshot=1) -> set[tuple[str, str]]:
    with sqlite3.connect(db) as conn:
        rows = conn.execute(
            "SELECT type, object_id FROM entries WHERE snapshot_id = ?", (snapshot,)
        )
        return set(rows)


def expected(simulator) -> set[tuple[str, str]]:
    inventory = simulator.inventory()
    return {(kind, str(i)) for kind in TYPES for i in inventory[kind]}


def snapshot_status(db, snapshot=1) -> str:
    with sqlite3.connect(db) as conn:
        row = conn.execute("SELECT status FROM snapshots WHERE id = ?", (snapshot,))
        return row.fetchone()[0]


def slow_instance(tmp_path, start_simulator, latency_ms=40):
    """Start a simulator slow enough to interrupt mid-run; write its config."""
    simulator = start_simulator(counts=COUNTS, small=True, latency_ms=latency_ms)
    config = write_config(
        tmp_path, simulator.base_url, types=TYPES, processes=2, threads=4, unit_size=5
    )
    return simulator, config


def served(simulator) -> set[tuple[str, str]]:
    """Return every (type, id) the simulator served since its last reset."""
    return {
        (kind, object_id)
        for kind, objects in simulator.record()["objects"].items()
        for object_id in objects
    }


def test_killed_worker_is_replaced(tmp_path, start_simulator):
    simulator, config = slow_instance(tmp_path, start_simulator)
    process, lines = start_run(config, "--debug", "--json")
    pattern = re.compile(r"worker (\d+) started as pid (\d+)")
    pids = wait_for(lambda: [m.group(2) for m in map(pattern.search, lines) if m])
    wait_for(lambda: committed_units(tmp_path / "backup.db") >= 3)
    os.kill(int(pids[0]), signal.SIGKILL)
    finish(process)
    assert process.returncode == 0, "".join(lines[-20:])
    assert any("was killed by SIGKILL" in line for line in lines)
    assert stored(tmp_path / "backup.db") == expected(simulator)
    assert snapshot_status(tmp_path / "backup.db") == "complete"


def test_sigint_exits_130_and_next_run_continues(tmp_path, start_simulator):
    simulator, config = slow_instance(tmp_path, start_simulator)
    db = tmp_path / "backup.db"
    process, lines = start_run(config)
    wait_for(lambda: committed_units(db) >= 3)
    interrupted_at = time.monotonic()
    process.send_signal(signal.SIGINT)
    finish(process, timeout=30)
    stopped_after = time.monotonic() - interrupted_at
    assert process.returncode == 130, "".join(lines[-20:])
    assert stopped_after < 5.0
    assert snapshot_status(db) == "interrupted"
    partial = stored(db)
    assert 0 < len(partial) < len(expected(simulator))

    simulator.reset()
    result = run_cli("run", config, "--json")
    assert result.returncode == 0, result.stderr.decode()
    assert b"continuing unfinished snapshot 1" in result.stderr
    assert snapshot_status(db) == "complete"
    assert stored(db) == expected(simulator)
    assert not served(simulator) & partial


def test_parent_killed_leaves_valid_database_and_resumes(tmp_path, start_simulator):
    simulator, config = slow_instance(tmp_path, start_simulator)
    db = tmp_path / "backup.db"
    process, lines = start_run(config)
    wait_for(lambda: committed_units(db) >= 3)
    children = psutil.Process(process.pid).children(recursive=True)
    process.send_signal(signal.SIGKILL)
    finish(process, timeout=30)
    _, alive = psutil.wait_procs(children, timeout=10)
    assert alive == [], "worker or manager processes outlived the killed parent"

    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert snapshot_status(db) == "running"
    committed = stored(db)
    assert committed

    simulator.reset()
    result = run_cli("run", config, "--json")
    assert result.returncode == 0, result.stderr.decode()
    assert snapshot_status(db) == "complete"
    assert stored(db) == expected(simulator)
    assert not served(simulator) & committed


def test_sigterm_is_handled_like_ctrl_c(tmp_path, start_simulator):
    simulator, config = slow_instance(tmp_path, start_simulator)
    db = tmp_path / "backup.db"
    process, lines = start_run(config)
    wait_for(lambda: committed_units(db) >= 3)
    process.send_signal(signal.SIGTERM)
    finish(process, timeout=30)
    assert process.returncode == 130, "".join(lines[-20:])
    assert snapshot_status(db) == "interrupted"


def test_second_ctrl_c_stops_at_once_and_keeps_database_valid(
    tmp_path, start_simulator
):
    # Slow answers, so the units in hand would keep a graceful stop waiting.
    simulator, config = slow_instance(tmp_path, start_simulator, latency_ms=400)
    db = tmp_path / "backup.db"
    process, lines = start_run(config)
    wait_for(lambda: committed_units(db) >= 1)
    process.send_signal(signal.SIGINT)
    wait_for(lambda: any("send it again" in line for line in lines), timeout=10)
    process.send_signal(signal.SIGINT)
    finish(process, timeout=30)
    assert process.returncode == 130, "".join(lines[-20:])
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert snapshot_status(db) == "interrupted"
    assert all("Traceback" not in line for line in lines)


def test_unit_that_keeps_killing_workers_is_failed(tmp_path, start_simulator):
    # One worker with one thread holding the only unit, killed each time it
    # comes back: after three deaths the unit is given up, not retried forever.
    simulator = start_simulator(counts={"dashboards": 3}, small=True, latency_ms=2000)
    config = write_config(
        tmp_path, simulator.base_url, types=["dashboards"], processes=1, threads=1
    )
    process, lines = start_run(config, "--debug", "--json")
    pattern = re.compile(r"worker (\d+) started as pid (\d+)")
    for death in range(3):
        pids = wait_for(
            lambda n=death: [m.group(2) for m in map(pattern.search, lines) if m][n:]
        )
        # Let the new worker start and take units before it dies.
        taking = f"worker {death} is taking work"
        wait_for(lambda text=taking: any(text in line for line in lines))
        time.sleep(0.5)
        os.kill(int(pids[0]), signal.SIGKILL)
    finish(process)
    assert process.returncode == 3, "".join(lines[-20:])
    summary = json.loads(process.stdout.read())
    # The units held through all three deaths fail; any others are stored.
    assert summary["failures"]
    assert summary["reconciled"] is True
    for failure in summary["failures"]:
        assert "worker process died 3 times" in failure["message"]


def test_sigint_while_listing_stops_between_pages(tmp_path, start_simulator):
    # 40 pages of 50 at 100 ms each: about 4 s of listing to interrupt.
    simulator = start_simulator(counts={"dashboards": 2000}, small=True, latency_ms=100)
    config = write_config(
        tmp_path, simulator.base_url, types=["dashboards"], page_size=50
    )
    db = tmp_path / "backup.db"
    process, lines = start_run(config)
    wait_for(lambda: any("snapshot 1 of" in line for line in lines))
    time.sleep(0.5)
    interrupted_at = time.monotonic()
    process.send_signal(signal.SIGINT)
    finish(process, timeout=30)
    stopped_after = time.monotonic() - interrupted_at
    assert process.returncode == 130, "".join(lines[-20:])
    assert stopped_after < 2.0, "".join(lines[-20:])
    assert not any("listed 2000 dashboards" in line for line in lines)
    assert snapshot_status(db) == "interrupted"

    result = run_cli("run", config, "--json")
    assert result.returncode == 0, result.stderr.decode()
    assert snapshot_status(db) == "complete"
    assert json.loads(result.stdout)["totals"]["stored"] == 2000
