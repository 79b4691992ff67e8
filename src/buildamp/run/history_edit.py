"""``migrate --resolve VERSION --applied | --rolled-back``: record in the history
what an operator did by hand (after a failed online step, say), without
running any SQL of the migration. Holds the advisory lock like an apply.
"""

from __future__ import annotations

from buildamp.files.config import Config
from buildamp.files.migration import MigrationFile, checksum, list_migrations
from buildamp.model.errors import ConfigError, Location
from buildamp.run.executor import Executor
from buildamp.run.file_parts import split_file
from buildamp.run.history import HISTORY_TABLE


def _migration(config: Config, version: str) -> MigrationFile | None:
    return next(
        (m for m in list_migrations(config.migrations_dir) if m.number == int(version)), None
    )


def resolve(config: Config, url: str, version: str, applied: bool, actor: str) -> str:
    """Mark ``version`` applied (a missing row is inserted, an unfinished one
    completed) or rolled back (its row deleted). Returns what was recorded."""
    if not version.isdigit():
        raise ConfigError(f"--resolve {version}: not a migration version", hint="e.g. 004")
    migration = _migration(config, version)
    with Executor(url, lock_wait_seconds=config.lock_wait) as executor:
        executor.lock()
        try:
            rows = {int(row.version): row for row in executor.applied()}
            row = rows.get(int(version))
            if applied:
                if migration is None:
                    raise ConfigError(
                        f"--resolve {version}: no migration file with that number",
                        Location(config.display(config.migrations_dir)),
                        "restore it from git first",
                    )
                text = migration.path.read_text(encoding="utf-8")
                steps = len(split_file(text, config.display(migration.path)).after_commit)
                if row is not None and not row.unfinished:
                    return f"{migration.version}_{migration.name} was already recorded as applied"
                if row is not None:
                    executor.conn.execute(
                        f"UPDATE {HISTORY_TABLE} SET post_done = post_total WHERE version = %s",
                        (row.version,),
                    )
                    return f"recorded the remaining steps of {row.version}_{row.name} as done"
                executor.conn.execute(
                    f"INSERT INTO {HISTORY_TABLE} (version, name, checksum, execution_ms, "
                    "applied_by, post_total, post_done) VALUES (%s, %s, %s, 0, %s, %s, %s)",
                    (migration.version, migration.name, checksum(text), actor, steps, steps),
                )
                return f"recorded {migration.version}_{migration.name} as applied (no SQL was run)"
            if row is None:
                return f"{version} is not recorded as applied here: nothing to record"
            executor.conn.execute(f"DELETE FROM {HISTORY_TABLE} WHERE version = %s", (row.version,))
            return f"recorded {row.version}_{row.name} as rolled back (no SQL was run)"
        finally:
            executor.unlock()
