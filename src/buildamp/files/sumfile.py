"""``migrations/buildamp.sum``: a checksum per migration file, so an edited,
added or removed file is caught in git (``buildamp migrate --check``) before any
database is involved.

The sum file is a record, not a mirror of the disk: ``generate`` and ``--new``
add the entries of the files they write, ``--hash`` accepts deliberate edits,
and nothing ever recomputes it from whatever is on disk (that would bless an
edit nobody reviewed). Lines ``custom:<path> <sum>`` record the ``custom_sql``
files a migration included, so editing one afterwards is reported too.
"""

from __future__ import annotations

from pathlib import Path

from buildamp.files.migration import checksum
from buildamp.model.errors import Location, StateError

SUM_FILE = "buildamp.sum"
HEADER = "# buildamp.sum: checksums of the migration files; verified by `buildamp migrate --check`"
CUSTOM_PREFIX = "custom:"
CONFLICT_MARKERS = ("<<<<<<< ", "=======", ">>>>>>> ")
REBASE_HINT = "a git merge left conflict markers: run `buildamp migrate --rebase`"


def has_conflict_markers(text: str) -> bool:
    """Whether ``text`` holds git merge-conflict markers (at a line start)."""
    # one substring search per marker over the whole text (a migration or the
    # state can be megabytes): the lines are looked at only when one is there
    if not any(marker in text for marker in CONFLICT_MARKERS):
        return False
    return any(line.startswith(CONFLICT_MARKERS) for line in text.splitlines())


def migration_texts(migrations_dir: Path, unreadable: list[str] | None = None) -> dict[str, str]:
    """Every migration and rollback file, by path relative to the migrations
    folder. A file that cannot be read (not UTF-8, no permission) raises, or,
    given ``unreadable``, is left out and named there."""
    files: dict[str, str] = {}
    if not migrations_dir.is_dir():
        return files
    for path in sorted(migrations_dir.glob("*.sql")) + sorted(
        (migrations_dir / "rollback").glob("*.sql")
    ):
        name = path.relative_to(migrations_dir).as_posix()
        try:
            files[name] = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            if unreadable is None:
                raise
            unreadable.append(f"{name}: cannot read: {error}")
    return files


def checksums(texts: dict[str, str]) -> dict[str, str]:
    """The :func:`buildamp.files.migration.checksum` of each text, by name."""
    return {name: checksum(text) for name, text in texts.items()}


def render_sums(sums: dict[str, str]) -> str:
    """The file's text for these ``name -> checksum`` entries."""
    lines = [HEADER, *(f"{name} {digest}" for name, digest in sorted(sums.items()))]
    return "\n".join(lines) + "\n"


def read_sums(path: Path) -> dict[str, str] | None:
    if not path.is_file():
        return None
    text = path.read_text(encoding="utf-8")
    if has_conflict_markers(text):
        raise StateError(f"{SUM_FILE} has merge-conflict markers", Location(path.name), REBASE_HINT)
    sums: dict[str, str] = {}
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        name, _, digest = line.rpartition(" ")
        sums[name] = digest
    return sums


def with_entries(migrations_dir: Path, texts: dict[str, str]) -> str:
    """The sum file's new text: what it records now plus the entries of
    ``texts`` (name relative to the migrations folder -> file text), appended
    as lines; the recorded lines are kept as they are (an entry replaced, or a
    file without one, is written out sorted)."""
    path = migrations_dir / SUM_FILE
    sums = read_sums(path)
    added = checksums(texts)
    if not sums or any(name in sums for name in added):
        return render_sums({**(sums or {}), **added})
    current = path.read_text(encoding="utf-8")
    if not current.endswith("\n"):
        current += "\n"
    return current + "".join(f"{name} {digest}\n" for name, digest in sorted(added.items()))


def without_entries(migrations_dir: Path, names: set[str]) -> str:
    sums = read_sums(migrations_dir / SUM_FILE) or {}
    return render_sums({k: v for k, v in sums.items() if k not in names})


def custom_entry(path: str) -> str:
    return f"{CUSTOM_PREFIX}{path}"


def sum_problems(
    migrations_dir: Path, texts: dict[str, str] | None = None, sums: dict[str, str] | None = None
) -> list[str]:
    """Files edited, added or removed since buildamp.sum recorded them
    (``texts``: what :func:`migration_texts` read, ``sums`` their checksums,
    when the caller has them)."""
    recorded = read_sums(migrations_dir / SUM_FILE)
    if texts is None:
        texts = migration_texts(migrations_dir)
    if recorded is None:
        return (
            [f"{SUM_FILE} is missing: run `buildamp migrate --hash` to write it"] if texts else []
        )
    if sums is None:
        sums = checksums(texts)
    problems = []
    for name, text in texts.items():
        if has_conflict_markers(text):
            problems.append(f"{name} has merge-conflict markers ({REBASE_HINT})")
        elif name not in recorded:
            problems.append(
                f"{name} is not in {SUM_FILE} (added by hand or from another branch? "
                "`buildamp migrate --hash` records it)"
            )
        elif recorded[name] != sums[name]:
            problems.append(
                f"{name} was edited after it was generated "
                "(`buildamp migrate --hash` accepts an edit of an unapplied file)"
            )
    for name in recorded:
        if name.startswith(CUSTOM_PREFIX) or name in texts:
            continue
        if not (migrations_dir / name).is_file():  # else unreadable: its reader says so
            problems.append(f"{name} is in {SUM_FILE} but the file is missing")
    return problems


def custom_sql_problems(project_dir: Path, migrations_dir: Path) -> list[str]:
    """``custom_sql`` files edited after a migration included them: the database
    has the old text, so the edit would silently never run."""
    recorded = read_sums(migrations_dir / SUM_FILE) or {}
    problems = []
    for name, digest in sorted(recorded.items()):
        if not name.startswith(CUSTOM_PREFIX):
            continue
        path = name.removeprefix(CUSTOM_PREFIX)
        file = project_dir / path
        if file.is_file() and checksum(file.read_text(encoding="utf-8")) != digest:
            problems.append(
                f"{path}: custom_sql file was edited after a migration included it "
                "(put the change in a new migration: `buildamp migrate --new SLUG`; "
                "or restore it from git)"
            )
    return problems
