"""Renderers for data operations: custom SQL, validations, JSONB document
changes and storage switches; plus the block proving a migration landed."""

from __future__ import annotations

from buildamp.model.schema import Column
from buildamp.pg.sqlbits import Step, column_definition, q, quote_literal, sql_type
from buildamp.plan import ops as o


def render_run_sql(op: o.RunSql) -> list[Step]:
    if op.up is None:
        return [
            Step(f"-- custom SQL {op.label} has no rollback section: nothing undone", kind="note")
        ]
    return [Step(f"-- Custom SQL from {op.label}", kind="note"), Step(op.up.strip().rstrip(";"))]


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


def render_rename_document_key(op: o.RenameDocumentKey) -> list[Step]:
    old, new = quote_literal(op.old), quote_literal(op.new)
    return [
        Step(
            f"UPDATE {q(op.table)} SET data = (data - {old}) || "
            f"jsonb_build_object({new}, data -> {old}) WHERE data ? {old}"
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
            Step(f"-- documents that held the default {op.value} lose key {op.key}", kind="note"),
            Step(f"UPDATE {q(op.table)} SET data = data - {key} WHERE data -> {key} = {value}"),
        ]
    return [
        Step(
            f"UPDATE {q(op.table)} SET data = jsonb_set(data, ARRAY[{key}], {value}) "
            f"WHERE NOT data ? {key}"
        )
    ]


def render_convert_document_key(op: o.ConvertDocumentKey) -> list[Step]:
    key = quote_literal(op.key)
    value = op.using.replace("%s", f"(data ->> {key})")
    return [
        Step(
            f"UPDATE {q(op.table)} SET data = jsonb_set(data, ARRAY[{key}], to_jsonb({value})) "
            f"WHERE data ? {key} AND jsonb_typeof(data -> {key}) <> 'null'"
        )
    ]


FIXED_JSONB_COLUMNS = ("id", "data", "host", "created_at", "updated_at")


def render_change_storage(op: o.ChangeStorage) -> list[Step]:
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
                    f"{quote_literal(q(table))}::regclass "
                    f"AND attname = {quote_literal(column.name)} AND NOT attisdropped)",
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
                    f"{quote_literal(q(table))}::regclass "
                    f"AND conname = {quote_literal(constraint.name)})",
                    f"constraint {constraint.name}",
                )
            ]
    return []


def verify_landed(operations: list[o.Operation], online: bool = False) -> list[Step]:
    """One DO block proving that what the migration creates exists (the seed's
    validation block), checked inside the same transaction. Online, indexes and
    unique constraints are built after COMMIT, so they are not checked here."""
    deferred = (o.CreateIndex, o.AddConstraint) if online else ()
    checks = [
        check for op in operations if not isinstance(op, deferred) for check in _landed_checks(op)
    ]
    if not checks:
        return []
    body = "".join(
        f"    IF NOT ({condition}) THEN\n"
        f"        RAISE EXCEPTION {quote_literal('Migration failed: ' + what + ' not created')};\n"
        "    END IF;\n"
        for condition, what in checks
    )
    return [Step(f"DO $buildamp$\nBEGIN\n{body}END\n$buildamp$", kind="validation")]
