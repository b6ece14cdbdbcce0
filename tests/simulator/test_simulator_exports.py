"""Serving a directory of gzr exports exactly as the files are."""

from __future__ import annotations

import json
import logging

import pytest
from simhelpers import START_TIMEOUT_S, Client, make_config, sha256

from lookervault.simulator import SimulatorProcess
from lookervault.simulator.exports import load_exports


def pretty(document: dict) -> bytes:
    """Format like gzr: two-space indents, non-ASCII kept, a final newline."""
    return (json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode()


DASHBOARD = {
    "id": 7,
    "title": "Ventas por región ñ",
    "user_id": 3,
    "space_id": 12,
    "updated_at": "2019-03-01 10:00:00 UTC",
    "dashboard_elements": [{"id": 70, "type": "text", "body_text": "<b>hi</b>"}],
}
LOOK = {
    "id": "12",
    "title": "Daily orders",
    "folder_id": "1",
    "updated_at": "2024-02-22 01:24:03 UTC",
    "query_id": "NWCx4wr",
    "query": {"model": "ecommerce", "view": "orders"},
}
FOLDER = {"name": "Shared", "parent_id": None, "id": "1", "child_count": 2}
SPACE_TWIN = {"name": "Shared (API 3.1)", "parent_id": None, "id": 1}
SPACE_ONLY = {"name": "Team", "parent_id": 1, "id": 5}
UNNAMED_DASHBOARD = {"id": 3095, "title": "Old demo", "dashboard_elements": []}
UNNAMED_LOOK = {"id": 44, "title": "Old look", "query_id": 9, "query": {}}


@pytest.fixture
def export_dir(tmp_path):
    """A small export tree: gzr names, a Space_ twin, unnamed and bad files."""
    files = {
        "Dashboard_7_Ventas por región ñ.json": pretty(DASHBOARD),
        "Look_12_Daily orders.json": pretty(LOOK),
        "Folder_1_Shared.json": pretty(FOLDER),
        "Space_1_Shared.json": pretty(SPACE_TWIN),
        "team/Space_5_Team.json": json.dumps(SPACE_ONLY).encode(),
        "team/3095.json": pretty(UNNAMED_DASHBOARD),
        "team/44.json": pretty(UNNAMED_LOOK),
        "notes.json": b'{"id": 1, "text": "not Looker content"}',
        "broken.json": b'{"id": 2,',
        "README.txt": b"not JSON",
    }
    for name, data in files.items():
        path = tmp_path / name
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(data)
    return tmp_path


@pytest.fixture
def export_simulator(export_dir):
    config = make_config(from_dir=str(export_dir))
    with SimulatorProcess(config).start(timeout=START_TIMEOUT_S) as simulator:
        yield simulator


def test_detail_is_the_file_unchanged(export_simulator, export_dir):
    """A detail body is the file's bytes, pretty-printing and all."""
    client = Client(export_simulator.base_url)
    expected = (export_dir / "Dashboard_7_Ventas por región ñ.json").read_bytes()

    response = client.get("/dashboards/7")

    assert response.status_code == 200
    assert response.content == expected
    record = export_simulator.record()["objects"]["dashboards"]["7"]
    assert record["sha256"] == sha256(expected)


def test_integer_and_slug_ids_are_routed(export_simulator):
    """Integer ids in 3.x exports route as their decimal string."""
    client = Client(export_simulator.base_url)

    assert client.get("/dashboards/3095").status_code == 200
    assert client.get("/looks/44").status_code == 200
    assert client.get("/looks/12").status_code == 200
    assert client.get("/dashboards/12").status_code == 404


def test_inventory_lists_classified_files(export_simulator):
    """Named and content-classified files are served; others are not."""
    inventory = export_simulator.inventory()

    assert inventory["dashboards"] == ["7", "3095"]
    assert inventory["looks"] == ["12", "44"]
    assert inventory["folders"] == ["1", "5"]
    assert inventory["users"] == []


def test_summaries_come_from_the_files(export_simulator):
    """Listing summaries keep values as they are in each file."""
    client = Client(export_simulator.base_url)

    dashboards = client.get_json("/dashboards/search", sorts="id")
    looks = client.get_json("/looks/search", fields="id,updated_at")

    assert dashboards[0] == {
        "id": 7,
        "title": "Ventas por región ñ",
        "user_id": 3,
        "space_id": 12,
        "updated_at": "2019-03-01 10:00:00 UTC",
    }
    assert dashboards[1]["id"] == 3095
    assert looks[0] == {"id": "12", "updated_at": "2024-02-22 01:24:03 UTC"}


def test_folder_listing_embeds_file_bytes(export_simulator, export_dir):
    """A full listing joins the files' own bytes and stays valid JSON."""
    client = Client(export_simulator.base_url)
    folder = (export_dir / "Folder_1_Shared.json").read_bytes()
    space = (export_dir / "team" / "Space_5_Team.json").read_bytes()

    response = client.get("/folders/search")

    assert response.content == b"[" + folder + b"," + space + b"]"
    assert [item["name"] for item in response.json()] == ["Shared", "Team"]
    record = export_simulator.record()["objects"]["folders"]
    assert record["1"]["sha256"] == sha256(folder)
    assert record["5"]["sha256"] == sha256(space)


def test_api_user_exists_without_users(export_simulator):
    """``GET /user`` responds even though the exports hold no users."""
    client = Client(export_simulator.base_url)

    me = client.get_json("/user")

    assert me["id"] == "1"
    assert me["credentials_api3"][0]["client_id"] == "test-client"


def test_folder_beats_space_twin_with_warning(export_dir, caplog):
    """A Folder_ and a Space_ with one id: the Folder_ is served, with a warning."""
    with caplog.at_level(logging.WARNING):
        exports = load_exports(export_dir)

    folder = next(e for e in exports["folders"] if e.object_id == "1")
    assert folder.kind == "Folder"
    assert any(
        "Space_1_Shared.json" in message and "Folder_1_Shared.json" in message
        for message in caplog.messages
    )


def test_unrecognised_files_are_skipped_with_warning(export_dir, caplog):
    """Invalid JSON and unclassifiable content are skipped, each with a warning."""
    with caplog.at_level(logging.WARNING):
        load_exports(export_dir)

    skipped = " ".join(caplog.messages)
    assert "broken.json" in skipped
    assert "notes.json" in skipped
    assert "README.txt" not in skipped


def test_missing_directory_fails_start(tmp_path):
    """A from_dir that does not exist is rejected before the server starts."""
    from lookervault.simulator import InvalidSimulatorConfig

    config = make_config(from_dir=str(tmp_path / "missing"))

    with pytest.raises(InvalidSimulatorConfig, match="not a directory"):
        SimulatorProcess(config).start(timeout=START_TIMEOUT_S)
