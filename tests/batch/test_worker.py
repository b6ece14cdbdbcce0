"""A worker thread turns every error into a failure row and keeps going."""

from __future__ import annotations

import multiprocessing

from lookervault import catalog
from lookervault.batch.counters import Counters
from lookervault.batch.worker import fetch_unit


class _BrokenFetcher:
    """Raises an error no handler expects, on every call."""

    def __init__(self):
        self.counters = Counters(multiprocessing.get_context("spawn"), ("looks",))
        self.calls = 0

    def get(self, kind, path, params=None):
        self.calls += 1
        raise RuntimeError(f"bug number {self.calls}")


def test_unexpected_error_fails_the_object_only():
    fetcher = _BrokenFetcher()
    objects, failures = fetch_unit(fetcher, catalog.BY_NAME["looks"], ["1", "2"])
    assert objects == []
    assert [f.object_id for f in failures] == ["1", "2"]
    assert failures[0].message == "unexpected error: RuntimeError: bug number 1"
    assert failures[1].status is None
    assert fetcher.counters.read()["looks"]["failed"] == 2
