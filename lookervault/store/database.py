"""Open the SQLite file: create it safely, or check that it is ours."""

from __future__ import annotations

import logging
import os
import sqlite3
from pathlib import Path

from lookervault.errors import StoreUnusable
from lookervault.store.schema import APPLICATION_ID, SCHEMA_VERSION, STATEMENTS

log = logging.getLogger(__name__)

# A reader or a second writer waits this long for a lock before failing.
BUSY_TIMEOUT_MS = 5000


def open_database(path: Path, create: bool = False) -> sqlite3.Connection:
    """Open the backup database at ``path``, creating it if ``create`` is set.

    A new file is created readable by its owner only, before SQLite opens it,
    because it holds the content of a whole Looker instance.  Raises
    :class:`StoreUnusable` with the reason and the fix.
    """
    path = Path(path)
    existed = path.exists()
    if not existed and not create:
        raise StoreUnusable(f"database {path} not found; run a backup first")
    if not existed:
        _create_private_file(path)
    conn = _connect(path)
    try:
        _check_or_create_schema(conn, path)
    except BaseException:
        conn.close()
        raise
    return conn


def _create_private_file(path: Path) -> None:
    if not path.parent.is_dir():
        raise StoreUnusable(
            f"cannot create database {path}: directory {path.parent} does not "
            "exist; create it or set [backup] database to another path"
        )
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return
    except OSError as exc:
        raise StoreUnusable(
            f"cannot create database {path}: {exc.strerror}; choose a writable "
            "directory in [backup] database"
        ) from None
    os.close(fd)


def _connect(path: Path) -> sqlite3.Connection:
    try:
        # Autocommit mode: every transaction is opened explicitly with BEGIN.
        conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA journal_mode = WAL")
        # NORMAL in WAL mode survives a killed process (every committed
        # transaction is in the WAL), but not a power cut of the host.
        conn.execute("PRAGMA synchronous = NORMAL")
    except sqlite3.DatabaseError as exc:
        raise StoreUnusable(
            f"cannot open database {path}: {exc}; is it a lookervault database?"
        ) from None
    return conn


def _check_or_create_schema(conn: sqlite3.Connection, path: Path) -> None:
    app_id = conn.execute("PRAGMA application_id").fetchone()[0]
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    tables = conn.execute("SELECT count(*) FROM sqlite_schema").fetchone()[0]
    if app_id == 0 and tables == 0:
        _create_schema(conn)
        return
    if app_id != APPLICATION_ID:
        raise StoreUnusable(
            f"{path} is an SQLite database but not a lookervault one; "
            "point [backup] database at a new file"
        )
    if version > SCHEMA_VERSION:
        raise StoreUnusable(
            f"{path} was written by a newer lookervault (schema {version}, this "
            f"version reads {SCHEMA_VERSION}); upgrade lookervault-batch"
        )


def _create_schema(conn: sqlite3.Connection) -> None:
    conn.execute("BEGIN IMMEDIATE")
    for statement in STATEMENTS:
        conn.execute(statement)
    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
    conn.execute("COMMIT")
    log.debug("created database schema version %d", SCHEMA_VERSION)
