"""``buildamp init --from-database --update``: the database moved on by hand.

Alembic's ``stamp`` after a hot-fix: the live catalog is read again, the models
of the tables that changed are rewritten, a migration recording the difference
is generated and marked applied in that database (it already holds the change;
nothing is run there). When the models were edited since the last migration, the
two changes would mix: the database difference is shown and nothing is written.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import click

from buildamp.files.config import Config, load_config
from buildamp.model.errors import Location, ModelError
from buildamp.model.schema import Schema, Table

if TYPE_CHECKING:
    from buildamp.cli.adopt import ModelFiles

UPDATE_SLUG = "adopt_database_changes"


def run_update(config: Config, cli_url: str | None, schema_name: str) -> int:
    # per command: `buildamp --help` and other commands import none of it
    from buildamp.cli.adopt import model_files, refuse_other_schemas
    from buildamp.cli.planning import plan
    from buildamp.pg.database import connect, resolve_database_url
    from buildamp.run.comparable import comparable
    from buildamp.run.drift import compare, without_unmanaged
    from buildamp.run.introspect import introspect

    url = resolve_database_url(cli_url, config.database_url, config.mode, config.project_dir)
    planned = plan(config)
    with connect(url) as conn:
        found = introspect(conn, schema_name)
    refuse_other_schemas(found, schema_name)
    missing = [name for name in found.extensions if name not in config.extensions]
    if missing:
        names = ", ".join(f'"{name}"' for name in missing)
        raise ModelError(
            f"columns use types of extension {', '.join(missing)}, which new environments "
            "would not have",
            hint=f"add {names} to extensions in {config.source or 'buildamp.toml'}, then run "
            "--update again",
        )
    live = without_unmanaged(found.schema, config.unmanaged)
    found = replace(found, schema=live)
    state = planned.snapshot.schema
    differences = compare(comparable(state), comparable(live))
    if not differences:
        click.echo("no changes: the database matches the schema state")
        return 0
    edits = [op.describe() for op in planned.operations]
    if planned.operations:
        for line in differences:
            click.echo(f"database: {line}")
        for line in edits or ["schema state differs from the models"]:
            click.echo(f"models: {line}")
        raise ModelError(
            "the models were edited since the last migration and the database changed too: "
            "nothing was written",
            hint="generate (or revert) the model edits first, then run --update again",
        )
    if found.unsupported:
        raise ModelError("cannot adopt: " + "; ".join(found.unsupported))
    lang = _language(config, state)
    files = _changed_files(config, state, live, model_files(found, lang))
    written, removed, version = _generate_in_scratch(config, files, live)
    # per command: `buildamp --help` and other commands import none of it
    from buildamp.cache.store import write_all_or_none
    from buildamp.files.migration import list_migrations
    from buildamp.run.executor import Executor

    write_all_or_none({config.project_dir / path: text for path, text in written.items()})
    for path in removed:
        (config.project_dir / path).unlink(missing_ok=True)
    migration = next(m for m in list_migrations(config.migrations_dir) if m.version == version)
    with Executor(url) as executor:
        executor.lock()
        try:
            executor.record_applied(migration, migration.path.read_text(encoding="utf-8"))
        finally:
            executor.unlock()
    for line in differences:
        click.echo(f"database: {line}")
    for path in sorted(written):
        if path.startswith(("models/", "migrations/")) and not path.endswith(".sum"):
            click.echo(f"wrote {path}")
    for path in removed:
        click.echo(f"removed {path}")
    click.echo(f"recorded {version} as applied in the database (nothing was run there)")
    return 0


def _language(config: Config, state: Schema) -> str:
    sources = [t.source for t in state.tables if t.source]
    return "python" if sources and all(".py:" in s for s in sources) else "rust"


def _source_file(table: Table) -> str:
    return table.source.split(":")[0]


def _changed_files(
    config: Config, state: Schema, live: Schema, fresh: ModelFiles
) -> dict[str, str | None]:
    """Files to write (text) or remove (None): models of new, changed and dropped
    tables, and the enums file. A changed table keeps its file, which must hold
    only that model (else the edit is left to a person)."""
    # per command: `buildamp --help` and other commands import none of it
    from buildamp.run.comparable import comparable

    by_table = fresh.tables
    sources: dict[str, list[str]] = {}
    for table in state.tables:
        sources.setdefault(_source_file(table), []).append(table.name)
    changes: dict[str, str | None] = {}
    before = {t.name: t for t in comparable(state).tables}
    after = {t.name: t for t in comparable(live).tables}
    for name in sorted(before.keys() | after.keys()):
        if before.get(name) == after.get(name):
            continue
        old = state.table(name)
        path = _source_file(old) if old is not None and old.source else None
        if path is not None and len(sources.get(path, [])) > 1:
            raise ModelError(
                f"table {name} changed in the database, but its model shares {path} with "
                f"{', '.join(t for t in sources[path] if t != name)}",
                Location(path),
                hint="edit that model by hand, then run `buildamp migrate` and "
                "`migrate --resolve` (or move each model to its own file)",
            )
        if name not in after:
            if path is not None:
                changes[path] = None
            continue
        new_path, text = by_table[name]
        changes[path or new_path] = text
    if comparable(state).enums != comparable(live).enums:
        if fresh.enums is not None:
            changes[fresh.enums[0]] = fresh.enums[1]
        else:  # the last enum type went: its file goes too
            for name in ("models/types.rs", "models/enums.py"):
                if (config.project_dir / name).is_file():
                    changes[name] = None
    return changes


def _generate_in_scratch(
    config: Config, files: dict[str, str | None], live: Schema
) -> tuple[dict[str, str], list[str], str]:
    """Apply ``files`` to a scratch copy of the project and generate the migration
    there; returns the files to write, the files to remove and the new version."""
    # per command: `buildamp --help` and other commands import none of it
    from buildamp.cli.generate import generate
    from buildamp.cli.planning import load_models
    from buildamp.run.comparable import comparable
    from buildamp.run.drift import compare

    root = config.project_dir
    with tempfile.TemporaryDirectory(prefix="buildamp-update-") as tmp:
        scratch = Path(tmp) / root.name
        shutil.copytree(root, scratch, ignore=shutil.ignore_patterns("cache", "pgdata"))
        for path, text in files.items():
            target = scratch / path
            if text is None:
                target.unlink(missing_ok=True)
            else:
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(text, encoding="utf-8")
        scratch_config = load_config(scratch)
        models = load_models(scratch_config).schema
        differences = compare(comparable(live), comparable(models))
        if differences:
            raise ModelError(
                "the rewritten models do not read back as the database: " + "; ".join(differences)
            )
        result = generate(scratch_config, name=UPDATE_SLUG, allow_destructive=True)
        assert result.version is not None
        written: dict[str, str] = {}
        for made in sorted(scratch.rglob("*")):
            relative = made.relative_to(scratch).as_posix()
            if not made.is_file() or relative.startswith((".buildamp/cache", ".buildamp/pgdata")):
                continue
            text = made.read_text(encoding="utf-8")
            original = root / relative
            if not original.is_file() or original.read_text(encoding="utf-8") != text:
                written[relative] = text
        removed = [path for path, text in files.items() if text is None]
        return written, removed, result.version
