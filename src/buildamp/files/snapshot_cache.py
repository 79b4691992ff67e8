"""The parsed schema state, kept next to it under ``.buildamp/cache/`` by the
SHA-256 of its exact text: parsing thousands of tables of JSON into frozen
objects costs more than loading them back. A miss, a corrupt entry or any
error simply parses the JSON again (which also reports a corrupt state file);
``BUILDAMP_NO_CACHE=1`` turns it off."""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import os
import pickle
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from buildamp.cache.store import (
    code_fingerprint,
    disabled,
    load_restricted,
    utf8_pieces,
    write_atomic,
)
from buildamp.model.schema import SCHEMA_TYPES, Column, Index, IndexKey, Schema, Table

S = TypeVar("S")  # the caller's snapshot class: passed in, so this module imports no reader

FORMAT = b"buildamp-state-cache-2"


def _digest(text: str) -> str:
    """SHA-256 of the code fingerprint, a NUL and ``text`` in UTF-8, fed a
    slice at a time: the state of 10,000 models is 35 MB, and one encoded copy
    of it (two, with the prefix joined on) raised drift's peak memory by as much."""
    digest = hashlib.sha256(code_fingerprint(FORMAT.decode()).encode() + b"\0")
    for piece in utf8_pieces(text):
        digest.update(piece)
    return digest.hexdigest()


KEEP = 2  # the current state and the one before it (a branch switch, a reverted edit)


def _cache_file(state_path: Path, digest: str) -> Path:
    return state_path.parent / "cache" / f"state-{digest[:24]}.pickle"


def _prune(folder: Path, keep: Path) -> None:
    entries = sorted(folder.glob("state-*.pickle"), key=lambda p: p.stat().st_mtime_ns)
    for old in [p for p in entries if p != keep][: max(len(entries) - KEEP, 0)]:
        old.unlink(missing_ok=True)


def _shared(snapshot: object) -> object:
    """``snapshot`` with equal columns and equal index keys as one object each
    (frozen: sharing is safe). Tables repeat ``id``, ``host``, ``created_at``...:
    1,000 tables hold ~200 distinct columns among 22,000, so the pickle stores
    and a load builds a tenth of the objects (loading it: ~8x faster)."""
    schema = getattr(snapshot, "schema", None)
    if not isinstance(schema, Schema) or not dataclasses.is_dataclass(snapshot):
        return snapshot
    seen: dict[Column | IndexKey, Column | IndexKey] = {}

    def one(item: Column | IndexKey) -> Any:
        return seen.setdefault(item, item)

    def index_of(index: Index) -> Index:
        keys = tuple(map(one, index.keys))
        return index if _same(keys, index.keys) else dataclasses.replace(index, keys=keys)

    def table_of(table: Table) -> Table:
        # a table the reader laid out so already is kept: no copy of every
        # table alive beside the one it replaces (10,000 at once)
        columns = tuple(map(one, table.columns))
        indexes = tuple(map(index_of, table.indexes))
        if _same(columns, table.columns) and _same(indexes, table.indexes):
            return table
        return dataclasses.replace(table, columns=columns, indexes=indexes)

    tables = tuple(map(table_of, schema.tables))
    return dataclasses.replace(snapshot, schema=Schema(tables, schema.enums))  # type: ignore[type-var]


def _same(these: tuple[object, ...], those: tuple[object, ...]) -> bool:
    """The same objects, in the same order (not merely equal ones)."""
    return all(a is b for a, b in zip(these, those, strict=True))


def store(state_path: Path, text: str, snapshot: S, digest: str | None = None) -> S:
    """Remember a parsed state, so the next command need not parse it again
    (``digest``: its key, when the caller took it already). Returns the snapshot
    as stored, equal parts shared: the caller keeps that one, laid out like a
    cache hit (a first drift at 10,000 tables peaked ~4 MB higher keeping the
    parsed one)."""
    if disabled():
        return snapshot
    with contextlib.suppress(Exception):
        digest = digest or _digest(text)
        cache = _cache_file(state_path, digest)
        cache.parent.mkdir(parents=True, exist_ok=True)
        snapshot = _shared(snapshot)  # type: ignore[assignment]
        write_atomic(cache, pickle.dumps((digest, snapshot), protocol=5))
        _prune(cache.parent, cache)
    return snapshot


def cached_loads(state_path: Path, text: str, parse: Callable[[], S], snapshot_type: type[S]) -> S:
    """The snapshot of ``text``: from the cache, else parsed (and stored)."""
    if disabled():
        return parse()
    digest = _digest(text)
    cache = _cache_file(state_path, digest)
    with contextlib.suppress(Exception):
        with cache.open("rb") as handle:
            stored = load_restricted(handle, (*SCHEMA_TYPES, snapshot_type))
        if isinstance(stored, tuple) and len(stored) == 2 and stored[0] == digest:
            if isinstance(stored[1], snapshot_type):
                os.utime(cache)  # recently used: kept by the pruning
                return stored[1]
    return store(state_path, text, parse(), digest)
