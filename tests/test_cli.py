"""The command line: help for every command, one-line errors, exit codes."""

from __future__ import annotations

import socket

import pytest

from helpers import run_cli, write_config

COMMANDS = ["run", "simulate", "snapshots", "list", "show"]


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help(command):
    result = run_cli(command, "--help")
    assert result.returncode == 0
    assert b"usage: lookervault-batch " + command.encode() in result.stdout


def test_top_level_help_lists_commands():
    result = run_cli("--help")
    assert result.returncode == 0
    for command in COMMANDS:
        assert command.encode() in result.stdout


@pytest.mark.parametrize("flag, value", [("--processes", 0), ("--threads", 999)])
def test_worker_count_out_of_range_is_one_line(tmp_path, flag, value):
    path = write_config(tmp_path, "https://unused.invalid")
    result = run_cli("run", path, flag, value)
    assert result.returncode == 2
    lines = result.stderr.decode().strip().splitlines()
    assert len(lines) == 1
    assert f"{flag} {value} is out of range" in lines[0]


def test_missing_config_is_one_line(tmp_path):
    result = run_cli("run", tmp_path / "nope.toml")
    assert result.returncode == 2
    lines = result.stderr.decode().strip().splitlines()
    assert len(lines) == 1
    assert "nope.toml not found" in lines[0]


def test_unknown_flag_is_one_line():
    result = run_cli("run", "--procs", "2")
    assert result.returncode == 2
    assert len(result.stderr.decode().strip().splitlines()) == 1


def test_wrong_secret_exits_1_without_traceback(tmp_path, start_simulator):
    simulator = start_simulator(counts={"folders": 1})
    path = write_config(tmp_path, simulator.base_url)
    result = run_cli("run", path, env={"LOOKERSDK_CLIENT_SECRET": "wrong-secret"})
    assert result.returncode == 1
    stderr = result.stderr.decode()
    assert "rejected the API credentials" in stderr
    assert "Traceback" not in stderr
    assert "wrong-secret" not in stderr
    assert not (tmp_path / "backup.db").exists()


def test_refused_port_exits_1(tmp_path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    path = write_config(tmp_path, f"http://127.0.0.1:{port}")
    result = run_cli("run", path)
    assert result.returncode == 1
    assert "cannot reach Looker" in result.stderr.decode()


def test_show_of_absent_object_exits_2(tmp_path, start_simulator):
    simulator = start_simulator(counts={"folders": 2})
    path = write_config(tmp_path, simulator.base_url, types=["folders"])
    assert run_cli("run", path).returncode == 0
    result = run_cli("show", tmp_path / "backup.db", "folders", "no-such-id")
    assert result.returncode == 2
    assert "no folders with id 'no-such-id'" in result.stderr.decode()


def test_snapshots_of_missing_database_exits_1(tmp_path):
    result = run_cli("snapshots", tmp_path / "absent.db")
    assert result.returncode == 1
    assert "not found" in result.stderr.decode()
