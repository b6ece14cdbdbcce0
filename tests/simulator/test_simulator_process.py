"""Starting and stopping simulators: child processes, signals and the CLI."""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import time

import psutil
import pytest
import requests
from simhelpers import (
    CLIENT_ID,
    SECRET,
    START_TIMEOUT_S,
    TIMEOUT_S,
    Client,
    make_config,
)

from lookervault.simulator import (
    InvalidSimulatorConfig,
    SimulatorProcess,
    SimulatorStartFailed,
    add_arguments,
    run_from_args,
)


def test_start_failure_reports_the_cause():
    """An address in use fails start() with the child's error message."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        simulator = SimulatorProcess(make_config(port=port))

        with pytest.raises(SimulatorStartFailed, match="(?i)address already in use"):
            simulator.start(timeout=START_TIMEOUT_S)

    assert simulator.pid is None


def test_invalid_config_is_rejected_before_spawning():
    """Unknown types and negative counts are reported by name."""
    with pytest.raises(InvalidSimulatorConfig, match="'widgets'"):
        SimulatorProcess(make_config(counts={"widgets": 1})).start()
    with pytest.raises(InvalidSimulatorConfig, match="looks"):
        SimulatorProcess(make_config(counts={"looks": -1})).start()
    with pytest.raises(InvalidSimulatorConfig, match="'gadgets'"):
        SimulatorProcess(make_config(fail=(("gadgets", "1"),))).start()


def test_stop_is_idempotent_and_ends_the_child():
    """stop() terminates the child; calling it again does nothing."""
    simulator = SimulatorProcess(make_config(counts={})).start(timeout=START_TIMEOUT_S)
    child = psutil.Process(simulator.pid)

    simulator.stop()
    simulator.stop()

    assert not child.is_running() or child.status() == psutil.STATUS_ZOMBIE
    assert simulator.pid is None


def test_child_ignores_sigint_and_hides_secret():
    """Ctrl-C is the parent's to handle; the secret is on no command line."""
    with SimulatorProcess(make_config(counts={})).start(
        timeout=START_TIMEOUT_S
    ) as simulator:
        child = psutil.Process(simulator.pid)
        os.kill(simulator.pid, signal.SIGINT)
        time.sleep(0.2)

        assert Client(simulator.base_url).get("/user").status_code == 200
        assert SECRET not in " ".join(child.cmdline())
        assert SECRET not in repr(simulator.config)


def run_module(*arguments: str, **environment: str) -> subprocess.Popen:
    env = dict(os.environ, **environment)
    return subprocess.Popen(
        [sys.executable, "-m", "lookervault.simulator", *arguments],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        text=True,
    )


def test_module_serves_until_ctrl_c():
    """``python -m lookervault.simulator`` prints its URL, serves, exits 0 on SIGINT."""
    process = run_module(
        "--count",
        "dashboards=3",
        "--scale",
        "0",
        "--client-id",
        CLIENT_ID,
        LOOKERVAULT_SIMULATOR_SECRET=SECRET,
    )
    try:
        line = process.stdout.readline()
        base_url = line.split(" listening on ")[1].split()[0]
        client = Client(base_url)
        dashboards = client.get_json("/dashboards/search", fields="id")
        looks = client.get_json("/looks/search")
    finally:
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=TIMEOUT_S)

    assert f"client_id={CLIENT_ID}" in line
    assert len(dashboards) == 3
    assert looks == []
    assert process.returncode == 0
    assert SECRET not in line + stderr


def test_module_help_lists_options():
    """--help documents every option and exits 0."""
    process = run_module("--help")
    stdout, _ = process.communicate(timeout=TIMEOUT_S)

    assert process.returncode == 0
    for option in (
        "--host",
        "--port",
        "--seed",
        "--scale",
        "--count",
        "--small",
        "--latency-ms",
        "--token-ttl",
        "--from-dir",
        "--fail",
        "--client-id",
        "LOOKERVAULT_SIMULATOR_SECRET",
    ):
        assert option in stdout


def test_run_from_args_rejects_unknown_type(capsys):
    """An unknown --count type is a usage error: exit 2, message on stderr."""
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    args = parser.parse_args(["--count", "widgets=3"])

    status = run_from_args(args)

    assert status == 2
    assert "widgets" in capsys.readouterr().err


def test_run_from_args_reports_port_in_use(capsys):
    """A port in use returns exit status 1 and names the address."""
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        args = parser.parse_args(["--port", str(port), "--scale", "0"])

        status = run_from_args(args)

    assert status == 1
    assert f"127.0.0.1:{port}" in capsys.readouterr().err


def test_fail_option_reaches_the_server():
    """--fail TYPE:ID makes that object's detail return 500."""
    process = run_module(
        "--scale",
        "0",
        "--count",
        "looks=2",
        "--fail",
        "looks:2",
        "--client-id",
        CLIENT_ID,
        LOOKERVAULT_SIMULATOR_SECRET=SECRET,
    )
    try:
        base_url = process.stdout.readline().split(" listening on ")[1].split()[0]
        client = Client(base_url)
        statuses = [client.get(f"/looks/{n}").status_code for n in (1, 2)]
    finally:
        process.terminate()
        process.communicate(timeout=TIMEOUT_S)

    assert statuses == [200, 500]
    assert process.returncode == 0


def test_requests_session_reads_raw_bytes(simulator):
    """A plain requests session with a token gets compact JSON bytes."""
    session = requests.Session()
    session.trust_env = False
    token = session.post(
        f"{simulator.base_url}/api/4.0/login",
        data={"client_id": CLIENT_ID, "client_secret": SECRET},
        timeout=TIMEOUT_S,
    ).json()["access_token"]

    response = session.get(
        f"{simulator.base_url}/api/4.0/looks/1",
        headers={"Authorization": f"Bearer {token}"},
        timeout=TIMEOUT_S,
    )

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/json"
    assert int(response.headers["Content-Length"]) == len(response.content)
    assert response.content.startswith(b'{"content_metadata_id":')


PARENT_SCRIPT = """
import sys, time
from lookervault.simulator import SimulatorConfig, SimulatorProcess
if __name__ == "__main__":
    simulator = SimulatorProcess(SimulatorConfig(counts={})).start(timeout=30)
    print(simulator.pid, flush=True)
    time.sleep(60)
"""


def test_child_exits_when_parent_is_killed(tmp_path):
    """A simulator whose parent dies by SIGKILL stops instead of lingering."""
    script = tmp_path / "parent.py"
    script.write_text(PARENT_SCRIPT)
    parent = subprocess.Popen(
        [sys.executable, str(script)], stdout=subprocess.PIPE, text=True
    )
    try:
        child = psutil.Process(int(parent.stdout.readline()))
    finally:
        parent.kill()
        parent.wait(timeout=TIMEOUT_S)

    _, alive = psutil.wait_procs([child], timeout=TIMEOUT_S)
    zombie = alive and alive[0].status() == psutil.STATUS_ZOMBIE
    assert not alive or zombie
