"""Simulated misbehaviour, consulted once per API request.

One :class:`Faults` value describes every fault the simulator injects.  A new
kind (429 with ``Retry-After``, 5xx with an HTML body, dropped connections)
is a new field here plus one check where the request path consults it.  Today
the simulator adds latency and fails chosen objects.
"""

from __future__ import annotations

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


@dataclass(frozen=True)
class Faults:
    """The faults a simulator injects into its API responses."""

    # Seconds added to every API response (admin endpoints respond at once).
    latency_s: float = 0.0
    # (type, id) pairs whose detail endpoint always returns 500.
    fail: frozenset[tuple[str, str]] = frozenset()

    def delay_s(self, path: str) -> float:
        """Return how long to hold the response to a request for ``path``."""
        return self.latency_s

    def object_failure(self, type_name: str, object_id: str) -> Response | None:
        """Return the error that replaces an object's body, or None to serve it."""
        if (type_name, object_id) in self.fail:
            return Response(500, _SIMULATED_500)
        return None
