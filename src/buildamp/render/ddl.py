"""Renderers for schema operations: tables, columns, indexes, constraints,
enums, the updated_at trigger and row-level security. One function per operation."""

from __future__ import annotations

from buildamp.model.schema import Column
from buildamp.pg.sqlbits import (
    MIGRATING_SETTING,
    POLICY,
    TENANT_SETTING,
    TOUCH_FUNCTION,
    as_serial,
    column_definition,
    constraint_body,
    create_index_sql,
    q,
    quote_literal,
    sql_type,
    trigger_name,
)
from buildamp.pg.sqltext import NUMERIC_TYPES
from buildamp.plan import ops as o
from buildamp.render.step import Step


def render_create_table(op: o.CreateTable) -> list[Step]:
    table = op.table
    single_pk = len(table.primary_key) == 1
    lines = [
        "    "
        + column_definition(as_serial(table.name, c), single_pk and c.name == table.primary_key[0])
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
        steps += render_set_touch_trigger(o.SetTouchTrigger(table.name, True))
    if table.rls:
        steps += render_set_row_security(o.SetRowSecurity(table.name, True))
    return steps


def render_drop_table(op: o.DropTable) -> list[Step]:
    return [
        Step(f"-- DESTRUCTIVE: drops table {op.table.name} and all its rows", role="note"),
        Step(f"DROP TABLE {q(op.table.name)}"),
    ]


def render_rename_table(op: o.RenameTable) -> list[Step]:
    steps = [Step(f"ALTER TABLE {q(op.old)} RENAME TO {q(op.new)}"), _rename_owned(op)]
    if op.touch_trigger:
        old, new = q(trigger_name(op.old)), q(trigger_name(op.new))
        steps.append(Step(f"ALTER TRIGGER {old} ON {q(op.new)} RENAME TO {new}"))
    return steps


def _rename_owned(op: o.RenameTable) -> Step:
    """The primary key (``<old>_pkey``) and identity/serial sequences
    (``<old>_<col>_seq``) carry the table's name: renamed along, so a later table
    reusing the old name gets clean names instead of ``<old>_pkey1``."""
    old_prefix, new_prefix = quote_literal(op.old + "_"), quote_literal(op.new + "_")
    table = quote_literal(q(op.new))
    return Step(
        "DO $buildamp$\nDECLARE\n    owned record;\nBEGIN\n"
        "    FOR owned IN\n"
        "        SELECT 'INDEX' AS kind, c.relname::text AS name FROM pg_index i\n"
        "        JOIN pg_class c ON c.oid = i.indexrelid\n"
        f"        WHERE i.indrelid = {table}::regclass AND i.indisprimary\n"
        "        UNION ALL\n"
        "        SELECT 'SEQUENCE', s.relname::text FROM pg_depend d\n"
        "        JOIN pg_class s ON s.oid = d.objid AND s.relkind = 'S'\n"
        f"        WHERE d.refobjid = {table}::regclass AND d.classid = 'pg_class'::regclass\n"
        "    LOOP\n"
        f"        IF left(owned.name, length({old_prefix})) = {old_prefix} THEN\n"
        "            EXECUTE format('ALTER %s %I RENAME TO %I', owned.kind, owned.name,\n"
        f"                {new_prefix} || substr(owned.name, length({old_prefix}) + 1));\n"
        "        END IF;\n"
        "    END LOOP;\n"
        "END\n$buildamp$"
    )


def render_rename_index(op: o.RenameIndex) -> list[Step]:
    return [Step(f"ALTER INDEX {q(op.old)} RENAME TO {q(op.new)}")]


def fill_nulls(table: str, column: str, value: str, online: bool = False) -> Step:
    """The backfill giving NULL rows of ``column`` a value; online it runs after
    COMMIT in key-range batches."""
    sql = f"UPDATE {q(table)} SET {q(column)} = ({value}) WHERE {q(column)} IS NULL"
    if online:
        return Step(sql, phase="post", role="backfill", batch_table=table)
    return Step(sql, role="backfill")


def render_add_column(op: o.AddColumn) -> list[Step]:
    column = op.column
    if op.backfill is None and column.not_null and column.default is None and not column.identity:
        return _add_with_placeholder(op.table, column)
    if op.backfill is None:
        return [Step(f"ALTER TABLE {q(op.table)} ADD COLUMN {column_definition(column)}")]
    # Added without its default: with it, every row would hold the default and
    # ``WHERE ... IS NULL`` would match none, silently skipping the backfill.
    relaxed = Column(column.name, column.type, False, None, column.identity)
    steps = [
        Step(f"ALTER TABLE {q(op.table)} ADD COLUMN {column_definition(relaxed)}"),
        fill_nulls(op.table, column.name, op.backfill),
    ]
    if column.default is not None:
        steps.append(
            Step(
                f"ALTER TABLE {q(op.table)} ALTER COLUMN {q(column.name)} "
                f"SET DEFAULT {column.default}"
            )
        )
    if column.not_null:
        steps.append(Step(f"ALTER TABLE {q(op.table)} ALTER COLUMN {q(column.name)} SET NOT NULL"))
    return steps


PLACEHOLDERS = {
    "TEXT": "''",
    "BOOLEAN": "false",
    "JSONB": "'{}'",
    "JSON": "'{}'",
    "BYTEA": "''",
    "UUID": "'00000000-0000-0000-0000-000000000000'",
    "TIMESTAMPTZ": "'epoch'",
    "TIMESTAMP": "'epoch'",
    "DATE": "'epoch'",
}


def _add_with_placeholder(table: str, column: Column) -> list[Step]:
    """A NOT NULL column with no default can only be re-added (a rollback of its
    drop) with some value in existing rows: a placeholder, then no default."""
    base = column.type.split("(")[0]
    if column.type.islower():
        value = f"(enum_range(NULL::{sql_type(column.type)}))[1]"
    elif base in NUMERIC_TYPES:
        value = "0"
    else:
        value = PLACEHOLDERS.get(base, "''")
    with_default = Column(column.name, column.type, True, value)
    prefix = f"ALTER TABLE {q(table)}"
    return [
        Step(
            f"-- {table}.{column.name} comes back with placeholder {value}: its data was dropped",
            role="note",
        ),
        Step(f"{prefix} ADD COLUMN {column_definition(with_default)}"),
        Step(f"{prefix} ALTER COLUMN {q(column.name)} DROP DEFAULT"),
    ]


def render_drop_column(op: o.DropColumn) -> list[Step]:
    return [
        Step(f"-- DESTRUCTIVE: drops {op.table}.{op.column.name} and its data", role="note"),
        Step(f"ALTER TABLE {q(op.table)} DROP COLUMN {q(op.column.name)}"),
    ]


def render_rename_column(op: o.RenameColumn) -> list[Step]:
    return [Step(f"ALTER TABLE {q(op.table)} RENAME COLUMN {q(op.old)} TO {q(op.new)}")]


def render_alter_column(op: o.AlterColumn) -> list[Step]:
    prefix = f"ALTER TABLE {q(op.table)} ALTER COLUMN {q(op.new.name)}"
    old, new = op.old, op.new
    steps: list[Step] = []
    type_changes = old.type != new.type
    if old.identity and old.identity != new.identity:
        steps.append(Step(f"{prefix} DROP IDENTITY"))
    if old.default is not None and (type_changes or old.default != new.default):
        steps.append(Step(f"{prefix} DROP DEFAULT"))
    if not op.reverse_exact:
        steps.append(Step(lossy_conversion_note(op), role="note"))
    if type_changes:
        using = ""
        if op.using:
            using = " USING " + op.using.replace("%s", q(old.name))
        steps.append(Step(f"{prefix} TYPE {sql_type(new.type)}{using}", old_type=old.type))
    elif op.using:  # a same-type convert_sql: a data migration
        value = op.using.replace("%s", q(old.name))
        steps.append(Step(f"UPDATE {q(op.table)} SET {q(new.name)} = {value}", role="backfill"))
    if new.default is not None and (type_changes or old.default != new.default):
        steps.append(Step(f"{prefix} SET DEFAULT {new.default}"))
    if old.not_null and not new.not_null:
        steps.append(Step(f"{prefix} DROP NOT NULL"))
    if new.not_null and not old.not_null:
        if op.fill is not None:
            steps.append(fill_nulls(op.table, new.name, op.fill))
        steps.append(Step(f"{prefix} SET NOT NULL"))
    if new.identity and old.identity != new.identity:
        steps.append(Step(f"{prefix} ADD GENERATED {new.identity.upper()} AS IDENTITY"))
    if old.deprecated != new.deprecated:
        state = "deprecated (kept, now nullable)" if new.deprecated else "no longer deprecated"
        steps.append(Step(f"-- {op.table}.{new.name} is {state}", role="note"))
    return steps


def lossy_conversion_note(op: o.AlterColumn) -> str:
    """Said in both files when a convert_sql has no convert_back_sql."""
    return (
        f"-- LOSSY: {op.table}.{op.new.name} has convert_sql but no convert_back_sql: the "
        "rollback is a plain cast (nothing for a same-type conversion) and does not restore "
        "the old values"
    )


def render_create_index(op: o.CreateIndex) -> list[Step]:
    return [Step(create_index_sql(op.table, op.index))]


def render_drop_index(op: o.DropIndex) -> list[Step]:
    return [Step(f"DROP INDEX {q(op.index.name)}")]


def render_add_constraint(op: o.AddConstraint) -> list[Step]:
    body = constraint_body(op.constraint)
    return [Step(f"ALTER TABLE {q(op.table)} ADD CONSTRAINT {q(op.constraint.name)} {body}")]


def render_drop_constraint(op: o.DropConstraint) -> list[Step]:
    return [Step(f"ALTER TABLE {q(op.table)} DROP CONSTRAINT {q(op.constraint.name)}")]


def render_rename_constraint(op: o.RenameConstraint) -> list[Step]:
    old, new = q(op.old.name), q(op.new.name)
    return [Step(f"ALTER TABLE {q(op.table)} RENAME CONSTRAINT {old} TO {new}")]


def render_create_enum(op: o.CreateEnum) -> list[Step]:
    values = ", ".join(quote_literal(v) for v in op.enum.values)
    return [Step(f"CREATE TYPE {q(op.enum.name)} AS ENUM ({values})")]


def render_drop_enum(op: o.DropEnum) -> list[Step]:
    return [Step(f"DROP TYPE {q(op.enum.name)}")]


def render_alter_enum(op: o.AlterEnum) -> list[Step]:
    name = q(op.new.name)
    # renamed values keep every row (no recreate); before any ADD VALUE anchored on them
    renames = [
        Step(
            f"ALTER TYPE {name} RENAME VALUE {quote_literal(a)} TO {quote_literal(b)}",
            phase="pre" if op.additive and not op.recreate else "tx",
        )
        for a, b in op.renames
    ]
    if op.additive and not op.recreate:
        steps = renames
        renamed = {new for _, new in op.renames}
        for position, value in enumerate(op.new.values):
            if value in op.old.values or value in renamed:
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
    steps = []
    if not op.additive:
        note = f"-- DESTRUCTIVE: rows holding removed values of {op.new.name} fail"
        steps.append(Step(note, role="note"))
    steps += [
        *renames,
        Step(f"ALTER TYPE {name} RENAME TO {old_name}"),
        *render_create_enum(o.CreateEnum(op.new)),
    ]
    for table, column, default in op.usages:
        prefix = f"ALTER TABLE {q(table)} ALTER COLUMN {q(column)}"
        if default is not None:
            steps.append(Step(f"{prefix} DROP DEFAULT"))
        # Re-typing rewrites the table (BA006); there is no lock-safe way to drop values.
        retype = f"{prefix} TYPE {name} USING {q(column)}::text::{name}"
        steps.append(Step(retype, accepts=("BA006",)))
        if default is not None:
            steps.append(Step(f"{prefix} SET DEFAULT {default}"))
    steps.append(Step(f"DROP TYPE {old_name}"))
    return steps


def render_create_touch_function(op: o.CreateTouchFunction) -> list[Step]:
    return [
        Step(
            f"CREATE OR REPLACE FUNCTION {TOUCH_FUNCTION}() RETURNS trigger\n"
            "LANGUAGE plpgsql AS $buildamp$\nBEGIN\n"
            # buildamp's own data steps (backfills, copies) are not user edits
            f"    IF current_setting({quote_literal(MIGRATING_SETTING)}, true) = 'on' THEN\n"
            "        RETURN NEW;\n    END IF;\n"
            "    NEW.updated_at := now();\n"
            "    RETURN NEW;\nEND;\n$buildamp$"
        )
    ]


def render_drop_touch_function(op: o.DropTouchFunction) -> list[Step]:
    return [Step(f"DROP FUNCTION {TOUCH_FUNCTION}()")]


def render_set_touch_trigger(op: o.SetTouchTrigger) -> list[Step]:
    trigger = q(trigger_name(op.table))
    if not op.enabled:
        return [Step(f"DROP TRIGGER {trigger} ON {q(op.table)}")]
    return [
        Step(
            f"CREATE TRIGGER {trigger} BEFORE UPDATE ON {q(op.table)} "
            "FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*) "
            f"EXECUTE FUNCTION {TOUCH_FUNCTION}()"
        )
    ]


def render_set_row_security(op: o.SetRowSecurity) -> list[Step]:
    table = q(op.table)
    if not op.enabled:
        return [
            Step(f"DROP POLICY {POLICY} ON {table}"),
            Step(f"ALTER TABLE {table} NO FORCE ROW LEVEL SECURITY"),
            Step(f"ALTER TABLE {table} DISABLE ROW LEVEL SECURITY"),
        ]
    # NULLIF: after SET LOCAL ends, the setting reads '' (not NULL) for the rest
    # of the session, which would otherwise match rows whose host is ''.
    check = f"host = NULLIF(current_setting({quote_literal(TENANT_SETTING)}, true), '')"
    return [
        Step(f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY"),
        Step(f"ALTER TABLE {table} FORCE ROW LEVEL SECURITY"),
        Step(f"CREATE POLICY {POLICY} ON {table} USING ({check}) WITH CHECK ({check})"),
    ]


def render_set_table_info(op: o.SetTableInfo) -> list[Step]:
    return []


def comment_step(table: str, column: str | None, text: str | None) -> Step:
    """``COMMENT ON TABLE t IS '...'`` or ``COMMENT ON COLUMN t.c IS NULL``."""
    target = f"TABLE {q(table)}" if column is None else f"COLUMN {q(table)}.{q(column)}"
    value = "NULL" if text is None else quote_literal(text)
    return Step(f"COMMENT ON {target} IS {value}")


def render_set_comment(op: o.SetComment) -> list[Step]:
    return [comment_step(op.table, op.column, op.new)]


def created_comments(op: o.CreateTable | o.AddColumn) -> list[Step]:
    """The comments a new table or column is created with (its doc comments)."""
    if isinstance(op, o.AddColumn):
        return (
            []
            if op.column.comment is None
            else [comment_step(op.table, op.column.name, op.column.comment)]
        )
    table = op.table
    steps = [] if table.comment is None else [comment_step(table.name, None, table.comment)]
    steps += [
        comment_step(table.name, c.name, c.comment) for c in table.columns if c.comment is not None
    ]
    return steps
