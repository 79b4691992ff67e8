"""Foreign keys in a plan: where they go, and what they follow.

* Order: a key needs both of its tables (and the target's unique constraint), so
  every foreign key is added after all table changes, and every dropped key goes
  before them. ``CREATE TABLE`` and ``DROP TABLE`` leave their keys to these
  separate steps, which is what lets a cycle, a self-reference or a whole graph
  of new models land in one migration, and the rollback (the inverse, reversed)
  drop keys first.
* Renames: a key follows its referenced table or column when they are renamed
  (``rename_from``), as PostgreSQL's own key does; nothing is recreated.
* A key is recreated around changes it cannot survive: a type change of either
  end, or its target's unique constraint being replaced.
"""

from __future__ import annotations

from dataclasses import replace

from buildamp.model.hints import Hints
from buildamp.model.schema import Constraint, Schema, Table
from buildamp.plan.ops import (
    AddConstraint,
    AlterColumn,
    AlterEnum,
    CreateEnum,
    CreateTable,
    CreateTouchFunction,
    DropConstraint,
    DropEnum,
    DropTable,
    DropTouchFunction,
    Operation,
    RenameConstraint,
    RenameTable,
)
from buildamp.plan.ops.base import renamed_key

_LEADING = (CreateEnum, AlterEnum, RenameTable, CreateTouchFunction)
_TRAILING = (DropTable, DropEnum, DropTouchFunction)


def is_foreign_key(constraint: Constraint) -> bool:
    return constraint.kind == "foreign_key"


def follow_renames(
    old: Schema, tables: dict[str, str], columns: dict[tuple[str, str], str]
) -> Schema:
    """``old`` with every key pointing at the new names of renamed tables
    (``tables``: old -> new) and columns (``columns``: (new table, old) -> new)."""
    if not tables and not columns:
        return old
    changed = []
    for table in old.tables:
        keys = tuple(renamed_key(c, tables, columns) for c in table.constraints)
        changed.append(table if keys == table.constraints else replace(table, constraints=keys))
    return replace(old, tables=tuple(changed))


def column_renames(
    old: Schema, new: Schema, tables: dict[str, str], hints: Hints
) -> dict[tuple[str, str], str]:
    """(new table, old column) -> new column, by the same rule as the diff's renames."""
    old_by_new = {tables.get(t.name, t.name): t for t in old.tables}
    found: dict[tuple[str, str], str] = {}
    for table in new.tables:
        before = old_by_new.get(table.name)
        if before is not None:
            for source, target in _own_renames(before, table, hints).items():
                found[(table.name, source)] = target
    return found


def _own_renames(old: Table, new: Table, hints: Hints) -> dict[str, str]:
    """Old column -> new column of one table (``rename_from``)."""
    found = {}
    for column in new.columns:
        source = hints.column(new.name, column.name).rename_from
        if source and old.column(source) and old.column(column.name) is None:
            found[source] = column.name
    return found


def renamed_constraints(old: Table, new: Table, hints: Hints) -> dict[str, str]:
    """Old name -> new name of constraints that only changed name: their table or
    column was renamed and the generated name followed (``unique_posts_host_id``
    -> ``unique_articles_host_id``, ``fk_posts_author_id`` -> ``fk_articles_...``).
    Renaming keeps the index and every key that relies on it."""
    columns = _own_renames(old, new, hints)
    gone = [c for c in old.constraints if new.constraint(c.name) is None]
    added = [c for c in new.constraints if old.constraint(c.name) is None]
    found: dict[str, str] = {}
    for before in gone:
        moved = replace(before, columns=tuple(columns.get(c, c) for c in before.columns), name="")
        match = next((c for c in added if replace(c, name="") == moved), None)
        if match is not None and match.name not in found.values():
            found[before.name] = match.name
    return found


def keys_as_dropped(old: Schema, tables: dict[str, str]) -> dict[tuple[str, str], Constraint]:
    """Every key of ``old`` as it stands when keys are dropped: after the table
    renames, before the column renames (``(table, key name)`` -> key). A rollback
    adds a dropped key back at that same point, so it must say exactly this."""
    followed = follow_renames(old, tables, {})
    return {
        (tables.get(table.name, table.name), key.name): key
        for table in followed.tables
        for key in _keys(table)
    }


def order(
    ops: list[Operation],
    new: Schema,
    as_dropped: dict[tuple[str, str], Constraint] | None = None,
) -> list[Operation]:
    """``ops`` with foreign keys moved out of table creation and removal, added
    last and dropped first; keys that must be recreated around a change are.
    ``as_dropped`` (:func:`keys_as_dropped`) says what each dropped key was."""
    as_dropped = as_dropped or {}
    early: list[Operation] = []
    late: list[Operation] = []
    middle: list[Operation] = []
    for op in ops:
        match op:
            case CreateTable(table) if any(is_foreign_key(c) for c in table.constraints):
                middle.append(CreateTable(_without_keys(table)))
                late += [AddConstraint(table.name, c) for c in _keys(table)]
            case DropTable(table) if any(is_foreign_key(c) for c in table.constraints):
                early += [DropConstraint(table.name, c) for c in _keys(table)]
                middle.append(DropTable(_without_keys(table)))
            case AddConstraint(_, constraint) if is_foreign_key(constraint):
                late.append(op)
            case DropConstraint(_, constraint) if is_foreign_key(constraint):
                early.append(op)
            case _:
                middle.append(op)
    planned = {
        (op.table, op.constraint.name)
        for op in early + late
        if isinstance(op, AddConstraint | DropConstraint)
    } | {(op.table, op.new.name) for op in ops if isinstance(op, RenameConstraint)}
    recreate = _recreated(ops, new, planned, as_dropped)
    early += [DropConstraint(table, key) for table, key in recreate]
    late += [AddConstraint(table, key) for table, key in recreate]
    early = [
        DropConstraint(op.table, as_dropped.get((op.table, op.constraint.name), op.constraint))
        if isinstance(op, DropConstraint)
        else op
        for op in early
    ]
    if not early and not late:
        return ops
    start = 0
    while start < len(middle) and isinstance(middle[start], _LEADING):
        start += 1
    end = len(middle)
    while end > start and isinstance(middle[end - 1], _TRAILING):
        end -= 1
    return [*middle[:start], *early, *middle[start:end], *late, *middle[end:]]


def _keys(table: Table) -> list[Constraint]:
    return [c for c in table.constraints if is_foreign_key(c)]


def _without_keys(table: Table) -> Table:
    return replace(table, constraints=tuple(c for c in table.constraints if not is_foreign_key(c)))


def _recreated(
    ops: list[Operation],
    new: Schema,
    planned: set[tuple[str, str]],
    as_dropped: dict[tuple[str, str], Constraint],
) -> list[tuple[str, Constraint]]:
    """Unchanged keys whose column on either end changes type, or whose target's
    unique constraint is dropped (and added back under its new definition)."""
    retyped = {
        (op.table, op.new.name)
        for op in ops
        if isinstance(op, AlterColumn) and op.old.type != op.new.type
    }
    lost_unique = {
        (op.table, frozenset(op.constraint.columns))
        for op in ops
        if isinstance(op, DropConstraint) and op.constraint.kind == "unique"
    }
    created = {op.table.name for op in ops if isinstance(op, CreateTable)}
    found = []
    for table in new.tables:
        if table.name in created:
            continue
        for key in _keys(table):
            if (table.name, key.name) in planned or key.references is None:
                continue
            own = any((table.name, c) in retyped for c in key.columns)
            target = any((key.references, c) in retyped for c in key.ref_columns)
            before = as_dropped.get((table.name, key.name), key)
            unique = any(
                (k.references, frozenset(k.ref_columns)) in lost_unique for k in (key, before)
            )
            if own or target or unique:
                found.append((table.name, key))
    return found
