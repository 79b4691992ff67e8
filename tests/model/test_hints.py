"""A field's hint from where it is: required fields and optional ones."""

from __future__ import annotations

from buildamp.model.errors import Location
from buildamp.model.hints import ColumnHint, Hints


def test_a_field_without_options_is_its_place_alone() -> None:
    """A required field's place and an optional one's are kept apart, each a
    bare location (no (where, required) pair per field: 13 MB at 10,000 models),
    and ``column`` makes the same hint of them as before."""
    hints = Hints(
        places={"t": {"a": Location("m.rs", 3, 9)}},
        optional_places={"t": {"b": Location("m.rs", 4, 9)}},
    )
    assert hints.column("t", "a") == ColumnHint(location="m.rs:3:9", required=True)
    assert hints.column("t", "b") == ColumnHint(location="m.rs:4:9", required=False)
    assert hints.column("t", "c") == ColumnHint()
    assert hints.column("u", "a") == ColumnHint()
