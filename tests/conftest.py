"""Shared fixtures: a hang guard and real simulator processes."""

from __future__ import annotations

import faulthandler

import pytest

from lookervault.simulator import SimulatorConfig, SimulatorProcess

from helpers import CLIENT_ID, CLIENT_SECRET

# Any single test taking longer than this is hung: dump every thread's stack
# and stop the session instead of waiting forever.
TEST_TIMEOUT_SECONDS = 240


@pytest.fixture(autouse=True)
def hang_guard():
    faulthandler.dump_traceback_later(TEST_TIMEOUT_SECONDS, exit=True)
    yield
    faulthandler.cancel_dump_traceback_later()


@pytest.fixture
def start_simulator():
    """Start simulators with the test credentials; stop them all afterwards."""
    started = []

    def start(**settings) -> SimulatorProcess:
        settings.setdefault("client_id", CLIENT_ID)
        settings.setdefault("client_secret", CLIENT_SECRET)
        simulator = SimulatorProcess(SimulatorConfig(**settings)).start()
        started.append(simulator)
        return simulator

    yield start
    for simulator in started:
        simulator.stop()
