"""The ``list`` command: list the objects of a snapshot."""

from __future__ import annotations

import json

from lookervault import catalog
from lookervault.commands.common import add_common_options


def register(commands) -> None:
    """Add this command's parser to the CLI's subcommands."""
    parser = commands.add_parser(
        "list",
        help="list the objects in a snapshot",
        description="List the stored objects of a snapshot as tab-separated "
        "type, id, title and size in bytes; failed objects are in the summary "
        "and in `show`'s message.",
    )
    parser.add_argument("database", metavar="DB", help="path of the SQLite file")
    parser.add_argument(
        "type",
        metavar="TYPE",
        nargs="?",
        choices=catalog.TYPE_NAMES,
        help="only this content type",
    )
    parser.add_argument(
        "--snapshot", type=int, metavar="N", help="snapshot id (default: the latest)"
    )
    parser.add_argument("--json", action="store_true", help="print JSON lines")
    add_common_options(parser)
    parser.set_defaults(handler=_list)


def _list(args) -> int:
    from lookervault.store import reader
    from lookervault.store.database import open_for_reading

    conn = open_for_reading(args.database)
    snapshot_id = reader.resolve_snapshot(conn, args.snapshot)
    for kind, object_id, title, folder_id, updated_at, size, sha in reader.entries(
        conn, snapshot_id, args.type
    ):
        if args.json:
            print(
                json.dumps(
                    {
                        "type": kind,
                        "id": object_id,
                        "title": title,
                        "folder_id": folder_id,
                        "updated_at": updated_at,
                        "size": size,
                        "sha256": sha,
                    },
                    ensure_ascii=False,
                )
            )
        else:
            print(f"{kind}\t{object_id}\t{title or ''}\t{size}")
    return 0
