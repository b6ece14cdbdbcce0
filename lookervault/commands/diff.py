"""The ``diff`` command: what changed between two snapshots, or in one object."""

from __future__ import annotations

import json
from pathlib import Path

from lookervault import catalog
from lookervault.commands.common import add_common_options
from lookervault.errors import UsageError

# Characters of a value printed in a one-object diff; --json prints it whole.
VALUE_CHARACTERS = 200
MARKS = {"added": "+", "removed": "-", "modified": "~", "unknown": "?"}


def register(commands) -> None:
    """Add this command's parser to the CLI's subcommands."""
    parser = commands.add_parser(
        "diff",
        help="list what changed between two snapshots",
        description="List per type the objects added, removed and modified "
        "(same id, different body) from snapshot A to snapshot B. With TYPE "
        "and ID, show the changes inside that one object, field by field, or "
        "as a unified diff with --unified.",
    )
    parser.add_argument("database", metavar="DB", help="path of the SQLite file")
    parser.add_argument("a", metavar="A", type=int, help="the older snapshot's id")
    parser.add_argument("b", metavar="B", type=int, help="the newer snapshot's id")
    parser.add_argument(
        "type",
        metavar="TYPE",
        nargs="?",
        choices=catalog.TYPE_NAMES,
        help="content type of one object to compare, such as dashboards",
    )
    parser.add_argument("id", metavar="ID", nargs="?", help="id of that object")
    parser.add_argument(
        "--unified",
        action="store_true",
        help="with TYPE and ID: print a unified diff of both bodies, "
        "pretty-printed with sorted keys",
    )
    parser.add_argument("--json", action="store_true", help="print JSON")
    add_common_options(parser)
    parser.set_defaults(handler=_diff)


def _diff(args) -> int:
    from lookervault.store.database import open_for_reading

    if args.type is not None and args.id is None:
        raise UsageError(f"name the id of the {args.type} object to compare")
    if args.unified and args.id is None:
        raise UsageError("--unified needs TYPE and ID of one object")
    conn = open_for_reading(Path(args.database))
    try:
        if args.id is None:
            _diff_snapshots(conn, args)
        else:
            _diff_object(conn, args)
    finally:
        conn.close()
    return 0


def _diff_snapshots(conn, args) -> None:
    from lookervault.history.diff import compare_snapshots

    result = compare_snapshots(conn, args.a, args.b)
    if args.json:
        print(json.dumps(result.as_dict(), indent=2, ensure_ascii=False))
        return
    totals = result.totals()
    print(
        f"snapshot {result.a.id} ({result.a.started_at}) -> snapshot {result.b.id} "
        f"({result.b.started_at}): {_counts(totals)}"
    )
    for kind, diff in result.types.items():
        if diff.empty:
            continue
        counts = {name: len(getattr(diff, name)) for name in MARKS}
        print(f"\n{kind}: {_counts(counts)}")
        for name, mark in MARKS.items():
            for row in getattr(diff, name):
                print(f"  {mark} {_describe(row)}")
    for kind, reason in result.not_compared.items():
        print(f"\n{kind}: not compared ({reason})")


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{count} {name}" for name, count in counts.items() if count) or (
        "no changes"
    )


def _describe(row: dict) -> str:
    text = f"{row['id']}  {json.dumps(row['title'], ensure_ascii=False)}"
    if row["folder_id"] is not None:
        text += f"  folder {row['folder_id']}"
    notes = []
    if "old_title" in row and row["old_title"] != row["title"]:
        notes.append(f"title was {json.dumps(row['old_title'], ensure_ascii=False)}")
    if "old_folder_id" in row and row["old_folder_id"] != row["folder_id"]:
        notes.append(f"moved from folder {row['old_folder_id']}")
    if "reason" in row:
        notes.append(row["reason"])
    return text + (f"  ({'; '.join(notes)})" if notes else "")


def _diff_object(conn, args) -> None:
    from lookervault.history.diff import diff_object, unified_diff

    result = diff_object(conn, args.a, args.b, args.type, args.id)
    if args.json:
        print(json.dumps(result.as_dict(), indent=2, ensure_ascii=False))
        return
    if args.unified:
        for line in unified_diff(result):
            print(line)
        return
    _print_changes(result)


def _print_changes(result) -> None:
    from lookervault.history.diff import format_path, format_value

    header = (
        f"{result.kind} {result.object_id}, snapshot {result.a} -> {result.b}: "
        f"{result.status}"
    )
    if result.status == "modified":
        header += f", {len(result.changes)} changes"
    print(header)
    for change in result.changes:
        path = format_path(change.path)
        if change.op == "changed":
            old = format_value(change.old, VALUE_CHARACTERS)
            new = format_value(change.new, VALUE_CHARACTERS)
            print(f"~ {path}: {old} -> {new}")
        elif change.op == "added":
            print(f"+ {path}: {format_value(change.new, VALUE_CHARACTERS)}")
        elif change.op == "removed":
            print(f"- {path}: {format_value(change.old, VALUE_CHARACTERS)}")
        else:
            print(f"~ {path}: order of elements changed")
