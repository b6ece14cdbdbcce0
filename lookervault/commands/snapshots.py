"""The ``snapshots`` command: list the snapshots in a database."""

from __future__ import annotations

import json

from lookervault.commands.common import add_common_options


def register(commands) -> None:
    """Add this command's parser to the CLI's subcommands."""
    parser = commands.add_parser(
        "snapshots",
        help="list the snapshots in a database",
        description="List every snapshot in DB, oldest first, with its status "
        "(running, complete, incomplete, interrupted, failed) and counts.",
    )
    parser.add_argument("database", metavar="DB", help="path of the SQLite file")
    parser.add_argument("--json", action="store_true", help="print JSON")
    add_common_options(parser)
    parser.set_defaults(handler=_snapshots)


def _snapshots(args) -> int:
    from lookervault.store import reader
    from lookervault.store.database import open_for_reading

    conn = open_for_reading(args.database)
    rows = reader.snapshots(conn)
    if args.json:
        print(json.dumps([row.as_dict() for row in rows], indent=2))
        return 0
    print(
        f"{'id':>4}  {'started (UTC)':<25} {'status':<11} {'objects':>8} "
        f"{'failed':>7}  instance"
    )
    for row in rows:
        stored, failed = _object_counts(conn, row)
        print(
            f"{row.id:>4}  {row.started_at:<25} {row.status:<11} "
            f"{stored:>8} {failed:>7}  {row.instance_url}"
        )
    return 0


def _object_counts(conn, row) -> tuple[int, int]:
    """Return (stored, failed) objects, counted now if the run did not finish."""
    from lookervault.store import reader

    totals = row.counts.get("totals")
    if totals:
        return totals.get("stored", 0), totals.get("failed", 0)
    stored = reader.type_counts(conn, "entries", row.id)
    failed = reader.type_counts(conn, "failures", row.id)
    return sum(stored.values()), sum(failed.values())
