"""Queries and visualization configs, the bulk of every dashboard and look.

A real tile weighs 14-35 KB because its query, including ``vis_config`` and two
share URLs that carry the same config URL-encoded, appears two or three times
(``query``, ``result_maker.query``, ``look.query``).  The builders below
reproduce that structure.  The size of a query is driven by its number of
visualization series.
"""

from __future__ import annotations

import random
from urllib.parse import quote

import orjson

from lookervault.simulator.generate import words

QUERY_CAN = {
    "can_clear_cache": True,
    "cost_estimate": True,
    "create": True,
    "index": True,
    "show": True,
    "download": True,
    "download_unlimited": True,
    "explore": True,
    "generate_drill_links": True,
    "render": True,
    "run": True,
    "see_results": True,
    "save": True,
    "see_aggregate_table_lookml": True,
    "see_derived_table_lookml": True,
    "see_lookml": True,
    "see_sql": True,
}

CARTESIAN_TYPES = (
    "looker_column",
    "looker_line",
    "looker_bar",
    "looker_area",
    "looker_scatter",
)
OTHER_TYPES = ("looker_grid", "single_value", "looker_pie", "looker_map", "table")

# Keys every cartesian chart carries, whatever its series.
_CARTESIAN_BASE = {
    "x_axis_gridlines": False,
    "y_axis_gridlines": True,
    "show_view_names": False,
    "show_y_axis_labels": True,
    "show_y_axis_ticks": True,
    "y_axis_tick_density": "default",
    "y_axis_tick_density_custom": 5,
    "show_x_axis_label": True,
    "show_x_axis_ticks": True,
    "y_axis_scale_mode": "linear",
    "x_axis_reversed": False,
    "y_axis_reversed": False,
    "plot_size_by_field": False,
    "trellis": "",
    "stacking": "",
    "limit_displayed_rows": False,
    "legend_position": "center",
    "point_style": "none",
    "show_value_labels": False,
    "label_density": 25,
    "x_axis_scale": "auto",
    "y_axis_combined": True,
    "ordering": "none",
    "show_null_labels": False,
    "show_totals_labels": False,
    "show_silhouette": False,
    "totals_color": "#808080",
    "x_axis_zoom": True,
    "y_axis_zoom": True,
    "defaults_version": 1,
    "interpolation": "linear",
    "show_null_points": True,
}
_GRID_BASE = {
    "show_view_names": False,
    "show_row_numbers": True,
    "transpose": False,
    "truncate_text": True,
    "hide_totals": False,
    "hide_row_totals": False,
    "size_to_fit": True,
    "table_theme": "white",
    "limit_displayed_rows": False,
    "enable_conditional_formatting": False,
    "header_text_alignment": "left",
    "header_font_size": "12",
    "rows_font_size": "12",
    "conditional_formatting_include_totals": False,
    "conditional_formatting_include_nulls": False,
    "show_sql_query_menu_options": False,
    "show_totals": True,
    "show_row_totals": True,
    "truncate_header": False,
    "minimum_column_width": 75,
    "defaults_version": 1,
}
_SINGLE_VALUE_BASE = {
    "custom_color_enabled": True,
    "show_single_value_title": True,
    "show_comparison": False,
    "comparison_type": "value",
    "comparison_reverse_colors": False,
    "show_comparison_label": True,
    "enable_conditional_formatting": False,
    "defaults_version": 1,
}


def series_count(rng: random.Random, small: bool) -> int:
    """Draw how many series a visualization styles (its size driver)."""
    if small:
        return 1
    return min(60, max(1, int(rng.lognormvariate(2.0, 0.7))))


def series_names(rng: random.Random, fields: list[str], count: int) -> list[str]:
    """Name ``count`` series, as pivoted values of the query's measures."""
    names = list(fields)
    pivot_value = 2015
    while len(names) < count:
        names.append(f"{rng.choice(fields)}|FIELD|{pivot_value}")
        pivot_value += 1
    return names[:count]


def vis_config(
    rng: random.Random, vis_type: str, fields: list[str], small: bool
) -> dict:
    """Build a ``vis_config`` of the given type styling the query's series."""
    if small:
        return {"type": vis_type, "defaults_version": 1}
    series = series_names(rng, fields, series_count(rng, small))
    if vis_type in CARTESIAN_TYPES:
        config = dict(_CARTESIAN_BASE)
        config["y_axes"] = [_y_axis(rng, series)]
        config["series_colors"] = {name: rng.choice(words.COLORS) for name in series}
        config["series_types"] = {}
    elif vis_type in ("looker_grid", "table"):
        config = dict(_GRID_BASE)
        config["series_cell_visualizations"] = {
            name: {"is_active": rng.random() < 0.3} for name in series
        }
        config["series_column_widths"] = {
            name: rng.randrange(60, 300) for name in series
        }
        config["conditional_formatting"] = _conditional_formatting(rng, series)
    else:
        config = dict(_SINGLE_VALUE_BASE)
        config["custom_color"] = rng.choice(words.COLORS)
        config["series_colors"] = {name: rng.choice(words.COLORS) for name in series}
    config["series_labels"] = {
        name: name.rsplit(".", 1)[-1].replace("_", " ").title() for name in series
    }
    config["hidden_fields"] = rng.sample(fields, rng.randrange(0, 2))
    config["type"] = vis_type
    return config


def _y_axis(rng: random.Random, series: list[str]) -> dict:
    return {
        "label": "",
        "orientation": "left",
        "series": [
            {"axisId": name, "id": name, "name": name.rsplit(".", 1)[-1]}
            for name in series
        ],
        "showLabels": True,
        "showValues": True,
        "unpinAxis": rng.random() < 0.2,
        "tickDensity": "default",
        "tickDensityCustom": 5,
        "type": "linear",
    }


def _conditional_formatting(rng: random.Random, series: list[str]) -> list[dict]:
    return [
        {
            "type": "along a scale...",
            "value": None,
            "background_color": rng.choice(words.COLORS),
            "font_color": None,
            "color_application": {
                "collection_id": "google",
                "palette_id": "google-diverging-0",
                "options": {"steps": 5, "constraints": {"min": {"type": "minimum"}}},
            },
            "bold": False,
            "italic": False,
            "strikethrough": False,
            "fields": [name],
        }
        for name in series[: rng.randrange(0, 4)]
    ]


def filters_for(rng: random.Random, view: str) -> tuple[dict | None, dict]:
    """Build a query's ``filters`` and the matching ``filter_config``."""
    if rng.random() < 0.4:
        return None, {}
    dimension = words.field_name(view, rng.choice(words.VIEWS[view][0]))
    expression = rng.choice(("30 days", "NOT NULL", "-Cancelled", "2024", ">=10"))
    config = {
        dimension: [
            {
                "type": "advanced",
                "values": [{"constant": expression}, {}],
                "id": rng.randrange(0, 20),
                "error": False,
            }
        ]
    }
    return {dimension: expression}, config


def dynamic_fields(rng: random.Random, fields: list[str]) -> str | None:
    """Return table calculations as the API sends them: a JSON-encoded string."""
    roll = rng.random()
    if roll < 0.5:
        return None
    if roll < 0.7:
        return "[]"
    measure = fields[-1]
    calculation = {
        "category": "table_calculation",
        "expression": f"${{{measure}}}/sum(${{{measure}}})",
        "label": "Percent of Total",
        "value_format": None,
        "value_format_name": "percent_1",
        "_kind_hint": "measure",
        "table_calculation": "percent_of_total",
        "_type_hint": "number",
    }
    return orjson.dumps([calculation]).decode()


def explore_url(model: str, view: str, query: dict, vis_text: str) -> str:
    """Build the explore URL of a query, with its config URL-encoded in it."""
    parts = [f"fields={','.join(query['fields'])}"]
    for name, value in (query["filters"] or {}).items():
        parts.append(f"f[{name}]={quote(value, safe='')}")
    parts.append(f"sorts={quote(','.join(query['sorts']), safe=',')}")
    parts.append(f"limit={query['limit']}&column_limit={query['column_limit']}")
    parts.append(f"vis={vis_text}")
    filter_config = orjson.dumps(query["filter_config"]).decode()
    parts.append(f"filter_config={quote(filter_config, safe='')}")
    if query["dynamic_fields"]:
        parts.append(f"dynamic_fields={quote(query['dynamic_fields'], safe='')}")
    return f"/explore/{model}/{view}?{'&'.join(parts)}"


def build_query(rng: random.Random, query_id: str, model: str, small: bool) -> dict:
    """Build one query with its visualization, in the API 4.0 key order."""
    view = rng.choice(words.VIEW_NAMES)
    fields = words.pick_fields(rng, view, 1 if small else rng.randrange(1, 7))
    filters, filter_config = filters_for(rng, view)
    vis_type = rng.choice(CARTESIAN_TYPES + OTHER_TYPES)
    share_id = words.slug(rng)
    limit = rng.choice(("500", "500", "50", "10", "5000"))
    visualization = vis_config(rng, vis_type, fields, small)
    calculations = dynamic_fields(rng, fields)
    timezone = rng.choice((None, None, *words.TIMEZONES))

    query = {
        "id": query_id,
        "view": view,
        "fields": fields,
        "pivots": None,
        "fill_fields": None,
        "filters": filters,
        "filter_expression": None,
        "sorts": [f"{fields[-1]} desc"],
        "limit": limit,
        "column_limit": "50",
        "total": None,
        "row_total": None,
        "subtotals": None,
        "vis_config": visualization,
        "filter_config": filter_config,
        "visible_ui_sections": None,
        "slug": query_id,
        "client_id": share_id,
        "share_url": f"{words.INSTANCE_URL}/x/{share_id}",
        "expanded_share_url": None,
        "url": None,
        "has_table_calculations": calculations not in (None, "[]"),
        "model": model,
        "dynamic_fields": calculations,
        "query_timezone": timezone,
        "quick_calcs": None,
        "analysis_config": None,
        "can": QUERY_CAN,
    }

    # Both URLs carry the same encoded config, so it is encoded once.
    vis_text = quote(orjson.dumps(query["vis_config"]).decode(), safe="")
    url = explore_url(model, view, query, vis_text)
    query["url"] = url
    query["expanded_share_url"] = f"{words.INSTANCE_URL}{url}&origin=share-expanded"
    return query
