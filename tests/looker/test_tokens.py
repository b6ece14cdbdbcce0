"""One login in the parent, its token shared with worker processes."""

from __future__ import annotations

import multiprocessing
import threading
import time

import pytest

from lookervault.config import Credentials
from lookervault.errors import LoginFailed
from lookervault.looker.client import LookerClient
from lookervault.looker.login import OwnLogin, logged_in_client
from lookervault.looker.tokens import TOKEN_BYTES, SharedLogin, SharedToken

from helpers import CLIENT_ID, CLIENT_SECRET

CONTEXT = multiprocessing.get_context("spawn")
LOGIN = "/api/4.0/login"


def _credentials(simulator) -> Credentials:
    return Credentials(simulator.base_url, CLIENT_ID, CLIENT_SECRET, timeout=10)


def _read_in_child(shared: SharedToken, answers) -> None:
    """In a spawned process: send the token, request a new one, send that."""
    tokens = SharedLogin(shared)
    first = tokens.current()
    answers.put(first["Authorization"])
    answers.put(tokens.renew(first)["Authorization"])


def test_shared_token_renewed_for_worker_process():
    shared = SharedToken(CONTEXT)
    shared.publish("token first")
    answers = CONTEXT.Queue()
    child = CONTEXT.Process(target=_read_in_child, args=(shared, answers))
    child.start()
    try:
        assert answers.get(timeout=60) == "token first"
        deadline = time.monotonic() + 30
        while not shared.renewal_requested():
            assert time.monotonic() < deadline, "the child never asked for a token"
            time.sleep(0.01)
        shared.publish("token second")
        assert answers.get(timeout=30) == "token second"
        assert not shared.renewal_requested()
    finally:
        child.join(30)
    assert child.exitcode == 0


def test_shared_login_takes_newer_token():
    shared = SharedToken(CONTEXT)
    shared.publish("token old")
    tokens = SharedLogin(shared)
    old = tokens.current()
    shared.publish("token new")
    assert tokens.renew(old) == {"Authorization": "token new"}
    assert not shared.renewal_requested()


def test_shared_token_rejects_oversized_token():
    shared = SharedToken(CONTEXT)
    with pytest.raises(
        ValueError, match=f"{TOKEN_BYTES + 6} bytes, more than the {TOKEN_BYTES - 1}"
    ):
        shared.publish("token " + "x" * TOKEN_BYTES)


def test_own_login_renews_on_worker_request(start_simulator):
    simulator = start_simulator(counts={"dashboards": 3})
    own = OwnLogin(_credentials(simulator))
    own.login()
    shared = SharedToken(CONTEXT)
    own.share(shared)
    tokens = SharedLogin(shared)
    first = tokens.current()
    assert first["Authorization"].startswith("Bearer ")

    own.keep_fresh()
    assert tokens.current() is first, "renewed although nothing asked for it"

    renewed = {}
    worker = threading.Thread(target=lambda: renewed.update(tokens.renew(first)))
    worker.start()
    deadline = time.monotonic() + 10
    while worker.is_alive():
        own.keep_fresh()
        assert time.monotonic() < deadline, "the worker never got a new token"
        time.sleep(0.01)
    own.close()
    assert renewed["Authorization"].startswith("Bearer ")
    assert renewed != first
    logins = [e for e in simulator.log() if e["path"] == LOGIN]
    assert len(logins) == own.logins == 2


def test_worker_client_renews_after_401(start_simulator):
    """A token that expired before the parent's clock renewed it comes back
    as a 401; the worker's request waits for the parent's new login and is
    sent again."""
    simulator = start_simulator(counts={"dashboards": 3}, token_ttl_s=1)
    credentials = _credentials(simulator)
    parent = logged_in_client(credentials, pool_size=1)
    parent.login()
    shared = SharedToken(CONTEXT)
    parent.tokens.share(shared)
    worker = LookerClient(
        credentials.without_secret(), SharedLogin(shared), parent.route, pool_size=1
    )
    time.sleep(1.5)

    path = f"/dashboards/{simulator.inventory()['dashboards'][0]}"
    answer = {}
    request = threading.Thread(target=lambda: answer.update(response=worker.get(path)))
    request.start()
    while request.is_alive():
        # The parent's loop, minus its clock: here the parent logs in only
        # when a worker reports its token rejected.
        if shared.renewal_requested():
            parent.tokens.login()
        time.sleep(0.01)
    worker.close()
    parent.close()
    assert answer["response"].status_code == 200
    statuses = [e["status"] for e in simulator.log() if e["path"] == "/api/4.0" + path]
    assert statuses == [401, 200]


def test_own_login_survives_unreachable_looker(start_simulator, caplog):
    """A renewal on the clock comes early, so a Looker that does not respond
    at that moment leaves the workers with a token that still works."""
    simulator = start_simulator(counts={"dashboards": 1}, token_ttl_s=1)
    own = OwnLogin(_credentials(simulator))
    own.login()
    shared = SharedToken(CONTEXT)
    own.share(shared)
    published = shared.read()
    time.sleep(1.0)
    simulator.stop()

    own.keep_fresh()
    own.keep_fresh()
    own.close()
    assert shared.read() == published
    assert own.logins == 1
    warnings = [r for r in caplog.records if "could not renew" in r.getMessage()]
    assert len(warnings) == 1, "the second call came before the retry was due"
    assert "trying again in 5 s" in warnings[0].getMessage()


def test_own_login_raises_on_rejected_credentials(start_simulator):
    simulator = start_simulator(counts={"dashboards": 1})
    credentials = Credentials(simulator.base_url, CLIENT_ID, "not the secret")
    own = OwnLogin(credentials)
    with pytest.raises(LoginFailed, match="rejected the API credentials"):
        own.keep_fresh()
    own.close()


def test_worker_credentials_carry_no_secret():
    credentials = Credentials("https://looker.example.com", "id", "secret value")
    stripped = credentials.without_secret()
    assert stripped.client_secret == ""
    assert stripped.public() == credentials.public()
