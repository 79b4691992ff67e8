"""A key-value progress store in the target database (schema ``buildamp``).

Running and finished migrations and backfills record where they are, so a
killed backfill resumes where it stopped and ``buildamp migrate --status`` in
another terminal can show a running backfill's progress. Values are JSON
objects; writes are single-statement upserts, safe in autocommit mode.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from buildamp.pg.database import Connection

SCHEMA = "buildamp"  # default; config ``buildamp_schema`` moves it
TABLE = f"{SCHEMA}.progress"


def ddl(schema: str, create_schema: bool) -> str:
    """The store's DDL; ``CREATE SCHEMA`` only when it is missing (even with IF
    NOT EXISTS it needs CREATE on the database)."""
    head = f"CREATE SCHEMA IF NOT EXISTS {schema};\n" if create_schema else ""
    return f"""{head}
CREATE TABLE IF NOT EXISTS {schema}.progress (
    key TEXT PRIMARY KEY,
    value JSONB NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp()
);
"""


class ProgressStore:
    """Thin wrapper over one psycopg connection (autocommit or inside the caller's
    transaction: the store never commits on its own).

    When the role may not create or write the store (no CREATE on the
    database, PostgreSQL 15's default), every call is a no-op: migrations still
    run, only the progress records are skipped (docs/progress-store.md). The
    check is a privilege query, never a failing statement, so it is safe inside
    a migration's transaction."""

    def __init__(self, conn: Connection, schema: str | None = None) -> None:
        # loaded on use: only this path needs it (keeps start-up cheap)
        from buildamp.pg.sqltext import quote_ident

        self.conn = conn
        self.schema = schema or SCHEMA
        self.table = f"{quote_ident(self.schema)}.progress"
        self._ready = False
        self.available = True

    def ensure(self) -> bool:
        """Create the store if needed and allowed; whether it can be used."""
        if self._ready:
            return self.available
        row = self.conn.execute(
            "SELECT n.oid IS NOT NULL, to_regclass(%s) IS NOT NULL, "
            "CASE WHEN n.oid IS NULL THEN has_database_privilege(current_database(), 'CREATE') "
            "ELSE has_schema_privilege(n.oid, 'USAGE') END, "
            "n.oid IS NOT NULL AND has_schema_privilege(n.oid, 'CREATE') "
            "FROM (SELECT NULL) AS one LEFT JOIN pg_namespace n ON n.nspname = %s",
            (self.table, self.schema),
        ).fetchone()
        assert row is not None
        schema_exists, table_exists, schema_usable, may_create_table = row
        if not schema_usable:
            self.available = False
        elif table_exists:
            allowed = self.conn.execute(
                "SELECT has_table_privilege(to_regclass(%s), 'SELECT, INSERT, UPDATE, DELETE')",
                (self.table,),
            ).fetchone()
            self.available = bool(allowed and allowed[0])
        elif schema_exists and not may_create_table:
            self.available = False
        else:
            # loaded on use: only this path needs it (keeps start-up cheap)
            from buildamp.pg.sqltext import quote_ident

            self.conn.execute(ddl(quote_ident(self.schema), not schema_exists).encode())
        self._ready = True
        return self.available

    def put(self, key: str, value: dict[str, Any]) -> None:
        if not self.ensure():
            return
        self.conn.execute(
            self.upsert_sql("VALUES (%s, %s::jsonb)"),
            (key, json.dumps(value, sort_keys=True)),
        )

    def upsert_sql(self, select: str) -> str:
        """The upsert of the (key, value) rows ``select`` gives: for ``put``, and
        for a batched backfill, which saves its position in the batch's own
        statement (one round trip, one transaction)."""
        return (
            f"INSERT INTO {self.table} (key, value) {select} "
            "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, "
            "updated_at = clock_timestamp()"
        )

    def get(self, key: str) -> dict[str, Any] | None:
        if not self.ensure():
            return None
        row = self.conn.execute(f"SELECT value FROM {self.table} WHERE key = %s", (key,)).fetchone()
        return dict(row[0]) if row else None

    def items(self, prefix: str = "") -> dict[str, dict[str, Any]]:
        if not self.ensure():
            return {}
        rows = self.conn.execute(
            f"SELECT key, value FROM {self.table} WHERE starts_with(key, %s) ORDER BY key",
            (prefix,),
        ).fetchall()
        return {key: dict(value) for key, value in rows}

    def delete_prefix(self, prefix: str) -> None:
        """Forget every key under ``prefix`` (a migration applied afresh)."""
        if not self.ensure():
            return
        self.conn.execute(f"DELETE FROM {self.table} WHERE starts_with(key, %s)", (prefix,))
