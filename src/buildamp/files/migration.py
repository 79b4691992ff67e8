"""Migration files on disk: numbering, composing the seed's file format, and
writing several files atomically (all of them or none)."""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

from buildamp.model.errors import Location, StateError
from buildamp.pg.sqlbits import BATCH_MARK, Step
from buildamp.pg.sqltext import quote_literal

MIGRATION_NAME = re.compile(r"^(\d{3,})_([A-Za-z0-9_]+)\.sql$")
SHORT_NUMBER = re.compile(r"^\d{1,2}_[A-Za-z0-9_]+\.sql$")  # 01_x.sql: a typo, never ignored
NO_TRANSACTION_MARK = "-- buildamp:no-transaction"
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
                "renumber the newer one (branches merged?) and regenerate it",
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
        if step.kind == "note":
            lines += _note(step.sql)
            continue
        if step.batch_table is not None:
            pause = f" pause={layout.batch_pause:g}" if layout.batch_pause else ""
            lines.append(f"{BATCH_MARK} table={step.batch_table} size={layout.batch_size}{pause}")
        lines.append(step.sql + ";")
    return lines


def _timeout(layout: Layout, local: bool) -> list[str]:
    """Session settings at the start of each part of the file."""
    scope = "LOCAL " if local else ""
    lines = []
    if layout.lock_timeout is not None:
        lines.append(f"SET {scope}lock_timeout = {quote_literal(layout.lock_timeout)};")
    if layout.row_security_off:
        lines.append(f"SET {scope}row_security = off;")
    return lines


def _body(steps: list[Step], layout: Layout, heading: str | None) -> list[str]:
    """pre-transaction steps, BEGIN ... COMMIT, then steps after COMMIT."""
    pre = [s for s in steps if s.phase == "pre"]
    forward = [s for s in steps if s.phase == "tx" and s.kind != "validation"]
    validation = [s for s in steps if s.phase == "tx" and s.kind == "validation"]
    post = [s for s in steps if s.phase == "post"]
    lines: list[str] = []
    if pre:
        lines += [NO_TRANSACTION_MARK, *_timeout(layout, False), *_sql_block(pre, layout), ""]
    lines += ["BEGIN;", ""]
    if heading:
        lines.append(heading)
    lines += [*_timeout(layout, True), *_sql_block(forward, layout)]
    if validation:
        lines += ["", "-- Validation", *_sql_block(validation, layout)]
    lines += ["", "COMMIT;"]
    if post:
        lines += ["", NO_TRANSACTION_MARK, *_timeout(layout, False), *_sql_block(post, layout)]
    return lines


def compose_up(
    display_path: str,
    sources: list[str],
    generated: str,
    summary: list[str],
    steps: list[Step],
    rollback_steps: list[Step],
    layout: Layout = Layout(),
) -> str:
    """The forward file, in the seed's layout."""
    shown = sources[:MAX_NAMED_MODELS]
    origin = ", ".join(shown) if shown else "model"
    if len(sources) > len(shown):
        origin += f" and {len(sources) - len(shown)} more"
    lines = [
        *comment(display_path),
        *comment(f"Auto-generated from {origin} type changes"),
        *comment(f"Generated: {generated}"),
        *[part for line in summary for part in comment(line)],
        "",
        *_body(steps, layout, "-- Forward migration"),
        "",
        "-- Rollback instructions (commented)",
    ]
    for line in _sql_block([s for s in rollback_steps if s.kind != "validation"], layout):
        lines += comment(line)
    text = "\n".join(lines) + "\n"
    verify_composed(text, display_path, steps, layout)
    return text


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
    import pglast

    from buildamp.files.integrity import split_statements

    expected = 0
    for step in steps:
        if step.kind == "note":
            continue
        try:
            expected += len(pglast.parse_sql(step.sql))
        except pglast.parser.ParseError as error:
            raise StateError(
                f"generated SQL does not parse: {error.args[0]}: {step.sql[:80]!r}",
                Location(display_path),
                "check the model's SQL fragments (defaults, backfill, convert_sql, custom_sql)",
            ) from None
    phases = {s.phase for s in steps if s.kind != "note"} | {"tx"}
    expected += 2 + len(_timeout(layout, True)) * len(phases)  # BEGIN, COMMIT, SETs per part
    found = len(split_statements(text, display_path))
    if found != expected:
        raise StateError(
            f"generated file would run {found} statements where the plan has {expected}: "
            "a model value ends a comment or a string early",
            Location(display_path),
            "remove line breaks and comment markers from names and SQL fragments",
        )


def write_atomically(files: dict[Path, str]) -> None:
    """Write every file or none: temp files first, then renames, undone on failure."""
    staged: list[tuple[Path, Path]] = []
    done: list[tuple[Path, bytes | None]] = []
    try:
        for path, text in files.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            handle, temp_name = tempfile.mkstemp(
                dir=path.parent, prefix=f".{path.name}.", suffix=".tmp"
            )
            with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as stream:
                stream.write(text)
            staged.append((Path(temp_name), path))
        for temp, path in staged:
            previous = path.read_bytes() if path.exists() else None
            os.replace(temp, path)
            done.append((path, previous))
    except BaseException:
        for path, previous in reversed(done):
            if previous is None:
                path.unlink(missing_ok=True)
            else:
                path.write_bytes(previous)
        for temp, _ in staged:
            temp.unlink(missing_ok=True)
        raise
