"""The ``export`` command: write a snapshot as a tree of JSON files."""

from __future__ import annotations

import json
import logging
from pathlib import Path

from lookervault.commands.common import add_common_options
from lookervault.errors import EXIT_INCOMPLETE, EXIT_OK

log = logging.getLogger(__name__)


def register(commands) -> None:
    """Add this command's parser to the CLI's subcommands."""
    parser = commands.add_parser(
        "export",
        help="write a snapshot as one JSON file per object",
        description="Write every stored object of a snapshot as a "
        "pretty-printed JSON file (2-space indent, keys in Looker's order) "
        "in a directory tree that mirrors the Looker folders. Content whose "
        "folder is not in the snapshot goes to _unfiled, other types to "
        "_<type>. File names are valid on Linux, macOS and Windows. Exits 3 "
        "when the snapshot has failed objects, which have no body to write.",
    )
    parser.add_argument("database", metavar="DB", help="path of the SQLite file")
    parser.add_argument(
        "--snapshot", type=int, metavar="N", help="snapshot id (default: the latest)"
    )
    parser.add_argument(
        "--to",
        metavar="DIR",
        required=True,
        help="directory to write into; created if missing, and must be empty",
    )
    parser.add_argument(
        "--force",
        action="store_true",
        help="write into a non-empty directory, overwriting files of the same "
        "name and leaving other files as they are",
    )
    parser.add_argument("--json", action="store_true", help="print JSON")
    add_common_options(parser)
    parser.set_defaults(handler=_export)


def _export(args) -> int:
    from lookervault.history.export import export_snapshot
    from lookervault.store import reader
    from lookervault.store.database import open_for_reading

    conn = open_for_reading(Path(args.database))
    try:
        snapshot_id = reader.resolve_snapshot(conn, args.snapshot)
        result = export_snapshot(conn, snapshot_id, Path(args.to), args.force)
    finally:
        conn.close()
    for kind, object_id, message in result.failed:
        log.warning(
            "%s %s failed in the snapshot, so it has no file: %s",
            kind,
            object_id,
            message,
        )
    if args.json:
        print(json.dumps(result.as_dict(), indent=2, ensure_ascii=False))
    else:
        files = sum(result.files.values())
        print(
            f"exported snapshot {snapshot_id}: {files} files in "
            f"{result.directories} directories under {result.target}"
        )
        for kind, count in result.files.items():
            print(f"  {kind:<28} {count:>7}")
    return EXIT_INCOMPLETE if result.failed else EXIT_OK
