"""Simulated misbehaviour, consulted once per API request.

One :class:`Faults` value describes every fault the simulator injects:
latency, objects that always fail, and fractions of requests that get a 429
with ``Retry-After``, a 502/503/504 with a proxy's HTML page, a response cut
off inside the body, or a late response.  Detail requests of chosen types
hang.

Which request gets a fault is decided by a hash of (seed, path, n), where n
counts the earlier requests to the same path, never by global random state.
So the same seed and the same requests per path give the same faults, and a
retried request draws again instead of failing forever.  The query string is
not part of the path: the pages of one listing share one sequence.
:class:`FaultState` keeps those counts and the ``Retry-After`` deadlines.
"""

from __future__ import annotations

import email.utils
import hashlib
import math
from dataclasses import dataclass

import orjson

from lookervault.simulator.http import Response

DOCUMENTATION_URL = "https://cloud.google.com/looker/docs/"
_SIMULATED_500 = orjson.dumps(
    {
        "message": "Internal server error (simulated)",
        "documentation_url": DOCUMENTATION_URL,
    }
)
_TOO_MANY_REQUESTS = orjson.dumps(
    {"message": "Too many requests", "documentation_url": DOCUMENTATION_URL}
)
GATEWAY_STATUSES = (502, 503, 504)
# A request this much before its Retry-After deadline still counts as on time,
# because a client's timer may fire up to a clock tick early.
_EARLY_TOLERANCE_S = 0.001

# Fault kinds: the four that :meth:`Faults.choose` draws by rate, and the
# hang of a detail request whose type is in ``hang_types``.
TOO_MANY_REQUESTS = "429"
GATEWAY_ERROR = "5xx"
DROP = "drop"
SLOW = "slow"
HANG = "hang"


FORBIDDEN = orjson.dumps(
    {
        "message": "You are not allowed to view this content (simulated)",
        "documentation_url": DOCUMENTATION_URL,
    }
)
# Ways a 200 answer's body can be wrong, as proxies and bugs produce them.
CORRUPTIONS = ("html", "truncated", "array", "empty", "latin1", "huge")
HUGE_BYTES = 10 * 1024 * 1024


def spoil(body: bytes, how: str) -> bytes:
    """Return ``body`` spoiled in the way ``how`` names (see CORRUPTIONS)."""
    if how == "html":
        return b"<html><body><h1>Maintenance</h1>Back soon.</body></html>"
    if how == "truncated":
        return body[: len(body) // 2]
    if how == "array":
        return b"[" + body + b"]"
    if how == "empty":
        return b""
    if how == "latin1":
        return b'{"id":"0","title":"caf\xe9 cr\xe8me"}'.decode("unicode_escape").encode(
            "latin-1"
        )
    if how == "huge":
        padding = b'"padding":"' + b"x" * HUGE_BYTES + b'",'
        return body[:1] + padding + body[1:]
    raise ValueError(f"unknown corruption {how!r}; expected one of {CORRUPTIONS}")


def _proxy_page(status: int, reason: str) -> bytes:
    """Return the error page nginx sends when the server behind it fails."""
    return (
        f"<html>\r\n<head><title>{status} {reason}</title></head>\r\n<body>\r\n"
        f"<center><h1>{status} {reason}</h1></center>\r\n"
        "<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
    ).encode()


_PROXY_PAGES = {
    502: _proxy_page(502, "Bad Gateway"),
    503: _proxy_page(503, "Service Temporarily Unavailable"),
    504: _proxy_page(504, "Gateway Time-out"),
}


@dataclass(frozen=True)
class Faults:
    """The faults a simulator injects into its API responses.

    The four rates split [0, 1) into consecutive ranges, so each is the
    fraction of eligible requests that gets that fault, and their sum is at
    most 1.
    """

    # Seconds added to every API response (admin endpoints respond at once).
    latency_s: float = 0.0
    # (type, id) pairs whose detail endpoint always returns 500.
    fail: frozenset[tuple[str, str]] = frozenset()
    seed: int = 1
    rate_429: float = 0.0
    retry_after_s: float = 1.0
    # Send Retry-After as an HTTP date, rounded up to a whole second.
    retry_after_http_date: bool = False
    rate_5xx: float = 0.0
    # Fraction of responses cut off inside the body, then the connection closed.
    drop_rate: float = 0.0
    slow_rate: float = 0.0
    slow_s: float = 10.0
    # Types whose detail requests get no response.
    hang_types: frozenset[str] = frozenset()
    faults_on_listings: bool = True
    corrupt: tuple[tuple[str, str, str], ...] = ()
    forbid_types: frozenset[str] = frozenset()

    def corruption(self, type_name: str, object_id: str) -> str | None:
        """Return how an object's body is spoiled, or None to serve it as is."""
        for kind, spoiled_id, how in self.corrupt:
            if (kind, spoiled_id) == (type_name, object_id):
                return how
        return None

    @property
    def active(self) -> bool:
        """True when some requests get a fault drawn by rate."""
        return self.rate_429 + self.rate_5xx + self.drop_rate + self.slow_rate > 0

    def delay_s(self, path: str) -> float:
        """Return how long to hold the response to a request for ``path``."""
        return self.latency_s

    def object_failure(self, type_name: str, object_id: str) -> Response | None:
        """Return the error that replaces an object's body, or None to serve it."""
        if (type_name, object_id) in self.fail:
            return Response(500, _SIMULATED_500)
        return None

    def choose(self, path: str, number: int) -> tuple[str | None, int]:
        """Return the fault of the ``number``-th request to ``path`` and a status.

        The kind is None for no fault.  The status is 429 or, for a gateway
        error, one of 502, 503 and 504, drawn from the same hash.
        """
        digest = hashlib.blake2b(
            f"{self.seed}\0{path}\0{number}".encode(), digest_size=16
        ).digest()
        draw = int.from_bytes(digest[:8], "big") / 2**64
        bound = 0.0
        for kind, rate in (
            (TOO_MANY_REQUESTS, self.rate_429),
            (GATEWAY_ERROR, self.rate_5xx),
            (DROP, self.drop_rate),
            (SLOW, self.slow_rate),
        ):
            bound += rate
            if draw >= bound:
                continue
            if kind == GATEWAY_ERROR:
                return kind, GATEWAY_STATUSES[digest[8] % len(GATEWAY_STATUSES)]
            return kind, 429 if kind == TOO_MANY_REQUESTS else 200
        return None, 200

    def too_many_requests(self, sent_at: float) -> tuple[Response, float]:
        """Build a 429 sent at ``sent_at``; return it and the time to retry at."""
        if self.retry_after_http_date:
            retry_at = float(math.ceil(sent_at + self.retry_after_s))
            value = email.utils.formatdate(retry_at, usegmt=True)
        else:
            retry_at = sent_at + self.retry_after_s
            # NOTE: RFC 9110 allows only whole seconds here.  A fraction is
            # sent as a decimal for fast tests, which strict clients may reject.
            value = f"{self.retry_after_s:g}"
        headers = (("Retry-After", value),)
        return Response(429, _TOO_MANY_REQUESTS, headers=headers), retry_at

    @staticmethod
    def gateway_error(status: int) -> Response:
        """Build the HTML error page a proxy sends for 502, 503 or 504."""
        return Response(status, _PROXY_PAGES[status], content_type="text/html")


class FaultState:
    """Per-path request counts and Retry-After deadlines, cleared by a reset.

    Memory grows with the number of distinct paths requested, about 150
    bytes each (an estimate): 15 MB for 100,000 objects fetched.
    """

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self._numbers: dict[str, int] = {}
        # path -> the earliest time a request may follow the last 429 on it.
        self._retry_at: dict[str, float] = {}
        self.too_early = 0

    def next_number(self, path: str) -> int:
        """Count a request to ``path``; return how many came before it."""
        number = self._numbers.get(path, 0)
        self._numbers[path] = number + 1
        return number

    def arrived(self, path: str, arrived_at: float) -> bool:
        """Return whether a request came before its path's Retry-After ended."""
        retry_at = self._retry_at.get(path)
        if retry_at is None:
            return False
        if arrived_at + _EARLY_TOLERANCE_S >= retry_at:
            del self._retry_at[path]
            return False
        self.too_early += 1
        return True

    def rate_limited(self, path: str, retry_at: float) -> None:
        """Remember that ``path`` may not be requested again before ``retry_at``."""
        self._retry_at[path] = max(retry_at, self._retry_at.get(path, 0.0))
