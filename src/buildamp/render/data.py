"""Renderers for data operations: custom SQL, validations, JSONB document
changes and storage switches; plus the block proving a migration landed."""

from __future__ import annotations

from collections.abc import Sequence
from typing import assert_never

from buildamp.model.schema import Column
from buildamp.pg.sqlbits import column_definition, q, quote_literal, sql_type
from buildamp.plan import ops as o
from buildamp.render.ddl import comment_step
from buildamp.render.step import Step


def render_run_sql(op: o.RunSql) -> list[Step]:
    if op.up is None:
        return [
            Step(f"-- custom SQL {op.label} has no rollback section: nothing undone", role="note")
        ]
    return [Step(f"-- Custom SQL from {op.label}", role="note"), Step(op.up.strip().rstrip(";"))]


def render_validate(op: o.Validate) -> list[Step]:
    """A DO block that raises, naming the model, the query and the count it
    returned, when the ``validate`` query is not 0."""
    if op.undo:
        return []
    model = (f"{op.table} ({op.source})" if op.source else op.table).replace("%", "%%")
    message = quote_literal(f"Migration failed: validation of {model} returned %s, expected 0")
    return [
        Step(
            "DO $buildamp$\nDECLARE found numeric;\nBEGIN\n"
            f"    found := COALESCE(({op.query}), 0);\n"
            "    IF found <> 0 THEN\n"
            f"        RAISE EXCEPTION USING MESSAGE = format({message}, found), "
            f"DETAIL = {quote_literal('query: ' + op.query)};\n"
            "    END IF;\nEND\n$buildamp$",
            role="validation",
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


def render_rename_document_key(op: o.RenameDocumentKey) -> list[Step]:
    old, new = quote_literal(op.old), quote_literal(op.new)
    return [
        Step(
            f"UPDATE {q(op.table)} SET data = (data - {old}) || "
            f"jsonb_build_object({new}, data -> {old}) WHERE data ? {old}",
            role="backfill",
        )
    ]


def json_value(value: str, type_name: str) -> str:
    """``to_jsonb`` of a default, typed: ``to_jsonb('x')`` alone is ambiguous."""
    if type_name == "JSONB":
        return f"({value})::jsonb"
    if type_name.islower() or type_name.startswith(("VARCHAR", "CHAR")):
        return f"to_jsonb(({value})::text)"
    return f"to_jsonb(({value})::{type_name.lower()})"


def render_fill_document_key(op: o.FillDocumentKey) -> list[Step]:
    key = quote_literal(op.key)
    value = json_value(op.value, op.value_type)
    if op.undo:
        return [
            Step(f"-- documents that held the default {op.value} lose key {op.key}", role="note"),
            Step(
                f"UPDATE {q(op.table)} SET data = data - {key} WHERE data -> {key} = {value}",
                role="backfill",
            ),
        ]
    return [
        Step(
            f"UPDATE {q(op.table)} SET data = jsonb_set(data, ARRAY[{key}], {value}) "
            f"WHERE NOT data ? {key}",
            role="backfill",
        )
    ]


def render_convert_document_key(op: o.ConvertDocumentKey) -> list[Step]:
    key = quote_literal(op.key)
    value = op.using.replace("%s", f"(data ->> {key})")
    return [
        Step(
            f"UPDATE {q(op.table)} SET data = jsonb_set(data, ARRAY[{key}], to_jsonb({value})) "
            f"WHERE data ? {key} AND jsonb_typeof(data -> {key}) <> 'null'",
            role="backfill",
        )
    ]


# A storage switch rewrites every row in one UPDATE anyway: the SET NOT NULL scan
# after it (BA005) adds little, and there is no lock-safe form of the switch.
_REWRITTEN = ("BA005",)
FIXED_JSONB_COLUMNS = ("id", "data", "host", "created_at", "updated_at")


def render_change_storage(op: o.ChangeStorage) -> list[Step]:
    table = q(op.new.name)
    if op.new.storage == "jsonb":
        moved = [c for c in op.old.columns if c.name not in FIXED_JSONB_COLUMNS]
        pairs = ", ".join(f"{quote_literal(c.name)}, {q(c.name)}" for c in moved)
        steps = [
            Step(f"ALTER TABLE {table} ADD COLUMN data JSONB"),
            Step(f"UPDATE {table} SET data = jsonb_build_object({pairs})", role="backfill"),
            Step(f"ALTER TABLE {table} ALTER COLUMN data SET NOT NULL", accepts=_REWRITTEN),
        ]
        steps += [Step(f"ALTER TABLE {table} DROP COLUMN {q(c.name)}") for c in moved]
        return steps + _column_comments(op)
    added = [c for c in op.new.columns if op.old.column(c.name) is None]
    steps = [
        Step(
            f"-- DESTRUCTIVE: document keys of {op.new.name} not in the model are dropped",
            role="note",
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
        steps.append(Step(f"UPDATE {table} SET " + ", ".join(sets), role="backfill"))
    steps += [
        Step(f"ALTER TABLE {table} ALTER COLUMN {q(c.name)} SET NOT NULL", accepts=_REWRITTEN)
        for c in added
        if c.not_null
    ]
    steps.append(Step(f"ALTER TABLE {table} DROP COLUMN data"))
    return steps + _column_comments(op)


def _column_comments(op: o.ChangeStorage) -> list[Step]:
    """Column comments of the new layout (a jsonb document's keys have none; the
    table's own comment changes in its own op)."""
    steps = []
    for column in op.new.columns:
        before = op.old.column(column.name)
        if (None if before is None else before.comment) != column.comment:
            steps.append(comment_step(op.new.name, column.name, column.comment))
    return steps


def _landed_check(landed: o.Landed) -> tuple[str, str]:
    """(condition that must hold, what it proves) for one created object."""
    table = quote_literal(q(landed.table))
    name = quote_literal(landed.name)
    match landed.kind:
        case "table":
            return f"to_regclass({table}) IS NOT NULL", f"table {landed.name}"
        case "column":
            return (
                f"EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = {table}::regclass "
                f"AND attname = {name} AND NOT attisdropped)",
                f"column {landed.table}.{landed.name}",
            )
        case "index":
            index = quote_literal(q(landed.name))
            return f"to_regclass({index}) IS NOT NULL", f"index {landed.name}"
        case "constraint":
            return (
                f"EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = {table}::regclass "
                f"AND conname = {name})",
                f"constraint {landed.name}",
            )
        case _:
            assert_never(landed.kind)


def verify_landed(operations: list[o.Operation], steps: Sequence[Step] = ()) -> list[Step]:
    """One DO block proving that what the migration creates exists, checked
    inside the same transaction, so a migration that silently did less fails
    instead of committing. ``steps`` are the rendered ones: an index or a
    constraint built after COMMIT (online, on a table that holds data) is not
    there yet, so it is not checked here; one on a new table is."""
    late = {
        id(step.op)
        for step in steps
        if step.phase == "post" and isinstance(step.op, o.CreateIndex | o.AddConstraint)
    }
    checks = [
        _landed_check(landed) for op in operations if id(op) not in late for landed in op.landed()
    ]
    if not checks:
        return []
    body = "".join(
        f"    IF NOT ({condition}) THEN\n"
        f"        RAISE EXCEPTION {quote_literal('Migration failed: ' + what + ' not created')};\n"
        "    END IF;\n"
        for condition, what in checks
    )
    return [Step(f"DO $buildamp$\nBEGIN\n{body}END\n$buildamp$", role="validation")]
