"""Lock-safe renderers for tables that already hold data (``online = true``).

Each keeps writes flowing: indexes are built ``CONCURRENTLY`` after COMMIT, a
unique constraint adopts a concurrently built index, NOT NULL goes through a
``CHECK ... NOT VALID`` that is validated without blocking writes, and data
changes run as batched UPDATEs the executor splits into short transactions.
Tables created in the same migration never come here: they are empty.
"""

from __future__ import annotations

import re
from dataclasses import replace

from buildamp.model.naming import fit_identifier, word_pattern
from buildamp.model.schema import Column, Index, IndexKey
from buildamp.pg.facts import is_volatile_default, rewrites
from buildamp.pg.sqlbits import (
    column_definition,
    constraint_body,
    create_index_sql,
    not_null_check_name,
    q,
    quote_literal,
    sql_type,
)
from buildamp.plan import ops as o
from buildamp.render.data import (
    render_convert_document_key,
    render_fill_document_key,
    render_rename_document_key,
)
from buildamp.render.ddl import (
    fill_nulls,
    lossy_conversion_note,
    render_add_column,
    render_alter_column,
)
from buildamp.render.step import Step


def online_create_index(op: o.CreateIndex) -> list[Step]:
    return [Step(create_index_sql(op.table, op.index, concurrently=True), phase="post")]


def online_drop_index(op: o.DropIndex) -> list[Step]:
    return [Step(f"DROP INDEX CONCURRENTLY IF EXISTS {q(op.index.name)}", phase="pre")]


def online_add_constraint(op: o.AddConstraint) -> list[Step]:
    constraint, table = op.constraint, q(op.table)
    name = q(constraint.name)
    if constraint.kind == "unique":
        index = Index(constraint.name, tuple(_keys(constraint.columns)), unique=True)
        return [
            Step(create_index_sql(op.table, index, concurrently=True), phase="post"),
            Step(
                f"ALTER TABLE {table} ADD CONSTRAINT {name} UNIQUE USING INDEX {name}",
                phase="post",
            ),
        ]
    # A foreign key or check goes after COMMIT as a whole: the unique constraint a
    # key points at may itself be built there (concurrently); a NOT VALID check
    # already applies to updates of old rows, so it must follow the batched
    # backfills (a renamed or filled JSONB key) or it would reject the
    # application's writes to rows not yet filled. NOT VALID then takes its short
    # locks in a transaction of its own, under lock_timeout.
    return [
        Step(
            f"ALTER TABLE {table} ADD CONSTRAINT {name} {constraint_body(constraint)} NOT VALID",
            phase="post",
        ),
        Step(f"ALTER TABLE {table} VALIDATE CONSTRAINT {name}", phase="post"),
    ]


def online_drop_constraint(op: o.DropConstraint) -> list[Step]:
    """IF EXISTS: this may roll back a migration that failed after COMMIT, before
    the constraint was attached; a unique one may have left its concurrently
    built index alone, dropped concurrently after COMMIT (no lock on writes)."""
    table, name = q(op.table), q(op.constraint.name)
    steps = [Step(f"ALTER TABLE {table} DROP CONSTRAINT IF EXISTS {name}")]
    if op.constraint.kind == "unique":
        steps.append(Step(f"DROP INDEX CONCURRENTLY IF EXISTS {name}", phase="post"))
    return steps


def _keys(columns: tuple[str, ...]) -> list[IndexKey]:
    return [IndexKey(column) for column in columns]


def _set_not_null_steps(table: str, column: str, fill: str | None) -> list[Step]:
    """NOT NULL without a long ACCESS EXCLUSIVE scan: fill NULLs in batches, then a
    NOT VALID check (instant), VALIDATE (scans without blocking writes), and SET
    NOT NULL, which trusts the validated check. The check comes after the fill:
    a NOT VALID check already applies to updates of old rows, so added earlier it
    would reject the application's writes to rows not yet filled."""
    check = q(not_null_check_name(table, column))
    name = q(column)
    steps = []
    fills = []
    if fill is not None:
        fills = [fill_nulls(table, column, fill, online=True)]
    steps += [
        *fills,
        Step(
            f"ALTER TABLE {q(table)} ADD CONSTRAINT {check} CHECK ({name} IS NOT NULL) NOT VALID",
            phase="post",
        ),
        # Rows inserted between the fill and the check (live traffic) are still
        # NULL and would fail VALIDATE forever: fill once more now that the check
        # stops new NULLs (usually zero rows).
        *fills,
        Step(f"ALTER TABLE {q(table)} VALIDATE CONSTRAINT {check}", phase="post"),
        Step(f"ALTER TABLE {q(table)} ALTER COLUMN {name} SET NOT NULL", phase="post"),
        Step(f"ALTER TABLE {q(table)} DROP CONSTRAINT {check}", phase="post"),
    ]
    return steps


def online_add_column(op: o.AddColumn) -> list[Step]:
    column = op.column
    volatile = is_volatile_default(column.default)
    if op.backfill is None and not volatile:
        return render_add_column(op)
    table = q(op.table)
    # With a backfill the default comes after ADD COLUMN: added with it, every
    # existing row would hold the default and the backfill would match no row.
    later = volatile or op.backfill is not None
    relaxed = Column(column.name, column.type, False, None if later else column.default)
    steps = [Step(f"ALTER TABLE {table} ADD COLUMN {column_definition(relaxed)}")]
    if later and column.default is not None:
        steps.append(
            Step(f"ALTER TABLE {table} ALTER COLUMN {q(column.name)} SET DEFAULT {column.default}")
        )
    # Here either a backfill is given or the default is volatile (so not None).
    fill = op.backfill if op.backfill is not None else (column.default or "NULL")
    if column.not_null:
        return steps + _set_not_null_steps(op.table, column.name, fill)
    return [*steps, fill_nulls(op.table, column.name, fill, online=True)]


def copies_column(op: o.AlterColumn) -> bool:
    """Online, this type change copies into a new column (expand, copy, swap).
    An identity column keeps its kind: a change of identity goes the plain way."""
    return rewrites(op.old.type, op.new.type) and op.old.identity == op.new.identity


def online_alter_column(op: o.AlterColumn) -> list[Step]:
    if copies_column(op):
        if op.reverse_exact:
            return expand_contract(op)
        return [Step(lossy_conversion_note(op), role="note"), *expand_contract(op)]
    if op.old.not_null and not op.new.not_null:
        # the rollback of an online SET NOT NULL that may have stopped half-way
        check = q(not_null_check_name(op.table, op.new.name))
        leftover = Step(f"ALTER TABLE {q(op.table)} DROP CONSTRAINT IF EXISTS {check}")
        return [*render_alter_column(op), leftover]
    # a same-type convert_sql is an UPDATE of every row: batched after COMMIT
    converts = op.using is not None and op.old.type == op.new.type
    if not (op.new.not_null and not op.old.not_null):
        steps = render_alter_column(op)
        return _batched(steps, op.table) if converts else steps
    # Everything but the NOT NULL goes in the transaction; NOT NULL goes online.
    relaxed = replace(op, new=replace(op.new, not_null=False), fill=None)
    steps = render_alter_column(relaxed)
    steps = _batched(steps, op.table) if converts else steps
    return steps + _set_not_null_steps(op.table, op.new.name, op.fill)


def _batched(steps: list[Step], table: str) -> list[Step]:
    return [
        replace(step, phase="post", batch_table=table) if step.role == "backfill" else step
        for step in steps
    ]


def online_rename_document_key(op: o.RenameDocumentKey) -> list[Step]:
    return _batched(render_rename_document_key(op), op.table)


def online_fill_document_key(op: o.FillDocumentKey) -> list[Step]:
    return _batched(render_fill_document_key(op), op.table)


def online_convert_document_key(op: o.ConvertDocumentKey) -> list[Step]:
    return _batched(render_convert_document_key(op), op.table)


def _renamed_in(text: str, column: str, temporary: str) -> str:
    """The same key or predicate on the new column (same rule that chose it)."""
    return re.sub(word_pattern(column), temporary, text)


def expand_contract(op: o.AlterColumn) -> list[Step]:
    """A type change without rewriting under an ACCESS EXCLUSIVE lock: a new
    column kept in step by a trigger, a batched copy, indexes built
    concurrently on it, then one short atomic swap."""
    table, column = op.table, op.new.name
    temporary = fit_identifier(f"{column}__buildamp_new")
    function = fit_identifier(f"buildamp_sync_{table}_{column}")
    convert = op.using or f"CAST(%s AS {sql_type(op.new.type)})"
    new_value = convert.replace("%s", f"NEW.{q(column)}")
    # What a run of the opposite change that stopped before its swap left behind
    # (its rollback runs this): dropped first, whatever happened.
    leftovers = (
        f"    DROP TRIGGER IF EXISTS {q(function)} ON {q(table)};\n"
        f"    DROP FUNCTION IF EXISTS {q(function)}();\n"
        f"    ALTER TABLE {q(table)} DROP COLUMN IF EXISTS {q(temporary)};\n"
    )
    steps = [
        Step(
            f"-- {table}.{column}: {op.old.type} -> {op.new.type} online (expand, copy, swap)",
            role="note",
        ),
        Step(f"DO $buildamp$\nBEGIN\n{leftovers}END\n$buildamp$"),
        Step(f"ALTER TABLE {q(table)} ADD COLUMN {q(temporary)} {sql_type(op.new.type)}"),
        Step(
            f"CREATE FUNCTION {q(function)}() RETURNS trigger LANGUAGE plpgsql AS $buildamp$\n"
            f"BEGIN\n    NEW.{q(temporary)} := {new_value};\n    RETURN NEW;\nEND;\n$buildamp$"
        ),
        Step(
            f"CREATE TRIGGER {q(function)} BEFORE INSERT OR UPDATE ON {q(table)} "
            f"FOR EACH ROW EXECUTE FUNCTION {q(function)}()"
        ),
        Step(
            f"UPDATE {q(table)} SET {q(temporary)} = {convert.replace('%s', q(column))}",
            phase="post",
            role="backfill",
            batch_table=table,
        ),
    ]
    swap = [
        f"DROP TRIGGER {q(function)} ON {q(table)}",
        f"DROP FUNCTION {q(function)}()",
        # the column's comment moves along (whatever it is by now: a comment edit
        # in the same migration ran in its transaction, before this swap)
        f"EXECUTE format('COMMENT ON COLUMN %I.%I IS %L', {quote_literal(table)}, "
        f"{quote_literal(temporary)}, col_description({quote_literal(q(table))}::regclass, "
        f"(SELECT attnum FROM pg_attribute WHERE attrelid = {quote_literal(q(table))}::regclass "
        f"AND attname = {quote_literal(column)})))",
    ]
    declare = ""
    serial = op.old.default is not None and "nextval(" in op.old.default
    column_of = f"{quote_literal(q(table))}, {quote_literal(column)}"
    if op.old.identity:
        # The identity sequence goes with the old column: the new one starts where
        # it stopped (under the table lock, so no insert takes a value in between).
        declare = "DECLARE\n    next_value bigint;\n"
        swap += [
            f"LOCK TABLE {q(table)} IN ACCESS EXCLUSIVE MODE",
            f"next_value := nextval(pg_get_serial_sequence({column_of}))",
        ]
    elif serial:
        # a serial's sequence (whatever its name) is owned by the old column: keep it
        declare = "DECLARE\n    owned_sequence text;\n"
        swap += [
            f"owned_sequence := pg_get_serial_sequence({column_of})",
            "IF owned_sequence IS NOT NULL THEN EXECUTE format("
            "'ALTER SEQUENCE %s OWNED BY NONE', owned_sequence); END IF",
        ]
    swap += [
        f"ALTER TABLE {q(table)} DROP COLUMN {q(column)}",
        f"ALTER TABLE {q(table)} RENAME COLUMN {q(temporary)} TO {q(column)}",
    ]
    if serial:
        owner = quote_literal(f"ALTER SEQUENCE %s OWNED BY {q(table)}.{q(column)}")
        swap.append(
            f"IF owned_sequence IS NOT NULL THEN EXECUTE format({owner}, owned_sequence); END IF"
        )
    for index in op.indexes:
        shadow = fit_identifier(f"{index.name}__buildamp_new")
        keys = tuple(
            IndexKey(_renamed_in(k.expression, column, temporary), k.descending, k.is_column)
            for k in index.keys
        )
        where = _renamed_in(index.where, column, temporary) if index.where else None
        moved = Index(shadow, keys, index.unique, where)
        steps.append(Step(create_index_sql(table, moved, concurrently=True), phase="post"))
        swap.append(f"ALTER INDEX {q(shadow)} RENAME TO {q(index.name)}")

    def rebuild_key(name: str, kind: str, key_columns: tuple[str, ...]) -> None:
        """A unique or primary key on the copied column: built concurrently on
        the new column, attached in the swap (USING INDEX does not scan)."""
        shadow = fit_identifier(f"{name}__buildamp_new")
        columns = tuple(temporary if c == column else c for c in key_columns)
        moved = Index(shadow, tuple(_keys(columns)), unique=True)
        steps.append(Step(create_index_sql(table, moved, concurrently=True), phase="post"))
        swap.append(
            f"ALTER TABLE {q(table)} ADD CONSTRAINT {q(name)} {kind} USING INDEX {q(shadow)}"
        )

    for constraint in op.constraints:
        rebuild_key(constraint.name, "UNIQUE", constraint.columns)
    if op.new.not_null:
        check = q(not_null_check_name(table, temporary))
        steps += [
            Step(
                f"ALTER TABLE {q(table)} ADD CONSTRAINT {check} "
                f"CHECK ({q(temporary)} IS NOT NULL) NOT VALID",
                phase="post",
            ),
            Step(f"ALTER TABLE {q(table)} VALIDATE CONSTRAINT {check}", phase="post"),
        ]
        swap += [
            f"ALTER TABLE {q(table)} ALTER COLUMN {q(column)} SET NOT NULL",
            f"ALTER TABLE {q(table)} DROP CONSTRAINT {check}",
        ]
    if op.primary_key:
        # Dropping the old column took the primary key with it: rebuild it from
        # a unique index built concurrently (the key's columns are NOT NULL by
        # now, checked above, so ADD PRIMARY KEY USING INDEX does not scan).
        rebuild_key(fit_identifier(f"{table}_pkey"), "PRIMARY KEY", op.primary_key)
    if op.new.default is not None:
        swap.append(f"ALTER TABLE {q(table)} ALTER COLUMN {q(column)} SET DEFAULT {op.new.default}")
    if op.new.identity:
        generated = quote_literal(
            f"ALTER TABLE {q(table)} ALTER COLUMN {q(column)} "
            f"ADD GENERATED {op.new.identity.upper()} AS IDENTITY (START WITH %s)"
        )
        swap.append(f"EXECUTE format({generated}, next_value)")
    body = "".join(f"    {statement};\n" for statement in swap)
    steps.append(Step(f"DO $buildamp$\n{declare}BEGIN\n{body}END\n$buildamp$", phase="post"))
    return _while_type(steps, op, first=2)


def _while_type(steps: list[Step], op: o.AlterColumn, first: int) -> list[Step]:
    """Steps from ``first`` on run only while the column still has its old type:
    the rollback of a copy that stopped before its swap (the column never
    changed) then only drops the leftovers. A change of typmod alone (same base
    type) cannot be told apart by the type, so it stays unguarded."""
    if op.old.type.split("(")[0] == op.new.type.split("(")[0]:
        return steps
    guard = (op.table, op.new.name, op.old.type)
    return [
        replace(step, when_type=guard) if i >= first and step.role != "note" else step
        for i, step in enumerate(steps)
    ]
