"""Reading the schema state one table at a time gives what the whole-text parse
gives (or falls back to it: the same result, the same error)."""

from __future__ import annotations

from pathlib import Path

import pytest

from buildamp.files import snapshot, state_text
from buildamp.files.snapshot import loads
from buildamp.files.state_text import split_state
from buildamp.model.errors import StateError

STATE = (
    Path(__file__).resolve().parents[2] / "examples" / "blog" / ".buildamp" / "schema_state.json"
)


def _state_text() -> str:
    return snapshot.dumps(loads(STATE.read_text(), "state"))


def test_a_written_state_is_read_a_table_at_a_time_and_equals_the_whole_parse() -> None:
    text = _state_text()
    state = split_state(text)
    assert state is not None
    split = snapshot._loads_split(state, "state")
    assert split is not None
    assert split == snapshot._loads(text, "state")
    assert len(split.schema.tables) > 1
    columns = [c for t in split.schema.tables for c in t.columns]
    assert len({id(c) for c in columns}) == len(set(columns))  # equal columns: one object


def test_a_table_given_twice_is_read_as_the_whole_parse_reads_it() -> None:
    text = _state_text()
    state = split_state(text)
    assert state is not None
    name = loads(text, "state").schema.tables[0].name
    span = state.entry(name)
    assert span is not None
    doubled = text[: state.end] + "," + text[span[0] : span[2]] + text[state.end :]
    assert snapshot._loads_split(split_state(doubled), "state") is None  # type: ignore[arg-type]
    assert loads(doubled, "state") == snapshot._loads(doubled, "state")


def test_a_bad_entry_reports_what_the_whole_parse_reports() -> None:
    text = _state_text().replace('"not_null": true', '"not_null": 1', 1)
    with pytest.raises(StateError) as whole:
        snapshot._loads(text, "state")
    with pytest.raises(StateError) as split:
        loads(text, "state")
    assert str(split.value) == str(whole.value)
    assert "not_null" in str(split.value)


def _with_enums(count: int) -> snapshot.Snapshot:
    from dataclasses import replace

    from buildamp.model.schema import Enum

    state = loads(STATE.read_text(), "state")
    enums = tuple(Enum(f"kind_{i:02}", ("a", "b"), f"models/m{i}.rs") for i in range(count))
    return replace(state, schema=replace(state.schema, enums=enums), conversions=(("t", "c", "x"),))


def test_the_enums_text_is_the_enums_value_as_written() -> None:
    import json

    text = snapshot.dumps(_with_enums(12))
    state = split_state(text)
    assert state is not None
    kept = state_text.enums_text(state)
    assert kept is not None and kept.startswith("{\n    ") and kept.endswith("\n  }")
    assert json.loads(kept) == json.loads(text)["enums"]


def test_only_the_named_enums_of_the_head_are_read() -> None:
    written = _with_enums(12)
    state = split_state(snapshot.dumps(written))
    assert state is not None
    head, names = snapshot.read_head_enums(state, "state", ["kind_03", "kind_07", "missing"])
    assert names == {e.name for e in written.schema.enums}
    assert head.schema.enums == (written.schema.enums[3], written.schema.enums[7])
    assert head.conversions == written.conversions and head.version == written.version


def test_a_splice_with_the_enums_kept_writes_what_a_full_write_writes() -> None:
    """Byte for byte, with the enums copied from the old text (the snapshot given
    holds none of them); when one changed they are encoded (another text)."""
    from dataclasses import replace

    from buildamp.model.schema import Enum

    written = _with_enums(12)
    state = split_state(snapshot.dumps(written))
    assert state is not None
    newer = replace(written, version="999")
    no_enums = replace(newer, schema=replace(newer.schema, enums=()))
    table = written.schema.tables[0]
    pieces = state_text.splice(state, no_enums, {table.name: table}, state_text.enums_text(state))
    assert pieces is not None
    assert "".join(pieces) == snapshot.dumps(newer)
    changed = (*written.schema.enums[:-1], Enum("kind_11", ("a", "b", "c"), "models/m11.rs"))
    other = replace(newer, schema=replace(newer.schema, enums=changed))
    pieces = state_text.splice(state, other, {table.name: table})
    assert pieces is not None
    assert "".join(pieces) == snapshot.dumps(other) != snapshot.dumps(newer)
