"""Login, tokens and the paths Looker clients actually send."""

from __future__ import annotations

import time

import looker_sdk
import requests
from simhelpers import (
    CLIENT_ID,
    SECRET,
    START_TIMEOUT_S,
    TIMEOUT_S,
    Client,
    login,
    make_config,
)

from lookervault.simulator import SimulatorProcess


def test_sdk_logs_in_and_reads_me(simulator, monkeypatch, tmp_path):
    """looker-sdk, configured from the environment as users do, logs in."""
    monkeypatch.chdir(tmp_path)  # no stray looker.ini
    # A trailing slash makes the SDK send //api/4.0/login, as some tools do.
    monkeypatch.setenv("LOOKERSDK_BASE_URL", simulator.base_url + "/")
    monkeypatch.setenv("LOOKERSDK_CLIENT_ID", CLIENT_ID)
    monkeypatch.setenv("LOOKERSDK_CLIENT_SECRET", SECRET)
    monkeypatch.setenv("LOOKERSDK_TIMEOUT", str(TIMEOUT_S))
    sdk = looker_sdk.init40()

    me = sdk.me()
    header = sdk.auth.authenticate({})

    assert me.id == "1"
    assert me.credentials_api3[0].client_id == CLIENT_ID
    assert header["Authorization"].startswith("Bearer ")
    record = simulator.record()
    assert record["logins"] == 1
    assert record["requests"]["/api/4.0/login"] == 1
    assert record["requests"]["/api/4.0/user"] == 1


def test_login_with_wrong_secret_is_401(simulator):
    """A wrong client secret gets 401 and no token."""
    session = requests.Session()
    session.trust_env = False

    response = login(session, simulator.base_url, secret="wrong")

    assert response.status_code == 401
    assert response.json()["message"] == "Invalid client_id or client_secret"
    assert "access_token" not in response.json()
    assert simulator.record()["logins"] == 0


def test_login_returns_access_token_shape(simulator):
    """The login body has the four AccessToken fields, expiry in seconds."""
    session = requests.Session()
    session.trust_env = False

    body = login(session, simulator.base_url).json()

    assert sorted(body) == ["access_token", "expires_in", "refresh_token", "token_type"]
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 3600
    assert body["refresh_token"] is None


def test_request_without_token_is_401(simulator):
    """Content needs a token; the error body is Looker's."""
    response = requests.get(
        f"{simulator.base_url}/api/4.0/dashboards/1", timeout=TIMEOUT_S
    )

    assert response.status_code == 401
    assert response.json() == {
        "message": "Requires authentication.",
        "documentation_url": "https://cloud.google.com/looker/docs/",
    }
    assert response.headers["Content-Type"] == "application/json"


def test_token_scheme_is_accepted(client):
    """``Authorization: token <t>`` works like ``Bearer <t>``."""
    token = client.session.headers["Authorization"].split()[1]
    client.session.headers["Authorization"] = f"token {token}"

    assert client.get("/dashboards/1").status_code == 200


def test_token_expires_after_ttl():
    """A token stops working once its TTL has passed."""
    config = make_config(token_ttl_s=0.5, counts={"dashboards": 1})
    with SimulatorProcess(config).start(timeout=START_TIMEOUT_S) as simulator:
        client = Client(simulator.base_url)
        first = client.get("/dashboards/1")
        time.sleep(0.8)
        second = client.get("/dashboards/1")

    assert first.status_code == 200
    assert second.status_code == 401
    assert second.json()["message"] == "Requires authentication."


def test_logout_revokes_token(client):
    """DELETE /logout ends the token's validity."""
    response = client.session.delete(
        f"{client.base_url}/api/4.0/logout", timeout=TIMEOUT_S
    )

    assert response.status_code == 204
    assert client.get("/dashboards/1").status_code == 401


def test_versions_needs_no_token(simulator):
    """/versions responds without login and describes API 4.0 as current."""
    response = requests.get(f"{simulator.base_url}/api/4.0/versions", timeout=TIMEOUT_S)

    body = response.json()
    assert response.status_code == 200
    assert body["current_version"]["version"] == "4.0"
    assert body["current_version"]["status"] == "current"
    assert body["looker_release_version"].count(".") == 2
    assert "4.0" in [v["version"] for v in body["supported_versions"]]


def test_doubled_slash_is_tolerated(client, simulator):
    """``//api/4.0/...`` is served and recorded under the normalized path."""
    response = client.session.get(
        f"{client.base_url}//api/4.0//dashboards/2", timeout=TIMEOUT_S
    )

    assert response.status_code == 200
    assert response.json()["id"] == "2"
    record = simulator.record()
    assert record["requests"]["/api/4.0/dashboards/2"] == 1
    assert record["objects"]["dashboards"]["2"]["path"] == "/api/4.0/dashboards/2"
