"""The plan of an apply or a rollback, shown before (or instead of) running it.

``migrate --apply --dry-run`` and ``--rollback --dry-run`` print it and stop;
prod mode prints it before asking for confirmation. It reads the history
read-only and never changes a database.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from buildamp.files.config import Config
from buildamp.lint.engine import Finding
from buildamp.model.errors import ConfigError
from buildamp.run.history import Applied


@dataclass(frozen=True)
class PlanItem:
    version: str
    name: str
    direction: str  # "apply" | "rollback"
    path: Path
    sql: str
    findings: tuple[Finding, ...]
    locks: tuple[str, ...]
    note: str = ""  # e.g. the history row names another migration

    def as_dict(self, config: Config) -> dict[str, Any]:
        return {
            "version": self.version,
            "name": self.name,
            "direction": self.direction,
            "file": config.display(self.path),
            "sql": self.sql,
            "lint": [finding.as_dict() for finding in self.findings],
            "locks": list(self.locks),
            "note": self.note,
        }


def rollback_targets(applied: list[Applied], steps: int | None, to: str | None) -> list[Applied]:
    """The rows a rollback undoes, newest first; ``--to`` must name an applied
    version (or 0), so a typo never rolls back more than meant."""
    newest_first = sorted(applied, key=lambda row: int(row.version), reverse=True)
    if to is None:
        return newest_first[: steps or 1]
    if int(to) != 0 and not any(int(row.version) == int(to) for row in applied):
        shown = ", ".join(row.version for row in reversed(newest_first)) or "none"
        raise ConfigError(
            f"--to {to} is not an applied version (applied here: {shown})",
            hint="pick one of them, or --to 0 to roll back everything",
        )
    return [row for row in newest_first if int(row.version) > int(to)]


def apply_plan(config: Config, applied: list[Applied], to: str | None) -> list[PlanItem]:
    # loaded on use: commands that do not need it never import it
    from buildamp.files.migration import list_migrations

    files = list_migrations(config.migrations_dir)
    if to is not None and int(to) != 0 and not any(f.number == int(to) for f in files):
        raise ConfigError(f"--to {to}: no migration with that number")
    done = {row.version for row in applied}
    chosen = [f for f in files if f.version not in done and (to is None or f.number <= int(to))]
    created: set[str] = set()  # tables earlier migrations of this plan create
    return [_item(config, m.version, m.name, "apply", m.path, "", created) for m in chosen]


def rollback_plan(
    config: Config, applied: list[Applied], steps: int | None, to: str | None
) -> list[PlanItem]:
    # loaded on use: commands that do not need it never import it
    from buildamp.files.migration import list_migrations

    files = {f.version: f for f in list_migrations(config.migrations_dir)}
    items = []
    for row in rollback_targets(applied, steps, to):
        migration = files.get(row.version)
        if migration is None:
            path = config.rollback_dir / f"{row.version}_rollback.sql"
            items.append(
                PlanItem(row.version, row.name, "rollback", path, "", (), (), "file missing")
            )
            continue
        note = ""
        if migration.name != row.name:
            note = (
                f"{row.version} applied here is {row.name}, this checkout's {row.version} is "
                f"{migration.name}: its rollback file is not the one to run"
            )
        items.append(
            _item(config, row.version, row.name, "rollback", migration.rollback_path, note)
        )
    return items


def _item(
    config: Config,
    version: str,
    name: str,
    direction: str,
    path: Path,
    note: str,
    created: set[str] | None = None,
) -> PlanItem:
    # loaded on use: commands that do not need it never import it
    from buildamp.lint.engine import lint_sql
    from buildamp.lint.locks import strongly_locked_tables

    shown = config.display(path)
    if not path.is_file():
        return PlanItem(version, name, direction, path, "", (), (), note or "file missing")
    text = path.read_text(encoding="utf-8")
    findings = lint_sql(text, shown, lock_timeout=config.lock_timeout, created=created or ())
    locks = strongly_locked_tables(text, shown, created)
    return PlanItem(version, name, direction, path, text, tuple(findings), tuple(locks), note)


def _locks(item: PlanItem) -> str:
    if not item.locks:
        return "lock risk: none on existing tables"
    return f"lock risk: strong lock on {', '.join(item.locks)}"


def print_plan(config: Config, items: list[PlanItem], direction: str, with_sql: bool) -> None:
    """Human-readable plan. Short form (prod confirmation): the files with their
    lock risk, then lint findings. With SQL (``--dry-run``): per migration its
    file, lock risk, findings and full SQL, in the order they would run."""
    verb = "apply" if direction == "apply" else "roll back"
    if not items:
        click.echo(f"plan: nothing to {verb}")
        return
    if not with_sql:
        click.echo("Pending migrations:" if direction == "apply" else "Migrations to roll back:")
        for item in items:
            click.echo(f"  {config.display(item.path)}  ({_locks(item)})")
            if item.note:
                click.echo(f"  warning: {item.note}")
        findings = [finding for item in items for finding in item.findings]
        if findings:
            click.echo(f"Lint findings ({len(findings)}):")
            for finding in findings:
                click.echo(finding.text())
        return
    click.echo(f"plan: {verb} {len(items)} migration{'s' if len(items) != 1 else ''}")
    for item in items:
        click.echo(f"== {item.version}_{item.name} ({config.display(item.path)}) ==")
        if item.note:
            click.echo(f"warning: {item.note}")
        click.echo(_locks(item))
        for finding in item.findings:
            click.echo(f"lint: {finding.text()}")
        if item.sql:
            click.echo(item.sql.rstrip("\n"))
        click.echo("")


def plan_json(config: Config, items: list[PlanItem], direction: str, database: str) -> str:
    return json.dumps(
        {
            "direction": direction,
            "database": database,
            "migrations": [item.as_dict(config) for item in items],
        },
        indent=2,
    )
