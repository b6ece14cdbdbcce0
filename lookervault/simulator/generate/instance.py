"""The generated instance: every type's light index and the body renderers.

Indexes are built eagerly, once, from one random stream per type, in the order
of :data:`BUILD_ORDER` so that a type can refer to the types built before it.
Bodies are built lazily from a random stream seeded by (seed, type, id) alone,
so an object's bytes never depend on which objects were requested before it.
``random.Random`` seeded with a string hashes it with SHA-512, not with the
per-process ``hash()``, which keeps bodies identical across processes.
"""

from __future__ import annotations

import copy
import random
from collections.abc import Callable
from dataclasses import dataclass, field

import orjson

from lookervault.simulator.store import TypeTable


@dataclass
class Index:
    """The light, eagerly built part of one type: ids and summary rows."""

    fields: tuple[str, ...]
    keys: list[str] = field(default_factory=list)
    rows: list[tuple] = field(default_factory=list)
    # Per-type data that other types need but listings do not return.
    extra: dict[str, list | dict] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.keys)

    def value(self, position: int, name: str) -> object:
        return self.rows[position][self.fields.index(name)]


IndexBuilder = Callable[["GeneratedInstance", random.Random, int], Index]
BodyBuilder = Callable[["GeneratedInstance", int], object]


@dataclass(frozen=True)
class TypeSpec:
    """How to generate one content type."""

    name: str
    build_index: IndexBuilder
    build_body: BodyBuilder


class GeneratedInstance:
    """A deterministic Looker instance: same arguments, same bytes."""

    def __init__(
        self,
        specs: tuple[TypeSpec, ...],
        seed: int,
        counts: dict[str, int],
        small: bool,
        client_id: str,
        dashboard_tiles: float = 6.0,
    ) -> None:
        self.seed = seed
        self.small = small
        self.dashboard_tiles = dashboard_tiles
        self.client_id = client_id
        self.specs = {spec.name: spec for spec in specs}
        self.indexes: dict[str, Index] = {}
        for spec in specs:
            rng = random.Random(f"{seed}/{spec.name}/index")
            self.indexes[spec.name] = spec.build_index(
                self, rng, counts.get(spec.name, 0)
            )

    def grown(self, type_name: str, total: int) -> GeneratedInstance:
        """Return a copy whose index of one type is rebuilt with ``total`` objects.

        The copy shares every other index.  Render only the objects past the
        original count from it: a rebuilt index may differ before that count
        too, because the folder tree, for one, is laid out by the total.
        """
        grown = copy.copy(self)
        grown.indexes = dict(self.indexes)
        rng = random.Random(f"{self.seed}/{type_name}/index")
        grown.indexes[type_name] = self.specs[type_name].build_index(grown, rng, total)
        return grown

    def rng_for(self, type_name: str, key: str) -> random.Random:
        """Return the random stream that builds one object's body."""
        return random.Random(f"{self.seed}/{type_name}/{key}")

    def count(self, type_name: str) -> int:
        index = self.indexes.get(type_name)
        return 0 if index is None else len(index)

    def pick(self, rng: random.Random, type_name: str) -> int | None:
        """Pick the position of an existing object of a type, or None if none."""
        total = self.count(type_name)
        return rng.randrange(total) if total else None

    def key(self, type_name: str, position: int | None) -> str | None:
        if position is None:
            return None
        return self.indexes[type_name].keys[position]

    def value(self, type_name: str, position: int, name: str) -> object:
        return self.indexes[type_name].value(position, name)

    def render(self, type_name: str, position: int) -> bytes:
        """Serialize one object's body as the API sends it: compact JSON."""
        return orjson.dumps(self.specs[type_name].build_body(self, position))

    def tables(self) -> dict[str, TypeTable]:
        """Expose each type as a store table that renders bodies on demand."""
        return {
            name: TypeTable(
                name, index.fields, index.keys, index.rows, self._renderer(name)
            )
            for name, index in self.indexes.items()
        }

    def _renderer(self, type_name: str) -> Callable[[int], bytes]:
        return lambda position: self.render(type_name, position)
