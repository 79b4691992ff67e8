"""pg/facts.py checked against PostgreSQL itself: a change it calls free keeps the
table's file (no rewrite), one it calls a rewrite gets a new file; every function
it lets a default call is non-volatile in pg_proc."""

from __future__ import annotations

import pytest

from buildamp.pg.database import connect
from buildamp.pg.facts import (
    NON_VOLATILE_FUNCTIONS,
    is_volatile_default,
    rewrites,
    widens,
)

CHANGES = [
    ("VARCHAR(50)", "TEXT"),
    ("VARCHAR(50)", "VARCHAR(100)"),
    ("VARCHAR(50)", "VARCHAR"),
    ("TEXT", "VARCHAR"),
    ("NUMERIC(10,2)", "NUMERIC(12,2)"),
    ("NUMERIC(10,2)", "NUMERIC"),
    ("INTEGER", "BIGINT"),
    ("SMALLINT", "INTEGER"),
    ("VARCHAR(100)", "VARCHAR(50)"),
    ("NUMERIC(10,2)", "NUMERIC(12,3)"),
    ("TEXT", "VARCHAR(10)"),
]


@pytest.mark.parametrize(("old", "new"), CHANGES)
def test_rewrite_facts_match_postgresql(old: str, new: str, pg_url: str) -> None:
    with connect(pg_url, autocommit=True) as conn:
        conn.execute(f"CREATE TABLE t (c {old})".encode())
        conn.execute(b"INSERT INTO t VALUES ('1')")
        before = conn.execute(b"SELECT pg_relation_filenode('t')").fetchone()[0]
        conn.execute(f"ALTER TABLE t ALTER COLUMN c TYPE {new}".encode())
        after = conn.execute(b"SELECT pg_relation_filenode('t')").fetchone()[0]
    assert rewrites(old, new) == (before != after)


def test_widening_includes_every_free_change() -> None:
    for old, new in CHANGES:
        if not rewrites(old, new):
            assert widens(old, new), (old, new)
    assert widens("INTEGER", "BIGINT") and not widens("BIGINT", "INTEGER")
    assert not widens("VARCHAR(100)", "VARCHAR(50)") and widens("VARCHAR(50)", "VARCHAR(50)")


def test_non_volatile_functions_are_non_volatile_in_pg_proc(pg_url: str) -> None:
    with connect(pg_url, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT proname, bool_or(provolatile = 'v') FROM pg_proc "
            "WHERE proname = ANY(%s) GROUP BY proname",
            (sorted(NON_VOLATILE_FUNCTIONS),),
        ).fetchall()
    assert {name for name, volatile in rows if volatile} == set()
    assert {name for name, _ in rows} == set(NON_VOLATILE_FUNCTIONS)


def test_volatile_defaults() -> None:
    assert is_volatile_default("gen_random_uuid()")
    assert is_volatile_default("(random() * 10)::int")
    assert is_volatile_default("nextval('s')")
    assert is_volatile_default("my_schema.my_function()")
    assert not is_volatile_default(None)
    assert not is_volatile_default("now()")
    assert not is_volatile_default("CURRENT_TIMESTAMP")
    assert not is_volatile_default("'random()'")
    assert not is_volatile_default("EXTRACT(epoch FROM now())::bigint")
    assert not is_volatile_default("CAST(0 AS integer)")
