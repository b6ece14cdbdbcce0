"""The ``show`` command: write one stored body to stdout, byte for byte."""

from __future__ import annotations

import sys

from lookervault import catalog
from lookervault.commands.common import add_common_options


def register(commands) -> None:
    """Add this command's parser to the CLI's subcommands."""
    parser = commands.add_parser(
        "show",
        help="write one stored body to stdout",
        description="Write the body stored for one object, "
        "byte for byte as Looker sent it, to stdout.",
    )
    parser.add_argument("database", metavar="DB", help="path of the SQLite file")
    parser.add_argument(
        "type",
        metavar="TYPE",
        choices=catalog.TYPE_NAMES,
        help="content type, such as dashboards",
    )
    parser.add_argument("id", metavar="ID", help="object id")
    parser.add_argument(
        "--snapshot", type=int, metavar="N", help="snapshot id (default: the latest)"
    )
    add_common_options(parser)
    parser.set_defaults(handler=_show)


def _show(args) -> int:
    from lookervault.store import reader
    from lookervault.store.database import open_for_reading

    conn = open_for_reading(args.database)
    snapshot_id = reader.resolve_snapshot(conn, args.snapshot)
    data = reader.body(conn, snapshot_id, args.type, args.id)
    sys.stdout.buffer.write(data)
    sys.stdout.buffer.flush()
    return 0
