"""``buildamp migrate --squash --to VERSION``: one baseline for new environments.

Migrations 001..VERSION are replaced by ``VERSION_squashed_baseline.sql`` (+
rollback) that creates the schema those migrations built, rendered from the
schema state when VERSION is the newest migration; for an older VERSION, from the
catalog of a scratch database the old migrations 001..VERSION are applied to, and
checked by applying the baseline to a second one (same tables, same unmodelled
objects: a view made by custom SQL is never lost silently). Databases that applied
the old files keep working: the baseline's ``-- buildamp:squashes`` header names
them with their checksums, and apply/status recognise that history.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import click

from buildamp.files.config import Config
from buildamp.model.errors import ConfigError
from buildamp.model.schema import Schema

SQUASH_SLUG = "squashed_baseline"


def run_squash(config: Config, to: str | None, cli_url: str | None = None) -> int:
    # per command: `buildamp --help` and other commands import none of it
    from buildamp.cache.store import write_all_or_none
    from buildamp.cli.planning import custom_sql_loader, plan
    from buildamp.files.compose import Layout, compose_down, compose_up
    from buildamp.files.directives import Squashed, parse_squashes, squashes
    from buildamp.files.migration import checksum, list_migrations

    # loaded on use: commands that do not need it never import it
    from buildamp.files.sumfile import SUM_FILE, read_sums, render_sums, sum_problems
    from buildamp.model.hints import Hints
    from buildamp.plan import ops as o
    from buildamp.plan.diff import diff
    from buildamp.render.migration import RenderOptions, render_all

    files = list_migrations(config.migrations_dir)
    if not to or not to.isdigit() or not any(f.number == int(to) for f in files):
        raise ConfigError(f"--squash --to {to}: no migration with that number")
    newest = files[-1]
    replaced = [f for f in files if f.number <= int(to)]
    if len(replaced) < 2:
        click.echo(f"nothing to squash: {newest.path.name} is the only migration")
        return 0
    problems = sum_problems(config.migrations_dir)
    if problems:
        raise ConfigError(
            "cannot squash: " + "; ".join(problems), hint="run `buildamp migrate --check` first"
        )
    planned = plan(config)
    if planned.operations:
        raise ConfigError(
            "cannot squash: the models changed since the last migration",
            hint="generate that migration first (or revert the edit)",
        )
    entries: list[Squashed] = []
    for migration in replaced:
        text = migration.path.read_text(encoding="utf-8")
        earlier = parse_squashes(text)
        entries += earlier  # squashing a squash keeps the oldest history recognisable
        entries.append(Squashed(migration.version, migration.name, checksum(text)))
    if int(to) == newest.number:
        operations = diff(Schema(), planned.snapshot.schema, Hints(), custom_sql_loader(config))
    else:
        operations = diff(Schema(), _schema_at(config, to, cli_url), Hints())
    options = RenderOptions(False, config.lock_timeout, config.batch_size)
    forward = render_all(operations, options)
    backward = render_all([o.invert(op) for op in reversed(operations)], options)
    summary = [op.describe() for op in operations]
    up_path = config.migrations_dir / f"{to}_{SQUASH_SLUG}.sql"
    down_path = config.rollback_dir / f"{to}_rollback.sql"
    stamp = datetime.now(UTC).replace(microsecond=0).strftime("%Y-%m-%d %H:%M:%S")
    heading = [
        f"Squashed: replaces migrations {replaced[0].version}..{to} for new environments;",
        "databases that applied them are recognised by the lines below.",
    ]
    up_text = compose_up(
        config.display(up_path),
        [],
        stamp,
        heading + summary,
        forward,
        backward,
        Layout(),
        operations,
    )
    first, _, rest = up_text.partition("\n")
    up_text = "\n".join([first, *squashes(entries)]) + "\n" + rest
    down_text = compose_down(config.display(down_path), to, SQUASH_SLUG, backward, Layout())
    if int(to) != newest.number:
        _verify(config, to, cli_url, up_path, up_text)
    # the sum file is a record: forget the replaced files, add the baseline's
    sums = read_sums(config.migrations_dir / SUM_FILE) or {}
    for migration in replaced:
        sums.pop(migration.path.relative_to(config.migrations_dir).as_posix(), None)
        sums.pop(migration.rollback_path.relative_to(config.migrations_dir).as_posix(), None)
    sums[up_path.relative_to(config.migrations_dir).as_posix()] = checksum(up_text)
    sums[down_path.relative_to(config.migrations_dir).as_posix()] = checksum(down_text)
    write_all_or_none(
        {
            up_path: up_text,
            down_path: down_text,
            config.migrations_dir / SUM_FILE: render_sums(sums),
        }
    )
    for migration in replaced:
        if migration.path != up_path:
            migration.path.unlink(missing_ok=True)
        if migration.rollback_path != down_path:
            migration.rollback_path.unlink(missing_ok=True)
    click.echo(f"wrote {config.display(up_path)} (replaces {len(replaced)} migrations)")
    click.echo(f"wrote {config.display(down_path)}")
    return 0


def _url(config: Config, cli_url: str | None) -> str:
    # per command: `buildamp --help` and other commands import none of it
    from buildamp.pg.database import resolve_database_url

    return resolve_database_url(cli_url, config.database_url, config.mode, config.project_dir)


def _schema_at(config: Config, to: str, cli_url: str | None) -> Schema:
    """The schema migrations 001..``to`` build: applied to a scratch database, read back."""
    # per command: `buildamp --help` and other commands import none of it
    from buildamp.pg.database import connect, scratch_database
    from buildamp.run.apply import apply
    from buildamp.run.catalog import read_catalog

    with scratch_database(_url(config, cli_url), "squash") as url:
        apply(config, url, to=to, report=lambda _line: None)
        with connect(url) as conn:
            return read_catalog(conn)


def _verify(config: Config, to: str, cli_url: str | None, up_path: Path, up_text: str) -> None:
    """The baseline builds what the old migrations built, unmodelled objects included."""
    # per command: `buildamp --help` and other commands import none of it
    from buildamp.files.migration import MigrationFile
    from buildamp.pg.database import connect, scratch_database
    from buildamp.run.apply import apply
    from buildamp.run.catalog import read_catalog
    from buildamp.run.comparable import comparable
    from buildamp.run.drift import compare
    from buildamp.run.executor import Executor
    from buildamp.run.introspect import introspect

    def picture(url: str) -> tuple[Schema, tuple[str, ...]]:
        with connect(url) as conn:
            return comparable(read_catalog(conn)), introspect(conn).unmodelled

    server = _url(config, cli_url)
    with (
        scratch_database(server, "squash") as old_url,
        scratch_database(server, "squash") as new_url,
    ):
        apply(config, old_url, to=to, report=lambda _line: None)
        baseline = MigrationFile(to, SQUASH_SLUG, up_path, up_path)
        with Executor(new_url) as executor:
            executor.ensure_history()
            executor.run_migration(baseline, up_text, config.display(up_path))
        (old_schema, old_objects), (new_schema, new_objects) = picture(old_url), picture(new_url)
    lost = [f"{line} (not rebuilt)" for line in old_objects if line not in new_objects]
    lost += compare(old_schema, new_schema)
    if lost:
        raise ConfigError(
            f"cannot squash up to {to}: the baseline would not build what the migrations do: "
            + "; ".join(lost),
            hint="squash up to the newest migration (rendered from the models), or keep them",
        )
