"""Content changes between backups: edits, silent edits, deletes and additions.

``POST /__simulator/mutate`` takes a JSON object with any of these keys and
applies them in this order:

* ``edit``, a list of ``[type, id]``: appends `` (edit N)`` to the title (or
  label, display name, name or description).  It also moves ``updated_at``
  to the server's clock, at least one second past the old value.
* ``edit_silent``, the same kind of list: appends to a dashboard's first tile
  title, or else to the description, or else to the title.  It leaves
  ``updated_at`` as it was, as Looker does for some tile and filter edits.
* ``delete``, the same kind of list: the object leaves its listing, and its
  detail endpoint returns 404.
* ``add``, an object of ``{type: count}``: new generated objects whose ids
  follow every id the type had, created and updated at the server's clock.

Deleting a user attribute deletes its group values, and adding one adds them.
A changed body is re-serialized as compact JSON, including a body that was
served as an export file's own bytes before.  Changes persist until the
simulator stops: ``POST /__simulator/reset`` clears only the record and log.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timezone

import orjson

from lookervault.simulator.generate import DEPENDENT_TYPES, NewObject
from lookervault.simulator.store import MISSING, ObjectStore, PatchPath, TypeTable

# A typed [type, id] pair of a mutate request.
ObjectRef = tuple[str, str]
Creator = Callable[[str, int], dict[str, list[NewObject]]]

OPERATIONS = ("edit", "edit_silent", "delete", "add")
# Top-level fields an edit changes, in order of preference.  The id field of
# LookML models is ``name``, so ``label`` comes before it.
EDITED_FIELDS = ("title", "label", "display_name", "name", "description")
STAMP_FORMAT = "%Y-%m-%dT%H:%M:%S.000+00:00"
# The time format of API 3.x and of gzr exports from that era.
LEGACY_STAMP_FORMAT = "%Y-%m-%d %H:%M:%S UTC"


class InvalidMutation(ValueError):
    """A mutate request that is malformed or names an object that does not exist."""


class Mutator:
    """Applies mutate requests to a store; generated content can also grow."""

    def __init__(
        self,
        store: ObjectStore,
        create: Creator | None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._store = store
        self._create = create
        self._clock = clock
        # Edits per (type, id), so that every edit writes a different value.
        self._edits: dict[ObjectRef, int] = {}

    def apply(self, body: bytes) -> dict[str, dict[str, list[str]]]:
        """Validate a whole request, then apply it; return the ids affected."""
        request = self._parse(body)
        edited = self._edit_all(request["edit"], silent=False)
        edited_silent = self._edit_all(request["edit_silent"], silent=True)
        deleted = self._delete_all(request["delete"])
        added = self._add_all(request["add"])
        return {
            "edited": edited,
            "edited_silent": edited_silent,
            "deleted": deleted,
            "added": added,
        }

    def _parse(self, body: bytes) -> dict:
        try:
            request = orjson.loads(body or b"{}")
        except orjson.JSONDecodeError as error:
            raise InvalidMutation(f"the body is not valid JSON: {error}") from None
        if not isinstance(request, dict):
            raise InvalidMutation("the body must be a JSON object")
        unknown = sorted(set(request) - set(OPERATIONS))
        if unknown:
            raise InvalidMutation(
                f"unknown operation {unknown[0]!r}; expected: {', '.join(OPERATIONS)}"
            )
        parsed = {
            name: self._refs(name, request.get(name, []))
            for name in ("edit", "edit_silent", "delete")
        }
        if len(set(parsed["delete"])) != len(parsed["delete"]):
            raise InvalidMutation("delete names the same object twice")
        parsed["add"] = self._counts(request.get("add", {}))
        return parsed

    def _refs(self, operation: str, items: object) -> list[ObjectRef]:
        if not isinstance(items, list):
            raise InvalidMutation(f"{operation} must be a list of [type, id] pairs")
        refs = []
        for item in items:
            valid_pair = isinstance(item, list) and len(item) == 2
            if not valid_pair or not isinstance(item[1], (str, int)):
                raise InvalidMutation(
                    f"invalid {operation} item {item!r}: expected [type, id]"
                )
            type_name, object_id = item[0], str(item[1])
            table = self._table(operation, type_name)
            if object_id not in table.positions:
                raise InvalidMutation(f"{operation}: {type_name} {object_id} not found")
            refs.append((type_name, object_id))
        return refs

    def _counts(self, counts: object) -> dict[str, int]:
        if not isinstance(counts, dict):
            raise InvalidMutation("add must be an object of {type: count}")
        for type_name, count in counts.items():
            self._table("add", type_name)
            if not isinstance(count, int) or isinstance(count, bool) or count < 0:
                raise InvalidMutation(
                    f"add: count of {type_name} must be a non-negative integer, "
                    f"not {count!r}"
                )
            if type_name in DEPENDENT_TYPES:
                raise InvalidMutation(
                    f"add: {type_name} cannot be added alone; "
                    f"add {DEPENDENT_TYPES[type_name]} instead"
                )
        if counts and self._create is None:
            raise InvalidMutation(
                "add works only for generated content, not for an export directory"
            )
        return counts

    def _table(self, operation: str, type_name: object) -> TypeTable:
        table = self._store.tables.get(type_name)
        if table is None:
            raise InvalidMutation(
                f"{operation}: unknown content type {type_name!r}; "
                f"expected one of: {', '.join(self._store.tables)}"
            )
        return table

    def _edit_all(self, refs: list[ObjectRef], silent: bool) -> dict[str, list[str]]:
        done: dict[str, list[str]] = {}
        for type_name, object_id in refs:
            self._edit(type_name, object_id, silent)
            done.setdefault(type_name, []).append(object_id)
        return done

    def _edit(self, type_name: str, object_id: str, silent: bool) -> None:
        table = self._store.tables[type_name]
        position = table.positions[object_id]
        body = orjson.loads(self._store.body(type_name, position).data)
        number = self._edits.get((type_name, object_id), 0) + 1
        self._edits[(type_name, object_id)] = number

        path = _silent_path(body) if silent else _edited_path(body)
        if path is None:
            raise InvalidMutation(f"{type_name} {object_id} has no field to edit")
        old = _get(body, path)
        changes = {path: f"{old} (edit {number})" if old else f"(edit {number})"}
        if not silent and isinstance(body, dict) and "updated_at" in body:
            changes[("updated_at",)] = _later_stamp(body["updated_at"], self._clock())
        self._patch(table, object_id, changes)

    def _patch(
        self, table: TypeTable, object_id: str, changes: dict[PatchPath, object]
    ) -> None:
        table.patch(object_id).update(changes)
        self._store.changed(table.name, [object_id])
        position = table.positions[object_id]
        body = orjson.loads(self._store.body(table.name, position).data)
        table.set_row(position, _row(table.fields, body))

    def _delete_all(self, refs: list[ObjectRef]) -> dict[str, list[str]]:
        done: dict[str, list[str]] = {}
        for type_name, object_id in refs:
            done.setdefault(type_name, []).append(object_id)
            for dependent, parent in DEPENDENT_TYPES.items():
                table = self._store.tables.get(dependent)
                if parent == type_name and table and object_id in table.positions:
                    done.setdefault(dependent, []).append(object_id)
        for type_name, object_ids in done.items():
            self._store.tables[type_name].remove(set(object_ids))
            self._store.changed(type_name, object_ids)
        return done

    def _add_all(self, counts: dict[str, int]) -> dict[str, list[str]]:
        done: dict[str, list[str]] = {}
        stamp = time.strftime(STAMP_FORMAT, time.gmtime(int(self._clock())))
        for type_name, count in counts.items():
            for created_type, objects in self._create(type_name, count).items():
                table = self._store.tables[created_type]
                for new in objects:
                    self._add(table, new, stamp)
                    done.setdefault(created_type, []).append(new.key)
        return done

    def _add(self, table: TypeTable, new: NewObject, stamp: str) -> None:
        table.append(new.key, new.row, new.render)
        body = orjson.loads(new.render())
        if not isinstance(body, dict):
            self._store.changed(table.name, [new.key])
            return
        changes = {
            (name,): stamp for name in ("created_at", "updated_at") if name in body
        }
        self._patch(table, new.key, changes)


def _edited_path(body: object) -> PatchPath | None:
    if isinstance(body, list):
        return (0, "value") if body and isinstance(body[0], dict) else None
    for name in EDITED_FIELDS:
        if name in body:
            return (name,)
    return None


def _silent_path(body: object) -> PatchPath | None:
    if isinstance(body, dict):
        if body.get("dashboard_elements"):
            return ("dashboard_elements", 0, "title")
        if "description" in body:
            return ("description",)
    return _edited_path(body)


def _get(body: object, path: PatchPath) -> object:
    for step in path:
        body = body[step]
    return body


def _row(fields: tuple[str, ...], body: object) -> tuple:
    if not isinstance(body, dict):
        return tuple(MISSING for _ in fields)
    return tuple(body.get(name, MISSING) for name in fields)


def _later_stamp(old: object, now: float) -> str:
    """Format ``now``, or one second past ``old`` when that is later.

    The result has the format of ``old`` when that is the API 3.x form
    (``2019-03-01 10:00:00 UTC``), else the API 4.0 form.
    """
    seconds = int(now)
    if not isinstance(old, str):
        return time.strftime(STAMP_FORMAT, time.gmtime(seconds))
    stamp_format = LEGACY_STAMP_FORMAT if old.endswith(" UTC") else STAMP_FORMAT
    try:
        if stamp_format == LEGACY_STAMP_FORMAT:
            parsed = datetime.strptime(old, LEGACY_STAMP_FORMAT)
        else:
            parsed = datetime.fromisoformat(old.replace("Z", "+00:00"))
    except ValueError:
        parsed = None
    if parsed is not None:
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=timezone.utc)
        seconds = max(seconds, int(parsed.timestamp()) + 1)
    return time.strftime(stamp_format, time.gmtime(seconds))
