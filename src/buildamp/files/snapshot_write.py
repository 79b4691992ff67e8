"""Writing ``.buildamp/schema_state.json``: a :class:`Snapshot` as the text
:func:`dumps` gives it, byte for byte ``json.dumps(indent=2, sort_keys=True,
ensure_ascii=False)`` of its JSON shape, written straight from the schema
objects. Reading the state and splicing single tables into it live in
:mod:`buildamp.files.snapshot`, which imports this module (never the reverse).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from buildamp.cache.store import gc_paused
from buildamp.files.snapshot_json import Unusual, dumps_json, encode, encode_chunks, encode_string
from buildamp.model.schema import Column, Constraint, Index, Schema, Table

FORMAT_VERSION = 1


@dataclass(frozen=True)
class Snapshot:
    schema: Schema
    version: str | None = None
    last_generated: str | None = None
    # (table, column, convert_sql) of conversions already written into a
    # migration: a convert_sql left in a model is not run again.
    conversions: tuple[tuple[str, str, str], ...] = ()


def dumps(snapshot: Snapshot) -> str:
    return "".join(dump_pieces(snapshot))


def dump_pieces(snapshot: Snapshot) -> Iterator[str]:
    """The text of :func:`dumps` in pieces, each table's encoded when its piece
    is asked for: a generate writes and hashes them one by one, so the state of
    10,000 tables (35 MB) is never held whole."""
    data = head_json(snapshot)
    tables = snapshot.schema.tables
    head = head_pieces(data) if all(type(t.name) is str for t in tables) else None
    if head is None:  # a value the fast encoder leaves to json.dumps: whole
        data["tables"] = {t.name: _table_json(t) for t in tables}
        if any(type(t.name) is not str for t in tables):
            yield dumps_json(data) + "\n"
        else:
            yield json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
        return
    before, after = head
    yield from before
    by_name = {t.name: t for t in tables}
    with gc_paused():
        yield from encode_chunks((name, _any_table_text(by_name[name])) for name in sorted(by_name))
    yield from after


def _any_table_text(table: Table) -> str:
    """:func:`table_text`, or, for a table holding a value the fast encoder
    leaves to ``json.dumps``, what ``json.dumps`` of the whole state writes for
    it (indented to its depth: a JSON value's text holds no raw line break)."""
    try:
        return table_text(table)
    except Unusual:
        text = json.dumps(_table_json(table), indent=2, sort_keys=True, ensure_ascii=False)
        return text.replace("\n", _TABLE_INDENT)


def head_json(snapshot: Snapshot) -> dict[str, Any]:
    """Everything of the state file but its tables."""
    data: dict[str, Any] = {
        "format_version": FORMAT_VERSION,
        "version": snapshot.version,
        "last_generated": snapshot.last_generated,
        "enums": {
            e.name: {"values": list(e.values), "source": e.source} for e in snapshot.schema.enums
        },
    }
    if snapshot.conversions:
        data["conversions"] = _conversions_json(snapshot.conversions)
    return data


def head_pieces(
    data: dict[str, Any], kept: dict[str, str] | None = None
) -> tuple[list[str], list[str]] | None:
    """The file's text before and after the value of its ``tables`` key, from
    everything else it holds (None: a value the fast encoder leaves to
    :func:`json.dumps`). ``kept``: keys whose value's text is given as written
    before (the unchanged enums of 10,000 models: not encoded again, ~60 ms)."""
    before: list[str] = []
    out = before
    after: list[str] = []
    separator = "{\n  "
    for key in sorted([*data, "tables"]):
        out.append(separator + encode_string(key) + ": ")
        separator = ",\n  "
        if key == "tables":
            out = after
            continue
        if kept is not None and key in kept:
            out.append(kept[key])
            continue
        try:
            encode(data[key], "\n  ", out)
        except Unusual:
            return None
    after.append("\n}\n")
    # one piece each: the enums of 10,000 models are ~120,000 small strings,
    # each hashed, encoded and written on its own otherwise (~50 ms)
    return ["".join(before)], ["".join(after)]


def _conversions_json(conversions: tuple[tuple[str, str, str], ...]) -> dict[str, Any]:
    data: dict[str, dict[str, str]] = {}
    for table, column, sql in conversions:
        data.setdefault(table, {})[column] = sql
    return data


# A table's JSON sits under "tables" (indent 4); its keys at 6, what they hold
# at 8, and so on: each level two spaces deeper.
_TABLE_INDENT = "\n    "
_TABLE_KEY = _TABLE_INDENT + "  "
_LEVEL_3 = _TABLE_KEY + "  "
_LEVEL_4 = _LEVEL_3 + "  "
_LEVEL_5 = _LEVEL_4 + "  "
_LEVEL_6 = _LEVEL_5 + "  "
_NEXT_FIELD = "," + _LEVEL_4  # between the keys of a column


def table_text(table: Table) -> str:
    """``encode(_table_json(table), "\\n    ")``, same bytes, written straight
    from the objects instead of building a dict per column and index and walking
    them (the state of 1,000 tables holds 22,000 columns). A value of a type the
    state never holds (a number as a type name) goes to the general encoder."""
    try:
        return _fast_table_text(table)
    except (TypeError, Unusual):
        parts: list[str] = []
        encode(_table_json(table), _TABLE_INDENT, parts)
        return "".join(parts)


def _fast_table_text(table: Table) -> str:
    items = [
        ("columns", _columns_text(table)),
        ("constraints", _general(_constraints_json(table), _TABLE_KEY)),
        ("indexes", _indexes_text(table)),
        ("primary_key", _strings_text(table.primary_key, _TABLE_KEY)),
        ("rls", _boolean(table.rls)),
        ("source", encode_string(table.source)),
        ("storage", encode_string(table.storage)),
        ("tenant", _boolean(table.tenant)),
        ("touch_updated_at", _boolean(table.touch_updated_at)),
    ]
    if table.document:
        items.append(("document", _general(_document_json(table), _TABLE_KEY)))
    for key, value in (
        ("custom_sql", table.custom_sql),
        ("validate", table.validate),
        ("comment", table.comment),
    ):
        if value is not None:
            items.append((key, encode_string(value)))
    items.sort()
    body = ("," + _TABLE_KEY).join(f'"{key}": {text}' for key, text in items)
    return "{" + _TABLE_KEY + body + _TABLE_INDENT + "}"


def _boolean(value: object) -> str:
    if value is True:
        return "true"
    if value is False:
        return "false"
    raise Unusual


def _general(value: Any, indent: str) -> str:
    parts: list[str] = []
    encode(value, indent, parts)
    return "".join(parts)


def _strings_text(values: tuple[str, ...], indent: str) -> str:
    """A list of strings at ``indent``."""
    if not values:
        return "[]"
    inner = indent + "  "
    return "[" + inner + ("," + inner).join(map(encode_string, values)) + indent + "]"


def _columns_text(table: Table) -> str:
    """The ``columns`` object of :func:`_table_json` at a table's key depth."""
    by_name = {c.name: (i, c) for i, c in enumerate(table.columns)}
    if not by_name:
        return "{}"
    if any(type(name) is not str for name in by_name):
        raise Unusual
    primary_key = table.primary_key
    entries: list[str] = []
    for name in sorted(by_name):
        position, column = by_name[name]
        # the keys in sorted order: comment, default, deprecated, identity,
        # not_null, position, primary_key, type
        head = ""
        if column.comment is not None:
            head = '"comment": ' + encode_string(column.comment) + _NEXT_FIELD
        if column.default is not None:
            head += '"default": ' + encode_string(column.default) + _NEXT_FIELD
        if column.deprecated:
            head += '"deprecated": true' + _NEXT_FIELD
        if column.identity is not None:
            head += '"identity": ' + encode_string(column.identity) + _NEXT_FIELD
        key = '"primary_key": true' + _NEXT_FIELD if name in primary_key else ""
        entries.append(
            f"{encode_string(name)}: {{{_LEVEL_4}{head}"
            f'"not_null": {_boolean(column.not_null)}{_NEXT_FIELD}'
            f'"position": {int.__repr__(position)}{_NEXT_FIELD}{key}'
            f'"type": {encode_string(column.type)}{_LEVEL_3}}}'
        )
    return "{" + _LEVEL_3 + ("," + _LEVEL_3).join(entries) + _TABLE_KEY + "}"


def _indexes_text(table: Table) -> str:
    """The ``indexes`` list of :func:`_table_json` at a table's key depth."""
    if not table.indexes:
        return "[]"
    entries: list[str] = []
    for index in sorted(table.indexes, key=lambda i: i.name):
        keys: list[str] = []
        for key in index.keys:
            text = encode_string(key.expression)
            if key.is_column:
                fields = ['"column": ' + text]
                if key.descending:
                    fields.append('"desc": true')
            else:
                fields = ['"desc": true'] if key.descending else []
                fields.append('"expression": ' + text)
            keys.append("{" + _LEVEL_6 + ("," + _LEVEL_6).join(fields) + _LEVEL_5 + "}")
        keys_text = "[" + _LEVEL_5 + ("," + _LEVEL_5).join(keys) + _LEVEL_4 + "]" if keys else "[]"
        fields = [
            '"keys": ' + keys_text,
            '"name": ' + encode_string(index.name),
            '"unique": ' + _boolean(index.unique),
        ]
        if index.where:
            fields.append('"where": ' + encode_string(index.where))
        entries.append("{" + _LEVEL_4 + ("," + _LEVEL_4).join(fields) + _LEVEL_3 + "}")
    return "[" + _LEVEL_3 + ("," + _LEVEL_3).join(entries) + _TABLE_KEY + "]"


def _column_json(column: Column, position: int, primary_key: tuple[str, ...]) -> dict[str, Any]:
    data: dict[str, Any] = {"type": column.type, "not_null": column.not_null, "position": position}
    if column.name in primary_key:
        data["primary_key"] = True
    if column.default is not None:
        data["default"] = column.default
    if column.identity is not None:
        data["identity"] = column.identity
    if column.deprecated:
        data["deprecated"] = True
    if column.comment is not None:
        data["comment"] = column.comment
    return data


def _index_json(index: Index) -> dict[str, Any]:
    keys = []
    for key in index.keys:
        entry: dict[str, Any] = {"column" if key.is_column else "expression": key.expression}
        if key.descending:
            entry["desc"] = True
        keys.append(entry)
    data: dict[str, Any] = {"name": index.name, "keys": keys, "unique": index.unique}
    if index.where:
        data["where"] = index.where
    return data


def _constraint_json(constraint: Constraint) -> dict[str, Any]:
    data: dict[str, Any] = {"name": constraint.name, "kind": constraint.kind}
    if constraint.columns:
        data["columns"] = list(constraint.columns)
    if constraint.expression is not None:
        data["expression"] = constraint.expression
    if constraint.references is not None:
        data["references"] = constraint.references
        data["ref_columns"] = list(constraint.ref_columns)
        data["on_delete"] = constraint.on_delete
    if not constraint.valid:
        data["valid"] = False
    return data


def _table_json(table: Table) -> dict[str, Any]:
    """The table as the state file holds it (what :func:`table_text` writes)."""
    data: dict[str, Any] = {
        "columns": {
            c.name: _column_json(c, i, table.primary_key) for i, c in enumerate(table.columns)
        },
        "primary_key": list(table.primary_key),
        "indexes": [_index_json(i) for i in sorted(table.indexes, key=lambda i: i.name)],
        "constraints": _constraints_json(table),
        "storage": table.storage,
        "tenant": table.tenant,
        "touch_updated_at": table.touch_updated_at,
        "rls": table.rls,
        "source": table.source,
    }
    if table.document:
        data["document"] = _document_json(table)
    if table.custom_sql is not None:
        data["custom_sql"] = table.custom_sql
    if table.validate is not None:
        data["validate"] = table.validate
    if table.comment is not None:
        data["comment"] = table.comment
    return data


def _constraints_json(table: Table) -> list[dict[str, Any]]:
    return [_constraint_json(c) for c in sorted(table.constraints, key=lambda c: c.name)]


def _document_json(table: Table) -> dict[str, Any]:
    return {
        d.name: {
            k: v
            for k, v in (("type", d.type), ("not_null", d.not_null), ("default", d.default))
            if v is not None
        }
        for d in table.document
    }
