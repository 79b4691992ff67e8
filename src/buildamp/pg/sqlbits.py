"""SQL building blocks shared by the renderers and the catalog reader: quoting,
column and index text, and the names of the objects buildamp itself owns."""

from __future__ import annotations

from buildamp.model.naming import fit_identifier, object_name
from buildamp.model.schema import Column, Constraint, Index
from buildamp.pg.sqltext import normalize_default, quote_ident, quote_literal, set_null_columns

TOUCH_FUNCTION = "buildamp_touch_updated_at"
POLICY = "buildamp_tenant_isolation"
TENANT_SETTING = "buildamp.host"
# Set to 'on' by a migration around its own data steps: the updated_at trigger
# then leaves rows alone (a backfill is not an edit of the row).
MIGRATING_SETTING = "buildamp.migrating"


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


SERIAL_TYPES = {"SMALLINT": "SMALLSERIAL", "INTEGER": "SERIAL", "BIGINT": "BIGSERIAL"}


def serial_default(table: str, column: str) -> str:
    """The default PostgreSQL gives a ``serial`` column (its owned sequence's
    ``nextval``), spelled as the catalog reader normalises it."""
    sequence = quote_ident(f"{table}_{column}_seq")
    return normalize_default(f"nextval({quote_literal(sequence)}::regclass)", "BIGINT")


def as_serial(table: str, column: Column) -> Column:
    """``column`` as ``SERIAL`` when its default is its own table's serial sequence:
    creating the table then creates (and owns) the sequence too, as it did when
    the column was first made (adopted databases)."""
    serial = SERIAL_TYPES.get(column.type)
    if serial is None or column.identity or column.default is None:
        return column  # the common case, decided without parsing any SQL
    if "nextval" not in column.default or column.default != serial_default(table, column.name):
        return column
    return Column(column.name, serial, column.not_null, None, None, column.deprecated)


def index_keys(index: Index) -> str:
    keys = []
    for key in index.keys:
        text = q(key.expression) if key.is_column else f"({key.expression})"
        keys.append(text + (" DESC" if key.descending else ""))
    return ", ".join(keys)


def create_index_sql(table: str, index: Index, concurrently: bool = False) -> str:
    unique = "UNIQUE " if index.unique else ""
    where = f" WHERE {index.where}" if index.where else ""
    how = "CONCURRENTLY IF NOT EXISTS " if concurrently else ""
    return f"CREATE {unique}INDEX {how}{q(index.name)} ON {q(table)} ({index_keys(index)}){where}"


def constraint_body(constraint: Constraint) -> str:
    columns = ", ".join(q(c) for c in constraint.columns)
    if constraint.kind == "unique":
        return f"UNIQUE ({columns})"
    if constraint.kind == "check":
        return f"CHECK ({constraint.expression})"
    return foreign_key_body(constraint)


def foreign_key_body(constraint: Constraint) -> str:
    """``FOREIGN KEY (host, col) REFERENCES t (host, id) ON DELETE SET NULL (col)``:
    SET NULL / SET DEFAULT name the reference's own columns (PostgreSQL 15+) so the
    tenant column ``host``, shared by both ends, is never touched."""
    columns = ", ".join(q(c) for c in constraint.columns)
    target = ", ".join(q(c) for c in constraint.ref_columns)
    text = f"FOREIGN KEY ({columns}) REFERENCES {q(constraint.references or '')} ({target})"
    if constraint.on_delete != "no action":
        text += f" ON DELETE {constraint.on_delete.upper()}"
        if own := set_null_columns(constraint):
            text += " (" + ", ".join(q(c) for c in own) + ")"
    return text


def trigger_name(table: str) -> str:
    """The updated_at trigger of a table."""
    return fit_identifier(f"trg_{table}_updated_at")


def not_null_check_name(table: str, column: str) -> str:
    """The temporary CHECK that lets SET NOT NULL skip its full-table scan."""
    return object_name("chk", table, [column, "not_null"])


__all__ = ["quote_literal"]
