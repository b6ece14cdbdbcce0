"""The object store: per content type, ordered objects, summaries and bodies.

A :class:`TypeTable` contains the light index of one content type, built
eagerly: ids and the few summary fields that listings return and sort on.  Its
``render`` function produces an object's canonical body bytes on demand.
The :class:`ObjectStore` caches rendered bodies with their sha256 and caches the
order of each ``sorts`` value, so that repeated listings cost little.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

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
        self.render = render
        self.positions = {key: i for i, key in enumerate(keys)}
        self._column = {field: i for i, field in enumerate(fields)}

    def __len__(self) -> int:
        return len(self.keys)

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
        self._cache: OrderedDict[tuple[str, int], Body] = OrderedDict()
        self._cache_bytes = 0
        self._cache_limit = cache_bytes
        self._orders: dict[tuple[str, str], list[int]] = {}

    def body(self, type_name: str, position: int) -> Body:
        """Return an object's body, rendering and caching it on first use."""
        cache_key = (type_name, position)
        body = self._cache.get(cache_key)
        if body is not None:
            self._cache.move_to_end(cache_key)
            return body
        data = self.tables[type_name].render(position)
        body = Body(data, hashlib.sha256(data).hexdigest())
        self._remember(cache_key, body)
        return body

    def _remember(self, cache_key: tuple[str, int], body: Body) -> None:
        self._cache[cache_key] = body
        self._cache_bytes += len(body.data)
        while self._cache_bytes > self._cache_limit and len(self._cache) > 1:
            _, evicted = self._cache.popitem(last=False)
            self._cache_bytes -= len(evicted.data)

    def api_user(self) -> bytes:
        """Return the body of ``GET /user``: the user the API client acts as."""
        return self._api_user()

    def ordered(self, type_name: str, sorts: str) -> list[int]:
        """Return the positions of a type's objects in ``sorts`` order.

        Content never changes while the simulator runs, so each order is
        computed once: a paged listing of 100,000 objects would otherwise sort
        them all again for every page.
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
