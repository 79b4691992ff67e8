"""Read the live database back into the schema model.

``drift``, ``--status`` and the up/down/up tests compare what PostgreSQL holds
with the snapshot, so everything here normalises the way the generator does
(:mod:`buildamp.pg.sqltext`). A fixed number of catalog queries (seven) is run
whatever the table count, pipelined (one round trip where libpq can): a schema
with hundreds of tables reads as fast as one with three.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from buildamp.cache.store import gc_paused
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
    clean_comment,
)
from buildamp.pg import sqltext
from buildamp.pg.sqlbits import TOUCH_FUNCTION

if TYPE_CHECKING:
    import psycopg

JSONB_COLUMNS = frozenset({"id", "data", "created_at", "updated_at"})
# Literal casts PostgreSQL adds on its own (``'a'::text``, ``(0)::numeric``) and that
# users never write; stripped from both sides before comparing.
_LITERAL_CAST_TYPES = frozenset({"TEXT", "VARCHAR", "CHAR", *sqltext.NUMERIC_TYPES})

# One query per catalog kind, for every table of the schema at once. Comments
# come from joins, not col_description()/obj_description() (one lookup per row:
# half the columns query at 1,000 tables); key columns come back as attribute
# numbers that Python names from the columns query (the per-index and
# per-constraint lookups of pg_attribute cost more than the rest of the query).
_TABLES = """
SELECT c.oid, c.relname::text, c.relrowsecurity AND c.relforcerowsecurity, ds.description
FROM pg_class c
JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_description ds
  ON ds.objoid = c.oid AND ds.classoid = 'pg_class'::regclass AND ds.objsubid = 0
WHERE n.nspname = %(schema)s AND c.relkind IN ('r', 'p') AND NOT c.relispartition
"""
# No ORDER BY and no join to pg_description: sorting 22,000 wide rows (1,000
# tables) spilled to disk and took longer than the rest of the query, and the
# comments' join needed that order. Rows come table by table in attnum order
# from the usual plan; ``_schema`` checks that and sorts when they do not.
# A default cannot name a column, so it is deparsed without its table
# (``pg_get_expr(adbin, 0)``): given the table, PostgreSQL opens and locks
# each one to name its columns (~30 ms at 1,000 tables on a new connection).
# Generated columns' expressions, which do name columns, are never deparsed.
# NOT NULL (``n``/``-``), identity (``a``/``d``/``-``) and the type come packed
# in one text: ``e`` and an enum's name (``[]``: an array of it), ``b`` and a
# pg_catalog typname then, after a space, format_type (no modifiers), or ``f``
# and format_type. libpq holds every answer whole and keeps 16 bytes per field
# of each row besides its text: at 10,000 tables (220,000 rows) nine fields
# took ~44 MB, five take ~28 MB (drift's peak memory -16 MB).
_COLUMNS = """
SELECT a.attrelid, a.attnum, a.attname::text,
       CASE WHEN a.attnotnull THEN 'n' ELSE '-' END
       || coalesce(nullif(a.attidentity::text, ''), '-')
       || CASE WHEN t.typtype = 'e' THEN 'e' || t.typname::text
               WHEN et.typtype = 'e' THEN 'e' || et.typname::text || '[]'
               WHEN a.atttypmod < 0 AND t.typnamespace = 'pg_catalog'::regnamespace
               THEN 'b' || t.typname::text || ' ' || format_type(a.atttypid, a.atttypmod)
               ELSE 'f' || format_type(a.atttypid, a.atttypmod) END,
       CASE WHEN a.attgenerated = '' THEN pg_get_expr(d.adbin, 0) END
FROM pg_attribute a
JOIN pg_class c ON c.oid = a.attrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_type t ON t.oid = a.atttypid
LEFT JOIN pg_type et ON et.oid = t.typelem AND t.typcategory = 'A'
LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
WHERE n.nspname = %(schema)s AND c.relkind IN ('r', 'p')
  AND a.attnum > 0 AND NOT a.attisdropped
"""
_COLUMN_COMMENTS = """
SELECT ds.objoid, ds.objsubid, ds.description
FROM pg_description ds
JOIN pg_class c ON c.oid = ds.objoid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE ds.classoid = 'pg_class'::regclass AND ds.objsubid > 0
  AND n.nspname = %(schema)s AND c.relkind IN ('r', 'p')
"""
# indkey and indoption are int2vectors (text: "1 4 0"); an expression key has
# attribute number 0 and its text from pg_get_indexdef (asked only for indexes
# that have one). Keys past indnkeyatts are INCLUDE columns: not modelled.
_INDEXES = """
SELECT i.indrelid, ci.relname::text, i.indisunique, i.indkey::text, i.indnkeyatts,
       i.indoption::text,
       CASE WHEN 0 = ANY (i.indkey::int2[])
            THEN ARRAY(SELECT pg_get_indexdef(i.indexrelid, k, true)
                       FROM generate_series(1, i.indnkeyatts) k ORDER BY k) END,
       pg_get_expr(i.indpred, i.indrelid)
FROM pg_index i
JOIN pg_class ci ON ci.oid = i.indexrelid
JOIN pg_namespace n ON n.oid = ci.relnamespace
WHERE n.nspname = %(schema)s
  AND NOT EXISTS (SELECT 1 FROM pg_constraint con
                  WHERE con.conindid = i.indexrelid AND con.conrelid = i.indrelid
                    AND con.contype IN ('p', 'u', 'x'))
"""
# A foreign key to a table of another schema names its columns here: the
# columns query only knows this schema's tables.
_CONSTRAINTS = """
SELECT con.conrelid, con.conname::text, con.contype::text, con.conkey,
       pg_get_expr(con.conbin, con.conrelid),
       fc.relname::text, con.confrelid, con.confkey,
       CASE WHEN fc.relnamespace <> c.relnamespace
            THEN ARRAY(SELECT a.attname::text
                       FROM unnest(con.confkey) WITH ORDINALITY k(num, ord)
                       JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.num
                       ORDER BY k.ord) END,
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
    with pipelined(conn), catalog_transaction(conn):
        return CatalogRead(conn, schema_name).schema(exclude)


@contextmanager
def pipelined(conn: psycopg.Connection[Any]) -> Iterator[None]:
    """Pipeline mode where libpq has it: every query is sent without waiting for
    the one before, so the catalog costs one round trip, not one per query."""
    # psycopg (~100 ms): only when talking to a database, which the caller does
    import psycopg

    if not psycopg.Pipeline.is_supported():
        yield
        return
    with conn.pipeline():
        yield


# For the catalog transaction only, in one statement: no JIT (it compiled the
# index query for ~200 ms at 1,000 tables and saved nothing) and no parallel
# workers (a worker competes with the client for a core, was no faster on the
# columns query at 10,000 tables, and interleaves the tables' rows).
_SETTINGS = (
    "SELECT set_config('jit', 'off', true), "
    "set_config('max_parallel_workers_per_gather', '0', true)"
)


@contextmanager
def catalog_transaction(conn: psycopg.Connection[Any]) -> Iterator[None]:
    """One read-only snapshot for all the catalog queries, with the
    :data:`_SETTINGS` of a catalog read. Inside the caller's transaction when
    there is one: its settings are left alone."""
    if conn.info.transaction_status.name != "IDLE":
        yield
        return
    if not conn.autocommit:
        with conn.transaction():
            conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            conn.execute(_SETTINGS)
            yield
        return
    # Plain statements: in pipeline mode conn.transaction() waits on the server
    # when the block starts and again before it ends (two more round trips).
    conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
    try:
        conn.execute(_SETTINGS)
        yield
    except BaseException:
        with suppress(Exception):  # a broken connection: the error above says why
            conn.rollback()
        raise
    conn.execute("COMMIT")


def send_answers(conn: psycopg.Connection[Any]) -> None:
    """Ask the server to send each answer as soon as it has it: in pipeline mode
    it otherwise keeps them (up to 8 kB) until the client asks, a round trip
    more at the first fetch. Does not wait."""
    # psycopg (~100 ms): only when talking to a database, which the caller does
    from psycopg.pq import PipelineStatus

    if conn.pgconn.pipeline_status != PipelineStatus.OFF:
        conn.pgconn.send_flush_request()
        conn.pgconn.flush()


class CatalogRead:
    """The catalog queries of one schema, sent: :meth:`schema` reads the answers.
    In pipeline mode the server works on them while the caller does something
    else (``drift`` loads the schema state meanwhile)."""

    def __init__(self, conn: psycopg.Connection[Any], schema_name: str = "public") -> None:
        params = {"schema": schema_name}
        # the queries with small answers first: the server is not held up
        # sending the columns while the client is busy elsewhere
        self._cursors = [
            conn.execute(sql, params)
            for sql in (
                _TABLES,
                _ENUMS,
                _TRIGGERS,
                _CONSTRAINTS,
                _INDEXES,
                _COLUMN_COMMENTS,
                _COLUMNS,
            )
        ]
        send_answers(conn)

    def schema(
        self,
        exclude: frozenset[str] = frozenset({"buildamp_migrations"}),
        like: Schema | None = None,
    ) -> Schema:
        """The schema the answers describe. A column or index key equal to one
        of ``like`` (the schema it will be compared with) is that very object:
        equal tables then compare by identity, not field by field."""
        tables, enums, triggers, constraints, indexes, comments, columns = self._cursors
        # tens of thousands of rows and objects, none in a cycle: a collector
        # pass over them is wasted
        with gc_paused():
            return _schema(
                _batches(tables),
                _batches(enums),
                _batches(triggers),
                _batches(constraints),
                _batches(indexes),
                _batches(comments),
                _batches(columns),
                exclude,
                _parts(like) if like is not None else {},
            )


def _batches(cursor: psycopg.Cursor[Any]) -> Iterator[tuple[Any, ...]]:
    """A cursor's rows a few thousand at a time, each read once: the columns of
    10,000 tables never sit in memory as Python tuples all at once (~100 MB),
    nor do the indexes' and constraints' while the tables are built (~10 MB)."""
    while batch := cursor.fetchmany(4096):
        yield from batch


Rows = Iterable[tuple[Any, ...]]


def _schema(
    table_rows: Rows,
    enum_rows: Rows,
    trigger_rows: Rows,
    constraint_rows: Rows,
    index_rows: Rows,
    comment_rows: Rows,
    column_rows: Rows,
    exclude: frozenset[str],
    known: dict[Any, Any],
) -> Schema:
    """The catalog's rows as a :class:`Schema`: each object built once, in its
    final form (no ``dataclasses.replace``), every normalisation cached by text."""
    names: dict[int, str] = {}
    rls: dict[int, bool] = {}
    comments: dict[int, str | None] = {}
    for oid, name, forced_rls, comment in table_rows:
        if not name.startswith("buildamp_") and name not in exclude:
            names[oid] = name
            rls[oid] = bool(forced_rls)
            comments[oid] = clean_comment(comment)
    enums = tuple(
        sorted((Enum(name.lower(), tuple(values)) for name, values in enum_rows), key=_name)
    )
    enum_names = frozenset(enum.name for enum in enums)

    column_comments = {(oid, number): text for oid, number, text in comment_rows}
    # every table of the schema (keys name them): each one's column names by
    # attribute number (slot attnum - 1; "" for a dropped column: no name is empty). A name is
    # the built column's own string: 220,000 rows at 10,000 tables keep no
    # string, tuple or int of their own (~40 MB less at the peak).
    attnames: dict[int, list[str]] = {}
    columns: dict[int, list[Column]] = defaultdict(list)
    # Equal rows make one Column (frozen: sharing is safe): most tables repeat
    # id, host, created_at..., and a lookup costs a tenth of building one.
    built: dict[tuple[Any, ...], Column] = {}
    ordered, last_oid, last_number = True, None, 0  # table by table, attnum order?
    for row in column_rows:
        oid, number, name = row[0], row[1], row[2]
        if oid == last_oid:
            ordered = ordered and number > last_number
            slots = attnames[oid]
        else:
            if oid in attnames:
                ordered = False
                slots = attnames[oid]
            else:
                slots = attnames[oid] = []
            last_oid = oid
        last_number = number
        if oid in names:
            comment = column_comments.get((oid, number)) if column_comments else None
            key = row[2:] if comment is None else (*row[2:], comment)
            column = built.get(key)
            if column is None:
                new = _column(row[2:], comment, enum_names)
                column = built[key] = known.get(new, new)
            columns[oid].append(column)
            name = column.name
        if len(slots) < number:
            slots.extend([""] * (number - len(slots)))
        slots[number - 1] = name
    if not ordered:
        _in_attnum_order(columns, attnames)

    indexes: dict[int, list[Index]] = defaultdict(list)
    column_keys: dict[tuple[str, bool], IndexKey] = {}  # shared like the columns
    for oid, name, unique, keys_text, key_count, options_text, defs, predicate in index_rows:
        if oid not in names:
            continue
        numbers, options = keys_text.split(), options_text.split()
        keys: list[IndexKey] = []
        for k in range(key_count):
            number, descending = int(numbers[k]), int(options[k]) & 1 == 1
            if number:
                spot = (attnames[oid][number - 1], descending)
                index_key = column_keys.get(spot)
                if index_key is None:
                    new_key = IndexKey(*spot)
                    index_key = column_keys[spot] = known.get(new_key, new_key)
                keys.append(index_key)
            else:
                keys.append(IndexKey(expression(defs[k], enum_names), descending, False))
        where = expression(predicate, enum_names) if predicate else None
        indexes[oid].append(Index(name, tuple(keys), bool(unique), where))

    primary_keys: dict[int, tuple[str, ...]] = {}
    constraints: dict[int, list[Constraint]] = defaultdict(list)
    for row in constraint_rows:
        oid, name, kind, key, check, ref_table, ref_oid, ref_key, ref_names, on_delete, valid = row
        if oid not in names:
            continue
        cols = tuple(attnames[oid][number - 1] for number in key or ())
        if kind == "p":
            primary_keys[oid] = cols
        elif kind == "u":
            constraints[oid].append(Constraint(name, "unique", cols))
        elif kind == "c":
            check_text = expression(check, enum_names)
            constraints[oid].append(Constraint(name, "check", (), check_text, valid=bool(valid)))
        else:
            if ref_names is None:
                ref_names = [attnames[ref_oid][number - 1] for number in ref_key]
            constraints[oid].append(
                foreign_key(name, list(cols), ref_table, ref_names, on_delete, bool(valid))
            )

    touched = {oid for oid, _name, function in trigger_rows if function == TOUCH_FUNCTION}

    tables = []
    for oid, name in names.items():
        table_columns = tuple(columns[oid])
        tables.append(
            Table(
                name=name,
                columns=table_columns,
                primary_key=primary_keys.get(oid, ()),
                indexes=tuple(sorted(indexes[oid], key=_name)),
                constraints=tuple(sorted(constraints[oid], key=_name)),
                storage=storage_of(table_columns),
                tenant=any(column.name == "host" for column in table_columns),
                touch_updated_at=oid in touched,
                rls=rls[oid],
                comment=comments[oid],
            )
        )
    return Schema(tables=tuple(sorted(tables, key=_name)), enums=enums)


def _parts(schema: Schema) -> dict[Any, Any]:
    """Each distinct column and index key of ``schema``, by itself."""
    by_id: dict[int, Column | IndexKey] = {id(c): c for t in schema.tables for c in t.columns}
    by_id.update((id(k), k) for t in schema.tables for i in t.indexes for k in i.keys)
    return {part: part for part in by_id.values()}


def _in_attnum_order(columns: dict[int, list[Column]], attnames: dict[int, list[str]]) -> None:
    """Each table's columns sorted by attribute number (the query has no ORDER BY)."""
    for oid, table_columns in columns.items():
        by_name = {column.name: column for column in table_columns}
        table_columns[:] = [by_name[name] for name in attnames[oid] if name]


def _column(row: tuple[Any, ...], comment: str | None, enums: frozenset[str]) -> Column:
    """A row of the columns query (from the name on) and the column's comment as
    a :class:`Column`. The query packs NOT NULL, identity and type into one text
    (see :data:`_COLUMNS`)."""
    name, described, default = row
    kind, text = described[2], described[3:]
    if kind == "e":  # an enum or an array of one: its name
        column_type = text.lower()
    elif kind == "b":  # a pg_catalog type without modifiers: its typname, then format_type
        typname, _, formatted = text.partition(" ")
        column_type = sqltext.builtin_type(typname) or sqltext.canonical_type(formatted)
    else:
        column_type = sqltext.canonical_type(text)
    return Column(
        name,
        column_type,
        described[0] == "n",
        default_expression(default, column_type, enums),
        _IDENTITY.get(described[1]),
        False,
        clean_comment(comment),
    )


def _name(item: Table | Index | Constraint | Enum) -> str:
    return item.name


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
    if not len(JSONB_COLUMNS) <= len(columns) <= len(JSONB_COLUMNS) + 1:
        return "columns"  # most tables: told apart without a look at the names
    names = {column.name for column in columns}
    data = next((column for column in columns if column.name == "data"), None)
    if data is not None and data.type == "JSONB" and names - {"host"} == JSONB_COLUMNS:
        return "jsonb"
    return "columns"


def default_expression(text: str | None, column_type: str, enums: frozenset[str]) -> str | None:
    """A catalog default as the generator writes it (None: no default)."""
    if text is None:
        return None
    known = _deparsed(text)
    if known is not None:
        return known
    return relax_expression(sqltext.normalize_default(text, column_type), enums)


def expression(text: str, enums: frozenset[str] = frozenset()) -> str:
    """A catalog expression (``(data ->> 'email'::text)``) as the generator writes it."""
    known = _deparsed(text)
    if known is not None:
        return known
    return relax_expression(sqltext.normalize_expression(text), enums)


# Texts PostgreSQL's parser and deparser give back unchanged, with no cast to
# relax (``now()``, ``0``, ``1.5``, ``TRUE``, ``'text'``), and the two they only
# upper-case. Most defaults are one of these: knowing them skips loading the
# parser (~60 ms); tests/run/test_catalog.py proves every form against it.
_VERBATIM = re.compile(
    r"(?:(?P<call>[a-z_][a-z0-9_]*)\(\)|(?:0|[1-9][0-9]*)(?:\.[0-9]+)?|TRUE|FALSE|'[^'\\]*')"
)
_UPPER_CASED = {"true": "TRUE", "false": "FALSE"}


def _deparsed(text: str) -> str | None:
    """What :func:`expression` and :func:`_default` make of ``text`` when that
    is known without the parser, else None."""
    found = _VERBATIM.fullmatch(text)
    if found is None:
        return _UPPER_CASED.get(text)
    call = found.group("call")
    if call is not None and sqltext.quote_ident(call) != call:
        return None  # a keyword: the deparser may quote it
    return text


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
