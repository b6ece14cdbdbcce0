"""The object store: per content type, ordered objects, summaries and bodies.

A :class:`TypeTable` contains the light index of one content type, built
eagerly: ids and the few summary fields that listings return and sort on.  Its
``render`` method produces an object's canonical body bytes on demand.
The :class:`ObjectStore` caches rendered bodies with their sha256 and caches the
order of each ``sorts`` value, so that repeated listings cost little.

Content can change while the simulator runs (``POST /__simulator/mutate``):
a table then stores edits as patches applied on rendering, drops deleted
objects from its index and appends added ones, and the store evicts the
cached bodies and orders that the change made stale.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import orjson

# A body evicted from the cache is rendered again, byte-identical, on its next
# request (0.8 ms for a 140 KB generated dashboard, measured on a 2-core Xeon
# VM).  256 MiB fits about 1,650 generated dashboards of the mean size
# (160 KB), so the default instance stays cached while a 100,000-object
# instance cannot grow the simulator without bound.
BODY_CACHE_BYTES = 256 * 1024 * 1024


class _Missing:
    """Marks a summary field that the object does not have (absent, not null)."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "MISSING"


MISSING = _Missing()


@dataclass(frozen=True, slots=True)
class Body:
    """The canonical bytes of one object, as served, and their sha256."""

    data: bytes
    sha256: str


# The location of a patched value in a body: keys and list indexes.
PatchPath = tuple[str | int, ...]
# Renders the body of an object that was added after the table was built.
Source = Callable[[], bytes]


class TypeTable:
    """The objects of one content type, in their natural listing order.

    ``rows[i]`` contains object ``i``'s values for ``fields`` (``MISSING`` where
    the object lacks the key), in the order the keys appear in its body.
    """

    def __init__(
        self,
        name: str,
        fields: tuple[str, ...],
        keys: list[str],
        rows: list[tuple],
        render: Callable[[int], bytes],
    ) -> None:
        self.name = name
        self.fields = fields
        self.keys = keys
        self.rows = rows
        self._render_built = render
        self.positions = {key: i for i, key in enumerate(keys)}
        self._column = {field: i for i, field in enumerate(fields)}
        # None until the first change; then, per position, the position the
        # object had when the table was built, or the source of an added one.
        self._sources: list[int | Source] | None = None
        self._patches: dict[str, dict[PatchPath, object]] = {}

    def __len__(self) -> int:
        return len(self.keys)

    def render(self, position: int) -> bytes:
        """Serialize one object's current body, with its patches applied."""
        source = position if self._sources is None else self._sources[position]
        data = source() if callable(source) else self._render_built(source)
        patch = self._patches.get(self.keys[position])
        if patch:
            data = apply_patch(data, patch)
        return data

    def value(self, position: int, field: str) -> object:
        """Return one summary value, or ``MISSING`` when it is not indexed."""
        column = self._column.get(field)
        if column is None:
            return MISSING
        return self.rows[position][column]

    def summary(self, position: int, fields: Sequence[str] | None = None) -> dict:
        """Build the listing summary of one object, trimmed to ``fields``."""
        row = self.rows[position]
        requested = None if fields is None else set(fields)
        return {
            field: value
            for field, value in zip(self.fields, row, strict=True)
            if value is not MISSING and (requested is None or field in requested)
        }

    def patch(self, key: str) -> dict[PatchPath, object]:
        """Return the patch of one object, for the caller to add values to.

        The caller must then call :meth:`ObjectStore.changed`, because the
        cached body and the summary row are stale.
        """
        self._own_index()
        return self._patches.setdefault(key, {})

    def set_row(self, position: int, row: tuple) -> None:
        self._own_index()
        self.rows[position] = row

    def remove(self, keys: set[str]) -> None:
        """Drop objects from the index; later objects move up one position each."""
        self._own_index()
        remaining = [i for i, key in enumerate(self.keys) if key not in keys]
        self.keys = [self.keys[i] for i in remaining]
        self.rows = [self.rows[i] for i in remaining]
        self._sources = [self._sources[i] for i in remaining]
        self.positions = {key: i for i, key in enumerate(self.keys)}
        for key in keys:
            self._patches.pop(key, None)

    def append(self, key: str, row: tuple, source: Source) -> None:
        """Add an object at the end of the natural order."""
        self._own_index()
        self.positions[key] = len(self.keys)
        self.keys.append(key)
        self.rows.append(row)
        self._sources.append(source)

    def _own_index(self) -> None:
        # The generator shares its keys and rows lists with the table and
        # renders other types' bodies from them, so the first change copies.
        if self._sources is None:
            self.keys = list(self.keys)
            self.rows = list(self.rows)
            self._sources = list(range(len(self.keys)))


def apply_patch(data: bytes, patch: dict[PatchPath, object]) -> bytes:
    """Set each patched value in a body; the result is compact JSON."""
    body = orjson.loads(data)
    for path, value in patch.items():
        container = body
        for step in path[:-1]:
            container = container[step]
        container[path[-1]] = value
    return orjson.dumps(body)


def parse_sorts(sorts: str) -> tuple[tuple[str, bool], ...]:
    """Parse a Looker ``sorts`` value (``"title, id desc"``) into (field, desc)."""
    parsed = []
    for part in sorts.split(","):
        words = part.split()
        if not words:
            continue
        descending = len(words) > 1 and words[1].lower() == "desc"
        parsed.append((words[0], descending))
    return tuple(parsed)


def sort_key(value: object) -> tuple:
    """Order nulls first, then numbers (numeric-looking strings too), then text.

    Ids are strings in API 4.0 but numbers underneath, so ``sorts=id`` is
    expected to put ``"10"`` after ``"9"``.
    """
    if value is None or value is MISSING:
        return (0, 0)
    if isinstance(value, (int, float)):
        return (1, value)
    text = str(value)
    if text.isdigit():
        return (1, int(text))
    return (2, text.casefold())


class ObjectStore:
    """All content types of one simulated instance, with a bounded body cache."""

    def __init__(
        self,
        tables: dict[str, TypeTable],
        api_user: Callable[[], bytes],
        cache_bytes: int = BODY_CACHE_BYTES,
    ) -> None:
        self.tables = tables
        self._api_user = api_user
        # Keyed by (type, id), because positions move when objects are deleted.
        self._cache: OrderedDict[tuple[str, str], Body] = OrderedDict()
        self._cache_bytes = 0
        self._cache_limit = cache_bytes
        self._orders: dict[tuple[str, str], list[int]] = {}

    def body(self, type_name: str, position: int) -> Body:
        """Return an object's body, rendering and caching it on first use."""
        table = self.tables[type_name]
        cache_key = (type_name, table.keys[position])
        body = self._cache.get(cache_key)
        if body is not None:
            self._cache.move_to_end(cache_key)
            return body
        data = table.render(position)
        body = Body(data, hashlib.sha256(data).hexdigest())
        self._remember(cache_key, body)
        return body

    def _remember(self, cache_key: tuple[str, str], body: Body) -> None:
        self._cache[cache_key] = body
        self._cache_bytes += len(body.data)
        while self._cache_bytes > self._cache_limit and len(self._cache) > 1:
            _, evicted = self._cache.popitem(last=False)
            self._cache_bytes -= len(evicted.data)

    def changed(self, type_name: str, keys: Iterable[str]) -> None:
        """Evict the cached bodies of changed objects and their type's orders."""
        for key in keys:
            evicted = self._cache.pop((type_name, key), None)
            if evicted is not None:
                self._cache_bytes -= len(evicted.data)
        for cache_key in [k for k in self._orders if k[0] == type_name]:
            del self._orders[cache_key]

    def api_user(self) -> bytes:
        """Return the body of ``GET /user``: the user the API client acts as."""
        return self._api_user()

    def ordered(self, type_name: str, sorts: str) -> list[int]:
        """Return the positions of a type's objects in ``sorts`` order.

        Each order is computed once and kept until the type's content changes:
        a paged listing of 100,000 objects would otherwise sort them all again
        for every page.
        """
        cache_key = (type_name, sorts)
        order = self._orders.get(cache_key)
        if order is None:
            order = self._sort(self.tables[type_name], parse_sorts(sorts))
            self._orders[cache_key] = order
        return order

    @staticmethod
    def _sort(table: TypeTable, sorts: tuple[tuple[str, bool], ...]) -> list[int]:
        order = list(range(len(table)))
        # Stable sorts applied from the last key to the first give a
        # multi-key order with mixed directions.
        for field, descending in reversed(sorts):
            values = [sort_key(table.value(i, field)) for i in range(len(table))]
            order.sort(key=values.__getitem__, reverse=descending)
        return order

    def inventory(self) -> dict[str, list[str]]:
        """List every object id in the store, per type, in listing order."""
        return {name: list(table.keys) for name, table in self.tables.items()}
