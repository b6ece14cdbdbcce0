"""The database file: created private, and foreign files are left alone."""

from __future__ import annotations

import sqlite3

import pytest

from lookervault.errors import StoreUnusable
from lookervault.store.database import open_database, open_for_reading
from lookervault.store.schema import SCHEMA_VERSION


def test_new_database_is_private_and_in_wal_mode(tmp_path):
    conn = open_database(tmp_path / "new.db", create=True)
    assert (tmp_path / "new.db").stat().st_mode & 0o777 == 0o600
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    conn.close()


def test_foreign_sqlite_file_is_refused_and_untouched(tmp_path):
    path = tmp_path / "other.db"
    with sqlite3.connect(path) as other:
        other.execute("CREATE TABLE notes (text TEXT)")
    with pytest.raises(StoreUnusable, match="not a lookervault one"):
        open_database(path, create=True)
    with sqlite3.connect(path) as other:
        tables = other.execute("SELECT name FROM sqlite_schema").fetchall()
    assert tables == [("notes",)]


def test_newer_schema_is_refused(tmp_path):
    path = tmp_path / "future.db"
    open_database(path, create=True).close()
    with sqlite3.connect(path) as conn:
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(StoreUnusable, match="newer lookervault"):
        open_database(path)


def test_missing_directory_is_named(tmp_path):
    with pytest.raises(StoreUnusable, match="does not exist"):
        open_database(tmp_path / "absent" / "x.db", create=True)


def test_text_file_is_not_a_database(tmp_path):
    path = tmp_path / "notes.db"
    path.write_text("hello, this is not SQLite\n" * 100)
    with pytest.raises(StoreUnusable):
        open_database(path)


def test_version_1_database_is_upgraded_in_place(tmp_path):
    path = tmp_path / "old.db"
    open_database(path, create=True).close()
    with sqlite3.connect(path) as conn:
        conn.execute("ALTER TABLE listings DROP COLUMN carried")
        conn.execute("PRAGMA user_version = 1")
    conn = open_database(path)
    columns = [row[1] for row in conn.execute("PRAGMA table_info(listings)")]
    assert "carried" in columns
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    conn.close()


def test_reading_leaves_the_file_unchanged(tmp_path):
    path = tmp_path / "backup.db"
    open_database(path, create=True).close()
    before = path.read_bytes()
    conn = open_for_reading(path)
    conn.execute("SELECT count(*) FROM snapshots").fetchone()
    conn.close()
    assert path.read_bytes() == before


def test_empty_file_is_not_read_as_a_database(tmp_path):
    path = tmp_path / "empty.db"
    path.write_bytes(b"")
    with pytest.raises(StoreUnusable, match="empty"):
        open_for_reading(path)
    assert path.read_bytes() == b""
