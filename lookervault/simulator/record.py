"""The record of what the simulator served, for tests and benchmarks.

Only full bodies count as served objects: a detail body, or an element of a
listing that returns complete objects when the request had no ``fields``.
Summary listings and trimmed (``fields=``) responses are counted as requests but
never recorded as object bodies, so a backup can be checked against exactly
the bytes it should have stored.
"""

from __future__ import annotations

from collections import Counter

import orjson


class Record:
    """Objects served, requests per path, logins and statuses since a reset."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        # type -> id -> (path, sha256 hex) of the last full body served.
        self.objects: dict[str, dict[str, tuple[str, str]]] = {}
        self.requests: Counter[str] = Counter()
        self.statuses: Counter[int] = Counter()
        self.logins = 0

    def served_object(
        self, type_name: str, object_id: str, path: str, sha256: str
    ) -> None:
        per_type = self.objects.get(type_name)
        if per_type is None:
            per_type = self.objects[type_name] = {}
        per_type[object_id] = (path, sha256)

    def count_response(self, path: str, status: int) -> None:
        self.requests[path] += 1
        self.statuses[status] += 1

    def to_json(self) -> bytes:
        """Serialize the record in the shape ``GET /__simulator/record`` returns."""
        objects = {
            type_name: {
                object_id: {"path": path, "sha256": sha256}
                for object_id, (path, sha256) in per_type.items()
            }
            for type_name, per_type in self.objects.items()
        }
        return orjson.dumps(
            {
                "objects": objects,
                "requests": dict(self.requests),
                "logins": self.logins,
                "statuses": {str(code): n for code, n in sorted(self.statuses.items())},
            }
        )
