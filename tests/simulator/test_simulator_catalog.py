"""The simulator serves every content type the catalog backs up, at its paths."""

from __future__ import annotations

import pytest

from lookervault.catalog import CONTENT_TYPES


@pytest.mark.parametrize("content_type", CONTENT_TYPES, ids=lambda t: t.name)
def test_catalog_paths_are_served(client, simulator, content_type):
    """Listing and detail paths from the catalog return 200 with the right ids."""
    inventory = simulator.inventory()[content_type.name]
    parent = content_type.parent or content_type.name
    first_id = simulator.inventory()[parent][0]

    if content_type.list_path:
        params = dict(content_type.list_params)
        if content_type.summary_fields:
            params["fields"] = ",".join(content_type.summary_fields)
        listed = client.get_json(content_type.list_path, **params)
        key = content_type.id_field
        assert sorted(str(item[key]) for item in listed) == sorted(inventory)
    if content_type.detail_path:
        response = client.get(content_type.detail_url_path(first_id))
        assert response.status_code == 200
        assert first_id in simulator.record()["objects"][content_type.name]
