"""Compare a snapshot with what the live instance lists now.

The listing is the cheap part of a run (a few paged requests per type), so
this reports within seconds which objects are missing from the backup,
which were deleted since, and which changed since.  Changes are found three ways,
depending on what a listing returns:

* listed types (folders, users, groups ...): the listing is the content, so
  the sha256 of each listed element is compared with the stored body's;
* fetched types whose summary has ``updated_at`` (dashboards, looks,
  boards): the listed ``updated_at`` is compared with the stored one;
* fetched types without it (scheduled plans, alerts, group values): only
  ids are compared, so an edit goes unnoticed.
"""

from __future__ import annotations

import logging
import multiprocessing
import sqlite3
from dataclasses import dataclass, field

from lookervault import catalog
from lookervault.batch import plan
from lookervault.batch.counters import Counters
from lookervault.config import RunConfig
from lookervault.history.ids import sorted_ids
from lookervault.instance import looker_instance
from lookervault.looker.fetcher import Fetcher
from lookervault.looker.login import logged_in_client
from lookervault.looker.ratelimit import RateLimiter
from lookervault.looker.retry import RetryPolicy
from lookervault.store import reader

log = logging.getLogger(__name__)

BY_BODY = "body"
BY_UPDATED_AT = "updated_at"
BY_ID = "id only"


@dataclass
class TypeDrift:
    """The differences between one type's live listing and the snapshot."""

    live: int = 0
    backed_up: int = 0
    # In the live listing but not stored in the snapshot: id -> why, if known.
    missing: dict[str, str] = field(default_factory=dict)
    # Stored in the snapshot but no longer listed.
    deleted: list[str] = field(default_factory=list)
    # Stored, listed, and the listed body or updated_at differs.
    changed: list[str] = field(default_factory=list)
    compared_by: str = BY_ID
    # Why the type could not be compared: its live listing failed.
    error: str | None = None

    @property
    def matches(self) -> bool:
        """True when the type's listing matches the snapshot."""
        return not (self.missing or self.deleted or self.changed or self.error)

    def as_dict(self) -> dict:
        """Return the drift as a JSON-ready dict."""
        return {**self.__dict__, "matches": self.matches}


@dataclass
class LiveComparison:
    """A snapshot compared with the live listing of its instance."""

    snapshot: reader.Snapshot
    live_url: str
    types: dict[str, TypeDrift]

    @property
    def matches(self) -> bool:
        """True when every type matches."""
        return all(drift.matches for drift in self.types.values())

    def as_dict(self) -> dict:
        """Return the comparison as a JSON-ready dict."""
        return {
            "snapshot": self.snapshot.id,
            "snapshot_url": self.snapshot.instance_url,
            "live_url": self.live_url,
            "matches": self.matches,
            "types": {kind: drift.as_dict() for kind, drift in self.types.items()},
        }


def compare_with_live(
    conn: sqlite3.Connection, snapshot_id: int, config: RunConfig
) -> LiveComparison:
    """List the instance ``config`` names and compare it with a snapshot.

    Raises :class:`LookerUnreachable` or :class:`LoginFailed` when the
    instance cannot be listed at all; a type whose listing fails is
    reported in its :class:`TypeDrift` instead.
    """
    snapshot = reader.snapshot(conn, snapshot_id)
    types = snapshot_types(conn, snapshot_id)
    live_url, listings = list_live(config, types)
    if live_url != snapshot.instance_url:
        log.warning(
            "snapshot %d is of %s, but the config names %s; comparing anyway",
            snapshot_id,
            snapshot.instance_url,
            live_url,
        )
    stored = reader.entry_index(conn, snapshot_id)
    failed = reader.failure_index(conn, snapshot_id)
    drifts = {kind: compare_type(listings[kind], stored, failed) for kind in listings}
    return LiveComparison(snapshot, live_url, drifts)


def snapshot_types(conn: sqlite3.Connection, snapshot_id: int) -> tuple[str, ...]:
    """Return the content types a snapshot listed, in catalog order."""
    kinds = set(reader.listed_counts(conn, snapshot_id))
    if not kinds:
        kinds = set(reader.snapshot_settings(conn, snapshot_id).get("types", ()))
    return tuple(kind for kind in catalog.TYPE_NAMES if kind in kinds)


def list_live(config: RunConfig, types: tuple[str, ...]):
    """Log in to the instance ``config`` names; return (base_url, listings)."""
    settings = config.backup
    with looker_instance(config) as credentials:
        client = logged_in_client(credentials, pool_size=plan.LISTING_THREADS)
        try:
            client.check_api()
            client.login()
            # One process lists, so the shared counters and rate limit that
            # a run spreads over its workers stay in this process.
            context = multiprocessing.get_context("spawn")
            fetcher = Fetcher(
                client,
                RetryPolicy(
                    max_attempts=settings.max_attempts,
                    deadline=settings.object_deadline,
                ),
                RateLimiter(context, settings.requests_per_second),
                Counters(context, catalog.TYPE_NAMES),
            )
            listings = plan.list_all(fetcher, types, settings.page_size)
        finally:
            client.close()
    return credentials.instance, listings


def compare_type(listing: plan.Listing, stored: dict, failed: dict) -> TypeDrift:
    """Compare one type's live listing with the snapshot's entries and failures."""
    kind = listing.kind
    drift = TypeDrift()
    listing_error = _listing_error(listing)
    if listing_error is not None:
        drift.error = listing_error
        return drift
    live = _live_versions(listing)
    drift.compared_by = _comparison_basis(listing)
    backed_up = {oid: entry for (k, oid), entry in stored.items() if k == kind}
    drift.live, drift.backed_up = len(live), len(backed_up)
    for object_id in sorted_ids(set(live) - set(backed_up)):
        drift.missing[object_id] = failed.get((kind, object_id), "")
    # Elements listed without an id can be neither fetched nor compared.
    for failure in listing.failures:
        drift.missing[failure.object_id] = failure.message
    drift.deleted = sorted_ids(set(backed_up) - set(live))
    drift.changed = [
        object_id
        for object_id in sorted_ids(set(live) & set(backed_up))
        if _differs(live[object_id], backed_up[object_id], drift.compared_by)
    ]
    return drift


def _listing_error(listing: plan.Listing) -> str | None:
    for failure in listing.failures:
        if failure.object_id == plan.LISTING_ID:
            return failure.message
    return None


def _live_versions(listing: plan.Listing) -> dict[str, str | None]:
    """Map each live id to its sha256 (listed types) or updated_at, if known."""
    # NOTE: Listing.updated (listed updated_at per id) is new with incremental
    # runs; without it, fetched types are compared by id only.
    updated = getattr(listing, "updated", None) or {}
    live = {object_id: updated.get(object_id) for object_id in listing.ids}
    live.update({row.object_id: row.sha256 for row in listing.rows})
    return live


def _comparison_basis(listing: plan.Listing) -> str:
    if catalog.BY_NAME[listing.kind].listed:
        return BY_BODY
    updated = getattr(listing, "updated", None) or {}
    if any(value is not None for value in updated.values()):
        return BY_UPDATED_AT
    return BY_ID


def _differs(live_value: str | None, entry: tuple, basis: str) -> bool:
    sha256, _title, _folder_id, updated_at = entry
    if basis == BY_BODY:
        return live_value != sha256
    if basis == BY_UPDATED_AT:
        return None not in (live_value, updated_at) and live_value != updated_at
    return False
