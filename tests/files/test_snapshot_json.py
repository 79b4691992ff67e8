"""The fast state encoder writes exactly ``json.dumps(indent=2, sort_keys=True,
ensure_ascii=False)``'s bytes, for any JSON value (property test), the
per-table chunks assemble to the same text, and a table's text written from
its objects is that same encoding."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from buildamp.files import snapshot_write
from buildamp.files.snapshot_json import Unusual, dumps_json, encode, encode_chunks
from buildamp.model.schema import Column, Constraint, DocumentField, Index, IndexKey, Schema, Table

SCALARS = st.none() | st.booleans() | st.integers() | st.text() | st.floats(allow_nan=False)
VALUES = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.tuples(inner, inner)
        | st.dictionaries(st.text(), inner, max_size=4)
    ),
    max_leaves=30,
)


def _reference(value: Any) -> str:
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False)


@settings(max_examples=300, deadline=None)
@given(VALUES)
def test_same_bytes_as_json_dumps(value: Any) -> None:
    assert dumps_json(value) == _reference(value)


@settings(max_examples=100, deadline=None)
@given(st.dictionaries(st.text(), VALUES, max_size=5))
def test_chunks_assemble_to_the_same_text(tables: dict[str, Any]) -> None:
    """``encode_chunks`` writes the value of the state's ``tables`` key from
    per-table texts encoded at that depth, as json.dumps would."""
    chunks = {}
    for name, value in tables.items():
        out: list[str] = []
        try:
            encode(value, "\n    ", out)
        except Unusual:
            return  # the state falls back to json.dumps whole for such values
        chunks[name] = "".join(out)
    text = "".join(['{\n  "tables": ', *encode_chunks(sorted(chunks.items())), "\n}"])
    assert text == _reference({"tables": tables})


NAMES = st.text(max_size=6)
MAYBE_TEXT = st.none() | st.text(max_size=8)
COLUMNS = st.builds(
    Column,
    NAMES,
    st.text(max_size=8),
    st.booleans(),
    MAYBE_TEXT,
    st.sampled_from((None, "always", "by default")),
    st.booleans(),
    MAYBE_TEXT,
)
TABLES = st.builds(
    Table,
    NAMES,
    st.lists(COLUMNS, max_size=5).map(tuple),
    st.lists(NAMES, max_size=2).map(tuple),
    st.lists(
        st.builds(
            Index,
            NAMES,
            st.lists(st.builds(IndexKey, NAMES, st.booleans(), st.booleans()), min_size=1).map(
                tuple
            ),
            st.booleans(),
            MAYBE_TEXT,
        ),
        max_size=3,
    ).map(tuple),
    st.lists(
        st.builds(
            Constraint,
            NAMES,
            st.sampled_from(("unique", "check", "foreign_key")),
            st.lists(NAMES, max_size=2).map(tuple),
            MAYBE_TEXT,
            MAYBE_TEXT,
            st.lists(NAMES, max_size=2).map(tuple),
            st.sampled_from(("no action", "cascade")),
            st.booleans(),
        ),
        max_size=2,
    ).map(tuple),
    st.sampled_from(("columns", "jsonb")),
    st.booleans(),
    st.booleans(),
    st.booleans(),
    st.lists(st.builds(DocumentField, NAMES, NAMES), max_size=2).map(tuple),
    MAYBE_TEXT,
    MAYBE_TEXT,
    st.text(max_size=8),
    MAYBE_TEXT,
)


@settings(max_examples=300, deadline=None)
@given(TABLES)
def test_table_text_is_the_general_encoding(table: Table) -> None:
    """The state's table writer (columns straight from the objects) gives the
    bytes of json.dumps over the table's JSON: names with quotes, control
    characters and non-ASCII, repeated column names, every optional key."""
    expected = json.dumps(
        {"tables": {"t": snapshot_write._table_json(table)}},
        indent=2,
        sort_keys=True,
        ensure_ascii=False,
    )
    assert '{\n  "tables": {\n    "t": ' + snapshot_write.table_text(table) + "\n  }\n}" == expected


def test_table_text_falls_back_for_unusual_values() -> None:
    """A value the fast writer does not know (a number as a type, an int as a
    flag) is written by the general encoder, as before."""
    for odd in (
        Table("t", (Column("a", 1, 1),)),  # type: ignore[arg-type]
        Table("t", (Column("a", "TEXT"),), indexes=(Index("i", (IndexKey("a"),), 1),)),  # type: ignore[arg-type]
        Table("t", (), tenant=None),  # type: ignore[arg-type]
    ):
        parts: list[str] = []
        encode(snapshot_write._table_json(odd), "\n    ", parts)
        assert snapshot_write.table_text(odd) == "".join(parts)


def test_a_table_only_json_dumps_writes_keeps_the_others_fast() -> None:
    """The state is written a table at a time (never whole in memory): a table
    holding a value only json.dumps writes (a float) is written by json.dumps
    at its depth, the same bytes as json.dumps over the whole state."""
    odd = Table("b", (Column("x", "REAL", default=1.5),))  # type: ignore[arg-type]
    tables = (Table("c", (Column("a", "TEXT"),)), odd, Table("a", (Column("a", "INT"),)))
    state = snapshot_write.Snapshot(Schema(tables), "001", "2026-01-01T00:00:00Z")
    data = snapshot_write.head_json(state)
    data["tables"] = {t.name: snapshot_write._table_json(t) for t in tables}
    expected = _reference(data) + "\n"
    pieces = list(snapshot_write.dump_pieces(state))
    assert "".join(pieces) == expected
    assert len(pieces) > 3  # in pieces: the fast tables were not left to json.dumps whole
