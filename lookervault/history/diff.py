"""Changes between two snapshots, per type and inside one object.

Two snapshots are compared by their entries: an id in only the newer one is
added, an id in only the older one is removed, and an id in both with a
different sha256 is modified.  An object that failed, or was not fetched yet
because its run stopped early, has no body to compare, so it is reported as
unknown instead of added or removed.  A type whose listing failed in either
snapshot is not compared at all.
"""

from __future__ import annotations

import difflib
import json
import re
import sqlite3
from dataclasses import dataclass, field

import orjson

from lookervault import catalog
from lookervault.batch.plan import LISTING_ID
from lookervault.errors import SnapshotNotFound
from lookervault.history.bodies import load_object
from lookervault.history.ids import sorted_ids
from lookervault.store import reader

CATEGORIES = ("added", "removed", "modified", "unknown")
# A key printed as ".key" in a path; any other key is printed as ["key"].
IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@dataclass
class TypeDiff:
    """The objects of one type added, removed, modified or unknown from A to B."""

    added: list[dict] = field(default_factory=list)
    removed: list[dict] = field(default_factory=list)
    modified: list[dict] = field(default_factory=list)
    # Stored in one snapshot, failed or not fetched in the other.
    unknown: list[dict] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        """True when nothing changed."""
        return not any(getattr(self, name) for name in CATEGORIES)

    def as_dict(self) -> dict:
        """Return the diff as a JSON-ready dict."""
        return {name: getattr(self, name) for name in CATEGORIES}


@dataclass
class SnapshotDiff:
    """Snapshot ``a`` compared with snapshot ``b``, per type."""

    a: reader.Snapshot
    b: reader.Snapshot
    types: dict[str, TypeDiff]
    # Types that could not be compared, with the reason.
    not_compared: dict[str, str]

    def totals(self) -> dict[str, int]:
        """Return the number of objects in each category, over every type."""
        return {
            name: sum(len(getattr(diff, name)) for diff in self.types.values())
            for name in CATEGORIES
        }

    def as_dict(self) -> dict:
        """Return the diff as a JSON-ready dict."""
        return {
            "a": self.a.id,
            "b": self.b.id,
            "totals": self.totals(),
            "types": {kind: diff.as_dict() for kind, diff in self.types.items()},
            "not_compared": self.not_compared,
        }


def compare_snapshots(conn: sqlite3.Connection, a: int, b: int) -> SnapshotDiff:
    """Compare the entries of snapshots ``a`` and ``b``, type by type."""
    older, newer = reader.snapshot(conn, a), reader.snapshot(conn, b)
    old = _by_type(reader.entry_index(conn, a))
    new = _by_type(reader.entry_index(conn, b))
    unknown = {**_unavailable(conn, b), **_unavailable(conn, a)}
    coverage_a, coverage_b = _coverage(conn, a, old), _coverage(conn, b, new)
    types, not_compared = {}, {}
    for kind in _in_catalog_order(set(coverage_a) | set(coverage_b)):
        reason = _why_not_comparable(kind, a, coverage_a, b, coverage_b)
        if reason is not None:
            not_compared[kind] = reason
            continue
        types[kind] = _diff_type(kind, old.get(kind, {}), new.get(kind, {}), unknown)
    return SnapshotDiff(older, newer, types, not_compared)


def _by_type(index: dict) -> dict[str, dict]:
    grouped: dict[str, dict] = {}
    for (kind, object_id), entry in index.items():
        grouped.setdefault(kind, {})[object_id] = entry
    return grouped


def _unavailable(conn: sqlite3.Connection, sid: int) -> dict:
    """Return {(type, id): why} for objects listed in ``sid`` but without a body."""
    unavailable = {
        key: f"failed in snapshot {sid}: {message}"
        for key, message in reader.failure_index(conn, sid).items()
    }
    for kind, ids in reader.planned_ids(conn, sid, pending_only=True).items():
        for object_id in ids:
            unavailable.setdefault(
                (kind, object_id),
                f"not fetched in snapshot {sid}, whose run did not finish",
            )
    return unavailable


def _coverage(conn: sqlite3.Connection, sid: int, entries: dict) -> dict:
    """Return {type: listing failure message or None} for the types ``sid`` has."""
    coverage = dict.fromkeys(set(reader.listed_counts(conn, sid)) | set(entries))
    for (kind, object_id), message in reader.failure_index(conn, sid).items():
        if object_id == LISTING_ID:
            coverage[kind] = message
    return coverage


def _why_not_comparable(kind, a, coverage_a, b, coverage_b) -> str | None:
    for sid, coverage in ((a, coverage_a), (b, coverage_b)):
        if kind not in coverage:
            return f"not backed up in snapshot {sid}"
        if coverage[kind] is not None:
            return f"snapshot {sid}: {coverage[kind]}"
    return None


def _diff_type(kind: str, old: dict, new: dict, unknown: dict) -> TypeDiff:
    diff = TypeDiff()
    for object_id in sorted_ids(set(old) | set(new)):
        before, after = old.get(object_id), new.get(object_id)
        if before is not None and after is not None:
            if before[0] != after[0]:
                diff.modified.append(_modified_row(object_id, before, after))
            continue
        reason = unknown.get((kind, object_id))
        row = _row(object_id, after or before)
        if reason is not None:
            diff.unknown.append({**row, "reason": reason})
        elif after is not None:
            diff.added.append(row)
        else:
            diff.removed.append(row)
    return diff


def _row(object_id: str, entry: tuple) -> dict:
    sha256, title, folder_id, _updated_at = entry
    return {"id": object_id, "title": title, "folder_id": folder_id, "sha256": sha256}


def _modified_row(object_id: str, before: tuple, after: tuple) -> dict:
    old = _row(object_id, before)
    return {
        **_row(object_id, after),
        "old_title": old["title"],
        "old_folder_id": old["folder_id"],
        "old_sha256": old["sha256"],
    }


def _in_catalog_order(kinds) -> list[str]:
    order = {name: position for position, name in enumerate(catalog.TYPE_NAMES)}
    return sorted(kinds, key=lambda kind: (order.get(kind, len(order)), kind))


# One object's bodies in two snapshots.


class _Absent:
    """The value of a key or element that one side does not have."""

    def __repr__(self) -> str:
        return "ABSENT"


ABSENT = _Absent()


@dataclass(frozen=True)
class ElementId:
    """A path step into a list whose elements are matched by their ``id``."""

    value: str | int


@dataclass(frozen=True)
class FieldChange:
    """One difference inside a body: at ``path``, ``old`` became ``new``.

    ``op`` is ``added``, ``removed``, ``changed`` or ``reordered`` (the
    elements of a list matched by id are in another order).
    """

    path: tuple
    op: str
    old: object = ABSENT
    new: object = ABSENT

    def as_dict(self) -> dict:
        """Return the change as a JSON-ready dict, without absent sides."""
        change = {"path": format_path(self.path), "op": self.op}
        if self.old is not ABSENT:
            change["old"] = self.old
        if self.new is not ABSENT:
            change["new"] = self.new
        return change


@dataclass
class ObjectDiff:
    """One object in snapshots ``a`` and ``b``; a side without it is ABSENT."""

    kind: str
    object_id: str
    a: int
    b: int
    old: object
    new: object
    changes: list[FieldChange]

    @property
    def status(self) -> str:
        """``added``, ``removed``, ``modified`` or ``unchanged``."""
        if self.old is ABSENT:
            return "added"
        if self.new is ABSENT:
            return "removed"
        return "modified" if self.changes else "unchanged"

    def as_dict(self) -> dict:
        """Return the diff as a JSON-ready dict."""
        return {
            "type": self.kind,
            "id": self.object_id,
            "a": self.a,
            "b": self.b,
            "status": self.status,
            "changes": [change.as_dict() for change in self.changes],
        }


def diff_object(
    conn: sqlite3.Connection, a: int, b: int, kind: str, object_id: str
) -> ObjectDiff:
    """Compare one object's bodies in snapshots ``a`` and ``b``.

    Raises :class:`SnapshotNotFound` when the object failed in either
    snapshot or is in neither, and :class:`BodyUnreadable` for a damaged blob.
    """
    reader.resolve_snapshot(conn, a)
    reader.resolve_snapshot(conn, b)
    stored, failed = reader.object_states(conn, kind, object_id)
    for sid in (a, b):
        if sid in failed:
            raise SnapshotNotFound(
                f"{kind} {object_id} failed in snapshot {sid} and has no body to "
                f"compare: {failed[sid]}"
            )
    if a not in stored and b not in stored:
        raise SnapshotNotFound(
            f"no {kind} with id {object_id!r} in snapshot {a} or {b}; see its "
            f"snapshots with `lookervault-batch history DB {kind} {object_id}`"
        )
    old, new = (_body(conn, stored, sid, kind, object_id) for sid in (a, b))
    changes = []
    if ABSENT not in (old, new) and stored[a][0] != stored[b][0]:
        changes = diff_values(old, new)
    return ObjectDiff(kind, object_id, a, b, old, new, changes)


def _body(conn, stored: dict, sid: int, kind: str, object_id: str):
    if sid not in stored:
        return ABSENT
    label = f"{kind} {object_id} in snapshot {sid}"
    return load_object(conn, stored[sid][0], label)


def diff_values(old, new, path: tuple = ()) -> list[FieldChange]:
    """Return the changes that turn JSON value ``old`` into ``new``."""
    changes: list[FieldChange] = []
    _diff(old, new, path, changes)
    return changes


def _diff(old, new, path: tuple, changes: list[FieldChange]) -> None:
    if isinstance(old, dict) and isinstance(new, dict):
        _diff_objects(old, new, path, changes)
    elif isinstance(old, list) and isinstance(new, list):
        if _element_ids(old) is not None and _element_ids(new) is not None:
            _diff_by_id(old, new, path, changes)
        else:
            _diff_by_index(old, new, path, changes)
    # type() as well, because True == 1 and 1 == 1.0 in Python but not in JSON.
    elif type(old) is not type(new) or old != new:
        changes.append(FieldChange(path, "changed", old, new))


def _diff_objects(old: dict, new: dict, path: tuple, changes: list) -> None:
    for key, value in old.items():
        if key in new:
            _diff(value, new[key], path + (key,), changes)
        else:
            changes.append(FieldChange(path + (key,), "removed", old=value))
    for key, value in new.items():
        if key not in old:
            changes.append(FieldChange(path + (key,), "added", new=value))


def _diff_by_index(old: list, new: list, path: tuple, changes: list) -> None:
    for index in range(min(len(old), len(new))):
        _diff(old[index], new[index], path + (index,), changes)
    for index in range(len(old), len(new)):
        changes.append(FieldChange(path + (index,), "added", new=new[index]))
    for index in range(len(new), len(old)):
        changes.append(FieldChange(path + (index,), "removed", old=old[index]))


def _element_ids(items: list) -> list | None:
    """Return the elements' ids if every element is an object with a unique id.

    Matching such elements by id rather than position shows one inserted
    dashboard tile as one addition, not as a change to every later tile.
    """
    ids = [item.get("id") if isinstance(item, dict) else None for item in items]
    if not ids or not all(_is_id(value) for value in ids):
        return None
    return ids if len(set(ids)) == len(ids) else None


def _is_id(value) -> bool:
    return isinstance(value, (str, int)) and not isinstance(value, bool)


def _diff_by_id(old: list, new: list, path: tuple, changes: list) -> None:
    old_by_id = {item["id"]: item for item in old}
    new_ids = {item["id"] for item in new}
    for item in new:
        step = path + (ElementId(item["id"]),)
        if item["id"] in old_by_id:
            _diff(old_by_id[item["id"]], item, step, changes)
        else:
            changes.append(FieldChange(step, "added", new=item))
    for item in old:
        if item["id"] not in new_ids:
            step = path + (ElementId(item["id"]),)
            changes.append(FieldChange(step, "removed", old=item))
    kept_old = [item["id"] for item in old if item["id"] in new_ids]
    kept_new = [item["id"] for item in new if item["id"] in old_by_id]
    if kept_old != kept_new:
        changes.append(FieldChange(path, "reordered"))


def format_path(path: tuple) -> str:
    """Format a path as ``dashboard_elements[id=70].title`` or ``[0].value``."""
    text = ""
    for step in path:
        if isinstance(step, ElementId):
            text += f"[id={step.value}]"
        elif isinstance(step, int):
            text += f"[{step}]"
        elif IDENTIFIER.fullmatch(step):
            text += f".{step}" if text else step
        else:
            text += f"[{json.dumps(step, ensure_ascii=False)}]"
    return text or "(whole body)"


def format_value(value, limit: int | None = None) -> str:
    """Return a JSON value as compact JSON, cut after ``limit`` characters."""
    text = orjson.dumps(value).decode()
    if limit is not None and len(text) > limit:
        text = f"{text[:limit]}... ({len(text)} characters)"
    return text


def unified_diff(diff: ObjectDiff) -> list[str]:
    """Return a unified diff of both bodies, pretty-printed with sorted keys."""
    return list(
        difflib.unified_diff(
            _pretty_lines(diff.old),
            _pretty_lines(diff.new),
            fromfile=f"snapshot {diff.a}: {diff.kind} {diff.object_id}",
            tofile=f"snapshot {diff.b}: {diff.kind} {diff.object_id}",
            lineterm="",
        )
    )


def _pretty_lines(body) -> list[str]:
    if body is ABSENT:
        return []
    return json.dumps(body, indent=2, sort_keys=True, ensure_ascii=False).splitlines()
