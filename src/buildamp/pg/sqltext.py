"""SQL fragments through PostgreSQL's own parser (pglast).

Two jobs: refuse user fragments that are not exactly one expression / one
SELECT / one index column list (so ``0); DROP TABLE users; --`` never reaches a
migration), and normalise types and expressions so that what we generate and
what the catalog reports compare equal.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from buildamp.model.errors import Location, ModelError
from buildamp.model.schema import Constraint, Index, IndexKey, OnDelete

_TYPE_NAMES = {
    "int2": "SMALLINT",
    "smallint": "SMALLINT",
    "int4": "INTEGER",
    "int": "INTEGER",
    "integer": "INTEGER",
    "int8": "BIGINT",
    "bigint": "BIGINT",
    "float4": "REAL",
    "real": "REAL",
    "float8": "DOUBLE PRECISION",
    "bool": "BOOLEAN",
    "boolean": "BOOLEAN",
    "text": "TEXT",
    "varchar": "VARCHAR",
    "bpchar": "CHAR",
    "numeric": "NUMERIC",
    "decimal": "NUMERIC",
    "timestamptz": "TIMESTAMPTZ",
    "timestamp": "TIMESTAMP",
    "date": "DATE",
    "time": "TIME",
    "timetz": "TIMETZ",
    "interval": "INTERVAL",
    "uuid": "UUID",
    "json": "JSON",
    "jsonb": "JSONB",
    "bytea": "BYTEA",
    "inet": "INET",
    "cidr": "CIDR",
    "citext": "CITEXT",
    # built-in types met in adopted databases: upper case, so never quoted as user types
    "bit": "BIT",
    "varbit": "VARBIT",
    "money": "MONEY",
    "xml": "XML",
    "tsvector": "TSVECTOR",
    "tsquery": "TSQUERY",
    "macaddr": "MACADDR",
    "oid": "OID",
}

NUMERIC_TYPES = frozenset({"SMALLINT", "INTEGER", "BIGINT", "REAL", "DOUBLE PRECISION", "NUMERIC"})


def _parse(sql: str) -> Any:
    # pglast loads its C parser (~60 ms): only code that reads SQL pays for it
    import pglast

    return pglast.parse_sql(sql)


def _deparse(node: Any) -> str:
    # pglast loads its C parser (~60 ms): only code that reads SQL pays for it
    from pglast.stream import RawStream

    return str(RawStream()(node))


def _fail(what: str, text: str, location: Location | None, allowed: str) -> ModelError:
    shown = text if len(text) <= 60 else text[:57] + "..."
    return ModelError(f"{what} {shown!r} is not {allowed}", location)


@lru_cache(maxsize=4096)
def canonical_type(text: str) -> str:
    """``timestamp with time zone`` -> ``TIMESTAMPTZ``; enums keep their (lower) name."""
    # pglast loads its C parser (~60 ms): only code that reads SQL pays for it
    import pglast

    try:
        statements = _parse(f"SELECT NULL::{text}")
    except pglast.parser.ParseError as error:
        raise ModelError(f"{text!r} is not a PostgreSQL type: {error}") from None
    target = statements[0].stmt.targetList
    if len(statements) != 1 or not target or len(target) != 1:
        raise ModelError(f"{text!r} is not a single PostgreSQL type")
    cast = target[0].val
    # `text COLLATE "C"` or `int + 1` parse too, as something other than a cast
    if type(cast).__name__ != "TypeCast" or not _is_const(cast.arg):
        raise ModelError(f"{text!r} is not a single PostgreSQL type (no COLLATE or operators)")
    type_name = cast.typeName
    if type_name.setof or type_name.pct_type:
        raise ModelError(f"{text!r} is not a column type (SETOF and %TYPE are not)")
    names = [n.sval for n in type_name.names if n.sval != "pg_catalog"]
    base = names[-1]
    name = _TYPE_NAMES.get(base.lower())
    if name is None:
        name = ".".join(names).lower()
    if type_name.typmods:
        mods = ",".join(_deparse(m) for m in type_name.typmods)
        name = f"{name}({mods})"
    if type_name.arrayBounds:
        name += "[]" * len(type_name.arrayBounds)
    return name


def builtin_type(typname: str) -> str | None:
    """What :func:`canonical_type` makes of a ``pg_catalog`` type written without
    modifiers, by its ``pg_type.typname`` (``timestamptz`` -> ``TIMESTAMPTZ``), or
    None: lets the catalog reader name most columns without loading the parser."""
    return _TYPE_NAMES.get(typname)


def _single_expression(text: str) -> Any:
    """The one expression node in ``text``, or None when it is anything else."""
    # pglast loads its C parser (~60 ms): only code that reads SQL pays for it
    import pglast

    try:
        statements = _parse(f"SELECT {text}")
    except pglast.parser.ParseError:
        return None
    if len(statements) != 1:
        return None
    stmt = statements[0].stmt
    if type(stmt).__name__ != "SelectStmt":
        return None
    if (
        stmt.fromClause
        or stmt.whereClause
        or stmt.groupClause
        or stmt.havingClause
        or stmt.sortClause
        or stmt.limitCount
        or stmt.withClause
        or stmt.distinctClause
        or stmt.valuesLists
        or stmt.op != 0
        or not stmt.targetList
        or len(stmt.targetList) != 1
        or stmt.targetList[0].name
        or stmt.intoClause
    ):
        return None
    return stmt.targetList[0].val


# What PostgreSQL's scanner takes for white space. Python's ``str.strip()`` also
# takes U+2028 and other Unicode spaces, which PostgreSQL reads as identifier
# characters: ``a*/<U+2028>`` is one expression, ``a*/`` is none. What is checked
# is exactly what is returned.
SQL_SPACE = " \t\n\r\f"


def check_expression(text: str, what: str, location: Location | None = None) -> str:
    """Validate a user expression (``default``, ``convert_sql``, ``backfill``) and
    return it as written, trimmed. Raises ModelError naming the fragment."""
    trimmed = text.strip(SQL_SPACE)
    if not _is_single_expression(trimmed):
        raise _fail(what, text, location, "exactly one SQL expression")
    return trimmed


@lru_cache(maxsize=4096)
def _is_single_expression(text: str) -> bool:
    """Memoised: a model repeats the same few defaults on many fields."""
    return _single_expression(text) is not None


def check_select(text: str, what: str, location: Location | None = None) -> str:
    """Validate a query that must be exactly one SELECT (``validate``)."""
    # pglast loads its C parser (~60 ms): only code that reads SQL pays for it
    import pglast

    trimmed = text.strip(SQL_SPACE).rstrip(";").strip(SQL_SPACE)
    try:
        statements = _parse(trimmed)
    except pglast.parser.ParseError:
        raise _fail(what, text, location, "exactly one SELECT statement") from None
    if len(statements) != 1 or type(statements[0].stmt).__name__ != "SelectStmt":
        raise _fail(what, text, location, "exactly one SELECT statement")
    if statements[0].stmt.intoClause is not None:
        raise _fail(what, text, location, "a SELECT without INTO")
    return trimmed


def parse_index_keys(text: str, location: Location | None = None) -> tuple[IndexKey, ...]:
    """``"author_id, created_at DESC"`` -> keys. Exactly one index column list."""
    keys = _index_keys(text)
    if keys is None:
        allowed = 'an index column list like "email" or "author_id, created_at DESC"'
        raise _fail("indexes entry", text, location, allowed)
    return keys


@lru_cache(maxsize=4096)
def _index_keys(text: str) -> tuple[IndexKey, ...] | None:
    """The keys of one index column list, or None when ``text`` is anything else.
    Memoised: many models share the same ``indexes`` entries."""
    plain = plain_index_keys(text)
    return plain if plain is not None else parsed_index_keys(text)


# What a list of plain column names may hold: lower-case names, digits,
# underscores, commas, ASC/DESC in any case, and blanks (no other character is
# blank to Python's str.split() in this set, and all of these are to PostgreSQL).
_PLAIN_KEY_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789_ASCDE, \t\n")
_NAME_START = frozenset("abcdefghijklmnopqrstuvwxyz_")
_NAME_CHARS = _NAME_START | frozenset("0123456789")
# PostgreSQL cuts a longer name to NAMEDATALEN - 1 bytes: the parser's business.
_MAX_NAME = 63


def plain_index_keys(text: str) -> tuple[IndexKey, ...] | None:
    """:func:`parsed_index_keys` of a list of plain column names, each maybe
    followed by ``ASC`` or ``DESC`` (``"author_id, created_at DESC"``, what most
    ``indexes`` entries are), without loading PostgreSQL's parser (~60 ms); None
    for any other text, which the parser then reads. A name that is a keyword
    PostgreSQL would want quoted is left to the parser too.
    ``tests/pg/test_plain_index_keys.py`` holds both answers equal."""
    if not _PLAIN_KEY_CHARS.issuperset(text):
        return None
    keys = []
    for part in text.split(","):
        words = part.split()
        if not words or len(words) > 2:
            return None
        name = words[0]
        if (
            len(name) > _MAX_NAME
            or name[0] not in _NAME_START
            or not _NAME_CHARS.issuperset(name)
            or name in _keywords_needing_quotes()
        ):
            return None
        descending = False
        if len(words) == 2:
            order = words[1].lower()
            if order not in ("asc", "desc"):
                return None
            descending = order == "desc"
        keys.append(IndexKey(name, descending, True))
    return tuple(keys)


def parsed_index_keys(text: str) -> tuple[IndexKey, ...] | None:
    """The keys of one index column list as PostgreSQL's parser reads it, or None."""
    # pglast loads its C parser (~60 ms): only code that reads SQL pays for it
    import pglast

    try:
        statements = _parse(f"CREATE INDEX buildamp_check ON buildamp_check ({text})")
    except pglast.parser.ParseError:
        return None
    if len(statements) != 1:
        return None
    stmt = statements[0].stmt
    if type(stmt).__name__ != "IndexStmt" or stmt.whereClause or stmt.indexIncludingParams:
        return None
    keys = []
    for param in stmt.indexParams:
        if param.collation or param.opclass or param.nulls_ordering:
            return None
        descending = int(param.ordering) == 2
        if param.name:
            keys.append(IndexKey(param.name, descending, True))
        else:
            keys.append(IndexKey(normalize_expression(_deparse(param.expr)), descending, False))
    return tuple(keys)


INDEX_DEFINITION = "one CREATE [UNIQUE] INDEX name ON table (keys) [WHERE ...] statement"


def parse_index_definition(text: str, location: Location | None = None) -> tuple[str, Index]:
    """A raw ``indexes`` entry (``CREATE UNIQUE INDEX users_email_key ON users
    (lower(email)) WHERE ...``): its table and the index, name kept as written.
    Only what the schema model can hold: btree keys, no opclass, collation,
    NULLS order or INCLUDE."""
    # pglast loads its C parser (~60 ms): only code that reads SQL pays for it
    import pglast

    try:
        statements = _parse(text)
    except pglast.parser.ParseError:
        raise _fail("indexes entry", text, location, INDEX_DEFINITION) from None
    stmt: Any = statements[0].stmt if len(statements) == 1 else None
    if (
        stmt is None
        or type(stmt).__name__ != "IndexStmt"
        or not stmt.idxname
        or stmt.concurrent
        or stmt.indexIncludingParams
        or (stmt.accessMethod or "btree") != "btree"
    ):
        raise _fail("indexes entry", text, location, INDEX_DEFINITION + " (btree, no INCLUDE)")
    keys = []
    for param in stmt.indexParams:
        if param.collation or param.opclass or int(param.nulls_ordering):
            raise _fail("indexes entry", text, location, "supported: no COLLATE, opclass or NULLS")
        descending = int(param.ordering) == 2
        if param.name:
            keys.append(IndexKey(param.name, descending, True))
        else:
            keys.append(IndexKey(normalize_expression(_deparse(param.expr)), descending, False))
    where = normalize_expression(_deparse(stmt.whereClause)) if stmt.whereClause else None
    index = Index(stmt.idxname, tuple(keys), bool(stmt.unique), where)
    return stmt.relation.relname, index


# pg_constraint.confdeltype / confupdtype codes, and pglast's fk_*_action codes.
FK_ACTIONS: dict[str, OnDelete] = {
    "a": "no action",
    "r": "restrict",
    "c": "cascade",
    "n": "set null",
    "d": "set default",
}


def set_null_columns(constraint: Constraint) -> tuple[str, ...]:
    """The column list ``ON DELETE SET NULL (...)`` names (empty: all the key's
    columns): a key over ``host`` never nulls or resets ``host``."""
    own = tuple(c for c in constraint.columns if c != "host")
    if constraint.on_delete.startswith("set ") and len(own) < len(constraint.columns):
        return own
    return ()


def set_columns_differ(constraint: Constraint, named: tuple[str, ...]) -> bool:
    """Whether a key whose ``SET NULL/SET DEFAULT`` names ``named`` (empty: none)
    differs from the key buildamp writes for ``constraint``."""
    named = () if set(named) == set(constraint.columns) else named
    return named != set_null_columns(constraint)


CONSTRAINT_DEFINITION = (
    'one "CONSTRAINT name UNIQUE (columns)", "CONSTRAINT name CHECK (...)" or '
    '"CONSTRAINT name FOREIGN KEY (columns) REFERENCES table (columns) [ON DELETE ...]"'
)


def parse_constraint_definition(text: str, location: Location | None = None) -> Constraint:
    """A ``constraints`` entry (``CONSTRAINT orders_total_check CHECK (total >= 0)``),
    name kept as written: how adopted tables carry their existing constraints."""
    # pglast loads its C parser (~60 ms): only code that reads SQL pays for it
    import pglast

    try:
        statements = _parse(f"ALTER TABLE buildamp_check ADD {text}")
    except pglast.parser.ParseError:
        raise _fail("constraints entry", text, location, CONSTRAINT_DEFINITION) from None
    stmt = statements[0].stmt if len(statements) == 1 else None
    cmds: tuple[Any, ...] = tuple(getattr(stmt, "cmds", None) or ())
    node: Any = getattr(cmds[0], "def_", None) if len(cmds) == 1 else None
    if node is None or type(node).__name__ != "Constraint" or not node.conname:
        raise _fail("constraints entry", text, location, CONSTRAINT_DEFINITION)
    kind = node.contype.name
    if kind == "CONSTR_UNIQUE" and not getattr(node, "including", None):
        columns = tuple(key.sval for key in node.keys)
        return Constraint(node.conname, "unique", columns)
    if kind == "CONSTR_CHECK":
        return Constraint(node.conname, "check", (), normalize_expression(_deparse(node.raw_expr)))
    if kind == "CONSTR_FOREIGN":
        return _foreign_key_definition(node, text, location)
    raise _fail("constraints entry", text, location, CONSTRAINT_DEFINITION)


def _foreign_key_definition(node: Any, text: str, location: Location | None) -> Constraint:
    """A foreign key entry, exactly as an adopted database has it (its own name,
    columns and ON DELETE); the shapes the schema model cannot hold are refused
    rather than silently changed."""
    name = node.conname
    problems = []
    if node.pktable.schemaname not in (None, "public"):
        problems.append("a table in another schema")
    if not node.pk_attrs:
        problems.append("no referenced columns (write REFERENCES table (columns))")
    if node.fk_matchtype != "s":
        problems.append("MATCH FULL")
    if node.fk_upd_action != "a":
        problems.append(f"ON UPDATE {FK_ACTIONS[node.fk_upd_action].upper()}")
    if node.deferrable or node.initdeferred:
        problems.append("DEFERRABLE")
    if node.skip_validation:
        problems.append("NOT VALID")
    key = Constraint(
        name,
        "foreign_key",
        tuple(attr.sval for attr in node.fk_attrs or ()),
        None,
        node.pktable.relname,
        tuple(attr.sval for attr in node.pk_attrs or ()),
        FK_ACTIONS[node.fk_del_action],
    )
    if set_columns_differ(key, tuple(attr.sval for attr in node.fk_del_set_cols or ())):
        own = ", ".join(set_null_columns(key)) or "no column list"
        problems.append(f"ON DELETE {key.on_delete.upper()} other than with ({own})")
    if problems:
        shown = text if len(text) <= 60 else text[:57] + "..."
        raise ModelError(
            f"constraints entry {shown!r}: foreign key {name} has {', '.join(problems)}, "
            "which buildamp does not model",
            location,
            "write it without that part (ON DELETE actions are supported), "
            "or keep the key out of the models",
        )
    return key


@lru_cache(maxsize=4096)
def normalize_expression(text: str) -> str:
    """Deparse through PostgreSQL's grammar so spacing and case never make a diff."""
    node = _single_expression(text)
    if node is None:
        return text.strip()
    return _deparse(node)


def _is_const(node: Any) -> bool:
    return type(node).__name__ == "A_Const"


@lru_cache(maxsize=4096)
def normalize_default(text: str, column_type: str) -> str:
    """A default as the catalog would show it, minus the cast PostgreSQL adds to a
    constant of the column's own type (``''::text`` on TEXT is ``''``)."""
    node = _single_expression(text)
    if node is None:
        return text.strip()
    while type(node).__name__ == "TypeCast" and _is_const(node.arg):
        cast_to = canonical_type(_deparse(node.typeName))
        if cast_to != column_type and not (
            cast_to.split("(")[0] == column_type.split("(")[0] == "NUMERIC"
        ):
            break
        node = node.arg
        value = node.val
        if (
            column_type.split("(")[0] in NUMERIC_TYPES
            and type(value).__name__ == "String"
            and _looks_numeric(value.sval)
        ):
            return str(value.sval)
    if _is_const(node) and getattr(node, "isnull", False):
        return "NULL"
    return _deparse(node)


def _looks_numeric(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


@lru_cache(maxsize=1)
def _keywords_needing_quotes() -> frozenset[str]:
    """PostgreSQL's reserved, type/function-name and column-name keywords, from
    pglast's copy of kwlist.h. That module is plain data, loaded here without
    ``import pglast`` (whose package start loads the C parser and the AST
    classes: 60+ ms for a list of names)."""
    # importlib: only when an identifier needs the check
    import importlib.util
    import os

    package = importlib.util.find_spec("pglast")
    assert package is not None and package.submodule_search_locations is not None
    folder = next(iter(package.submodule_search_locations))
    spec = importlib.util.spec_from_file_location(
        "buildamp_pglast_keywords", os.path.join(folder, "keywords.py")
    )
    assert spec is not None and spec.loader is not None
    keywords = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(keywords)  # plain sets of names: no import, no side effect
    names = vars(keywords)
    return frozenset(
        names["RESERVED_KEYWORDS"] | names["TYPE_FUNC_NAME_KEYWORDS"] | names["COL_NAME_KEYWORDS"]
    )


@lru_cache(maxsize=65536)
def quote_ident(name: str) -> str:
    """Quote an identifier only when PostgreSQL needs it (keywords, case, symbols)."""
    if (
        name
        and ((name[0].isalpha() and name[0].islower()) or name[0] == "_")
        and all(c.islower() or c.isdigit() or c == "_" for c in name)
        and name not in _keywords_needing_quotes()
    ):
        return name
    return '"' + name.replace('"', '""') + '"'


def quote_literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
