"""diff: objects added, removed and modified between snapshots, and inside one."""

from __future__ import annotations

import json

from historyhelpers import (
    COUNTS,
    DELETES,
    EDITS,
    FAILING_DASHBOARD,
    backup,
    execute,
    run_json,
    run_text,
)

from lookervault.history.diff import diff_values, format_path
from lookervault.store import codecs

from helpers import run_cli


def test_counts_match_edits_deletes_and_additions(two_snapshots):
    """After 10 edits, 3 deletions and 5 additions, diff reports exactly those."""
    report = run_json("diff", two_snapshots.db, 1, 2)

    assert report["totals"] == {"added": 5, "removed": 3, "modified": 10, "unknown": 0}
    types = report["types"]
    modified = {(k, row["id"]) for k, d in types.items() for row in d["modified"]}
    removed = {(k, row["id"]) for k, d in types.items() for row in d["removed"]}
    added = {(k, row["id"]) for k, d in types.items() for row in d["added"]}
    assert modified == set(EDITS)
    assert removed == set(DELETES)
    assert added == {(k, i) for k, ids in two_snapshots.added.items() for i in ids}
    assert report["not_compared"] == {}


def test_modified_row_names_old_and_new_title(two_snapshots):
    """A renamed dashboard is listed with its new title and its old one."""
    report = run_json("diff", two_snapshots.db, 1, 2)
    text = run_text("diff", two_snapshots.db, 1, 2)

    row = next(r for r in report["types"]["dashboards"]["modified"] if r["id"] == "4")
    assert row["title"] == row["old_title"] + " (edit 1)"
    assert row["sha256"] != row["old_sha256"]
    assert f'  ~ 4  "{row["title"]}"  folder {row["folder_id"]}' in text
    assert "\ndashboards: 3 added, 2 removed, 6 modified\n" in text


def test_one_object_diff_shows_changed_field(two_snapshots):
    """Diffing one edited dashboard names the title field, old and new."""
    db = two_snapshots.db

    report = run_json("diff", db, 1, 2, "dashboards", "5")
    text = run_text("diff", db, 1, 2, "dashboards", "5")
    unified = run_text("diff", db, 1, 2, "dashboards", "5", "--unified")

    title = next(c for c in report["changes"] if c["path"] == "title")
    assert title["new"] == title["old"] + " (edit 1)"
    assert {c["path"] for c in report["changes"]} == {"title", "updated_at"}
    assert report["status"] == "modified"
    assert f'~ title: "{title["old"]}" -> "{title["new"]}"' in text
    assert f'-  "title": "{title["old"]}",' in unified
    assert f'+  "title": "{title["new"]}",' in unified


def test_unchanged_object_diff_is_empty(two_snapshots):
    """An object with the same body in both snapshots has no changes."""
    report = run_json("diff", two_snapshots.db, 1, 2, "dashboards", "8")

    assert report["status"] == "unchanged"
    assert report["changes"] == []


def test_silent_tile_edit_is_path_into_elements(tmp_path, start_simulator):
    """A tile retitled without a new updated_at shows as a path into the tiles,
    once --full fetches the dashboard again."""
    simulator = start_simulator(counts=COUNTS, seed=24, small=True)
    db = backup(tmp_path, simulator)
    dashboard = _dashboard_with_tiles(db)
    simulator.mutate(edit_silent=[("dashboards", dashboard)])
    backup(tmp_path, simulator, "--full")

    report = run_json("diff", db, 1, 2, "dashboards", dashboard)

    (change,) = report["changes"]
    assert change["path"].startswith("dashboard_elements[id=")
    assert change["path"].endswith("].title")
    assert change["new"].endswith(" (edit 1)")


def _dashboard_with_tiles(db) -> str:
    rows = execute(
        db,
        "SELECT e.object_id, b.codec, b.data FROM entries e JOIN blobs b "
        "USING (sha256) WHERE e.type = 'dashboards' ORDER BY e.object_id",
    )
    for object_id, codec, data in rows:
        if json.loads(codecs.DECODERS[codec](data)).get("dashboard_elements"):
            return object_id
    raise AssertionError("no generated dashboard has tiles")


def test_failed_object_is_unknown_not_removed(flaky_snapshots):
    """An object that failed in the newer snapshot is unknown, not removed."""
    report = run_json("diff", flaky_snapshots, 1, 2)

    (unknown,) = report["types"]["dashboards"]["unknown"]
    assert unknown["id"] == FAILING_DASHBOARD
    assert unknown["reason"].startswith("failed in snapshot 2: HTTP 500")
    assert report["totals"] == {"added": 0, "removed": 0, "modified": 0, "unknown": 1}


def test_failed_object_has_no_body_to_diff(flaky_snapshots):
    """Diffing one object in a snapshot where it failed is a one-line error."""
    result = run_cli("diff", flaky_snapshots, 1, 2, "dashboards", FAILING_DASHBOARD)

    assert result.returncode == 2
    assert "failed in snapshot 2 and has no body to compare" in result.stderr.decode()


def test_object_in_neither_snapshot_is_usage_error(two_snapshots):
    """Diffing an id that neither snapshot has is one line on stderr, exit 2."""
    result = run_cli("diff", two_snapshots.db, 1, 2, "dashboards", "999")

    assert result.returncode == 2
    assert result.stderr.decode().splitlines() == [
        "lookervault-batch: error: no dashboards with id '999' in snapshot 1 or 2; "
        "see its snapshots with `lookervault-batch history DB dashboards 999`"
    ]


def test_inserted_tile_is_one_addition():
    """A tile inserted first is one addition, not a change to every later tile."""
    old = {"tiles": [{"id": "1", "title": "a"}, {"id": "2", "title": "b"}]}
    new = {"tiles": [{"id": "9", "title": "z"}, *old["tiles"]]}

    changes = diff_values(old, new)

    assert [(format_path(c.path), c.op) for c in changes] == [("tiles[id=9]", "added")]


def test_reordered_tiles_are_reported():
    """Tiles matched by id in another order are one reordered change."""
    old = {"tiles": [{"id": 1}, {"id": 2}]}
    new = {"tiles": [{"id": 2}, {"id": 1}]}

    changes = diff_values(old, new)

    assert [(format_path(c.path), c.op) for c in changes] == [("tiles", "reordered")]


def test_lists_without_ids_compare_by_position():
    """Elements without unique ids are compared position by position."""
    changes = diff_values({"a": [1, 2]}, {"a": [1, 3, 4]})

    assert [(format_path(c.path), c.op) for c in changes] == [
        ("a[1]", "changed"),
        ("a[2]", "added"),
    ]


def test_boolean_and_number_differ():
    """true and 1 are different JSON values although equal in Python."""
    changes = diff_values({"x": True, "y": 1.0}, {"x": 1, "y": 1})

    assert [format_path(c.path) for c in changes] == ["x", "y"]


def test_path_quotes_keys_that_are_not_names():
    """Keys with spaces or punctuation are printed quoted in brackets."""
    changes = diff_values({"a b": {"c": 1}}, {"a b": {"c": 2}})

    assert format_path(changes[0].path) == '["a b"].c'
