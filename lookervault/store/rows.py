"""Rows that workers build and the parent writes; all picklable tuples."""

from __future__ import annotations

from typing import NamedTuple


class ObjectRow(NamedTuple):
    """One stored object: its body, compressed, and the fields indexed."""

    type: str
    object_id: str
    sha256: str
    size: int
    codec: str
    data: bytes
    title: str | None
    folder_id: str | None
    updated_at: str | None


class FailureRow(NamedTuple):
    """One object that could not be stored, with the reason and raw bytes."""

    type: str
    object_id: str
    status: int | None
    message: str
    attempts: int
    body: bytes | None
