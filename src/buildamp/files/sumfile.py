"""``migrations/buildamp.sum``: a checksum per migration file, so an edited,
added or removed file is caught in git (``buildamp migrate --check``) before any
database is involved."""

from __future__ import annotations

from pathlib import Path

from buildamp.files.migration import checksum

SUM_FILE = "buildamp.sum"
HEADER = "# buildamp.sum: checksums of the migration files; verified by `buildamp migrate --check`"


def migration_texts(migrations_dir: Path) -> dict[str, str]:
    """Every migration and rollback file, by path relative to the migrations folder."""
    files: dict[str, str] = {}
    if not migrations_dir.is_dir():
        return files
    for path in sorted(migrations_dir.glob("*.sql")) + sorted(
        (migrations_dir / "rollback").glob("*.sql")
    ):
        files[path.relative_to(migrations_dir).as_posix()] = path.read_text(encoding="utf-8")
    return files


def render_sums(texts: dict[str, str]) -> str:
    lines = [HEADER, *(f"{name} {checksum(text)}" for name, text in sorted(texts.items()))]
    return "\n".join(lines) + "\n"


def read_sums(path: Path) -> dict[str, str] | None:
    if not path.is_file():
        return None
    sums: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, _, digest = line.rpartition(" ")
        sums[name] = digest
    return sums


def sum_problems(migrations_dir: Path) -> list[str]:
    """Files edited, added or removed since buildamp.sum was written."""
    recorded = read_sums(migrations_dir / SUM_FILE)
    texts = migration_texts(migrations_dir)
    if recorded is None:
        return [f"{SUM_FILE} is missing: run `buildamp migrate` to write it"] if texts else []
    problems = []
    for name, text in texts.items():
        if name not in recorded:
            problems.append(f"{name} is not in {SUM_FILE} (added by hand or from another branch?)")
        elif recorded[name] != checksum(text):
            problems.append(f"{name} was edited after it was generated")
    for name in recorded:
        if name not in texts:
            problems.append(f"{name} is in {SUM_FILE} but the file is missing")
    return problems
