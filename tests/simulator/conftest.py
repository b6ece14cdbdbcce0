"""Fixtures that start simulators in child processes."""

from __future__ import annotations

import pytest
from simhelpers import START_TIMEOUT_S, Client, make_config

from lookervault.simulator import SimulatorProcess


@pytest.fixture(scope="session")
def shared_simulator():
    """One simulator for the read-only tests; dashboard 3 always fails."""
    config = make_config(fail=(("dashboards", "3"),))
    simulator = SimulatorProcess(config).start(timeout=START_TIMEOUT_S)
    yield simulator
    simulator.stop()


@pytest.fixture
def simulator(shared_simulator):
    """The shared simulator with its record cleared before the test."""
    shared_simulator.reset()
    return shared_simulator


@pytest.fixture
def client(simulator):
    return Client(simulator.base_url)
