"""Apply and roll back the project's migration files, checking history first."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from typing import Any

from buildamp.events import bus as events
from buildamp.files.config import Config
from buildamp.files.directives import parse_changes, parse_squashes
from buildamp.files.migration import MigrationFile, checksum, list_migrations
from buildamp.model.errors import ConfigError, Location, StateError
from buildamp.pg.database import connect, database_identity
from buildamp.run.batch import ProgressReport
from buildamp.run.executor import Executor
from buildamp.run.history import Applied
from buildamp.run.history_view import read_applied
from buildamp.run.progress import ProgressStore

Report = Callable[[str], None]


@dataclass(frozen=True)
class MigrationStatus:
    version: str
    name: str
    # "applied" | "pending" | "edited" | "missing" | "unfinished" | "rolling back"
    # | "other" (this number holds another branch's migration in the database)
    state: str
    detail: str = ""


def _read(config: Config, migration: MigrationFile, rollback: bool = False) -> tuple[str, str]:
    path = migration.rollback_path if rollback else migration.path
    display = config.display(path)
    if not path.is_file():
        raise StateError(f"rollback file for {migration.version} is missing", Location(display))
    return path.read_text(encoding="utf-8"), display


def other_branch(row: Applied, migration: MigrationFile) -> str | None:
    """When the database holds a different migration under this number (another
    branch's), the sentence that says so; None when the names agree."""
    if row.name == migration.name:
        return None
    return (
        f"{row.version} applied here is {row.name}, this checkout's {migration.version} is "
        f"{migration.name}"
    )


@dataclass(frozen=True)
class Collapse:
    """History rows of squashed migrations to replace by their baseline's row."""

    baseline: MigrationFile
    text: str
    versions: tuple[str, ...]


def recognise_squashed(
    files: list[MigrationFile], applied: list[Applied]
) -> tuple[list[Applied], list[Collapse]]:
    """History of migrations that were later squashed (``migrate --squash``) seen as
    the baseline's row: a database that applied the old files keeps working."""
    rows = {row.version: row for row in applied}
    collapses: list[Collapse] = []
    for migration in files:
        row = rows.get(migration.version)
        if row is not None and row.name == migration.name:
            continue
        text = migration.path.read_text(encoding="utf-8")
        entries = parse_squashes(text)
        present = [
            e
            for e in entries
            if (r := rows.get(e.version)) is not None
            and (r.name, r.checksum) == (e.name, e.checksum)
        ]
        if not present:
            continue
        if len(present) < len(entries):
            missing = ", ".join(f"{e.version}_{e.name}" for e in entries if e not in present)
            raise StateError(
                f"{migration.path.name} replaces migrations this database applied only in "
                f"part (not applied: {missing})",
                Location(migration.path.name),
                "apply the remaining old migrations from git history first, then this one",
            )
        for entry in entries:
            rows.pop(entry.version, None)
        rows[migration.version] = Applied(migration.version, migration.name, checksum(text))
        collapses.append(Collapse(migration, text, tuple(e.version for e in entries)))
    return sorted(rows.values(), key=lambda r: int(r.version)), collapses


def _collapse(executor: Executor, collapses: list[Collapse]) -> None:
    for item in collapses:
        executor.collapse_history(item.versions, item.baseline, item.text)


def check_history(config: Config, files: list[MigrationFile], applied: list[Applied]) -> None:
    """Stop before running anything if history and files disagree. A row is
    matched by number *and* name, then checksum."""
    by_version = {f.version: f for f in files}
    for row in applied:
        migration = by_version.get(row.version)
        if migration is None:
            raise StateError(
                f"migration {row.version}_{row.name} is applied but its file is missing",
                Location(config.display(config.migrations_dir)),
                "restore the file from git",
            )
        text, display = _read(config, migration)
        different = other_branch(row, migration)
        if different is not None:
            raise StateError(
                f"{different} (another branch's migration was applied to this database)",
                Location(display),
                f"roll back {row.version} from the branch that has {row.version}_{row.name}, "
                "or renumber this checkout's migration above it",
            )
        if checksum(text) != row.checksum:
            raise StateError(
                f"applied migration {migration.path.name} was edited after it was applied",
                Location(display),
                "restore it from git and put the change in a new migration",
            )
        if row.rolling_back:
            raise StateError(
                f"the rollback of {row.version}_{row.name} did not finish",
                Location(config.display(migration.rollback_path)),
                "run `buildamp migrate --rollback` to finish it first",
            )
    if applied:
        newest = max(int(row.version) for row in applied)
        done = {row.version for row in applied}
        for migration in files:
            if migration.version not in done and migration.number < newest:
                raise StateError(
                    f"pending migration {migration.path.name} is numbered below applied "
                    f"{newest:03d}",
                    Location(config.display(migration.path)),
                    "renumber it above the newest applied migration (branches merged?)",
                )


@contextmanager
def locked_executor(
    url: str,
    progress: ProgressReport | None,
    lock_wait: float = 30.0,
    report: Report | None = None,
    schema: str | None = None,
) -> Iterator[Executor]:
    """An executor holding the advisory lock: one applier at a time."""
    with Executor(url, lock_wait_seconds=lock_wait, progress=progress, schema=schema) as executor:
        executor.lock(report)
        try:
            executor.ensure_history()  # under the lock: concurrent creation races on pg_type
            yield executor
        finally:
            executor.unlock()


def apply(
    config: Config,
    url: str,
    to: str | None = None,
    report: Report = print,
    progress: ProgressReport | None = None,
) -> list[str]:
    files = list_migrations(config.migrations_dir)
    if to is not None and (not to.isdigit() or not any(f.number == int(to) for f in files)):
        raise ConfigError(f"--to {to}: no migration with that number")
    done: list[str] = []
    with locked_executor(
        url, progress, config.lock_wait, report, config.buildamp_schema
    ) as executor:
        executor.events_queue = config.events_queue
        applied, collapses = recognise_squashed(files, executor.applied())
        check_history(config, files, applied)
        _collapse(executor, collapses)
        versions = {row.version: row for row in applied}
        by_version = {f.version: f for f in files}
        for row in applied:
            if row.unfinished and not row.rolling_back:
                migration = by_version[row.version]
                text, display = _read(config, migration)
                resume = partial(executor.resume, migration, row, text, display)
                elapsed = _observed(executor, migration, text, resume, "resume")
                report(f"resumed {migration.path.name}: no-transaction steps done ({elapsed} ms)")
                done.append(migration.version)
        for migration in files:
            if migration.version in versions:
                continue
            if to is not None and migration.number > int(to):
                break
            text, display = _read(config, migration)
            run = partial(executor.run_migration, migration, text, display)
            elapsed = _observed(executor, migration, text, run, "apply")
            report(f"applied {migration.path.name} ({elapsed} ms)")
            done.append(migration.version)
    return done


def rollback(
    config: Config,
    url: str,
    steps: int = 1,
    to: str | None = None,
    report: Report = print,
    progress: ProgressReport | None = None,
) -> list[str]:
    """Roll back the newest ``steps`` migrations (or down to ``to``). A rollback
    cut short after its transaction committed is finished first, and then
    nothing else is started: the user sees where they are before going on."""
    files = {f.version: f for f in list_migrations(config.migrations_dir)}
    undone: list[str] = []
    with locked_executor(
        url, progress, config.lock_wait, report, config.buildamp_schema
    ) as executor:
        executor.events_queue = config.events_queue
        applied, collapses = recognise_squashed(list(files.values()), executor.applied())
        _collapse(executor, collapses)
        newest_first = sorted(applied, key=lambda row: int(row.version), reverse=True)
        unfinished = [row for row in newest_first if row.rolling_back]
        if unfinished:
            row = unfinished[0]
            migration = _rollback_target(config, files, row)
            text, display = _read(config, migration, rollback=True)
            forward = migration.path.read_text(encoding="utf-8")
            finish = partial(executor.resume, migration, row, text, display)
            elapsed = _observed(executor, migration, forward, finish, "rollback")
            report(
                f"finished the interrupted rollback of {migration.path.name} ({elapsed} ms); "
                "run --rollback again to roll back further"
            )
            return [row.version]
        if to is not None:
            targets = [row for row in newest_first if int(row.version) > int(to)]
        else:
            targets = newest_first[:steps]
        for row in targets:  # check every target before undoing any
            _rollback_target(config, files, row)
        for row in targets:
            migration = _rollback_target(config, files, row)
            text, display = _read(config, migration, rollback=True)
            forward = migration.path.read_text(encoding="utf-8")
            undo = partial(executor.undo_migration, migration, text, display)
            elapsed = _observed(executor, migration, forward, undo, "rollback")
            report(f"rolled back {migration.path.name} ({elapsed} ms)")
            undone.append(row.version)
    return undone


def _rollback_target(
    config: Config, files: dict[str, MigrationFile], row: Applied
) -> MigrationFile:
    """The files that undo ``row``, refusing when this checkout's file of that
    number is another migration: its rollback would undo the wrong thing."""
    migration = files.get(row.version)
    if migration is None:
        raise StateError(
            f"cannot roll back {row.version}_{row.name}: its files are missing",
            Location(config.display(config.migrations_dir)),
            "restore them from git",
        )
    different = other_branch(row, migration)
    if different is not None:
        raise StateError(
            f"cannot roll back: {different}; its rollback file would undo the wrong migration",
            Location(config.display(migration.rollback_path)),
            f"roll back {row.version} from the branch that has {row.version}_{row.name}",
        )
    return migration


def _observed(
    executor: Executor,
    migration: MigrationFile,
    text: str,
    run: Callable[[], int],
    operation: str,
) -> int:
    """Run one migration (or its rollback) with its events and progress record.

    The success event is emitted only after ``run`` returned, i.e. after its
    transaction committed; ``migration.failed`` after the rollback. So neither
    subscribers nor webhooks ever see a change that did not happen."""

    tables, fields = parse_changes(text) or ((), ())
    base: dict[str, Any] = {
        "version": migration.version,
        "name": migration.name,
        "checksum": checksum(text),
        "tables": tables,
        "fields": fields,
        "database": database_identity(executor.url),
    }
    details = {"operation": operation}
    if operation != "rollback":
        events.emit(events.Event(events.STARTED, **base, details=details))
    _record(executor, migration, {"status": "running", "operation": operation})
    try:
        elapsed = run()
    except Exception as error:
        events.emit(events.Event(events.FAILED, **base, error=str(error), details=details))
        _record(executor, migration, {"status": "failed", "operation": operation})
        raise
    done = events.ROLLED_BACK if operation == "rollback" else events.APPLIED
    events.emit(events.Event(done, **base, duration_ms=elapsed, details=details))
    status = "rolled_back" if operation == "rollback" else "applied"
    _record(executor, migration, {"status": status, "operation": operation, "duration_ms": elapsed})
    return elapsed


def _record(executor: Executor, migration: MigrationFile, value: dict[str, Any]) -> None:
    """``migration:<version>`` in the progress store, for ``--status`` elsewhere.
    Best-effort: a role that may not create the ``buildamp`` schema still migrates."""
    # psycopg costs ~100 ms to import: only commands that talk to a database pay it
    import psycopg

    value = {"version": migration.version, "name": migration.name, **value}
    value["updated_at"] = events.utc_now()
    with contextlib.suppress(psycopg.Error):
        executor.store.put(f"migration:{migration.version}", value)


def running_work(url: str, schema: str | None = None) -> list[dict[str, Any]]:
    """Progress-store entries of migrations and backfills that are still running
    (read-only: creates nothing when buildamp never wrote progress here)."""
    with connect(url, autocommit=True) as conn:
        store = ProgressStore(conn, schema)
        usable = conn.execute(
            "SELECT coalesce(bool_and(has_schema_privilege(oid, 'USAGE')), false) "
            "FROM pg_namespace WHERE nspname = %s",
            (store.schema,),
        ).fetchone()
        if not usable or not usable[0]:  # never written here, or not ours to read
            return []
        readable = conn.execute(
            "SELECT CASE WHEN to_regclass(%s) IS NULL THEN false "
            "ELSE has_table_privilege(to_regclass(%s), 'SELECT') END",
            (store.table, store.table),
        ).fetchone()
        if not readable or not readable[0]:
            return []
        entries = {**store.items("migration:"), **store.items("backfill:")}
    return [
        {"key": key, **value}
        for key, value in sorted(entries.items())
        if value.get("status") == "running"
    ]


def status(config: Config, url: str) -> list[MigrationStatus]:

    files = list_migrations(config.migrations_dir)
    rows, _ = recognise_squashed(files, read_applied(url, config.buildamp_schema))  # read-only
    applied = {row.version: row for row in rows}
    result = []
    for migration in files:
        row = applied.pop(migration.version, None)
        if row is None:
            result.append(MigrationStatus(migration.version, migration.name, "pending"))
            continue
        text, _ = _read(config, migration)
        state = "applied" if checksum(text) == row.checksum else "edited"
        if other_branch(row, migration) is not None:
            state = "other"  # another branch's migration holds this number here
            result.append(
                MigrationStatus(
                    migration.version, migration.name, state, other_branch(row, migration) or ""
                )
            )
            continue
        elif row.rolling_back:
            state = "rolling back"
        elif state == "applied" and row.unfinished:
            state = "unfinished"
        result.append(MigrationStatus(migration.version, migration.name, state))
    for row in applied.values():
        result.append(MigrationStatus(row.version, row.name, "missing"))
    return sorted(result, key=lambda s: int(s.version))
