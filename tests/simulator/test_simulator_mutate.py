"""Content that changes between backups: edits, silent edits, deletes, adds."""

from __future__ import annotations

import pytest
from simhelpers import START_TIMEOUT_S, Client, make_config, sha256

from lookervault.catalog import BY_NAME, TYPE_NAMES
from lookervault.simulator import SimulatorProcess
from lookervault.simulator.generate import DEPENDENT_TYPES

SUMMARY = {"fields": "id,title,updated_at", "sorts": "id"}


@pytest.fixture
def changing():
    """A simulator of its own, because mutations last until it stops."""
    config = make_config()
    with SimulatorProcess(config).start(timeout=START_TIMEOUT_S) as simulator:
        yield simulator, Client(simulator.base_url)


def summaries(client: Client) -> dict[str, dict]:
    listing = client.get_json("/dashboards/search", **SUMMARY)
    return {item["id"]: item for item in listing}


def full_body(client: Client, type_name: str, object_id: str) -> object:
    """Return an object's full body from its detail path or its listing."""
    content_type = BY_NAME[type_name]
    if content_type.detail_path is not None:
        return client.get_json(content_type.detail_url_path(object_id))
    listing = client.get_json(content_type.list_path, **content_type.list_params)
    for item in listing:
        if str(item[content_type.id_field]) == object_id:
            return item
    raise AssertionError(f"{type_name} {object_id} is not in its listing")


def test_edit_changes_body_and_moves_updated_at(changing):
    """An edit changes title and updated_at in detail, listing and record."""
    simulator, client = changing
    before = client.get_json("/dashboards/4")
    neighbour_before = client.get("/dashboards/5").content
    listed_before = summaries(client)

    answer = simulator.mutate(edit=[("dashboards", "4")])
    response = client.get("/dashboards/4")
    after = response.json()
    listed_after = summaries(client)
    record = simulator.record()

    assert answer["edited"] == {"dashboards": ["4"]}
    assert after["title"] == f"{before['title']} (edit 1)"
    assert after["updated_at"] > before["updated_at"]
    assert listed_after["4"]["title"] == after["title"]
    assert listed_after["4"]["updated_at"] == after["updated_at"]
    assert listed_after["5"] == listed_before["5"]
    assert record["objects"]["dashboards"]["4"]["sha256"] == sha256(response.content)
    assert client.get("/dashboards/5").content == neighbour_before


def test_edit_silent_keeps_updated_at(changing):
    """A silent edit changes a tile but not updated_at, here or in listings."""
    simulator, client = changing
    dashboard_id = next(
        key
        for key in simulator.inventory()["dashboards"]
        if client.get_json(f"/dashboards/{key}")["dashboard_elements"]
    )
    before = client.get(f"/dashboards/{dashboard_id}")
    listed_before = summaries(client)[dashboard_id]

    answer = simulator.mutate(edit_silent=[("dashboards", dashboard_id)])
    after = client.get(f"/dashboards/{dashboard_id}")
    tile_before = before.json()["dashboard_elements"][0]["title"]
    tile_after = after.json()["dashboard_elements"][0]["title"]

    assert answer["edited_silent"] == {"dashboards": [dashboard_id]}
    assert after.content != before.content
    expected_tile = f"{tile_before} (edit 1)" if tile_before else "(edit 1)"
    assert tile_after == expected_tile
    assert after.json()["updated_at"] == before.json()["updated_at"]
    assert after.json()["title"] == before.json()["title"]
    assert summaries(client)[dashboard_id] == listed_before
    record = simulator.record()["objects"]["dashboards"][dashboard_id]
    assert record["sha256"] == sha256(after.content)


def test_delete_removes_object_everywhere(changing):
    """A deleted object leaves listings and inventory; its detail is 404."""
    simulator, client = changing

    answer = simulator.mutate(
        delete=[("dashboards", "3"), ("folders", "5"), ("user_attributes", "12")]
    )
    inventory = simulator.inventory()
    folder_ids = [f["id"] for f in client.get_json("/folders/search", limit=1000)]

    assert answer["deleted"] == {
        "dashboards": ["3"],
        "folders": ["5"],
        "user_attributes": ["12"],
        "user_attribute_group_values": ["12"],
    }
    assert client.get("/dashboards/3").status_code == 404
    assert "3" not in summaries(client)
    assert "4" in summaries(client)
    assert "5" not in folder_ids
    assert client.get("/user_attributes/12/group_values").status_code == 404
    assert "3" not in inventory["dashboards"]
    assert "12" not in inventory["user_attribute_group_values"]
    assert len(inventory["dashboards"]) == 22


def test_add_creates_ids_after_existing(changing):
    """New objects get ids past every id ever used, and the same content."""
    simulator, client = changing
    simulator.mutate(delete=[("dashboards", "23")])

    answer = simulator.mutate(add={"dashboards": 2, "users": 1})
    new_ids = answer["added"]["dashboards"]
    bodies = [client.get_json(f"/dashboards/{key}") for key in new_ids]
    with SimulatorProcess(make_config()).start(timeout=START_TIMEOUT_S) as twin:
        twin.mutate(delete=[("dashboards", "23")])
        twin_ids = twin.mutate(add={"dashboards": 2, "users": 1})["added"]
        twin_body = Client(twin.base_url).get_json(f"/dashboards/{new_ids[0]}")

    assert new_ids == ["24", "25"]
    assert answer["added"]["users"] == ["30"]
    assert twin_ids == answer["added"]
    assert simulator.inventory()["dashboards"][-2:] == new_ids
    assert list(summaries(client))[-2:] == new_ids
    assert bodies[0]["created_at"] == bodies[0]["updated_at"]
    assert bodies[0]["id"] == "24"
    stamps = ("created_at", "updated_at", "last_accessed_at")
    assert {k: v for k, v in twin_body.items() if k not in stamps} == {
        k: v for k, v in bodies[0].items() if k not in stamps
    }
    assert "30" in [user["id"] for user in client.get_json("/users")]


def test_mutate_reaches_every_generated_type(changing):
    """Edit, delete and add work for each content type the simulator serves."""
    simulator, client = changing
    for type_name in TYPE_NAMES:
        ids = simulator.inventory()[type_name]
        # System user attributes have no group values to edit.
        edited = next(key for key in ids if full_body(client, type_name, key))
        before = full_body(client, type_name, edited)

        simulator.mutate(edit=[(type_name, edited)], delete=[(type_name, ids[-1])])
        after = full_body(client, type_name, edited)
        inventory = simulator.inventory()[type_name]

        assert after != before, type_name
        if isinstance(before, dict) and "updated_at" in before:
            assert after["updated_at"] > before["updated_at"], type_name
        assert ids[-1] not in inventory, type_name
        if type_name not in DEPENDENT_TYPES:
            added = simulator.mutate(add={type_name: 1})["added"][type_name]
            assert full_body(client, type_name, added[0]), type_name


def test_mutate_rejects_unknown_object_and_changes_nothing(changing):
    """An unknown id fails the whole request, which changes nothing."""
    simulator, client = changing
    before = client.get("/dashboards/1").content

    with pytest.raises(RuntimeError, match="dashboards 999 not found"):
        simulator.mutate(edit=[("dashboards", "1")], delete=[("dashboards", "999")])
    with pytest.raises(RuntimeError, match="unknown content type 'widgets'"):
        simulator.mutate(add={"widgets": 1})

    assert client.get("/dashboards/1").content == before
    assert len(simulator.inventory()["dashboards"]) == 23


def test_mutate_export_directory_edits_and_deletes(tmp_path):
    """Export files can be edited and deleted; adding needs generated content."""
    (tmp_path / "Dashboard_7_Sales.json").write_text(
        '{"id": 7, "title": "Sales", "updated_at": "2019-03-01 10:00:00 UTC",'
        ' "dashboard_elements": []}\n'
    )
    (tmp_path / "Look_12_Orders.json").write_text(
        '{"id": "12", "title": "Orders", "query_id": "1", "query": {}}'
    )
    config = make_config(from_dir=str(tmp_path))
    with SimulatorProcess(config).start(timeout=START_TIMEOUT_S) as simulator:
        client = Client(simulator.base_url)
        simulator.mutate(edit=[("dashboards", "7")], delete=[("looks", "12")])
        dashboard = client.get_json("/dashboards/7")
        listed = client.get_json("/dashboards/search", fields="id,updated_at")
        look = client.get("/looks/12")
        with pytest.raises(RuntimeError, match="generated content"):
            simulator.mutate(add={"dashboards": 1})

    assert dashboard["title"] == "Sales (edit 1)"
    assert dashboard["updated_at"] > "2019-03-01 10:00:00 UTC"
    assert dashboard["updated_at"].endswith(" UTC")
    assert listed == [{"id": 7, "updated_at": dashboard["updated_at"]}]
    assert look.status_code == 404
