"""The Looker content types this tool backs up, and the API 4.0 endpoints for each.

One table, so that the planner, the workers, the simulator and the docs agree on
what a content type is.  Two ways to obtain a full object exist in Looker:

* *listed*: the paged or unpaged listing already returns every field of the
  object (folders, users, groups ...), so the listing is the content and each
  element of the returned array is stored byte for byte;
* *fetched*: the listing is a summary (``fields=id,updated_at``) and each object
  is read from its own detail endpoint (dashboards, looks, boards ...).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class ContentType:
    """One kind of Looker content and how to list and read it."""

    name: str
    list_path: str
    paged: bool
    detail_path: str | None = None
    id_field: str = "id"
    list_params: dict[str, str] = field(default_factory=dict)
    # Fields asked of a summary listing; None means the listing is the content.
    summary_fields: tuple[str, ...] | None = None
    # A type whose ids come from another type's listing (group values per
    # user attribute) names that type here and has no listing of its own.
    parent: str | None = None
    # The JSON type of one full object: dict, or list for group values.
    body_type: type = dict

    @property
    def listed(self) -> bool:
        """True when the listing itself returns complete objects."""
        return self.detail_path is None

    def detail_url_path(self, object_id: str) -> str:
        """Return the API path of one object's full body."""
        return self.detail_path.format(id=object_id)


_SUMMARY = ("id", "updated_at")

CONTENT_TYPES: tuple[ContentType, ...] = (
    ContentType(
        "dashboards",
        "/dashboards/search",
        paged=True,
        detail_path="/dashboards/{id}",
        summary_fields=_SUMMARY,
    ),
    ContentType(
        "looks",
        "/looks/search",
        paged=True,
        detail_path="/looks/{id}",
        summary_fields=_SUMMARY,
    ),
    ContentType("folders", "/folders/search", paged=True),
    ContentType(
        "boards",
        "/boards/search",
        paged=True,
        detail_path="/boards/{id}",
        summary_fields=_SUMMARY,
    ),
    ContentType("users", "/users", paged=True),
    ContentType("groups", "/groups", paged=True),
    ContentType("roles", "/roles/search", paged=True),
    ContentType("permission_sets", "/permission_sets/search", paged=True),
    ContentType("model_sets", "/model_sets/search", paged=True),
    ContentType("user_attributes", "/user_attributes", paged=False),
    ContentType(
        "user_attribute_group_values",
        "",
        paged=False,
        detail_path="/user_attributes/{id}/group_values",
        parent="user_attributes",
        body_type=list,
    ),
    ContentType(
        "scheduled_plans",
        "/scheduled_plans",
        paged=False,
        detail_path="/scheduled_plans/{id}",
        list_params={"all_users": "true"},
        # Scheduled plans have no updated_at in API 4.0.
        summary_fields=("id",),
    ),
    ContentType(
        "alerts",
        "/alerts/search",
        paged=True,
        detail_path="/alerts/{id}",
        list_params={"all_owners": "true"},
        summary_fields=("id",),
    ),
    ContentType("lookml_models", "/lookml_models", paged=True, id_field="name"),
)

BY_NAME: dict[str, ContentType] = {t.name: t for t in CONTENT_TYPES}
TYPE_NAMES: tuple[str, ...] = tuple(BY_NAME)
