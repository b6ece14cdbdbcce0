"""Folders, boards and LookML models: where content lives and what it queries."""

from __future__ import annotations

import random

from lookervault.simulator.generate import words
from lookervault.simulator.generate.instance import GeneratedInstance, Index

FOLDER_CAN = {
    "browse_spaces_as_embed_user": False,
    "create": True,
    "destroy": True,
    "edit_content": True,
    "index": True,
    "show": True,
    "move_content": True,
    "save_shared_space_as_embed_user": True,
    "see_admin_spaces": True,
    "update": True,
}
BOARD_CAN = {
    "create": True,
    "destroy": True,
    "index": True,
    "show": True,
    "update": True,
}
MODEL_CAN = {
    "index": True,
    "show": True,
    "create": True,
    "update": True,
    "destroy": True,
}

FOLDER_NAMES = (
    "Marketing",
    "Finance",
    "Sales Ops",
    "Executive",
    "Customer Success",
    "Data Team",
    "Archive",
    "Regional",
    "Supply Chain",
    "Product",
    "Operaciones",
    "Contabilidad",
    "営業部",
    "Sandbox",
    "Certified",
    "Q3 Reports",
)
FOLDER_FIELDS = ("name", "parent_id", "id", "created_at", "creator_id")
SHARED_ROOT, USERS_ROOT = 0, 1


def content_metadata_id(type_name: str, position: int) -> str:
    """Give each folder, look, dashboard and board a distinct metadata id."""
    offset = {"folders": 1, "looks": 2, "dashboards": 3}.get(type_name)
    if offset is None:
        return str(3_000_000 + position)
    return str(position * 3 + offset)


def index_folders(instance: GeneratedInstance, rng: random.Random, count: int) -> Index:
    """Build the folder tree: Shared, Users, personal folders, then subfolders."""
    index = Index(FOLDER_FIELDS)
    personal_count = min(instance.count("users"), int(count * 0.3))
    owners: list[int | None] = []
    parents: list[int | None] = []

    for position in range(count):
        owner, parent, name = _place_folder(rng, instance, position, personal_count)
        owners.append(owner)
        parents.append(parent)
        created = words.random_epoch(rng)
        # A personal folder's creator is its owner, and the two roots have none.
        creator = owner
        if owner is None and parent is not None:
            creator = instance.pick(rng, "users")
        index.keys.append(str(position + 1))
        index.rows.append(
            (
                name,
                None if parent is None else str(parent + 1),
                str(position + 1),
                words.stamp(created),
                instance.key("users", creator),
            )
        )

    index.extra["owner"] = owners
    index.extra["personal_descendant"] = _personal_descendants(parents, owners)
    index.extra["child_count"] = _child_counts(parents)
    index.extra["personal_folder_of_user"] = {
        owner: position for position, owner in enumerate(owners) if owner is not None
    }
    return index


def _place_folder(rng, instance, position, personal_count):
    """Return (owning user, parent position, name) of the folder at ``position``."""
    if position == SHARED_ROOT:
        return None, None, "Shared"
    if position == USERS_ROOT:
        return None, None, "Users"
    if position < 2 + personal_count:
        user = position - 2
        first = instance.value("users", user, "first_name")
        last = instance.value("users", user, "last_name")
        return user, USERS_ROOT, f"{first} {last}"
    name = rng.choice(FOLDER_NAMES)
    shared_start = 2 + personal_count
    if rng.random() < 0.35 or position == shared_start:
        return None, SHARED_ROOT, name
    if personal_count and rng.random() < 0.1:
        parent = rng.randrange(2, shared_start)
    else:
        parent = rng.randrange(shared_start, position)
    return None, parent, f"{name} {rng.randrange(1, 99)}"


def _personal_descendants(parents, owners) -> list[bool]:
    flags: list[bool] = []
    for parent in parents:
        inside = parent is not None and (owners[parent] is not None or flags[parent])
        flags.append(inside)
    return flags


def _child_counts(parents) -> list[int]:
    counts = [0] * len(parents)
    for parent in parents:
        if parent is not None:
            counts[parent] += 1
    return counts


def folder_base(instance: GeneratedInstance, position: int) -> dict:
    """Build the folder summary nested in dashboards and looks (``FolderBase``)."""
    index = instance.indexes["folders"]
    name, parent_id, folder_id, created_at, creator_id = index.rows[position]
    personal = index.extra["owner"][position] is not None
    return {
        "name": name,
        "parent_id": parent_id,
        "id": folder_id,
        "content_metadata_id": content_metadata_id("folders", position),
        "created_at": created_at,
        "creator_id": creator_id,
        "external_id": "",
        "is_embed": False,
        "is_embed_shared_root": False,
        "is_embed_users_root": False,
        "is_personal": personal,
        "is_personal_descendant": index.extra["personal_descendant"][position],
        "is_shared_root": position == SHARED_ROOT,
        "is_users_root": position == USERS_ROOT,
        "can": FOLDER_CAN,
    }


def folder_body(instance: GeneratedInstance, position: int) -> dict:
    body = folder_base(instance, position)
    body["child_count"] = instance.indexes["folders"].extra["child_count"][position]
    body["can"] = body.pop("can")
    return body


MODEL_FIELDS = ("label", "name", "project_name")


def model_name(position: int) -> str:
    base = words.MODEL_NAMES[position % len(words.MODEL_NAMES)]
    round_number = position // len(words.MODEL_NAMES)
    return base if round_number == 0 else f"{base}_{round_number + 1}"


def index_models(instance: GeneratedInstance, rng: random.Random, count: int) -> Index:
    index = Index(MODEL_FIELDS)
    for position in range(count):
        name = model_name(position)
        label = name.replace("_", " ").title()
        project = rng.choice((name, f"{name}_project", "shared_blocks"))
        index.keys.append(name)
        index.rows.append((label, name, project))
    return index


def model_for(instance: GeneratedInstance, rng: random.Random) -> str:
    """Pick the LookML model a query runs against."""
    position = instance.pick(rng, "lookml_models")
    if position is None:
        return rng.choice(words.MODEL_NAMES)
    return instance.indexes["lookml_models"].keys[position]


def model_body(instance: GeneratedInstance, position: int) -> dict:
    label, name, project = instance.indexes["lookml_models"].rows[position]
    rng = instance.rng_for("lookml_models", name)
    explores = rng.sample(words.VIEW_NAMES, rng.randrange(1, len(words.VIEW_NAMES)))
    return {
        "can": MODEL_CAN,
        "allowed_db_connection_names": [rng.choice(("bigquery_prod", "snowflake"))],
        "explores": [
            {
                "name": explore,
                "description": None,
                "label": explore.replace("_", " ").title(),
                "hidden": rng.random() < 0.1,
                "group_label": label,
            }
            for explore in explores
        ],
        "has_content": True,
        "label": label,
        "name": name,
        "project_name": project,
        "unlimited_db_connections": False,
    }


BOARD_FIELDS = (
    "content_metadata_id",
    "created_at",
    "id",
    "title",
    "updated_at",
    "user_id",
)


def index_boards(instance: GeneratedInstance, rng: random.Random, count: int) -> Index:
    index = Index(BOARD_FIELDS)
    for position in range(count):
        created = words.random_epoch(rng)
        index.keys.append(str(position + 1))
        index.rows.append(
            (
                content_metadata_id("boards", position),
                words.stamp(created),
                str(position + 1),
                words.title(rng),
                words.stamp(words.later_epoch(rng, created)),
                instance.key("users", instance.pick(rng, "users")),
            )
        )
    return index


def board_body(instance: GeneratedInstance, position: int) -> dict:
    metadata_id, created_at, board_id, title, updated_at, user_id = instance.indexes[
        "boards"
    ].rows[position]
    rng = instance.rng_for("boards", board_id)
    sections = [
        _board_section(instance, rng, position, number, created_at, updated_at)
        for number in range(rng.randrange(1, 4))
    ]
    return {
        "can": BOARD_CAN,
        "content_metadata_id": metadata_id,
        "created_at": created_at,
        "deleted_at": None,
        "description": rng.choice(("", "Start here", "Team homepage")),
        "board_sections": sections,
        "id": board_id,
        "section_order": [section["id"] for section in sections],
        "title": title,
        "updated_at": updated_at,
        "user_id": user_id,
        "primary_homepage": position == 0,
    }


def _board_section(instance, rng, board_position, number, created_at, updated_at):
    section_id = str(board_position * 4 + number + 1)
    items = [
        _board_item(instance, rng, section_id, board_position * 64 + number * 16 + i)
        for i in range(rng.randrange(0, 8))
    ]
    order = [item["id"] for item in items]
    return {
        "can": BOARD_CAN,
        "created_at": created_at,
        "deleted_at": None,
        "description": None,
        "board_id": str(board_position + 1),
        "board_items": items,
        "id": section_id,
        "item_order": order,
        "visible_item_order": order,
        "title": rng.choice(("Top dashboards", "Looks", "Weekly", "Recursos")),
        "updated_at": updated_at,
    }


def _board_item(instance, rng, section_id, item_number):
    kind = "dashboards" if rng.random() < 0.6 else "looks"
    if instance.count(kind) == 0:
        kind = "looks" if kind == "dashboards" else "dashboards"
    target = instance.pick(rng, kind)
    title = None if target is None else instance.value(kind, target, "title")
    target_id = instance.key(kind, target)
    return {
        "can": BOARD_CAN,
        "content_created_by": None,
        "content_favorite_id": None,
        "content_metadata_id": (
            None if target is None else content_metadata_id(kind, target)
        ),
        "content_updated_at": None,
        "custom_description": None,
        "custom_title": None,
        "custom_url": None,
        "dashboard_id": target_id if kind == "dashboards" else None,
        "description": None,
        "favorite_count": rng.randrange(0, 5),
        "board_section_id": section_id,
        "id": str(item_number + 1),
        "image_url": None,
        "location": "Shared",
        "look_id": target_id if kind == "looks" else None,
        "lookml_dashboard_id": None,
        "order": item_number % 16,
        "title": title,
        "url": None if target_id is None else f"/{kind}/{target_id}",
        "use_custom_description": False,
        "use_custom_title": False,
        "use_custom_url": False,
        "view_count": rng.randrange(0, 500),
        "custom_image_url": None,
        "use_custom_image": False,
    }
