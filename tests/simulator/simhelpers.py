"""Helpers for the simulator tests: a logged-in client and test configs.

Every network call carries a timeout, so a hung simulator fails a test instead
of hanging the suite.
"""

from __future__ import annotations

import hashlib

import requests

from lookervault.simulator import SimulatorConfig

SECRET = "test-secret-0f9a"
CLIENT_ID = "test-client"
TIMEOUT_S = 15
START_TIMEOUT_S = 30

# Enough of every type to page through, small enough to start in a blink.
TEST_COUNTS = {
    "dashboards": 23,
    "looks": 31,
    "folders": 17,
    "boards": 5,
    "users": 29,
    "groups": 6,
    "roles": 5,
    "permission_sets": 5,
    "model_sets": 3,
    "user_attributes": 12,
    "scheduled_plans": 14,
    "alerts": 9,
    "lookml_models": 4,
}


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class Client:
    """A logged-in ``requests`` session bound to one simulator."""

    def __init__(self, base_url: str, secret: str = SECRET) -> None:
        self.base_url = base_url
        self.session = requests.Session()
        # Loopback only: never send these requests through an HTTP proxy.
        self.session.trust_env = False
        token = login(self.session, base_url, secret).json()["access_token"]
        self.session.headers["Authorization"] = f"Bearer {token}"

    def get(self, path: str, **params: object) -> requests.Response:
        return self.session.get(
            f"{self.base_url}/api/4.0{path}", params=params, timeout=TIMEOUT_S
        )

    def get_json(self, path: str, **params: object) -> object:
        response = self.get(path, **params)
        assert response.status_code == 200, (path, response.text)
        return response.json()


def login(session: requests.Session, base_url: str, secret: str = SECRET):
    return session.post(
        f"{base_url}/api/4.0/login",
        data={"client_id": CLIENT_ID, "client_secret": secret},
        timeout=TIMEOUT_S,
    )


def make_config(**overrides: object) -> SimulatorConfig:
    settings = {
        "client_id": CLIENT_ID,
        "client_secret": SECRET,
        "counts": dict(TEST_COUNTS),
    }
    settings.update(overrides)
    return SimulatorConfig(**settings)
