"""The simulator's settings, shared by the CLI, the tests and the benchmarks."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from lookervault.catalog import TYPE_NAMES
from lookervault.simulator.faults import CORRUPTIONS
from lookervault.simulator.generate import COUNTED_TYPES

# A mid-sized instance: a few hundred dashboards and looks with their owners,
# folders, schedules and access rules.
DEFAULT_COUNTS: dict[str, int] = {
    "dashboards": 200,
    "looks": 600,
    "folders": 150,
    "boards": 20,
    "users": 300,
    "groups": 30,
    "roles": 12,
    "permission_sets": 10,
    "model_sets": 8,
    "user_attributes": 15,
    "scheduled_plans": 100,
    "alerts": 40,
    "lookml_models": 10,
}


class InvalidSimulatorConfig(ValueError):
    """A simulator setting is out of range or names an unknown content type."""


@dataclass
class SimulatorConfig:
    """Settings of one simulated Looker instance.

    Crosses the process boundary to :class:`SimulatorProcess`'s child, so it
    must stay picklable.  ``counts`` replaces the default mix as a whole: a
    type it does not name has no objects.
    """

    host: str = "127.0.0.1"
    port: int = 0
    client_id: str = "lookervault"
    # Kept out of repr() so that printing or logging a config leaks no secret.
    client_secret: str = field(default="simulator-secret", repr=False)
    seed: int = 1
    counts: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_COUNTS))
    small: bool = False
    # Median number of tiles per generated dashboard: 6 makes dashboards of
    # about 140 KB at the median, 2 about 50 KB (and 58 KB on average).
    dashboard_tiles: float = 6.0
    latency_ms: float = 0.0
    token_ttl_s: float = 3600.0
    from_dir: str | None = None
    fail: tuple[tuple[str, str], ...] = ()
    # Fractions of API requests (all but /login and /versions) that get each
    # fault.  Each request is drawn from (seed, path, n-th request to path).
    rate_429: float = 0.0
    # Seconds sent in the Retry-After header of a 429.
    retry_after_s: float = 1.0
    # Send Retry-After as an HTTP date, rounded up to a whole second.
    retry_after_http_date: bool = False
    # Get a 502, 503 or 504 response with a proxy's HTML error page.
    rate_5xx: float = 0.0
    # Cut off inside the body, after a head with the full Content-Length.
    drop_rate: float = 0.0
    # Delayed by slow_s seconds, on top of latency_ms.
    slow_rate: float = 0.0
    slow_s: float = 10.0
    # Content types whose detail requests are accepted and get no response.
    hang_types: tuple[str, ...] = ()
    # (type, id, kind): the object's detail returns 200 with a body spoiled in
    # one of CORRUPTIONS' ways; "huge" pads a valid body to about 10 MB.
    corrupt: tuple[tuple[str, str, str], ...] = ()
    # Types whose listing and detail requests return 403, as for an API user
    # whose role lacks the permission.
    forbid_types: tuple[str, ...] = ()
    # False spares listing requests from the faults drawn by rate.
    faults_on_listings: bool = True

    def validate(self) -> None:
        """Raise :class:`InvalidSimulatorConfig` naming the first bad setting."""
        for type_name, count in self.counts.items():
            if type_name not in COUNTED_TYPES:
                raise InvalidSimulatorConfig(
                    f"unknown content type {type_name!r} in counts; "
                    f"expected one of: {', '.join(COUNTED_TYPES)}"
                )
            if not isinstance(count, int) or count < 0:
                raise InvalidSimulatorConfig(
                    f"count of {type_name} must be a non-negative integer, "
                    f"not {count!r}"
                )
        for type_name, _ in self.fail:
            if type_name not in TYPE_NAMES:
                raise InvalidSimulatorConfig(
                    f"unknown content type {type_name!r} in fail; "
                    f"expected one of: {', '.join(TYPE_NAMES)}"
                )
        if not 0 <= self.port <= 65535:
            raise InvalidSimulatorConfig(f"port must be 0-65535, not {self.port}")
        if self.latency_ms < 0:
            raise InvalidSimulatorConfig(
                f"latency_ms must be >= 0, not {self.latency_ms}"
            )
        if not 1 <= self.dashboard_tiles <= 41:
            raise InvalidSimulatorConfig(
                f"dashboard_tiles must be 1-41, not {self.dashboard_tiles}"
            )
        if self.token_ttl_s <= 0:
            raise InvalidSimulatorConfig(
                f"token_ttl_s must be > 0, not {self.token_ttl_s}"
            )
        if self.from_dir is not None and not os.path.isdir(self.from_dir):
            raise InvalidSimulatorConfig(
                f"from_dir {self.from_dir!r} is not a directory"
            )
        self._validate_faults()
        self._validate_spoilers()

    def _validate_spoilers(self) -> None:
        for type_name, _, how in self.corrupt:
            if type_name not in TYPE_NAMES or how not in CORRUPTIONS:
                raise InvalidSimulatorConfig(
                    f"corrupt entry ({type_name!r}, ..., {how!r}) is invalid; "
                    f"use a content type and one of: {', '.join(CORRUPTIONS)}"
                )
        for type_name in self.forbid_types:
            if type_name not in TYPE_NAMES:
                raise InvalidSimulatorConfig(
                    f"unknown content type {type_name!r} in forbid_types"
                )

    def _validate_faults(self) -> None:
        rates = {
            "rate_429": self.rate_429,
            "rate_5xx": self.rate_5xx,
            "drop_rate": self.drop_rate,
            "slow_rate": self.slow_rate,
        }
        for name, rate in rates.items():
            if not 0 <= rate <= 1:
                raise InvalidSimulatorConfig(f"{name} must be 0..1, not {rate}")
        # A small tolerance, so that rates such as 0.7 + 0.2 + 0.1 pass.
        if sum(rates.values()) > 1 + 1e-9:
            raise InvalidSimulatorConfig(
                "rate_429, rate_5xx, drop_rate and slow_rate must add up to "
                f"at most 1, not {sum(rates.values()):g}"
            )
        for name in ("retry_after_s", "slow_s"):
            if getattr(self, name) < 0:
                raise InvalidSimulatorConfig(
                    f"{name} must be >= 0, not {getattr(self, name)}"
                )
        for type_name in self.hang_types:
            if type_name not in TYPE_NAMES:
                raise InvalidSimulatorConfig(
                    f"unknown content type {type_name!r} in hang_types; "
                    f"expected one of: {', '.join(TYPE_NAMES)}"
                )
