"""Vocabulary and small value helpers shared by the content generators.

Every helper takes an explicit ``random.Random`` so that the caller decides the
stream and the output stays reproducible across processes.
"""

from __future__ import annotations

import random
import string
import time

# The generated instance pretends to live here; bodies never contain the
# simulator's own address, so they stay byte-identical whatever port it uses.
INSTANCE_URL = "https://looker.example.com"

# Creation times fall between 2018-01-01 and 2025-06-30 (UTC, epoch seconds).
EPOCH_START = 1514764800
EPOCH_END = 1751241600

_SLUG_ALPHABET = string.ascii_letters + string.digits

TITLE_SUBJECTS = (
    "Sales",
    "Revenue",
    "Orders",
    "Inventory",
    "Web Traffic",
    "Campaign",
    "Customer",
    "Churn",
    "Support Tickets",
    "Pipeline",
    "Marketing",
    "Finance",
    "Product Usage",
    "Retention",
    "Fulfilment",
    "Returns",
    "Margin",
    "Forecast",
    "Ventas",
    "Campaña de Año Nuevo",
    "Análisis de Márgenes",
    "Résumé trimestriel",
    "売上",
    "在庫レポート",
    "日本語ダッシュボード",
    "Zürich Stores",
)
TITLE_KINDS = (
    "Overview",
    "KPIs",
    "by Region",
    "by Channel",
    "Weekly",
    "Monthly Trend",
    "Deep Dive",
    "Executive Summary",
    "Daily Health",
    "Scorecard",
    "Detail",
    "YoY Comparison",
    "Cohorts",
    "Funnel",
    "Top 10",
    "Drilldown",
)
TITLE_DECORATIONS = (
    "📊 {}",
    "{} 🚀",
    "{} (copy)",
    "{} - v2",
    '"{}"',
    "{} #2",
    "{} <draft>",
    "{} / EMEA",
    "[OLD] {}",
    "{}   ",
)

FIRST_NAMES = (
    "Ana",
    "Bruno",
    "Chloé",
    "Dmitri",
    "Elena",
    "Farid",
    "Grace",
    "Hiroshi",
    "Inés",
    "Jonas",
    "Kwame",
    "Léa",
    "Mateo",
    "Nadia",
    "Oskar",
    "Priya",
    "Quentin",
    "Rosa",
    "Søren",
    "Tomás",
    "Uma",
    "Víctor",
    "Wen",
    "Yuki",
    "Zoë",
    "Łukasz",
    "José",
    "Ngozi",
    "Aroha",
    "Björn",
)
LAST_NAMES = (
    "Abara",
    "Becker",
    "Castillo",
    "Dubois",
    "Eriksen",
    "Fujita",
    "García",
    "Hansen",
    "Ibáñez",
    "Jovanović",
    "Kowalski",
    "Lindqvist",
    "Moreau",
    "Núñez",
    "O'Neill",
    "Petrov",
    "Quispe",
    "Rossi",
    "Sato",
    "Tanaka",
    "Urrutia",
    "Vasquez",
    "Wójcik",
    "Xu",
    "Yilmaz",
    "Zimmermann",
    "Nguyễn",
    "Müller",
)

MODEL_NAMES = (
    "ecommerce",
    "web_analytics",
    "finance",
    "marketing",
    "support_desk",
    "sales_pipeline",
    "supply_chain",
    "product_usage",
    "people_ops",
    "adwords",
    "retail_stores",
    "subscriptions",
)

# Views and the fields a query picks from them: (dimensions, measures).
VIEWS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "orders": (
        (
            "created_date",
            "created_week",
            "created_month",
            "created_year",
            "status",
            "id",
            "channel",
        ),
        ("count", "total_revenue", "average_order_value", "count_distinct_users"),
    ),
    "order_items": (
        (
            "created_date",
            "created_month_name",
            "returned_date",
            "status",
            "sale_price_tier",
        ),
        ("count", "total_sale_price", "total_gross_margin", "average_sale_price"),
    ),
    "users": (
        (
            "state",
            "country",
            "city",
            "age_tier",
            "gender",
            "traffic_source",
            "created_month",
        ),
        ("count", "average_lifetime_orders", "count_repeat_customers"),
    ),
    "products": (
        ("category", "brand", "department", "sku", "name"),
        ("count", "average_retail_price"),
    ),
    "inventory_items": (
        (
            "product_category",
            "product_brand",
            "product_department",
            "created_date",
            "sold_date",
        ),
        ("count", "total_cost", "number_on_hand"),
    ),
    "sessions": (
        (
            "session_start_date",
            "landing_page",
            "device_type",
            "browser",
            "referrer_medium",
        ),
        ("count", "bounce_rate", "average_duration_seconds", "conversion_rate"),
    ),
    "page_views": (
        (
            "page_view_start_date",
            "page_urlpath",
            "page_title",
            "geo_country",
            "marketing_channel",
        ),
        ("row_count", "unique_visitors", "average_time_engaged"),
    ),
    "tickets": (
        ("created_date", "priority", "status", "assignee", "queue"),
        ("count", "median_first_reply_hours", "satisfaction_score"),
    ),
    "opportunities": (
        ("close_date", "stage", "region", "owner_name", "product_line"),
        ("count", "total_amount", "win_rate"),
    ),
}
VIEW_NAMES = tuple(VIEWS)

COLORS = (
    "#1A73E8",
    "#12B5CB",
    "#E52592",
    "#E8710A",
    "#F9AB00",
    "#7CB342",
    "#9334E6",
    "#80868B",
    "#079c98",
    "#A8A116",
    "#EA4335",
    "#FF8168",
    "#4285F4",
    "#34A853",
    "#FBBC04",
    "#3EB0D5",
    "#B1399E",
    "#C2DD67",
)
TIMEZONES = (
    "America/Los_Angeles",
    "America/New_York",
    "Europe/Madrid",
    "Europe/Berlin",
    "Asia/Tokyo",
    "Australia/Sydney",
    "UTC",
)
LOCALES = ("en", "en", "en", "es_ES", "fr", "de", "ja", "pt_BR")


def stamp(seconds: int) -> str:
    """Format epoch seconds as the API 4.0 sends times: ISO 8601, UTC, millis."""
    return time.strftime("%Y-%m-%dT%H:%M:%S.000+00:00", time.gmtime(seconds))


def random_epoch(rng: random.Random) -> int:
    return rng.randrange(EPOCH_START, EPOCH_END)


def later_epoch(rng: random.Random, after: int) -> int:
    """Pick a moment after ``after`` and before the end of the simulated era."""
    return after + int((EPOCH_END - after) * rng.random() ** 3)


def slug(rng: random.Random, length: int = 22) -> str:
    return "".join(rng.choices(_SLUG_ALPHABET, k=length))


def title(rng: random.Random) -> str:
    """Build a content title: mostly plain, sometimes accented, CJK or decorated."""
    text = f"{rng.choice(TITLE_SUBJECTS)} {rng.choice(TITLE_KINDS)}"
    if rng.random() < 0.15:
        text = rng.choice(TITLE_DECORATIONS).format(text)
    return text


def person(rng: random.Random) -> tuple[str, str]:
    return rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)


def email(first: str, last: str, number: int) -> str:
    """Build an ASCII address: accents and apostrophes are dropped."""
    local = (first + "." + last).lower().replace(" ", "").replace("'", "")
    local = local.encode("ascii", "ignore").decode()
    return f"{local}{number}@example.com"


def field_name(view: str, name: str) -> str:
    return f"{view}.{name}"


def pick_fields(rng: random.Random, view: str, count: int) -> list[str]:
    """Choose ``count`` fields of ``view``: dimensions first, then measures."""
    dimensions, measures = VIEWS[view]
    measure_count = max(1, count // 3)
    chosen = rng.sample(dimensions, min(count - measure_count, len(dimensions)))
    chosen += rng.sample(measures, min(measure_count, len(measures)))
    return [field_name(view, name) for name in chosen]
