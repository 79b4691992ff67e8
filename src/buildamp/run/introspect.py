"""Read a live database for adoption (``buildamp init --from-database``).

:func:`buildamp.run.catalog.read_catalog` already reads tables, columns,
indexes and constraints the way drift compares them; this adds what adoption
needs on top: foreign keys with their actions, the objects buildamp
does not model (views, functions, triggers, policies, extensions, other schemas,
other tools' tables) and the shapes it cannot carry yet (refused, by name).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from buildamp.model.errors import DatabaseError, ModelError
from buildamp.model.schema import Constraint, OnDelete, Schema, Table
from buildamp.pg.extensions import needed, type_base
from buildamp.pg.sqlbits import TOUCH_FUNCTION, serial_default
from buildamp.pg.sqltext import FK_ACTIONS, set_columns_differ
from buildamp.run.catalog import read_catalog
from buildamp.run.progress import SCHEMA as PROGRESS_SCHEMA

if TYPE_CHECKING:
    import psycopg

# History tables of other migration tools: left alone, never modelled.
OTHER_TOOL_TABLES = frozenset(
    {
        "alembic_version",
        "django_migrations",
        "schema_migrations",
        "ar_internal_metadata",
        "flyway_schema_history",
        "knex_migrations",
        "knex_migrations_lock",
        "__EFMigrationsHistory",
        "goose_db_version",
        "gorp_migrations",
        "atlas_schema_revisions",
        "_prisma_migrations",
        "_sqlx_migrations",
        "__diesel_schema_migrations",
        "refinery_schema_history",
        "databasechangelog",
        "databasechangeloglock",
        "SequelizeMeta",
        "typeorm_metadata",
    }
)


@dataclass(frozen=True)
class ForeignKey:
    table: str
    name: str
    columns: tuple[str, ...]
    ref_table: str
    ref_columns: tuple[str, ...]
    on_delete: str
    on_update: str
    # What the schema model cannot hold (adoption refuses these keys by name).
    deferrable: bool = False
    match_full: bool = False
    set_columns: tuple[str, ...] = ()  # ON DELETE SET NULL (these columns)
    valid: bool = True
    ref_schema: str = "public"


@dataclass(frozen=True)
class Introspection:
    """What adoption models, and what it lists and leaves alone."""

    schema: Schema  # the tables to model, with their foreign keys
    foreign_keys: tuple[ForeignKey, ...]
    unmodelled: tuple[str, ...]  # "view public.active_users", ...
    ignored_tables: tuple[str, ...]  # tables in the schema left out of the models
    unsupported: tuple[str, ...]  # shapes that stop adoption, each with its fix
    ignored_indexes: tuple[str, ...] = ()  # indexes left alone (listed in unmodelled)
    current_schema: str = "public"  # where this connection's CREATE TABLE lands (search_path)
    # extensions whose types adopted columns use: the baseline creates them first
    extensions: tuple[str, ...] = ()


_PRIVILEGES = """
SELECT n.oid IS NOT NULL, coalesce(has_schema_privilege(n.oid, 'USAGE'), false)
FROM (SELECT 1) one LEFT JOIN pg_namespace n ON n.nspname = %(schema)s
"""
_EXTENSION_TYPES = """
SELECT e.extname::text, t.typname::text
FROM pg_type t
JOIN pg_depend d ON d.classid = 'pg_type'::regclass AND d.objid = t.oid AND d.deptype = 'e'
JOIN pg_extension e ON e.oid = d.refobjid
"""
_NO_PRIMARY_KEY = """
SELECT c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = %(schema)s AND c.relkind IN ('r', 'p') AND NOT c.relispartition
  AND NOT EXISTS (SELECT 1 FROM pg_constraint p WHERE p.conrelid = c.oid AND p.contype = 'p')
"""
_FOREIGN_KEYS = """
SELECT c.relname::text, con.conname::text,
       ARRAY(SELECT a.attname::text FROM unnest(con.conkey) WITH ORDINALITY k(num, ord)
             JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.num
             ORDER BY k.ord),
       fc.relname::text,
       ARRAY(SELECT a.attname::text FROM unnest(con.confkey) WITH ORDINALITY k(num, ord)
             JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.num
             ORDER BY k.ord),
       con.confdeltype::text, con.confupdtype::text,
       con.condeferrable, con.confmatchtype = 'f',
       ARRAY(SELECT a.attname::text FROM unnest(con.confdelsetcols) WITH ORDINALITY k(num, ord)
             JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.num
             ORDER BY k.ord),
       con.convalidated, fn.nspname::text
FROM pg_constraint con
JOIN pg_class c ON c.oid = con.conrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_class fc ON fc.oid = con.confrelid
JOIN pg_namespace fn ON fn.oid = fc.relnamespace
WHERE n.nspname = %(schema)s AND con.contype = 'f'
ORDER BY 1, 2
"""
# Indexes the schema model cannot hold (method, opclass, collation, NULLS order,
# INCLUDE): adopting them as plain btree indexes would change the database.
_ODD_INDEXES = """
SELECT t.relname::text, ci.relname::text, pg_get_indexdef(i.indexrelid)
FROM pg_index i
JOIN pg_class ci ON ci.oid = i.indexrelid
JOIN pg_class t ON t.oid = i.indrelid
JOIN pg_namespace n ON n.oid = ci.relnamespace
JOIN pg_am am ON am.oid = ci.relam
WHERE n.nspname = %(schema)s
  AND NOT EXISTS (SELECT 1 FROM pg_constraint con  -- listed with exclusion constraints
                  WHERE con.conindid = i.indexrelid AND con.contype = 'x')
  AND (am.amname <> 'btree' OR i.indnatts <> i.indnkeyatts
       OR EXISTS (SELECT 1 FROM unnest(i.indclass) oc JOIN pg_opclass o ON o.oid = oc
                  WHERE NOT o.opcdefault)
       OR EXISTS (SELECT 1 FROM unnest(i.indcollation) WITH ORDINALITY k(coll, ord)
                  JOIN pg_attribute a ON a.attrelid = i.indrelid
                   AND a.attnum = i.indkey[k.ord - 1]
                  WHERE k.coll <> 0 AND k.coll <> a.attcollation)
       OR EXISTS (SELECT 1 FROM unnest(i.indoption) opt WHERE (opt & 1) <> ((opt & 2) >> 1)))
ORDER BY 1, 2
"""
_PARTITIONED = """
SELECT c.relname::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = %(schema)s AND c.relkind = 'p'
ORDER BY 1
"""
_GENERATED_COLUMNS = """
SELECT c.relname::text, a.attname::text
FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = %(schema)s AND c.relkind IN ('r', 'p') AND a.attnum > 0
  AND NOT a.attisdropped AND a.attgenerated <> ''
ORDER BY 1, 2
"""
_UNMODELLED = """
SELECT CASE c.relkind WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view'
                      WHEN 'f' THEN 'foreign table' ELSE 'sequence' END,
       n.nspname || '.' || c.relname
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = %(schema)s AND c.relkind IN ('v', 'm', 'f', 'S')
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
                  AND d.objid = c.oid AND d.deptype IN ('a', 'i', 'e'))
UNION ALL
SELECT 'function',
       n.nspname || '.' || p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')'
FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
WHERE n.nspname = %(schema)s AND p.proname <> %(touch)s
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass
                  AND d.objid = p.oid AND d.deptype = 'e')
UNION ALL
SELECT 'trigger', tg.tgname || ' on ' || c.relname
FROM pg_trigger tg JOIN pg_class c ON c.oid = tg.tgrelid
JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_proc p ON p.oid = tg.tgfoid
WHERE n.nspname = %(schema)s AND NOT tg.tgisinternal AND p.proname <> %(touch)s
UNION ALL
SELECT 'policy', pol.polname || ' on ' || c.relname
FROM pg_policy pol JOIN pg_class c ON c.oid = pol.polrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = %(schema)s
UNION ALL
SELECT 'exclusion constraint', con.conname || ' on ' || c.relname
FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = %(schema)s AND con.contype = 'x'
UNION ALL
SELECT CASE t.typtype WHEN 'd' THEN 'domain' WHEN 'r' THEN 'range type'
                      ELSE 'composite type' END, n.nspname || '.' || t.typname
FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
WHERE n.nspname = %(schema)s AND t.typtype IN ('d', 'r', 'c')
  AND (t.typtype <> 'c' OR EXISTS (SELECT 1 FROM pg_class c
                                   WHERE c.oid = t.typrelid AND c.relkind = 'c'))
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_type'::regclass
                  AND d.objid = t.oid AND d.deptype = 'e')
UNION ALL
SELECT 'extension', e.extname FROM pg_extension e WHERE e.extname <> 'plpgsql'
UNION ALL
SELECT 'schema', n.nspname || coalesce(
           ' (tables: ' || (SELECT string_agg(c.relname::text, ', ' ORDER BY c.relname)
                            FROM pg_class c
                            WHERE c.relnamespace = n.oid AND c.relkind IN ('r', 'p')) || ')',
           '')
FROM pg_namespace n
WHERE n.nspname <> %(schema)s AND n.nspname NOT LIKE 'pg\\_%%'
  AND n.nspname NOT IN ('information_schema', 'public', %(own)s)
ORDER BY 1, 2
"""


def introspect(conn: psycopg.Connection[Any], schema_name: str = "public") -> Introspection:
    """Everything adoption needs from the live catalog of ``schema_name``."""
    # psycopg (~40 ms): only when talking to a database
    import psycopg

    params = {"schema": schema_name, "touch": TOUCH_FUNCTION, "own": PROGRESS_SCHEMA}
    try:
        exists, usable = conn.execute(_PRIVILEGES, params).fetchone() or (False, False)
        if not exists:
            raise ModelError(
                f"schema {schema_name!r} does not exist in this database",
                hint="pass --schema NAME (default public)",
            )
        if not usable:
            raise DatabaseError(
                f"this role has no USAGE on schema {schema_name!r}: it cannot read its tables",
                hint="connect as the schema owner, or GRANT USAGE ON SCHEMA to this role",
            )
        return _introspect(conn, params)
    except psycopg.errors.InsufficientPrivilege as error:
        raise DatabaseError(
            f"this role cannot read the catalog: {str(error).strip().splitlines()[0]}",
            hint="connect as the database owner or a role with access to pg_catalog",
        ) from None


def _introspect(conn: psycopg.Connection[Any], params: dict[str, str]) -> Introspection:
    def fetch(sql: str) -> list[tuple[Any, ...]]:
        return conn.execute(sql, params).fetchall()

    no_key = {name for (name,) in fetch(_NO_PRIMARY_KEY)}
    candidates = read_catalog(conn, params["schema"])
    other_tools = {t.name for t in candidates.tables if t.name in OTHER_TOOL_TABLES}
    ignored = sorted(no_key | other_tools)
    unmodelled = [f"{kind} {name}" for kind, name in fetch(_UNMODELLED)]
    unmodelled += [f"table {name} (another migration tool's history)" for name in other_tools]
    unmodelled += [
        f"table {name} (no primary key: add one, drop it from `unmanaged`, then init --update)"
        for name in sorted(no_key - other_tools)
    ]
    keys = tuple(
        ForeignKey(
            t, n, tuple(c), rt, tuple(rc), FK_ACTIONS[d], FK_ACTIONS[u], df, mf, tuple(sc), v, rs
        )
        for t, n, c, rt, rc, d, u, df, mf, sc, v, rs in fetch(_FOREIGN_KEYS)
        if t not in ignored
    )
    # Indexes the schema model cannot hold (gin, gist, opclasses, INCLUDE, ...) are
    # listed and left alone like a view: unmanaged, so drift and migrations skip them.
    odd = [(t, i, d) for t, i, d in fetch(_ODD_INDEXES) if t not in ignored]
    odd_names = {index for _, index, _ in odd}
    unmodelled += [f"index {index} on {table}: {definition}" for table, index, definition in odd]
    enum_names = {e.name for e in candidates.enums}
    tables: list[Table] = []
    for table in candidates.tables:
        if table.name in ignored:
            continue
        indexes = tuple(i for i in table.indexes if i.name not in odd_names)
        tables.append(replace(table, indexes=indexes))
    unsupported = [problem for key in keys if (problem := _key_problem(key, ignored))]
    unsupported += [
        f"column {table}.{column} is GENERATED ALWAYS AS (...) STORED: not modelled yet"
        for table, column in fetch(_GENERATED_COLUMNS)
        if table not in ignored
    ]
    unsupported += [
        f"table {table} is partitioned: partitioned tables are not modelled yet"
        for (table,) in fetch(_PARTITIONED)
    ]
    unsupported += [
        f"table {t.name} forces row-level security: its policies are not modelled yet"
        for t in tables
        if t.rls
    ]
    unsupported += [
        f"column {t.name}.{c.name} defaults to {c.default}, a sequence that serial would "
        f"not create: rename it (ALTER SEQUENCE ... RENAME TO {t.name}_{c.name}_seq) and "
        f"own it (ALTER SEQUENCE ... OWNED BY {t.name}.{c.name}), or use an identity column"
        for t in tables
        for c in t.columns
        if c.default is not None
        and c.default.startswith("nextval(")
        and c.default != serial_default(t.name, c.name)
    ]
    direct = {c.type for t in tables for c in t.columns}
    unsupported += [
        f"column {t.name}.{c.name} is an array of enum {c.type[:-2]}, which no column uses "
        "directly: not modelled yet"
        for t in tables
        for c in t.columns
        if c.type.endswith("[]") and c.type[:-2] in enum_names and c.type[:-2] not in direct
    ]
    used_enums = {c.type.removesuffix("[]") for t in tables for c in t.columns}
    enums = tuple(e for e in candidates.enums if e.name in used_enums)
    unmodelled += [
        f"enum {e.name} (not used by a modelled table)"
        for e in candidates.enums
        if e.name not in used_enums
    ]
    return Introspection(
        schema=Schema(tables=tuple(tables), enums=enums),
        foreign_keys=keys,
        unmodelled=tuple(sorted(unmodelled)),
        ignored_tables=tuple(ignored),
        unsupported=tuple(unsupported),
        ignored_indexes=tuple(sorted(odd_names)),
        current_schema=str(fetch("SELECT current_schema()")[0][0] or "(none)"),
        extensions=_extensions_used(fetch(_EXTENSION_TYPES), tables),
    )


def _extensions_used(
    extension_types: list[tuple[Any, ...]], tables: list[Table]
) -> tuple[str, ...]:
    """Extensions providing a type of an adopted column, that ``extensions = [...]``
    in config creates before the first column using it (see pg.extensions)."""
    used = {type_base(c.type) for t in tables for c in t.columns}
    owners = sorted({extension for extension, type_name in extension_types if type_name in used})
    return tuple(owner for owner in owners if needed([owner], set(), used))


def _key_problem(key: ForeignKey, ignored: list[str]) -> str | None:
    """Why a foreign key cannot be modelled exactly as it is (None: it can), with
    the statement that makes it adoptable."""
    here = f"foreign key {key.table}.{key.name}"
    drop = f"ALTER TABLE {key.table} DROP CONSTRAINT {key.name}"
    if key.ref_schema != "public" or key.ref_table in ignored:
        return (
            f"{here} references {key.ref_schema}.{key.ref_table}, which is not adopted "
            f"(another schema, or no primary key): add a primary key to it, or {drop}"
        )
    if not key.valid:
        return f"{here} is NOT VALID: ALTER TABLE {key.table} VALIDATE CONSTRAINT {key.name}"
    parts = []
    if key.on_update != "no action":
        parts.append(f"ON UPDATE {key.on_update.upper()}")
    if key.deferrable:
        parts.append("DEFERRABLE")
    if key.match_full:
        parts.append("MATCH FULL")
    written = Constraint(key.name, "foreign_key", key.columns, on_delete=_on_delete(key))
    if set_columns_differ(written, key.set_columns):
        parts.append(f"ON DELETE {key.on_delete.upper()} over {', '.join(key.columns)}")
    if not parts:
        return None
    return (
        f"{here} has {', '.join(parts)}, which buildamp does not model yet: recreate it "
        f"without ({drop}, then ADD CONSTRAINT {key.name} FOREIGN KEY ... with ON DELETE only)"
    )


def _on_delete(key: ForeignKey) -> OnDelete:
    return next(a for a in FK_ACTIONS.values() if a == key.on_delete)
