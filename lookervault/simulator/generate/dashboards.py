"""Dashboards: tiles, filters and layouts, about 140 KB of compact JSON at the median.

Tile counts follow a log-normal law fitted to real exports (median 6, p90 13,
capped at 41), and a tile's weight comes from its query repeated in ``query``,
``result_maker.query`` and, for look-linked tiles, ``look.query``.  The
median is a setting (``dashboard_tiles``): at 2, dashboards weigh about 50 KB
at the median and 58 KB on average.
"""

from __future__ import annotations

import math
import random

import orjson

from lookervault.simulator.generate import library, looks, queries, words
from lookervault.simulator.generate.instance import GeneratedInstance, Index

DASHBOARD_CAN = {
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
}
ELEMENT_CAN = {
    "can_clear_cache": True,
    "create": True,
    "destroy": True,
    "update": True,
    "explore": True,
    "find_and_replace": True,
    "show_errors": True,
    "index": True,
    "show": True,
    "run": False,
    "see_aggregate_table_lookml": True,
}
LAYOUT_CAN = {
    "create": True,
    "destroy": True,
    "update": True,
    "index": True,
    "show": True,
}
FILTER_CAN = {
    "create": True,
    "update": True,
    "destroy": True,
    "index": True,
    "show": True,
    "show_errors": True,
    "find_and_replace": True,
}

DASHBOARD_FIELDS = (
    "title",
    "user_id",
    "slug",
    "created_at",
    "updated_at",
    "view_count",
    "folder_id",
    "id",
)
MAX_TILES = 41
# Ids of a dashboard's tiles, queries and filters are derived from its
# position, this many per dashboard, so they never collide across dashboards.
IDS_PER_DASHBOARD = 64


def tile_count(rng: random.Random, small: bool, median: float = 6.0) -> int:
    """Draw a dashboard's number of tiles: by default median 6, p90 13, max 41."""
    if small:
        return rng.randrange(0, 2)
    if rng.random() < 0.03:
        return 0
    drawn = round(rng.lognormvariate(math.log(median), 0.6))
    return min(MAX_TILES, max(1, drawn))


def index_dashboards(instance: GeneratedInstance, rng: random.Random, count: int):
    index = Index(DASHBOARD_FIELDS)
    tiles = []
    for position in range(count):
        created = words.random_epoch(rng)
        index.keys.append(str(position + 1))
        index.rows.append(
            (
                words.title(rng),
                instance.key("users", instance.pick(rng, "users")),
                words.slug(rng),
                words.stamp(created),
                words.stamp(words.later_epoch(rng, created)),
                int(rng.paretovariate(1.1)) - 1,
                instance.key("folders", instance.pick(rng, "folders")),
                str(position + 1),
            )
        )
        tiles.append(tile_count(rng, instance.small, instance.dashboard_tiles))
    index.extra["tiles"] = tiles
    return index


def element_id(dashboard_position: int, number: int) -> str:
    return str(dashboard_position * IDS_PER_DASHBOARD + number + 1)


def dashboard_body(instance: GeneratedInstance, position: int) -> dict:
    """Build one dashboard, in the key order API 4.0 sends."""
    index = instance.indexes["dashboards"]
    title, user_id, slug, created_at, updated_at, views, folder_id, dashboard_id = (
        index.rows[position]
    )
    rng = instance.rng_for("dashboards", dashboard_id)
    model = library.model_for(instance, rng)
    filters = _filters(rng, position, model, instance.small)
    elements = [
        _element(instance, rng, position, number, filters)
        for number in range(index.extra["tiles"][position])
    ]
    author = looks.user_name(instance, user_id)
    return {
        "content_metadata_id": library.content_metadata_id("dashboards", position),
        "description": rng.choice(("", "", "Refreshed hourly. Ask #data for access.")),
        "hidden": False,
        "query_timezone": rng.choice((None, None, *words.TIMEZONES)),
        "readonly": False,
        "refresh_interval": rng.choice((None, None, "1 hour")),
        "refresh_interval_to_i": None,
        "title": title,
        "user_id": user_id,
        "slug": slug,
        "preferred_viewer": "dashboards-next",
        "alert_sync_with_dashboard_filter_enabled": False,
        "background_color": None,
        "created_at": created_at,
        "crossfilter_enabled": rng.random() < 0.2,
        "dashboard_elements": elements,
        "dashboard_filters": filters,
        "dashboard_layouts": [_layout(position, title, elements)],
        "deleted_at": None,
        "deleter_id": None,
        "edit_uri": None,
        "enable_viz_full_screen": True,
        "favorite_count": rng.randrange(0, 6),
        "filters_bar_collapsed": False,
        "filters_location_top": True,
        "last_accessed_at": updated_at,
        "updated_at": updated_at,
        "last_updater_id": user_id,
        "load_configuration": "cache_run",
        "lookml_link_id": None,
        "show_filters_bar": None,
        "show_title": None,
        "text_tile_text_color": None,
        "tile_background_color": None,
        "tile_text_color": None,
        "title_color": None,
        "view_count": views,
        "url": f"/dashboards/{dashboard_id}",
        "folder": looks.folder_of(instance, folder_id),
        "folder_id": folder_id,
        "content_favorite_id": None,
        "id": dashboard_id,
        "model": None,
        "certification_metadata": None,
        "deleted": False,
        "last_viewed_at": None,
        "last_updater_name": author,
        "user_name": author,
        "appearance": None,
        "theme_name": None,
        "can": DASHBOARD_CAN,
    }


def _element(instance, rng, position, number, filters) -> dict:
    roll = rng.random()
    if roll < 0.10:
        element = _text_element(rng)
    elif roll < 0.13:
        element = _button_element(rng)
    elif roll < 0.25 and instance.count("looks"):
        element = _look_element(instance, rng, filters)
    else:
        query_id = str(1_000_000 + position * IDS_PER_DASHBOARD + number)
        query = queries.build_query(
            rng, query_id, library.model_for(instance, rng), instance.small
        )
        element = _query_element(rng, query, filters, look=None)
    element["dashboard_id"] = str(position + 1)
    element["id"] = element_id(position, number)
    if element.get("result_maker") is not None:
        element["result_maker_id"] = element["result_maker"]["id"] = str(
            2_000_000 + position * IDS_PER_DASHBOARD + number
        )
    return _ordered_element(element)


def _query_element(rng, query, filters, look) -> dict:
    title = words.title(rng)
    return {
        "title": title,
        "title_hidden": rng.random() < 0.1,
        "type": "vis",
        "look": look,
        "look_id": None if look is None else look["id"],
        "query": None if look is not None else query,
        "query_id": None if look is not None else query["id"],
        "result_maker": _result_maker(query, filters),
        "note_text": rng.choice((None, None, "Excludes test orders.")),
    }


def _look_element(instance, rng, filters) -> dict:
    look = looks.tile_look(instance, instance.pick(rng, "looks"))
    return _query_element(rng, look["query"], filters, look)


def _result_maker(query: dict, filters: list[dict]) -> dict:
    view = query["view"]
    return {
        "id": None,
        "dynamic_fields": query["dynamic_fields"],
        "filterables": [
            {
                "model": query["model"],
                "view": view,
                "name": "",
                "listen": [
                    {"dashboard_filter_name": flt["name"], "field": flt["dimension"]}
                    for flt in filters
                ],
            }
        ],
        "sorts": query["sorts"],
        "merge_result_id": None,
        "total": False,
        "query_id": query["id"],
        "sql_query_id": None,
        "query": query,
        "vis_config": query["vis_config"],
    }


TEXT_SNIPPETS = (
    "<h2>Read me first</h2><p>Numbers refresh every hour. Questions? "
    '<a href="https://wiki.example.com/data">See the wiki</a>.</p>',
    '<p style="color:#313132;font-size:16px;padding:15px;"><b>Note:</b> '
    "revenue excludes taxes &amp; shipping.</p>",
    "<ul><li>Ventas netas</li><li>Márgenes por región</li><li>📈 Tendencias</li></ul>",
)


def _text_element(rng) -> dict:
    html = rng.choice(TEXT_SNIPPETS)
    rich = None
    if rng.random() < 0.5:
        document = [{"type": "p", "children": [{"text": words.title(rng)}]}]
        rich = orjson.dumps(document).decode()
    return {
        "type": "text",
        "body_text": html,
        "body_text_as_html": html,
        "title_text": words.title(rng),
        "title_text_as_html": None,
        "subtitle_text": rng.choice((None, "Updated daily")),
        "rich_content_json": rich,
    }


def _button_element(rng) -> dict:
    button = {
        "text": words.title(rng),
        "description": "",
        "newTab": True,
        "alignment": "center",
        "size": "medium",
        "style": "FILLED",
        "color": rng.choice(words.COLORS),
        "href": f"{words.INSTANCE_URL}/dashboards/{rng.randrange(1, 500)}",
    }
    return {"type": "button", "rich_content_json": orjson.dumps(button).decode()}


# Every element carries every key, null where the tile type has no use for it.
ELEMENT_KEYS = (
    "body_text",
    "body_text_as_html",
    "dashboard_id",
    "dashboard_layout_id",
    "edit_uri",
    "id",
    "look",
    "look_id",
    "lookml_link_id",
    "merge_result_id",
    "note_display",
    "note_state",
    "note_text",
    "note_text_as_html",
    "query",
    "refresh_interval",
    "refresh_interval_to_i",
    "result_maker_id",
    "subtitle_text",
    "title",
    "title_hidden",
    "title_text",
    "type",
    "alert_count",
    "rich_content_json",
    "title_text_as_html",
    "subtitle_text_as_html",
    "extension_id",
    "aria_description",
    "query_id",
    "result_maker",
    "can",
    "alerts",
)
_ELEMENT_DEFAULTS = {
    "lookml_link_id": "",
    "title_hidden": False,
    "alert_count": 0,
    "result_maker": None,
    "can": ELEMENT_CAN,
}


def _ordered_element(element: dict) -> dict:
    ordered = {}
    for key in ELEMENT_KEYS:
        value = element.get(key, _ELEMENT_DEFAULTS.get(key))
        ordered[key] = [] if key == "alerts" else value
    if ordered["note_text"] is not None:
        ordered["note_display"] = "hover"
        ordered["note_state"] = "collapsed"
        ordered["note_text_as_html"] = ordered["note_text"]
    return ordered


def _filters(rng, position, model, small) -> list[dict]:
    if small:
        return []
    count = rng.choice((0, 0, 1, 1, 2, 2, 3, 4, 5))
    return [_filter(rng, position, number, model) for number in range(count)]


def _filter(rng, position, number, model) -> dict:
    view = rng.choice(words.VIEW_NAMES)
    dimension = rng.choice(words.VIEWS[view][0])
    name = dimension.replace("_", " ").title()
    return {
        "id": str(position * IDS_PER_DASHBOARD + number + 1),
        "dashboard_id": str(position + 1),
        "name": name,
        "title": name,
        "type": "field_filter",
        "default_value": rng.choice(("", "7 days", "NOT NULL", "España")),
        "model": model,
        "explore": view,
        "dimension": words.field_name(view, dimension),
        "field": _filter_field(rng, model, view, dimension),
        "listens_to_filters": [],
        "allow_multiple_values": True,
        "required": False,
        "ui_config": {"type": "advanced", "display": "popover", "options": []},
        "row": number,
        "can": FILTER_CAN,
    }


def _filter_field(rng, model, view, dimension) -> dict:
    """Build the LookML field description Looker nests in a field filter."""
    name = words.field_name(view, dimension)
    label = dimension.replace("_", " ").title()
    dated = "date" in dimension
    return {
        "align": "left",
        "can_filter": True,
        "category": "dimension",
        "default_filter_value": None,
        "description": "",
        "enumerations": None,
        "field_group_label": None,
        "fill_style": "range" if dated else None,
        "fiscal_month_offset": 0,
        "has_allowed_values": False,
        "hidden": False,
        "is_filter": False,
        "is_numeric": False,
        "label": f"{view.replace('_', ' ').title()} {label}",
        "label_from_parameter": None,
        "label_short": label,
        "map_layer": None,
        "name": name,
        "strict_value_format": False,
        "requires_refresh_on_sort": False,
        "sortable": True,
        "suggestions": None,
        "tags": [],
        "type": "date_date" if dated else "string",
        "user_attribute_filter_types": ["string", "advanced_filter_string"],
        "value_format": None,
        "view": view,
        "view_label": view.replace("_", " ").title(),
        "dynamic": False,
        "week_start_day": "monday",
        "original_view": view,
        "dimension_group": None,
        "error": None,
        "field_group_variant": label,
        "measure": False,
        "parameter": False,
        "primary_key": False,
        "project_name": model,
        "scope": view,
        "suggest_dimension": name,
        "suggest_explore": view,
        "suggestable": not dated,
        "is_fiscal": False,
        "is_timeframe": dated,
        "can_time_filter": False,
        "time_interval": None,
        "lookml_link": f"/projects/{model}/files/views%2F{view}.view.lkml?line="
        f"{rng.randrange(5, 400)}",
        "permanent": None,
        "source_file": f"views/{view}.view.lkml",
        "source_file_path": f"{model}/views/{view}.view.lkml",
        "sql": f"${{TABLE}}.{dimension} ",
        "sql_case": None,
        "filters": None,
        "times_used": rng.randrange(0, 50),
    }


def _layout(position: int, title: str, elements: list[dict]) -> dict:
    layout_id = str(position + 1)
    return {
        "id": layout_id,
        "dashboard_id": str(position + 1),
        "type": "newspaper",
        "active": True,
        "column_width": None,
        "width": None,
        "deleted": False,
        "dashboard_title": title,
        "dashboard_layout_components": _components(layout_id, elements),
        "label": None,
        "description": None,
        "order": -1,
        "can": LAYOUT_CAN,
    }


def _components(layout_id: str, elements: list[dict]) -> list[dict]:
    """Lay tiles out left to right on Looker's 24-column newspaper grid."""
    components = []
    row = column = 0
    for element in elements:
        text = element["type"] == "text"
        if text and column:
            row, column = row + 6, 0
        width = 24 if text else 8
        height = 2 if element["type"] in ("text", "button") else 6
        query = element["query"] or (element["look"] or {}).get("query")
        components.append(
            {
                "id": element["id"],
                "dashboard_layout_id": layout_id,
                "dashboard_element_id": element["id"],
                "row": row,
                "column": column,
                "width": width,
                "height": height,
                "deleted": False,
                "element_title": element["title"],
                "element_title_hidden": element["title_hidden"],
                "vis_type": None if query is None else query["vis_config"]["type"],
                "can": LAYOUT_CAN,
            }
        )
        column += width
        if column >= 24:
            row, column = row + height, 0
    return components
