"""Checks on names and files a model refers to, with the model's location."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

from buildamp.model.errors import Location, ModelError
from buildamp.model.hints import table_option
from buildamp.model.naming import MAX_IDENTIFIER
from buildamp.model.schema import Enum, Table


def check_custom_sql(path: str, project_dir: Path, where: Location) -> None:
    check_no_control(path, "custom_sql path", where)
    target = (project_dir / path).resolve()
    if not target.is_file():
        raise ModelError(f"custom_sql file {path!r} not found", where, f"create {target}")
    if project_dir.resolve() not in target.parents:
        raise ModelError(f"custom_sql file {path!r} is outside the project", where)


# Unicode categories Cc (C0 and C1 controls), Zl (U+2028) and Zp (U+2029): a
# fixed set (Unicode's stability policy; tests/sources check it against
# unicodedata), matched in one pass instead of a category lookup per character.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def control_character(text: str) -> str | None:
    """The first control, line or paragraph separator in ``text`` (newline, NUL,
    U+2028, ...), or None. Such a character in a name could end a generated
    comment line, or truncate the file (NUL)."""
    found = _CONTROL.search(text)
    return found.group() if found else None


def check_no_control(text: str, what: str, where: Location) -> None:
    char = control_character(text)
    if char is not None:
        raise ModelError(
            f"{what} {text!r} contains the control character U+{ord(char):04X}",
            where,
            "use letters, digits and underscores",
        )


def check_identifier(name: str, what: str, where: Location) -> None:
    if len(name) <= MAX_IDENTIFIER and name.isascii() and name.isidentifier():
        return  # the common case: no control character, as many bytes as characters
    if not name:
        raise ModelError(f"{what} is empty", where, "give it a name")
    check_no_control(name, what, where)
    if len(name.encode()) > MAX_IDENTIFIER:
        raise ModelError(
            f"{what} {name!r} is {len(name.encode())} bytes; PostgreSQL truncates names "
            f"over {MAX_IDENTIFIER}",
            where,
            "choose a shorter name",
        )


def check_enum(name: str, labels: tuple[str, ...], where: Location) -> None:
    """PostgreSQL rejects enum labels over 63 bytes and duplicates: refuse them at
    generate time, where the fix is, not at apply."""
    check_identifier(name, "enum type name", where)
    seen: set[str] = set()
    for label in labels:
        check_no_control(label, f"enum {name} value", where)
        if len(label.encode()) > MAX_IDENTIFIER:
            raise ModelError(
                f"enum {name} value {label!r} is {len(label.encode())} bytes; PostgreSQL "
                f"allows at most {MAX_IDENTIFIER}",
                where,
                "shorten the value",
            )
        if label in seen:
            raise ModelError(
                f"enum {name} has the value {label!r} twice", where, "remove the duplicate"
            )
        seen.add(label)


def embedded_expression(text: str, what: str, where: Location) -> str:
    """A user expression (``backfill``, ``convert_sql``) checked to be exactly one
    expression and re-emitted from its parse tree: a trailing ``--`` or a
    ``$buildamp$`` inside cannot swallow or end the SQL generated around it."""
    # loaded on use: only this path needs it (keeps start-up cheap)
    from buildamp.pg import sqltext

    check_no_control_outside_strings(text, what, where)
    sqltext.check_expression(text, what, where)
    return sqltext.normalize_expression(text)


def check_no_control_outside_strings(text: str, what: str, where: Location) -> None:
    """NUL is never valid (it truncates the file); other control characters are
    fine inside the expression (a multi-line string literal)."""
    if "\x00" in text:
        raise ModelError(f"{what} contains a NUL byte", where, "remove it")


# Functions a ``validate`` query may call: read-only and free of side effects.
# Anything else (nextval, pg_sleep, dblink, a user function) is refused: the
# query runs inside the migration's transaction with the migrator's rights.
_SAFE_FUNCTION_NAMES = """
    count sum min max avg bool_and bool_or every array_agg string_agg jsonb_agg json_agg
    lower upper length char_length octet_length bit_length trim btrim ltrim rtrim substring
    substr position strpos replace left right concat concat_ws format starts_with md5
    regexp_replace regexp_match regexp_like split_part translate initcap lpad rpad reverse
    abs round floor ceil ceiling trunc mod sign sqrt power div
    now date_trunc date_part extract age to_char to_date to_timestamp make_date
    jsonb_typeof json_typeof jsonb_array_length json_array_length jsonb_exists
    jsonb_extract_path jsonb_extract_path_text jsonb_object_keys to_jsonb to_json
    array_length cardinality array_position unnest num_nulls num_nonnulls isfinite
"""
SAFE_FUNCTIONS = frozenset(_SAFE_FUNCTION_NAMES.split())


def check_validate_query(text: str, where: Location) -> str:
    """``validate``: exactly one side-effect-free SELECT (no locking clause, no
    data-modifying CTE, only :data:`SAFE_FUNCTIONS`), re-emitted from its parse
    tree so nothing after it can be swallowed."""
    # loaded on use: only this path needs it (keeps start-up cheap)
    import pglast
    from pglast import ast
    from pglast.stream import RawStream
    from pglast.visitors import Visitor

    # loaded on use: only this path needs it (keeps start-up cheap)
    from buildamp.pg import sqltext

    check_no_control_outside_strings(text, "validate", where)
    sqltext.check_select(text, "validate", where)
    statement = pglast.parse_sql(text)[0].stmt
    assert statement is not None  # check_select accepted exactly one SELECT
    problems: list[str] = []

    class Walk(Visitor):
        def visit_FuncCall(self, _ancestors: object, node: ast.FuncCall) -> None:
            names = [part.sval for part in node.funcname or ()]
            if names[0] == "pg_catalog":
                names = names[1:]
            if len(names) != 1 or names[0].lower() not in SAFE_FUNCTIONS:
                problems.append(f"calls {'.'.join(names)}()")

        def visit_SelectStmt(self, _ancestors: object, node: ast.SelectStmt) -> None:
            if node.lockingClause:
                problems.append("locks rows (FOR UPDATE/SHARE)")

        def visit_CommonTableExpr(self, _ancestors: object, node: ast.CommonTableExpr) -> None:
            if not isinstance(node.ctequery, ast.SelectStmt):
                problems.append("holds a data-modifying WITH")

    Walk()(statement)
    if problems:
        raise ModelError(
            f"validate must be one side-effect-free SELECT; this one {problems[0]}",
            where,
            "use plain column expressions and aggregates (count, sum, lower, ...)",
        )
    return str(RawStream()(statement))


MAX_COLUMNS = 1600  # PostgreSQL's limit per table
OWN_TABLES = frozenset({"buildamp_migrations"})


def check_table(table: Table, where: Location) -> None:
    """What CREATE TABLE would reject at apply time, refused at generate time."""
    if table.name in OWN_TABLES:
        raise ModelError(
            f"table name {table.name!r} is buildamp's own history table",
            where,
            f"choose another name with {table_option(str(where), 'name', '...')}",
        )
    if len(table.columns) > MAX_COLUMNS:
        raise ModelError(
            f"table {table.name} has {len(table.columns)} columns; PostgreSQL allows {MAX_COLUMNS}",
            where,
            'split the model, or store rarely used fields with storage = "jsonb"',
        )


def check_enum_names(enums: Mapping[str, Enum], tables: Mapping[str, Table]) -> None:
    """Every table has a row type of its own name: an enum of that name clashes."""
    for name, enum in enums.items():
        if name in tables:
            raise ModelError(
                f"enum type {name!r} has the name of table {name}'s row type",
                Location(enum.source) if enum.source else None,
                "rename the enum or the table",
            )


_BOOLEAN_WORDS = frozenset(
    {"true", "false", "t", "f", "yes", "no", "on", "off", "1", "0", "y", "n"}
)
_INTEGER_TYPES = frozenset({"SMALLINT", "INTEGER", "BIGINT"})


def check_default(default: str, sql_type: str, where: Location) -> None:
    """A default PostgreSQL would reject at apply: a subquery, or a constant
    that cannot be of the column's type (``'abc'`` for an INTEGER)."""
    # loaded on use: only this path needs it (keeps start-up cheap)
    import pglast
    from pglast import ast
    from pglast.visitors import Visitor

    statement = pglast.parse_sql(f"SELECT {default}")[0].stmt
    assert statement is not None  # check_expression accepted one expression
    found: list[str] = []

    class Walk(Visitor):
        def visit_SubLink(self, _ancestors: object, _node: ast.SubLink) -> None:
            found.append("a subquery")

        def visit_ColumnRef(self, _ancestors: object, _node: ast.ColumnRef) -> None:
            found.append("a column name")

    Walk()(statement)
    if found:
        raise ModelError(
            f"default {default!r} holds {found[0]}; PostgreSQL does not allow one in a default",
            where,
            "use a constant ('text' in single quotes) or a function call",
        )
    value = getattr(statement, "targetList", None)
    node = value[0].val if value else None
    if not isinstance(node, ast.A_Const) or node.isnull:
        return
    constant = node.val
    base = sql_type.split("(")[0].upper()
    text = getattr(constant, "sval", None)
    wrong = False
    if base in _INTEGER_TYPES:
        if isinstance(constant, ast.Float | ast.Boolean):
            wrong = True
        elif text is not None:
            wrong = not text.strip().lstrip("+-").isdigit()
    elif base in ("NUMERIC", "REAL", "DOUBLE PRECISION"):
        if isinstance(constant, ast.Boolean):
            wrong = True
        elif text is not None:
            try:
                float(text)
            except ValueError:
                wrong = text.strip().lower() not in ("nan", "infinity", "-infinity")
    elif base == "BOOLEAN":
        if isinstance(constant, ast.Integer | ast.Float):
            wrong = True
        elif text is not None:
            wrong = text.strip().lower() not in _BOOLEAN_WORDS
    if wrong:
        raise ModelError(
            f"default {default!r} is not a valid {sql_type}",
            where,
            f"give a {sql_type} value, or change the field's type",
        )
