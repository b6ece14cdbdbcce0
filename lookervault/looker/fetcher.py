"""GET under the run's shared rate limit, with retries, counted per type."""

from __future__ import annotations

import logging

from lookervault.batch.counters import Counters
from lookervault.looker.client import LookerClient
from lookervault.looker.ratelimit import RateLimiter
from lookervault.looker.retry import Attempted, RetryPolicy, send_with_retries

log = logging.getLogger(__name__)


class Fetcher:
    """The one way the tool sends a content request, in workers and parent alike."""

    def __init__(
        self,
        client: LookerClient,
        policy: RetryPolicy,
        limiter: RateLimiter,
        counters: Counters,
    ):
        self.client = client
        self.policy = policy
        self.limiter = limiter
        self.counters = counters

    def get(self, kind: str, path: str, params: dict | None = None) -> Attempted:
        """GET ``path`` for content type ``kind`` until it succeeds or gives up."""

        def send(remaining: float):
            self.limiter.acquire()
            self.counters.add(kind, "requests")
            response = self.client.get(path, params, timeout=remaining)
            if response.status_code == 429:
                self.counters.add(kind, "throttled")
                self.limiter.throttled()
            return response

        def on_retry(outcome) -> None:
            self.counters.add(kind, "retries")
            status = getattr(outcome, "status_code", None)
            log.debug("retrying %s after %s", path, status or type(outcome).__name__)

        outcome = send_with_retries(send, self.policy, on_retry)
        self.counters.record_reachable(outcome.response is not None)
        return outcome
