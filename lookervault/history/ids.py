"""Order and print object ids the way the ``list`` command does."""

from __future__ import annotations

from collections.abc import Iterable

# Ids named in one line of text before the rest are only counted.
SHOWN_IDS = 20


def id_sort_key(object_id: str) -> tuple[int, str]:
    """Sort numeric ids numerically (shorter first), then by text."""
    return (len(object_id), object_id)


def sorted_ids(ids: Iterable[str]) -> list[str]:
    """Return ``ids`` in :func:`id_sort_key` order."""
    return sorted(ids, key=id_sort_key)


def format_ids(ids: Iterable[str], limit: int = SHOWN_IDS) -> str:
    """Return up to ``limit`` ids comma-separated, then how many were left out."""
    ordered = sorted_ids(ids)
    text = ", ".join(ordered[:limit])
    if len(ordered) > limit:
        text += f" and {len(ordered) - limit} more"
    return text
