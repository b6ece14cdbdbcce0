"""A seeded generator of Looker content with real shapes and sizes.

:func:`generate` returns store tables whose bodies are built on first request;
the same seed, counts and options give byte-identical bodies in any process.
:class:`GeneratedContent` also creates new objects, for content that changes
between backups.
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

import orjson

from lookervault.simulator.generate import access, delivery, library, looks
from lookervault.simulator.generate import dashboards as dashboard_shapes
from lookervault.simulator.generate.instance import GeneratedInstance, TypeSpec
from lookervault.simulator.store import TypeTable

# Build order: each type may refer only to the types listed before it.
BUILD_ORDER: tuple[TypeSpec, ...] = (
    TypeSpec("lookml_models", library.index_models, library.model_body),
    TypeSpec(
        "permission_sets", access.index_permission_sets, access.permission_set_body
    ),
    TypeSpec("model_sets", access.index_model_sets, access.model_set_body),
    TypeSpec("roles", access.index_roles, access.role_body),
    TypeSpec("groups", access.index_groups, access.group_body),
    TypeSpec("users", access.index_users, access.user_body),
    TypeSpec("folders", library.index_folders, library.folder_body),
    TypeSpec("looks", looks.index_looks, looks.look_body),
    TypeSpec(
        "dashboards", dashboard_shapes.index_dashboards, dashboard_shapes.dashboard_body
    ),
    TypeSpec("boards", library.index_boards, library.board_body),
    TypeSpec(
        "user_attributes", access.index_user_attributes, access.user_attribute_body
    ),
    TypeSpec(
        "user_attribute_group_values",
        access.index_group_values,
        access.group_values_body,
    ),
    TypeSpec("scheduled_plans", delivery.index_plans, delivery.plan_body),
    TypeSpec("alerts", delivery.index_alerts, delivery.alert_body),
)
GENERATED_TYPES = tuple(spec.name for spec in BUILD_ORDER)
# Group values follow their user attributes, so they take no count of their own.
COUNTED_TYPES = tuple(
    name for name in GENERATED_TYPES if name != "user_attribute_group_values"
)


# Types whose objects are created along with another type's, never alone.
DEPENDENT_TYPES = {"user_attribute_group_values": "user_attributes"}


@dataclass(frozen=True)
class NewObject:
    """An object created after the instance was indexed."""

    key: str
    row: tuple
    render: Callable[[], bytes]


class GeneratedContent:
    """A generated instance's tables, API user and later-created objects."""

    def __init__(
        self,
        seed: int,
        counts: dict[str, int],
        small: bool,
        client_id: str,
        dashboard_tiles: float = 6.0,
    ) -> None:
        self._instance = GeneratedInstance(
            BUILD_ORDER, seed, counts, small, client_id, dashboard_tiles
        )
        self._client_id = client_id
        self._created: Counter[str] = Counter()
        self.tables = self._instance.tables()

    def api_user(self) -> bytes:
        """Serialize the user the API client acts as."""
        if self._instance.count("users"):
            return self._instance.render("users", 0)
        return orjson.dumps(access.service_user_body(self._client_id))

    def create(self, type_name: str, count: int) -> dict[str, list[NewObject]]:
        """Generate ``count`` new objects of a type, per type.

        New ids follow every id the type had or was given before, so an id
        is never reused, even after a delete.  A new user attribute comes with
        its group values.  The same sequence of calls gives the same objects.
        """
        if type_name in DEPENDENT_TYPES:
            raise ValueError(
                f"{type_name} cannot be created alone; "
                f"create {DEPENDENT_TYPES[type_name]} instead"
            )
        first = self._instance.count(type_name) + self._created[type_name]
        self._created[type_name] += count
        # NOTE: each call keeps a copy of the type's index, rebuilt at the
        # new size, for as long as its objects live.
        grown = self._instance.grown(type_name, first + count)
        created = {type_name: _new_objects(grown, type_name, first, count)}
        for dependent, parent in DEPENDENT_TYPES.items():
            if parent == type_name:
                grown = grown.grown(dependent, first + count)
                created[dependent] = _new_objects(grown, dependent, first, count)
        return created


def _new_objects(
    instance: GeneratedInstance, type_name: str, first: int, count: int
) -> list[NewObject]:
    index = instance.indexes[type_name]
    return [
        NewObject(
            index.keys[position],
            index.rows[position],
            functools.partial(instance.render, type_name, position),
        )
        for position in range(first, first + count)
    ]


def generate(
    seed: int, counts: dict[str, int], small: bool, client_id: str
) -> tuple[dict[str, TypeTable], Callable[[], bytes]]:
    """Index a generated instance; return its tables and its API user's body."""
    content = GeneratedContent(seed, counts, small, client_id)
    return content.tables, content.api_user
