"""The database layout, created on first use and checked on every open.

``blobs`` holds each distinct body once, keyed by the sha256 of the bytes the
server sent; ``entries`` maps a snapshot's objects to blobs, so an object that
did not change between runs costs one row, not one body.  ``units`` records the
work plan of a snapshot before any of it is dispatched, and a unit is marked
done in the same transaction that stores its rows, which is what lets an
interrupted run resume without fetching committed objects again.
"""

# PRAGMA application_id marks the file as ours ("LVLT"), so that opening some
# other SQLite database is refused instead of altered.
APPLICATION_ID = 0x4C564C54
SCHEMA_VERSION = 3

STATEMENTS = (
    """
    CREATE TABLE snapshots (
        id             INTEGER PRIMARY KEY,
        started_at     TEXT NOT NULL,
        finished_at    TEXT,
        status         TEXT NOT NULL CHECK (status IN
                           ('running', 'complete', 'incomplete',
                            'interrupted', 'failed')),
        instance_url   TEXT NOT NULL,
        looker_version TEXT,
        tool_version   TEXT NOT NULL,
        settings       TEXT NOT NULL,
        counts         TEXT
    )
    """,
    """
    CREATE TABLE blobs (
        sha256 TEXT PRIMARY KEY,
        size   INTEGER NOT NULL,
        codec  TEXT NOT NULL,
        data   BLOB NOT NULL
    ) WITHOUT ROWID
    """,
    """
    CREATE TABLE entries (
        snapshot_id INTEGER NOT NULL REFERENCES snapshots(id),
        type        TEXT NOT NULL,
        object_id   TEXT NOT NULL,
        sha256      TEXT NOT NULL REFERENCES blobs(sha256),
        title       TEXT,
        folder_id   TEXT,
        updated_at  TEXT,
        PRIMARY KEY (snapshot_id, type, object_id)
    ) WITHOUT ROWID
    """,
    "CREATE INDEX entries_by_object ON entries (type, object_id)",
    """
    CREATE TABLE failures (
        snapshot_id INTEGER NOT NULL REFERENCES snapshots(id),
        type        TEXT NOT NULL,
        object_id   TEXT NOT NULL,
        status      INTEGER,
        message     TEXT NOT NULL,
        attempts    INTEGER NOT NULL,
        body        BLOB,
        PRIMARY KEY (snapshot_id, type, object_id)
    ) WITHOUT ROWID
    """,
    """
    CREATE TABLE units (
        snapshot_id INTEGER NOT NULL REFERENCES snapshots(id),
        id          INTEGER NOT NULL,
        type        TEXT NOT NULL,
        object_ids  TEXT NOT NULL,
        done        INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (snapshot_id, id)
    ) WITHOUT ROWID
    """,
    """
    CREATE TABLE listings (
        snapshot_id INTEGER NOT NULL REFERENCES snapshots(id),
        type        TEXT NOT NULL,
        listed      INTEGER NOT NULL,
        duplicates  INTEGER NOT NULL DEFAULT 0,
        requests    INTEGER NOT NULL,
        carried     INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (snapshot_id, type)
    ) WITHOUT ROWID
    """,
)

# Statements that bring a database of the version before each up to it.
MIGRATIONS = {
    # Version 2 counts objects carried unfetched from the previous snapshot.
    2: ("ALTER TABLE listings ADD COLUMN carried INTEGER NOT NULL DEFAULT 0",),
    # Version 3 stores new bodies with zstd, which earlier versions cannot
    # read; the number makes them refuse the file instead of calling those
    # bodies damaged.
    3: (),
}
