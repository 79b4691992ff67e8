"""``buildamp migrate --squash --to VERSION``: one baseline for new environments.

Migrations 001..VERSION are replaced by ``VERSION_squashed_baseline.sql`` (+
rollback) that creates the schema those migrations built, rendered from the
schema state (so VERSION must be the newest migration). Databases that applied
the old files keep working: the baseline's ``-- buildamp:squashes`` header names
them with their checksums, and apply/status recognise that history.
"""

from __future__ import annotations

from datetime import UTC, datetime

import click

from buildamp.files.config import Config
from buildamp.model.errors import ConfigError

SQUASH_SLUG = "squashed_baseline"


def run_squash(config: Config, to: str | None) -> int:
    from buildamp.cli.generate import custom_sql_loader, plan
    from buildamp.files.migration import (
        Layout,
        checksum,
        compose_down,
        compose_up,
        list_migrations,
        write_atomically,
    )
    from buildamp.files.squash import Squashed, squash_lines, squashed_of
    from buildamp.files.sumfile import SUM_FILE, migration_texts, render_sums, sum_problems
    from buildamp.model.hints import Hints
    from buildamp.model.schema import Schema
    from buildamp.plan import ops as o
    from buildamp.plan.diff import diff
    from buildamp.plan.summary import describe
    from buildamp.render.migration import RenderOptions, render_all

    files = list_migrations(config.migrations_dir)
    if not to or not to.isdigit() or not any(f.number == int(to) for f in files):
        raise ConfigError(f"--squash --to {to}: no migration with that number")
    newest = files[-1]
    if int(to) != newest.number:
        raise ConfigError(
            f"--squash --to {to}: only up to the newest migration ({newest.version}) for now",
            hint=f"use --squash --to {newest.version}",
        )
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
        earlier = squashed_of(text)
        entries += earlier  # squashing a squash keeps the oldest history recognisable
        entries.append(Squashed(migration.version, migration.name, checksum(text)))
    state = planned.snapshot.schema
    operations = diff(Schema(), state, Hints(), custom_sql_loader(config))
    options = RenderOptions(False, config.lock_timeout, config.batch_size)
    forward = render_all(operations, options)
    backward = render_all([o.invert(op) for op in reversed(operations)], options)
    summary = [line for op in operations if (line := describe(op))]
    up_path = config.migrations_dir / f"{to}_{SQUASH_SLUG}.sql"
    down_path = config.rollback_dir / f"{to}_rollback.sql"
    stamp = datetime.now(UTC).replace(microsecond=0).strftime("%Y-%m-%d %H:%M:%S")
    heading = [
        f"Squashed: replaces migrations {replaced[0].version}..{to} for new environments;",
        "databases that applied them are recognised by the lines below.",
    ]
    up_text = compose_up(
        config.display(up_path), [], stamp, heading + summary, forward, backward, Layout()
    )
    first, _, rest = up_text.partition("\n")
    up_text = "\n".join([first, *squash_lines(entries)]) + "\n" + rest
    down_text = compose_down(config.display(down_path), to, SQUASH_SLUG, backward, Layout())
    texts = migration_texts(config.migrations_dir)
    for migration in replaced:
        texts.pop(migration.path.relative_to(config.migrations_dir).as_posix(), None)
        texts.pop(migration.rollback_path.relative_to(config.migrations_dir).as_posix(), None)
    texts[up_path.relative_to(config.migrations_dir).as_posix()] = up_text
    texts[down_path.relative_to(config.migrations_dir).as_posix()] = down_text
    write_atomically(
        {
            up_path: up_text,
            down_path: down_text,
            config.migrations_dir / SUM_FILE: render_sums(texts),
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
