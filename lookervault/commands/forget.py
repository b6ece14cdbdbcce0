"""The ``forget`` command: remove old snapshots by a retention policy."""

from __future__ import annotations

import json
from pathlib import Path

from lookervault.commands.common import add_common_options


def register(commands) -> None:
    """Add this command's parser to the CLI's subcommands."""
    parser = commands.add_parser(
        "forget",
        help="remove old snapshots, keeping those a policy names",
        description="Keep the last N snapshots, the last snapshot of each of "
        "the last D days that have one, and the last of each of the last W "
        "ISO weeks that have one (days and weeks of the start time, in UTC); "
        "remove the others and every body no kept snapshot uses, then "
        "VACUUM the file. A snapshot still marked running is always kept. "
        "Waits for no run: fails at once while a backup holds the database.",
    )
    parser.add_argument("database", metavar="DB", help="path of the SQLite file")
    parser.add_argument(
        "--keep-last", type=int, default=0, metavar="N", help="keep the last N"
    )
    parser.add_argument(
        "--keep-daily",
        type=int,
        default=0,
        metavar="D",
        help="keep the last snapshot of each of the last D days",
    )
    parser.add_argument(
        "--keep-weekly",
        type=int,
        default=0,
        metavar="W",
        help="keep the last snapshot of each of the last W ISO weeks",
    )
    parser.add_argument(
        "--dry-run",
        action="store_true",
        help="change nothing; print what would be removed",
    )
    parser.add_argument("--json", action="store_true", help="print JSON")
    add_common_options(parser)
    parser.set_defaults(handler=_forget)


def _forget(args) -> int:
    from lookervault.history.forget import Policy, forget

    policy = Policy(last=args.keep_last, daily=args.keep_daily, weekly=args.keep_weekly)
    result = forget(Path(args.database), policy, args.dry_run)
    if args.json:
        print(json.dumps(result.as_dict(), indent=2))
        return 0
    print(f"{'id':>4}  {'started (UTC)':<25} {'status':<11} {'action':<7} reasons")
    for decision in result.decisions:
        snapshot = decision.snapshot
        action = "keep" if decision.keep else "remove"
        print(
            f"{snapshot.id:>4}  {snapshot.started_at:<25} {snapshot.status:<11} "
            f"{action:<7} {', '.join(decision.reasons)}"
        )
    print(_outcome(result))
    return 0


def _outcome(result) -> str:
    removed = result.removed
    snapshots = f"{len(removed)} snapshots" + (
        f" ({', '.join(map(str, removed))})" if removed else ""
    )
    blobs = f"{result.blobs_removed} bodies ({_mb(result.blob_bytes)} stored)"
    if result.dry_run:
        return f"would remove {snapshots} and {blobs}; nothing was changed"
    freed = result.file_bytes_before - result.file_bytes_after
    return (
        f"removed {snapshots} and {blobs}; the file went from "
        f"{_mb(result.file_bytes_before)} to {_mb(result.file_bytes_after)}, "
        f"{_mb(freed)} freed"
    )


def _mb(size: int) -> str:
    return f"{size / 1e6:.1f} MB"
