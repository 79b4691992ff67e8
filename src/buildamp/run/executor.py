"""Run migration files against a database, with a history table.

Sees only SQL text and file names: it never imports models or operations, so
what runs is exactly what was reviewed. Each migration's transactional part
and its history row commit together, or not at all.
"""

from __future__ import annotations

import contextlib
import functools
import re
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal

from buildamp.events.bus import actor
from buildamp.files.directives import (
    WhenType,
)
from buildamp.files.migration import MigrationFile, checksum
from buildamp.model.errors import DatabaseError, Location, StateError
from buildamp.pg.database import connect
from buildamp.pg.sqltext import quote_ident
from buildamp.run.batch import ProgressReport, run_batched
from buildamp.run.catalog import orphan_rows
from buildamp.run.framework_events import EventType, enqueue
from buildamp.run.progress import ProgressStore

if TYPE_CHECKING:
    from buildamp.pg.database import Connection

from buildamp.run.file_parts import Parts, split_file
from buildamp.run.history import Applied, Direction, History

LOCK_KEY = 0x6275696C64616D70 & 0x7FFFFFFFFFFFFFFF  # "buildamp"

LOCK_RETRIES = 5
LOCK_BACKOFF_SECONDS = 0.5
CLEANUP_ATTEMPTS = 3
CLEANUP_LOCK_TIMEOUT = "1s"  # a cleanup never queues behind live traffic for long

Action = Callable[[], object]


def _outcome(direction: Direction, phase: str) -> str:
    """What state a failure leaves behind, for the error's hint."""
    noun = "migration" if direction == "apply" else "rollback"
    rerun = "apply" if direction == "apply" else "--rollback"
    if phase == "before":
        return f"the {noun} stopped before its transaction; nothing of it was recorded"
    if phase == "inside":
        return f"the {noun} was rolled back"
    return (
        f"the {noun}'s transaction is committed; fix the cause and run {rerun} again "
        "to resume from this step"
    )


class Executor:
    """One runner for both directions: a file's steps before BEGIN, its
    transaction together with the history write, then the steps after COMMIT,
    each recorded as done in the same transaction as the step (or, for what
    cannot run in a transaction, made idempotent by a catalog check)."""

    def __init__(
        self,
        url: str,
        lock_wait_seconds: float = 30.0,
        progress: ProgressReport | None = None,
        lock_retries: int = LOCK_RETRIES,
        schema: str | None = None,
    ) -> None:

        self.url = url
        self.conn: Connection = connect(url, autocommit=True)
        self.history = History(self.conn, schema)
        self.store = ProgressStore(self.conn, schema)
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
                f"SELECT checksum FROM {self.history.table} WHERE version = %s",
                (migration.version,),
            ).fetchone()
            digest = row[0] if row else digest
        enqueue(self.conn, self.events_queue, event_type, migration, digest, actor())

    def ensure_history(self) -> None:
        self.history.ensure()

    def applied(self) -> list[Applied]:
        return self.history.rows()

    def record_applied(self, migration: MigrationFile, text: str) -> None:
        """A history row for a migration that was not run here because the database
        already holds what it creates (an adopted database's baseline)."""
        self.ensure_history()
        self.history.record_baseline(migration, text)

    def collapse_history(
        self, versions: tuple[str, ...], baseline: MigrationFile, text: str
    ) -> None:
        """Replace the rows of squashed migrations by their baseline's, in one transaction."""
        self.ensure_history()
        with self.conn.transaction():
            self.history.forget(versions)
            self.history.record_baseline(baseline, text)

    def lock(self, report: Any = None) -> None:
        """Session advisory lock: two appliers never run migrations at once.
        While waiting, ``report`` (if given) is told once who holds it."""
        deadline = time.monotonic() + self.lock_wait_seconds
        told = False
        while True:
            row = self.conn.execute("SELECT pg_try_advisory_lock(%s)", (LOCK_KEY,)).fetchone()
            if row and row[0]:
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
        """Release the advisory lock; a session that died (terminated by an
        operator, server restart) released it already, and the error that
        killed it is the one to report."""
        if self.conn.closed or self.conn.broken:
            return
        # psycopg costs ~100 ms to import: only commands that talk to a database pay it
        import psycopg

        with contextlib.suppress(psycopg.OperationalError):
            self.conn.execute("SELECT pg_advisory_unlock(%s)", (LOCK_KEY,))

    def run_migration(self, migration: MigrationFile, text: str, display: str) -> int:
        """Apply one file; returns elapsed milliseconds."""
        return self.run(migration, text, display, "apply")

    def undo_migration(self, migration: MigrationFile, text: str, display: str) -> int:
        """Run a rollback file; ``text`` is the rollback file's."""
        return self.run(migration, text, display, "rollback")

    def run(self, migration: MigrationFile, text: str, display: str, direction: Direction) -> int:
        """Run ``text`` (the forward file or the rollback file) in ``direction``."""
        parts = split_file(text, display)
        started = time.monotonic()
        for index, statement in enumerate(parts.before_begin):
            if not self._skipped(parts.guard("before", index)):
                self._execute(statement, migration, display, _outcome(direction, "before"))
        prefix = _progress_prefix(migration, direction)

        def transaction() -> None:
            with self.conn.transaction():
                if parts.batches:  # a fresh run: earlier runs' positions no longer apply
                    self.store.delete_prefix(prefix)
                for index, statement in enumerate(parts.transactional):
                    if self._skipped(parts.guard("inside", index)):
                        continue
                    self._execute(
                        statement, migration, display, _outcome(direction, "inside"), retry=False
                    )
                elapsed = int((time.monotonic() - started) * 1000)
                # the queue row first: a rollback's event reads the row about to go
                self._framework_event(
                    "MigrationApplied" if direction == "apply" else "MigrationRolledBack",
                    migration,
                    text,
                )
                self.history.committed(migration, direction, text, elapsed, len(parts.after_commit))

        self._with_lock_retries(transaction)
        self._run_after_commit(migration, parts, 0, display, direction)
        return int((time.monotonic() - started) * 1000)

    def resume(self, migration: MigrationFile, row: Applied, text: str, display: str) -> int:
        """Finish the steps after COMMIT of a run that was cut short; ``text`` is
        the file of ``row.direction`` (the rollback file for a rollback)."""
        started = time.monotonic()
        parts = split_file(text, display)
        if len(parts.after_commit) != row.post_total:
            raise StateError(
                f"{migration.version}_{migration.name}: the history expects "
                f"{row.post_total} steps after COMMIT, the file has {len(parts.after_commit)}",
                Location(display),
                "restore the file as it was when the run started (git), then run again",
            )
        self._run_after_commit(migration, parts, row.post_done, display, row.direction)
        return int((time.monotonic() - started) * 1000)

    def _run_after_commit(
        self,
        migration: MigrationFile,
        parts: Parts,
        done: int,
        display: str,
        direction: Direction,
    ) -> None:
        statements = parts.after_commit
        outcome = _outcome(direction, "after")
        for statement in statements[:done]:
            if is_session_setting(statement):
                self.conn.execute(statement.encode())  # session settings do not survive a crash
        if done:
            self._refill_before_validate(migration, parts, done, display, direction)
        for index in range(done, len(statements)):
            statement = statements[index]
            spec = parts.batches.get(index)
            if self._skipped(parts.guard("after", index)):
                self.history.advance(migration, index + 1)
            elif spec is not None:
                key = f"{_progress_prefix(migration, direction)}{index}"
                batched = functools.partial(
                    run_batched, self.conn, statement, spec, key, self.progress, self.store
                )
                self._guard(batched, statement, migration, display, outcome)
                self.history.advance(migration, index + 1)
            elif needs_autocommit(statement):
                self._run_concurrently(statement, migration, display, outcome)
                self.history.advance(migration, index + 1)
            else:
                # The step and its progress commit together: a client killed while
                # the step waits for a lock leaves nothing half-recorded.
                def step(statement: str = statement, index: int = index) -> None:
                    with self.conn.transaction():
                        self.conn.execute(statement.encode())
                        self.history.advance(migration, index + 1)

                self._guard(step, statement, migration, display, outcome)
        if direction == "rollback" and statements:
            self.history.finish_rollback(migration)

    def _refill_before_validate(
        self, migration: MigrationFile, parts: Parts, done: int, display: str, direction: Direction
    ) -> None:
        """On resume, run once more every finished NULL fill (``UPDATE t SET c =
        ... WHERE c IS NULL``, batched) whose column is not NOT NULL yet while a
        ``VALIDATE CONSTRAINT`` is still ahead: rows inserted by live traffic after
        the fill (files written before the check came first, a check dropped by
        hand) would make VALIDATE fail on every rerun. It is idempotent and finds
        nothing to do in the usual case."""
        statements = parts.after_commit
        if not any(_VALIDATE.match(s) for s in statements[done:]):
            return
        fills: dict[tuple[str, str], int] = {}
        for index in range(done):
            found = _NULL_FILL.match(statements[index])
            if index in parts.batches and found and found["column"] == found["tested"]:
                fills[(found["table"], found["column"])] = index
        outcome = _outcome(direction, "after")
        for (table, column), index in fills.items():
            if _is_not_null(self.conn, table, column):
                continue
            key = f"{_progress_prefix(migration, direction)}{index}:refill"
            self.store.delete_prefix(key)  # a fresh pass: rows may sit below any saved key
            refill = functools.partial(
                run_batched,
                self.conn,
                statements[index],
                parts.batches[index],
                key,
                self.progress,
                self.store,
            )
            self._guard(refill, statements[index], migration, display, outcome)

    def _skipped(self, guard: WhenType | None) -> bool:
        """A ``when-type`` step whose column has another type: nothing to do (the
        rollback of a copy type change that stopped before its swap)."""
        if guard is None:
            return False
        row = self.conn.execute(
            "SELECT a.atttypid = to_regtype(%s) FROM pg_attribute a "
            "WHERE a.attrelid = to_regclass(%s) AND a.attname = %s AND NOT a.attisdropped",
            (guard.type, quote_ident(guard.table), guard.column),
        ).fetchone()
        return row is not None and row[0] is False

    def _run_concurrently(
        self, statement: str, migration: MigrationFile, display: str, outcome: str
    ) -> None:
        """A statement that cannot run in a transaction (``CREATE INDEX
        CONCURRENTLY`` ...). An index build is done only when pg_index says the
        index is valid: an invalid index left by a killed or failed build is
        dropped first, and a failed build is cleaned up on a fresh connection."""
        name = concurrent_index_name(statement)
        if name is not None:
            state = index_state(self.conn, name)
            if state == "valid":
                return  # built by an earlier run whose client was killed
            if state == "invalid":
                self._drop_invalid_index(name)
        try:
            self._execute(statement, migration, display, outcome)
        except DatabaseError:
            if name is not None:
                self._drop_invalid_index(name)
            raise
        if name is not None and index_state(self.conn, name) != "valid":
            self._drop_invalid_index(name)
            raise DatabaseError(
                f"migration {migration.version}_{migration.name}: index {name} was built "
                "but is not valid",
                Location(display),
                outcome,
            )

    def _drop_invalid_index(self, name: str) -> None:
        """Drop an invalid index ``name`` with ``DROP INDEX CONCURRENTLY``, retried
        on a fresh connection when it hits lock_timeout (the session that failed
        may be the one holding things up). Best effort: the next run drops it
        before building again."""
        # psycopg costs ~100 ms to import: only commands that talk to a database pay it
        import psycopg

        for attempt in range(CLEANUP_ATTEMPTS):
            try:
                with connect(self.url, autocommit=True) as fresh:
                    if index_state(fresh, name) != "invalid":
                        return
                    fresh.execute(f"SET lock_timeout = '{CLEANUP_LOCK_TIMEOUT}'".encode())
                    fresh.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {quote_ident(name)}".encode())
                    return
            except (psycopg.Error, DatabaseError):
                time.sleep(LOCK_BACKOFF_SECONDS * 2**attempt)

    def _with_lock_retries(self, action: Action) -> None:
        """Retry ``action`` when it hit ``lock_timeout``: better to give way to
        live traffic and try again than to queue every writer behind us."""
        # psycopg costs ~100 ms to import: only commands that talk to a database pay it
        import psycopg

        for attempt in range(self.lock_retries + 1):
            try:
                action()
                return
            except psycopg.errors.LockNotAvailable:
                if attempt == self.lock_retries:
                    raise
            except DatabaseError as error:
                if not isinstance(error.__cause__, psycopg.errors.LockNotAvailable):
                    raise
                if attempt == self.lock_retries:
                    raise
                name = concurrent_index_name(error.statement)
                if name is not None:
                    self._drop_invalid_index(name)
            time.sleep(LOCK_BACKOFF_SECONDS * 2**attempt)

    def _guard(
        self,
        action: Action,
        statement: str,
        migration: MigrationFile,
        display: str,
        outcome: str,
        retry: bool = True,
    ) -> None:
        # psycopg costs ~100 ms to import: only commands that talk to a database pay it
        import psycopg

        def attempt() -> None:
            try:
                action()
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

        if retry:
            self._with_lock_retries(attempt)
        else:
            attempt()

    def _orphans(self, statement: str) -> str:
        """For a failed ``VALIDATE CONSTRAINT`` of a foreign key: how many rows
        point nowhere, and the query that lists them."""
        # psycopg costs ~100 ms to import: only commands that talk to a database pay it
        import psycopg

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


_IDENT = r'(?:"(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_$]*)'
_VALIDATE = re.compile(r"\s*ALTER\s+TABLE\s+.*\sVALIDATE\s+CONSTRAINT\s", re.I | re.S)
# the fill buildamp writes for NOT NULL (render/ddl.py fill_nulls)
_NULL_FILL = re.compile(
    rf"\s*UPDATE\s+(?P<table>{_IDENT}(?:\.{_IDENT})?)\s+SET\s+(?P<column>{_IDENT})\s*=.*"
    rf"\sWHERE\s+(?P<tested>{_IDENT})\s+IS\s+NULL\s*;?\s*$",
    re.I | re.S,
)


def _is_not_null(conn: Connection, table: str, column: str) -> bool:
    """``column`` (as written in SQL, maybe quoted) of ``table`` is NOT NULL."""
    name = column[1:-1].replace('""', '"') if column.startswith('"') else column.lower()
    row = conn.execute(
        "SELECT attnotnull FROM pg_attribute WHERE attrelid = to_regclass(%s) "
        "AND attname = %s AND NOT attisdropped",
        (table, name),
    ).fetchone()
    return bool(row and row[0])


def _progress_prefix(migration: MigrationFile, direction: Direction) -> str:
    return f"{'backfill' if direction == 'apply' else 'rollback'}:{migration.version}:"


def index_state(conn: Connection, name: str) -> Literal["valid", "invalid", "missing"]:
    row = conn.execute(
        "SELECT i.indisvalid AND i.indisready FROM pg_index i "
        "JOIN pg_class c ON c.oid = i.indexrelid "
        "WHERE c.relname = %s AND pg_table_is_visible(c.oid)",
        (name,),
    ).fetchone()
    if row is None:
        return "missing"
    return "valid" if row[0] else "invalid"


def _statement_node(statement: str) -> object | None:
    # pglast costs ~50 ms to import: loaded only when a statement must be parsed
    import pglast

    try:
        parsed = pglast.parse_sql(statement)
    except pglast.parser.ParseError:
        return None
    return parsed[0].stmt if len(parsed) == 1 else None


def is_session_setting(statement: str) -> bool:
    return type(_statement_node(statement)).__name__ == "VariableSetStmt"


def needs_autocommit(statement: str) -> bool:
    """Statements PostgreSQL refuses inside a transaction block."""
    node: Any = _statement_node(statement)
    kind = type(node).__name__
    if kind in ("IndexStmt", "DropStmt"):
        return bool(node.concurrent)
    if kind == "ReindexStmt":
        return any(getattr(p, "defname", "") == "concurrently" for p in node.params or ())
    return kind in ("VacuumStmt", "CreatedbStmt", "DropdbStmt", "AlterSystemStmt")


def validated_constraint(statement: str) -> tuple[str, str] | None:
    """(table, constraint) of an ``ALTER TABLE t VALIDATE CONSTRAINT c`` statement."""
    # pglast costs ~50 ms to import: loaded only when a statement must be parsed
    from pglast.enums import AlterTableType

    node: Any = _statement_node(statement)
    if type(node).__name__ != "AlterTableStmt" or len(node.cmds or ()) != 1:
        return None
    command = node.cmds[0]
    if command.subtype != AlterTableType.AT_ValidateConstraint:
        return None
    return str(node.relation.relname), str(command.name)


def concurrent_index_name(statement: str) -> str | None:
    """The index a ``CREATE INDEX CONCURRENTLY`` statement builds, if it is one."""
    node: Any = _statement_node(statement)
    if type(node).__name__ == "IndexStmt" and node.concurrent and node.idxname:
        return str(node.idxname)
    return None
