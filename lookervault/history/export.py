"""Write a snapshot out as one pretty-printed JSON file per object.

The tree mirrors Looker's folders::

    DIR/Shared/_folder.json            the folder's own body
    DIR/Shared/Sales.json              a dashboard or look in that folder
    DIR/Shared/Executive/...           a subfolder
    DIR/_unfiled/...                   content whose folder is not in the snapshot
    DIR/_users/Jane Doe.json           every other type, one directory each

Folder names and parents come from the same snapshot.  Every name is made
safe and unique by :mod:`lookervault.history.names`, and everything is
visited in sorted order, so one snapshot always gives the same tree with
the same bytes.
"""

from __future__ import annotations

import logging
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import orjson

from lookervault import catalog
from lookervault.errors import UsageError
from lookervault.history.bodies import parse_body, read_body
from lookervault.history.errors import ExportFailed, ExportTargetNotEmpty
from lookervault.history.names import assign_names
from lookervault.store import reader

log = logging.getLogger(__name__)

FOLDER_FILE = "_folder.json"
UNFILED = "_unfiled"
# Content that Looker keeps in folders; every other type gets a directory.
FOLDERED_TYPES = ("dashboards", "looks")

# Directory nodes of the tree: the root, _unfiled, a folder, a type directory.
ROOT = ("root", "")
UNFILED_NODE = ("unfiled", "")


@dataclass(frozen=True)
class ExportedObject:
    """One stored object to export, from the snapshot's entries."""

    kind: str
    object_id: str
    title: str | None
    folder_id: str | None
    sha256: str


@dataclass
class ExportResult:
    """The files and directories an export wrote, and the failed objects."""

    snapshot: int
    target: Path
    files: dict[str, int] = field(default_factory=dict)
    directories: int = 0
    failed: list[tuple[str, str, str]] = field(default_factory=list)

    def as_dict(self) -> dict:
        """Return the result as a JSON-ready dict."""
        return {
            "snapshot": self.snapshot,
            "target": str(self.target),
            "files": self.files,
            "directories": self.directories,
            "failed": [
                {"type": kind, "id": object_id, "message": message}
                for kind, object_id, message in self.failed
            ],
        }


def export_snapshot(
    conn: sqlite3.Connection, snapshot_id: int, target: Path, force: bool = False
) -> ExportResult:
    """Write every stored object of a snapshot under ``target``.

    Raises :class:`ExportTargetNotEmpty` when ``target`` contains files
    and ``force`` is off.  With ``force``, files of the same name are
    overwritten and other files stay as they are.
    """
    _check_target(target, force)
    objects = [
        ExportedObject(kind, object_id, title, folder_id, sha256)
        for kind, object_id, title, folder_id, _, _, sha256 in reader.entries(
            conn, snapshot_id
        )
    ]
    directories, files = plan_layout(objects)
    result = ExportResult(snapshot_id, target)
    for directory in sorted(directories):
        _make_directory(target / directory)
    result.directories = len(directories)
    for obj in objects:
        _write_object(conn, obj, target / files[(obj.kind, obj.object_id)])
        result.files[obj.kind] = result.files.get(obj.kind, 0) + 1
    result.failed = [
        (kind, object_id, message)
        for kind, object_id, _status, message, _attempts in reader.failures(
            conn, snapshot_id
        )
    ]
    return result


def _check_target(target: Path, force: bool) -> None:
    if target.exists() and not target.is_dir():
        raise UsageError(f"--to {target} is a file; name a directory")
    if target.is_dir() and any(target.iterdir()) and not force:
        raise ExportTargetNotEmpty(
            f"--to {target} is not empty; name a new or empty directory, or add "
            "--force to overwrite files of the same name"
        )


def plan_layout(objects: list[ExportedObject]):
    """Return (directories, {(type, id): file}) as paths relative to the root."""
    folders = {o.object_id: o for o in objects if o.kind == "folders"}
    children: dict[tuple, list] = {}
    for folder_id, parent in _folder_parents(folders).items():
        children.setdefault(parent, []).append(("folder", folder_id))
    files: dict[tuple, list] = {}
    for obj in objects:
        files.setdefault(_directory_of(obj, folders), []).append(obj)
    # _unfiled and the type directories have fixed names under the root.
    fixed = {node for node in [*files, *children] if node[0] in ("type", "unfiled")}
    return _resolve_paths(children, files, folders, fixed)


def _folder_parents(folders: dict[str, ExportedObject]) -> dict[str, tuple]:
    """Map each folder to its parent node: a folder, the root or _unfiled.

    A folder whose parent is not in the snapshot goes under _unfiled.  A
    loop of parents is broken at its smallest id, which then goes under
    _unfiled too, so that every folder gets exactly one directory.
    """
    parents = {}
    for folder_id, folder in folders.items():
        if folder.folder_id is None:
            parents[folder_id] = ROOT
        elif folder.folder_id in folders and folder.folder_id != folder_id:
            parents[folder_id] = ("folder", folder.folder_id)
        else:
            parents[folder_id] = UNFILED_NODE
    for folder_id in sorted(folders):
        loop = _loop_through(folder_id, parents)
        if loop:
            parents[min(loop)] = UNFILED_NODE
    return parents


def _loop_through(folder_id: str, parents: dict) -> list[str]:
    seen = []
    node = ("folder", folder_id)
    while node[0] == "folder" and node[1] not in seen:
        seen.append(node[1])
        node = parents[node[1]]
    return seen[seen.index(node[1]) :] if node[0] == "folder" else []


def _directory_of(obj: ExportedObject, folders: dict) -> tuple:
    if obj.kind == "folders":
        return ("folder", obj.object_id)
    if obj.kind in FOLDERED_TYPES:
        return ("folder", obj.folder_id) if obj.folder_id in folders else UNFILED_NODE
    return ("type", obj.kind)


def _resolve_paths(children: dict, files: dict, folders: dict, fixed: set):
    """Name every directory and file, from the root down."""
    paths = {ROOT: PurePosixPath()}
    paths.update({node: PurePosixPath(_fixed_name(node)) for node in fixed})
    file_paths: dict[tuple, str] = {}
    pending = [ROOT, *fixed]
    while pending:
        node = pending.pop()
        file_names = _file_names(node, files.get(node, []))
        existing = [*file_names.values(), *_reserved_names(node)]
        dir_names = assign_names(
            [_folder_item(child, folders) for child in children.get(node, [])],
            existing=existing,
        )
        for key, name in file_names.items():
            file_paths[key] = str(paths[node] / name)
        for child, name in dir_names.items():
            paths[child] = paths[node] / name
            pending.append(child)
    directories = [str(path) for node, path in paths.items() if node != ROOT]
    return directories, file_paths


def _file_names(node: tuple, objects: list[ExportedObject]) -> dict:
    items = []
    fixed = {}
    for obj in objects:
        key = (obj.kind, obj.object_id)
        if obj.kind == "folders":
            fixed[key] = FOLDER_FILE
        else:
            tag = f"{_singular(obj.kind)} {obj.object_id}"
            items.append((key, obj.title or tag, tag))
    existing = [FOLDER_FILE] if node[0] == "folder" else []
    return {**fixed, **assign_names(items, extension=".json", existing=existing)}


def _reserved_names(node: tuple) -> list[str]:
    if node != ROOT:
        return []
    return [UNFILED, *(f"_{kind}" for kind in catalog.TYPE_NAMES)]


def _fixed_name(node: tuple) -> str:
    return UNFILED if node == UNFILED_NODE else f"_{node[1]}"


def _folder_item(node: tuple, folders: dict) -> tuple:
    tag = f"folder {node[1]}"
    return (node, folders[node[1]].title or tag, tag)


def _singular(kind: str) -> str:
    # Every catalog type name is an English plural ending in "s".
    return kind[:-1] if kind.endswith("s") else kind


def _make_directory(path: Path) -> None:
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ExportFailed(f"cannot create directory {path}: {exc.strerror}") from None


def _write_object(conn: sqlite3.Connection, obj: ExportedObject, path: Path) -> None:
    label = f"{obj.kind} {obj.object_id}"
    body = parse_body(read_body(conn, obj.sha256, label), label)
    # Keys stay in the order Looker sent them; 2-space indent, final newline.
    data = orjson.dumps(body, option=orjson.OPT_INDENT_2) + b"\n"
    try:
        path.write_bytes(data)
    except OSError as exc:
        raise ExportFailed(f"cannot write {path}: {exc.strerror}") from None
