"""Read stored bodies back for the history commands, failing with one line."""

from __future__ import annotations

import sqlite3

import orjson

from lookervault.history.errors import BodyUnreadable
from lookervault.store import codecs, reader


def read_body(conn: sqlite3.Connection, sha256: str, label: str) -> bytes:
    """Return the raw bytes of blob ``sha256``; ``label`` names its object.

    Raises :class:`BodyUnreadable` when the blob is absent or does not
    decompress, and points at ``verify``.
    """
    row = reader.blob(conn, sha256)
    if row is None:
        raise BodyUnreadable(
            f"the body of {label} (blob {sha256[:12]}) is missing from the "
            "database; run `lookervault-batch verify DB` for every damaged object"
        )
    codec, data = row
    decode = reader.CODECS.get(codec)
    try:
        if decode is None:
            raise ValueError(f"unknown codec {codec!r}")
        return decode(data)
    except codecs.DECODE_ERRORS as exc:
        raise BodyUnreadable(
            f"the body of {label} (blob {sha256[:12]}) does not decompress "
            f"({exc}); run `lookervault-batch verify DB` for every damaged object"
        ) from None


def parse_body(raw: bytes, label: str):
    """Decode a stored body as JSON; raise :class:`BodyUnreadable` if invalid."""
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise BodyUnreadable(f"the body of {label} is not valid JSON ({exc})") from None


def load_object(conn: sqlite3.Connection, sha256: str, label: str):
    """Return the parsed body of blob ``sha256``."""
    return parse_body(read_body(conn, sha256, label), label)
