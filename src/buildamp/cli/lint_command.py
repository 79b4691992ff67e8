"""``buildamp lint``: run the lock-hazard rules over migration files.

Exit 0 when nothing of error severity was found, 1 otherwise (warnings alone
do not fail: renames and drops are sometimes exactly what was meant); a
missing or unparsable file is bad input (exit 2, via the error it raises).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import click

from buildamp.files.config import Config
from buildamp.files.integrity import check_file, check_no_nul
from buildamp.files.migration import MIGRATION_NAME
from buildamp.lint.engine import Finding, lint_sql
from buildamp.model.errors import ConfigError, Location


def default_files(config: Config) -> list[Path]:
    """Every ``migrations/NNN_*.sql`` in order; rollback files are not linted by
    default (they run only to undo, usually on purpose and offline)."""
    folder = config.migrations_dir
    if not folder.is_dir():
        return []
    found = [p for p in folder.iterdir() if p.is_file() and MIGRATION_NAME.match(p.name)]
    return sorted(found, key=lambda p: (_number(p), p.name))


def _number(path: Path) -> int:
    match = MIGRATION_NAME.match(path.name)
    return int(match.group(1)) if match else 0


def lint_findings_for(config: Config, paths: Sequence[Path]) -> list[Finding]:
    """Findings for these files, paths shown relative to the project (what the
    prod-mode apply prints before asking for confirmation)."""
    findings: list[Finding] = []
    for path in paths:
        shown = config.display(path)
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise ConfigError("no such file", Location(shown)) from None
        except (OSError, UnicodeDecodeError) as error:
            raise ConfigError(f"cannot read file: {error}", Location(shown)) from None
        if MIGRATION_NAME.match(path.name):  # a migration: refuse what apply would refuse
            check_file(text, shown)
        check_no_nul(text, shown, "SQL file")  # else only the part before it is linted
        findings += lint_sql(text, shown, lock_timeout=config.lock_timeout)
    return findings


def format_text(findings: Sequence[Finding]) -> str:
    return "".join(finding.text() + "\n" for finding in findings)


def format_json(findings: Sequence[Finding]) -> str:
    return json.dumps([f.as_dict() for f in findings], indent=2) + "\n"


def summary(findings: Sequence[Finding], file_count: int) -> str:
    errors = sum(1 for f in findings if f.severity == "error")
    warnings = len(findings) - errors
    files = f"{file_count} file{'s' if file_count != 1 else ''}"
    if not findings:
        return f"lint: no findings in {files}"
    return f"lint: {errors} error(s), {warnings} warning(s) in {files}"


def run_lint(config: Config, files: list[str], output_format: str) -> int:
    """Lint the named files (default: every migration); findings on stdout,
    the one-line summary on stderr so ``--format json`` output stays clean."""
    paths = [Path(name) for name in files] if files else default_files(config)
    findings = lint_findings_for(config, paths)
    if output_format == "json":
        click.echo(format_json(findings), nl=False)
    else:
        click.echo(format_text(findings), nl=False)
    click.echo(summary(findings, len(paths)), err=True)
    return 1 if any(f.severity == "error" for f in findings) else 0
