"""Listings: paging, sorting, field trimming, and the bodies they embed."""

from __future__ import annotations

import pytest
from simhelpers import TEST_COUNTS, sha256

PAGED = {
    "dashboards": "/dashboards/search",
    "looks": "/looks/search",
    "folders": "/folders/search",
    "boards": "/boards/search",
    "users": "/users",
    "groups": "/groups",
    "roles": "/roles/search",
    "permission_sets": "/permission_sets/search",
    "model_sets": "/model_sets/search",
    "alerts": "/alerts/search",
    "lookml_models": "/lookml_models",
}
FULL = {
    "folders": "/folders/search",
    "users": "/users",
    "groups": "/groups",
    "roles": "/roles/search",
    "permission_sets": "/permission_sets/search",
    "model_sets": "/model_sets/search",
    "user_attributes": "/user_attributes",
    "lookml_models": "/lookml_models",
}
EXTRA_PARAMS = {"alerts": {"all_owners": "true"}}


def id_field(type_name: str) -> str:
    return "name" if type_name == "lookml_models" else "id"


def page_through(client, type_name: str, sorts: str, limit: int = 7) -> list:
    """Read a listing page by page until a short page, as a backup would."""
    ids, offset = [], 0
    key = id_field(type_name)
    while True:
        page = client.get_json(
            PAGED[type_name],
            limit=limit,
            offset=offset,
            sorts=sorts,
            fields=key,
            **EXTRA_PARAMS.get(type_name, {}),
        )
        ids += [item[key] for item in page]
        if len(page) < limit:
            return ids
        offset += limit


@pytest.mark.parametrize("sorts", ["id", "id desc", "updated_at", "title"])
@pytest.mark.parametrize("type_name", sorted(PAGED))
def test_paging_covers_every_id_once(client, simulator, type_name, sorts):
    """Pages of 7 with any sort return each object exactly once."""
    expected = simulator.inventory()[type_name]

    ids = page_through(client, type_name, sorts)

    assert len(ids) == len(set(ids))
    assert sorted(ids) == sorted(expected)
    assert len(ids) == TEST_COUNTS[type_name]


def test_sort_by_id_is_numeric(client):
    """``sorts=id`` puts "10" after "9", and ``id desc`` reverses it."""
    ascending = [
        d["id"] for d in client.get_json("/dashboards/search", sorts="id", fields="id")
    ]
    descending = [
        d["id"]
        for d in client.get_json("/dashboards/search", sorts="id desc", fields="id")
    ]

    assert ascending == [str(n) for n in range(1, TEST_COUNTS["dashboards"] + 1)]
    assert descending == ascending[::-1]


def test_sort_by_title_and_updated_at(client):
    """Text sorts ignore case; timestamps sort chronologically."""
    by_title = client.get_json("/looks/search", sorts="title", fields="id,title")
    by_time = client.get_json(
        "/looks/search", sorts="updated_at desc", fields="id,updated_at"
    )

    titles = [look["title"].casefold() for look in by_title]
    stamps = [look["updated_at"] for look in by_time]
    assert titles == sorted(titles)
    assert stamps == sorted(stamps, reverse=True)


def test_limit_and_offset_slice_the_order(client):
    """offset skips, limit caps, and no limit means everything."""
    everything = client.get_json("/users", sorts="id", fields="id")
    page = client.get_json("/users", sorts="id", fields="id", limit=5, offset=3)

    assert len(everything) == TEST_COUNTS["users"]
    assert page == everything[3:8]


def test_fields_trims_to_requested_keys(client):
    """``fields`` keeps only those keys, in the order the object has them."""
    users = client.get_json("/users", fields="email,id,no_such_field", limit=3)
    dashboards = client.get_json("/dashboards/search", fields="id,title", limit=3)
    detail = client.get_json("/looks/1", fields="title,id")

    assert [list(user) for user in users] == [["email", "id"]] * 3
    assert all(sorted(d) == ["id", "title"] for d in dashboards)
    assert list(detail) == ["id", "title"]


def test_summary_listing_returns_a_subset(client):
    """Summary listings carry ids, titles, folders and times, not the content."""
    dashboard = client.get_json("/dashboards/search", limit=1)[0]
    look = client.get_json("/looks/search", limit=1)[0]

    for summary in (dashboard, look):
        assert {"id", "title", "folder_id", "updated_at", "user_id"} <= set(summary)
    assert "dashboard_elements" not in dashboard
    assert "query" not in look


@pytest.mark.parametrize("type_name", sorted(FULL))
def test_listing_without_fields_embeds_canonical_bodies(client, simulator, type_name):
    """Each element of a full listing is the detail body, byte for byte."""
    listing = client.get(FULL[type_name])
    recorded = simulator.record()["objects"][type_name]
    ids = [str(item[id_field(type_name)]) for item in listing.json()]
    collection = FULL[type_name].split("/")[1]
    details = [client.get(f"/{collection}/{object_id}") for object_id in ids]

    assert listing.status_code == 200
    assert len(ids) == TEST_COUNTS[type_name]
    assert [detail.status_code for detail in details] == [200] * len(ids)
    bodies = [detail.content for detail in details]
    assert listing.content == b"[" + b",".join(bodies) + b"]"
    assert sorted(recorded) == sorted(ids)
    for object_id, body in zip(ids, bodies, strict=True):
        assert recorded[object_id] == {
            "path": f"/api/4.0{FULL[type_name]}",
            "sha256": sha256(body),
        }


def test_summary_and_trimmed_listings_are_not_recorded(client, simulator):
    """Only full bodies count as served objects."""
    client.get_json("/dashboards/search")
    client.get_json("/users", fields="id")
    client.get_json("/looks/1", fields="id")

    record = simulator.record()

    assert record["objects"] == {}
    assert record["requests"]["/api/4.0/dashboards/search"] == 1
    assert record["statuses"] == {"200": 4}  # the login counts too


def test_unpaged_listings_ignore_limit(client):
    """user_attributes and scheduled_plans return everything, whatever the limit."""
    attributes = client.get_json("/user_attributes", limit=2, offset=1)
    plans = client.get_json("/scheduled_plans", all_users="true", limit=2)

    assert len(attributes) == TEST_COUNTS["user_attributes"]
    assert len(plans) == TEST_COUNTS["scheduled_plans"]


def test_plans_and_alerts_default_to_own(client):
    """Without all_users / all_owners only the API user's objects are listed."""
    everyone = client.get_json("/scheduled_plans", all_users="true")
    mine = client.get_json("/scheduled_plans")
    alerts = client.get_json("/alerts/search")

    assert [plan for plan in everyone if plan["user_id"] == "1"] == mine
    assert all(alert["owner_id"] == "1" for alert in alerts)


def test_group_values_are_a_type_of_their_own(client, simulator):
    """Group values are recorded as user_attribute_group_values, by attribute id."""
    response = client.get("/user_attributes/11/group_values")

    record = simulator.record()["objects"]
    assert response.status_code == 200
    assert isinstance(response.json(), list)
    assert record["user_attribute_group_values"]["11"]["sha256"] == sha256(
        response.content
    )
    assert "user_attributes" not in record


def test_lookml_models_are_found_by_name(client):
    """A model's id is its name."""
    name = client.get_json("/lookml_models", limit=1, fields="name")[0]["name"]

    model = client.get_json(f"/lookml_models/{name}")

    assert model["name"] == name
    assert all("name" in explore for explore in model["explores"])


@pytest.mark.parametrize(
    "path",
    ["/dashboards/999", "/no_such_thing", "/dashboards/1/nothing", "/looks/search/x"],
)
def test_unknown_path_or_id_is_404(client, path):
    """Unknown routes and ids get Looker's 404 body."""
    response = client.get(path)

    assert response.status_code == 404
    assert response.json()["message"] == "Not found"


def test_invalid_limit_is_400(client):
    """A limit that is not a number is rejected, naming the parameter."""
    response = client.get("/users", limit="ten")

    assert response.status_code == 400
    assert "limit" in response.json()["message"]


def test_deprecated_page_parameters_still_page(client):
    """``page``/``per_page`` page like offset/limit when limit is absent."""
    paged = client.get_json("/users", sorts="id", fields="id", page=2, per_page=4)
    sliced = client.get_json("/users", sorts="id", fields="id", offset=4, limit=4)

    assert paged == sliced
