"""Databases the history tests share, each made once by real backups."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from historyhelpers import ADDS, COUNTS, DELETES, EDITS, FAILING_DASHBOARD, backup

from lookervault.simulator import SimulatorConfig, SimulatorProcess

from helpers import CLIENT_ID, CLIENT_SECRET


@dataclass(frozen=True)
class TwoSnapshots:
    """A database whose snapshot 2 follows EDITS, DELETES and ADDS."""

    db: Path
    added: dict[str, list[str]]


def simulator_config(**settings) -> SimulatorConfig:
    return SimulatorConfig(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, **settings)


@pytest.fixture(scope="session")
def one_snapshot(tmp_path_factory) -> Path:
    """A database with one complete snapshot; tests change only copies."""
    directory = tmp_path_factory.mktemp("one")
    config = simulator_config(counts=COUNTS, seed=11, small=True)
    with SimulatorProcess(config).start() as simulator:
        return backup(directory, simulator)


@pytest.fixture
def one_snapshot_copy(one_snapshot, tmp_path) -> Path:
    """A copy of ``one_snapshot`` for one test to damage."""
    copy = tmp_path / "backup.db"
    shutil.copyfile(one_snapshot, copy)
    return copy


@pytest.fixture(scope="session")
def flaky_snapshots(tmp_path_factory) -> Path:
    """Three snapshots: whole, then with dashboard 6 failing, then whole again."""
    directory = tmp_path_factory.mktemp("flaky")
    failing = (("dashboards", FAILING_DASHBOARD),)
    for fail in ((), failing, ()):
        config = simulator_config(counts=COUNTS, seed=25, small=True, fail=fail)
        with SimulatorProcess(config).start() as simulator:
            db = backup(directory, simulator, expect_exit=3 if fail else 0)
    return db


@pytest.fixture(scope="session")
def two_snapshots(tmp_path_factory) -> TwoSnapshots:
    """Two snapshots with 10 edits, 3 deletions and 5 additions between them."""
    directory = tmp_path_factory.mktemp("two")
    config = simulator_config(counts=COUNTS, seed=21, small=True)
    with SimulatorProcess(config).start() as simulator:
        db = backup(directory, simulator)
        changed = simulator.mutate(edit=EDITS, delete=DELETES, add=ADDS)
        backup(directory, simulator)
    return TwoSnapshots(db, changed["added"])
