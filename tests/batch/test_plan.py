"""Listing pages: duplicates, objects that vanish mid-listing, unit sizes."""

from __future__ import annotations

import orjson
import pytest

from lookervault import catalog
from lookervault.batch import plan
from lookervault.looker.client import Response
from lookervault.looker.retry import Attempted


class Dashboards:
    """A listing endpoint over a list of ids that a test can change between pages."""

    def __init__(self, ids, between_pages=None):
        self.ids = list(ids)
        self.between_pages = between_pages
        self.requests = 0
        self.client = type("Client", (), {"api_url": "http://looker.test/api/4.0"})

    def get(self, kind, path, params=None) -> Attempted:
        if self.requests and self.between_pages:
            self.between_pages(self.ids, self.requests)
        self.requests += 1
        offset, limit = int(params["offset"]), int(params["limit"])
        page = [{"id": str(i)} for i in self.ids[offset : offset + limit]]
        return Attempted(Response(200, {}, orjson.dumps(page)), None, 1)


def test_every_id_listed_once_across_overlapping_pages():
    source = Dashboards(range(1, 48))
    listing = plan.list_type(source, "dashboards", page_size=10)
    assert listing.ids == [str(i) for i in range(1, 48)]
    assert listing.duplicates == 0


def test_same_id_on_two_pages_is_kept_once_and_counted():
    ids = list(range(1, 21)) + [7] + list(range(21, 30))
    listing = plan.list_type(Dashboards(ids), "dashboards", page_size=10)
    assert listing.ids.count("7") == 1
    assert listing.duplicates == 1
    assert len(listing.ids) == 29


def test_objects_deleted_between_pages_do_not_hide_others():
    def delete_early_ones(ids, requests_so_far):
        if requests_so_far == 1:
            del ids[:8]  # more than the overlap, so the next page skips ahead

    source = Dashboards(range(1, 41), between_pages=delete_early_ones)
    listing = plan.list_type(source, "dashboards", page_size=10)
    # 1-10 came on the first page; 9-40 survived the deletion.
    assert set(listing.ids) == {str(i) for i in range(1, 41)}


def test_objects_added_while_listing_are_included():
    def add_one(ids, requests_so_far):
        ids.append(1000 + requests_so_far)

    source = Dashboards(range(1, 26), between_pages=add_one)
    listing = plan.list_type(source, "dashboards", page_size=10)
    assert {str(i) for i in range(1, 26)} <= set(listing.ids)
    assert len(listing.ids) == len(set(listing.ids))


def test_small_runs_get_small_units():
    assert plan.unit_size_for(40, unit_size=25, workers=8) == 1
    assert plan.unit_size_for(3200, unit_size=25, workers=8) == 25
    assert plan.unit_size_for(10_000, unit_size=25, workers=8) == 25
    assert plan.unit_size_for(0, unit_size=25, workers=8) == 1


class _Busy:
    """A listing endpoint that responded with 503 to all three attempts."""

    client = type("Client", (), {"api_url": "http://looker.test/api/4.0"})

    def get(self, kind, path, params=None) -> Attempted:
        return Attempted(Response(503, {}, b"<title>503 Busy</title>"), None, 3)


def test_listing_failure_counts_every_attempt():
    listing = plan.Listing("dashboards")
    dashboards = catalog.BY_NAME["dashboards"]
    with pytest.raises(plan.ListingFailed) as failed:
        plan._read_page(_Busy(), dashboards, {"offset": "0"}, listing)
    assert failed.value.row.attempts == 3
    assert failed.value.row.status == 503
    assert listing.requests == 3
