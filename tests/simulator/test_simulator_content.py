"""Generated content: reproducible bytes, real shapes, real sizes."""

from __future__ import annotations

import re
import statistics
import time

import orjson
import pytest
from simhelpers import START_TIMEOUT_S, TEST_COUNTS, Client, make_config, sha256

from lookervault.simulator import (
    InvalidSimulatorConfig,
    SimulatorConfig,
    SimulatorProcess,
)
from lookervault.simulator.generate import GeneratedContent, generate

ISO_8601 = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000\+00:00$")
DETAIL_PATHS = {
    "dashboards": "/dashboards/{}",
    "looks": "/looks/{}",
    "boards": "/boards/{}",
    "scheduled_plans": "/scheduled_plans/{}",
    "alerts": "/alerts/{}",
    "users": "/users/{}",
    "roles": "/roles/{}",
    "user_attribute_group_values": "/user_attributes/{}/group_values",
    "lookml_models": "/lookml_models/{}",
}


def fetch_all(simulator: SimulatorProcess) -> dict[str, dict[str, str]]:
    """Fetch every object of DETAIL_PATHS' types; return type -> id -> sha256."""
    client = Client(simulator.base_url)
    inventory = simulator.inventory()
    digests = {}
    for type_name, path in DETAIL_PATHS.items():
        digests[type_name] = {
            object_id: sha256(client.get(path.format(object_id)).content)
            for object_id in inventory[type_name]
        }
    return digests


def test_same_seed_gives_identical_bytes_across_processes():
    """Two processes with one seed serve the same bytes; another seed does not."""
    digests, records = [], []
    for seed in (7, 7, 8):
        config = make_config(seed=seed)
        with SimulatorProcess(config).start(timeout=START_TIMEOUT_S) as simulator:
            digests.append(fetch_all(simulator))
            records.append(simulator.record()["objects"])

    first, second, other_seed = digests
    assert first == second
    assert first["dashboards"] != other_seed["dashboards"]
    assert first["looks"] != other_seed["looks"]
    assert first["users"] != other_seed["users"]
    recorded = {
        object_id: entry["sha256"] for object_id, entry in records[0]["looks"].items()
    }
    assert recorded == first["looks"]


def test_bodies_do_not_depend_on_request_order():
    """An object's bytes are the same whether it is built first or last."""
    counts = {"dashboards": 5, "looks": 5, "users": 5, "folders": 5}
    forward, _ = generate(3, counts, False, "id")
    backward, _ = generate(3, counts, False, "id")

    first = [forward["dashboards"].render(i) for i in range(5)]
    last = [backward["dashboards"].render(i) for i in reversed(range(5))]

    assert first == last[::-1]


def test_sizes_match_real_exports():
    """Median dashboard 100-180 KB and median look 8-20 KB of compact JSON."""
    config = make_config(
        counts={
            "dashboards": 151,
            "looks": 151,
            "folders": 10,
            "users": 10,
            "lookml_models": 5,
        }
    )
    with SimulatorProcess(config).start(timeout=START_TIMEOUT_S) as simulator:
        client = Client(simulator.base_url)
        dashboards = [client.get(f"/dashboards/{n}").content for n in range(1, 152)]
        looks = [client.get(f"/looks/{n}").content for n in range(1, 152)]

    tiles = [len(orjson.loads(body)["dashboard_elements"]) for body in dashboards]
    assert 100_000 <= statistics.median(map(len, dashboards)) <= 180_000
    assert 8_000 <= statistics.median(map(len, looks)) <= 20_000
    assert 5 <= statistics.median(tiles) <= 7
    assert max(tiles) <= 41
    assert all(b"\n" not in body for body in dashboards)
    assert all(b'": ' not in body for body in dashboards)


def test_small_option_keeps_bodies_tiny():
    """``small`` keeps dashboards and looks to a few KB for scale tests."""
    tables, _ = generate(
        1, {"dashboards": 50, "looks": 50, "folders": 5, "users": 5}, True, "id"
    )

    dashboards = [len(tables["dashboards"].render(i)) for i in range(50)]
    looks = [len(tables["looks"].render(i)) for i in range(50)]

    assert statistics.median(dashboards) < 10_000
    assert statistics.median(looks) < 6_000


def test_dashboard_tiles_sets_the_dashboard_size():
    """Two tiles at the median make the lighter dashboards of the benchmarks:
    about 50 KB at the median, 58 KB on average."""
    content = GeneratedContent(
        1, {"dashboards": 151, "folders": 5, "users": 5}, False, "id", 2
    )
    dashboards = [content.tables["dashboards"].render(i) for i in range(151)]

    tiles = [len(orjson.loads(body)["dashboard_elements"]) for body in dashboards]
    assert statistics.median(tiles) == 2
    assert 40_000 <= statistics.median(map(len, dashboards)) <= 65_000
    assert 45_000 <= statistics.mean(map(len, dashboards)) <= 75_000


def test_dashboard_tiles_out_of_range_is_refused():
    with pytest.raises(InvalidSimulatorConfig, match="dashboard_tiles must be 1-41"):
        SimulatorConfig(dashboard_tiles=0.5).validate()


def test_large_small_instance_indexes_in_seconds():
    """100,000 small objects are indexed without building their bodies."""
    counts = {
        "dashboards": 40_000,
        "looks": 40_000,
        "users": 10_000,
        "folders": 5_000,
        "scheduled_plans": 5_000,
    }
    started = time.perf_counter()

    tables, _ = generate(1, counts, True, "id")

    assert sum(len(table) for table in tables.values()) >= 100_000
    assert time.perf_counter() - started < 20


def test_bodies_have_real_shapes(client, simulator):
    """Timestamps, string-encoded JSON, nulls, non-ASCII titles, string ids."""
    dashboards = [client.get_json(f"/dashboards/{n}") for n in (1, 2, 4, 5, 6)]
    titles = [d["title"] for d in client.get_json("/dashboards/search")]
    titles += [d["title"] for d in client.get_json("/looks/search")]
    elements = [e for d in dashboards for e in d["dashboard_elements"]]

    assert all(ISO_8601.match(d["created_at"]) for d in dashboards)
    assert all(isinstance(d["id"], str) for d in dashboards)
    assert any(not title.isascii() for title in titles)
    assert all(d["deleted_at"] is None for d in dashboards)
    queries = [e["query"] for e in elements if e["query"]]
    assert queries
    assert all(isinstance(q["vis_config"], dict) for q in queries)
    dynamic = [q["dynamic_fields"] for q in queries if q["dynamic_fields"]]
    assert all(isinstance(orjson.loads(text), list) for text in dynamic)
    rich = [e["rich_content_json"] for e in elements if e["rich_content_json"]]
    assert all(isinstance(orjson.loads(text), (dict, list)) for text in rich)
    layout = dashboards[0]["dashboard_layouts"][0]
    assert len(layout["dashboard_layout_components"]) == len(
        dashboards[0]["dashboard_elements"]
    )


def test_objects_refer_to_existing_objects(client, simulator):
    """folder_id, user_id, group_ids and plan targets name real objects."""
    inventory = simulator.inventory()
    looks = client.get_json("/looks/search", fields="folder_id,user_id")
    users = client.get_json("/users")
    plans = client.get_json("/scheduled_plans", all_users="true")
    roles = client.get_json("/roles/search")

    assert {look["folder_id"] for look in looks} <= set(inventory["folders"])
    assert {look["user_id"] for look in looks} <= set(inventory["users"])
    group_ids = {g for user in users for g in user["group_ids"]}
    assert group_ids <= set(inventory["groups"])
    for plan in plans:
        assert (
            plan["dashboard_id"] in inventory["dashboards"]
            or plan["look_id"] in inventory["looks"]
        )
    assert all(
        role["permission_set"]["id"] in inventory["permission_sets"] for role in roles
    )


def test_inventory_lists_every_object(simulator):
    """The inventory names every object, including ones never requested."""
    inventory = simulator.inventory()

    for type_name, count in TEST_COUNTS.items():
        assert len(inventory[type_name]) == count
    assert inventory["user_attribute_group_values"] == inventory["user_attributes"]
