"""Migration files on disk: numbering, composing the file layout of
docs/file-formats.md (header, BEGIN ... COMMIT, commented rollback), and
writing several files atomically (all of them or none)."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from buildamp.files import directives
from buildamp.model.errors import Location, StateError
from buildamp.pg.sqlbits import MIGRATING_SETTING
from buildamp.pg.sqltext import quote_literal
from buildamp.render.step import Step

if TYPE_CHECKING:  # the op types are for hints only: listing files loads none of them
    from buildamp.plan.ops import Op

MIGRATION_NAME = re.compile(r"^(\d{3,})_([A-Za-z0-9_]+)\.sql$")
SHORT_NUMBER = re.compile(r"^\d{1,2}_[A-Za-z0-9_]+\.sql$")  # 01_x.sql: a typo, never ignored
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
        if not match and SHORT_NUMBER.match(path.name) and path.is_file():
            raise StateError(
                f"migration file {path.name} has fewer than 3 digits; it would never run",
                Location(f"{migrations_dir.name}/{path.name}"),
                f"rename it to {int(path.name.split('_', 1)[0]):03d}_{path.name.split('_', 1)[1]}",
            )
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
    if len(slug) > limit:  # cut at a word boundary when there is one
        cut = slug[: limit + 1].rfind("_")
        slug = slug[:cut] if cut > limit // 2 else slug[:limit]
    return slug.rstrip("_") or "migration"


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


def comment(text: str) -> list[str]:
    """``text`` as SQL comment lines, every line prefixed: a name or default
    holding a newline (or any other line break) can never end the comment and
    run as SQL."""
    return [f"-- {line}".rstrip() for line in text.splitlines() or [""]]


def _note(text: str) -> list[str]:
    """A note step (already ``-- ...``) with every continuation line prefixed too."""
    return comment(text[3:] if text.startswith("-- ") else text)


def _sql_block(steps: list[Step], layout: Layout = Layout()) -> list[str]:
    lines: list[str] = []
    for step in steps:
        if step.role == "note":
            lines += _note(step.sql)
            continue
        if step.batch_table is not None:
            spec = directives.BatchSpec(step.batch_table, layout.batch_size, layout.batch_pause)
            lines.append(directives.batch(spec))
        if step.old_type is not None:
            lines.append(directives.old_type(step.old_type))
        if step.when_type is not None:
            lines.append(directives.when_type(directives.WhenType(*step.when_type)))
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


def _migrating(steps: list[Step], local: bool) -> list[Step]:
    """Marks the session while buildamp changes rows itself, so the updated_at
    trigger keeps each row's own timestamp (only when the part changes rows)."""
    if not any(s.role == "backfill" for s in steps):
        return []
    scope = "LOCAL " if local else ""
    return [Step(f"SET {scope}{MIGRATING_SETTING} = 'on'", role="setting")]


@dataclass(frozen=True)
class _Parts:
    """What each part of a file runs, session settings included: the body is
    written from it and :func:`verify_composed` counts from it, one source.
    ``transaction`` is False when nothing would run inside BEGIN ... COMMIT (an
    online migration that only backfills or builds indexes): the file then has
    no transaction block, and ``post`` holds every step."""

    pre: list[Step]
    forward: list[Step]
    validation: list[Step]
    post: list[Step]
    transaction: bool = True


def _parts(steps: list[Step], layout: Layout) -> _Parts:
    pre = [s for s in steps if s.phase == "pre"]
    forward = [s for s in steps if s.phase == "tx" and s.role != "validation"]
    post = [s for s in steps if s.phase == "post"]
    validation = [s for s in steps if s.phase == "tx" and s.role == "validation"]
    if (pre or post) and not validation and all(s.role == "note" for s in forward):
        # An empty BEGIN; ... COMMIT; would only hold settings: the executor
        # records the migration in its own transaction, then runs these one by
        # one (resumable), and ``psql -f`` runs each in autocommit.
        outside = [*pre, *forward, *post]
        settings = _settings(layout, False) + _migrating(outside, False)
        return _Parts([], [], [], settings + outside, transaction=False)
    return _Parts(
        pre=_settings(layout, False) + pre if pre else [],
        forward=_settings(layout, True) + _migrating(forward, True) + forward,
        validation=validation,
        post=_settings(layout, False) + _migrating(post, False) + post if post else [],
    )


def _body(steps: list[Step], layout: Layout, heading: str | None) -> list[str]:
    """pre-transaction steps, BEGIN ... COMMIT, then steps after COMMIT; or,
    when nothing runs in the transaction, the steps alone, outside one."""
    parts = _parts(steps, layout)
    outside = directives.no_transaction()
    if not parts.transaction:
        return [*([heading] if heading else []), outside, *_sql_block(parts.post, layout)]
    lines: list[str] = []
    if parts.pre:
        lines += [outside, *_sql_block(parts.pre, layout), ""]
    lines += ["BEGIN;", ""]
    if heading:
        lines.append(heading)
    lines += _sql_block(parts.forward, layout)
    if parts.validation:
        lines += ["", "-- Validation", *_sql_block(parts.validation, layout)]
    lines += ["", "COMMIT;"]
    if parts.post:
        lines += ["", outside, *_sql_block(parts.post, layout)]
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
        *comment(display_path),
        *comment(f"Auto-generated from {origin} type changes"),
        *comment(f"Generated: {generated}"),
        *[part for line in summary for part in comment(line)],
        _changes(steps, operations),
        "",
        *_body(steps, layout, "-- Forward migration"),
        "",
        "-- Rollback instructions (commented)",
    ]
    for line in _sql_block([s for s in rollback_steps if s.role != "validation"], layout):
        lines += comment(line)
    text = "\n".join(lines) + "\n"
    verify_composed(text, display_path, steps, layout)
    return text


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
        *comment(display_path),
        *comment(f"Rollback of {version}_{name}"),
        "",
        *_body(steps, layout, None),
    ]
    text = "\n".join(lines) + "\n"
    verify_composed(text, display_path, steps, layout)
    return text


def verify_composed(text: str, display_path: str, steps: list[Step], layout: Layout) -> None:
    """The composed file splits into exactly the statements the steps hold, plus
    our BEGIN/COMMIT and session settings, never more: a value that escaped a
    comment or a string, or swallowed the SQL after it, is refused here, at
    generate time, instead of running at apply."""
    # loaded on use: only this path needs it (keeps start-up cheap)
    import pglast

    # loaded on use: only this path needs it (keeps start-up cheap)
    from buildamp.files.integrity import split_statements

    parts = _parts(steps, layout)
    expected = 2 if parts.transaction else 0  # our BEGIN and COMMIT
    for step in parts.pre + parts.forward + parts.validation + parts.post:
        if step.role == "note":
            continue
        if _one_plain_statement(step.sql):
            expected += 1
            continue
        try:
            expected += len(pglast.parser.split(step.sql, with_parser=True))  # no AST: ~60x faster
        except pglast.parser.ParseError as error:
            raise StateError(
                f"generated SQL does not parse: {error.args[0]}: {step.sql[:80]!r}",
                Location(display_path),
                "check the model's SQL fragments (defaults, backfill, convert_sql, custom_sql)",
            ) from None
    found = len(split_statements(text, display_path))
    if found != expected:
        raise StateError(
            f"generated file would run {found} statements where the plan has {expected}: "
            "a model value ends a comment or a string early",
            Location(display_path),
            "remove line breaks and comment markers from names and SQL fragments",
        )


# What can end a statement, open a string, a quoted name, a comment or a
# dollar-quoted body: SQL without any of these is one statement, whatever it says
# (and if it does not parse, the whole file's split refuses it).
_SQL_SPECIALS = re.compile(r"[;'\"$\\]|--|/\*")


def _one_plain_statement(sql: str) -> bool:
    """Whether ``sql`` is one statement that cannot hide another: no parse needed
    to count it (most CREATE TABLE and CREATE INDEX steps)."""
    return bool(sql.strip()) and _SQL_SPECIALS.search(sql) is None
