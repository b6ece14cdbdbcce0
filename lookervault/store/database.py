"""Open the SQLite file: create it safely, or check that it is ours."""

from __future__ import annotations

import logging
import os
import sqlite3
from pathlib import Path
from urllib.parse import quote

from lookervault.errors import StoreUnusable
from lookervault.store.schema import (
    APPLICATION_ID,
    MIGRATIONS,
    SCHEMA_VERSION,
    STATEMENTS,
)

log = logging.getLogger(__name__)

# A reader or a second writer waits this long for a lock before failing.
BUSY_TIMEOUT_MS = 5000


def open_database(path: Path, create: bool = False) -> sqlite3.Connection:
    """Open the backup database at ``path`` for a run, creating it if ``create``.

    A new file is created readable by its owner only, before SQLite opens it,
    because it holds the content of a whole Looker instance.  An existing file
    is checked before anything is written to it, so a file that is not ours is
    left byte for byte as it was.  Raises :class:`StoreUnusable` with the
    reason and the fix.
    """
    path = Path(path)
    if path.is_dir():
        raise StoreUnusable(f"database path {path} is a directory; name a file")
    existed = path.exists()
    if not existed and not create:
        raise StoreUnusable(f"database {path} not found; run a backup first")
    if not existed:
        _create_private_file(path)
    conn = _connect(path, f"file:{quote(str(path))}?mode=rw")
    try:
        if _check_schema(conn, path, allow_empty=True):
            _create_schema(conn)
        else:
            _migrate(conn)
        _tune_for_writing(conn, path)
    except BaseException:
        conn.close()
        raise
    return conn


def open_for_reading(path: Path) -> sqlite3.Connection:
    """Open an existing backup database read-only, for the read commands.

    Nothing is written, not even the WAL mode; a file on read-only media is
    opened as immutable.
    """
    path = Path(path)
    if path.is_dir():
        raise StoreUnusable(f"database path {path} is a directory; name a file")
    if not path.exists():
        raise StoreUnusable(f"database {path} not found; check the path")
    uri = f"file:{quote(str(path))}"
    try:
        conn = _connect(path, uri + "?mode=ro")
        _check_schema(conn, path, allow_empty=False)
    except StoreUnusable:
        if os.access(path, os.W_OK) or not os.access(path, os.R_OK):
            raise
        # A read-only medium: SQLite cannot create the WAL's shared memory.
        conn = _connect(path, uri + "?immutable=1")
        _check_schema(conn, path, allow_empty=False)
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


def _connect(path: Path, uri: str) -> sqlite3.Connection:
    try:
        # Autocommit mode: every transaction is opened explicitly with BEGIN.
        conn = sqlite3.connect(
            uri, uri=True, isolation_level=None, check_same_thread=False
        )
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        conn.execute("PRAGMA application_id").fetchone()
    except sqlite3.DatabaseError as exc:
        raise StoreUnusable(
            f"cannot open database {path}: {exc}; is it a lookervault database?"
        ) from None
    return conn


def _tune_for_writing(conn: sqlite3.Connection, path: Path) -> None:
    try:
        conn.execute("PRAGMA journal_mode = WAL")
        # NORMAL in WAL mode survives a killed process (every committed
        # transaction is in the WAL), but not a power cut of the host.
        conn.execute("PRAGMA synchronous = NORMAL")
    except sqlite3.DatabaseError as exc:
        raise StoreUnusable(f"cannot write database {path}: {exc}") from None


def _check_schema(conn: sqlite3.Connection, path: Path, allow_empty: bool) -> bool:
    """Return True if the file is empty and needs a schema; raise if not ours."""
    app_id = conn.execute("PRAGMA application_id").fetchone()[0]
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    tables = conn.execute("SELECT count(*) FROM sqlite_schema").fetchone()[0]
    if app_id == 0 and tables == 0:
        if allow_empty:
            return True
        raise StoreUnusable(f"{path} is empty, not a lookervault database")
    if app_id != APPLICATION_ID:
        raise StoreUnusable(
            f"{path} is an SQLite database but not a lookervault one; "
            "back up into a new file instead"
        )
    if version > SCHEMA_VERSION:
        raise StoreUnusable(
            f"{path} was written by a newer lookervault (schema {version}, this "
            f"version reads {SCHEMA_VERSION}); upgrade lookervault-batch"
        )
    return False


def _migrate(conn: sqlite3.Connection) -> None:
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version >= SCHEMA_VERSION:
        return
    conn.execute("BEGIN IMMEDIATE")
    for target in range(version + 1, SCHEMA_VERSION + 1):
        for statement in MIGRATIONS.get(target, ()):
            conn.execute(statement)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
    conn.execute("COMMIT")
    log.info("upgraded the database from schema %d to %d", version, SCHEMA_VERSION)


def _create_schema(conn: sqlite3.Connection) -> None:
    conn.execute("BEGIN IMMEDIATE")
    for statement in STATEMENTS:
        conn.execute(statement)
    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
    conn.execute("COMMIT")
    log.debug("created database schema version %d", SCHEMA_VERSION)
