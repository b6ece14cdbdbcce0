"""Plan a run: list every content type, then cut the ids into work units.

Listing happens in the parent, before any worker starts: it is a few paged
requests per type.  For *listed* types (folders, users ...) the listing is
the content, so their rows are built here; *fetched* types yield ids that
become work units for the pool.  A run stages those ids on disk
(:class:`~lookervault.store.staging.ListedIds`); ``verify --live`` keeps them
in memory (:class:`MemoryIds`).
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from lookervault import bodies, catalog
from lookervault.looker.fetcher import Fetcher
from lookervault.store.rows import FailureRow, ObjectRow

log = logging.getLogger(__name__)

# A listing that never returns a short page (a server ignoring offset) is
# stopped after this many pages rather than looping forever.
MAX_PAGES = 100_000
LISTING_THREADS = 4
# Elements each page repeats from the end of the previous one, to notice
# objects deleted while the listing pages through.
OVERLAP = 5
# Times a listing that changed under us is read again from the start.
MAX_RESTARTS = 2
# Object id recorded for a failure that concerns a whole listing.
LISTING_ID = "(listing)"
# Object ids recorded for listed elements that have no id, numbered from 1.
NO_ID = "(no id #{})"


def is_listing_marker(object_id: str) -> bool:
    """True for the ids that failures of a listing are recorded under."""
    return object_id == LISTING_ID or object_id.startswith(NO_ID.split("{")[0])


class MemoryIds:
    """Listed ids of every type kept in memory, in listing order, each with
    the listing's updated_at (None when unknown)."""

    def __init__(self):
        self.updated: dict[str, dict[str, str | None]] = {}

    def add(self, kind: str, pairs) -> int:
        """Keep (id, updated_at) pairs of ``kind``; return how many were new."""
        known = self.updated.setdefault(kind, {})
        before = len(known)
        for object_id, updated in pairs:
            known.setdefault(object_id, updated)
        return len(known) - before

    def count(self, kind: str) -> int:
        return len(self.updated.get(kind, ()))


@dataclass
class Listing:
    """The result of listing one content type.

    The ids of a fetched type are in ``found``, shared by every listing of
    the run; the rows of a listed type are here.
    """

    kind: str
    found: MemoryIds = field(default_factory=MemoryIds)
    rows: list[ObjectRow] = field(default_factory=list)
    failures: list[FailureRow] = field(default_factory=list)
    duplicates: int = 0
    requests: int = 0
    # Ids of the rows, to drop an object listed twice.
    row_ids: set[str] = field(default_factory=set)

    @property
    def ids(self) -> list[str]:
        """Ids to fetch, in listing order (kept in memory only)."""
        return list(self.updated)

    @property
    def updated(self) -> dict[str, str | None]:
        """Each id to fetch with its listed updated_at (kept in memory only)."""
        return self.found.updated.get(self.kind, {})

    @property
    def listed(self) -> int:
        """Objects the listing returned, once each."""
        return self.found.count(self.kind) + len(self.rows) + len(self.failures)


class ListingStopped(Exception):
    """A stop was requested (Ctrl-C, SIGTERM) while listing."""


class ListingFailed(Exception):
    """A listing page could not be read; carries the failure row."""

    def __init__(self, row: FailureRow):
        super().__init__(row.message)
        self.row = row


def list_all(
    fetcher: Fetcher,
    types: tuple[str, ...],
    page_size: int,
    found=None,
    stopped=lambda: False,
) -> dict:
    """List every type in ``types`` and return {type: Listing}, catalog order.

    Independent types are listed concurrently; a type whose ids come from a
    parent type is listed once its parent is.  The ids of fetched types go
    to ``found`` (a :class:`MemoryIds` by default).  Raises
    :class:`ListingStopped` once ``stopped()`` is true, between two pages.
    """
    found = MemoryIds() if found is None else found
    needed = set(types) | {catalog.BY_NAME[t].parent for t in types} - {None}
    roots = [
        t for t in catalog.TYPE_NAMES if t in needed and not catalog.BY_NAME[t].parent
    ]
    executor = ThreadPoolExecutor(LISTING_THREADS, thread_name_prefix="listing")
    try:
        futures = {
            t: executor.submit(list_type, fetcher, t, page_size, found, stopped)
            for t in roots
        }
        listings = {t: future.result() for t, future in futures.items()}
    finally:
        # On Ctrl-C, pages not yet requested are dropped instead of awaited.
        executor.shutdown(wait=False, cancel_futures=True)
    for kind in types:
        parent = catalog.BY_NAME[kind].parent
        if parent:
            listings[kind] = _child_listing(kind, listings[parent], found)
    return {t: listings[t] for t in types}


def list_type(
    fetcher: Fetcher, kind: str, page_size: int, found=None, stopped=lambda: False
) -> Listing:
    """Page through one type's listing; record a failure instead of raising."""
    content_type = catalog.BY_NAME[kind]
    listing = Listing(kind, MemoryIds() if found is None else found)
    try:
        for attempt in range(MAX_RESTARTS + 1):
            duplicates = listing.duplicates
            whole = _list_pages(fetcher, content_type, page_size, listing, stopped)
            if attempt:
                # Everything a second pass reads again is a repeat by design.
                listing.duplicates = duplicates
            if whole:
                break
            log.warning("%s changed while being listed; listing them again", kind)
        else:
            log.warning(
                "%s kept changing while being listed; objects deleted and added "
                "meanwhile may be missing from this snapshot",
                kind,
            )
    except ListingFailed as exc:
        listing.failures.append(exc.row)
        log.error("listing %s failed: %s", kind, exc)
    log.info("listed %d %s in %d requests", listing.listed, kind, listing.requests)
    return listing


def unit_size_for(to_fetch: int, unit_size: int, workers: int) -> int:
    """Return how many ids to put in a unit, at most ``unit_size``.

    Small runs get smaller units, so that every thread has several and none
    is left holding a long tail while the others idle.
    """
    return max(1, min(unit_size, to_fetch // max(1, workers * 4)))


def _list_pages(fetcher, content_type, page_size, listing, stopped) -> bool:
    """Read every page into ``listing``; return False if a gap may have opened.

    Offset paging skips an object whenever one before it is deleted between
    two page requests.  Each page therefore starts ``OVERLAP`` elements
    before the previous one ended: if none of those were seen already, more
    than that many objects vanished meanwhile, and the caller lists again.
    """
    params = dict(content_type.list_params)
    if content_type.summary_fields:
        params["fields"] = ",".join(content_type.summary_fields)
    if not content_type.paged:
        elements, raws = _read_page(fetcher, content_type, params, listing)
        _add_page(content_type, listing, set(), elements, raws, 0)
        return True
    overlap = min(OVERLAP, page_size - 1)
    params.update(limit=str(page_size), sorts=content_type.id_field)
    offset = 0
    previous: set[str] = set()
    for _ in range(MAX_PAGES):
        if stopped():
            raise ListingStopped(content_type.name)
        params["offset"] = str(offset)
        elements, raws = _read_page(fetcher, content_type, params, listing)
        window = overlap if offset else 0
        known, previous = _add_page(
            content_type, listing, previous, elements, raws, window
        )
        if window and elements and known == 0:
            return False
        if len(elements) < page_size:
            return True
        offset += page_size - overlap
    return True


def _read_page(fetcher, content_type, params, listing):
    kind = content_type.name
    outcome = fetcher.get(kind, content_type.list_path, dict(params))
    listing.requests += outcome.attempts
    response = outcome.response
    if outcome.error is not None:
        reason = fetcher.client.describe(outcome.error, content_type.list_path)
        message = f"request failed after {outcome.attempts} attempts: {reason}"
        raise ListingFailed(_listing_failure(kind, None, message, outcome.attempts))
    if response.status_code != 200:
        message = (
            f"HTTP {response.status_code}: {bodies.error_message(response.content)}"
        )
        raise ListingFailed(
            _listing_failure(
                kind, response.status_code, message, outcome.attempts, response.content
            )
        )
    try:
        elements = bodies.parse(response.content)
    except bodies.MalformedBody as exc:
        raise ListingFailed(
            _listing_failure(kind, 200, str(exc), outcome.attempts, response.content)
        ) from None
    if not isinstance(elements, list):
        raise ListingFailed(
            _listing_failure(
                kind,
                200,
                "listing is not a JSON array",
                outcome.attempts,
                response.content,
            )
        )
    raws = bodies.split_array(response.content) if content_type.listed else None
    return elements, raws


def _add_page(content_type, listing, previous, elements, raws, window: int):
    """Add a page's new objects.

    Return how many of the first ``window`` elements were on the
    ``previous`` page (they repeat its end on purpose), and this page's ids.
    """
    known = 0
    page_ids: set[str] = set()
    pairs = []
    for position, element in enumerate(elements):
        value = (
            element.get(content_type.id_field) if isinstance(element, dict) else None
        )
        object_id = bodies.object_id_text(value)
        if object_id is None:
            raw = raws[position] if raws else None
            listing.failures.append(_no_id_failure(content_type, listing, raw))
            continue
        page_ids.add(object_id)
        if position < window and object_id in previous:
            known += 1
        elif raws is None:
            pairs.append((object_id, _text_or_none(element.get("updated_at"))))
        elif object_id in listing.row_ids:
            listing.duplicates += 1
        else:
            listing.row_ids.add(object_id)
            listing.rows.append(
                bodies.pack(content_type.name, object_id, raws[position], element)
            )
    if pairs:
        listing.duplicates += len(pairs) - listing.found.add(content_type.name, pairs)
    return known, page_ids


def _text_or_none(value) -> str | None:
    return value if isinstance(value, str) else None


def _no_id_failure(content_type, listing, raw):
    return bodies.failure(
        content_type.name,
        NO_ID.format(len(listing.failures) + 1),
        200,
        f"listed element has no usable {content_type.id_field!r}",
        1,
        raw,
    )


def _child_listing(kind: str, parent: Listing, found) -> Listing:
    """Group values are fetched per user attribute, a listed type."""
    listing = Listing(kind, found)
    found.add(kind, [(row.object_id, None) for row in parent.rows])
    return listing


def _listing_failure(kind, status, message, attempts, body=None) -> FailureRow:
    return bodies.failure(
        kind, LISTING_ID, status, f"listing failed: {message}", attempts, body
    )
