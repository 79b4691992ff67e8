"""Migration files on disk: numbering, composing the file layout of
docs/file-formats.md (header, BEGIN ... COMMIT, commented rollback), and
writing several files atomically (all of them or none)."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from buildamp.files import directives
from buildamp.model.errors import Location, StateError
from buildamp.pg.sqltext import quote_literal
from buildamp.plan.ops import Op
from buildamp.render.step import Step

MIGRATION_NAME = re.compile(r"^(\d{3,})_([A-Za-z0-9_]+)\.sql$")
MAX_NAMED_MODELS = 10  # the header names this many models, then counts the rest


@dataclass(frozen=True)
class MigrationFile:
    version: str
    name: str
    path: Path
    rollback_path: Path

    @property
    def number(self) -> int:
        return int(self.version)


def list_migrations(migrations_dir: Path) -> list[MigrationFile]:
    """Numbered files in order. Two files with one number are an error."""
    if not migrations_dir.is_dir():
        return []
    found: dict[int, MigrationFile] = {}
    for path in sorted(migrations_dir.iterdir()):
        match = MIGRATION_NAME.match(path.name)
        if not match or not path.is_file():
            continue
        version, name = match.group(1), match.group(2)
        rollback = migrations_dir / "rollback" / f"{version}_rollback.sql"
        migration = MigrationFile(version, name, path, rollback)
        if migration.number in found:
            other = found[migration.number].path.name
            raise StateError(
                f"two migrations share number {version}: {other} and {path.name}",
                Location(f"{migrations_dir.name}/{path.name}"),
                "after merging branches, run `buildamp migrate --rebase` to renumber this branch's",
            )
        found[migration.number] = migration
    return [found[n] for n in sorted(found)]


def next_version(existing: list[MigrationFile]) -> str:
    number = existing[-1].number + 1 if existing else 1
    return f"{number:03d}"


def checksum(text: str) -> str:
    """SHA-256 over the text with normalised line endings (CRLF and LF sum alike)."""
    normalised = text.replace("\r\n", "\n").replace("\r", "\n")
    return hashlib.sha256(normalised.encode("utf-8")).hexdigest()


def slugify(text: str, limit: int = 60) -> str:
    slug = re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")
    return slug[:limit].rstrip("_") or "migration"


@dataclass(frozen=True)
class Layout:
    """Online settings that shape the file: a lock_timeout before anything that
    takes a strong lock, and the batch size written into batch markers."""

    lock_timeout: str | None = None
    batch_size: int = 1000
    batch_pause: float = 0.0
    # With FORCE ROW LEVEL SECURITY even the owner only sees rows of the current
    # tenant: a migrator without BYPASSRLS would silently change nothing.
    # row_security = off makes PostgreSQL raise instead.
    row_security_off: bool = False


def _sql_block(steps: list[Step], layout: Layout = Layout()) -> list[str]:
    lines: list[str] = []
    for step in steps:
        if step.role == "note":
            lines.append(step.sql)
            continue
        if step.batch_table is not None:
            spec = directives.BatchSpec(step.batch_table, layout.batch_size, layout.batch_pause)
            lines.append(directives.batch(spec))
        if step.old_type is not None:
            lines.append(directives.old_type(step.old_type))
        if step.accepts:
            lines.append(directives.lint_ignore(step.accepts))
        lines.append(step.sql + ";")
    return lines


def _settings(layout: Layout, local: bool) -> list[Step]:
    """Session settings at the start of each part of the file."""
    scope = "LOCAL " if local else ""
    steps = []
    if layout.lock_timeout is not None:
        timeout = quote_literal(layout.lock_timeout)
        steps.append(Step(f"SET {scope}lock_timeout = {timeout}", role="setting"))
    if layout.row_security_off:
        steps.append(Step(f"SET {scope}row_security = off", role="setting"))
    return steps


def _body(steps: list[Step], layout: Layout, heading: str | None) -> list[str]:
    """pre-transaction steps, BEGIN ... COMMIT, then steps after COMMIT."""
    pre = [s for s in steps if s.phase == "pre"]
    forward = [s for s in steps if s.phase == "tx" and s.role != "validation"]
    validation = [s for s in steps if s.phase == "tx" and s.role == "validation"]
    post = [s for s in steps if s.phase == "post"]
    outside = directives.no_transaction()
    lines: list[str] = []
    if pre:
        lines += [outside, *_sql_block(_settings(layout, False) + pre, layout), ""]
    lines += ["BEGIN;", ""]
    if heading:
        lines.append(heading)
    lines += _sql_block(_settings(layout, True) + forward, layout)
    if validation:
        lines += ["", "-- Validation", *_sql_block(validation, layout)]
    lines += ["", "COMMIT;"]
    if post:
        lines += ["", outside, *_sql_block(_settings(layout, False) + post, layout)]
    return lines


def compose_up(
    display_path: str,
    sources: list[str],
    generated: str,
    summary: list[str],
    steps: list[Step],
    rollback_steps: list[Step],
    layout: Layout = Layout(),
    operations: Sequence[Op] | None = None,
) -> str:
    """The forward file: header, transaction, steps after COMMIT, then the
    rollback as comments for the reviewer (see docs/file-formats.md)."""
    shown = sources[:MAX_NAMED_MODELS]
    origin = ", ".join(shown) if shown else "model"
    if len(sources) > len(shown):
        origin += f" and {len(sources) - len(shown)} more"
    lines = [
        f"-- {display_path}",
        f"-- Auto-generated from {origin} type changes",
        f"-- Generated: {generated}",
        *[f"-- {line}" for line in summary],
        _changes(steps, operations),
        "",
        *_body(steps, layout, "-- Forward migration"),
        "",
        "-- Rollback instructions (commented)",
    ]
    for line in _sql_block([s for s in rollback_steps if s.role != "validation"], layout):
        lines += [f"-- {part}" if part else "--" for part in line.split("\n")]
    return "\n".join(lines) + "\n"


def _changes(steps: list[Step], operations: Sequence[Op] | None) -> str:
    """The ``changes`` directive: from the operations (those without SQL, such as
    recorded document fields, included), else from the ops the steps came from."""
    ops = list(operations) if operations is not None else [s.op for s in steps if s.op]
    return directives.changes(
        (t for op in ops for t in op.tables()), (f for op in ops for f in op.fields())
    )


def compose_down(
    display_path: str, version: str, name: str, steps: list[Step], layout: Layout = Layout()
) -> str:
    lines = [
        f"-- {display_path}",
        f"-- Rollback of {version}_{name}",
        "",
        *_body(steps, layout, None),
    ]
    return "\n".join(lines) + "\n"
