"""Injected faults: objects that always fail, and latency that never blocks."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import requests
from simhelpers import START_TIMEOUT_S, TIMEOUT_S, Client, make_config

from lookervault.simulator import SimulatorProcess


def test_failing_object_is_500_and_counted(client, simulator):
    """A configured (type, id) returns 500 every time; the rest are served."""
    failures = [client.get("/dashboards/3") for _ in range(2)]
    neighbour = client.get("/dashboards/2")

    assert [f.status_code for f in failures] == [500, 500]
    assert failures[0].json()["message"] == "Internal server error (simulated)"
    assert "documentation_url" in failures[0].json()
    assert neighbour.status_code == 200
    record = simulator.record()
    assert record["statuses"]["500"] == 2
    assert record["requests"]["/api/4.0/dashboards/3"] == 2
    assert "3" not in record["objects"]["dashboards"]


def test_failing_object_still_listed(client):
    """Only the detail endpoint fails: the object stays in its listing."""
    ids = [d["id"] for d in client.get_json("/dashboards/search", fields="id")]

    assert "3" in ids


def test_latency_delays_without_blocking():
    """Latency applies per request, concurrently; admin endpoints skip it."""
    config = make_config(latency_ms=300, counts={"dashboards": 8})
    with SimulatorProcess(config).start(timeout=START_TIMEOUT_S) as simulator:
        client = Client(simulator.base_url)
        url = f"{simulator.base_url}/api/4.0/dashboards/"
        headers = dict(client.session.headers)

        def fetch(number: int) -> int:
            # One connection per thread, all sharing the one token.
            with requests.Session() as session:
                session.trust_env = False
                response = session.get(
                    f"{url}{number}", headers=headers, timeout=TIMEOUT_S
                )
            return response.status_code

        started = time.perf_counter()
        with ThreadPoolExecutor(8) as pool:
            statuses = list(pool.map(fetch, range(1, 9)))
        elapsed = time.perf_counter() - started

        admin_started = time.perf_counter()
        simulator.stats()
        admin_elapsed = time.perf_counter() - admin_started
        single_started = time.perf_counter()
        client.get("/dashboards/1")
        single_elapsed = time.perf_counter() - single_started

    assert statuses == [200] * 8
    # Eight requests at 300 ms each would take 2.4 s if latency blocked.
    assert 0.3 <= elapsed < 1.2
    assert single_elapsed >= 0.3
    assert admin_elapsed < 0.2


def test_stats_count_cpu_requests_and_bytes(simulator):
    """Stats report the simulator's CPU time and what it sent."""
    before = simulator.stats()
    session = requests.Session()
    session.trust_env = False
    session.get(f"{simulator.base_url}/api/4.0/versions", timeout=TIMEOUT_S)

    after = simulator.stats()

    assert after["cpu_seconds"] > 0
    assert after["requests"] == before["requests"] + 2  # versions, then stats
    assert after["bytes_sent"] > before["bytes_sent"]


def test_reset_clears_the_record(client, simulator):
    """After a reset, the record is empty again."""
    client.get("/dashboards/1")

    simulator.reset()

    assert simulator.record() == {
        "objects": {},
        "requests": {},
        "logins": 0,
        "statuses": {},
    }
