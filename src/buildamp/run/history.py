"""The history table ``buildamp_migrations``: what is applied, and how far a
run after its COMMIT got. One writer (:class:`History`) for apply and rollback."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from buildamp.files.migration import MigrationFile, checksum
from buildamp.model.errors import DatabaseError
from buildamp.pg.sqltext import quote_ident

if TYPE_CHECKING:
    from buildamp.pg.database import Connection

HISTORY_TABLE = "buildamp_migrations"

HISTORY_DDL = """
CREATE TABLE IF NOT EXISTS {table} (
    version TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    checksum TEXT NOT NULL,
    applied_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    execution_ms INTEGER NOT NULL,
    applied_by TEXT NOT NULL,
    post_total INTEGER NOT NULL DEFAULT 0,
    post_done INTEGER NOT NULL DEFAULT 0,
    direction TEXT NOT NULL DEFAULT 'apply'
)
"""
HISTORY_UPGRADE = (
    "ALTER TABLE {table} ADD COLUMN IF NOT EXISTS direction TEXT NOT NULL DEFAULT 'apply'"
)

Direction = Literal["apply", "rollback"]


@dataclass(frozen=True)
class Applied:
    """A history row. ``post_total``/``post_done`` count the no-transaction steps
    after COMMIT of the run in ``direction``: an apply whose index build is
    pending, or a rollback whose transaction committed but whose copy-back did
    not finish (the row stays until the rollback is complete)."""

    version: str
    name: str
    checksum: str
    post_total: int = 0
    post_done: int = 0
    direction: Direction = "apply"

    @property
    def unfinished(self) -> bool:
        """Committed, but a no-transaction step after COMMIT has not run yet."""
        return self.post_done < self.post_total

    @property
    def rolling_back(self) -> bool:
        return self.direction == "rollback"


class History:
    """The one writer of ``buildamp_migrations``: apply and rollback record their
    progress through the same four calls, always inside the caller's
    transaction or right after a step, so a crash anywhere resumes exactly."""

    def __init__(self, conn: Connection, schema: str | None = None) -> None:

        self.conn = conn
        self.schema = schema
        self.table = f"{quote_ident(schema)}.{HISTORY_TABLE}" if schema else HISTORY_TABLE

    def exists(self) -> bool:
        if self.schema is not None:  # to_regclass would fail without USAGE on the schema
            usable = self.conn.execute(
                "SELECT coalesce(bool_and(has_schema_privilege(oid, 'USAGE')), false) "
                "FROM pg_namespace WHERE nspname = %s",
                (self.schema,),
            ).fetchone()
            if not usable or not usable[0]:
                return False
        row = self.conn.execute("SELECT to_regclass(%s) IS NOT NULL", (self.table,)).fetchone()
        return bool(row and row[0])

    def ensure(self) -> None:
        """Create (or upgrade) the table. Call only under the advisory lock:
        concurrent ``CREATE TABLE IF NOT EXISTS`` races on pg_type. A missing
        privilege is an exit-3 one-liner naming the GRANT that fixes it."""
        # psycopg costs ~100 ms to import: only commands that talk to a database pay it
        import psycopg

        user = self.conn.info.user
        where = self.schema
        if where is None:
            current = self.conn.execute("SELECT current_schema()").fetchone()
            where = str(current[0]) if current and current[0] else "public"
        schema_missing = self.schema is not None and not self._schema_exists()
        try:
            if schema_missing:
                self.conn.execute(f"CREATE SCHEMA {quote_ident(where)}".encode())
            if not self.exists():
                self.conn.execute(HISTORY_DDL.format(table=self.table).encode())
            elif not self._has_direction():  # a table from before rollback tracking
                self.conn.execute(HISTORY_UPGRADE.format(table=self.table).encode())
        except psycopg.errors.InsufficientPrivilege as error:
            if schema_missing:
                message = f"this role may not create schema {where} for buildamp's own tables"
                fix = f"CREATE SCHEMA {where} AUTHORIZATION {user} (as an administrator)"
            elif self.exists():
                message = f"this role may not alter or write the history table {self.table}"
                fix = f"GRANT SELECT, INSERT, UPDATE, DELETE ON {self.table} TO {user}"
            else:
                message = (
                    f"this role may not create the history table {self.table} in schema {where}"
                )
                if where == "public":
                    message += " (PostgreSQL 15+ gives CREATE on public only to its owner)"
                fix = f"GRANT CREATE ON SCHEMA {where} TO {user}, or set buildamp_schema"
            raise DatabaseError(
                f"{message}: {(error.diag.message_primary or '').strip()}", hint=fix
            ) from None

    def _schema_exists(self) -> bool:
        row = self.conn.execute(
            "SELECT count(*) FROM pg_namespace WHERE nspname = %s", (self.schema,)
        ).fetchone()
        return bool(row and row[0])

    def _has_direction(self) -> bool:
        row = self.conn.execute(
            "SELECT count(*) FROM pg_attribute WHERE attrelid = to_regclass(%s) "
            "AND attname = 'direction' AND NOT attisdropped",
            (self.table,),
        ).fetchone()
        return bool(row and row[0])

    def rows(self) -> list[Applied]:
        """Every row; read-only (a database without the table has no history)."""
        if not self.exists():
            return []
        direction = "direction" if self._has_direction() else "'apply'"
        # psycopg costs ~100 ms to import: only commands that talk to a database pay it
        import psycopg

        try:
            rows = self.conn.execute(
                f"SELECT version, name, checksum, post_total, post_done, {direction} "
                f"FROM {self.table} ORDER BY version"
            ).fetchall()
        except psycopg.errors.InsufficientPrivilege:
            raise DatabaseError(
                f"this role may not read the history table {self.table}",
                hint=f"GRANT SELECT ON {self.table} TO {self.conn.info.user}",
            ) from None
        return [
            Applied(
                str(r[0]),
                str(r[1]),
                str(r[2]),
                int(r[3]),
                int(r[4]),
                "rollback" if r[5] == "rollback" else "apply",
            )
            for r in rows
        ]

    def committed(
        self,
        migration: MigrationFile,
        direction: Direction,
        text: str,
        elapsed_ms: int,
        post_total: int,
    ) -> None:
        """Inside the migration's transaction: an apply inserts its row; a
        rollback deletes it, or, when steps after COMMIT remain, marks it as
        rolling back so a crash there resumes the rollback instead of leaving
        a half-undone migration that history no longer mentions."""
        if direction == "apply":
            # loaded on use: drift reads this module for the table's name only
            from buildamp.events.bus import actor

            self.conn.execute(
                f"INSERT INTO {self.table} (version, name, checksum, execution_ms, "
                "applied_by, post_total) VALUES (%s, %s, %s, %s, %s, %s)",
                (
                    migration.version,
                    migration.name,
                    checksum(text),
                    elapsed_ms,
                    actor(),
                    post_total,
                ),
            )
        elif post_total == 0:
            self.finish_rollback(migration)
        else:
            self.conn.execute(
                f"UPDATE {self.table} SET direction = 'rollback', post_total = %s, "
                "post_done = 0 WHERE version = %s",
                (post_total, migration.version),
            )

    def record_baseline(self, migration: MigrationFile, text: str) -> None:
        """Applied without running here: the database already holds it."""
        # loaded on use: drift reads this module for the table's name only
        from buildamp.events.bus import actor

        self.conn.execute(
            f"INSERT INTO {self.table} (version, name, checksum, execution_ms, applied_by) "
            "VALUES (%s, %s, %s, 0, %s)",
            (migration.version, migration.name, checksum(text), actor()),
        )

    def forget(self, versions: tuple[str, ...]) -> None:
        """Drop the rows of ``versions`` (squashed into a baseline)."""
        self.conn.execute(f"DELETE FROM {self.table} WHERE version = ANY(%s)", (list(versions),))

    def advance(self, migration: MigrationFile, done: int) -> None:
        self.conn.execute(
            f"UPDATE {self.table} SET post_done = %s WHERE version = %s",
            (done, migration.version),
        )

    def finish_rollback(self, migration: MigrationFile) -> None:
        self.conn.execute(f"DELETE FROM {self.table} WHERE version = %s", (migration.version,))
