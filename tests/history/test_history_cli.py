"""The history commands on the command line: help, usage errors, read-only opening."""

from __future__ import annotations

import hashlib
import shutil

import pytest

from helpers import run_cli

COMMANDS = ["verify", "diff", "history", "export", "forget"]


@pytest.mark.parametrize("command", COMMANDS)
def test_command_has_help(command):
    """Every history command explains itself with --help."""
    result = run_cli(command, "--help")

    assert result.returncode == 0
    assert b"usage: lookervault-batch " + command.encode() in result.stdout


def test_top_level_help_lists_history_commands():
    """The top-level help names every history command."""
    result = run_cli("--help")

    for command in COMMANDS:
        assert command.encode() in result.stdout


@pytest.mark.parametrize(
    "args, message",
    [
        (["diff", "DB", "1", "2", "dashboards"], "name the id of the dashboards"),
        (["diff", "DB", "1", "2", "--unified"], "--unified needs TYPE and ID"),
        (["verify", "DB", "--all", "--live", "c.toml"], "--live compares one"),
        (["verify", "DB", "--all", "--snapshot", "1"], "not allowed with argument"),
        (["forget", "DB", "--keep-last", "-1"], "--keep-last -1 is negative"),
    ],
)
def test_bad_usage_is_one_line_exit_2(tmp_path, args, message):
    """Contradictory or incomplete arguments are one line on stderr, exit 2."""
    db = tmp_path / "backup.db"
    db.touch()

    result = run_cli(*[str(db) if arg == "DB" else arg for arg in args])

    lines = result.stderr.decode().strip().splitlines()
    assert result.returncode == 2
    assert len(lines) == 1
    assert message in lines[0]


def test_read_commands_leave_database_unchanged(two_snapshots, tmp_path):
    """verify, diff, history and export open the database read-only, so its
    bytes stay the same."""
    db = tmp_path / "backup.db"
    shutil.copyfile(two_snapshots.db, db)
    before = hashlib.sha256(db.read_bytes()).hexdigest()

    results = [
        run_cli("verify", db, "--all"),
        run_cli("diff", db, "1", "2"),
        run_cli("history", db, "looks", "1"),
        run_cli("export", db, "--to", tmp_path / "out"),
    ]

    for result in results:
        assert result.returncode == 0, result.stderr.decode()
    assert hashlib.sha256(db.read_bytes()).hexdigest() == before
