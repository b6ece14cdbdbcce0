"""A seeded generator of Looker content with real shapes and sizes.

:func:`generate` returns store tables whose bodies are built on first request;
the same seed, counts and options give byte-identical bodies in any process.
"""

from __future__ import annotations

from collections.abc import Callable

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


def generate(
    seed: int, counts: dict[str, int], small: bool, client_id: str
) -> tuple[dict[str, TypeTable], Callable[[], bytes]]:
    """Index a generated instance; return its tables and its API user's body."""
    instance = GeneratedInstance(BUILD_ORDER, seed, counts, small, client_id)
    tables = instance.tables()

    def api_user() -> bytes:
        if instance.count("users"):
            return instance.render("users", 0)
        return orjson.dumps(access.service_user_body(client_id))

    return tables, api_user
