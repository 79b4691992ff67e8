"""Issue 15, lint: ``ALTER TYPE ... ADD VALUE`` followed by a bare use of the new
value in the same transaction (the cast form was already caught), and
``VACUUM FULL`` / ``CLUSTER`` on existing tables, proven against PostgreSQL."""

from __future__ import annotations

import psycopg
import pytest

from buildamp.lint.engine import lint_sql


def codes(sql: str) -> list[str]:
    return [f.code for f in lint_sql(sql, "m.sql")]


SETUP = "CREATE TYPE s AS ENUM ('a'); CREATE TABLE t (id int PRIMARY KEY, st s);"

USES = [
    "UPDATE t SET st = 'x' WHERE id = 1",
    "INSERT INTO t (id, st) VALUES (2, 'x')",
    "DELETE FROM t WHERE st = 'x'",
]


@pytest.mark.parametrize("use", USES)
def test_bare_new_enum_value_in_same_transaction(use: str, pg_conn: object) -> None:
    sql = f"SET lock_timeout = '1s';\nBEGIN;\nALTER TYPE s ADD VALUE 'x';\n{use};\nCOMMIT;\n"
    assert "BA010" in codes(sql)
    conn: psycopg.Connection = pg_conn  # type: ignore[assignment]
    conn.execute(SETUP)
    with pytest.raises(psycopg.errors.UnsafeNewEnumValueUsage), conn.transaction():
        conn.execute("ALTER TYPE s ADD VALUE 'x'")
        conn.execute(use)
    # after its own transaction the same statement is fine, and not flagged
    assert "BA010" not in codes(f"ALTER TYPE s ADD VALUE 'x';\nBEGIN;\n{use};\nCOMMIT;\n")


@pytest.mark.parametrize(
    "statement", ["VACUUM FULL people", "VACUUM (FULL, ANALYZE) people", "CLUSTER people"]
)
def test_vacuum_full_and_cluster_are_flagged(statement: str) -> None:
    assert codes(f"SET lock_timeout = '1s';\n{statement};\n") == ["BA013"]


def test_plain_vacuum_and_new_tables_are_fine() -> None:
    assert codes("SET lock_timeout = '1s';\nVACUUM people;\n") == []
    created = "CREATE TABLE fresh (id int PRIMARY KEY);\nVACUUM FULL fresh;\n"
    assert "BA013" not in codes(created)
