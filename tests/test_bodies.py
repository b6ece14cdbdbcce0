"""Bodies are stored as sent; only a few fields are parsed, leniently."""

from __future__ import annotations

import hashlib

import orjson
import pytest

from lookervault import bodies
from lookervault.store import codecs


@pytest.mark.parametrize(
    "raw",
    [
        b"[]",
        b"[ \n ]",
        b'[{"id":"1"}]',
        b'[ {"id": 1, "t": "a,]}\\"b"} ,\n {"id": 2, "x": [1, {"y": "]"}]} ]',
        '[{"title":"Café ☕ 📊"},{"title":"日本語"}]'.encode(),
        b'[[1,2],[3],"s",null,4.5]',
    ],
)
def test_split_array_returns_each_element_byte_exact(raw):
    elements = bodies.split_array(raw)
    assert [orjson.loads(e) for e in elements] == orjson.loads(raw)
    for element in elements:
        assert element in raw


def test_pack_keeps_bytes_and_indexes_leniently():
    raw = (
        b'{\n  "id": 7,\n  "title": "Ventas \xc3\xa9 \xf0\x9f\x93\x8a",'
        b' "folder_id": 12, "updated_at": "2024-02-22 01:24:03 UTC"}'
    )
    row = bodies.pack("dashboards", "7", raw)
    assert row.codec == "zstd"
    assert codecs.DECODERS[row.codec](row.data) == raw
    assert row.sha256 == hashlib.sha256(raw).hexdigest()
    assert row.size == len(raw)
    assert row.title == "Ventas é 📊"
    assert row.folder_id == "12"
    assert row.updated_at == "2024-02-22 01:24:03 UTC"


def test_pack_rejects_bytes_that_are_not_json():
    with pytest.raises(bodies.MalformedBody, match="not valid JSON"):
        bodies.pack("looks", "1", b"<html>Bad gateway</html>")


@pytest.mark.parametrize(
    "value, text",
    [("12", "12"), (12, "12"), (12.0, "12"), (None, None), (True, None), ({}, None)],
)
def test_object_ids_become_text(value, text):
    assert bodies.object_id_text(value) == text


def test_error_message_prefers_lookers_message():
    assert bodies.error_message(b'{"message":"Not found"}') == "Not found"
    assert bodies.error_message(b"<html>502</html>") == "<html>502</html>"
    assert bodies.error_message(b"") == "empty body"


def test_error_message_from_html_page():
    page = (
        b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
        b"<center><h1>502 Bad Gateway</h1></center>\r\n</body>\r\n</html>\r\n"
    )
    assert bodies.error_message(page) == "502 Bad Gateway"
    assert bodies.error_message(b"line one\r\n  line two\n") == "line one line two"
