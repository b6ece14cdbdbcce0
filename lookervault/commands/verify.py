"""The ``verify`` command: check a database, or compare it with the instance."""

from __future__ import annotations

import json
from pathlib import Path

from lookervault.commands.common import add_common_options
from lookervault.errors import EXIT_INCOMPLETE, EXIT_OK, UsageError

# Problems printed per snapshot; --json lists them all.
SHOWN_PROBLEMS = 50


def register(commands) -> None:
    """Add this command's parser to the CLI's subcommands."""
    parser = commands.add_parser(
        "verify",
        help="check that a database and its snapshots are whole",
        description="Run SQLite's integrity check, check that every body of "
        "the snapshot is present, decompresses and matches its sha256, and "
        "that per type the objects listed equal those stored plus those "
        "failed. With --live, compare the snapshot with what the instance "
        "lists now instead. Exits 0 when everything matches and 3 when "
        "anything is wrong, naming each problem.",
    )
    parser.add_argument("database", metavar="DB", help="path of the SQLite file")
    snapshot_choice = parser.add_mutually_exclusive_group()
    snapshot_choice.add_argument(
        "--snapshot", type=int, metavar="N", help="snapshot id (default: the latest)"
    )
    snapshot_choice.add_argument(
        "--all", action="store_true", help="check every snapshot"
    )
    parser.add_argument(
        "--live",
        metavar="CONFIG",
        help="list the instance that CONFIG names and report objects missing "
        "from the snapshot, deleted since, and changed since",
    )
    parser.add_argument("--json", action="store_true", help="print JSON")
    add_common_options(parser)
    parser.set_defaults(handler=_verify)


def _verify(args) -> int:
    from lookervault.store import reader
    from lookervault.store.database import open_for_reading

    if args.live and args.all:
        raise UsageError("--live compares one snapshot; use --snapshot N, not --all")
    conn = open_for_reading(Path(args.database))
    try:
        if args.live:
            return _verify_live(conn, args)
        if args.all:
            snapshot_ids = [snapshot.id for snapshot in reader.snapshots(conn)]
        else:
            snapshot_ids = [reader.resolve_snapshot(conn, args.snapshot)]
        return _verify_stored(conn, snapshot_ids, args.json)
    finally:
        conn.close()


def _verify_stored(conn, snapshot_ids: list[int], as_json: bool) -> int:
    from lookervault.history.verify import verify

    result = verify(conn, snapshot_ids)
    if as_json:
        print(json.dumps(result.as_dict(), indent=2, ensure_ascii=False))
    else:
        _print_verification(result)
    return EXIT_OK if result.whole else EXIT_INCOMPLETE


def _print_verification(result) -> None:
    print(f"integrity_check: {'; '.join(result.integrity) or 'ok'}")
    for check in result.snapshots:
        snapshot = check.snapshot
        verdict = "whole" if check.whole else f"{len(check.problems)} problems"
        print(
            f"\nsnapshot {snapshot.id} ({snapshot.started_at}, {snapshot.status}): "
            f"{verdict}"
        )
        print(
            f"  {'type':<28} {'listed':>7} {'stored':>7} {'failed':>7} {'damaged':>8}"
        )
        for kind, counts in check.types.items():
            listed = "-" if counts.listed is None else counts.listed
            print(
                f"  {kind:<28} {listed:>7} {counts.stored:>7} {counts.failed:>7} "
                f"{counts.damaged:>8}"
            )
        for problem in check.problems[:SHOWN_PROBLEMS]:
            print(f"  problem: {problem}")
        if len(check.problems) > SHOWN_PROBLEMS:
            print(
                f"  ... and {len(check.problems) - SHOWN_PROBLEMS} more; "
                "--json lists every problem"
            )
    print("\nverified: " + ("whole" if result.whole else "problems found"))


def _verify_live(conn, args) -> int:
    from lookervault import config
    from lookervault.history.live import compare_with_live
    from lookervault.store import reader

    run_config = config.load(args.live)
    snapshot_id = reader.resolve_snapshot(conn, args.snapshot)
    comparison = compare_with_live(conn, snapshot_id, run_config)
    if args.json:
        print(json.dumps(comparison.as_dict(), indent=2, ensure_ascii=False))
    else:
        _print_comparison(comparison)
    return EXIT_OK if comparison.matches else EXIT_INCOMPLETE


def _print_comparison(comparison) -> None:
    print(
        f"snapshot {comparison.snapshot.id} of {comparison.snapshot.instance_url} "
        f"({comparison.snapshot.started_at}) compared with {comparison.live_url} now"
    )
    print(
        f"{'type':<28} {'live':>6} {'stored':>7} {'missing':>8} {'deleted':>8} "
        f"{'changed':>8}  compared by"
    )
    for kind, drift in comparison.types.items():
        if drift.error:
            print(f"{kind:<28} {'listing failed: ' + drift.error}")
            continue
        print(
            f"{kind:<28} {drift.live:>6} {drift.backed_up:>7} "
            f"{len(drift.missing):>8} {len(drift.deleted):>8} "
            f"{len(drift.changed):>8}  {drift.compared_by}"
        )
    _print_objects(comparison, "missing from the backup", "missing")
    _print_objects(comparison, "deleted since the snapshot", "deleted")
    _print_objects(comparison, "changed since the snapshot", "changed")
    print(
        "\nthe snapshot matches the instance"
        if comparison.matches
        else "\nthe snapshot differs from the instance"
    )


def _print_objects(comparison, heading: str, name: str) -> None:
    lines = []
    for kind, drift in comparison.types.items():
        objects = getattr(drift, name)
        for object_id in objects:
            reason = objects[object_id] if isinstance(objects, dict) else ""
            lines.append(f"  {kind} {object_id}" + (f": {reason}" if reason else ""))
    if lines:
        print(f"\n{heading}:")
        print("\n".join(lines))
