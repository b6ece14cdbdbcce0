"""Retry transient failures with exponential backoff and full jitter.

Looker returns 429 under load, and the proxies in front of it return 502,
503 and 504 with HTML pages.  Connections reset and requests time out.  Each of these is
tried again, after at least the ``Retry-After`` the server asked for, or after
a random delay from zero to an exponentially growing cap ("full jitter"), so
that many threads backing off at once do not retry in lockstep.  Any other
4xx is final: asking again would get the same answer.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime

from lookervault.looker.client import NETWORK_ERRORS, TRANSIENT_STATUSES, Response

RETRY_STATUSES = TRANSIENT_STATUSES
RETRY_ERRORS = NETWORK_ERRORS
# Added to every Retry-After wait, because the server's clock starts when it
# sends the response and ours when it arrives, and sleep() may round down.
RETRY_AFTER_MARGIN = 0.05


@dataclass(frozen=True)
class RetryPolicy:
    """How often and for how long one request is tried; picklable."""

    max_attempts: int = 6
    # Seconds one object may take, all attempts and waits included.
    deadline: float = 300.0
    base_delay: float = 0.5
    max_delay: float = 30.0

    def backoff(self, attempt: int) -> float:
        """Return a random delay before attempt ``attempt + 1``."""
        cap = min(self.max_delay, self.base_delay * 2 ** (attempt - 1))
        return random.uniform(0, cap)


@dataclass
class Attempted:
    """The last response to a request, or the error that stopped it."""

    response: Response | None
    error: Exception | None
    attempts: int


def retry_after_seconds(value: str | None, now: float | None = None) -> float | None:
    """Parse a ``Retry-After`` header: delay seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    current = now if now is not None else datetime.now(timezone.utc).timestamp()
    return max(0.0, when.timestamp() - current)


def send_with_retries(send, policy: RetryPolicy, on_retry=None) -> Attempted:
    """Call ``send(timeout)`` until it succeeds, fails for good, or time is up.

    ``send`` takes the seconds left before the deadline, to bound its own
    timeout, and returns a response or raises one of ``RETRY_ERRORS``.
    ``on_retry(response_or_error)`` is called before each wait.
    """
    started = time.monotonic()
    attempt = 0
    while True:
        attempt += 1
        remaining = policy.deadline - (time.monotonic() - started)
        response, error = _try(send, max(remaining, 0.1))
        if error is None and response.status_code not in RETRY_STATUSES:
            return Attempted(response, None, attempt)
        delay = _delay(policy, attempt, response)
        elapsed = time.monotonic() - started
        if attempt >= policy.max_attempts or elapsed + delay >= policy.deadline:
            return Attempted(response, error, attempt)
        if on_retry is not None:
            on_retry(response if error is None else error)
        time.sleep(delay)


def _try(send, remaining: float):
    try:
        return send(remaining), None
    except RETRY_ERRORS as exc:
        return None, exc


def _delay(policy: RetryPolicy, attempt: int, response) -> float:
    jitter = policy.backoff(attempt)
    if response is None:
        return jitter
    requested = retry_after_seconds(response.headers.get("Retry-After"))
    if requested is None:
        return jitter
    return max(requested + RETRY_AFTER_MARGIN, jitter)
