"""The ``history`` command: the snapshots in which one object changed."""

from __future__ import annotations

import json
from pathlib import Path

from lookervault import catalog
from lookervault.commands.common import add_common_options


def register(commands) -> None:
    """Add this command's parser to the CLI's subcommands."""
    parser = commands.add_parser(
        "history",
        help="list the snapshots in which one object changed",
        description="List every snapshot in which one object was first "
        "stored, got a new body, failed, or was no longer listed, with the "
        "snapshot's start time and status and the body's size in bytes. "
        "Read an old body with `show DB TYPE ID --snapshot N`.",
    )
    parser.add_argument("database", metavar="DB", help="path of the SQLite file")
    parser.add_argument(
        "type",
        metavar="TYPE",
        choices=catalog.TYPE_NAMES,
        help="content type, such as dashboards",
    )
    parser.add_argument("id", metavar="ID", help="object id")
    parser.add_argument("--json", action="store_true", help="print JSON")
    add_common_options(parser)
    parser.set_defaults(handler=_history)


def _history(args) -> int:
    from lookervault.history.timeline import object_history
    from lookervault.store.database import open_for_reading

    conn = open_for_reading(Path(args.database))
    try:
        events = object_history(conn, args.type, args.id)
    finally:
        conn.close()
    if args.json:
        print(json.dumps([e.as_dict() for e in events], indent=2, ensure_ascii=False))
        return 0
    print(
        f"{'snapshot':>8}  {'started (UTC)':<25} {'status':<11} {'event':<9} "
        f"{'bytes':>9}  {'sha256':<12}  title"
    )
    for e in events:
        size = "" if e.size is None else e.size
        detail = e.title if e.message is None else e.message
        print(
            f"{e.snapshot:>8}  {e.started_at:<25} {e.status:<11} {e.event:<9} "
            f"{size:>9}  {(e.sha256 or '')[:12]:<12}  {detail or ''}"
        )
    return 0
