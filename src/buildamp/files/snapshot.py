"""``.buildamp/schema_state.json``: the schema as of the newest migration.

BuildAmp's original state-file shape (``tables`` -> ``columns`` / ``indexes``,
``version``, ``last_generated``, still read by its tools) extended with what
diffing needs. Deterministic bytes:
sorted keys, 2-space indent, trailing newline. Reading is strict: a
hand-mangled file is an error naming the file and the bad entry.

This module reads the state (whole, or one table at a time, through
:mod:`buildamp.files.state_text`, which also splices tables into it); writing a
whole state is :mod:`buildamp.files.snapshot_write` (``Snapshot`` and ``dumps``
are importable from here too).
"""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import replace
from pathlib import Path
from typing import Any

from buildamp.cache.store import gc_paused
from buildamp.files.config import Config
from buildamp.files.snapshot_write import (
    FORMAT_VERSION,
    Snapshot,
    dump_pieces,
    dumps,
)
from buildamp.files.state_text import ENTRY, StateText, split_state
from buildamp.model.errors import Location, StateError
from buildamp.model.schema import (
    ON_DELETE_CHOICES,
    Column,
    Constraint,
    DocumentField,
    Enum,
    Index,
    IndexKey,
    OnDelete,
    Schema,
    Table,
)

__all__ = [
    "FORMAT_VERSION",
    "Snapshot",
    "dump_pieces",
    "dumps",
    "load_snapshot",
    "loads",
    "read_head",
    "read_head_enums",
    "read_snapshot",
    "read_tables",
]


def read_head(state: StateText, path: str) -> Snapshot:
    """The snapshot of the head alone: version, enums, conversions, no tables."""
    return loads(state.head, path)


def read_head_enums(
    state: StateText, path: str, names: Collection[str]
) -> tuple[Snapshot, frozenset[str]]:
    """:func:`read_head` with only the enums named ``names`` built (the head of
    10,000 models holds 10,000 enums), and the names of all of them. For a state
    buildamp wrote (the fast path's): anything else reads in full."""
    with gc_paused():
        try:
            data = json.loads(state.head)
            enums = data["enums"]
            if not isinstance(enums, dict):
                raise TypeError
            data["enums"] = {name: enums[name] for name in names if name in enums}
        except (ValueError, TypeError, KeyError):  # the strict reader says what is wrong
            full = read_head(state, path)
            wanted = set(names)
            some = tuple(e for e in full.schema.enums if e.name in wanted)
            every = frozenset(e.name for e in full.schema.enums)
            return replace(full, schema=replace(full.schema, enums=some)), every
        return _read_state(_Reader(path), data, path, ()), frozenset(enums)


def read_tables(state: StateText, names: list[str], path: str) -> dict[str, Table]:
    """The named tables of the state (strictly read, like :func:`loads`)."""
    reader = _Reader(path)
    found: dict[str, Table] = {}
    for name in names:
        try:
            chunk = state.chunk(name)
        except ValueError:
            raise reader.fail(f"tables.{name}", "valid JSON") from None
        if chunk is None:
            continue
        try:
            data = json.loads(chunk)
        except json.JSONDecodeError:
            raise reader.fail(f"tables.{name}", "valid JSON") from None
        found[name] = _read_table(reader, name, data)
    return found


class _Reader:
    """Strict field access that names the bad entry."""

    def __init__(self, path: str) -> None:
        self.path = path

    def fail(self, where: str, expected: str) -> StateError:
        return StateError(
            f"corrupt schema state: {where} should be {expected}",
            Location(self.path),
            "restore it from git: git checkout -- .buildamp/schema_state.json",
        )

    def get(
        self, data: Any, key: str, kind: type | tuple[type, ...], where: str, default: Any = ...
    ) -> Any:
        if not isinstance(data, dict):
            raise self.fail(where, "an object")
        if key not in data:
            if default is not ...:
                return default
            raise self.fail(f"{where}.{key}", "present")
        value = data[key]
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            names = kind.__name__ if isinstance(kind, type) else "/".join(k.__name__ for k in kind)
            raise self.fail(f"{where}.{key}", f"of type {names}")
        return value


def loads(text: str, path: str = ".buildamp/schema_state.json") -> Snapshot:
    with gc_paused():
        state = split_state(text)
        snapshot = None if state is None else _loads_split(state, path)
        return _loads(text, path) if snapshot is None else snapshot


class _Duplicate(ValueError):
    """A key given twice in one object: the whole-text parse decides which wins."""


def _unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    data = dict(pairs)
    if len(data) != len(pairs):
        raise _Duplicate
    return data


def _loads_split(state: StateText, path: str) -> Snapshot | None:
    """:func:`_loads` one table at a time: each table's JSON is decoded and
    dropped once its objects are built (``json.loads`` of the 35 MB state of
    10,000 tables holds 90 MB of dicts), and equal columns are one object.
    None for anything but a plain, valid state (a key given twice, bad JSON, a
    bad entry): the whole-text parse then gives the result or error it always did."""
    text, end = state.text, state.end
    decode = json.JSONDecoder().raw_decode  # what json.loads does with each value
    reader = _Reader(path)
    shared: dict[Any, Any] = {}
    tables: list[Table] = []
    seen: set[str] = set()
    try:
        head = json.JSONDecoder(object_pairs_hook=_unique_keys).decode(state.head)
        if not isinstance(head, dict) or head.get("tables") != {}:
            return None
        position = state.body
        while position < end:
            if not text.startswith(ENTRY, position):
                return None
            name, value = state.name_at(position)
            if name in seen:
                return None
            seen.add(name)
            data, position = decode(text, value)
            tables.append(_read_table(reader, name, data, shared))
            if position < end:
                if text[position] != ",":
                    return None
                position += 1
        tables.sort(key=_table_name)
        return _read_state(reader, head, path, tuple(tables))
    except (ValueError, StateError):
        return None


def _table_name(table: Table) -> str:
    return table.name


def _loads(text: str, path: str) -> Snapshot:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        # loaded on use: commands that do not need it never import it
        from buildamp.files.sumfile import REBASE_HINT, has_conflict_markers

        if has_conflict_markers(text):
            raise StateError(
                "schema state has merge-conflict markers", Location(path), REBASE_HINT
            ) from None
        raise StateError(
            f"corrupt schema state: {error.msg}",
            Location(path, error.lineno, error.colno),
            "restore the file from git",
        ) from None
    return _read_state(_Reader(path), data, path)


def _read_state(
    r: _Reader, data: Any, path: str, tables: tuple[Table, ...] | None = None
) -> Snapshot:
    """The snapshot of the decoded state ``data`` (``tables``: already read)."""
    if not isinstance(data, dict):
        raise r.fail("the file", "a JSON object")
    fmt = r.get(data, "format_version", int, "state", FORMAT_VERSION)
    if fmt > FORMAT_VERSION:
        raise StateError(
            f"schema state format {fmt} is newer than this buildamp understands",
            Location(path),
            "upgrade buildamp",
        )
    enums = tuple(
        Enum(
            name,
            tuple(_strings(r, r.get(e, "values", list, f"enums.{name}"), f"enums.{name}")),
            r.get(e, "source", str, f"enums.{name}", ""),
        )
        for name, e in sorted(r.get(data, "enums", dict, "state", {}).items())
    )
    if tables is None:
        shared: dict[Any, Any] = {}
        tables = tuple(
            _read_table(r, name, t, shared)
            for name, t in sorted(r.get(data, "tables", dict, "state", {}).items())
        )
    version = r.get(data, "version", (str, type(None)), "state", None)
    last = r.get(data, "last_generated", (str, type(None)), "state", None)
    return Snapshot(Schema(tables, enums), version, last, _read_conversions(r, data))


def _read_conversions(r: _Reader, data: dict[str, Any]) -> tuple[tuple[str, str, str], ...]:
    found = []
    for table, columns in sorted(r.get(data, "conversions", dict, "state", {}).items()):
        where = f"conversions.{table}"
        if not isinstance(columns, dict):
            raise r.fail(where, "an object")
        found += [(table, column, r.get(columns, column, str, where)) for column in sorted(columns)]
    return tuple(found)


def _strings(r: _Reader, values: list[Any], where: str) -> list[str]:
    if not all(isinstance(v, str) for v in values):
        raise r.fail(where, "a list of strings")
    return values


def _read_table(r: _Reader, name: str, data: Any, shared: dict[Any, Any] | None = None) -> Table:
    """One table (``shared``: equal columns and index keys already read, to be
    reused: laid out as the state cache stores it, which then need not copy it)."""
    where = f"tables.{name}"
    raw_columns = r.get(data, "columns", dict, where)
    shared = {} if shared is None else shared
    columns = _fast_columns(raw_columns, shared)
    if columns is None:  # something unusual: let the strict reader name it
        ordered = sorted(
            raw_columns.items(),
            key=lambda item: r.get(item[1], "position", int, f"{where}.columns.{item[0]}"),
        )
        columns = tuple(
            _read_column(r, cname, c, f"{where}.columns.{cname}") for cname, c in ordered
        )
    primary_key = tuple(
        _strings(r, r.get(data, "primary_key", list, where), f"{where}.primary_key")
    )
    indexes = tuple(
        _read_index(r, i, f"{where}.indexes", shared) for i in r.get(data, "indexes", list, where)
    )
    constraints = tuple(
        _read_constraint(r, c, f"{where}.constraints")
        for c in r.get(data, "constraints", list, where, [])
    )
    document = tuple(
        DocumentField(
            key,
            r.get(d, "type", str, f"{where}.document.{key}"),
            r.get(d, "not_null", bool, f"{where}.document.{key}", False),
            r.get(d, "default", str, f"{where}.document.{key}", None),
        )
        for key, d in r.get(data, "document", dict, where, {}).items()
    )
    storage = r.get(data, "storage", str, where, "columns")
    if storage not in ("columns", "jsonb"):
        raise r.fail(f"{where}.storage", '"columns" or "jsonb"')
    return Table(
        name=name,
        columns=columns,
        primary_key=primary_key,
        indexes=indexes,
        constraints=constraints,
        storage=storage,
        tenant=r.get(data, "tenant", bool, where, True),
        touch_updated_at=r.get(data, "touch_updated_at", bool, where, False),
        rls=r.get(data, "rls", bool, where, False),
        document=document,
        custom_sql=r.get(data, "custom_sql", str, where, None),
        validate=r.get(data, "validate", str, where, None),
        source=r.get(data, "source", str, where, ""),
        comment=r.get(data, "comment", str, where, None),
    )


_IDENTITIES = (None, "always", "by default")


def _fast_columns(raw: dict[str, Any], shared: dict[Any, Any]) -> tuple[Column, ...] | None:
    """The columns in position order when every entry is well-formed (what
    :func:`_read_column` would return), else None. Snapshots hold tens of
    thousands of columns; the strict reader is kept for the error message.
    Columns equal to one in ``shared`` are that one (frozen: sharing is safe)."""
    rows: list[tuple[int, Column]] = []
    for name, data in raw.items():
        if type(data) is not dict:
            return None
        get = data.get
        position = get("position")
        column_type = get("type")
        not_null = get("not_null", False)
        default = get("default", "")
        identity = get("identity")
        deprecated = get("deprecated", False)
        comment = get("comment")
        if (
            type(position) is not int
            or type(column_type) is not str
            or type(not_null) is not bool
            or type(default) is not str
            or type(deprecated) is not bool
            or (comment is not None and type(comment) is not str)
            or identity not in _IDENTITIES
            or ("identity" in data and identity is None)
        ):
            return None
        column = Column(
            name,
            column_type,
            not_null,
            default if "default" in data else None,
            identity,
            deprecated,
            comment,
        )
        rows.append((position, shared.setdefault(column, column)))
    rows.sort(key=_position)
    return tuple(column for _, column in rows)


def _position(row: tuple[int, Column]) -> int:
    return row[0]


def _read_column(r: _Reader, name: str, data: Any, where: str) -> Column:
    identity = r.get(data, "identity", str, where, None)
    if identity not in (None, "always", "by default"):
        raise r.fail(f"{where}.identity", '"always" or "by default"')
    return Column(
        name,
        r.get(data, "type", str, where),
        r.get(data, "not_null", bool, where, False),
        r.get(data, "default", str, where, None),
        identity,
        r.get(data, "deprecated", bool, where, False),
        r.get(data, "comment", str, where, None),
    )


def _read_index(r: _Reader, data: Any, where: str, shared: dict[Any, Any]) -> Index:
    """One index (``shared``: equal keys already read, to be reused)."""
    name = r.get(data, "name", str, where)
    keys = []
    for key in r.get(data, "keys", list, f"{where}.{name}"):
        if isinstance(key, dict) and isinstance(key.get("column"), str):
            expression, is_column = key["column"], True
        elif isinstance(key, dict) and isinstance(key.get("expression"), str):
            expression, is_column = key["expression"], False
        else:
            raise r.fail(f"{where}.{name}.keys", 'objects with "column" or "expression"')
        one = IndexKey(expression, r.get(key, "desc", bool, where, False), is_column)
        keys.append(shared.setdefault(one, one))
    if not keys:
        raise r.fail(f"{where}.{name}.keys", "a non-empty list")
    return Index(
        name,
        tuple(keys),
        r.get(data, "unique", bool, where, False),
        r.get(data, "where", str, where, None),
    )


def _read_constraint(r: _Reader, data: Any, where: str) -> Constraint:
    name = r.get(data, "name", str, where)
    kind = r.get(data, "kind", str, f"{where}.{name}")
    if kind not in ("unique", "check", "foreign_key"):
        raise r.fail(f"{where}.{name}.kind", '"unique", "check" or "foreign_key"')
    return Constraint(
        name,
        kind,
        tuple(_strings(r, r.get(data, "columns", list, where, []), f"{where}.{name}.columns")),
        r.get(data, "expression", str, where, None),
        r.get(data, "references", str, where, None),
        tuple(
            _strings(r, r.get(data, "ref_columns", list, where, []), f"{where}.{name}.ref_columns")
        ),
        _on_delete(r, r.get(data, "on_delete", str, where, "no action"), f"{where}.{name}"),
        r.get(data, "valid", bool, where, True),
    )


def _on_delete(r: _Reader, value: str, where: str) -> OnDelete:
    for choice in ON_DELETE_CHOICES:
        if value == choice:
            return choice
    raise r.fail(f"{where}.on_delete", " | ".join(f'"{c}"' for c in ON_DELETE_CHOICES))


def read_snapshot(path: Path, display: str) -> Snapshot:
    if not path.exists():
        return Snapshot(Schema())
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise StateError(f"cannot read schema state: {error}", Location(display)) from None
    from buildamp.files.snapshot_cache import cached_loads  # pickle: only when a state exists

    return cached_loads(path, text, lambda: loads(text, display), Snapshot)


def load_snapshot(config: Config) -> Snapshot:
    """The committed snapshot of the project ``config`` describes."""
    return read_snapshot(config.state_path, config.display(config.state_path))
