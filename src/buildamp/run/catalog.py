"""Read the live database back into the schema model.

``drift``, ``--status`` and the up/down/up tests compare what PostgreSQL holds
with the snapshot, so everything here normalises the way the generator does
(:mod:`buildamp.pg.sqltext`). A fixed number of catalog queries (six) is run
whatever the table count: a schema with hundreds of tables reads as fast as one
with three.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from buildamp.model.schema import (
    Column,
    Constraint,
    Enum,
    Identity,
    Index,
    IndexKey,
    Schema,
    Storage,
    Table,
)
from buildamp.pg import sqltext
from buildamp.pg.sqlbits import TOUCH_FUNCTION

if TYPE_CHECKING:
    import psycopg

JSONB_COLUMNS = frozenset({"id", "data", "created_at", "updated_at"})
# Literal casts PostgreSQL adds on its own (``'a'::text``, ``(0)::numeric``) and that
# users never write; stripped from both sides before comparing.
_LITERAL_CAST_TYPES = frozenset({"TEXT", "VARCHAR", "CHAR", *sqltext.NUMERIC_TYPES})

_TABLES = """
SELECT c.oid, c.relname::text, c.relrowsecurity AND c.relforcerowsecurity
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = %(schema)s AND c.relkind IN ('r', 'p') AND NOT c.relispartition
"""
_COLUMNS = """
SELECT a.attrelid, a.attname::text,
       CASE WHEN t.typtype = 'e' THEN t.typname::text
            WHEN et.typtype = 'e' THEN et.typname::text || '[]'
            ELSE format_type(a.atttypid, a.atttypmod) END,
       t.typtype = 'e' OR coalesce(et.typtype = 'e', false),
       a.attnotnull,
       CASE WHEN a.attgenerated = '' THEN pg_get_expr(d.adbin, d.adrelid) END,
       a.attidentity::text
FROM pg_attribute a
JOIN pg_class c ON c.oid = a.attrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_type t ON t.oid = a.atttypid
LEFT JOIN pg_type et ON et.oid = t.typelem AND t.typcategory = 'A'
LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
WHERE n.nspname = %(schema)s AND c.relkind IN ('r', 'p')
  AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attrelid, a.attnum
"""
_INDEXES = """
SELECT i.indrelid, ci.relname::text, i.indisunique,
       ARRAY(SELECT coalesce(a.attname::text, '')
             FROM generate_series(1, i.indnkeyatts) k
             LEFT JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[k - 1]
             ORDER BY k),
       ARRAY(SELECT CASE WHEN i.indkey[k - 1] = 0
                         THEN pg_get_indexdef(i.indexrelid, k, true) ELSE '' END
             FROM generate_series(1, i.indnkeyatts) k ORDER BY k),
       ARRAY(SELECT i.indoption[k - 1]::int FROM generate_series(1, i.indnkeyatts) k ORDER BY k),
       pg_get_expr(i.indpred, i.indrelid)
FROM pg_index i
JOIN pg_class ci ON ci.oid = i.indexrelid
JOIN pg_namespace n ON n.oid = ci.relnamespace
WHERE n.nspname = %(schema)s
  AND NOT EXISTS (SELECT 1 FROM pg_constraint con
                  WHERE con.conindid = i.indexrelid AND con.conrelid = i.indrelid
                    AND con.contype IN ('p', 'u', 'x'))
"""
_CONSTRAINTS = """
SELECT con.conrelid, con.conname::text, con.contype::text,
       ARRAY(SELECT a.attname::text FROM unnest(con.conkey) WITH ORDINALITY k(num, ord)
             JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.num
             ORDER BY k.ord),
       pg_get_expr(con.conbin, con.conrelid),
       fc.relname::text,
       ARRAY(SELECT a.attname::text FROM unnest(con.confkey) WITH ORDINALITY k(num, ord)
             JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.num
             ORDER BY k.ord),
       con.confdeltype::text, con.convalidated
FROM pg_constraint con
JOIN pg_class c ON c.oid = con.conrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_class fc ON fc.oid = con.confrelid
WHERE n.nspname = %(schema)s AND con.contype IN ('p', 'u', 'c', 'f')
"""
_ENUMS = """
SELECT t.typname::text,
       ARRAY(SELECT e.enumlabel::text FROM pg_enum e
             WHERE e.enumtypid = t.oid ORDER BY e.enumsortorder)
FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
WHERE n.nspname = %(schema)s AND t.typtype = 'e'
"""
_TRIGGERS = """
SELECT tg.tgrelid, tg.tgname::text, p.proname::text
FROM pg_trigger tg
JOIN pg_proc p ON p.oid = tg.tgfoid
JOIN pg_class c ON c.oid = tg.tgrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = %(schema)s AND NOT tg.tgisinternal
"""

_IDENTITY: dict[str, Identity] = {"a": "always", "d": "by default"}


def read_catalog(
    conn: psycopg.Connection[Any],
    schema_name: str = "public",
    exclude: frozenset[str] = frozenset({"buildamp_migrations"}),
) -> Schema:
    """The tables and enums of ``schema_name`` as a :class:`Schema`, sorted by name.

    Our bookkeeping tables (``buildamp_*``) and ``exclude`` are left out. Fields
    the database cannot know (document, source, custom_sql, validate) are empty.
    """
    ours = conn.info.transaction_status.name == "IDLE"  # else: the caller's transaction
    with conn.transaction():
        if ours:
            # JIT compiles the index query for ~200 ms at 1,000 tables and saves
            # nothing; SET LOCAL ends with our transaction, never the caller's
            conn.execute("SET LOCAL jit = off")
        return _read_catalog(conn, schema_name, exclude)


def _read_catalog(
    conn: psycopg.Connection[Any], schema_name: str, exclude: frozenset[str]
) -> Schema:
    params = {"schema": schema_name}

    def fetch(sql: str) -> list[tuple[Any, ...]]:
        return conn.execute(sql, params).fetchall()

    names: dict[int, str] = {}
    rls: dict[int, bool] = {}
    for oid, name, forced_rls in fetch(_TABLES):
        if not name.startswith("buildamp_") and name not in exclude:
            names[oid] = name
            rls[oid] = bool(forced_rls)
    enums = tuple(
        sorted(
            (Enum(name.lower(), tuple(values)) for name, values in fetch(_ENUMS)),
            key=lambda e: e.name,
        )
    )
    enum_names = frozenset(enum.name for enum in enums)

    columns: dict[int, list[Column]] = defaultdict(list)
    for oid, name, type_text, is_enum, not_null, default, identity in fetch(_COLUMNS):
        if oid not in names:
            continue
        col_type = type_text.lower() if is_enum else sqltext.canonical_type(type_text)
        columns[oid].append(
            Column(
                name=name,
                type=col_type,
                not_null=bool(not_null),
                default=_default(default, col_type, enum_names),
                identity=_IDENTITY.get(identity),
            )
        )

    indexes: dict[int, list[Index]] = defaultdict(list)
    for oid, name, unique, attnames, defs, options, predicate in fetch(_INDEXES):
        if oid not in names:
            continue
        keys = tuple(
            IndexKey(attname, bool(option & 1), True)
            if attname
            else IndexKey(expression(definition, enum_names), bool(option & 1), False)
            for attname, definition, option in zip(attnames, defs, options, strict=True)
        )
        where = expression(predicate, enum_names) if predicate else None
        indexes[oid].append(Index(name, keys, bool(unique), where))

    primary_keys: dict[int, tuple[str, ...]] = {}
    constraints: dict[int, list[Constraint]] = defaultdict(list)
    for row in fetch(_CONSTRAINTS):
        oid, name, kind, cols, check, ref_table, ref_cols, on_delete, validated = row
        if oid not in names:
            continue
        if kind == "p":
            primary_keys[oid] = tuple(cols)
        elif kind == "u":
            constraints[oid].append(Constraint(name, "unique", tuple(cols)))
        elif kind == "c":
            check_constraint = Constraint(name, "check", (), expression(check, enum_names))
            constraints[oid].append(replace(check_constraint, valid=bool(validated)))
        else:
            constraints[oid].append(
                foreign_key(name, cols, ref_table, ref_cols, on_delete, bool(validated))
            )

    touched = {oid for oid, _name, function in fetch(_TRIGGERS) if function == TOUCH_FUNCTION}

    tables = []
    for oid, name in names.items():
        table_columns = tuple(columns[oid])
        tables.append(
            Table(
                name=name,
                columns=table_columns,
                primary_key=primary_keys.get(oid, ()),
                indexes=tuple(sorted(indexes[oid], key=lambda i: i.name)),
                constraints=tuple(sorted(constraints[oid], key=lambda c: c.name)),
                storage=storage_of(table_columns),
                tenant=any(column.name == "host" for column in table_columns),
                touch_updated_at=oid in touched,
                rls=rls[oid],
            )
        )
    return Schema(tables=tuple(sorted(tables, key=lambda t: t.name)), enums=enums)


def foreign_key(
    name: str,
    columns: list[str],
    target: str,
    target_columns: list[str],
    on_delete: str,
    validated: bool = True,
) -> Constraint:
    """A foreign key as the catalog states it (``pg_constraint.confdeltype`` codes)."""
    return Constraint(
        name,
        "foreign_key",
        tuple(columns),
        None,
        target,
        tuple(target_columns),
        sqltext.FK_ACTIONS.get(on_delete, "no action"),
        validated,
    )


def read_foreign_keys(
    conn: psycopg.Connection[Any], schema_name: str = "public"
) -> dict[str, tuple[Constraint, ...]]:
    """Every foreign key of ``schema_name``, by the name of the table holding it."""
    return {
        table.name: keys
        for table in read_catalog(conn, schema_name).tables
        if (keys := tuple(c for c in table.constraints if c.kind == "foreign_key"))
    }


_ONE_KEY = """
SELECT ARRAY(SELECT a.attname::text FROM unnest(con.conkey) WITH ORDINALITY k(num, ord)
             JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.num
             ORDER BY k.ord),
       con.confrelid::regclass::text,
       ARRAY(SELECT a.attname::text FROM unnest(con.confkey) WITH ORDINALITY k(num, ord)
             JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.num
             ORDER BY k.ord)
FROM pg_constraint con
WHERE con.conrelid = to_regclass(%s) AND con.conname = %s AND con.contype = 'f'
"""


def orphan_rows(
    conn: psycopg.Connection[Any], table: str, constraint: str
) -> tuple[int, str] | None:
    """Rows of ``table`` that foreign key ``constraint`` rejects, and the query
    listing them: what a failed ``VALIDATE CONSTRAINT`` should tell its operator.
    None when ``constraint`` is no foreign key of ``table``."""
    q = sqltext.quote_ident
    row = conn.execute(_ONE_KEY, (q(table), constraint)).fetchone()
    if row is None:
        return None
    columns, target, target_columns = row
    present = " AND ".join(f"c.{q(col)} IS NOT NULL" for col in columns)
    match = " AND ".join(
        f"p.{q(ref)} = c.{q(col)}" for col, ref in zip(columns, target_columns, strict=True)
    )
    query = (
        f"SELECT c.* FROM {q(table)} c WHERE {present} "
        f"AND NOT EXISTS (SELECT 1 FROM {target} p WHERE {match})"
    )
    count_row = conn.execute(f"SELECT count(*) FROM ({query}) orphans".encode()).fetchone()
    return (int(count_row[0]) if count_row else 0), query


def storage_of(columns: tuple[Column, ...]) -> Storage:
    """``"jsonb"`` for a ``storage = "jsonb"`` document table (id, data JSONB, host?,
    created_at, updated_at), else ``"columns"``: the only thing a database says."""
    names = {column.name for column in columns}
    data = next((column for column in columns if column.name == "data"), None)
    if data is not None and data.type == "JSONB" and names - {"host"} == JSONB_COLUMNS:
        return "jsonb"
    return "columns"


def _default(text: str | None, column_type: str, enums: frozenset[str]) -> str | None:
    if text is None:
        return None
    return relax_expression(sqltext.normalize_default(text, column_type), enums)


def expression(text: str, enums: frozenset[str] = frozenset()) -> str:
    """A catalog expression (``(data ->> 'email'::text)``) as the generator writes it."""
    return relax_expression(sqltext.normalize_expression(text), enums)


@lru_cache(maxsize=4096)
def relax_expression(text: str, enums: frozenset[str] = frozenset()) -> str:
    """Drop casts of literals to text, numeric or enum types: PostgreSQL adds them
    when it stores an expression (``'a'::text``, ``(0)::numeric``, ``'x'::mood``)
    and users seldom write them, so keeping them would make every such
    expression look changed. Text that is not one expression is returned as is.
    """
    # pglast loads its C parser (~60 ms): only code that reads SQL pays for it
    import pglast
    from pglast import ast, visitors
    from pglast.stream import RawStream

    try:
        statements = pglast.parse_sql(f"SELECT {text}")
    except pglast.parser.ParseError:
        return text
    stmt = statements[0].stmt
    if len(statements) != 1 or not isinstance(stmt, ast.SelectStmt) or not stmt.targetList:
        return text
    strip = _LITERAL_CAST_TYPES | enums

    class Relax(visitors.Visitor):
        def visit_TypeCast(self, ancestors: Any, node: Any) -> Any:
            if isinstance(node.arg, ast.A_Const) and not getattr(node.arg, "isnull", False):
                base = sqltext.canonical_type(RawStream()(node.typeName)).split("(")[0]
                value = node.arg.val
                if base in sqltext.NUMERIC_TYPES and isinstance(value, ast.String):
                    return _number(str(value.sval)) or node
                if base in strip:
                    return node.arg
            return None

    Relax()(stmt)
    if len(stmt.targetList) != 1:
        return text
    return str(RawStream()(stmt.targetList[0].val))


def _number(text: str) -> Any:
    """``'-1'`` (how PostgreSQL stores a negative default) as the constant ``-1``."""
    # pglast loads its C parser (~60 ms): only code that reads SQL pays for it
    import pglast
    from pglast import ast

    try:
        float(text)
        stmt: Any = pglast.parse_sql(f"SELECT {text}")[0].stmt
        node = stmt.targetList[0].val
    except (ValueError, pglast.parser.ParseError):
        return None
    return node if isinstance(node, ast.A_Const) else None


def comparable(schema: Schema) -> Schema:
    """``schema`` reduced to what a database can tell, so that
    ``comparable(expected) == comparable(read_catalog(conn))`` means "same database".

    A part already in that form is kept as it is (``dataclasses.replace`` costs
    ~25 us each: a second at 1,000 tables when every column is copied)."""
    enums = frozenset(enum.name for enum in schema.enums)
    normalized = schema.normalized()
    tables = []
    for table in normalized.tables:
        columns = tuple(_comparable_column(column, enums) for column in table.columns)
        indexes = tuple(_comparable_index(index, enums) for index in table.indexes)
        constraints = tuple(_comparable_constraint(c, enums) for c in table.constraints)
        tables.append(
            replace(
                table,
                columns=columns,
                indexes=indexes,
                constraints=constraints,
                storage=storage_of(columns),
                tenant=any(column.name == "host" for column in columns),
                document=(),
                source="",
                custom_sql=None,
                validate=None,
            )
        )
    return Schema(
        tables=tuple(tables),
        enums=tuple(e if not e.source else replace(e, source="") for e in normalized.enums),
    )


def _comparable_column(column: Column, enums: frozenset[str]) -> Column:
    default = _default(column.default, column.type, enums)
    if not column.deprecated and default == column.default:
        return column
    return replace(column, deprecated=False, default=default)


def _comparable_index(index: Index, enums: frozenset[str]) -> Index:
    keys = tuple(
        key if key.is_column else replace(key, expression=expression(key.expression, enums))
        for key in index.keys
    )
    where = None if index.where is None else expression(index.where, enums)
    if keys == index.keys and where == index.where:
        return index
    return replace(index, keys=keys, where=where)


def _comparable_constraint(constraint: Constraint, enums: frozenset[str]) -> Constraint:
    columns = () if constraint.kind == "check" else constraint.columns
    text = constraint.expression
    normalized = None if text is None else expression(text, enums)
    if columns == constraint.columns and normalized == text:
        return constraint
    return replace(constraint, columns=columns, expression=normalized)
