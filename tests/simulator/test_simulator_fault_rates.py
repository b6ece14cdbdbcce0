"""Faults drawn by rate: 429, proxy 5xx, dropped bodies, slow responses, hangs."""

from __future__ import annotations

import argparse
import email.utils
import socket
import threading
import time
from collections import Counter
from urllib.parse import urlsplit

import pytest
import requests
from simhelpers import START_TIMEOUT_S, TIMEOUT_S, Client, make_config

from lookervault.simulator import (
    InvalidSimulatorConfig,
    SimulatorProcess,
    add_arguments,
)
from lookervault.simulator.cli import config_from_args
from lookervault.simulator.faults import Faults

SMALL_COUNTS = {"dashboards": 6, "looks": 4, "users": 3}


def start(**overrides: object) -> SimulatorProcess:
    config = make_config(counts=dict(SMALL_COUNTS), **overrides)
    return SimulatorProcess(config).start(timeout=START_TIMEOUT_S)


def entries_for(simulator: SimulatorProcess, path: str) -> list[dict]:
    return [entry for entry in simulator.log() if entry["path"] == path]


def wait_for(condition, timeout_s: float = 5.0) -> None:
    """Poll ``condition`` until it is true or ``timeout_s`` has passed."""
    deadline = time.monotonic() + timeout_s
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.05)


def test_fault_draws_repeat_per_seed():
    """The same seed, path and count give the same fault; rates hold overall."""
    faults = Faults(seed=5, rate_429=0.2, rate_5xx=0.1, drop_rate=0.05)
    paths = [f"/api/4.0/dashboards/{n}" for n in range(200)]

    first = [faults.choose(path, n) for path in paths for n in range(50)]
    again = [faults.choose(path, n) for path in paths for n in range(50)]
    other_seed = Faults(seed=6, rate_429=0.2, rate_5xx=0.1, drop_rate=0.05)
    reseeded = [other_seed.choose(path, n) for path in paths for n in range(50)]
    kinds = Counter(kind for kind, _ in first)

    assert first == again
    assert first != reseeded
    assert abs(kinds["429"] / len(first) - 0.2) < 0.01
    assert abs(kinds["5xx"] / len(first) - 0.1) < 0.01
    assert abs(kinds["drop"] / len(first) - 0.05) < 0.01
    assert {status for kind, status in first if kind == "5xx"} == {502, 503, 504}


def test_rate_429_sends_retry_after_seconds():
    """Every API request is 429 with Retry-After; early retries are counted."""
    with start(rate_429=1.0, retry_after_s=1.0) as simulator:
        client = Client(simulator.base_url)
        first = client.get("/dashboards/1")
        early = client.get("/dashboards/1")
        other_path = client.get("/dashboards/2")
        time.sleep(1.05)
        on_time = client.get("/dashboards/1")
        versions = client.get("/versions")
        stats = simulator.stats()
        log = entries_for(simulator, "/api/4.0/dashboards/1")

    assert first.status_code == 429
    assert first.headers["Retry-After"] == "1"
    assert first.json()["message"] == "Too many requests"
    assert "documentation_url" in first.json()
    assert early.status_code == 429
    assert other_path.status_code == 429
    assert on_time.status_code == 429
    assert versions.status_code == 200
    assert stats["too_early"] == 1
    assert [entry["too_early"] for entry in log] == [False, True, False]
    assert [entry["retry_after"] for entry in log] == [1.0, 1.0, 1.0]


def test_rate_429_sends_retry_after_http_date():
    """The HTTP-date form names a whole second at least Retry-After away."""
    with start(rate_429=1.0, retry_after_s=1.0, retry_after_http_date=True) as sim:
        client = Client(sim.base_url)
        before = time.time()
        response = client.get("/looks/1")
        after = time.time()
        early = client.get("/looks/1")
        stats = sim.stats()
        log = entries_for(sim, "/api/4.0/looks/1")

    retry_at = email.utils.parsedate_to_datetime(response.headers["Retry-After"])
    assert response.status_code == 429
    assert retry_at.timestamp() == int(retry_at.timestamp())
    assert before + 1 <= retry_at.timestamp() <= after + 2
    assert 1 <= log[0]["retry_after"] <= 2
    assert early.status_code == 429
    assert stats["too_early"] == 1
    assert log[1]["too_early"] is True


def test_rate_5xx_returns_proxy_html():
    """Each request gets 502, 503 or 504 with an nginx page, as seeded."""
    with start(rate_5xx=1.0, seed=3) as simulator:
        client = Client(simulator.base_url)
        responses = [client.get(f"/dashboards/{n}") for n in range(1, 7)]

    expected = Faults(seed=3, rate_5xx=1.0)
    for number, response in enumerate(responses, start=1):
        _, status = expected.choose(f"/api/4.0/dashboards/{number}", 0)
        assert response.status_code == status
        assert response.headers["Content-Type"] == "text/html"
        assert f"<title>{status} " in response.text
        assert "nginx" in response.text


def test_drop_sends_part_of_body_then_closes():
    """The head promises the full body; half arrives, then the connection ends."""
    with start(drop_rate=1.0) as simulator:
        client = Client(simulator.base_url)
        with pytest.raises(
            (requests.exceptions.ChunkedEncodingError, requests.ConnectionError)
        ):
            client.get("/dashboards/1")

        address = urlsplit(simulator.base_url)
        authorization = client.session.headers["Authorization"]
        with socket.create_connection(
            (address.hostname, address.port), timeout=TIMEOUT_S
        ) as sock:
            sock.sendall(
                f"GET /api/4.0/looks/1 HTTP/1.1\r\nHost: x\r\n"
                f"Authorization: {authorization}\r\n\r\n".encode()
            )
            received = bytearray()
            while chunk := sock.recv(65536):
                received += chunk
        log = simulator.log()

    head, _, body = bytes(received).partition(b"\r\n\r\n")
    length = int(head.lower().split(b"content-length: ")[1].split(b"\r\n")[0])
    assert head.startswith(b"HTTP/1.1 200 OK")
    assert 0 < len(body) < length
    dropped = [entry for entry in log if entry["path"] == "/api/4.0/looks/1"]
    assert dropped[0]["status"] == 200
    assert dropped[0]["bytes"] == len(body)


def test_slow_response_leaves_others_fast():
    """A slow detail holds only its own connection; listings stay fast."""
    with start(slow_rate=1.0, slow_s=1.5, faults_on_listings=False) as simulator:
        client = Client(simulator.base_url)
        slow_client = Client(simulator.base_url)
        timings = {}

        def fetch_slow() -> None:
            started = time.perf_counter()
            timings["status"] = slow_client.get("/dashboards/1").status_code
            timings["slow"] = time.perf_counter() - started

        thread = threading.Thread(target=fetch_slow)
        thread.start()
        time.sleep(0.1)
        started = time.perf_counter()
        listing = client.get("/dashboards/search", limit=2)
        fast = time.perf_counter() - started
        thread.join(TIMEOUT_S)

        with pytest.raises(requests.exceptions.ReadTimeout):
            client.session.get(f"{simulator.base_url}/api/4.0/looks/1", timeout=0.3)
        # The server detects the closed connection a moment later.
        path = "/api/4.0/looks/1"
        wait_for(lambda: entries_for(simulator, path)[0]["status"] is None)
        abandoned = entries_for(simulator, path)

    assert timings["status"] == 200
    assert timings["slow"] >= 1.5
    assert listing.status_code == 200
    assert fast < 0.5
    assert abandoned[0]["status"] is None
    assert abandoned[0]["bytes"] == 0


def test_hang_types_never_respond():
    """A hung dashboard times out the client; looks return 200 meanwhile."""
    with start(hang_types=("dashboards",)) as simulator:
        client = Client(simulator.base_url)
        other = Client(simulator.base_url)
        results = {}

        def fetch_hung() -> None:
            try:
                client.session.get(
                    f"{simulator.base_url}/api/4.0/dashboards/2", timeout=1
                )
            except requests.exceptions.ReadTimeout:
                results["timed_out"] = True

        thread = threading.Thread(target=fetch_hung)
        thread.start()
        time.sleep(0.2)
        look = other.get("/looks/1")
        listing = other.get("/dashboards/search", limit=2)
        hanging_during = simulator.stats()["hanging"]
        thread.join(TIMEOUT_S)
        wait_for(lambda: simulator.stats()["hanging"] == 0)
        stats = simulator.stats()
        hung = entries_for(simulator, "/api/4.0/dashboards/2")

    assert results == {"timed_out": True}
    assert look.status_code == 200
    assert listing.status_code == 200
    assert hanging_during == 1
    assert stats["hanging"] == 0
    assert hung[0]["status"] is None


def test_fractional_rates_repeat_after_reset():
    """Same seed, same requests: the same faults, matching Faults.choose."""
    rates = {
        "rate_429": 0.25,
        "rate_5xx": 0.25,
        "drop_rate": 0.2,
        "slow_rate": 0.1,
        "slow_s": 0.01,
    }
    paths = ["/dashboards/1", "/dashboards/2", "/dashboards/search"] * 8

    def outcomes(client: Client) -> list[int | str]:
        seen = []
        for path in paths:
            try:
                seen.append(client.get(path).status_code)
            except (requests.exceptions.ChunkedEncodingError, requests.ConnectionError):
                seen.append("dropped")
        return seen

    with start(seed=11, **rates) as simulator:
        client = Client(simulator.base_url)
        first = outcomes(client)
        simulator.reset()
        second = outcomes(client)

    faults = Faults(seed=11, **rates)
    numbers: Counter[str] = Counter()
    expected = []
    for path in paths:
        kind, status = faults.choose(f"/api/4.0{path}", numbers[path])
        numbers[path] += 1
        expected.append("dropped" if kind == "drop" else status)
    assert first == second
    assert first == expected
    assert len(set(first)) > 2


def test_faults_on_listings_can_be_turned_off():
    """With faults_on_listings off, listings pass and details still fail."""
    with start(rate_429=1.0, faults_on_listings=False) as simulator:
        client = Client(simulator.base_url)
        listing = client.get("/dashboards/search")
        users = client.get("/users")
        detail = client.get("/dashboards/1")

    assert listing.status_code == 200
    assert users.status_code == 200
    assert detail.status_code == 429


def test_fault_options_reach_the_config():
    """Every fault flag of `simulate` sets its config field."""
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    args = parser.parse_args(
        [
            "--rate-429=0.1",
            "--retry-after=2",
            "--retry-after-http-date",
            "--rate-5xx=0.2",
            "--drop-rate=0.05",
            "--slow-rate=0.1",
            "--slow-seconds=3",
            "--hang=dashboards",
            "--hang=looks",
            "--no-faults-on-listings",
        ]
    )

    config = config_from_args(args)

    assert config.rate_429 == 0.1
    assert config.retry_after_s == 2.0
    assert config.retry_after_http_date is True
    assert config.rate_5xx == 0.2
    assert config.drop_rate == 0.05
    assert config.slow_rate == 0.1
    assert config.slow_s == 3.0
    assert config.hang_types == ("dashboards", "looks")
    assert config.faults_on_listings is False
    config.validate()


def test_invalid_fault_settings_are_rejected():
    """Rates out of 0..1, rates adding up past 1 and unknown types fail."""
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    with pytest.raises(SystemExit):
        parser.parse_args(["--rate-429=1.5"])
    with pytest.raises(InvalidSimulatorConfig, match="at most 1"):
        make_config(rate_429=0.6, rate_5xx=0.6).validate()
    with pytest.raises(InvalidSimulatorConfig, match="slow_s"):
        make_config(slow_s=-1).validate()
    with pytest.raises(InvalidSimulatorConfig, match="'widgets'"):
        make_config(hang_types=("widgets",)).validate()
