"""What each CLI command does, separate from argument parsing."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import click

from buildamp.files.config import Config
from buildamp.model.errors import ConfigError


def _url(config: Config, cli_url: str | None) -> str:
    """The database to use. Falling back to the embedded dev server is said out
    loud (on stderr, so JSON on stdout stays clean), with how to stop it."""
    # per command: `buildamp --help` and other commands import none of it
    from buildamp.pg.database import (
        explicit_database_url,
        redact,
        resolve_database_url,
    )

    url = resolve_database_url(cli_url, config.database_url, config.mode, config.project_dir)
    if explicit_database_url(cli_url, config.database_url) is None:
        click.echo(f"using embedded PostgreSQL at {redact(url)} (stop: buildamp db stop)", err=True)
    return url


def run_db(config: Config, action: str) -> int:
    """``buildamp db url|stop``: the embedded dev server of this project."""
    # loaded on use: commands that do not need it never import it
    from buildamp.pg.database import EMBEDDED_DIR, embedded_server_url, stop_embedded_server

    pgdata = config.project_dir / EMBEDDED_DIR
    if action == "url":
        click.echo(embedded_server_url(pgdata))
        return 0
    if stop_embedded_server(pgdata):
        click.echo(f"stopped embedded PostgreSQL in {config.display(pgdata)}")
    else:
        click.echo("embedded PostgreSQL is not running")
    return 0


@contextmanager
def _sinks(config: Config, log_format: str, url: str | None = None) -> Iterator[None]:
    """Audit log and webhooks for one action (events.py loads them lazily)."""
    # per command: `buildamp --help` and other commands import none of it
    from buildamp.events.sinks import command_sinks

    with command_sinks(config, log_format, url):
        yield


# Each action and the flags that belong to it; anything else on the line is an error.
_FLAGS = {
    "do_generate": "--generate",
    "do_apply": "--apply",
    "do_rollback": "--rollback",
    "do_status": "--status",
    "do_check": "--check",
    "new_slug": "--new",
    "do_hash": "--hash",
    "do_discard": "--discard",
    "resolve_version": "--resolve",
    "do_rebase": "--rebase",
    "do_squash": "--squash",
    "mark_applied": "--applied",
    "mark_rolled_back": "--rolled-back",
    "name": "--name",
    "dry_run": "--dry-run",
    "allow_destructive": "--allow-destructive",
    "to_version": "--to",
    "steps": "--steps",
    "force": "--force",
    "as_json": "--json",
    "database_url": "--database-url",
    "yes": "--yes",
}
_ACTIONS = (
    "do_apply",
    "do_rollback",
    "do_status",
    "do_check",
    "new_slug",
    "do_hash",
    "do_discard",
    "resolve_version",
    "do_rebase",
    "do_squash",
)
_DB = ("database_url",)
_ALLOWED: dict[str, tuple[str, ...]] = {
    "generate": ("do_generate", "name", "dry_run", "allow_destructive"),
    "generate+apply": (
        "do_generate",
        "do_apply",
        "name",
        "dry_run",
        "allow_destructive",
        "to_version",
        "yes",
        *_DB,
    ),
    "apply": ("do_apply", "to_version", "dry_run", "as_json", "yes", *_DB),
    "rollback": ("do_rollback", "to_version", "steps", "dry_run", "as_json", "yes", *_DB),
    "status": ("do_status", "as_json", *_DB),
    "check": ("do_check", "as_json"),
    "new": ("new_slug", "dry_run"),
    "hash": ("do_hash", "force", *_DB),
    "discard": ("do_discard", *_DB),
    "resolve": ("resolve_version", "mark_applied", "mark_rolled_back", "yes", *_DB),
    "rebase": ("do_rebase",),
    "squash": ("do_squash", "to_version", *_DB),
}


def migrate_mode(opts: dict[str, Any]) -> str:
    """The one action this command line asks for; refuses flags that belong to
    another action instead of silently ignoring them."""
    given = [key for key in _FLAGS if opts.get(key) not in (None, False)]
    actions = [key for key in _ACTIONS if key in given]
    if actions == ["do_apply"] and "do_generate" in given:
        mode = "generate+apply"
    elif len(actions) > 1:
        raise ConfigError(
            f"{_FLAGS[actions[0]]} cannot be combined with {_FLAGS[actions[1]]}",
            hint="run them one after the other",
        )
    elif actions:
        mode = _FLAGS[actions[0]].lstrip("-")
    else:
        mode = "generate"
    for key in given:
        if key not in _ALLOWED[mode]:
            shown = {"generate": "generate", "generate+apply": "--generate --apply"}.get(
                mode, f"--{mode}"
            )
            owners = [m for m, keys in _ALLOWED.items() if key in keys and "+" not in m]
            where = ", ".join("generate" if m == "generate" else f"--{m}" for m in owners)
            raise ConfigError(
                f"{_FLAGS[key]} does not apply to {shown}",
                hint=f"{_FLAGS[key]} goes with {where}" if where else "remove it",
            )
    if opts.get("to_version") is not None and opts.get("steps") is not None:
        raise ConfigError("--to and --steps cannot be combined", hint="use one of them")
    if opts.get("as_json") and mode in ("apply", "rollback") and not opts.get("dry_run"):
        raise ConfigError("--json prints the plan: use it with --dry-run")
    if mode == "resolve" and opts.get("mark_applied") == opts.get("mark_rolled_back"):
        raise ConfigError("--resolve needs exactly one of --applied or --rolled-back")
    return mode


def check_to(to: str | None) -> None:
    """``--to`` is a migration number (``003`` or ``3``; ``0`` = before the first)."""
    if to is not None and not to.isdigit():
        raise ConfigError(
            f"--to {to}: not a migration version", hint="give a number such as 003 (0: all)"
        )


def run_migrate(config: Config, opts: dict[str, Any], confirm: Callable[[list[str]], bool]) -> int:
    # the fleet flags' checks; the fleet itself loads only with --targets
    from buildamp.cli.fleet_flags import check_fleet_flags

    check_fleet_flags(opts)
    if opts.get("targets"):
        # the fleet commands: only with --targets
        from buildamp.cli.fleet import run_fleet_migrate

        return run_fleet_migrate(config, opts)
    mode = migrate_mode(opts)
    check_to(opts.get("to_version"))
    if mode == "check":
        return run_check(
            config, as_json=bool(opts.get("as_json")), verbose=bool(opts.get("verbose"))
        )
    if mode == "status":
        return run_status(config, opts["database_url"], as_json=bool(opts.get("as_json")))
    if mode == "rollback":
        return run_rollback(config, opts)
    if mode in ("new", "hash", "discard", "rebase"):
        # loaded on use: commands that do not need it never import it
        from buildamp.cli import hatches

        return hatches.run(config, mode, opts)
    if mode == "squash":
        # loaded on use: commands that do not need it never import it
        from buildamp.cli.squash import run_squash

        return run_squash(config, opts["to_version"], opts["database_url"])
    if mode == "resolve":
        # loaded on use: commands that do not need it never import it
        from buildamp.cli.hatches import run_resolve

        return run_resolve(config, opts, _url(config, opts["database_url"]))
    if mode in ("generate", "generate+apply"):
        run_generate(config, opts, confirm)
        if mode == "generate":
            return 0
    return run_apply(config, opts)


def run_generate(
    config: Config, opts: dict[str, Any], confirm: Callable[[list[str]], bool]
) -> None:
    # per command: `buildamp --help` and other commands import none of it
    from buildamp.cli import model_index

    try:
        seen: Any = model_index.look(config, writing=not opts["dry_run"])
    except model_index.FullRebuild as why:
        seen = model_index.kept(why)
    if isinstance(seen, model_index.Look) and seen.in_sync:
        # in sync (the index proves it): no builder, planner or renderer is loaded
        if opts.get("verbose"):
            for value_type in seen.value_types:
                click.echo(f"value type (no table): {value_type}")
        click.echo("no changes: models match the schema state")
        return
    # per command: `buildamp --help` and other commands import none of it
    from buildamp.cli.generate import generate

    result = generate(
        config,
        name=opts["name"],
        dry_run=opts["dry_run"],
        allow_destructive=opts["allow_destructive"],
        confirm=confirm,
        say=click.echo if opts.get("verbose") else None,
        seen=seen,
    )
    if opts.get("verbose"):
        for value_type in result.value_types:
            click.echo(f"value type (no table): {value_type}")
    if result.written:
        with _sinks(config, opts.get("log_format", "text")):
            _emit_generated(config, result)
    if not result.operations:
        click.echo("no changes: models match the schema state")
        return
    if opts["dry_run"]:
        click.echo(result.up_text, nl=False)
        click.echo("")
        click.echo(result.down_text, nl=False)
        return
    assert result.up_path is not None and result.down_path is not None
    # loaded on use: commands that do not need it never import it
    from buildamp.cli.change_list import echo_changes

    echo_changes(result.operations)
    click.echo(f"wrote {config.display(result.up_path)}")
    click.echo(f"wrote {config.display(result.down_path)}")
    for change in result.destructive:
        click.echo(f"warning: destructive: {change}", err=True)
    locks = _rollback_locks(result.operations)
    if locks > ROLLBACK_LOCK_WARNING:
        click.echo(
            f"warning: {config.display(result.down_path)} drops about {locks} tables and "
            "indexes in one transaction; PostgreSQL's default lock table holds 6,400 locks "
            "(max_locks_per_transaction 64 x max_connections 100): raise "
            "max_locks_per_transaction before rolling back, or generate in smaller steps",
            err=True,
        )


# Half the default shared lock table: leave room for everything else running.
ROLLBACK_LOCK_WARNING = 3200


def _rollback_locks(operations: list[Any]) -> int:
    """Locks the rollback of newly created tables takes at once: the table, its
    TOAST table and each index (the primary key included)."""
    # loaded on use: only this path needs it (keeps start-up cheap)
    from buildamp.plan import ops as o

    return sum(3 + len(op.table.indexes) for op in operations if isinstance(op, o.CreateTable))


def _emit_generated(config: Config, result: Any) -> None:
    # per command: `buildamp --help` and other commands import none of it
    from buildamp.events import bus as events
    from buildamp.files.migration import checksum

    changes = [op.describe() for op in result.operations]
    tables = tuple(sorted({t for op in result.operations for t in op.tables()}))
    fields = tuple(sorted({f for op in result.operations for f in op.fields()}))
    name = result.up_path.stem.split("_", 1)[1]
    common: dict[str, Any] = {"version": result.version, "name": name, "tables": tables}
    common["fields"] = fields
    files = [config.display(result.up_path), config.display(result.down_path)]
    details = {"files": files, "changes": changes, "destructive": result.destructive}
    events.emit(
        events.Event(events.GENERATED, checksum=checksum(result.up_text), details=details, **common)
    )
    state = {"state": config.display(config.state_path), "changes": changes}
    events.emit(events.Event(events.SCHEMA_CHANGED, details=state, **common))


def _plan(config: Config, opts: dict[str, Any], url: str, direction: str) -> list[Any]:
    """What an apply or rollback would do, from a read-only look at the history."""
    # loaded on use: commands that do not need it never import it
    from buildamp.cli.plan_view import apply_plan, rollback_plan
    from buildamp.files.migration import list_migrations
    from buildamp.run.apply import recognise_squashed
    from buildamp.run.history_view import read_applied

    # a database that applied migrations later squashed sees the baseline's row
    applied, _ = recognise_squashed(
        list_migrations(config.migrations_dir), read_applied(url, config.buildamp_schema)
    )
    if direction == "apply":
        return apply_plan(config, applied, opts.get("to_version"))
    return rollback_plan(config, applied, opts.get("steps"), opts.get("to_version"))


def _show_plan(config: Config, opts: dict[str, Any], url: str, direction: str) -> int:
    """``--dry-run``: print the plan and stop; the database is only read."""
    # loaded on use: commands that do not need it never import it
    from buildamp.cli.plan_view import plan_json, print_plan
    from buildamp.pg.database import database_identity

    items = _plan(config, opts, url, direction)
    if opts.get("as_json"):
        click.echo(plan_json(config, items, direction, database_identity(url)))
    else:
        print_plan(config, items, direction, with_sql=True)
        click.echo(f"dry run: nothing was {'applied' if direction == 'apply' else 'rolled back'}")
    return 0


def _confirmed(config: Config, opts: dict[str, Any], url: str, direction: str) -> bool:
    """Prod mode: show the plan (migrations, lint findings, lock risk), then
    require --yes or an interactive confirmation. Rollback is guarded like apply:
    it can drop every table."""
    if config.mode != "prod":
        return True
    # per command: `buildamp --help` and other commands import none of it
    from buildamp.cli.plan_view import print_plan

    items = _plan(config, opts, url, direction)
    if not items:
        return True
    print_plan(config, items, direction, with_sql=False)
    if opts["yes"]:
        return True
    verb = "apply" if direction == "apply" else "rollback"
    if not sys.stdin.isatty():
        raise ConfigError(
            f"prod mode: {verb} needs --yes (or an interactive terminal to confirm)",
            hint="review the plan above, or see it with SQL via --dry-run",
        )
    question = "Apply these migrations?" if direction == "apply" else "Roll these back?"
    return click.confirm(question, default=False)


def run_apply(config: Config, opts: dict[str, Any]) -> int:
    # per command: `buildamp --help` and other commands import none of it
    from buildamp.run.apply import apply

    url = _url(config, opts["database_url"])
    if opts["dry_run"]:
        return _show_plan(config, opts, url, "apply")
    if not _confirmed(config, opts, url, "apply"):
        click.echo("nothing applied")
        return 1
    # per command: `buildamp --help` and other commands import none of it
    from buildamp.cli.progress_view import backfill_reporter, say

    with _sinks(config, opts.get("log_format", "text"), url), backfill_reporter() as progress:
        done = apply(config, url, to=opts["to_version"], report=say, progress=progress)
    if not done:
        click.echo("database is up to date")
    return 0


def run_rollback(config: Config, opts: dict[str, Any]) -> int:
    # per command: `buildamp --help` and other commands import none of it
    from buildamp.run.apply import rollback

    url = _url(config, opts["database_url"])
    if opts["dry_run"]:
        return _show_plan(config, opts, url, "rollback")
    items = _plan(config, opts, url, "rollback")  # validates --to against the history
    if not items:
        click.echo("nothing to roll back")
        return 0
    if not _confirmed(config, opts, url, "rollback"):
        click.echo("nothing rolled back")
        return 1
    # loaded on use: commands that do not need it never import it
    from buildamp.cli.progress_view import backfill_reporter, say

    with _sinks(config, opts.get("log_format", "text"), url), backfill_reporter() as progress:
        undone = rollback(
            config,
            url,
            steps=opts["steps"] or 1,
            to=opts["to_version"],
            report=say,
            progress=progress,
        )
    if not undone:
        click.echo("nothing to roll back")
    return 0


def run_status(config: Config, cli_url: str | None, as_json: bool = False) -> int:
    """Applied / pending / edited per migration; reads only (a replica or a
    read-only role works, and nothing is created)."""
    # loaded on use: commands that do not need it never import it
    from buildamp.run.apply import running_work, status

    url = _url(config, cli_url)
    rows = status(config, url)
    counts: dict[str, int] = {}
    for row in rows:
        counts[row.state] = counts.get(row.state, 0) + 1
    running = running_work(url, config.buildamp_schema)
    if as_json:
        # loaded on use: commands that do not need it never import it
        import json

        # loaded on use: commands that do not need it never import it
        from buildamp.pg.database import database_identity

        document = {
            "database": database_identity(url),
            "migrations": [{"version": r.version, "name": r.name, "state": r.state} for r in rows],
            "counts": counts,
            "running": running,
        }
        click.echo(json.dumps(document, indent=2, default=str))
        return 0
    if not rows:
        click.echo("no migrations")
    for row in rows:
        detail = f"  ({row.detail})" if row.detail else ""
        click.echo(f"{row.version}  {row.state:<8}  {row.name}{detail}")
    if rows:
        click.echo(", ".join(f"{n} {state}" for state, n in sorted(counts.items())))
    for entry in running:
        click.echo(_running_line(entry))
    return 0


def _running_line(entry: dict[str, Any]) -> str:
    """``running  backfill 003 users: 45000/100000 rows (45%), 1200 rows/s``."""
    key = str(entry.get("key", ""))
    if not key.startswith("backfill:"):
        return f"running  migration {entry.get('version', '?')} {entry.get('name', '')}".rstrip()
    parts = key.split(":")
    version = parts[1] if len(parts) > 1 else "?"
    done, total = entry.get("rows_done"), entry.get("rows_total")
    line = f"running  backfill {version} {entry.get('table', '?')}: {done or 0}"
    if isinstance(total, int) and total > 0:
        line += f"/{total} rows ({100 * (done or 0) // total}%)"
    else:
        line += " rows"
    if entry.get("rows_per_second"):
        line += f", {float(entry['rows_per_second']):.0f} rows/s"
    if entry.get("updated_at"):
        line += f", updated {entry['updated_at']}"
    return line


def _file_problems(
    config: Config, migrations: list[Any], texts: dict[str, str], sums: dict[str, str]
) -> list[str]:
    """Files apply would refuse (NUL bytes, ROLLBACK inside, a second BEGIN);
    ``texts``: every migration file's text, by name in the migrations folder,
    ``sums`` their checksums."""
    # loaded on use: only this path needs it (keeps start-up cheap)
    from buildamp.cli.check_memo import VerifiedFiles
    from buildamp.model.errors import StateError

    verified = VerifiedFiles(config)  # files checked before are not parsed again
    problems: list[str] = []
    for migration in migrations:
        for path in (migration.path, migration.rollback_path):
            name = path.relative_to(config.migrations_dir).as_posix()
            text = texts.get(name)
            if text is None:  # no such file, or unreadable (already a problem)
                continue
            key = verified.key(text, sums[name])
            if key in verified:
                continue
            # the statement splitter: only for files not seen pass before
            from buildamp.files.integrity import check_file

            try:
                check_file(text, config.display(path))
                verified.add(key)
            except StateError as error:
                problems.append(str(error))
    verified.save()
    return problems


def run_check(config: Config, as_json: bool = False, verbose: bool = False) -> int:
    """The CI/pre-commit gate: exit 1 when models, snapshot and files disagree.
    Its cost follows what changed: the model index proves unchanged models
    without reading them, and each migration file is read once."""
    # per command: `buildamp --help` and other commands import none of it
    from buildamp.cli import model_index
    from buildamp.files.migration import list_migrations
    from buildamp.files.sumfile import checksums, custom_sql_problems, migration_texts, sum_problems
    from buildamp.model.errors import StateError

    problems: list[str] = []
    try:
        migrations = list_migrations(config.migrations_dir)
    except StateError as error:
        problems.append(str(error))
        migrations = []
    texts = migration_texts(config.migrations_dir, unreadable=problems)
    sums = checksums(texts)  # once: the sum file's check and the verified files share them
    problems += sum_problems(config.migrations_dir, texts, sums)
    problems += _file_problems(config, migrations, texts, sums)
    del texts
    say = None if as_json or not verbose else click.echo
    try:
        seen: Any = model_index.look(config, writing=False)
    except model_index.FullRebuild as why:
        seen = model_index.kept(why)
    if isinstance(seen, model_index.Look) and seen.in_sync:
        # in sync (the index proves it): no builder or planner is loaded
        version, operations = seen.index.version, []
    else:
        # the planner: only when something changed
        from buildamp.cli.planning import quick_plan

        planned = quick_plan(config, say=say, seen=seen)
        version, operations = planned.snapshot.version, planned.operations
    newest = migrations[-1].version if migrations else None
    if migrations and version != newest:
        problems.append(
            f"schema state is at version {version} but the newest migration is {newest}"
        )
    problems += custom_sql_problems(config.project_dir, config.migrations_dir)
    changes = [op.describe() for op in operations]
    if operations and not changes:
        changes = ["schema state differs from the models"]
    return _check_result(as_json, problems, changes)


def _check_result(as_json: bool, problems: list[str], changes: list[str]) -> int:
    """Print the verdict of ``--check`` (text or one JSON object); exit 1 on problems."""
    everything = problems + [f"not generated: {change}" for change in changes]
    if as_json:
        # loaded on use: commands that do not need it never import it
        import json

        document = {"ok": not everything, "problems": problems, "not_generated": changes}
        click.echo(json.dumps(document, indent=2))
        return 1 if everything else 0
    for problem in everything:
        click.echo(problem)
    if everything:
        hint = "run `buildamp migrate` to generate the migration" if changes else ""
        click.echo(hint or "fix the files listed above", err=True)
        return 1
    click.echo(CLEAN_CHECK)
    return 0


CLEAN_CHECK = "ok: models, schema state and migrations agree"


def run_drift(
    config: Config,
    cli_url: str | None,
    log_format: str = "text",
    as_sql: bool = False,
    as_json: bool = False,
) -> int:
    """Differences between the database and the models, knowing the history;
    ``--sql`` prints the repair, ``--json`` one object. Reads only."""
    # per command: `buildamp --help` and other commands import none of it
    from buildamp.run.drift import drift, repair_sql

    url = _url(config, cli_url)
    report, expected, live = drift(config, url)
    lines = report.lines
    if as_json:
        # loaded on use: commands that do not need it never import it
        import json

        click.echo(json.dumps(report.as_dict(), indent=2))
    elif as_sql:
        click.echo(repair_sql(config, expected, live) or "-- no drift to repair", nl=False)
        if not report.differences:
            click.echo("")
    else:
        for line in lines:
            click.echo(line)
    if lines:
        # per command: `buildamp --help` and other commands import none of it
        from buildamp.events import bus as events
        from buildamp.pg.database import database_identity

        with _sinks(config, log_format, url):
            events.emit(
                events.Event(
                    events.DRIFT_DETECTED,
                    database=database_identity(url),
                    details={"differences": lines},
                )
            )
        return 1
    if not (as_json or as_sql):
        click.echo("no drift: the database matches the schema state")
    return 0
