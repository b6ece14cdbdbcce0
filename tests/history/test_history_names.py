"""names: portable file names, and unique ones within a directory."""

from __future__ import annotations

import pytest

from lookervault.history.names import MAX_NAME_BYTES, assign_names, safe_name


@pytest.mark.parametrize(
    "title, name",
    [
        ('a/b\\c: "d" <e> | f? g*', "a_b_c_ _d_ _e_ _ f_ g_.json"),
        ("Trailing dots...", "Trailing dots.json"),
        ("  spaces around  ", "spaces around.json"),
        ("tab\there\nnew line\x7f", "tab_here_new line_.json"),
        ("CON", "_CON.json"),
        ("con", "_con.json"),
        ("nul.txt", "_nul.txt.json"),
        ("COM1", "_COM1.json"),
        ("lpt9 ", "_lpt9.json"),
        ("COM¹", "_COM¹.json"),
        ("CONSOLE", "CONSOLE.json"),
        (".hidden", "_hidden.json"),
        ("...", "_.json"),
        ("", "_.json"),
    ],
)
def test_unsafe_title_becomes_portable_name(title, name):
    """Characters, endings and device names that some system rejects are fixed."""
    assert safe_name(title, extension=".json") == name


def test_long_title_is_cut_on_character_boundary():
    """A long title is cut to the byte limit without splitting a character."""
    name = safe_name("é" * 300, " (dashboard 1)", ".json")

    assert len(name.encode()) <= MAX_NAME_BYTES
    assert name.endswith("é (dashboard 1).json")
    assert len(name.encode()) >= MAX_NAME_BYTES - 1


def test_clashing_names_all_get_their_tag():
    """Every object of a clash is tagged, including case-only clashes."""
    names = assign_names(
        [
            ("a", "Sales", "dashboard 42"),
            ("b", "SALES", "dashboard 7"),
            ("c", "Sales", "look 3"),
            ("d", "Other", "look 4"),
        ],
        extension=".json",
    )

    assert names == {
        "a": "Sales (dashboard 42).json",
        "b": "SALES (dashboard 7).json",
        "c": "Sales (look 3).json",
        "d": "Other.json",
    }


def test_tagged_name_that_clashes_again_is_tagged_too():
    """A title equal to another object's tagged name is tagged as well."""
    names = assign_names(
        [
            ("a", "Sales", "dashboard 1"),
            ("b", "Sales", "dashboard 2"),
            ("c", "Sales (dashboard 1)", "look 3"),
        ],
        extension=".json",
    )

    assert names["c"] == "Sales (dashboard 1) (look 3).json"
    assert len({name.casefold() for name in names.values()}) == 3


def test_existing_names_and_case_tags_stay_unique():
    """Reserved names are avoided; tags equal but for case are numbered."""
    names = assign_names(
        [("a", "m", "model A"), ("b", "m", "model a"), ("c", "_folder", "look 1")],
        extension=".json",
        existing=["_folder.json"],
    )

    assert names["c"] == "_folder (look 1).json"
    assert len({name.casefold() for name in names.values()}) == 3


def test_names_do_not_depend_on_item_order():
    """The same items in another order get the same names."""
    items = [(i, "Report", f"look {i}") for i in range(5)] + [(9, "Solo", "look 9")]

    assert assign_names(items) == assign_names(list(reversed(items)))
