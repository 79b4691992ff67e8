"""old schema + new schema (+ hints) -> ordered operations. Pure: no I/O.

Order is by dependency: enums first (a column needs its type), renames before
anything refers to new names, drops of indexes/constraints before the columns
they use change, new tables, column changes, new indexes/constraints, dropped
tables, and finally types and functions nothing uses any more.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any

from buildamp.model.errors import Location, PlanError
from buildamp.model.hints import ColumnHint, Hints, field_options
from buildamp.model.naming import mentions
from buildamp.model.schema import Column, Schema, Table
from buildamp.pg.casts import cast_exists
from buildamp.pg.facts import widens
from buildamp.pg.sqlbits import sql_type
from buildamp.plan.ops import (
    AddColumn,
    AddConstraint,
    AlterColumn,
    AlterEnum,
    ChangeStorage,
    ConvertDocumentKey,
    CreateEnum,
    CreateIndex,
    CreateTable,
    CreateTouchFunction,
    DropColumn,
    DropConstraint,
    DropEnum,
    DropIndex,
    DropTable,
    DropTouchFunction,
    FillDocumentKey,
    Operation,
    RenameColumn,
    RenameConstraint,
    RenameDocumentKey,
    RenameIndex,
    RenameTable,
    RunSql,
    SetComment,
    SetRowSecurity,
    SetTableInfo,
    SetTouchTrigger,
    Validate,
)
from buildamp.plan.references import (
    column_renames,
    follow_renames,
    keys_as_dropped,
    renamed_constraints,
)
from buildamp.plan.references import order as order_references

CustomSqlLoader = Callable[[str], tuple[str, str | None]]
# (table, column) -> the convert_sql an earlier migration already ran
Applied = Mapping[tuple[str, str], str]


def conversions(new: Schema, hints: Hints) -> tuple[tuple[str, str, str], ...]:
    """The (table, column, convert_sql) the models carry, recorded in the snapshot
    so a convert_sql left in a model runs once, not at every generate."""
    return tuple(
        sorted(
            (table, column, hint.convert_sql)
            for (table, column), hint in hints.columns.items()
            if hint.convert_sql is not None
            and (found := new.table(table)) is not None
            and found.storage == "columns"
            and found.column(column) is not None
        )
    )


def diff(
    old: Schema,
    new: Schema,
    hints: Hints | None = None,
    load_custom_sql: CustomSqlLoader | None = None,
    applied: Applied | None = None,
) -> list[Operation]:
    """Operations turning ``old`` into ``new``. ``load_custom_sql(path)`` returns
    the (up, down) SQL of a ``custom_sql`` file; ``applied`` names the
    conversions earlier migrations ran (see :func:`conversions`)."""
    hints = hints or Hints()
    done: Applied = applied or {}
    ops: list[Operation] = []
    renamed = _table_renames(old, new, hints)
    if renamed and done:  # a conversion recorded under a table's old name is still done
        done = {(renamed.get(t, t), c): sql for (t, c), sql in done.items()}
    as_dropped = keys_as_dropped(old, renamed)
    old = follow_renames(old, renamed, column_renames(old, new, renamed, hints))
    old_tables = {renamed.get(t.name, t.name): t for t in old.tables}
    ops += _enum_changes(old, new, hints)
    for old_name, new_name in sorted(renamed.items()):
        touch = any(t.name == old_name and t.touch_updated_at for t in old.tables)
        ops.append(RenameTable(old_name, new_name, touch))
    if new.needs_touch_function and not old.needs_touch_function:
        ops.append(CreateTouchFunction())
    for table in new.tables:
        before = old_tables.get(table.name)
        if before is None:
            table_ops: list[Operation] = [CreateTable(table)]
        else:
            before = replace(before, name=table.name) if before.name != table.name else before
            table_ops = (
                []
                if before == table and not _pending_conversions(table, hints, done)
                else _table_changes(before, table, hints, done)
            )
        custom_changed = before is None or before.custom_sql != table.custom_sql
        if table.custom_sql and custom_changed and load_custom_sql is not None:
            up, down = load_custom_sql(table.custom_sql)
            table_ops.append(RunSql(table.custom_sql, up, down))
        if table.validate and table_ops:
            table_ops.append(Validate(table.name, table.validate, source=table.source))
        ops += table_ops
    new_names = {t.name for t in new.tables}
    for table in old.tables:
        if renamed.get(table.name, table.name) not in new_names:
            ops.append(DropTable(table))
    for enum in old.enums:
        if new.enum(enum.name) is None:
            ops.append(DropEnum(enum))
    if old.needs_touch_function and not new.needs_touch_function:
        ops.append(DropTouchFunction())
    return order_references(ops, new, as_dropped)


def _table_renames(old: Schema, new: Schema, hints: Hints) -> dict[str, str]:
    renames: dict[str, str] = {}
    for table in new.tables:
        source = hints.table(table.name).rename_from
        if source and old.table(source) is not None and old.table(table.name) is None:
            renames[source] = table.name
    return renames


def _enum_changes(old: Schema, new: Schema, hints: Hints) -> list[Operation]:
    ops: list[Operation] = []
    for enum in new.enums:
        before = old.enum(enum.name)
        if before is None:
            ops.append(CreateEnum(enum))
        elif before.values != enum.values:
            usages = tuple(
                (t.name, c.name, c.default)
                for t in old.tables
                for c in t.columns
                if c.type == enum.name
            )
            renames = tuple(
                (a, b)
                for a, b in hints.enum_renames.get(enum.name, ())
                if a in before.values
                and a not in enum.values
                and b in enum.values
                and b not in before.values
            )
            change = AlterEnum(before, enum, usages, renames=renames)
            how = _enum_migration(new, enum.name, hints)
            if how == "add_values" and not change.additive:
                where = _where(hints, new, enum.name)
                raise PlanError(
                    f"enum {enum.name} loses or reorders values "
                    f"({', '.join(before.values)} -> {', '.join(enum.values)}) but "
                    'enum_migration = "add_values" allows only new values',
                    _at(where),
                    f"use {field_options(where or '', ('enum_migration', 'recreate'))} "
                    "(destructive)",
                )
            ops.append(replace(change, recreate=how == "recreate"))
    return ops


def _enum_migration(new: Schema, enum: str, hints: Hints) -> str | None:
    """``enum_migration`` of the fields using ``enum``; they must agree."""
    chosen = {
        hint.enum_migration
        for t in new.tables
        for c in t.columns
        if c.type == enum and (hint := hints.column(t.name, c.name)).enum_migration
    }
    if len(chosen) > 1:
        raise PlanError(
            f"fields using enum {enum} ask for different enum_migration values "
            f"({', '.join(sorted(str(c) for c in chosen))})",
            _at(_where(hints, new, enum)),
            "give every field using it the same enum_migration",
        )
    return next(iter(chosen), None)


def _where(hints: Hints, new: Schema, enum: str) -> str | None:
    """Where the first field using ``enum`` sets ``enum_migration``."""
    for t in new.tables:
        for c in t.columns:
            hint = hints.column(t.name, c.name)
            if c.type == enum and hint.enum_migration and hint.location:
                return hint.location
    return None


def _pending_conversions(table: Table, hints: Hints, applied: Applied) -> bool:
    """Whether some column of ``table`` carries a convert_sql not run yet."""
    return table.storage == "columns" and any(
        (hint := hints.column(table.name, c.name)).convert_sql is not None
        and applied.get((table.name, c.name)) != hint.convert_sql
        for c in table.columns
    )


def _table_changes(
    old: Table, new: Table, hints: Hints, applied: Applied | None = None
) -> list[Operation]:
    ops: list[Operation] = []
    old_indexes = {i.name: i for i in old.indexes}
    new_indexes = {i.name: i for i in new.indexes}
    old_constraints = {c.name: c for c in old.constraints}
    new_constraints = {c.name: c for c in new.constraints}
    for before, after in _renamed(old_indexes, new_indexes):
        ops.append(RenameIndex(new.name, before, after))
        old_indexes[after] = new_indexes[after]
        del old_indexes[before]
    renamed = renamed_constraints(old, new, hints)
    for name, index in sorted(old_indexes.items()):
        if new_indexes.get(name) != index:
            ops.append(DropIndex(new.name, index))
    for name, constraint in sorted(old_constraints.items()):
        if new_constraints.get(name) != constraint and name not in renamed:
            ops.append(DropConstraint(new.name, constraint))
    if old.touch_updated_at and not new.touch_updated_at:
        ops.append(SetTouchTrigger(new.name, False))
    if old.storage != new.storage:
        ops.append(ChangeStorage(old, new))
    else:
        ops += _column_changes(old, new, hints, applied or {})
        if new.storage == "jsonb":
            ops += _document_changes(old, new, hints)
    if not old.touch_updated_at and new.touch_updated_at:
        ops.append(SetTouchTrigger(new.name, True))
    for name, target in sorted(renamed.items()):
        ops.append(RenameConstraint(new.name, old_constraints[name], new_constraints[target]))
    for name, constraint in sorted(new_constraints.items()):
        if old_constraints.get(name) != constraint and name not in renamed.values():
            ops.append(AddConstraint(new.name, constraint))
    for name, index in sorted(new_indexes.items()):
        if old_indexes.get(name) != index:
            ops.append(CreateIndex(new.name, index))
    if old.rls != new.rls:
        ops.append(SetRowSecurity(new.name, new.rls))
    ops += _comment_changes(old, new, hints)
    if _info(old) != _info(new):
        ops.append(SetTableInfo(old, new))
    return ops


def _renamed(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(old name, new name) of indexes or constraints that only changed name (a
    table rename renames them): renamed in place instead of dropped and rebuilt.
    Paired only when exactly one candidate has the same definition."""
    gone = [name for name in sorted(old) if name not in new]
    fresh = [name for name in sorted(new) if name not in old]
    pairs = []
    for name in gone:
        same = [other for other in fresh if replace(old[name], name=other) == new[other]]
        if len(same) == 1:
            pairs.append((name, same[0]))
            fresh.remove(same[0])
    return pairs


def _document_changes(old: Table, new: Table, hints: Hints) -> list[Operation]:
    """Data changes inside ``storage = "jsonb"`` documents."""
    ops: list[Operation] = []
    before = {d.name: d for d in old.document}
    for field in new.document:
        hint = hints.column(new.name, field.name)
        source = hint.rename_from
        if source and source in before and field.name not in before:
            ops.append(RenameDocumentKey(new.name, source, field.name))
            before[field.name] = replace(before.pop(source), name=field.name)
        previous = before.get(field.name)
        if previous is None:
            fill = hint.backfill if hint.backfill is not None else field.default
            if fill is None and hint.required:
                raise PlanError(
                    f'new required key {new.name}.{field.name} (storage = "jsonb"): existing '
                    "documents would lack it",
                    _at(hint.location),
                    _default_or_backfill(hint.location) + ", or make the field optional",
                )
            if fill is not None:
                ops.append(FillDocumentKey(new.name, field.name, fill, value_type=field.type))
            continue
        if previous.type != field.type and not widens(previous.type, field.type):
            if hint.convert_sql is None:
                fix = field_options(
                    hint.location or "", ("convert_sql", f"CAST(%s AS {field.type})")
                )
                raise PlanError(
                    f"{new.name}.{field.name} (a document key) changes type {previous.type} -> "
                    f"{field.type}",
                    _at(hint.location),
                    f"add {fix} to the field",
                )
            reverse = hint.convert_back_sql or f"CAST(%s AS {previous.type})"
            ops.append(ConvertDocumentKey(new.name, field.name, hint.convert_sql, reverse))
    return ops


def _comment_changes(old: Table, new: Table, hints: Hints) -> list[Operation]:
    """``COMMENT ON`` for the table and the kept columns whose doc comment changed
    (new tables and columns are created with theirs)."""
    ops: list[Operation] = []
    if old.comment != new.comment:
        ops.append(SetComment(new.name, None, old.comment, new.comment))
    if new.storage != "columns" or old.storage != new.storage:
        return ops
    before = {c.name: c for c in old.columns}
    for column in new.columns:
        source = hints.column(new.name, column.name).rename_from
        previous = before.get(column.name)
        if previous is None and source and column.name not in before:
            previous = before.get(source)
        if previous is not None and previous.comment != column.comment:
            ops.append(SetComment(new.name, column.name, previous.comment, column.comment))
    return ops


def _info(table: Table) -> tuple[object, ...]:
    return (
        table.storage,
        table.document,
        table.tenant,
        table.primary_key,
        table.custom_sql,
        table.validate,
    )


def _column_changes(old: Table, new: Table, hints: Hints, applied: Applied) -> list[Operation]:
    ops: list[Operation] = []
    old_columns = {c.name: c for c in old.columns}
    new_names = {c.name for c in new.columns}
    for column in new.columns:
        source = hints.column(new.name, column.name).rename_from
        if source and source in old_columns and column.name not in old_columns:
            ops.append(RenameColumn(new.name, source, column.name))
            old_columns[column.name] = replace(old_columns.pop(source), name=column.name)
    for column in new.columns:
        before = old_columns.get(column.name)
        if before is None:
            gone = [c for name, c in old_columns.items() if name not in new_names]
            ops.append(_add_column(new.name, column, hints, gone))
        elif _sans_comment(before) != _sans_comment(column) or _converts(
            new.name, before, column, hints, applied
        ):
            converts = _converts(new.name, before, column, hints, applied)
            # the comment changes in its own op (see _comment_changes)
            kept = replace(column, comment=before.comment)
            change = _alter_column(new.name, before, kept, hints, converts)
            if before.type != column.type:
                change = replace(change, **_dependents(old, new, column.name))
            ops.append(change)
    for name, column in old_columns.items():
        if name not in new_names:
            ops.append(DropColumn(new.name, column))
    return ops


def _sans_comment(column: Column) -> Column:
    return replace(column, comment=None) if column.comment is not None else column


def _dependents(old: Table, new: Table, column: str) -> dict[str, Any]:
    """Unchanged indexes, unique constraints and primary key that use ``column``."""
    indexes = tuple(
        index
        for index in new.indexes
        if old.index(index.name) == index
        and (
            any(mentions(key.expression, column) for key in index.keys)
            or mentions(index.where, column)
        )
    )
    constraints = tuple(
        c
        for c in new.constraints
        if c.kind == "unique" and old.constraint(c.name) == c and column in c.columns
    )
    kept_key = column in new.primary_key and old.primary_key == new.primary_key
    return {
        "indexes": indexes,
        "constraints": constraints,
        "primary_key": new.primary_key if kept_key else (),
    }


def _add_column(
    table: str, column: Column, hints: Hints, gone: list[Column] | None = None
) -> AddColumn:
    hint = hints.column(table, column.name)
    needs_value = column.not_null and column.default is None and column.identity is None
    if needs_value and hint.backfill is None:
        fix = (
            f"add {field_options(hint.location, ('default', '...'))} or "
            f"{field_options(hint.location, ('backfill', '...'))} at {hint.location}"
            if hint.location
            else "add a default or a backfill expression"
        )
        twin = next((c for c in gone or [] if c.type == column.type), None)
        if twin is not None:
            fix = (
                f"did you rename {twin.name} to {column.name}? add "
                f"{field_options(hint.location or '', ('rename_from', twin.name))}; else {fix}"
            )
        raise PlanError(
            f"new column {table}.{column.name} is NOT NULL without a default; existing rows "
            "would have no value",
            _at(hint.location),
            hint=fix,
        )
    return AddColumn(table, column, hint.backfill)


def _converts(table: str, old: Column, new: Column, hints: Hints, applied: Applied) -> bool:
    """A convert_sql on a column whose type stays (or only widens) is a data
    migration of its own: run it once, when it first appears in the model. One
    whose convert_from names another type describes an earlier change."""
    hint = hints.column(table, new.name)
    if hint.convert_sql is None or applied.get((table, new.name)) == hint.convert_sql:
        return False
    if old.type != new.type and not widens(old.type, new.type):
        return False  # a real conversion: _type_change always uses it
    return hint.convert_from is None or hint.convert_from == old.type


def _alter_column(
    table: str, old: Column, new: Column, hints: Hints, converts: bool = False
) -> AlterColumn:
    hint = hints.column(table, new.name)
    change = _type_change(table, old, new, hints, converts)
    fill = hint.backfill or new.default or old.default
    if fill is not None and new.not_null != old.not_null:
        change = replace(change, fill=fill)
    elif new.not_null and not old.not_null and new.identity is None:
        raise PlanError(
            f"{table}.{new.name} becomes NOT NULL without a default; rows holding NULL "
            "would make the migration fail",
            _at(hint.location),
            _default_or_backfill(hint.location),
        )
    return change


def _type_change(
    table: str, old: Column, new: Column, hints: Hints, converts: bool = False
) -> AlterColumn:
    hint = hints.column(table, new.name)
    if (old.type == new.type or widens(old.type, new.type)) and not converts:
        return AlterColumn(table, old, new)
    if hint.convert_sql is not None:
        if hint.convert_from is not None and hint.convert_from != old.type:
            raise PlanError(
                f"{table}.{new.name}: convert_from says {hint.convert_from} but the column "
                f"is {old.type}",
                _at(hint.location),
                f"set convert_from to {old.type}",
            )
        return _conversion(table, old, new, hint.convert_sql, hint)
    if widens(new.type, old.type):
        return AlterColumn(table, old, new)
    conversion = field_options(
        hint.location, ("convert_from", old.type), ("convert_sql", f"CAST(%s AS {new.type})")
    )
    raise PlanError(
        f"{table}.{new.name} changes type {old.type} -> {new.type} and PostgreSQL cannot "
        "convert it safely",
        _at(hint.location),
        hint=f"add {conversion} at {hint.location or 'the field'}",
    )


def _conversion(
    table: str, old: Column, new: Column, convert_sql: str, hint: ColumnHint
) -> AlterColumn:
    """A change through ``convert_sql``; its rollback uses ``convert_back_sql``, else
    a plain cast back (marked lossy), refused when PostgreSQL has no such cast."""
    if hint.convert_back_sql is not None:
        return AlterColumn(table, old, new, convert_sql, hint.convert_back_sql)
    if old.type == new.type:
        return AlterColumn(table, old, new, convert_sql, None, reverse_exact=False)
    if not cast_exists(new.type, old.type):
        raise PlanError(
            f"{table}.{new.name}: the rollback of convert_sql needs {new.type} -> {old.type} "
            "and PostgreSQL has no such cast",
            _at(hint.location),
            f"add {field_options(hint.location or '', ('convert_back_sql', '...'))} "
            "(%s = the new value)",
        )
    back = f"%s::{sql_type(old.type)}"
    return AlterColumn(table, old, new, convert_sql, back, reverse_exact=False)


def _default_or_backfill(location: str | None) -> str:
    """The fix for a NULL that must get a value, in the model's own syntax."""
    where = location or ""
    return (
        f"add {field_options(where, ('default', '...'))} or "
        f"{field_options(where, ('backfill', '...'))}"
    )


def _at(location: str | None) -> Location | None:
    """A model location recorded as ``file:line:column`` text, for the error prefix."""
    return Location(location) if location else None
