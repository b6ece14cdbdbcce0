"""export: a snapshot as a folder tree of pretty JSON files with portable names."""

from __future__ import annotations

import json
import os
import unicodedata
from pathlib import Path

from historyhelpers import COUNTS, backup, run_json, run_text

from lookervault.history.export import ExportedObject, plan_layout
from lookervault.history.names import MAX_NAME_BYTES, RESERVED, UNSAFE

from helpers import run_cli

FOLDERS = [
    {"id": "1", "name": "Shared", "parent_id": None},
    {"id": "6", "name": "shared", "parent_id": None},
    {"id": "2", "name": 'Sales / "EMEA": Q1?', "parent_id": "1"},
    {"id": "3", "name": "CON", "parent_id": "1"},
    {"id": "4", "name": "Trailing dots...", "parent_id": "2"},
    {"id": "5", "name": "Orphan", "parent_id": "99"},
]
DASHBOARDS = [
    (10, 'a/b > c: "d"?', "2"),
    (11, "Trailing spaces   ", "2"),
    (12, "Dots...", "2"),
    (13, "CON", "3"),
    (14, "nul.txt", "3"),
    (15, "x" * 300, "1"),
    (16, "Sales", "1"),
    (17, "Sales", "1"),
    (18, "Lost", "42"),
    (19, "Ünïcödé " * 40, "1"),
    (20, "", "4"),
    (21, "tab\there\nnew line", "4"),
]
LOOKS = [(30, "Sales", "1"), (31, "_folder", "1"), (32, "Orphaned look", "5")]


def write_hostile_exports(directory: Path) -> None:
    """Write gzr-style export files whose titles no file system takes as is."""
    directory.mkdir()
    for folder in FOLDERS:
        _write(directory / f"Folder_{folder['id']}.json", folder)
    for object_id, title, folder_id in DASHBOARDS:
        body = {
            "id": object_id,
            "title": title,
            "folder_id": folder_id,
            "updated_at": "2024-03-01 17:05:44 UTC",
            "dashboard_elements": [{"id": object_id * 10, "title": "tile"}],
        }
        _write(directory / f"Dashboard_{object_id}.json", body)
    for object_id, title, folder_id in LOOKS:
        body = {"id": str(object_id), "title": title, "folder_id": folder_id}
        _write(directory / f"Look_{object_id}.json", {**body, "query_id": "1"})


def _write(path: Path, body: dict) -> None:
    path.write_text(json.dumps(body, indent=2, ensure_ascii=False) + "\n")


def tree(root: Path) -> dict[str, bytes]:
    """Return {relative path: bytes} of every file under ``root``."""
    files = {}
    for directory, _, names in os.walk(root):
        for name in names:
            path = Path(directory, name)
            files[path.relative_to(root).as_posix()] = path.read_bytes()
    return files


def assert_portable(root: Path) -> None:
    """Check every name under ``root`` for Windows, macOS and Linux rules."""
    for directory, dirs, files in os.walk(root):
        names = dirs + files
        folded = {unicodedata.normalize("NFC", n).casefold() for n in names}
        assert len(folded) == len(names), f"names clash in {directory}: {names}"
        for name in names:
            assert not UNSAFE.search(name), name
            assert not name.endswith((".", " ")), name
            assert name.split(".")[0].upper() not in RESERVED, name
            assert len(name.encode()) <= MAX_NAME_BYTES, name


def test_hostile_titles_get_valid_unique_names(tmp_path, start_simulator):
    """Titles with separators, device names, trailing dots, 300 characters and
    duplicates all become valid, unique names in the folder tree."""
    exports = tmp_path / "exports"
    write_hostile_exports(exports)
    simulator = start_simulator(from_dir=str(exports))
    db = backup(tmp_path, simulator, types=["dashboards", "looks", "folders"])

    run_text("export", db, "--to", tmp_path / "out")

    files = tree(tmp_path / "out")
    assert_portable(tmp_path / "out")
    assert len(files) == len(FOLDERS) + len(DASHBOARDS) + len(LOOKS)
    shared = "Shared (folder 1)"
    assert f"{shared}/Sales (dashboard 16).json" in files
    assert f"{shared}/Sales (dashboard 17).json" in files
    assert f"{shared}/Sales (look 30).json" in files
    assert f"{shared}/_folder (look 31).json" in files
    assert "shared (folder 6)/_folder.json" in files
    assert f"{shared}/_CON/_CON.json" in files
    assert f"{shared}/_CON/_nul.txt.json" in files
    sales = f"{shared}/Sales _ _EMEA__ Q1_"
    assert f"{sales}/a_b _ c_ _d__.json" in files
    assert f"{sales}/Trailing spaces.json" in files
    assert f"{sales}/Trailing dots/dashboard 20.json" in files
    assert f"{sales}/Trailing dots/tab_here_new line.json" in files
    assert "_unfiled/Lost.json" in files
    assert "_unfiled/Orphan/Orphaned look.json" in files


def test_hostile_export_is_byte_identical_twice(tmp_path, start_simulator):
    """Two exports of one snapshot give the same tree and the same bytes."""
    exports = tmp_path / "exports"
    write_hostile_exports(exports)
    simulator = start_simulator(from_dir=str(exports))
    db = backup(tmp_path, simulator, types=["dashboards", "looks", "folders"])

    run_text("export", db, "--to", tmp_path / "one")
    run_text("export", db, "--snapshot", "1", "--to", tmp_path / "two")

    first, second = tree(tmp_path / "one"), tree(tmp_path / "two")
    assert sorted(first) == sorted(second)
    for path, data in first.items():
        assert second[path] == data, path


def test_files_mirror_folders_and_keep_key_order(tmp_path, start_simulator):
    """Each generated object lands in its folder's directory or its type's, as
    JSON pretty-printed with Looker's key order and a final newline."""
    simulator = start_simulator(counts=COUNTS, seed=41, small=True)
    db = backup(tmp_path, simulator)
    out = tmp_path / "out"

    result = run_json("export", db, "--to", out)

    files = tree(out)
    assert sum(result["files"].values()) == len(files)
    assert len([p for p in files if p.startswith("_users/")]) == COUNTS["users"]
    assert len([p for p in files if p.startswith("_alerts/")]) == COUNTS["alerts"]
    for path, data in files.items():
        assert data.endswith(b"}\n") or data.endswith(b"]\n"), path
        body = json.loads(data)
        if path.endswith("/_folder.json"):
            _assert_folder_chain(out, Path(path).parent, body)
        elif "folder_id" in body and not path.startswith("_"):
            folder = json.loads((out / Path(path).parent / "_folder.json").read_bytes())
            assert folder["id"] == body["folder_id"], path


def _assert_folder_chain(out: Path, directory: Path, folder: dict) -> None:
    """A folder's directory sits inside its parent folder's directory."""
    parent = out / directory.parent / "_folder.json"
    if folder["parent_id"] is None:
        assert directory.parent == Path("."), directory
    else:
        assert json.loads(parent.read_bytes())["id"] == folder["parent_id"]


def test_file_is_the_stored_body_reindented(tmp_path, start_simulator):
    """An exported dashboard has the stored body's keys, values and order."""
    simulator = start_simulator(counts=COUNTS, seed=42, small=True)
    db = backup(tmp_path, simulator)
    run_text("export", db, "--to", tmp_path / "out")
    raw = run_cli("show", db, "dashboards", "3").stdout
    stored = json.loads(raw)

    (path,) = [
        p
        for p, data in tree(tmp_path / "out").items()
        if not p.startswith("_")
        and json.loads(data).get("id") == stored["id"]
        and "dashboard_elements" in json.loads(data)
    ]
    data = (tmp_path / "out" / path).read_bytes()

    assert json.loads(data) == stored
    assert list(json.loads(data)) == list(stored)
    assert data == (json.dumps(stored, indent=2, ensure_ascii=False) + "\n").encode()


def test_non_empty_target_needs_force(tmp_path, start_simulator):
    """A directory with files is rejected unless --force is given."""
    simulator = start_simulator(counts={"folders": 2}, seed=43, small=True)
    db = backup(tmp_path, simulator, types=["folders"])
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("mine")

    rejected = run_cli("export", db, "--to", out)
    forced = run_cli("export", db, "--to", out, "--force")

    assert rejected.returncode == 2
    assert rejected.stderr.decode().splitlines() == [
        f"lookervault-batch: error: --to {out} is not empty; name a new or empty "
        "directory, or add --force to overwrite files of the same name"
    ]
    assert forced.returncode == 0, forced.stderr.decode()
    assert (out / "keep.txt").read_text() == "mine"
    assert len(tree(out)) == 3


def _stored(kind: str, object_id: str, title: str, folder_id: str | None):
    return ExportedObject(kind, object_id, title, folder_id, "0" * 64)


def test_folder_loops_and_orphans_go_to_unfiled():
    """Folders in a parent loop, with an absent parent or their own parent
    each still get exactly one directory, under _unfiled."""
    objects = [
        _stored("folders", "1", "A", "2"),
        _stored("folders", "2", "B", "1"),
        _stored("folders", "3", "C", "99"),
        _stored("folders", "4", "D", "3"),
        _stored("folders", "5", "Self", "5"),
        _stored("dashboards", "7", "Dash", "2"),
        _stored("users", "8", "Jane", None),
    ]

    directories, files = plan_layout(objects)

    assert files == {
        ("folders", "1"): "_unfiled/A/_folder.json",
        ("folders", "2"): "_unfiled/A/B/_folder.json",
        ("folders", "3"): "_unfiled/C/_folder.json",
        ("folders", "4"): "_unfiled/C/D/_folder.json",
        ("folders", "5"): "_unfiled/Self/_folder.json",
        ("dashboards", "7"): "_unfiled/A/B/Dash.json",
        ("users", "8"): "_users/Jane.json",
    }
    assert sorted(directories) == [
        "_unfiled",
        "_unfiled/A",
        "_unfiled/A/B",
        "_unfiled/C",
        "_unfiled/C/D",
        "_unfiled/Self",
        "_users",
    ]


def test_root_folder_named_like_type_directory():
    """A root folder named _users does not merge into the users' directory."""
    objects = [
        _stored("folders", "1", "_users", None),
        _stored("users", "2", "Jo", None),
    ]

    directories, files = plan_layout(objects)

    assert files[("folders", "1")] == "_users (folder 1)/_folder.json"
    assert files[("users", "2")] == "_users/Jo.json"
