"""The per-request log that ``GET /__simulator/log`` returns, for timing tests.

One entry per API request, logins included and admin requests excluded, in
the order the requests were handled.  Tests compute request rates, retry
waits and logins per client from it.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import orjson

# About 260 bytes an entry for a detail request, measured with tracemalloc on
# CPython 3.11 (x86-64), so a full log takes about 260 MB.
LOG_CAPACITY = 1_000_000


@dataclass(slots=True)
class LogEntry:
    """One API request and what the simulator sent back.

    ``status`` is None and ``bytes`` 0 when nothing was sent: the request hung,
    or its client closed the connection before a delayed response.
    """

    # time.time() when the request's first bytes were read.
    t: float
    method: str
    # Normalized, without the query string.
    path: str
    query: str
    status: int | None
    # Body bytes sent; fewer than Content-Length for a dropped response.
    bytes: int
    # Seconds from sending a 429 to the Retry-After deadline, else None.
    retry_after: float | None
    # The first 8 characters of the bearer token sent, or for a successful
    # login, of the token issued.
    token: str | None
    # "ip:port" of the client end of the connection.
    peer: str
    # True when the request came before the Retry-After of a 429 on its path.
    too_early: bool


class RequestLog:
    """The last :data:`LOG_CAPACITY` entries; older ones are dropped first."""

    def __init__(self, capacity: int = LOG_CAPACITY) -> None:
        self._entries: deque[LogEntry] = deque(maxlen=capacity)

    def __len__(self) -> int:
        return len(self._entries)

    def add(self, entry: LogEntry) -> None:
        self._entries.append(entry)

    def reset(self) -> None:
        self._entries.clear()

    def to_json(self) -> bytes:
        """Serialize the entries as a JSON array of objects, oldest first."""
        return orjson.dumps(list(self._entries))
