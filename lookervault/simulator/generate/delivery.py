"""Scheduled plans and alerts: what Looker sends, to whom, and when."""

from __future__ import annotations

import random

from lookervault.simulator.generate import dashboards, words
from lookervault.simulator.generate.instance import GeneratedInstance, Index

PLAN_CAN = {"show": True}
ALERT_CRONS = ("0 5 * * *", "0 */1 * * *", "0 9 * * 1", "30 6 1 * *")
PLAN_CRONS = ("0 6 * * 1-5", "0 8 * * 1", "15 7 1 * *", "0 */4 * * *", "0 7 * * *")
FORMATS = ("wysiwyg_pdf", "csv_zip", "inline_json", "wysiwyg_png", "csv")

PLAN_FIELDS = (
    "name",
    "user_id",
    "enabled",
    "look_id",
    "dashboard_id",
    "crontab",
    "id",
    "created_at",
    "updated_at",
    "title",
)


def index_plans(instance: GeneratedInstance, rng: random.Random, count: int) -> Index:
    """Index scheduled plans, each sending one existing dashboard or look."""
    index = Index(PLAN_FIELDS)
    for position in range(count):
        kind = "dashboards" if rng.random() < 0.6 else "looks"
        if instance.count(kind) == 0:
            kind = "looks" if kind == "dashboards" else "dashboards"
        target = instance.pick(rng, kind)
        target_id = instance.key(kind, target)
        title = None if target is None else instance.value(kind, target, "title")
        created = words.random_epoch(rng)
        index.keys.append(str(position + 1))
        index.rows.append(
            (
                f"{title or 'Report'} ({rng.choice(('daily', 'weekly', 'monthly'))})",
                instance.key("users", instance.pick(rng, "users")),
                rng.random() < 0.9,
                target_id if kind == "looks" else None,
                target_id if kind == "dashboards" else None,
                rng.choice(PLAN_CRONS),
                str(position + 1),
                words.stamp(created),
                words.stamp(words.later_epoch(rng, created)),
                title,
            )
        )
    return index


def plan_body(instance: GeneratedInstance, position: int) -> dict:
    index = instance.indexes["scheduled_plans"]
    row = dict(zip(index.fields, index.rows[position], strict=True))
    rng = instance.rng_for("scheduled_plans", row["id"])
    destinations = [
        _destination(rng, row["id"], number) for number in range(rng.randrange(1, 5))
    ]
    # secret_parameters is write-only in API 4.0, so it never appears here.
    return {
        "name": row["name"],
        "user_id": row["user_id"],
        "run_as_recipient": False,
        "enabled": row["enabled"],
        "look_id": row["look_id"],
        "dashboard_id": row["dashboard_id"],
        "lookml_dashboard_id": None,
        "filters_string": rng.choice((None, "?Date=7%20days")),
        "dashboard_filters": None,
        "require_results": False,
        "require_no_results": False,
        "require_change": False,
        "send_all_results": False,
        "crontab": row["crontab"],
        "datagroup": None,
        "timezone": rng.choice(words.TIMEZONES),
        "scheduled_plan_destination": destinations,
        "run_once": False,
        "include_links": True,
        "custom_url_base": None,
        "custom_url_params": None,
        "custom_url_label": None,
        "show_custom_url": False,
        "pdf_paper_size": None,
        "pdf_landscape": False,
        "embed": False,
        "color_theme": None,
        "long_tables": False,
        "inline_table_width": None,
        "id": row["id"],
        "created_at": row["created_at"],
        "updated_at": row["updated_at"],
        "title": row["title"],
        "user": _public_user(instance, row["user_id"]),
        "next_run_at": None,
        "last_run_at": row["updated_at"],
        "can": PLAN_CAN,
    }


def _destination(rng: random.Random, plan_id: str, number: int) -> dict:
    first, last = words.person(rng)
    return {
        "id": str(int(plan_id) * 8 + number),
        "scheduled_plan_id": plan_id,
        "format": rng.choice(FORMATS),
        "apply_formatting": True,
        "apply_vis": True,
        "address": words.email(first, last, rng.randrange(1, 999)),
        "looker_recipient": rng.random() < 0.7,
        "type": "email",
        "parameters": None,
        "message": rng.choice((None, "Buenos días, aquí está el informe.")),
    }


def _public_user(instance: GeneratedInstance, user_id: str | None) -> dict | None:
    if user_id is None:
        return None
    position = int(user_id) - 1
    return {
        "can": {},
        "id": user_id,
        "first_name": instance.value("users", position, "first_name"),
        "last_name": instance.value("users", position, "last_name"),
        "display_name": instance.value("users", position, "display_name"),
        "avatar_url": None,
        "url": f"{words.INSTANCE_URL}/api/4.0/users/{user_id}",
    }


ALERT_FIELDS = (
    "comparison_type",
    "cron",
    "dashboard_element_id",
    "id",
    "is_disabled",
    "owner_id",
    "threshold",
)


def index_alerts(instance: GeneratedInstance, rng: random.Random, count: int) -> Index:
    """Index alerts, each watching a tile of a dashboard that has tiles."""
    index = Index(ALERT_FIELDS)
    tiles = instance.indexes["dashboards"].extra.get("tiles", [])
    with_tiles = [position for position, count in enumerate(tiles) if count]
    for position in range(count):
        element = None
        if with_tiles:
            dashboard = rng.choice(with_tiles)
            number = rng.randrange(tiles[dashboard])
            element = dashboards.element_id(dashboard, number)
        index.keys.append(str(position + 1))
        index.rows.append(
            (
                rng.choice(("GREATER_THAN", "LESS_THAN", "EQUAL_TO", "INCREASES_BY")),
                rng.choice(ALERT_CRONS),
                element,
                str(position + 1),
                rng.random() < 0.1,
                instance.key("users", instance.pick(rng, "users")),
                rng.choice((0, 10, 100, 2500.5, 1e6)),
            )
        )
    return index


def alert_body(instance: GeneratedInstance, position: int) -> dict:
    index = instance.indexes["alerts"]
    row = dict(zip(index.fields, index.rows[position], strict=True))
    rng = instance.rng_for("alerts", row["id"])
    view = rng.choice(words.VIEW_NAMES)
    measure = rng.choice(words.VIEWS[view][1])
    first, last = words.person(rng)
    owner = row["owner_id"]
    return {
        "applied_dashboard_filters": [],
        "comparison_type": row["comparison_type"],
        "cron": row["cron"],
        "custom_url_base": None,
        "custom_url_params": None,
        "custom_url_label": None,
        "show_custom_url": False,
        "custom_title": rng.choice((None, "⚠️ Revenue dropped")),
        "dashboard_element_id": row["dashboard_element_id"],
        "description": None,
        "destinations": [
            {
                "destination_type": "EMAIL",
                "email_address": words.email(first, last, position + 1),
                "action_hub_integration_id": None,
                "action_hub_form_params_json": None,
            }
        ],
        "field": {
            "title": measure.replace("_", " ").title(),
            "name": words.field_name(view, measure),
            "filter": [],
        },
        "followed": False,
        "followable": True,
        "id": row["id"],
        "is_disabled": row["is_disabled"],
        "disabled_reason": "Owner disabled" if row["is_disabled"] else None,
        "is_public": rng.random() < 0.5,
        "investigative_content_type": None,
        "investigative_content_id": None,
        "investigative_content_title": None,
        "lookml_dashboard_id": None,
        "lookml_link_id": None,
        "owner_id": owner,
        "owner_display_name": (
            None
            if owner is None
            else instance.value("users", int(owner) - 1, "display_name")
        ),
        "threshold": row["threshold"],
        "time_series_condition_state": None,
    }
