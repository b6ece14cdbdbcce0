"""Retries: which answers are tried again, how long to wait, when to stop."""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime

import pytest
import urllib3.exceptions as errors
from urllib3 import HTTPHeaderDict

from lookervault.looker.client import Response
from lookervault.looker.retry import (
    RETRY_AFTER_MARGIN,
    RetryPolicy,
    retry_after_seconds,
    send_with_retries,
)


def answer(status: int, retry_after: str | None = None) -> Response:
    headers = HTTPHeaderDict()
    if retry_after is not None:
        headers["retry-after"] = retry_after
    return Response(status, headers, b"")


class Server:
    """A scripted sequence of answers standing in for one URL."""

    def __init__(self, *answers):
        self.answers = list(answers)
        self.calls: list[float] = []

    def __call__(self, remaining: float):
        self.calls.append(time.monotonic())
        item = self.answers.pop(0)
        if isinstance(item, Exception):
            raise item
        return item


FAST = RetryPolicy(max_attempts=4, deadline=30, base_delay=0.01, max_delay=0.02)


def test_retry_after_in_seconds():
    assert retry_after_seconds("3") == 3.0
    assert retry_after_seconds("0.5") == 0.5
    assert retry_after_seconds(None) is None
    assert retry_after_seconds("soon") is None


def test_retry_after_as_http_date():
    now = datetime(2026, 1, 1, tzinfo=timezone.utc)
    header = format_datetime(now + timedelta(seconds=7), usegmt=True)
    assert retry_after_seconds(header, now=now.timestamp()) == pytest.approx(7)
    past = format_datetime(now - timedelta(seconds=7), usegmt=True)
    assert retry_after_seconds(past, now=now.timestamp()) == 0


@pytest.mark.parametrize("status", [429, 500, 502, 503, 504])
def test_transient_statuses_are_retried(status):
    server = Server(answer(status), answer(200))
    outcome = send_with_retries(server, FAST)
    assert outcome.response.status_code == 200
    assert outcome.attempts == 2


@pytest.mark.parametrize("status", [400, 403, 404, 422])
def test_other_client_errors_are_final(status):
    server = Server(answer(status), answer(200))
    outcome = send_with_retries(server, FAST)
    assert outcome.response.status_code == status
    assert outcome.attempts == 1


@pytest.mark.parametrize(
    "error",
    [
        errors.ProtocolError("Connection aborted.", ConnectionResetError(104)),
        errors.ReadTimeoutError(None, "/dashboards/1", "Read timed out."),
        errors.NewConnectionError(None, "Connection refused"),
        errors.ProxyError("Unable to connect to proxy", OSError("refused")),
        errors.SSLError("EOF occurred in violation of protocol"),
    ],
)
def test_network_errors_are_retried(error):
    server = Server(error, answer(200))
    outcome = send_with_retries(server, FAST)
    assert outcome.response.status_code == 200
    assert outcome.error is None


def test_attempts_are_bounded():
    server = Server(*[answer(503)] * 10)
    outcome = send_with_retries(server, FAST)
    assert outcome.attempts == 4
    assert outcome.response.status_code == 503
    assert len(server.calls) == 4


def test_last_error_is_returned_when_attempts_run_out():
    server = Server(*[errors.NewConnectionError(None, "refused")] * 4)
    outcome = send_with_retries(server, FAST)
    assert outcome.response is None
    assert isinstance(outcome.error, errors.NewConnectionError)


def test_retry_after_is_waited_for():
    server = Server(answer(429, "0.3"), answer(200))
    send_with_retries(server, FAST)
    assert server.calls[1] - server.calls[0] >= 0.3 + RETRY_AFTER_MARGIN


def test_deadline_stops_before_a_long_wait():
    policy = RetryPolicy(max_attempts=10, deadline=1.0, base_delay=0.01)
    server = Server(answer(429, "60"), answer(200))
    outcome = send_with_retries(server, policy)
    assert outcome.attempts == 1
    assert outcome.response.status_code == 429


def test_backoff_grows_and_is_capped():
    policy = RetryPolicy(base_delay=1.0, max_delay=8.0)
    for attempt, cap in [(1, 1.0), (2, 2.0), (3, 4.0), (4, 8.0), (9, 8.0)]:
        delays = [policy.backoff(attempt) for _ in range(200)]
        assert max(delays) <= cap
        assert min(delays) >= 0
