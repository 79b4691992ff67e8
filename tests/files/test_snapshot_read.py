"""Reading the schema state one table at a time gives what the whole-text parse
gives (or falls back to it: the same result, the same error)."""

from __future__ import annotations

from pathlib import Path

import pytest

from buildamp.files import snapshot
from buildamp.files.snapshot import loads, split_state
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
