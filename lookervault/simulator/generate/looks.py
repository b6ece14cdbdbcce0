"""Looks: a saved query with its visualization, about 14 KB at the median."""

from __future__ import annotations

import random

from lookervault.simulator.generate import library, queries, words
from lookervault.simulator.generate.instance import GeneratedInstance, Index

LOOK_CAN = {
    "certify": True,
    "copy": True,
    "index": True,
    "show": True,
    "create": True,
    "destroy": True,
    "move": True,
    "recover": True,
    "update": True,
    "download": True,
    "render": True,
    "run": True,
    "schedule": True,
    "see_aggregate_table_lookml": True,
    "see_lookml": True,
    "explore": True,
}
LOOK_FIELDS = (
    "id",
    "title",
    "user_id",
    "created_at",
    "updated_at",
    "view_count",
    "folder_id",
)


def index_looks(instance: GeneratedInstance, rng: random.Random, count: int) -> Index:
    index = Index(LOOK_FIELDS)
    for position in range(count):
        created = words.random_epoch(rng)
        index.keys.append(str(position + 1))
        index.rows.append(
            (
                str(position + 1),
                words.title(rng),
                instance.key("users", instance.pick(rng, "users")),
                words.stamp(created),
                words.stamp(words.later_epoch(rng, created)),
                int(rng.paretovariate(1.2)) - 1,
                instance.key("folders", instance.pick(rng, "folders")),
            )
        )
    return index


def look_query(instance: GeneratedInstance, position: int) -> dict:
    """Build a look's query from its own stream, for its body and for tiles."""
    look_id = instance.indexes["looks"].keys[position]
    rng = instance.rng_for("looks", f"{look_id}/query")
    model = library.model_for(instance, rng)
    # Newer instances name queries by slug, older ones by number.
    query_id = words.slug(rng, 7) if rng.random() < 0.3 else str(500_000 + position)
    return queries.build_query(rng, query_id, model, instance.small)


def user_name(instance: GeneratedInstance, user_id: str | None) -> str | None:
    if user_id is None:
        return None
    return instance.value("users", int(user_id) - 1, "display_name")


def folder_of(instance: GeneratedInstance, folder_id: str | None) -> dict | None:
    if folder_id is None:
        return None
    return library.folder_base(instance, int(folder_id) - 1)


def look_body(instance: GeneratedInstance, position: int) -> dict:
    look_id, title, user_id, created_at, updated_at, views, folder_id = (
        instance.indexes["looks"].rows[position]
    )
    rng = instance.rng_for("looks", look_id)
    query = look_query(instance, position)
    public_slug = words.slug(rng, 32)
    public_base = f"{words.INSTANCE_URL}/looks/{public_slug}"
    return {
        "content_metadata_id": library.content_metadata_id("looks", position),
        "id": look_id,
        "title": title,
        "user_id": user_id,
        "created_at": created_at,
        "deleted_at": None,
        "deleter_id": None,
        "description": rng.choice(("", "", "Source of truth for the weekly review.")),
        "favorite_count": rng.randrange(0, 4),
        "is_run_on_load": rng.random() < 0.8,
        "last_accessed_at": updated_at,
        "last_updater_id": user_id,
        "short_url": f"/looks/{look_id}",
        "updated_at": updated_at,
        "view_count": views,
        "query": query,
        "url": query["url"],
        "folder": folder_of(instance, folder_id),
        "folder_id": folder_id,
        "certification_metadata": None,
        "content_favorite_id": None,
        "deleted": False,
        "embed_url": f"{words.INSTANCE_URL}/embed/looks/{look_id}",
        "excel_file_url": f"{public_base}.iqy?apply_formatting=true&apply_vis=true",
        "google_spreadsheet_formula": (
            f'=ImportXML("{public_base}.gsxml?apply_formatting=true","//tr")'
        ),
        "image_embed_url": f"{public_base}.png",
        "last_viewed_at": None,
        "model": {"id": query["model"], "label": query["model"].title()},
        "public": False,
        "public_slug": public_slug,
        "public_url": f"{public_base}.txt?apply_formatting=true&apply_vis=true",
        "query_id": query["id"],
        "user_name": user_name(instance, user_id),
        "can": LOOK_CAN,
    }


def tile_look(instance: GeneratedInstance, position: int) -> dict:
    """Build the look nested in a look-linked dashboard tile, with its query."""
    look_id, title, user_id, created_at, updated_at, views, folder_id = (
        instance.indexes["looks"].rows[position]
    )
    query = look_query(instance, position)
    return {
        "content_metadata_id": library.content_metadata_id("looks", position),
        "id": look_id,
        "title": title,
        "user_id": user_id,
        "created_at": created_at,
        "deleted_at": None,
        "description": "",
        "is_run_on_load": True,
        "updated_at": updated_at,
        "view_count": views,
        "query": query,
        "folder": folder_of(instance, folder_id),
        "folder_id": folder_id,
        "model": {"id": query["model"], "label": query["model"].title()},
        "query_id": query["id"],
        "can": LOOK_CAN,
    }
