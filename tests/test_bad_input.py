"""Bad configs, bad servers and bad storage: one clear line, the right exit
code, and every snapshot taken before still intact."""

from __future__ import annotations

import hashlib
import http.server
import json
import os
import socket
import sqlite3
import ssl
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil
import pytest

from lookervault.store.lock import exclusive_run

from helpers import CLIENT_SECRET, run_cli, write_config

COUNTS = {"dashboards": 6, "looks": 6, "folders": 4}
TYPES = ["dashboards", "looks", "folders"]


@pytest.fixture
def earlier(tmp_path, start_simulator):
    """A database holding one complete snapshot, and a way to check it is intact."""
    simulator = start_simulator(counts=COUNTS, seed=21)
    db = tmp_path / "backup.db"
    config = write_config(tmp_path, simulator.base_url, types=TYPES)
    assert run_cli("run", config).returncode == 0

    def entries():
        with sqlite3.connect(db) as conn:
            return conn.execute(
                "SELECT type, object_id, sha256 FROM entries WHERE snapshot_id = 1 "
                "ORDER BY 1, 2"
            ).fetchall()

    before = entries()

    def check_intact():
        with sqlite3.connect(db) as conn:
            status = conn.execute("SELECT status FROM snapshots WHERE id = 1")
            assert status.fetchone()[0] == "complete"
            assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert entries() == before

    return simulator, db, check_intact


def one_error_line(result) -> str:
    lines = result.stderr.decode().strip().splitlines()
    errors = [line for line in lines if line.startswith("lookervault-batch: error:")]
    assert len(errors) == 1, lines
    assert "Traceback" not in result.stderr.decode()
    return errors[0]


CONFIG_CASES = [
    (
        "invalid toml",
        "[backup\nthreads = 2\n",
        ["not valid TOML", "at line 4, column 8"],
    ),
    ("unknown key", "[backup]\nthread = 2\n", ["unknown key", "'threads'"]),
    ("wrong type", '[backup]\nprocesses = "two"\n', ["processes", "whole number"]),
    ("processes range", "[backup]\nprocesses = 0\n", ["processes = 0", "1 to 64"]),
    ("threads range", "[backup]\nthreads = 500\n", ["threads = 500", "1 to 64"]),
    ("timeout range", "[looker]\ntimeout = 0\n", ["timeout = 0", "out of range"]),
    ("rate range", "[backup]\nrequests_per_second = -1\n", ["requests_per_second"]),
    ("deadline range", "[backup]\nobject_deadline = 0\n", ["object_deadline"]),
    ("empty database", '[backup]\ndatabase = ""\n', ["database is empty"]),
    (
        "password in url",
        '[looker]\nbase_url = "http://admin:hunter2@127.0.0.1:1"\n',
        ["user name or password"],
    ),
    ("bad port", '[looker]\nbase_url = "http://127.0.0.1:99999"\n', ["invalid"]),
    ("no scheme", '[looker]\nbase_url = "looker.example.com"\n', ["https://"]),
]


@pytest.mark.parametrize(
    "text, words", [c[1:] for c in CONFIG_CASES], ids=[c[0] for c in CONFIG_CASES]
)
def test_bad_config_exits_2(earlier, tmp_path, text, words):
    simulator, db, check_intact = earlier
    config = tmp_path / "bad.toml"
    base = "" if "base_url" in text else f'base_url = "{simulator.base_url}"\n'
    if "[looker]" in text:
        text = text.replace("[looker]\n", "[looker]\n" + base)
    else:
        text = f"[looker]\n{base}\n" + text
    config.write_text(text)
    flags = [] if "database" in text else ["--database", db]
    result = run_cli("run", config, *flags)
    assert result.returncode == 2, result.stderr.decode()
    line = one_error_line(result)
    for word in words:
        assert word in line
    assert "hunter2" not in result.stderr.decode()
    check_intact()


def test_missing_config_file_exits_2(tmp_path):
    result = run_cli("run", tmp_path / "absent.toml")
    assert result.returncode == 2
    assert "absent.toml not found" in one_error_line(result)


def test_config_that_is_a_directory_exits_2(tmp_path):
    result = run_cli("run", tmp_path)
    assert result.returncode == 2
    assert "is a directory" in one_error_line(result)


def test_missing_credentials_name_where_they_were_looked_for(earlier, tmp_path):
    simulator, db, check_intact = earlier
    config = write_config(tmp_path, simulator.base_url)
    result = run_cli(
        "run",
        config,
        "--database",
        db,
        env={"LOOKERSDK_CLIENT_ID": "", "LOOKERSDK_CLIENT_SECRET": ""},
    )
    assert result.returncode == 2
    line = one_error_line(result)
    assert "missing Looker client_id and client_secret" in line
    assert "LOOKERSDK_CLIENT_SECRET" in line
    assert "looker.ini" in line
    check_intact()


def test_readable_config_holding_secret_warns(earlier, tmp_path):
    simulator, db, _ = earlier
    config = tmp_path / "secret.toml"
    config.write_text(
        f'[looker]\nbase_url = "{simulator.base_url}"\n'
        f'client_secret = "{CLIENT_SECRET}"\n\n[backup]\ntypes = ["folders"]\n'
    )
    config.chmod(0o644)
    result = run_cli("run", config, "--database", db)
    assert result.returncode == 0, result.stderr.decode()
    stderr = result.stderr.decode()
    assert "other users can read it (mode 644)" in stderr
    assert CLIENT_SECRET not in stderr


def test_wrong_secret_exits_1(earlier, tmp_path):
    simulator, db, check_intact = earlier
    config = write_config(tmp_path, simulator.base_url)
    result = run_cli(
        "run", config, "--database", db, env={"LOOKERSDK_CLIENT_SECRET": "nope-123"}
    )
    assert result.returncode == 1
    assert "rejected the API credentials" in one_error_line(result)
    assert "nope-123" not in result.stderr.decode()
    check_intact()


def test_refused_port_exits_1(earlier, tmp_path):
    _, db, check_intact = earlier
    config = write_config(tmp_path, "http://127.0.0.1:9")
    result = run_cli("run", config, "--database", db)
    assert result.returncode == 1
    assert "refused" in one_error_line(result)
    check_intact()


class _NotLooker(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = b"<html><body>Welcome to nginx!</body></html>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def web_server():
    """Serve plain HTML on 127.0.0.1, like a web server that is not Looker."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _NotLooker)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


def test_server_that_is_not_looker_exits_1(earlier, tmp_path, web_server):
    _, db, check_intact = earlier
    port = web_server.server_address[1]
    config = write_config(tmp_path, f"http://127.0.0.1:{port}")
    result = run_cli("run", config, "--database", db)
    assert result.returncode == 1
    line = one_error_line(result)
    assert "not Looker's API" in line
    assert "text/html" in line
    check_intact()


def _through_proxy(port: int) -> dict:
    proxy = f"http://127.0.0.1:{port}"
    return {"HTTP_PROXY": proxy, "http_proxy": proxy, "NO_PROXY": "", "no_proxy": ""}


def test_refusing_proxy_is_named(tmp_path, start_simulator):
    simulator = start_simulator(counts={"dashboards": 1})
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    config = write_config(tmp_path, simulator.base_url)
    result = run_cli("run", config, env=_through_proxy(port))
    assert result.returncode == 1
    line = one_error_line(result)
    assert f"the proxy http://127.0.0.1:{port}, set in http_proxy" in line
    assert "refused the connection" in line
    assert "NO_PROXY" in line


def test_proxy_responding_itself_is_named(tmp_path, start_simulator, web_server):
    simulator = start_simulator(counts={"dashboards": 1})
    config = write_config(tmp_path, simulator.base_url)
    port = web_server.server_address[1]
    result = run_cli("run", config, env=_through_proxy(port))
    assert result.returncode == 1
    line = one_error_line(result)
    assert "not Looker's API" in line
    assert f"went through the proxy http://127.0.0.1:{port}" in line


def test_no_proxy_naming_the_host_skips_the_proxy(tmp_path, start_simulator):
    simulator = start_simulator(counts={"dashboards": 2})
    config = write_config(tmp_path, simulator.base_url, types=["dashboards"])
    env = {**_through_proxy(9), "NO_PROXY": "127.0.0.1", "no_proxy": "127.0.0.1"}
    result = run_cli("run", config, env=env)
    assert result.returncode == 0, result.stderr.decode()[-2000:]


def test_ca_bundle_that_does_not_exist_exits_2(tmp_path):
    config = write_config(tmp_path, "https://127.0.0.1:9")
    result = run_cli("run", config, env={"REQUESTS_CA_BUNDLE": "/nonexistent/ca.pem"})
    assert result.returncode == 2
    line = one_error_line(result)
    assert "REQUESTS_CA_BUNDLE names /nonexistent/ca.pem, which does not exist" in line


@pytest.fixture
def self_signed_server(tmp_path, web_server):
    """Serve HTML over TLS with a certificate no authority signed."""
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName = IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
        timeout=60,
    )
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _NotLooker)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.shutdown()
    server.server_close()


def test_self_signed_certificate_says_how_to_trust_it(tmp_path, self_signed_server):
    port = self_signed_server.server_address[1]
    config = write_config(tmp_path, f"https://127.0.0.1:{port}")
    result = run_cli("run", config)
    assert result.returncode == 1
    line = one_error_line(result)
    assert "TLS handshake" in line
    assert "REQUESTS_CA_BUNDLE" in line
    assert "verify_ssl = false" in line


def test_certificate_named_in_requests_ca_bundle_is_trusted(
    tmp_path, self_signed_server
):
    port = self_signed_server.server_address[1]
    config = write_config(tmp_path, f"https://127.0.0.1:{port}")
    bundle = {"REQUESTS_CA_BUNDLE": str(tmp_path / "cert.pem")}
    result = run_cli("run", config, env=bundle)
    assert result.returncode == 1
    # Past the handshake, the server is found not to be Looker.
    assert "not Looker's API" in one_error_line(result)


def test_verification_off_is_warned_about(tmp_path, self_signed_server):
    port = self_signed_server.server_address[1]
    config = tmp_path / "insecure.toml"
    config.write_text(
        f'[looker]\nbase_url = "https://127.0.0.1:{port}"\nverify_ssl = false\n'
    )
    result = run_cli("run", config)
    stderr = result.stderr.decode()
    assert "TLS certificate verification is off" in stderr
    # Past the handshake, the server is found not to be Looker.
    assert "not Looker's API" in one_error_line(result)
    assert "InsecureRequestWarning" not in stderr


def test_api_suffix_on_base_url_is_removed(earlier, tmp_path):
    simulator, db, _ = earlier
    config = write_config(tmp_path, simulator.base_url + "/api/4.0", types=TYPES)
    result = run_cli("run", config, "--database", db)
    assert result.returncode == 0, result.stderr.decode()
    assert "base_url ends in /api/4.0" in result.stderr.decode()


def test_forbidden_types_are_recorded_and_the_rest_kept(tmp_path, start_simulator):
    simulator = start_simulator(counts=COUNTS, forbid_types=("looks",))
    config = write_config(tmp_path, simulator.base_url, types=TYPES)
    result = run_cli("run", config, "--json")
    assert result.returncode == 3
    summary = json.loads(result.stdout)
    assert summary["types"]["dashboards"]["stored"] == COUNTS["dashboards"]
    assert summary["types"]["folders"]["stored"] == COUNTS["folders"]
    assert summary["failures"] == [
        {
            "type": "looks",
            "id": "(listing)",
            "status": 403,
            "message": "listing failed: HTTP 403: You are not allowed to view this "
            "content (simulated)",
            "attempts": 1,
        }
    ]


SPOILED = {
    "html": "not valid JSON",
    "truncated": "not valid JSON",
    "array": "expected a JSON object, got array",
    "empty": "not valid JSON",
    "latin1": "not valid JSON",
}


def test_malformed_answers_are_failures_with_raw_bytes(tmp_path, start_simulator):
    probe = start_simulator(counts=COUNTS)
    ids = probe.inventory()["dashboards"]
    probe.stop()
    spoiled = {ids[i]: how for i, how in enumerate(SPOILED)}
    simulator = start_simulator(
        counts=COUNTS,
        corrupt=tuple(("dashboards", i, how) for i, how in spoiled.items()),
    )
    config = write_config(tmp_path, simulator.base_url, types=TYPES)
    result = run_cli("run", config, "--json")
    assert result.returncode == 3, result.stderr.decode()
    summary = json.loads(result.stdout)
    failed = {f["id"]: f for f in summary["failures"]}
    assert set(failed) == set(spoiled)
    for object_id, how in spoiled.items():
        assert failed[object_id]["status"] == 200
        assert SPOILED[how] in failed[object_id]["message"], how
    served = simulator.record()["objects"]["dashboards"]
    with sqlite3.connect(tmp_path / "backup.db") as conn:
        kept = dict(conn.execute("SELECT object_id, body FROM failures"))
    for object_id in spoiled:
        digest = hashlib.sha256(kept[object_id]).hexdigest()
        assert digest == served[object_id]["sha256"]
    assert summary["types"]["dashboards"]["stored"] == len(ids) - len(spoiled)
    assert summary["types"]["looks"]["stored"] == COUNTS["looks"]


def test_ten_megabyte_dashboard_is_stored_whole(tmp_path, start_simulator):
    probe = start_simulator(counts={"dashboards": 3})
    big = probe.inventory()["dashboards"][1]
    probe.stop()
    simulator = start_simulator(
        counts={"dashboards": 3}, corrupt=(("dashboards", big, "huge"),)
    )
    config = write_config(tmp_path, simulator.base_url, types=["dashboards"])
    result = run_cli("run", config)
    assert result.returncode == 0, result.stderr.decode()
    shown = run_cli("show", tmp_path / "backup.db", "dashboards", big)
    assert len(shown.stdout) > 10 * 1024 * 1024
    served = simulator.record()["objects"]["dashboards"][big]["sha256"]
    assert hashlib.sha256(shown.stdout).hexdigest() == served


def test_missing_directory_exits_1(tmp_path, start_simulator):
    simulator = start_simulator(counts={"folders": 2})
    config = write_config(tmp_path, simulator.base_url)
    result = run_cli("run", config, "--database", tmp_path / "nope" / "x.db")
    assert result.returncode == 1
    assert "does not exist" in one_error_line(result)


def test_unwritable_location_exits_1(tmp_path, start_simulator):
    simulator = start_simulator(counts={"folders": 2})
    config = write_config(tmp_path, simulator.base_url)
    result = run_cli("run", config, "--database", "/proc/lookervault.db")
    assert result.returncode == 1
    assert "cannot create database /proc/lookervault.db" in one_error_line(result)


def test_database_that_is_a_directory_exits_1(tmp_path, start_simulator):
    simulator = start_simulator(counts={"folders": 2})
    config = write_config(tmp_path, simulator.base_url)
    result = run_cli("run", config, "--database", tmp_path)
    assert result.returncode == 1
    assert "is a directory" in one_error_line(result)


def test_foreign_sqlite_file_is_left_byte_for_byte(tmp_path, start_simulator):
    simulator = start_simulator(counts={"folders": 2})
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as conn:
        conn.execute("CREATE TABLE notes (text TEXT)")
    before = other.read_bytes()
    config = write_config(tmp_path, simulator.base_url)
    for command in (["run", config, "--database", other], ["snapshots", other]):
        result = run_cli(*command)
        assert result.returncode == 1
        assert "not a lookervault one" in one_error_line(result)
        assert other.read_bytes() == before


def test_database_from_newer_version_is_refused(earlier, tmp_path):
    simulator, db, _ = earlier
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA user_version = 99")
    config = write_config(tmp_path, simulator.base_url)
    result = run_cli("run", config, "--database", db)
    assert result.returncode == 1
    assert "newer lookervault" in one_error_line(result)


def test_second_run_on_same_database_is_refused(earlier, tmp_path):
    simulator, db, check_intact = earlier
    config = write_config(tmp_path, simulator.base_url)
    with exclusive_run(Path(db)):
        result = run_cli("run", config, "--database", db)
    assert result.returncode == 1
    line = one_error_line(result)
    assert "in use by another lookervault-batch run" in line
    assert f"pid {os.getpid()}" in line
    check_intact()


def test_full_disk_stops_cleanly_and_next_run_continues(earlier, tmp_path, monkeypatch):
    """SQLITE_FULL from a page limit on the run's connection, in-process."""
    from lookervault import backup
    from lookervault import config as config_module
    from lookervault.errors import StoreUnusable
    from lookervault.store import database

    simulator, db, check_intact = earlier
    simulator.stop()
    big = type(simulator)(
        type(simulator.config)(
            client_id=simulator.config.client_id,
            client_secret=simulator.config.client_secret,
            counts={"dashboards": 40},
            seed=22,
        )
    ).start()
    try:
        path = write_config(tmp_path, big.base_url, types=["dashboards"])
        real_open = database.open_database
        pages = os.path.getsize(db) // 4096 + 40

        def limited(*args, **kwargs):
            conn = real_open(*args, **kwargs)
            conn.execute(f"PRAGMA max_page_count = {pages}")
            return conn

        monkeypatch.setattr(backup, "open_database", limited)
        monkeypatch.setenv("LOOKERSDK_CLIENT_ID", big.config.client_id)
        monkeypatch.setenv("LOOKERSDK_CLIENT_SECRET", big.config.client_secret)
        run_config = config_module.load(path, {"database": str(db)})
        with pytest.raises(StoreUnusable, match="is full"):
            backup.run_backup(run_config, backup.RunOptions(progress=False))
        check_intact()
        monkeypatch.setattr(backup, "open_database", real_open)
        summary = backup.run_backup(run_config, backup.RunOptions(progress=False))
        assert summary.snapshot_id == 2
        assert summary.totals["stored"] == 40
    finally:
        big.stop()


def test_secret_not_in_arguments_or_children(tmp_path, start_simulator):
    """Not in any process's arguments, and not in the environment of the
    processes the run starts, which never need it."""
    simulator = start_simulator(counts={"dashboards": 60}, small=True, latency_ms=50)
    config = write_config(tmp_path, simulator.base_url, processes=2, threads=2)
    env = {
        **os.environ,
        "LOOKERSDK_CLIENT_ID": "test-client",
        "LOOKERSDK_CLIENT_SECRET": CLIENT_SECRET,
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "lookervault", "run", str(config)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    seen, children = 0, set()
    try:
        deadline = time.monotonic() + 60
        while process.poll() is None and time.monotonic() < deadline:
            for proc in psutil.process_iter(["cmdline"]):
                cmdline = " ".join(proc.info["cmdline"] or [])
                assert CLIENT_SECRET not in cmdline, cmdline
                seen += 1
            children |= _children_without_secret(process.pid)
            time.sleep(0.2)
    finally:
        process.wait(timeout=60)
    assert process.returncode == 0
    assert seen > 0
    # The resource tracker, the Manager and two workers.
    assert len(children) >= 4


def test_secret_not_in_the_bundled_simulator(tmp_path):
    """With [simulator], a Looker secret in the environment is needed by no
    process, the simulator included."""
    config = tmp_path / "demo.toml"
    config.write_text(
        "[simulator]\nsmall = true\nlatency_ms = 50\n"
        "counts = { dashboards = 200 }\n\n"
        f'[backup]\ndatabase = "{tmp_path / "demo.db"}"\n'
        'types = ["dashboards"]\nprocesses = 2\nthreads = 2\n'
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "lookervault", "run", str(config)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "LOOKERSDK_CLIENT_SECRET": CLIENT_SECRET},
    )
    children = set()
    try:
        deadline = time.monotonic() + 60
        while process.poll() is None and time.monotonic() < deadline:
            children |= _children_without_secret(process.pid)
            time.sleep(0.1)
    finally:
        process.wait(timeout=60)
    assert process.returncode == 0
    # The simulator, the resource tracker, the Manager and two workers.
    assert len(children) >= 5


def _children_without_secret(pid: int) -> set[int]:
    """Check that no child of ``pid`` has the secret in its environment;
    return their pids."""
    try:
        children = psutil.Process(pid).children(recursive=True)
    except psutil.Error:
        return set()
    for child in children:
        assert CLIENT_SECRET not in _environment(child), child.cmdline()
    return {child.pid for child in children}


def _environment(process: psutil.Process) -> str:
    try:
        return " ".join(f"{k}={v}" for k, v in process.environ().items())
    except psutil.Error:
        return ""
