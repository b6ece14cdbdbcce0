"""Scripts that the benchmarks run beside the tool, each as its own process.

Each mode reads the dashboards and looks of one Looker instance and prints one
JSON line of results on stdout.  Credentials come from ``LOOKERSDK_CLIENT_ID``
and ``LOOKERSDK_CLIENT_SECRET``, as for the tool.

* ``raw``: the minimal loop.  A thread pool sends one GET per object and the
  main thread inserts the raw bodies in batched transactions.  It does no
  hashing, compression or parsing.
* ``threadpool``: what most backup scripts do, in one process.  The threads
  also hash (sha256), compress (zlib level 1, the standard library's fastest
  setting) and parse the indexed fields with orjson, and the main thread
  inserts blobs and entries.
* ``sdk``: what peer tools do.  ``looker_sdk.init40()`` with ``sdk.dashboard``
  and ``sdk.look`` from a thread pool structures every object into looker-sdk
  models, then serializes each model back to JSON for SQLite.
* ``load``: GET every object and discard the body, to fill the simulator's
  body cache or to load it while its own CPU time is measured.

Every mode lists the ids with the same paged ``/search`` requests as the tool.
Both SQLite modes use WAL and ``synchronous = NORMAL``, as the tool does, and
commit every ``BATCH_OBJECTS`` rows.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sqlite3
import sys
import time
import zlib
from concurrent.futures import ThreadPoolExecutor

import orjson
import requests

TYPES = ("dashboards", "looks")
PAGE_SIZE = 500
BATCH_OBJECTS = 500
COMPRESS_LEVEL = 1


class RawClient:
    """A pooled ``requests`` session logged in to the API, shared by threads."""

    def __init__(self, base_url: str, threads: int):
        self.api = f"{base_url}/api/4.0"
        self.session = requests.Session()
        adapter = requests.adapters.HTTPAdapter(pool_maxsize=max(threads, 1))
        self.session.mount("http://", adapter)
        answer = self.session.post(
            f"{self.api}/login",
            data={
                "client_id": os.environ["LOOKERSDK_CLIENT_ID"],
                "client_secret": os.environ["LOOKERSDK_CLIENT_SECRET"],
            },
        )
        answer.raise_for_status()
        token = answer.json()["access_token"]
        self.session.headers["Authorization"] = f"Bearer {token}"

    def get(self, path: str, params: dict | None = None) -> bytes:
        response = self.session.get(self.api + path, params=params, timeout=120)
        response.raise_for_status()
        return response.content

    def list_ids(self, kind: str) -> list[str]:
        """Page through ``/{kind}/search`` as the tool does and return the ids."""
        ids: list[str] = []
        while True:
            params = {
                "fields": "id",
                "sorts": "id",
                "limit": str(PAGE_SIZE),
                "offset": str(len(ids)),
            }
            page = orjson.loads(self.get(f"/{kind}/search", params))
            ids.extend(str(element["id"]) for element in page)
            if len(page) < PAGE_SIZE:
                return ids


def interleaved_jobs(ids_by_type: dict[str, list[str]]) -> list[tuple[str, str]]:
    """Return (type, id) pairs alternating types, so a stopped run has the mix."""
    jobs = []
    longest = max((len(ids) for ids in ids_by_type.values()), default=0)
    for position in range(longest):
        for kind, ids in ids_by_type.items():
            if position < len(ids):
                jobs.append((kind, ids[position]))
    return jobs


def open_database(path: str, schema: str) -> sqlite3.Connection:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.executescript(schema)
    return conn


def insert_batches(conn: sqlite3.Connection, rows, insert) -> int:
    """Insert ``rows`` (an iterable) with ``insert`` every ``BATCH_OBJECTS`` rows."""
    stored = 0
    batch = []
    for row in rows:
        if row is None:
            continue
        batch.append(row)
        if len(batch) >= BATCH_OBJECTS:
            stored += _commit(conn, batch, insert)
            batch = []
    stored += _commit(conn, batch, insert)
    return stored


def _commit(conn, batch, insert) -> int:
    if batch:
        conn.execute("BEGIN IMMEDIATE")
        insert(conn, batch)
        conn.execute("COMMIT")
    return len(batch)


RAW_SCHEMA = """
CREATE TABLE objects (type TEXT, id TEXT, body BLOB, PRIMARY KEY (type, id));
"""


def run_raw(args) -> dict:
    """Run the minimal loop: GET on threads, batched insert of the raw bytes."""
    client = RawClient(args.base_url, args.threads)
    jobs = interleaved_jobs({kind: client.list_ids(kind) for kind in TYPES})
    conn = open_database(args.database, RAW_SCHEMA)

    def fetch(job):
        kind, object_id = job
        return kind, object_id, client.get(f"/{kind}/{object_id}")

    def insert(conn, batch):
        conn.executemany("INSERT OR REPLACE INTO objects VALUES (?, ?, ?)", batch)

    with ThreadPoolExecutor(args.threads) as executor:
        stored = insert_batches(conn, executor.map(fetch, jobs), insert)
    conn.close()
    return {"listed": len(jobs), "stored": stored}


PACKED_SCHEMA = """
CREATE TABLE blobs (sha256 TEXT PRIMARY KEY, size INTEGER, data BLOB) WITHOUT ROWID;
CREATE TABLE entries (type TEXT, id TEXT, sha256 TEXT, title TEXT, folder_id TEXT,
                      updated_at TEXT, PRIMARY KEY (type, id)) WITHOUT ROWID;
"""


def run_threadpool(args) -> dict:
    """Run the usual script: GET, hash, compress and parse on threads."""
    client = RawClient(args.base_url, args.threads)
    jobs = interleaved_jobs({kind: client.list_ids(kind) for kind in TYPES})
    conn = open_database(args.database, PACKED_SCHEMA)

    def fetch(job):
        kind, object_id = job
        raw = client.get(f"/{kind}/{object_id}")
        fields = orjson.loads(raw)
        return (
            kind,
            object_id,
            hashlib.sha256(raw).hexdigest(),
            len(raw),
            zlib.compress(raw, COMPRESS_LEVEL),
            _text(fields.get("title")),
            _text(fields.get("folder_id")),
            _text(fields.get("updated_at")),
        )

    def insert(conn, batch):
        conn.executemany(
            "INSERT OR IGNORE INTO blobs VALUES (?, ?, ?)",
            [(sha, size, data) for _, _, sha, size, data, *_ in batch],
        )
        conn.executemany(
            "INSERT OR REPLACE INTO entries VALUES (?, ?, ?, ?, ?, ?)",
            [(kind, oid, sha, *fields) for kind, oid, sha, _, _, *fields in batch],
        )

    with ThreadPoolExecutor(args.threads) as executor:
        stored = insert_batches(conn, executor.map(fetch, jobs), insert)
    conn.close()
    return {"listed": len(jobs), "stored": stored}


def _text(value) -> str | None:
    return None if value is None else str(value)


def run_sdk(args) -> dict:
    """Read every object through looker-sdk models, as peer tools do.

    With ``--max-seconds``, objects not started by then are skipped.  Such a
    run flatters the SDK, because each of its calls is slower than the last.
    """
    os.environ["LOOKERSDK_BASE_URL"] = args.base_url
    import looker_sdk
    from looker_sdk.rtl import serialize

    sdk = looker_sdk.init40()
    ids = {
        "dashboards": _sdk_ids(sdk.search_dashboards),
        "looks": _sdk_ids(sdk.search_looks),
    }
    jobs = interleaved_jobs(ids)
    readers = {"dashboards": sdk.dashboard, "looks": sdk.look}
    deadline = time.monotonic() + args.max_seconds if args.max_seconds else None
    conn = open_database(args.database, RAW_SCHEMA)

    def fetch(job):
        if deadline is not None and time.monotonic() > deadline:
            return None
        kind, object_id = job
        model = readers[kind](object_id)
        return kind, object_id, serialize.serialize40(api_model=model)

    def insert(conn, batch):
        conn.executemany("INSERT OR REPLACE INTO objects VALUES (?, ?, ?)", batch)

    with ThreadPoolExecutor(args.threads) as executor:
        stored = insert_batches(conn, executor.map(fetch, jobs), insert)
    conn.close()
    return {"listed": len(jobs), "stored": stored}


def _sdk_ids(search) -> list[str]:
    ids: list[str] = []
    while True:
        page = search(fields="id", sorts="id", limit=PAGE_SIZE, offset=len(ids))
        ids.extend(str(item.id) for item in page)
        if len(page) < PAGE_SIZE:
            return ids


def run_load(args) -> dict:
    """GET every object ``--repeat`` times from ``--threads`` threads; keep nothing."""
    client = RawClient(args.base_url, args.threads)
    jobs = interleaved_jobs({kind: client.list_ids(kind) for kind in TYPES})
    jobs = jobs * args.repeat

    def fetch(job):
        kind, object_id = job
        return len(client.get(f"/{kind}/{object_id}"))

    with ThreadPoolExecutor(args.threads) as executor:
        received = sum(executor.map(fetch, jobs))
    return {
        "listed": len(jobs) // args.repeat,
        "requests": len(jobs),
        "bytes": received,
    }


MODES = {
    "raw": run_raw,
    "threadpool": run_threadpool,
    "sdk": run_sdk,
    "load": run_load,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mode", choices=sorted(MODES))
    parser.add_argument("--base-url", required=True, help="http://host:port")
    parser.add_argument("--threads", type=int, default=16)
    parser.add_argument("--database", help="SQLite file to create (not for load)")
    parser.add_argument(
        "--max-seconds", type=float, default=0.0, help="sdk: stop starting objects"
    )
    parser.add_argument("--repeat", type=int, default=1, help="load: passes")
    args = parser.parse_args(argv)
    started = time.monotonic()
    result = MODES[args.mode](args)
    result["elapsed_seconds"] = round(time.monotonic() - started, 3)
    json.dump(result, sys.stdout)
    print()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
