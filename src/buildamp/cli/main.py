"""The ``buildamp`` command line.

Kept cheap to start: only click is imported here; everything else (pathlib,
traceback, psycopg, pglast, tree-sitter, rich) is imported inside the command
that needs it. ``buildamp --help`` and ``--version`` do not even get here:
:mod:`buildamp.cli.launch` prints them without click.
Every expected failure is one line on stderr and exit code 2 (input) or 3
(database); ``--verbose`` shows a traceback for bugs.
"""

from __future__ import annotations

import contextlib
import gc
import os
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import click

from buildamp.cli.fleet_flags import fleet_options

if TYPE_CHECKING:
    from pathlib import Path


def _fail(error: BaseException, verbose: bool) -> None:
    # on failure only: `buildamp --help` and commands that succeed import none of it
    import traceback

    # the error types and the scrubber: on failure only too
    from buildamp.model.errors import BuildampError
    from buildamp.pg.secrets import scrub_text

    if verbose:
        lines = traceback.format_exception(error)
        click.echo(scrub_text("".join(lines)), err=True, nl=False)
    if isinstance(error, BuildampError):
        click.echo(scrub_text(f"error: {error}"), err=True)
        sys.exit(error.exit_code)
    click.echo(
        scrub_text(
            f"internal error: {type(error).__name__}: {error} (re-run with --verbose and report it)"
        ),
        err=True,
    )
    sys.exit(4)


def _project(ctx: click.Context, required: bool = True) -> Any:
    """The project's config (profile applied). Outside a project (no config and no
    model folder) every command that may write or connect refuses, so nothing is
    ever created in a random folder (least of all an embedded database); ``lint``
    of SQL files works anywhere."""
    # per command: `buildamp --help` and other commands import none of it
    from pathlib import Path

    # the config: per command too
    from buildamp.files.config import find_project_dir, load_config
    from buildamp.model.errors import ConfigError

    path, env = ctx.obj["project"], ctx.obj["env"]
    start = Path(path).resolve() if path else Path.cwd()
    if not start.is_dir():
        raise ConfigError(f"project folder {start} does not exist", hint="check -C/--project")
    config = load_config(find_project_dir(start) if path is None else start, env)
    if required and not config.is_project:
        raise ConfigError(
            f"no buildamp project here ({config.project_dir}); run buildamp init",
            hint="or pass -C PROJECT",
        )
    return config


def _project_root(ctx: click.Context) -> Path:
    """``-C``'s folder or the current one, as given: ``init`` makes it a project."""
    # per command: `buildamp --help` and other commands import none of it
    from pathlib import Path

    return Path(ctx.obj["project"] or ".").resolve()


class _ScrubbedGroup(click.Group):
    """The command group whose stdout and stderr pass every line through the one
    secret scrubber, from the first line to click's own usage errors (which
    may quote a URL typed on the command line)."""

    def main(self, *args: Any, **kwargs: Any) -> Any:
        # on every run: the one scrubber, for every line printed (small, no psycopg)
        from buildamp.pg.secrets import ScrubbingWriter

        out, err = sys.stdout, sys.stderr
        sys.stdout, sys.stderr = ScrubbingWriter(out), ScrubbingWriter(err)
        try:
            return super().main(*args, **kwargs)
        finally:
            for stream in (sys.stdout, sys.stderr):
                with contextlib.suppress(OSError, ValueError):  # a closed pipe
                    stream.flush()
            sys.stdout, sys.stderr = out, err


@click.group(cls=_ScrubbedGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="buildamp")
@click.option("--project", "-C", type=click.Path(file_okay=False), help="Project folder.")
@click.option(
    "--verbose",
    "-v",
    is_flag=True,
    help="Show details: tracebacks on errors, value types (structs that are no table).",
)
@click.option(
    "--env",
    "env",
    envvar="BUILDAMP_ENV",
    help="Config profile [env.NAME] to use (else BUILDAMP_ENV).",
)
@click.option(
    "--log-format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="json: also write audit events to stderr as JSON lines.",
)
@click.pass_context
def main(
    ctx: click.Context, project: str | None, verbose: bool, env: str | None, log_format: str
) -> None:
    """Turn domain model types into PostgreSQL schema and safe migrations.

    \b
    Example:
      buildamp init && buildamp migrate --generate --apply
    """
    # A command builds hundreds of thousands of small acyclic objects (one per
    # column, index, declaration); the cyclic collector walking them all again and
    # again cost ~15% of a run. Collect rarely; reference counting frees the rest.
    gc.set_threshold(200_000, 20, 20)
    ctx.obj = {"project": project, "verbose": verbose, "log_format": log_format, "env": env}


def _guarded(ctx: click.Context, action: Callable[[], int | None]) -> None:
    try:
        code = action()
    except click.exceptions.Exit:
        raise
    except BrokenPipeError:
        _quiet_broken_pipe()
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(130)
    except Exception as error:
        _fail(error, ctx.obj["verbose"])
    else:
        sys.exit(code or 0)


def _quiet_broken_pipe() -> None:
    """``buildamp ... | head``: the reader left; stop without a traceback."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    sys.exit(0)


@main.command(
    epilog="Examples: buildamp init; buildamp init --from-database postgresql://localhost/shop"
)
@click.option("--from-database", "from_database", metavar="URL", help="Adopt this database.")
@click.option(
    "--lang",
    type=click.Choice(["rust", "python"]),
    default="rust",
    show_default=True,
    help="Language of the adopted models.",
)
@click.option("--schema", "schema_name", default="public", show_default=True, help="To adopt.")
@click.option("--update", is_flag=True, help="Record changes made to the database by hand.")
@click.pass_context
def init(
    ctx: click.Context, from_database: str | None, lang: str, schema_name: str, update: bool
) -> None:
    """Create buildamp.toml, models/, migrations/ and an empty schema state;
    with --from-database, adopt a live database (models, baseline, history row)."""
    if update:
        # per command: `buildamp --help` and other commands import none of it
        from buildamp.cli.adopt_update import run_update

        _guarded(ctx, lambda: run_update(_project(ctx), from_database, schema_name))
    if from_database:
        # per command: `buildamp --help` and other commands import none of it
        from buildamp.cli.adopt import run_adopt

        root = _project_root(ctx)
        _guarded(ctx, lambda: run_adopt(root, from_database, lang, schema_name))

    def run() -> int:
        # per command: `buildamp --help` and other commands import none of it
        from buildamp.cache.store import write_all_or_none
        from buildamp.files.config import CONFIG_FILE, DEFAULT_CONFIG, load_config
        from buildamp.files.snapshot import Snapshot, dumps
        from buildamp.model.schema import Schema

        root = _project_root(ctx)
        files: dict[Path, str] = {}
        if not (root / CONFIG_FILE).exists() and not (root / "pyproject.toml").exists():
            files[root / CONFIG_FILE] = DEFAULT_CONFIG
        config = load_config(root, ctx.obj["env"]) if not files else None
        models = config.models if config else ("models",)
        migrations = config.migrations if config else "migrations"
        state = root / ".buildamp" / "schema_state.json"
        if not state.exists():
            files[state] = dumps(Snapshot(Schema()))
        ignore = root / ".buildamp" / ".gitignore"
        if not ignore.exists():
            files[ignore] = "# local to this machine\naudit.log\nbefore/\ncache/\npgdata/\n"
        write_all_or_none(files)
        for folder in models:
            (root / folder).mkdir(parents=True, exist_ok=True)
        (root / migrations / "rollback").mkdir(parents=True, exist_ok=True)
        click.echo(f"initialised buildamp project in {root}")
        return 0

    _guarded(ctx, run)


def _confirm_destructive(changes: list[str]) -> bool:
    if not sys.stdin.isatty() or os.environ.get("CI"):
        return False
    click.echo("This migration loses data:", err=True)
    for change in changes:
        click.echo(f"  - {change}", err=True)
    return click.confirm("Generate it anyway?", default=False, err=True)


MIGRATE_EXAMPLES = """\b
Examples:
  buildamp migrate                         # generate a migration for model changes
  buildamp migrate --apply --dry-run       # show the plan: SQL, lint, lock risk
  buildamp migrate --apply --yes           # apply pending migrations (prod)
  buildamp migrate --rollback --to 003     # back to version 003
  buildamp migrate --new backfill_prices   # an empty hand-written migration
  buildamp migrate --rebase                # after a merge: renumber this branch's
"""


@main.command(epilog=MIGRATE_EXAMPLES)
@click.option(
    "--generate", "do_generate", is_flag=True, help="Write a migration for model changes (default)."
)
@click.option("--apply", "do_apply", is_flag=True, help="Apply pending migrations.")
@click.option(
    "--rollback", "do_rollback", is_flag=True, help="Undo the newest applied migration(s)."
)
@click.option(
    "--status", "do_status", is_flag=True, help="Show applied / pending / edited migrations."
)
@click.option(
    "--check", "do_check", is_flag=True, help="Exit 1 when models, snapshot or files disagree."
)
@click.option("--new", "new_slug", metavar="SLUG", help="Write an empty hand-written migration.")
@click.option("--hash", "do_hash", is_flag=True, help="Accept edits to unapplied migration files.")
@click.option(
    "--discard", "do_discard", is_flag=True, help="Remove the newest unapplied generated migration."
)
@click.option(
    "--resolve", "resolve_version", metavar="VERSION", help="Record a migration's state by hand."
)
@click.option("--applied", "mark_applied", is_flag=True, help="With --resolve: mark applied.")
@click.option(
    "--rolled-back", "mark_rolled_back", is_flag=True, help="With --resolve: mark rolled back."
)
@click.option(
    "--rebase", "do_rebase", is_flag=True, help="Renumber this branch's migrations after a merge."
)
@click.option("--name", help="Slug for the new migration file.")
@click.option(
    "--dry-run", is_flag=True, help="Print the SQL or plan; write nothing, change no database."
)
@click.option("--allow-destructive", is_flag=True, help="Allow drops and narrowing changes.")
@click.option("--to", "to_version", help="Apply up to / roll back to this version.")
@click.option("--steps", type=click.IntRange(min=1), help="Roll back this many (default 1).")
@click.option("--force", is_flag=True, help="With --hash: also accept edits to applied files.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object on stdout.")
@click.option(
    "--database-url", help="PostgreSQL URL (else BUILDAMP_DATABASE_URL, DATABASE_URL, config)."
)
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation (prod mode).")
@fleet_options
@click.option(
    "--squash", "do_squash", is_flag=True, help="Replace migrations up to --to by one baseline."
)
@click.pass_context
def migrate(ctx: click.Context, /, **opts: Any) -> None:
    """Generate, apply, roll back or check migrations."""
    # per command: `buildamp --help` and other commands import none of it
    from buildamp.cli.commands import run_migrate

    opts["log_format"] = ctx.obj["log_format"]
    opts["verbose"] = ctx.obj["verbose"]
    _guarded(ctx, lambda: run_migrate(_project(ctx), opts, _confirm_destructive))


@main.command(epilog="Example: buildamp drift --sql > fix.sql")
@click.option("--database-url", help="PostgreSQL URL.")
@click.option("--sql", "as_sql", is_flag=True, help="Print the SQL that brings the database back.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object on stdout.")
@fleet_options
@click.pass_context
def drift(
    ctx: click.Context, /, database_url: str | None, as_sql: bool, as_json: bool, **fleet: Any
) -> None:
    """Compare the live database with the schema state; exit 1 on drift."""
    # per command: `buildamp --help` and other commands import none of it
    from buildamp.cli.commands import run_drift
    from buildamp.cli.fleet_flags import check_fleet_flags

    def run() -> int:
        check_fleet_flags(fleet)
        config = _project(ctx)
        if fleet["targets"]:
            # the fleet commands: only with --targets
            from buildamp.cli.fleet import run_fleet_drift

            extra = {"database_url": database_url, "log_format": ctx.obj["log_format"]}
            return run_fleet_drift(config, {**fleet, **extra, "as_sql": as_sql, "as_json": as_json})
        return run_drift(
            config, database_url, ctx.obj["log_format"], as_sql=as_sql, as_json=as_json
        )

    _guarded(ctx, run)


@main.command(epilog="Example: buildamp lint migrations/004_add_phone.sql")
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False))
@click.option("--format", "output_format", type=click.Choice(["text", "json"]), default="text")
@click.pass_context
def lint(ctx: click.Context, files: tuple[str, ...], output_format: str) -> None:
    """Lock-hazard rules over migration SQL (default: every migration file)."""
    # per command: `buildamp --help` and other commands import none of it
    from buildamp.cli.lint_command import run_lint

    _guarded(ctx, lambda: run_lint(_project(ctx, required=False), list(files), output_format))


@main.command(epilog="Example: buildamp schema --format dot | dot -Tsvg > schema.svg")
@click.option(
    "--format", "output_format", type=click.Choice(["mermaid", "dot", "json"]), default="mermaid"
)
@click.pass_context
def schema(ctx: click.Context, output_format: str) -> None:
    """The current schema (the snapshot) as an ER diagram or JSON."""
    # per command: `buildamp --help` and other commands import none of it
    from buildamp.cli.diagram import run_schema

    _guarded(ctx, lambda: run_schema(_project(ctx), output_format))


@main.command(epilog="Examples: buildamp db url; buildamp db stop")
@click.argument("action", type=click.Choice(["url", "stop"]))
@click.pass_context
def db(ctx: click.Context, action: str) -> None:
    """The embedded dev PostgreSQL under .buildamp/pgdata: print its URL, or stop it."""
    # loaded on use: commands that do not need it never import it
    from buildamp.cli.commands import run_db

    _guarded(ctx, lambda: run_db(_project(ctx), action))


@main.command()
@click.option("--apply", "do_apply", is_flag=True, help="Also apply each new migration (dev mode).")
@click.option("--allow-destructive", is_flag=True, help="Allow drops and narrowing changes.")
@click.option("--database-url", help="PostgreSQL URL for --apply.")
@click.option(
    "--debounce", type=click.IntRange(min=10), default=300, show_default=True, help="Milliseconds."
)
@click.pass_context
def watch(
    ctx: click.Context,
    do_apply: bool,
    allow_destructive: bool,
    database_url: str | None,
    debounce: int,
) -> None:
    """Regenerate on every save under the model folders (and apply with --apply).

    Example: buildamp watch --apply
    """
    # per command: `buildamp --help` and other commands import none of it
    from buildamp.cli.watch import run_watch

    _guarded(
        ctx,
        lambda: run_watch(
            _project(ctx),
            do_apply,
            allow_destructive,
            database_url,
            debounce,
            ctx.obj["log_format"],
        ),
    )


def entry() -> None:
    """The ``buildamp`` console script: run the command, then leave without
    tearing the interpreter down. Freeing every object one by one at exit cost
    ~0.2 s at 1,000 models for nothing; output is flushed first, and a process
    with threads still running (webhook deliveries) exits the normal way."""
    try:
        main()
    except SystemExit as done:
        code = done.code
    else:  # pragma: no cover  (click always ends with SystemExit)
        code = 0
    threading = sys.modules.get("threading")  # never imported: no thread was started
    if not isinstance(code, int | None) or (threading and threading.active_count() > 1):
        sys.exit(code)
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        sys.exit(code)  # the normal exit reports (or hides) the broken stream
    os._exit(code or 0)


if __name__ == "__main__":  # pragma: no cover
    entry()
