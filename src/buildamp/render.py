"""Operations -> SQL text. One function per operation type.

Each function returns :class:`Step` objects; a step knows whether it runs
inside the migration's transaction (``phase = "tx"``), must be committed before
it (``"pre"``: ``ALTER TYPE ... ADD VALUE``, whose new value cannot be used in
the transaction that adds it), or must run after ``COMMIT`` (``"post"``, e.g.
``CREATE INDEX CONCURRENTLY``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from buildamp import ops as o
from buildamp.schema import Column, Constraint, Index
from buildamp.sqltext import quote_ident, quote_literal

Phase = Literal["pre", "tx", "post"]
TOUCH_FUNCTION = "buildamp_touch_updated_at"
POLICY = "buildamp_tenant_isolation"
TENANT_SETTING = "buildamp.host"


@dataclass(frozen=True)
class Step:
    sql: str
    phase: Phase = "tx"
    kind: Literal["forward", "validation", "note"] = "forward"


def q(name: str) -> str:
    return quote_ident(name)


def sql_type(type_name: str) -> str:
    """Our canonical types are upper case; anything lower case is a user type (enum)."""
    if type_name.split("(")[0].rstrip("[]").islower():
        base = type_name.rstrip("[]")
        return q(base) + type_name[len(base) :]
    return type_name


def column_definition(column: Column, inline_primary_key: bool = False) -> str:
    parts = [q(column.name), sql_type(column.type)]
    if column.identity:
        parts.append(f"GENERATED {column.identity.upper()} AS IDENTITY")
    if inline_primary_key:
        parts.append("PRIMARY KEY")
    elif column.not_null:
        parts.append("NOT NULL")
    if column.default is not None:
        parts.append(f"DEFAULT {column.default}")
    return " ".join(parts)


def index_keys(index: Index) -> str:
    keys = []
    for key in index.keys:
        text = q(key.expression) if key.is_column else f"({key.expression})"
        keys.append(text + (" DESC" if key.descending else ""))
    return ", ".join(keys)


def create_index_sql(table: str, index: Index) -> str:
    unique = "UNIQUE " if index.unique else ""
    where = f" WHERE {index.where}" if index.where else ""
    return f"CREATE {unique}INDEX {q(index.name)} ON {q(table)} ({index_keys(index)}){where}"


def constraint_body(constraint: Constraint) -> str:
    columns = ", ".join(q(c) for c in constraint.columns)
    if constraint.kind == "unique":
        return f"UNIQUE ({columns})"
    if constraint.kind == "check":
        return f"CHECK ({constraint.expression})"
    return f"FOREIGN KEY ({columns}) REFERENCES {constraint.references}"


def _create_table(op: o.CreateTable) -> list[Step]:
    table = op.table
    single_pk = len(table.primary_key) == 1
    lines = [
        "    " + column_definition(c, single_pk and c.name == table.primary_key[0])
        for c in table.columns
    ]
    if not single_pk and table.primary_key:
        keys = ", ".join(q(k) for k in table.primary_key)
        lines.append(f"    PRIMARY KEY ({keys})")
    for constraint in table.constraints:
        lines.append(f"    CONSTRAINT {q(constraint.name)} {constraint_body(constraint)}")
    steps = [Step(f"CREATE TABLE {q(table.name)} (\n" + ",\n".join(lines) + "\n)")]
    steps += [Step(create_index_sql(table.name, index)) for index in table.indexes]
    if table.touch_updated_at:
        steps += _set_touch_trigger(o.SetTouchTrigger(table.name, True))
    if table.rls:
        steps += _set_row_security(o.SetRowSecurity(table.name, True))
    return steps


def _drop_table(op: o.DropTable) -> list[Step]:
    return [
        Step(f"-- DESTRUCTIVE: drops table {op.table.name} and all its rows", kind="note"),
        Step(f"DROP TABLE {q(op.table.name)}"),
    ]


def _rename_table(op: o.RenameTable) -> list[Step]:
    return [Step(f"ALTER TABLE {q(op.old)} RENAME TO {q(op.new)}")]


def _add_column(op: o.AddColumn) -> list[Step]:
    column = op.column
    if op.backfill is None:
        return [Step(f"ALTER TABLE {q(op.table)} ADD COLUMN {column_definition(column)}")]
    relaxed = Column(column.name, column.type, False, column.default, column.identity)
    steps = [
        Step(f"ALTER TABLE {q(op.table)} ADD COLUMN {column_definition(relaxed)}"),
        Step(
            f"UPDATE {q(op.table)} SET {q(column.name)} = ({op.backfill}) "
            f"WHERE {q(column.name)} IS NULL"
        ),
    ]
    if column.not_null:
        steps.append(Step(f"ALTER TABLE {q(op.table)} ALTER COLUMN {q(column.name)} SET NOT NULL"))
    return steps


def _drop_column(op: o.DropColumn) -> list[Step]:
    return [
        Step(f"-- DESTRUCTIVE: drops {op.table}.{op.column.name} and its data", kind="note"),
        Step(f"ALTER TABLE {q(op.table)} DROP COLUMN {q(op.column.name)}"),
    ]


def _rename_column(op: o.RenameColumn) -> list[Step]:
    return [Step(f"ALTER TABLE {q(op.table)} RENAME COLUMN {q(op.old)} TO {q(op.new)}")]


def _alter_column(op: o.AlterColumn) -> list[Step]:
    prefix = f"ALTER TABLE {q(op.table)} ALTER COLUMN {q(op.new.name)}"
    old, new = op.old, op.new
    steps: list[Step] = []
    type_changes = old.type != new.type
    if old.identity and old.identity != new.identity:
        steps.append(Step(f"{prefix} DROP IDENTITY"))
    if old.default is not None and (type_changes or old.default != new.default):
        steps.append(Step(f"{prefix} DROP DEFAULT"))
    if type_changes:
        using = ""
        if op.using:
            using = " USING " + op.using.replace("%s", q(old.name))
        steps.append(Step(f"{prefix} TYPE {sql_type(new.type)}{using}"))
    if new.default is not None and (type_changes or old.default != new.default):
        steps.append(Step(f"{prefix} SET DEFAULT {new.default}"))
    if old.not_null and not new.not_null:
        steps.append(Step(f"{prefix} DROP NOT NULL"))
    if new.not_null and not old.not_null:
        if op.fill is not None:
            steps.append(
                Step(
                    f"UPDATE {q(op.table)} SET {q(new.name)} = ({op.fill}) "
                    f"WHERE {q(new.name)} IS NULL"
                )
            )
        steps.append(Step(f"{prefix} SET NOT NULL"))
    if new.identity and old.identity != new.identity:
        steps.append(Step(f"{prefix} ADD GENERATED {new.identity.upper()} AS IDENTITY"))
    if old.deprecated != new.deprecated:
        state = "deprecated (kept, now nullable)" if new.deprecated else "no longer deprecated"
        steps.append(Step(f"-- {op.table}.{new.name} is {state}", kind="note"))
    return steps


def _create_index(op: o.CreateIndex) -> list[Step]:
    return [Step(create_index_sql(op.table, op.index))]


def _drop_index(op: o.DropIndex) -> list[Step]:
    return [Step(f"DROP INDEX {q(op.index.name)}")]


def _add_constraint(op: o.AddConstraint) -> list[Step]:
    body = constraint_body(op.constraint)
    return [Step(f"ALTER TABLE {q(op.table)} ADD CONSTRAINT {q(op.constraint.name)} {body}")]


def _drop_constraint(op: o.DropConstraint) -> list[Step]:
    return [Step(f"ALTER TABLE {q(op.table)} DROP CONSTRAINT {q(op.constraint.name)}")]


def _create_enum(op: o.CreateEnum) -> list[Step]:
    values = ", ".join(quote_literal(v) for v in op.enum.values)
    return [Step(f"CREATE TYPE {q(op.enum.name)} AS ENUM ({values})")]


def _drop_enum(op: o.DropEnum) -> list[Step]:
    return [Step(f"DROP TYPE {q(op.enum.name)}")]


def _alter_enum(op: o.AlterEnum) -> list[Step]:
    name = q(op.new.name)
    if op.additive:
        steps = []
        for position, value in enumerate(op.new.values):
            if value in op.old.values:
                continue
            if position == 0:
                anchor = (
                    f" BEFORE {quote_literal(op.new.values[1])}" if len(op.new.values) > 1 else ""
                )
            else:
                anchor = f" AFTER {quote_literal(op.new.values[position - 1])}"
            steps.append(
                Step(
                    f"ALTER TYPE {name} ADD VALUE IF NOT EXISTS {quote_literal(value)}{anchor}",
                    phase="pre",
                )
            )
        return steps
    old_name = q(op.new.name + "__buildamp_old")
    steps = [
        Step(f"-- DESTRUCTIVE: rows holding removed values of {op.new.name} fail", kind="note"),
        Step(f"ALTER TYPE {name} RENAME TO {old_name}"),
        *_create_enum(o.CreateEnum(op.new)),
    ]
    for table, column, default in op.usages:
        prefix = f"ALTER TABLE {q(table)} ALTER COLUMN {q(column)}"
        if default is not None:
            steps.append(Step(f"{prefix} DROP DEFAULT"))
        steps.append(Step(f"{prefix} TYPE {name} USING {q(column)}::text::{name}"))
        if default is not None:
            steps.append(Step(f"{prefix} SET DEFAULT {default}"))
    steps.append(Step(f"DROP TYPE {old_name}"))
    return steps


def _create_touch_function(op: o.CreateTouchFunction) -> list[Step]:
    return [
        Step(
            f"CREATE OR REPLACE FUNCTION {TOUCH_FUNCTION}() RETURNS trigger\n"
            "LANGUAGE plpgsql AS $buildamp$\nBEGIN\n    NEW.updated_at := now();\n"
            "    RETURN NEW;\nEND;\n$buildamp$"
        )
    ]


def _drop_touch_function(op: o.DropTouchFunction) -> list[Step]:
    return [Step(f"DROP FUNCTION {TOUCH_FUNCTION}()")]


def _set_touch_trigger(op: o.SetTouchTrigger) -> list[Step]:
    trigger = q(f"trg_{op.table}_updated_at"[:63])
    if not op.enabled:
        return [Step(f"DROP TRIGGER {trigger} ON {q(op.table)}")]
    return [
        Step(
            f"CREATE TRIGGER {trigger} BEFORE UPDATE ON {q(op.table)} "
            f"FOR EACH ROW EXECUTE FUNCTION {TOUCH_FUNCTION}()"
        )
    ]


def _set_row_security(op: o.SetRowSecurity) -> list[Step]:
    table = q(op.table)
    if not op.enabled:
        return [
            Step(f"DROP POLICY {POLICY} ON {table}"),
            Step(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY"),
            Step(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY"),
        ]
    check = f"host = current_setting({quote_literal(TENANT_SETTING)}, true)"
    return [
        Step(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY"),
        Step(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY"),
        Step(f"CREATE POLICY {POLICY} ON {table} USING ({check}) WITH CHECK ({check})"),
    ]


def _set_table_info(op: o.SetTableInfo) -> list[Step]:
    return []


def _run_sql(op: o.RunSql) -> list[Step]:
    if op.up is None:
        return [
            Step(f"-- custom SQL {op.label} has no rollback section: nothing undone", kind="note")
        ]
    return [Step(f"-- Custom SQL from {op.label}", kind="note"), Step(op.up.strip().rstrip(";"))]


def _validate(op: o.Validate) -> list[Step]:
    if op.undo:
        return []
    message = quote_literal(f"Migration failed: validation of {op.table} returned non-zero")
    return [
        Step(
            "DO $buildamp$\nBEGIN\n"
            f"    IF COALESCE(({op.query}), 0) <> 0 THEN\n"
            f"        RAISE EXCEPTION USING MESSAGE = {message}, "
            f"DETAIL = {quote_literal(op.query)};\n"
            "    END IF;\nEND\n$buildamp$",
            kind="validation",
        )
    ]


def document_value(key: str, type_name: str) -> str:
    """The SQL value of a document key, typed like the column it would be."""
    literal = quote_literal(key)
    if type_name == "JSONB":
        return f"(data -> {literal})"
    if type_name == "TEXT":
        return f"(data ->> {literal})"
    return f"(data ->> {literal})::{sql_type(type_name)}"


def _rename_document_key(op: o.RenameDocumentKey) -> list[Step]:
    old, new = quote_literal(op.old), quote_literal(op.new)
    return [
        Step(
            f"UPDATE {q(op.table)} SET data = (data - {old}) || "
            f"jsonb_build_object({new}, data -> {old}) WHERE data ? {old}"
        )
    ]


def _fill_document_key(op: o.FillDocumentKey) -> list[Step]:
    key = quote_literal(op.key)
    if op.undo:
        return [
            Step(f"-- documents that held the default {op.value} lose key {op.key}", kind="note"),
            Step(
                f"UPDATE {q(op.table)} SET data = data - {key} "
                f"WHERE data -> {key} = to_jsonb({op.value})"
            ),
        ]
    return [
        Step(
            f"UPDATE {q(op.table)} SET data = jsonb_set(data, ARRAY[{key}], to_jsonb({op.value})) "
            f"WHERE NOT data ? {key}"
        )
    ]


def _convert_document_key(op: o.ConvertDocumentKey) -> list[Step]:
    key = quote_literal(op.key)
    value = op.using.replace("%s", f"(data ->> {key})")
    return [
        Step(
            f"UPDATE {q(op.table)} SET data = jsonb_set(data, ARRAY[{key}], to_jsonb({value})) "
            f"WHERE data ? {key} AND jsonb_typeof(data -> {key}) <> 'null'"
        )
    ]


FIXED_JSONB_COLUMNS = ("id", "data", "host", "created_at", "updated_at")


def _change_storage(op: o.ChangeStorage) -> list[Step]:
    table = q(op.new.name)
    if op.new.storage == "jsonb":
        moved = [c for c in op.old.columns if c.name not in FIXED_JSONB_COLUMNS]
        pairs = ", ".join(f"{quote_literal(c.name)}, {q(c.name)}" for c in moved)
        steps = [
            Step(f"ALTER TABLE {table} ADD COLUMN data JSONB"),
            Step(f"UPDATE {table} SET data = jsonb_build_object({pairs})"),
            Step(f"ALTER TABLE {table} ALTER COLUMN data SET NOT NULL"),
        ]
        steps += [Step(f"ALTER TABLE {table} DROP COLUMN {q(c.name)}") for c in moved]
        return steps
    added = [c for c in op.new.columns if op.old.column(c.name) is None]
    steps = [
        Step(
            f"-- DESTRUCTIVE: document keys of {op.new.name} not in the model are dropped",
            kind="note",
        )
    ]
    for column in added:
        relaxed = Column(column.name, column.type, False, column.default, column.identity)
        steps.append(Step(f"ALTER TABLE {table} ADD COLUMN {column_definition(relaxed)}"))
    if added:
        sets = []
        for column in added:
            value = document_value(column.name, column.type)
            if column.default is not None:
                value = f"COALESCE({value}, {column.default})"
            sets.append(f"{q(column.name)} = {value}")
        steps.append(Step(f"UPDATE {table} SET " + ", ".join(sets)))
    steps += [
        Step(f"ALTER TABLE {table} ALTER COLUMN {q(c.name)} SET NOT NULL")
        for c in added
        if c.not_null
    ]
    steps.append(Step(f"ALTER TABLE {table} DROP COLUMN data"))
    return steps


_RENDERERS: dict[type, Callable[[Any], list[Step]]] = {
    o.CreateTable: _create_table,
    o.DropTable: _drop_table,
    o.RenameTable: _rename_table,
    o.AddColumn: _add_column,
    o.DropColumn: _drop_column,
    o.RenameColumn: _rename_column,
    o.AlterColumn: _alter_column,
    o.CreateIndex: _create_index,
    o.DropIndex: _drop_index,
    o.AddConstraint: _add_constraint,
    o.DropConstraint: _drop_constraint,
    o.CreateEnum: _create_enum,
    o.DropEnum: _drop_enum,
    o.AlterEnum: _alter_enum,
    o.CreateTouchFunction: _create_touch_function,
    o.DropTouchFunction: _drop_touch_function,
    o.SetTouchTrigger: _set_touch_trigger,
    o.SetRowSecurity: _set_row_security,
    o.SetTableInfo: _set_table_info,
    o.RunSql: _run_sql,
    o.Validate: _validate,
    o.RenameDocumentKey: _rename_document_key,
    o.FillDocumentKey: _fill_document_key,
    o.ConvertDocumentKey: _convert_document_key,
    o.ChangeStorage: _change_storage,
}


def render(op: o.Operation) -> list[Step]:
    return _RENDERERS[type(op)](op)


def render_all(operations: list[o.Operation]) -> list[Step]:
    return [step for op in operations for step in render(op)]


def _landed_checks(op: o.Operation) -> list[tuple[str, str]]:
    """(condition that must hold, what it proves) for objects an operation creates."""
    match op:
        case o.CreateTable(table):
            return [
                (f"to_regclass({quote_literal(q(table.name))}) IS NOT NULL", f"table {table.name}")
            ]
        case o.AddColumn(table, column, _):
            return [
                (
                    "EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = "
                    f"{quote_literal(q(table))}::regclass AND attname = {quote_literal(column.name)} "
                    "AND NOT attisdropped)",
                    f"column {table}.{column.name}",
                )
            ]
        case o.CreateIndex(_, index):
            return [
                (f"to_regclass({quote_literal(q(index.name))}) IS NOT NULL", f"index {index.name}")
            ]
        case o.AddConstraint(table, constraint):
            return [
                (
                    "EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = "
                    f"{quote_literal(q(table))}::regclass AND conname = {quote_literal(constraint.name)})",
                    f"constraint {constraint.name}",
                )
            ]
    return []


def verify_landed(operations: list[o.Operation], phase: Phase = "tx") -> list[Step]:
    """One DO block proving that what the migration creates exists (the seed's
    validation block), checked inside the same transaction."""
    checks = [check for op in operations for check in _landed_checks(op)]
    if not checks:
        return []
    body = "".join(
        f"    IF NOT ({condition}) THEN\n"
        f"        RAISE EXCEPTION {quote_literal('Migration failed: ' + what + ' not created')};\n"
        "    END IF;\n"
        for condition, what in checks
    )
    return [Step(f"DO $buildamp$\nBEGIN\n{body}END\n$buildamp$", phase=phase, kind="validation")]
