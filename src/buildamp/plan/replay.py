"""Apply operations to a schema model, without a database.

``replay(old, ops) == new`` is checked before any file is written: if the
diff, the ordering or an inverse is wrong, we stop instead of writing a
migration that would not produce the snapshot we record.
"""

from __future__ import annotations

import itertools
from dataclasses import fields, replace
from typing import Any

from buildamp.cache.store import gc_paused
from buildamp.model.errors import InternalError
from buildamp.model.schema import Enum, Schema, Table
from buildamp.plan.ops import Operation, State


def replay(schema: Schema, ops: list[Operation]) -> Schema:
    state = State({t.name: t for t in schema.tables}, {e.name: e for e in schema.enums})
    for op in ops:
        op.apply(state)
    return _normalized(Schema(tuple(state.tables.values()), tuple(state.enums.values())))


def _name(item: Table | Enum) -> str:
    return item.name


def _by_name(items: tuple[Any, ...]) -> tuple[Any, ...]:
    """``items`` sorted by name (stable), the same tuple when already in order."""
    if len(items) < 2:
        return items
    names = [item.name for item in items]
    if all(a <= b for a, b in itertools.pairwise(names)):
        return items
    return tuple(sorted(items, key=_name))


def _normalized_table(table: Table) -> Table:
    indexes = _by_name(table.indexes)
    constraints = _by_name(table.constraints)
    document = _by_name(table.document)
    if indexes is table.indexes and constraints is table.constraints and document is table.document:
        return table
    return replace(table, indexes=indexes, constraints=constraints, document=document)


def _normalized(schema: Schema) -> Schema:
    """Equal to ``schema.normalized()``; tables already in order are kept, not copied
    (a migration usually touches a few tables of hundreds)."""
    tables = tuple(sorted((_normalized_table(t) for t in schema.tables), key=_name))
    return Schema(tables=tables, enums=tuple(sorted(schema.enums, key=_name)))


_TABLE_FIELDS = tuple(f.name for f in fields(Table) if f.name != "source")
_SORTED_FIELDS = frozenset({"indexes", "constraints", "document"})


def _table_key(table: Table) -> tuple[Any, ...]:
    """What :func:`replay_comparable` keeps of a table, as a tuple (no copies made)."""
    key: list[Any] = []
    for name in _TABLE_FIELDS:
        value = getattr(table, name)
        if name == "columns":
            value = tuple(sorted(value, key=_name))
        elif name in _SORTED_FIELDS:
            value = _by_name(value)
        key.append(value)
    return tuple(key)


def _same(replayed: Schema, new: Schema) -> bool:
    """``replay_comparable(replayed) == replay_comparable(new)``, table by table: most tables of a
    big project are equal outright, and only the others need the order-blind key."""
    if len(replayed.tables) != len(new.tables) or len(replayed.enums) != len(new.enums):
        return False
    for table in new.tables:
        other = replayed.table(table.name)
        if other is None:
            return False
        if other != table and _table_key(other) != _table_key(table):
            return False
    for enum in new.enums:
        other_enum = replayed.enum(enum.name)
        if other_enum is None:
            return False
        if other_enum != enum and other_enum.values != enum.values:
            return False
    return True


def replay_comparable(schema: Schema) -> Schema:
    """What replay must reproduce: everything but where a model was read from and
    the column order (PostgreSQL appends new columns; the models may not)."""
    return Schema(
        tuple(
            replace(t, source="", columns=tuple(sorted(t.columns, key=lambda c: c.name)))
            for t in schema.tables
        ),
        tuple(replace(e, source="") for e in schema.enums),
    ).normalized()


def next_state(old: Schema, ops: list[Operation], new: Schema) -> Schema:
    """The schema after ``ops``, in the database's column order, with the models'
    sources. Raises InternalError (nothing written) unless it equals ``new``."""
    with gc_paused():  # many short-lived tuples; collections made this 5x slower at 10k
        return _next_state(old, ops, new)


def _next_state(old: Schema, ops: list[Operation], new: Schema) -> Schema:
    replayed = replay(old, ops)
    if not _same(replayed, new):
        raise InternalError(
            "internal self-check failed: the planned operations do not produce the models' "
            "schema; nothing was written (please report this with your models)"
        )
    sources = {t.name: t.source for t in new.tables}
    enum_sources = {e.name: e.source for e in new.enums}
    return Schema(
        tuple(_with_source(t, sources.get(t.name, t.source)) for t in replayed.tables),
        tuple(_with_source(e, enum_sources.get(e.name, e.source)) for e in replayed.enums),
    )


def _with_source(item: Any, source: str) -> Any:
    return item if item.source == source else replace(item, source=source)
