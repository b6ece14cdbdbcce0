"""File and directory names that are valid on Linux, macOS and Windows.

Looker titles are free text, so a title can contain a path separator, a
character Windows rejects, a trailing dot, a device name such as ``CON``, or
hundreds of characters.  :func:`safe_name` turns any text into one name
component; :func:`assign_names` makes the names in one directory unique the
way case-insensitive file systems (macOS, Windows) compare them.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Hashable, Sequence

# Characters Windows rejects in names, plus every control character.  "/"
# also separates paths everywhere and "\" on Windows.
UNSAFE = re.compile(r'[/\\:*?"<>|\x00-\x1f\x7f-\x9f]')
# Device names Windows reserves, with or without an extension, in any case.
# The superscript digits are reserved too (Windows 10 and later).
RESERVED = frozenset(
    ["CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"]
    + [f"{port}{digit}" for port in ("COM", "LPT") for digit in "0123456789¹²³"]
)
# Most file systems allow 255 bytes per name; 120 leaves room for the suffix
# that makes a name unique and keeps whole paths short on Windows.
MAX_NAME_BYTES = 120
REPLACEMENT = "_"


def safe_name(text: str, suffix: str = "", extension: str = "") -> str:
    """Return ``text + suffix + extension`` as one portable name component.

    Unsafe characters become ``_``.  Leading and trailing spaces and
    trailing dots are removed, and a leading dot becomes ``_`` so that no
    file is hidden.  A reserved device name gets a ``_`` prefix.  ``text``
    is cut so that the whole name fits in :data:`MAX_NAME_BYTES` bytes of
    UTF-8 without cutting a character, and ``suffix`` and ``extension`` are
    kept whole.
    """
    suffix = UNSAFE.sub(REPLACEMENT, suffix)
    stem = _clean(text)
    if _is_reserved(stem + suffix + extension):
        stem = REPLACEMENT + stem
    room = MAX_NAME_BYTES - len((suffix + extension).encode())
    stem = _clean(_cut(stem, room))
    return stem + suffix + extension


def _clean(text: str) -> str:
    text = UNSAFE.sub(REPLACEMENT, unicodedata.normalize("NFC", text))
    # Windows drops trailing dots and spaces, so "a." and "a" would clash.
    text = text.strip(" ").rstrip(". ")
    if text.startswith("."):
        text = REPLACEMENT + text[1:]
    return text or REPLACEMENT


def _is_reserved(name: str) -> bool:
    # Windows reserves "CON", "con.json" and "CON .txt" alike.
    return name.split(".")[0].rstrip(" ").upper() in RESERVED


def _cut(text: str, max_bytes: int) -> str:
    data = text.encode()
    if len(data) <= max_bytes:
        return text
    # "ignore" drops the bytes of a character cut in two.
    return data[:max_bytes].decode(errors="ignore")


def fold(name: str) -> str:
    """Return the form under which macOS and Windows treat two names as one."""
    return unicodedata.normalize("NFC", name).casefold()


def assign_names(
    items: Sequence[tuple[Hashable, str, str]],
    extension: str = "",
    existing: Sequence[str] = (),
) -> dict[Hashable, str]:
    """Give each item a unique safe name; return {key: name}.

    ``items`` are (key, text, tag) triples, such as (ref, "Sales",
    "dashboard 42").  An item whose name clashes with another's, or with a
    name in ``existing``, gets its tag appended: ``Sales (dashboard 42).json``.
    Every item of a clash is tagged, not all but the first, so a name never
    depends on which object happened to sort first.  The result depends only
    on the items, never on their order.
    """
    items = sorted(items, key=lambda item: (item[2], item[1], repr(item[0])))
    occupied = {fold(name) for name in existing}
    tagged: set[Hashable] = set()
    while True:
        names = {
            key: _name(text, tag, key in tagged, extension) for key, text, tag in items
        }
        clashing = _clashing(names, occupied) - tagged
        if not clashing:
            break
        tagged |= clashing
    return _number_remaining(names, occupied, extension)


def _name(text: str, tag: str, tagged: bool, extension: str) -> str:
    return safe_name(text, f" ({tag})" if tagged else "", extension)


def _clashing(names: dict, occupied: set[str]) -> set:
    seen: dict[str, list] = {}
    for key, name in names.items():
        seen.setdefault(fold(name), []).append(key)
    return {
        key
        for folded, keys in seen.items()
        if len(keys) > 1 or folded in occupied
        for key in keys
    }


def _number_remaining(names: dict, occupied: set[str], extension: str) -> dict:
    """Number the names that still clash after tagging.

    Tags differ in type or id, so only ids that differ in case alone, such
    as LookML model names, get here.  ``names`` is already in a
    deterministic order.
    """
    clashing = _clashing(names, occupied)
    used = occupied | {fold(n) for key, n in names.items() if key not in clashing}
    unique = dict(names)
    for key in (key for key in names if key in clashing):
        stem = names[key][: len(names[key]) - len(extension)]
        candidate, number = names[key], 1
        while fold(candidate) in used:
            number += 1
            candidate = safe_name(stem, f" ({number})", extension)
        used.add(fold(candidate))
        unique[key] = candidate
    return unique
