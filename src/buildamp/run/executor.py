"""Run migration files against a database, with a history table.

Sees only SQL text and file names: it never imports models or operations, so
what runs is exactly what was reviewed. Each migration's transactional part
and its history row commit together, or not at all.
"""

from __future__ import annotations

import functools
import getpass
import time
from dataclasses import dataclass, field
from typing import Any

from buildamp.files.directives import BatchSpec, is_no_transaction, parse_batch
from buildamp.files.migration import MigrationFile, checksum
from buildamp.model.errors import DatabaseError, Location, StateError
from buildamp.run.batch import ProgressReport, run_batched
from buildamp.run.framework_events import EventType, enqueue
from buildamp.run.progress import ProgressStore

HISTORY_TABLE = "buildamp_migrations"
LOCK_KEY = 0x6275696C64616D70 & 0x7FFFFFFFFFFFFFFF  # "buildamp"

HISTORY_DDL = f"""
CREATE TABLE IF NOT EXISTS {HISTORY_TABLE} (
    version TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    checksum TEXT NOT NULL,
    applied_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    execution_ms INTEGER NOT NULL,
    applied_by TEXT NOT NULL,
    post_total INTEGER NOT NULL DEFAULT 0,
    post_done INTEGER NOT NULL DEFAULT 0
)
"""


@dataclass(frozen=True)
class Applied:
    version: str
    name: str
    checksum: str
    post_total: int = 0
    post_done: int = 0

    @property
    def unfinished(self) -> bool:
        """Committed, but a no-transaction step after COMMIT has not run yet."""
        return self.post_done < self.post_total


@dataclass(frozen=True)
class Parts:
    """A file split into statements inside and after its transaction.
    ``batches`` maps an index of ``after_commit`` to its batch marker."""

    transactional: list[str]
    after_commit: list[str]
    before_begin: list[str]
    batches: dict[int, BatchSpec] = field(default_factory=dict)


def split_file(text: str, where: str) -> Parts:
    """Statements by PostgreSQL's own splitter (DO bodies stay whole). What
    stands before ``BEGIN;`` or after ``COMMIT;`` runs outside the transaction;
    BEGIN/COMMIT themselves are ours to issue. A file without BEGIN runs as one
    transaction, unless ``-- buildamp:no-transaction`` precedes its statements:
    then they run one by one, like the steps after a COMMIT (resumable)."""
    import pglast

    try:
        slices = pglast.split(text, only_slices=True)
    except pglast.parser.ParseError as error:
        raise StateError(f"migration does not parse: {error}", Location(where)) from None
    buckets: dict[str, list[str]] = {"before": [], "inside": [], "after": []}
    batches: dict[str, dict[int, BatchSpec]] = {"before": {}, "inside": {}, "after": {}}
    outside = False  # a no-transaction directive before the first statement
    phase = "before"
    seen_begin = False
    previous_end = 0
    for piece in slices:
        statement = text[piece]
        comments = text[previous_end : piece.start]
        previous_end = piece.stop
        word = " ".join(statement.split()).upper()
        if word in ("BEGIN", "START TRANSACTION", "BEGIN TRANSACTION"):
            if seen_begin:
                raise StateError(
                    "a migration has one BEGIN ... COMMIT block; this file has more",
                    Location(where),
                    "split it into two migrations",
                )
            phase, seen_begin = "inside", True
            continue
        if word in ("COMMIT", "END", "COMMIT TRANSACTION"):
            phase = "after"
            continue
        if not buckets["before"] and not seen_begin:
            outside = is_no_transaction(comments)
        spec = parse_batch(comments)
        if spec is not None:
            batches[phase][len(buckets[phase])] = spec
        buckets[phase].append(statement)
    if not seen_begin:
        if outside:
            return Parts([], buckets["before"], [], batches["before"])
        return Parts(buckets["before"], [], [])
    return Parts(buckets["inside"], buckets["after"], buckets["before"], batches["after"])


def _connect(url: str, autocommit: bool) -> Any:
    from buildamp.pg.database import connect

    return connect(url, autocommit=autocommit)


LOCK_RETRIES = 5
LOCK_BACKOFF_SECONDS = 0.5


class Executor:
    def __init__(
        self,
        url: str,
        lock_wait_seconds: float = 30.0,
        progress: ProgressReport | None = None,
        lock_retries: int = LOCK_RETRIES,
    ) -> None:
        self.url = url
        self.conn = _connect(url, autocommit=True)
        self.lock_wait_seconds = lock_wait_seconds
        self.progress = progress
        self.lock_retries = lock_retries

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Executor:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    events_queue: str | None = None  # config `events_queue`: BuildAmp's event table

    def _framework_event(self, event_type: EventType, migration: MigrationFile, text: str) -> None:
        """Beside the history row, in its transaction (:mod:`.framework_events`); a
        rollback's event names the forward migration's checksum, from its history row."""
        if not self.events_queue:
            return
        digest = checksum(text)
        if event_type == "MigrationRolledBack":
            row = self.conn.execute(
                f"SELECT checksum FROM {HISTORY_TABLE} WHERE version = %s", (migration.version,)
            ).fetchone()
            digest = row[0] if row else digest
        enqueue(self.conn, self.events_queue, event_type, migration, digest, _actor())

    def ensure_history(self) -> None:
        self.conn.execute(HISTORY_DDL)

    def applied(self) -> list[Applied]:
        self.ensure_history()
        rows = self.conn.execute(
            f"SELECT version, name, checksum, post_total, post_done FROM {HISTORY_TABLE} "
            "ORDER BY version"
        ).fetchall()
        return [Applied(*row) for row in rows]

    def record_applied(self, migration: MigrationFile, text: str) -> None:
        """A history row for a migration that was not run here because the database
        already holds what it creates (an adopted database's baseline)."""
        self.ensure_history()
        self.conn.execute(
            f"INSERT INTO {HISTORY_TABLE} (version, name, checksum, execution_ms, applied_by) "
            "VALUES (%s, %s, %s, 0, %s)",
            (migration.version, migration.name, checksum(text), _actor()),
        )

    def collapse_history(
        self, versions: tuple[str, ...], baseline: MigrationFile, text: str
    ) -> None:
        """Replace the rows of squashed migrations by their baseline's, in one transaction."""
        with self.conn.transaction():
            self.conn.execute(
                f"DELETE FROM {HISTORY_TABLE} WHERE version = ANY(%s)", (list(versions),)
            )
            self.record_applied(baseline, text)

    def lock(self, report: Any = None) -> None:
        """Session advisory lock: two appliers never run migrations at once.
        While waiting, ``report`` (if given) is told once who holds it."""
        deadline = time.monotonic() + self.lock_wait_seconds
        told = False
        while True:
            got = self.conn.execute("SELECT pg_try_advisory_lock(%s)", (LOCK_KEY,)).fetchone()[0]
            if got:
                return
            if report is not None and not told:
                report(
                    f"waiting for the migration lock held by {self._lock_holder()} "
                    f"(up to {self.lock_wait_seconds:g}s; config lock_wait)"
                )
                told = True
            if time.monotonic() >= deadline:
                raise DatabaseError(
                    f"another buildamp is applying migrations: lock held by {self._lock_holder()}",
                    hint=f"waited {self.lock_wait_seconds:g}s (lock_wait); retry when it finishes",
                )
            time.sleep(0.2)

    def _lock_holder(self) -> str:
        holder = self.conn.execute(
            "SELECT a.pid, a.usename, a.application_name, a.client_addr "
            "FROM pg_locks l JOIN pg_stat_activity a USING (pid) "
            "WHERE l.locktype = 'advisory' AND l.granted AND l.database = "
            "(SELECT oid FROM pg_database WHERE datname = current_database()) "
            "AND (l.classid::bigint << 32 | l.objid::bigint) = %s",
            (LOCK_KEY,),
        ).fetchone()
        if not holder:
            return "another session"
        return f"pid {holder[0]} ({holder[1]}, {holder[2] or 'no app name'})"

    def unlock(self) -> None:
        self.conn.execute("SELECT pg_advisory_unlock(%s)", (LOCK_KEY,))

    def run_migration(self, migration: MigrationFile, text: str, display: str) -> int:
        """Apply one file; returns elapsed milliseconds. The transactional part
        commits together with the history row; steps after COMMIT are counted in
        that row so a crash there resumes instead of repeating."""
        parts = split_file(text, display)
        started = time.monotonic()
        for statement in parts.before_begin:
            self._execute(statement, migration, display, "nothing was applied")

        def transaction() -> None:
            with self.conn.transaction():
                if parts.batches:  # a fresh run: earlier runs' positions no longer apply
                    ProgressStore(self.conn).delete_prefix(f"backfill:{migration.version}:")
                for statement in parts.transactional:
                    self._execute(
                        statement, migration, display, "the migration was rolled back", retry=False
                    )
                elapsed = int((time.monotonic() - started) * 1000)
                self.conn.execute(
                    f"INSERT INTO {HISTORY_TABLE} (version, name, checksum, execution_ms, "
                    "applied_by, post_total) VALUES (%s, %s, %s, %s, %s, %s)",
                    (
                        migration.version,
                        migration.name,
                        checksum(text),
                        elapsed,
                        _actor(),
                        len(parts.after_commit),
                    ),
                )
                self._framework_event("MigrationApplied", migration, text)

        self._with_lock_retries(transaction)
        self._run_after_commit(migration, parts, 0, display)
        return int((time.monotonic() - started) * 1000)

    def resume(self, migration: MigrationFile, row: Applied, text: str, display: str) -> int:
        """Finish the no-transaction steps of a migration whose run was cut short."""
        started = time.monotonic()
        parts = split_file(text, display)
        self._run_after_commit(migration, parts, row.post_done, display)
        return int((time.monotonic() - started) * 1000)

    def _run_after_commit(
        self, migration: MigrationFile, parts: Parts, done: int, display: str
    ) -> None:
        statements = parts.after_commit
        for statement in statements[:done]:
            if statement.lstrip().upper().startswith("SET "):
                self.conn.execute(statement.encode())  # session settings do not survive a crash
        for index in range(done, len(statements)):
            statement = statements[index]
            outcome = (
                "the transactional part is committed; fix the cause and run apply again "
                "to resume from this step"
            )
            try:
                spec = parts.batches.get(index)
                if spec is not None:
                    key = f"backfill:{migration.version}:{index}"
                    self._guard(
                        functools.partial(
                            run_batched, self.conn, statement, spec, key, self.progress
                        ),
                        statement,
                        migration,
                        display,
                        outcome,
                    )
                else:
                    self._execute(statement, migration, display, outcome)
            except DatabaseError:
                self._drop_invalid_index(statement)
                raise
            self.conn.execute(
                f"UPDATE {HISTORY_TABLE} SET post_done = %s WHERE version = %s",
                (index + 1, migration.version),
            )

    def _drop_invalid_index(self, statement: str) -> None:
        """A failed CREATE INDEX CONCURRENTLY leaves an invalid index behind."""
        name = concurrent_index_name(statement)
        if name is None:
            return
        row = self.conn.execute(
            "SELECT NOT i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            "WHERE c.relname = %s AND pg_table_is_visible(c.oid)",
            (name,),
        ).fetchone()
        if row and row[0]:
            from buildamp.pg.sqltext import quote_ident

            self.conn.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {quote_ident(name)}".encode())

    def undo_migration(self, migration: MigrationFile, text: str, display: str) -> int:
        """Run a rollback file in the same layout as a forward one: steps before
        BEGIN, the transaction together with deleting the history row, then the
        steps after COMMIT (an online type change copies back in batches there)."""
        parts = split_file(text, display)
        started = time.monotonic()
        for statement in parts.before_begin:
            self._execute(statement, migration, display, "the rollback stopped here")

        def transaction() -> None:
            with self.conn.transaction():
                if parts.batches:
                    ProgressStore(self.conn).delete_prefix(f"rollback:{migration.version}:")
                for statement in parts.transactional:
                    self._execute(
                        statement, migration, display, "the rollback was rolled back", retry=False
                    )
                self._framework_event("MigrationRolledBack", migration, text)
                self.conn.execute(
                    f"DELETE FROM {HISTORY_TABLE} WHERE version = %s", (migration.version,)
                )

        self._with_lock_retries(transaction)
        outcome = (
            "the rollback's transaction is committed and the migration is no longer recorded; "
            "finish the remaining steps of the rollback file by hand"
        )
        for index, statement in enumerate(parts.after_commit):
            spec = parts.batches.get(index)
            if spec is not None:
                key = f"rollback:{migration.version}:{index}"
                action = functools.partial(
                    run_batched, self.conn, statement, spec, key, self.progress
                )
                self._guard(action, statement, migration, display, outcome)
            else:
                self._execute(statement, migration, display, outcome)
        return int((time.monotonic() - started) * 1000)

    def _with_lock_retries(self, action: Any) -> Any:
        """Retry ``action`` when it hit ``lock_timeout``: better to give way to
        live traffic and try again than to queue every writer behind us."""
        import psycopg

        for attempt in range(self.lock_retries + 1):
            try:
                return action()
            except psycopg.errors.LockNotAvailable:
                if attempt == self.lock_retries:
                    raise
                time.sleep(LOCK_BACKOFF_SECONDS * 2**attempt)
            except DatabaseError as error:
                if not isinstance(error.__cause__, psycopg.errors.LockNotAvailable):
                    raise
                if attempt == self.lock_retries:
                    raise
                self._drop_invalid_index(error.statement)
                time.sleep(LOCK_BACKOFF_SECONDS * 2**attempt)
        return None

    def _guard(
        self,
        action: Any,
        statement: str,
        migration: MigrationFile,
        display: str,
        outcome: str,
        retry: bool = True,
    ) -> Any:
        import psycopg

        def attempt() -> Any:
            try:
                return action()
            except psycopg.Error as error:
                message = _server_message(error)
                hint = outcome
                if error.sqlstate == "23503":  # foreign_key_violation (DETAIL already shown)
                    message += self._orphans(statement) or ""
                if error.sqlstate == "53200":  # out of shared memory: too many locks
                    hint += (
                        "; one transaction locks every table it creates or alters: raise "
                        "max_locks_per_transaction or generate the models in smaller steps"
                    )
                failure = DatabaseError(
                    f"migration {migration.version}_{migration.name} failed at "
                    f"`{_statement_line(statement)}`: {message}",
                    Location(display),
                    hint,
                )
                failure.statement = statement
                raise failure from error

        return self._with_lock_retries(attempt) if retry else attempt()

    def _orphans(self, statement: str) -> str:
        """For a failed ``VALIDATE CONSTRAINT`` of a foreign key: how many rows
        point nowhere, and the query that lists them."""
        import psycopg

        from buildamp.run.catalog import orphan_rows

        target = validated_constraint(statement)
        if target is None or self.conn.info.transaction_status != 0:  # not idle: tx aborted
            return ""
        try:
            found = orphan_rows(self.conn, *target)
        except psycopg.Error:
            return ""
        if found is None:
            return ""
        count, query = found
        return (
            f" ({count} row(s) of {target[0]} point at no row: {query}; fix or delete them, "
            f"then run apply again)"
        )

    def _execute(
        self,
        statement: str,
        migration: MigrationFile,
        display: str,
        outcome: str,
        retry: bool = True,
    ) -> None:
        self._guard(
            lambda: self.conn.execute(statement.encode()),
            statement,
            migration,
            display,
            outcome,
            retry,
        )


STATEMENT_SHOWN = 400  # characters of a failing statement in the one-line error


def _statement_line(statement: str) -> str:
    """The failing statement on one line; long ones keep their start and end."""
    flat = " ".join(line.split("--", 1)[0] for line in statement.splitlines())
    flat = " ".join(flat.split())
    if len(flat) <= STATEMENT_SHOWN:
        return flat
    half = STATEMENT_SHOWN // 2
    return f"{flat[:half]} ... {flat[-half:]}"


def _server_message(error: Any) -> str:
    """The server's message with its DETAIL and the table/column/constraint it names."""
    diag = error.diag
    parts = [(diag.message_primary or str(error)).strip()]
    if diag.message_detail:
        parts.append(f"DETAIL: {diag.message_detail.strip()}")
    names = [
        f"{label} {value}"
        for label, value in (
            ("table", diag.table_name),
            ("column", diag.column_name),
            ("constraint", diag.constraint_name),
        )
        if value
    ]
    if names:
        parts.append("(" + ", ".join(names) + ")")
    return "; ".join(parts[:2]) + (f" {parts[2]}" if len(parts) > 2 else "")


def validated_constraint(statement: str) -> tuple[str, str] | None:
    """(table, constraint) of an ``ALTER TABLE t VALIDATE CONSTRAINT c`` statement."""
    import pglast
    from pglast.enums import AlterTableType

    try:
        parsed = pglast.parse_sql(statement)
    except pglast.parser.ParseError:
        return None
    node: Any = parsed[0].stmt if len(parsed) == 1 else None
    if type(node).__name__ != "AlterTableStmt" or len(node.cmds or ()) != 1:
        return None
    command = node.cmds[0]
    if command.subtype != AlterTableType.AT_ValidateConstraint:
        return None
    return str(node.relation.relname), str(command.name)


def concurrent_index_name(statement: str) -> str | None:
    """The index a ``CREATE INDEX CONCURRENTLY`` statement builds, if it is one."""
    import pglast

    try:
        parsed = pglast.parse_sql(statement)
    except pglast.parser.ParseError:
        return None
    node: Any = parsed[0].stmt if len(parsed) == 1 else None
    if type(node).__name__ == "IndexStmt" and node.concurrent and node.idxname:
        return str(node.idxname)
    return None


def _actor() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"
