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
    # per command: `buildamp --help` and other commands import none of it
    from buildamp.pg.database import resolve_database_url

    return resolve_database_url(cli_url, config.database_url, config.mode, config.project_dir)


@contextmanager
def _sinks(config: Config, log_format: str, url: str | None = None) -> Iterator[None]:
    """Audit log and webhooks for one action (events.py loads them lazily)."""
    # per command: `buildamp --help` and other commands import none of it
    from buildamp.events.sinks import command_sinks

    with command_sinks(config, log_format, url):
        yield


def run_migrate(config: Config, opts: dict[str, Any], confirm: Callable[[list[str]], bool]) -> int:
    actions = [k for k in ("do_apply", "do_rollback", "do_status", "do_check") if opts[k]]
    if opts["do_rollback"] and len(actions) > 1:
        raise ConfigError("--rollback cannot be combined with --apply, --status or --check")
    if opts["do_status"] and len(actions) > 1:
        raise ConfigError("--status cannot be combined with other actions")
    if opts["do_check"]:
        return run_check(config)
    if opts["do_status"]:
        return run_status(config, opts["database_url"])
    if opts["do_rollback"]:
        return run_rollback(config, opts)
    if opts["do_generate"] or not opts["do_apply"]:
        run_generate(config, opts, confirm)
        if opts["dry_run"]:
            return 0
    if opts["do_apply"]:
        return run_apply(config, opts)
    return 0


def run_generate(
    config: Config, opts: dict[str, Any], confirm: Callable[[list[str]], bool]
) -> None:
    # per command: `buildamp --help` and other commands import none of it
    from buildamp.cli.generate import generate

    result = generate(
        config,
        name=opts["name"],
        dry_run=opts["dry_run"],
        allow_destructive=opts["allow_destructive"],
        confirm=confirm,
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
    click.echo(f"wrote {config.display(result.up_path)}")
    click.echo(f"wrote {config.display(result.down_path)}")
    for change in result.destructive:
        click.echo(f"warning: destructive: {change}", err=True)


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


def _confirm_apply(config: Config, opts: dict[str, Any], url: str) -> bool:
    """Prod mode: show the plan (pending migrations) and their lint findings, then
    require --yes or an interactive confirmation."""
    if config.mode != "prod":
        return True
    # per command: `buildamp --help` and other commands import none of it
    from buildamp.cli.lint_command import format_text, lint_findings_for
    from buildamp.files.migration import list_migrations
    from buildamp.run.apply import status

    pending = {s.version for s in status(config, url) if s.state == "pending"}
    files = [m.path for m in list_migrations(config.migrations_dir) if m.version in pending]
    if not files:
        return True
    click.echo("Pending migrations:")
    for path in files:
        click.echo(f"  {config.display(path)}")
    findings = lint_findings_for(config, files)
    if findings:
        click.echo(f"Lint findings ({len(findings)}):")
        click.echo(format_text(findings), nl=False)
    if opts["yes"]:
        return True
    if not sys.stdin.isatty():
        raise ConfigError("prod mode: apply needs --yes (or an interactive terminal to confirm)")
    return click.confirm("Apply these migrations?", default=False)


def run_apply(config: Config, opts: dict[str, Any]) -> int:
    # per command: `buildamp --help` and other commands import none of it
    from buildamp.run.apply import apply

    url = _url(config, opts["database_url"])
    if not _confirm_apply(config, opts, url):
        click.echo("nothing applied")
        return 1
    # per command: `buildamp --help` and other commands import none of it
    from buildamp.cli.progress_view import backfill_reporter

    with _sinks(config, opts.get("log_format", "text"), url), backfill_reporter() as progress:
        done = apply(config, url, to=opts["to_version"], report=click.echo, progress=progress)
    if not done:
        click.echo("database is up to date")
    return 0


def run_rollback(config: Config, opts: dict[str, Any]) -> int:
    # per command: `buildamp --help` and other commands import none of it
    from buildamp.run.apply import rollback

    url = _url(config, opts["database_url"])
    # per command: `buildamp --help` and other commands import none of it
    from buildamp.cli.progress_view import backfill_reporter

    with _sinks(config, opts.get("log_format", "text"), url), backfill_reporter() as progress:
        undone = rollback(
            config,
            url,
            steps=opts["steps"],
            to=opts["to_version"],
            report=click.echo,
            progress=progress,
        )
    if not undone:
        click.echo("nothing to roll back")
    return 0


def run_status(config: Config, cli_url: str | None) -> int:
    # per command: `buildamp --help` and other commands import none of it
    from buildamp.run.apply import running_work, status

    url = _url(config, cli_url)
    rows = status(config, url)
    if not rows:
        click.echo("no migrations")
    for row in rows:
        click.echo(f"{row.version}  {row.state:<8}  {row.name}")
    if rows:
        counts: dict[str, int] = {}
        for row in rows:
            counts[row.state] = counts.get(row.state, 0) + 1
        click.echo(", ".join(f"{n} {state}" for state, n in sorted(counts.items())))
    for entry in running_work(url):
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


def run_check(config: Config) -> int:
    """The CI/pre-commit gate: exit 1 when models, snapshot and files disagree."""
    # per command: `buildamp --help` and other commands import none of it
    from buildamp.cli import check_memo
    from buildamp.sources.discover import model_files

    memo = check_memo.digest(config, model_files(config))
    if check_memo.was_clean(config, memo):
        click.echo(CLEAN_CHECK)
        return 0
    # per command: `buildamp --help` and other commands import none of it
    from buildamp.cli.generate import plan
    from buildamp.files.migration import list_migrations
    from buildamp.files.sumfile import sum_problems
    from buildamp.model.errors import StateError

    problems: list[str] = []
    try:
        migrations = list_migrations(config.migrations_dir)
    except StateError as error:
        problems.append(str(error))
        migrations = []
    problems += sum_problems(config.migrations_dir)
    planned = plan(config)
    version = planned.snapshot.version
    newest = migrations[-1].version if migrations else None
    if migrations and version != newest:
        problems.append(
            f"schema state is at version {version} but the newest migration is {newest}"
        )
    operations = planned.operations
    changes = [op.describe() for op in operations]
    if operations and not changes:
        changes = ["schema state differs from the models"]
    problems += [f"not generated: {change}" for change in changes]
    for problem in problems:
        click.echo(problem)
    if problems:
        hint = "run `buildamp migrate` to generate the migration" if changes else ""
        click.echo(hint or "fix the files listed above", err=True)
        return 1
    click.echo(CLEAN_CHECK)
    check_memo.remember_clean(config, memo)
    return 0


CLEAN_CHECK = "ok: models, schema state and migrations agree"


def run_drift(config: Config, cli_url: str | None, log_format: str = "text") -> int:
    # per command: `buildamp --help` and other commands import none of it
    from buildamp.run.drift import drift_report

    url = _url(config, cli_url)
    lines = drift_report(config, url)
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
    click.echo("no drift: the database matches the schema state")
    return 0
