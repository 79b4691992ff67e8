"""The state's text around its tables (version, enums, conversions) comes as
one piece before and one after them: a generate hashes, encodes and writes
every piece on its own, and the enums of 10,000 models were ~120,000 pieces."""

from __future__ import annotations

import json

from buildamp.files import snapshot_write
from buildamp.model.schema import Column, Enum, Schema, Table


def _state(enums: int) -> snapshot_write.Snapshot:
    schema = Schema(
        (Table("items", (Column("status", "item_status"),)),),
        tuple(Enum(f"status_{i}", ("a", "b", "c"), f"models/m{i}.rs") for i in range(enums)),
    )
    return snapshot_write.Snapshot(schema, "001", "2026-01-01T00:00:00Z")


def test_the_head_is_one_piece_before_and_one_after_the_tables() -> None:
    parts = snapshot_write.head_pieces(snapshot_write.head_json(_state(500)))
    assert parts is not None
    before, after = parts
    assert len(before) == 1 and len(after) == 1


def test_many_enums_are_written_in_few_pieces_with_the_same_bytes() -> None:
    state = _state(500)
    pieces = list(snapshot_write.dump_pieces(state))
    data = snapshot_write.head_json(state)
    data["tables"] = {t.name: snapshot_write._table_json(t) for t in state.schema.tables}
    assert "".join(pieces) == json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    assert len(pieces) < 10


def test_kept_values_are_written_as_given_instead_of_encoded() -> None:
    """A splice whose enums did not change passes their old text: the 10,000
    enums of 10,000 models are not encoded again."""
    data = snapshot_write.head_json(_state(3))
    parts = snapshot_write.head_pieces(data, {"enums": "KEPT"})
    assert parts is not None
    assert '"enums": KEPT,\n  "format_version": 1' in parts[0][0]
