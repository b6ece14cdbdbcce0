"""Turn raw response bytes into stored rows, without ever rewriting them.

Bodies are kept exactly as the server sent them.  Only the few fields the
database indexes are parsed, leniently: ids may be strings or integers,
timestamps come in any form, and any key may be missing or null.
"""

from __future__ import annotations

import hashlib
import re

import orjson

from lookervault.store import codecs
from lookervault.store.rows import FailureRow, ObjectRow

_HTML_TITLE = re.compile(r"<title[^>]*>(.*?)</title>", re.IGNORECASE | re.DOTALL)
# A JSON string (with escapes) or one structural character, for slicing arrays.
_TOKEN = re.compile(rb'"(?:[^"\\]|\\.)*"|[\[\]{},]', re.DOTALL)


# Bytes of an error body kept in a failure message; the whole body is kept
# in the failure row itself.
MESSAGE_BYTES = 300


_JSON_NAMES = {
    dict: "object",
    list: "array",
    str: "string",
    int: "number",
    float: "number",
    bool: "boolean",
    type(None): "null",
}


class MalformedBody(ValueError):
    """A response that is not the JSON shape the endpoint promises."""


def object_id_text(value) -> str | None:
    """Return an object id as text, whether the server sent a string or a number."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (str, int)):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return None


def pack(
    kind: str, object_id: str, raw: bytes, parsed=None, expected: type = dict
) -> ObjectRow:
    """Hash, compress and index one object's raw body.

    ``parsed`` is the already decoded body when the caller has it.  Raises
    :class:`MalformedBody` when ``raw`` is not JSON of the ``expected`` type.
    """
    if parsed is None:
        parsed = parse(raw)
    if not isinstance(parsed, expected):
        raise MalformedBody(
            f"expected a JSON {_JSON_NAMES[expected]}, got "
            f"{_JSON_NAMES.get(type(parsed), type(parsed).__name__)}"
        )
    fields = parsed if isinstance(parsed, dict) else {}
    return ObjectRow(
        type=kind,
        object_id=object_id,
        sha256=hashlib.sha256(raw).hexdigest(),
        size=len(raw),
        codec=codecs.CODEC,
        data=codecs.compress(raw),
        title=_text(_first(fields, "title", "name", "display_name", "label")),
        folder_id=_text(_first(fields, "folder_id", "space_id", "parent_id")),
        updated_at=_text(fields.get("updated_at")),
    )


def failure(
    kind: str,
    object_id: str,
    status: int | None,
    message: str,
    attempts: int = 1,
    body: bytes | None = None,
) -> FailureRow:
    """Build the row that records why one object could not be stored."""
    return FailureRow(kind, object_id, status, message, attempts, body)


def parse(raw: bytes):
    """Decode JSON bytes, raising :class:`MalformedBody` with a short reason."""
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise MalformedBody(f"response is not valid JSON ({exc})") from None


def split_array(raw: bytes) -> list[bytes]:
    """Return the raw bytes of each element of a JSON array, as sent.

    The caller has already checked that ``raw`` is a valid JSON array, so only
    strings and brackets need tracking to find the top-level commas.
    """
    elements: list[bytes] = []
    depth = 0
    start = None
    for match in _TOKEN.finditer(raw):
        token = match.group()
        if token in (b"[", b"{"):
            depth += 1
            if depth == 1:
                start = match.end()
        elif token in (b"]", b"}"):
            depth -= 1
            if depth == 0:
                elements.append(raw[start : match.start()])
        elif token == b"," and depth == 1:
            elements.append(raw[start : match.start()])
            start = match.end()
    elements = [element.strip() for element in elements]
    return [] if elements == [b""] else elements


def error_message(content: bytes) -> str:
    """Return Looker's ``message`` from an error body, or its first bytes."""
    try:
        parsed = orjson.loads(content)
    except orjson.JSONDecodeError:
        parsed = None
    if isinstance(parsed, dict) and isinstance(parsed.get("message"), str):
        return parsed["message"]
    text = content[: 4 * MESSAGE_BYTES].decode("utf-8", "replace")
    title = _HTML_TITLE.search(text)
    if title:
        # A proxy's or load balancer's error page: its title names the error.
        text = title.group(1)
    # One line, so that a failure is one line in logs and summaries.
    text = " ".join(text.split())[:MESSAGE_BYTES]
    return text or "empty body"


def _first(fields: dict, *names):
    for name in names:
        value = fields.get(name)
        if value is not None:
            return value
    return None


def _text(value) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, (int, float, bool)):
        return str(value)
    return orjson.dumps(value).decode()
