"""PostgreSQL's own rules that the planner, the online renderer and the linter
all depend on, written once: which type changes keep every value, which of them
PostgreSQL does without rewriting the table, and which defaults are volatile.

Types are buildamp's canonical spellings (``VARCHAR(50)``, ``NUMERIC(20,0)``,
``TEXT``; see :func:`buildamp.pg.sqltext.canonical_type`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache
from typing import Any

# Changes that keep every value. Most integer/float widenings still rewrite the
# table (a different on-disk size); see :func:`rewrites`.
_WIDENINGS = frozenset(
    {
        ("SMALLINT", "INTEGER"),
        ("SMALLINT", "BIGINT"),
        ("INTEGER", "BIGINT"),
        ("REAL", "DOUBLE PRECISION"),
        ("SMALLINT", "NUMERIC(20,0)"),
        ("INTEGER", "NUMERIC(20,0)"),
        ("BIGINT", "NUMERIC(20,0)"),
        ("BIGINT", "NUMERIC(39,0)"),
        ("TIMESTAMP", "TIMESTAMPTZ"),
    }
)
_MODIFIERS = re.compile(r"^(?P<base>[A-Z ]+?)(?:\((?P<mods>[0-9, ]+)\))?$")


def _split(type_name: str) -> tuple[str, tuple[int, ...]] | None:
    """``VARCHAR(50)`` -> ("VARCHAR", (50,)); None for arrays and user types."""
    found = _MODIFIERS.match(type_name)
    if found is None:
        return None
    mods = found.group("mods")
    numbers = tuple(int(m) for m in mods.split(",")) if mods else ()
    return found.group("base"), numbers


def _string_widening(old: tuple[str, tuple[int, ...]], new: tuple[str, tuple[int, ...]]) -> bool:
    """VARCHAR(n) -> VARCHAR(m >= n) / VARCHAR / TEXT, TEXT -> VARCHAR: same bytes."""
    (old_base, old_mods), (new_base, new_mods) = old, new
    if old_base not in ("VARCHAR", "TEXT") or new_base not in ("VARCHAR", "TEXT"):
        return False
    if new_mods == ():
        return True  # unbounded target
    return old_base == "VARCHAR" and old_mods != () and new_mods[0] >= old_mods[0]


def _numeric_widening(old: tuple[str, tuple[int, ...]], new: tuple[str, tuple[int, ...]]) -> bool:
    """NUMERIC(p,s) -> NUMERIC(p2 >= p, s) or unconstrained NUMERIC: same bytes."""
    (old_base, old_mods), (new_base, new_mods) = old, new
    if old_base != "NUMERIC" or new_base != "NUMERIC":
        return False
    if new_mods == ():
        return True
    if old_mods == ():
        return False
    old_scale = old_mods[1] if len(old_mods) > 1 else 0
    new_scale = new_mods[1] if len(new_mods) > 1 else 0
    return new_scale == old_scale and new_mods[0] >= old_mods[0]


def binary_coercible(old_type: str, new_type: str) -> bool:
    """ALTER COLUMN ... TYPE keeps the stored bytes: no rewrite, no value lost."""
    if old_type == new_type:
        return True
    old, new = _split(old_type), _split(new_type)
    if old is None or new is None:
        return False
    return _string_widening(old, new) or _numeric_widening(old, new)


def widens(old_type: str, new_type: str) -> bool:
    """Every value of ``old_type`` converts to ``new_type`` unchanged (possibly with a
    rewrite): the planner accepts such a change without ``convert_sql``."""
    return (old_type, new_type) in _WIDENINGS or binary_coercible(old_type, new_type)


def rewrites(old_type: str, new_type: str) -> bool:
    """Whether ``ALTER COLUMN ... TYPE new_type`` rewrites the table and its indexes
    (under ACCESS EXCLUSIVE). TIMESTAMP -> TIMESTAMPTZ counts as a rewrite: it is
    free only when the session's TimeZone is UTC, which a migration cannot know."""
    return not binary_coercible(old_type, new_type)


# Built-in functions a default may call without being computed per row
# (provolatile 'i' or 's' in pg_catalog). Anything else -- including every user
# function, VOLATILE unless declared otherwise -- counts as volatile.
NON_VOLATILE_FUNCTIONS = frozenset(
    {
        "now",
        "transaction_timestamp",
        "statement_timestamp",
        "txid_current",
        "pg_current_xact_id",
        "lower",
        "upper",
        "length",
        "concat",
        "concat_ws",
        "md5",
        "btrim",
        "ltrim",
        "rtrim",
        "replace",
        "substring",
        "left",
        "right",
        "lpad",
        "rpad",
        "abs",
        "round",
        "trunc",
        "floor",
        "ceil",
        "date_trunc",
        "extract",
        "date_part",
        "make_interval",
        "make_date",
        "timezone",
        "to_char",
        "to_timestamp",
        "jsonb_build_object",
        "jsonb_build_array",
        "json_build_object",
        "json_build_array",
        "to_jsonb",
        "to_json",
        "array_length",
        "cardinality",
        "current_setting",
        "current_database",
        "current_schema",
    }
)


def walk(node: Any) -> Iterator[Any]:
    """Every pglast node under ``node`` (itself included), depth first."""
    from pglast import ast  # pglast loads its parser (~60 ms): only when SQL is read

    if isinstance(node, list | tuple):
        for item in node:
            yield from walk(item)
    elif isinstance(node, ast.Node):
        yield node
        for name in node:
            yield from walk(getattr(node, name))


def function_name(funcname: Any) -> str:
    """The unqualified name of a FuncCall's ``funcname`` (``pg_catalog.now`` -> now)."""
    parts = tuple(funcname or ())
    return str(parts[-1].sval).lower() if parts else ""


def volatile_calls(expression: Any) -> list[str]:
    """Functions in a parsed expression that PostgreSQL computes per row."""
    from pglast import ast  # see walk()

    return [
        name
        for node in walk(expression)
        if isinstance(node, ast.FuncCall)
        and (name := function_name(node.funcname)) not in NON_VOLATILE_FUNCTIONS
    ]


@lru_cache(maxsize=1024)
def is_volatile_default(default: str | None) -> bool:
    """A default PostgreSQL computes per row, so ``ADD COLUMN ... DEFAULT`` rewrites
    the whole table (a non-volatile default is stored once in the catalog)."""
    if default is None:
        return False
    import pglast  # see walk()

    try:
        statements = pglast.parse_sql(f"SELECT {default}")
    except pglast.parser.ParseError:
        return True  # not an expression we understand: assume the worst
    return bool(volatile_calls(statements[0].stmt))
