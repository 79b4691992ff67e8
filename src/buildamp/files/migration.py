"""Migration files on disk: finding and numbering them, and their checksum.

Composing a file's text lives in :mod:`buildamp.files.compose`: listing and
summing files (every ``--check``) loads no renderer or operation type."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from buildamp.cache.store import text_sha256
from buildamp.model.errors import Location, StateError

MIGRATION_NAME = re.compile(r"^(\d{3,})_([A-Za-z0-9_]+)\.sql$")
SHORT_NUMBER = re.compile(r"^\d{1,2}_[A-Za-z0-9_]+\.sql$")  # 01_x.sql: a typo, never ignored


@dataclass(frozen=True)
class MigrationFile:
    """A numbered migration file and where its rollback is."""

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
    # a generated migration of 10,000 tables is 13 MB: hashed a slice at a time
    return text_sha256(text.replace("\r\n", "\n").replace("\r", "\n"))


def slugify(text: str, limit: int = 60) -> str:
    slug = re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")
    if len(slug) > limit:  # cut at a word boundary when there is one
        cut = slug[: limit + 1].rfind("_")
        slug = slug[:cut] if cut > limit // 2 else slug[:limit]
    return slug.rstrip("_") or "migration"
