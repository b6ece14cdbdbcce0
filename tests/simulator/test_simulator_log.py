"""The per-request log, and logins with tokens that expire after a second."""

from __future__ import annotations

import re
import time

import requests
from simhelpers import START_TIMEOUT_S, TIMEOUT_S, Client, login, make_config

from lookervault.simulator import SimulatorProcess

LOG_FIELDS = {
    "t",
    "method",
    "path",
    "query",
    "status",
    "bytes",
    "retry_after",
    "token",
    "peer",
    "too_early",
}


def test_log_entries_describe_each_request(simulator):
    """Each API request is logged with its fields, in arrival order."""
    started = time.time()
    session = requests.Session()
    session.trust_env = False
    token = login(session, simulator.base_url).json()["access_token"]
    session.headers["Authorization"] = f"Bearer {token}"
    base = f"{simulator.base_url}/api/4.0"
    listing = session.get(
        f"{base}/dashboards/search",
        params={"fields": "id", "limit": 2},
        timeout=TIMEOUT_S,
    )
    detail = session.get(f"{simulator.base_url}//api/4.0/looks/1/", timeout=TIMEOUT_S)
    simulator.stats()

    log = simulator.log()

    assert [entry["path"] for entry in log] == [
        "/api/4.0/login",
        "/api/4.0/dashboards/search",
        "/api/4.0/looks/1",
    ]
    for entry in log:
        assert set(entry) == LOG_FIELDS
        assert entry["token"] == token[:8]
        assert re.fullmatch(r"127\.0\.0\.1:\d+", entry["peer"])
        assert entry["retry_after"] is None
        assert entry["too_early"] is False
    times = [entry["t"] for entry in log]
    assert times == sorted(times)
    assert started <= times[0] <= time.time()
    assert log[0]["method"] == "POST"
    assert log[1]["query"] == "fields=id&limit=2"
    assert log[1]["bytes"] == len(listing.content)
    assert log[2]["status"] == 200
    assert log[2]["bytes"] == len(detail.content)


def test_log_keeps_failed_logins_and_clears_on_reset(simulator):
    """A rejected login is logged without a token; a reset empties the log."""
    session = requests.Session()
    session.trust_env = False
    rejected = login(session, simulator.base_url, secret="wrong")

    log = simulator.log()
    simulator.reset()

    assert rejected.status_code == 401
    assert [(entry["path"], entry["status"], entry["token"]) for entry in log] == [
        ("/api/4.0/login", 401, None)
    ]
    assert simulator.log() == []


def test_short_token_ttl_expires_token():
    """A one-second token works, then gets 401; a new login works again."""
    config = make_config(token_ttl_s=1.0, counts={"dashboards": 2})
    with SimulatorProcess(config).start(timeout=START_TIMEOUT_S) as simulator:
        client = Client(simulator.base_url)
        fresh = client.get("/dashboards/1")
        time.sleep(1.2)
        expired = client.get("/dashboards/1")
        renewed = Client(simulator.base_url).get("/dashboards/1")
        logins = [e for e in simulator.log() if e["path"] == "/api/4.0/login"]

    assert fresh.status_code == 200
    assert expired.status_code == 401
    assert renewed.status_code == 200
    assert len(logins) == 2
    assert logins[0]["token"] != logins[1]["token"]
