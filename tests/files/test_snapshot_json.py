"""The fast state encoder writes exactly ``json.dumps(indent=2, sort_keys=True,
ensure_ascii=False)``'s bytes, for any JSON value (property test), and the
per-table chunks assemble to the same text."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from buildamp.files.snapshot_json import Unusual, dumps_json, encode, encode_chunks

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
    out = ['{\n  "tables": ']
    encode_chunks(chunks, out)
    out.append("\n}")
    assert "".join(out) == _reference({"tables": tables})
