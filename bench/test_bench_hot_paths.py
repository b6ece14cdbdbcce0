"""Micro-benchmarks (pytest-benchmark) of the work done once per object or batch.

Bodies come from the simulator's generator (seed 1), so they have the shapes
a backup receives.  Dashboards have the sizes the design measures with (two
tiles at the median: 50 KB at the median), and the large ones the
simulator's default (six tiles: 140 KB).
"""

from __future__ import annotations

import hashlib
import multiprocessing
import time
import zlib
from multiprocessing.managers import SyncManager

import harness
import orjson
import pytest
import requests

from lookervault import bodies, catalog
from lookervault.batch.counters import Counters
from lookervault.config import Credentials
from lookervault.looker.login import logged_in_client
from lookervault.simulator.generate import GeneratedContent
from lookervault.store import codecs
from lookervault.store.database import open_database
from lookervault.store.staging import ListedIds
from lookervault.store.writer import SnapshotWriter

# The collector commits at most this many rows at once, and the planner puts at
# most this many ids in a unit.
BATCH_ROWS = 500
UNIT_OBJECTS = 25
SAMPLE_OBJECTS = 251


DESIGN_TILES = 2
LARGE_TILES = 6


def _generate(tiles: int) -> dict[str, list[bytes]]:
    counts = {"dashboards": SAMPLE_OBJECTS, "looks": SAMPLE_OBJECTS}
    content = GeneratedContent(1, counts, False, "bench", tiles)
    return {
        kind: [content.tables[kind].render(i) for i in range(SAMPLE_OBJECTS)]
        for kind in ("dashboards", "looks")
    }


def _median(raws: list[bytes]) -> bytes:
    return sorted(raws, key=len)[len(raws) // 2]


@pytest.fixture(scope="module")
def generated():
    return _generate(DESIGN_TILES)


@pytest.fixture(scope="module")
def median_dashboard(generated) -> bytes:
    return _median(generated["dashboards"])


@pytest.fixture(scope="module")
def large_dashboard() -> bytes:
    return _median(_generate(LARGE_TILES)["dashboards"])


@pytest.fixture(scope="module")
def batch_rows(generated):
    """500 packed rows, half dashboards and half looks, as in one full commit."""
    rows = []
    for kind in ("dashboards", "looks"):
        for i, raw in enumerate(generated[kind][: BATCH_ROWS // 2]):
            rows.append(bodies.pack(kind, str(i + 1), raw))
    return rows


def test_pack_median_dashboard(benchmark, median_dashboard):
    """Parse, hash and compress one median-sized dashboard."""
    assert 40_000 < len(median_dashboard) < 65_000
    row = benchmark(bodies.pack, "dashboards", "1", median_dashboard)
    assert row.size == len(median_dashboard)


def test_pack_large_dashboard(benchmark, large_dashboard):
    """Parse, hash and compress one dashboard of the simulator's default size."""
    assert 120_000 < len(large_dashboard) < 160_000
    row = benchmark(bodies.pack, "dashboards", "1", large_dashboard)
    assert row.size == len(large_dashboard)


PACK_STEPS = {
    "sha256": lambda raw: hashlib.sha256(raw).hexdigest(),
    "zstd-level-1": codecs.compress,
    # What the tool used before zstd, and what the thread-pool baseline uses.
    "zlib-level-1": lambda raw: zlib.compress(raw, 1),
    "orjson": orjson.loads,
}


@pytest.mark.parametrize("step", PACK_STEPS)
def test_pack_step_median_dashboard(benchmark, median_dashboard, step):
    """One step of ``pack`` alone on the median dashboard, and zlib to compare."""
    benchmark(PACK_STEPS[step], median_dashboard)


def test_pack_median_look(benchmark, generated):
    """Parse, hash and compress one median-sized look."""
    raw = sorted(generated["looks"], key=len)[len(generated["looks"]) // 2]
    row = benchmark(bodies.pack, "looks", "1", raw)
    assert row.size == len(raw)


def test_writer_batch_of_500(benchmark, batch_rows, tmp_path):
    """Commit 500 rows and mark their 20 units done, into a fresh database."""
    unit_count = BATCH_ROWS // UNIT_OBJECTS
    databases = iter(range(1_000_000))

    def fresh_writer():
        conn = open_database(tmp_path / f"{next(databases)}.db", create=True)
        writer = SnapshotWriter(conn)
        writer.begin("http://bench", None, {}, "bench")
        found = ListedIds(conn)
        found.add("dashboards", [(str(i), None) for i in range(BATCH_ROWS)])

        def stage():
            found.write_units(writer.snapshot_id, ["dashboards"], UNIT_OBJECTS)
            return {}

        writer.record_plan({}, [], [], stage)
        return (writer,), {}

    def write(writer):
        writer.write(batch_rows, [], list(range(1, unit_count + 1)))
        writer.conn.close()

    benchmark.pedantic(write, setup=fresh_writer, rounds=20)


@pytest.fixture(scope="module")
def manager_queue():
    manager = SyncManager(ctx=multiprocessing.get_context("spawn"))
    manager.start()
    try:
        yield manager.Queue()
    finally:
        manager.shutdown()


def test_manager_queue_unit_round_trip(benchmark, manager_queue, generated):
    """Put one unit of 25 packed dashboards on a Manager queue and get it back."""
    rows = [
        bodies.pack("dashboards", str(i), raw)
        for i, raw in enumerate(generated["dashboards"][:UNIT_OBJECTS])
    ]
    message = ("unit", 0, 1, rows, [])

    def round_trip():
        manager_queue.put(message)
        return manager_queue.get()

    received = benchmark(round_trip)
    assert received == message


def test_counters_read(benchmark):
    """Read every shared counter once, as the progress bars do 4 times a second."""
    counters = Counters(multiprocessing.get_context("spawn"), catalog.TYPE_NAMES)
    counts = benchmark(counters.read)
    assert set(counts) == set(catalog.TYPE_NAMES)


def test_counters_add(benchmark):
    """Add to one shared counter, as each request does a few times."""
    counters = Counters(multiprocessing.get_context("spawn"), catalog.TYPE_NAMES)
    benchmark(counters.add, "dashboards", "requests")
    assert counters.read()["dashboards"]["requests"] > 0


@pytest.fixture(scope="module")
def served_dashboard():
    """A simulator at zero latency, and the path of its median dashboard."""
    counts = {"dashboards": SAMPLE_OBJECTS}
    with harness.simulator(counts, tiles=DESIGN_TILES) as sim:
        credentials = Credentials(
            sim.base_url, harness.CLIENT_ID, harness.CLIENT_SECRET
        )
        client = logged_in_client(credentials, pool_size=1)
        raws = {
            object_id: client.get(f"/dashboards/{object_id}").content
            for object_id in sim.inventory()["dashboards"]
        }
        median = _median(list(raws.values()))
        path = next(f"/dashboards/{i}" for i, raw in raws.items() if raw == median)
        yield client, path, median
        client.close()


# CPU time of this process only: the simulator's share of a request is left out.
@pytest.mark.benchmark(timer=time.process_time)
def test_get_median_dashboard(benchmark, served_dashboard):
    """GET one median dashboard as workers do: urllib3, pooled connection."""
    client, path, median = served_dashboard
    response = benchmark(client.get, path)
    assert response.content == median


@pytest.mark.benchmark(timer=time.process_time)
def test_get_median_dashboard_through_requests(benchmark, served_dashboard):
    """The same GET through a requests session, proxies and CA bundle read
    once, as the tool fetched before it used urllib3 directly."""
    client, path, median = served_dashboard
    session = requests.Session()
    session.trust_env = False
    headers = client.tokens.current()

    def get():
        return session.get(client.api_url + path, headers=headers, timeout=(10, 120))

    response = benchmark(get)
    assert response.content == median
