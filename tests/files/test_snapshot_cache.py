"""The state cache (files/snapshot_cache.py) keeps equal columns and index keys
as one object: the pickle stores each once, and what it loads is still exactly
the parsed state."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from buildamp.files.snapshot import Snapshot, loads
from buildamp.files.snapshot_cache import cached_loads

STATE = (
    Path(__file__).resolve().parents[2] / "examples" / "blog" / ".buildamp" / "schema_state.json"
)


def test_cached_state_shares_equal_columns_and_equals_the_parsed_one(tmp_path: Path) -> None:
    state = tmp_path / ".buildamp" / "schema_state.json"
    state.parent.mkdir()
    shutil.copy(STATE, state)
    text = state.read_text()
    parsed = loads(text, "state")
    columns = [c for t in parsed.schema.tables for c in t.columns]
    assert len({id(c) for c in columns}) == len(set(columns))  # the parser shares equal ones
    assert len(set(columns)) < len(columns)  # but some columns are equal (host, created_at...)
    cached_loads(state, text, lambda: loads(text, "state"), Snapshot)
    cached = cached_loads(state, text, lambda: pytest.fail("the cache missed"), Snapshot)
    assert cached == parsed
    loaded = [c for t in cached.schema.tables for c in t.columns]
    assert len({id(c) for c in loaded}) == len(set(columns))
    keys = [k for t in cached.schema.tables for i in t.indexes for k in i.keys]
    assert len({id(k) for k in keys}) == len(set(keys))


def test_a_miss_returns_the_state_as_stored(tmp_path: Path) -> None:
    """The command that parses a state keeps the copy it pickled, equal index keys
    one object like a cache hit's (the parsed copy is dropped: a first drift at
    10,000 tables peaked ~4 MB higher holding it)."""
    state = tmp_path / ".buildamp" / "schema_state.json"
    state.parent.mkdir()
    shutil.copy(STATE, state)
    text = state.read_text()
    parsed = loads(text, "state")
    keys = [k for t in parsed.schema.tables for i in t.indexes for k in i.keys]
    assert len(set(keys)) < len(keys)  # some keys are equal (host, created_at...)
    first = cached_loads(state, text, lambda: loads(text, "state"), Snapshot)
    assert first == parsed
    kept = [k for t in first.schema.tables for i in t.indexes for k in i.keys]
    assert len({id(k) for k in kept}) == len(set(keys))


def test_the_parsed_state_is_stored_without_a_copy() -> None:
    """The reader shares equal columns and index keys as the cache stores them,
    so storing keeps its tables: no second copy of every table beside the first
    (10,000 at once in a first ``--check``). A state laid out otherwise is
    still shared."""
    from dataclasses import replace

    from buildamp.files.snapshot_cache import _shared
    from buildamp.model.schema import Schema

    parsed = loads(STATE.read_text(), "state")
    keys = [k for t in parsed.schema.tables for i in t.indexes for k in i.keys]
    assert len({id(k) for k in keys}) == len(set(keys))  # the parser shares equal keys
    stored = _shared(parsed)
    assert all(a is b for a, b in zip(stored.schema.tables, parsed.schema.tables, strict=True))
    copied = tuple(
        replace(
            t, indexes=tuple(replace(i, keys=tuple(replace(k) for k in i.keys)) for i in t.indexes)
        )
        for t in parsed.schema.tables
    )
    other = _shared(replace(parsed, schema=Schema(copied, parsed.schema.enums)))
    assert other == parsed
    again = [k for t in other.schema.tables for i in t.indexes for k in i.keys]
    assert len({id(k) for k in again}) == len(set(keys))


def test_state_digest_is_the_whole_texts_without_a_copy_of_it() -> None:
    """The cache key is SHA-256 of fingerprint, NUL and the UTF-8 text (caches
    written before stay valid), computed without an encoded copy of the whole
    text: the state of 10,000 models is 35 MB."""
    import hashlib
    import tracemalloc

    from buildamp.cache.store import code_fingerprint
    from buildamp.files.snapshot_cache import FORMAT, _digest

    text = "é→" * 3_000_000 + "x"  # 12 MB in UTF-8, several chunks, non-ASCII across them
    key = code_fingerprint(FORMAT.decode()).encode()
    whole = hashlib.sha256(key + b"\0" + text.encode()).hexdigest()
    tracemalloc.start()
    try:
        digest = _digest(text)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert digest == whole
    assert peak < 8_000_000  # a chunk or two; one encoded copy is 12 MB
