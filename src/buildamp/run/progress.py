"""A key-value progress store in the target database (schema ``buildamp``).

Running and finished migrations and backfills record where they are, so a
killed backfill resumes where it stopped and ``buildamp migrate --status`` in
another terminal can show a running backfill's progress. Values are JSON
objects; writes are single-statement upserts, safe in autocommit mode.
"""

from __future__ import annotations

import json
from typing import Any

SCHEMA = "buildamp"
TABLE = f"{SCHEMA}.progress"

DDL = f"""
CREATE SCHEMA IF NOT EXISTS {SCHEMA};
CREATE TABLE IF NOT EXISTS {TABLE} (
    key TEXT PRIMARY KEY,
    value JSONB NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp()
);
"""


class ProgressStore:
    """Thin wrapper over one psycopg connection (autocommit or inside the caller's
    transaction: the store never commits on its own)."""

    def __init__(self, conn: Any) -> None:
        self.conn = conn
        self._ready = False

    def ensure(self) -> None:
        if not self._ready:
            exists = self.conn.execute("SELECT to_regclass(%s) IS NOT NULL", (TABLE,)).fetchone()
            if not exists or not exists[0]:
                self.conn.execute(DDL.encode())
            self._ready = True

    def put(self, key: str, value: dict[str, Any]) -> None:
        self.ensure()
        self.conn.execute(
            f"INSERT INTO {TABLE} (key, value) VALUES (%s, %s::jsonb) "
            "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, "
            "updated_at = clock_timestamp()",
            (key, json.dumps(value, sort_keys=True)),
        )

    def get(self, key: str) -> dict[str, Any] | None:
        self.ensure()
        row = self.conn.execute(f"SELECT value FROM {TABLE} WHERE key = %s", (key,)).fetchone()
        return dict(row[0]) if row else None

    def items(self, prefix: str = "") -> dict[str, dict[str, Any]]:
        self.ensure()
        rows = self.conn.execute(
            f"SELECT key, value FROM {TABLE} WHERE starts_with(key, %s) ORDER BY key", (prefix,)
        ).fetchall()
        return {key: dict(value) for key, value in rows}

    def delete_prefix(self, prefix: str) -> None:
        """Forget every key under ``prefix`` (a migration applied afresh)."""
        self.ensure()
        self.conn.execute(f"DELETE FROM {TABLE} WHERE starts_with(key, %s)", (prefix,))
