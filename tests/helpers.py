"""Helpers for tests: write a config file, run the real CLI as a process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

CLIENT_ID = "test-client"
CLIENT_SECRET = "test-secret-3f9a1c"


def write_config(directory: Path, base_url: str, **backup) -> Path:
    """Write a config for ``base_url`` with ``backup`` settings; return its path."""
    backup.setdefault("database", "backup.db")
    lines = ["[looker]", f'base_url = "{base_url}"', "", "[backup]"]
    for key, value in backup.items():
        lines.append(f"{key} = {_toml(value)}")
    path = directory / "config.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


def _toml(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return '"' + str(value) + '"'


def run_cli(*args, env: dict | None = None, timeout: float = 180):
    """Run ``lookervault-batch ARGS`` as a real process with the test secret."""
    environment = {
        **os.environ,
        "LOOKERSDK_CLIENT_ID": CLIENT_ID,
        "LOOKERSDK_CLIENT_SECRET": CLIENT_SECRET,
        **(env or {}),
    }
    return subprocess.run(
        [sys.executable, "-m", "lookervault", *map(str, args)],
        capture_output=True,
        env=environment,
        timeout=timeout,
    )
