"""Serve a directory of exported Looker JSON files exactly as they are.

gzr names its exports ``Dashboard_<id>_<title>.json``, ``Look_<id>_<title>.json``
and ``Folder_<id>_<title>.json``; API 3.x exports use ``Space_`` for a folder.
The directory is read recursively, because ``gzr space export`` writes one
subdirectory per folder.  An object's id is the file's own top-level ``id``
(an integer in API 3.x exports), routed as its decimal string, and its body is
the file's bytes unchanged, whatever their formatting.  Files with other names
are classified by their content, or skipped with a warning.
"""

from __future__ import annotations

import logging
import os
import re
from dataclasses import dataclass
from pathlib import Path

import orjson

from lookervault.simulator.generate import GENERATED_TYPES
from lookervault.simulator.store import MISSING, TypeTable, sort_key

logger = logging.getLogger(__name__)

GZR_NAME = re.compile(r"^(Dashboard|Look|Folder|Space)_")
KIND_TYPES = {
    "Dashboard": "dashboards",
    "Look": "looks",
    "Folder": "folders",
    "Space": "folders",
}
# Summary fields listings return, taken from each file as they are in it.
# API 3.x exports name a folder ``space_id`` and have no ``folder_id``.
EXPORT_FIELDS = {
    "dashboards": (
        "id",
        "title",
        "user_id",
        "folder_id",
        "space_id",
        "created_at",
        "updated_at",
    ),
    "looks": (
        "id",
        "title",
        "user_id",
        "folder_id",
        "space_id",
        "created_at",
        "updated_at",
    ),
    "folders": ("name", "parent_id", "id", "created_at", "creator_id"),
}


@dataclass
class ExportedFile:
    """One loaded export: its type, id, bytes and parsed top level."""

    path: Path
    kind: str
    type_name: str
    object_id: str
    data: bytes
    parsed: dict


class ExportDirectoryError(ValueError):
    """The export directory cannot be read."""


def classify(path: Path, parsed: dict) -> tuple[str, str] | None:
    """Return (gzr kind, type) of an export, from its name or else its keys."""
    match = GZR_NAME.match(path.name)
    if match:
        kind = match.group(1)
        return kind, KIND_TYPES[kind]
    if "dashboard_elements" in parsed:
        return "Dashboard", "dashboards"
    if "query" in parsed and "query_id" in parsed:
        return "Look", "looks"
    return None


def read_export(path: Path) -> ExportedFile | None:
    """Load one file, or log why it is skipped and return None."""
    try:
        data = path.read_bytes()
    except OSError as error:
        logger.warning("skipped %s: cannot be read (%s)", path, error.strerror)
        return None
    try:
        parsed = orjson.loads(data)
    except orjson.JSONDecodeError as error:
        logger.warning("skipped %s: not valid JSON (%s)", path, error)
        return None
    if not isinstance(parsed, dict) or parsed.get("id") is None:
        logger.warning("skipped %s: not a JSON object with an id", path)
        return None
    kind = classify(path, parsed)
    if kind is None:
        logger.warning(
            "skipped %s: neither a gzr file name nor dashboard or look content",
            path,
        )
        return None
    object_id = str(parsed["id"])
    return ExportedFile(path, kind[0], kind[1], object_id, data, parsed)


def _json_files(directory: Path) -> list[Path]:
    found = []
    for root, dirs, files in os.walk(directory):
        dirs.sort()
        found.extend(
            Path(root, name) for name in sorted(files) if name.lower().endswith(".json")
        )
    return found


def _keep_first(chosen: dict, export: ExportedFile) -> None:
    """Add an export unless its (type, id) is taken; a Folder_ beats a Space_."""
    key = (export.type_name, export.object_id)
    kept = chosen.get(key)
    if kept is None:
        chosen[key] = export
        return
    if kept.kind == "Space" and export.kind == "Folder":
        chosen[key] = export
        kept, export = export, kept
    logger.warning(
        "duplicate %s id %s: serving %s, ignoring %s",
        export.type_name,
        export.object_id,
        kept.path,
        export.path,
    )


def load_exports(directory: str | os.PathLike) -> dict[str, list[ExportedFile]]:
    """Load every export under ``directory``, per type, sorted by id."""
    root = Path(directory)
    if not root.is_dir():
        raise ExportDirectoryError(f"export directory {root} is not a directory")
    chosen: dict[tuple[str, str], ExportedFile] = {}
    for path in _json_files(root):
        export = read_export(path)
        if export is not None:
            _keep_first(chosen, export)
    per_type: dict[str, list[ExportedFile]] = {name: [] for name in GENERATED_TYPES}
    for export in chosen.values():
        per_type[export.type_name].append(export)
    for exports in per_type.values():
        exports.sort(key=lambda export: sort_key(export.object_id))
    return per_type


def export_tables(directory: str | os.PathLike) -> dict[str, TypeTable]:
    """Build store tables serving the exports' bytes; other types are empty."""
    tables = {}
    for type_name, exports in load_exports(directory).items():
        fields = EXPORT_FIELDS.get(type_name, ())
        rows = [
            tuple(export.parsed.get(field, MISSING) for field in fields)
            for export in exports
        ]
        bodies = [export.data for export in exports]
        tables[type_name] = TypeTable(
            type_name,
            fields,
            [export.object_id for export in exports],
            rows,
            bodies.__getitem__,
        )
    return tables
