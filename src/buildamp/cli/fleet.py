"""``--targets``: apply, roll back, show status or drift on a fleet of databases.

The rollout itself is :mod:`buildamp.run.fleet` and the flags are declared in
:mod:`buildamp.cli.fleet_flags`; this module, loaded only with ``--targets``,
refuses bad combinations before any database is touched, shows one live line
per target (rich on a terminal, plain lines otherwise) and ends with a table
(target, from -> to version, duration, result) or one JSON object.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import click

if TYPE_CHECKING:
    from buildamp.files.config import Config
    from buildamp.run.fleet import Action, FleetOptions, FleetTarget, Notify, TargetResult


def _targets(config: Config, opts: dict[str, Any]) -> list[FleetTarget]:
    # loaded only when --targets is given
    from buildamp.files.targets import select_targets
    from buildamp.model.errors import ConfigError
    from buildamp.run.fleet import FleetTarget

    if opts.get("database_url"):
        raise ConfigError(
            "--targets and --database-url cannot be combined",
            hint="the URLs come from [[targets]] in the config",
        )
    chosen = select_targets(config.targets, opts["targets"])
    canary = opts.get("canary")
    if canary is not None and canary not in {t.name for t in chosen}:
        raise ConfigError(
            f"--canary {canary}: not among the selected targets",
            hint=f"selected: {', '.join(t.name for t in chosen)}",
        )
    return [FleetTarget(t.name, t.url()) for t in chosen]


def _options(action: Action, opts: dict[str, Any]) -> FleetOptions:
    # the runner (and its imports) only when a fleet runs
    from buildamp.model.errors import ConfigError
    from buildamp.run.fleet import FleetOptions

    to = opts.get("to_version")
    if to is not None and not to.isdigit():
        raise ConfigError(f"--to {to}: expected a migration number such as 003")
    return FleetOptions(
        action=action,
        parallel=opts.get("parallel") or 4,
        canary=opts.get("canary"),
        on_failure=opts.get("on_failure") or "stop",
        retries=opts.get("retries") or 0,
        to=to,
        steps=opts.get("steps") or 1,
    )


def run_fleet_migrate(config: Config, opts: dict[str, Any]) -> int:
    """``migrate --apply|--rollback|--status --targets ...``."""
    # the runner (and its imports) only when a fleet runs
    from buildamp.model.errors import ConfigError
    from buildamp.run.fleet import ACTIONS

    other = ("do_hash", "do_discard", "new_slug", "resolve_version", "do_rebase", "do_squash")
    if any(opts.get(key) for key in other):
        raise ConfigError("--targets works with --apply, --rollback or --status only")
    if opts.get("do_check") or opts.get("do_generate"):
        raise ConfigError(
            "--targets works with --apply, --rollback or --status",
            hint="generate first (buildamp migrate), then roll it out with --apply --targets",
        )
    actions = [a for a in ACTIONS if a != "drift" and opts.get(f"do_{a}")]
    if len(actions) != 1:
        raise ConfigError("--targets needs exactly one of --apply, --rollback or --status")
    action = actions[0]
    targets = _targets(config, opts)
    options = _options(action, opts)
    if opts.get("dry_run"):
        click.echo(f"dry run: would {action} on {len(targets)} target(s), touching none:")
        for target in targets:
            click.echo(f"  {target.name}  {target.database}")
        return 0
    if action != "status" and not _confirm(config, action, targets, opts):
        click.echo("nothing done")
        return 1
    return _run(config, targets, options, bool(opts.get("as_json")), opts.get("log_format"))


def run_fleet_drift(config: Config, opts: dict[str, Any]) -> int:
    """``drift --targets ...``: exit 1 when any target drifted or failed."""
    # the error type on use
    from buildamp.model.errors import ConfigError

    if opts.get("as_sql"):
        raise ConfigError("drift --sql works on one database", hint="drop --targets")
    targets = _targets(config, opts)
    options = _options("drift", opts)
    return _run(config, targets, options, bool(opts.get("as_json")), opts.get("log_format"))


def _confirm(
    config: Config, action: Action, targets: list[FleetTarget], opts: dict[str, Any]
) -> bool:
    """Prod mode: name every target and the migration files; need --yes or a yes."""
    if config.mode != "prod":
        return True
    # prod confirmation only
    from buildamp.files.migration import list_migrations
    from buildamp.model.errors import ConfigError

    files = list_migrations(config.migrations_dir)
    err = bool(opts.get("as_json"))  # keep stdout one JSON document
    names = ", ".join(t.name for t in targets)
    click.echo(f"{action} on {len(targets)} target(s): {names}", err=err)
    paths = ", ".join(config.display(m.path) for m in files) or "none"
    click.echo(f"migration files: {paths}", err=err)
    if opts.get("yes"):
        return True
    if not sys.stdin.isatty():
        raise ConfigError(f"prod mode: {action} on targets needs --yes (or a terminal to confirm)")
    return click.confirm(f"{action.capitalize()} on these targets?", default=False)


def _run(
    config: Config,
    targets: list[FleetTarget],
    options: FleetOptions,
    as_json: bool,
    log_format: str | None,
) -> int:
    # sinks and the runner pull in httpx/psycopg: only for a rollout
    from buildamp.events.audit import url_secrets
    from buildamp.events.sinks import command_sinks
    from buildamp.run.fleet import exit_code, rollout

    secrets = [s for t in targets for s in url_secrets(t.url)]
    started = time.monotonic()
    with (
        command_sinks(config, log_format or "text", secrets=secrets),
        _view(targets, quiet=as_json) as notify,
    ):
        results = rollout(config, targets, options, notify)
    elapsed = int((time.monotonic() - started) * 1000)
    code = exit_code(results)
    if as_json:
        document = {
            "action": options.action,
            "targets": [r.as_json() for r in results],
            "summary": _summary(results),
            "duration_ms": elapsed,
            "exit_code": code,
        }
        # json: only the fleet's --json report needs it (keeps --help cheap)
        import json

        click.echo(json.dumps(document, indent=2))
        return code
    _table(options.action, results)
    click.echo(f"{_summary_line(results)} in {elapsed / 1000:.1f}s")
    return code


def _summary(results: list[TargetResult]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for result in results:
        counts[result.result] = counts.get(result.result, 0) + 1
    return counts


def _summary_line(results: list[TargetResult]) -> str:
    counts = _summary(results)
    return f"{len(results)} target(s): " + ", ".join(f"{n} {k}" for k, n in sorted(counts.items()))


def _table(action: Action, results: list[TargetResult]) -> None:
    """target, from -> to, duration, result; then each failure or drift line."""
    width = max([len("target"), *(len(r.target) for r in results)])
    click.echo(f"{'target':<{width}}  {'from -> to':<12}  {'duration':>9}  result")
    for result in results:
        versions = f"{result.from_version or '-'} -> {result.to_version or '-'}"
        seconds = f"{result.duration_ms / 1000:.2f}s"
        click.echo(f"{result.target:<{width}}  {versions:<12}  {seconds:>9}  {result.result}")
    for result in results:
        if result.error:
            click.echo(f"{result.target}: {result.error}", err=True)
        if action in ("status", "drift"):
            for line in result.lines:
                click.echo(f"{result.target}: {line}")


@contextmanager
def _view(targets: list[FleetTarget], quiet: bool) -> Iterator[Notify]:
    """One live line per target on a terminal (rich), else plain prefixed lines."""
    if quiet:
        yield lambda name, state, message: None
        return
    if not sys.stdout.isatty():
        # threading: only a fleet run with a live display needs it (keeps --help cheap)
        import threading

        lock = threading.Lock()

        def plain(name: str, state: str, message: str) -> None:
            if state in ("waiting", "connecting"):
                return
            with lock:
                click.echo(f"[{name}] {state}{': ' + message if message else ''}")

        yield plain
        return
    # rich costs ~40 ms: only on a terminal
    from rich.console import Console
    from rich.live import Live
    from rich.table import Table
    from rich.text import Text

    lines: dict[str, tuple[str, str]] = {t.name: ("waiting", "") for t in targets}
    styles = {"ok": "green", "failed": "red", "unreachable": "red", "drift": "yellow"}

    class Board:
        def __rich__(self) -> Table:
            table = Table.grid(padding=(0, 2))
            for name, (state, message) in list(lines.items()):
                style = styles.get(state, "cyan" if state == "running" else "dim")
                table.add_row(name, Text(state, style=style), Text(message))
            return table

    console = Console(file=sys.stdout)
    with Live(Board(), console=console, refresh_per_second=8, transient=False):

        def live(name: str, state: str, message: str) -> None:
            lines[name] = (state, message)

        yield live
