"""The model index: what an incremental ``generate`` or ``--check`` may skip.

For a schema state buildamp knows is in sync with the models, the index
(``.buildamp/cache/index/index-<state digest>.pickle``) records each model
file's size, mtime and SHA-256, the types it defines and the tables it builds.
:func:`look` compares the model files with it (stat first, a hash only when the
stat differs or is too recent to trust): when nothing changed, the plan is empty
and nothing is built or even imported (this module loads no builder, planner or
renderer); otherwise :mod:`buildamp.cli.incremental` rebuilds the changed files.
See docs/performance.md. An optimisation only: a missing, corrupt or foreign
index is a miss, writes are atomic, ``BUILDAMP_NO_CACHE=1`` turns it off.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import pickle
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

from buildamp.cache.store import code_fingerprint, disabled, load_restricted, write_atomic
from buildamp.files.config import Config
from buildamp.model.errors import BuildampError, Location
from buildamp.sources import decl
from buildamp.sources.discover import model_files

INDEX_DIR = Path(".buildamp") / "cache" / "index"
KEEP = 4  # indexes of this many recent states
FORMAT = "buildamp-model-index-1"
# A file modified this close to the index's writing may change again within the
# same mtime tick: hashed, never trusted by its stat.
RACY_NS = 2_000_000_000

Conversion = tuple[str, str, str]


@dataclass(frozen=True)
class TableRecord:
    name: str
    enums: tuple[str, ...]  # enum declarations its columns use
    conversions: tuple[Conversion, ...]  # what the state records for it
    rls: bool
    custom_sql: str | None = None  # its build checks the file exists: so does every run


@dataclass(frozen=True)
class FileRecord:
    size: int
    mtime_ns: int
    sha256: str
    display: str
    aliases: tuple[decl.AliasDecl, ...]
    enums: tuple[decl.EnumDecl, ...]
    structs: tuple[str, ...]
    tables: tuple[TableRecord, ...]
    value_types: tuple[str, ...]

    def signature(self) -> tuple[object, ...]:
        """What other files' tables can depend on: the names and meaning of its types."""
        return signature(self.aliases, self.enums, self.structs)


@dataclass(frozen=True)
class ModelIndex:
    fingerprint: str
    written_ns: int
    state_sha256: str
    # the state's text is what dumps() writes (buildamp wrote it): splicing one
    # table into it gives the bytes a full rewrite gives
    canonical: bool
    version: str | None
    refs: frozenset[str]  # tables in a reference (either end): rebuilt together
    files: dict[str, FileRecord]  # by path relative to the project, in model order


def signature(
    aliases: tuple[decl.AliasDecl, ...], enums: tuple[decl.EnumDecl, ...], structs: tuple[str, ...]
) -> tuple[object, ...]:
    return (
        tuple(sorted((a.name, repr(a.target)) for a in aliases)),
        tuple(sorted((e.name, e.variants, e.unit_only, e.renames) for e in enums)),
        tuple(sorted(structs)),
    )


class FullRebuild(Exception):
    """Why the fast path does not apply (said by ``--verbose``)."""


def fingerprint(config: Config) -> str:
    """buildamp's code and every setting that changes what models build to."""
    settings = (
        str(config.project_dir),
        config.storage,
        config.tenant_isolation,
        config.table_names,
        config.distribution,
        config.models,
        config.extensions,
        str(config.state_path),
    )
    return code_fingerprint(FORMAT, hashlib.sha256(repr(settings).encode()).hexdigest())


def key_of(config: Config, path: Path) -> str:
    return path.relative_to(config.project_dir).as_posix()


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


_ALLOWED = (
    ModelIndex,
    FileRecord,
    TableRecord,
    decl.AliasDecl,
    decl.EnumDecl,
    decl.TypeRef,
    Location,
)


def _index_path(config: Config, state_sha256: str) -> Path:
    return config.project_dir / INDEX_DIR / f"index-{state_sha256[:32]}.pickle"


def load_index(config: Config, state_sha256: str) -> ModelIndex | None:
    """The index made for this state, or None (missing, corrupt, foreign: a miss)."""
    path = _index_path(config, state_sha256)
    try:
        with path.open("rb") as handle:
            index = load_restricted(handle, _ALLOWED)
    except Exception:  # missing, truncated, planted or from other code: a miss
        return None
    if not isinstance(index, ModelIndex) or not isinstance(index.files, dict):
        return None
    if index.state_sha256 != state_sha256:
        return None
    if not all(isinstance(r, FileRecord) for r in index.files.values()):
        return None
    with contextlib.suppress(OSError):
        os.utime(path)  # recently used: kept by the pruning
    return index


def save_index(config: Config, index: ModelIndex) -> None:
    """Atomically (two runs at once each write a whole file, one wins); the
    indexes of the last :data:`KEEP` states are kept (a branch switch back, a
    reverted edit stay fast). Failures are ignored: the next run rebuilds."""
    if disabled():
        return
    path = _index_path(config, index.state_sha256)
    with contextlib.suppress(OSError):
        path.parent.mkdir(parents=True, exist_ok=True)
        ignore = path.parent.parent / ".gitignore"
        if not ignore.exists():
            write_atomic(ignore, b"# buildamp's caches: safe to delete\n*\n")
        write_atomic(path, pickle.dumps(index, protocol=pickle.HIGHEST_PROTOCOL))
        found = sorted(path.parent.glob("index-*.pickle"), key=lambda p: p.stat().st_mtime_ns)
        for old in [p for p in found if p != path][: max(len(found) - KEEP, 0)]:
            old.unlink(missing_ok=True)


@dataclass
class Scan:
    """Every model file's stat and hash as seen before reading it."""

    files: dict[str, tuple[int, int, str]] = field(default_factory=dict)
    state_sha256: str | None = None


@dataclass
class Look:
    """What the model index proves before anything is built."""

    index: ModelIndex
    state_bytes: bytes
    changed: list[tuple[str, Path, bytes, os.stat_result]]  # (key, path, bytes, stat)

    @property
    def value_types(self) -> tuple[str, ...]:
        return tuple(v for r in self.index.files.values() for v in r.value_types)


def look(config: Config, writing: bool) -> Look:
    """Stat (and where needed hash) every model file against the index of the
    current state; raises :class:`FullRebuild` when the index cannot answer.
    ``changed`` empty: the models are in sync with the state, nothing to build."""
    if disabled():
        raise FullRebuild("caches are off (BUILDAMP_NO_CACHE)")
    if config.distribution == "citus":
        raise FullRebuild('distribution = "citus" plans across tables')
    if config.extensions:
        raise FullRebuild("extensions are configured (they depend on every table's types)")
    paths = model_files(config)
    if any(p.suffix == ".py" for p in paths):
        raise FullRebuild("the project has Python models (imported on every run)")
    try:
        state_bytes = config.state_path.read_bytes()
    except OSError:
        raise FullRebuild("no schema state yet") from None
    index = load_index(config, sha(state_bytes))
    if index is None:
        raise FullRebuild("no model index for this schema state (first run, pull, branch switch)")
    if index.fingerprint != fingerprint(config):
        raise FullRebuild("buildamp's code or the build settings changed")
    keys = [key_of(config, p) for p in paths]
    if keys != list(index.files):
        added = sorted(set(keys) - set(index.files))
        gone = sorted(set(index.files) - set(keys))
        what = ", ".join([f"+{k}" for k in added[:3]] + [f"-{k}" for k in gone[:3]])
        raise FullRebuild(f"model files added, removed or renamed ({what or 'order'})")
    changed: list[tuple[str, Path, bytes, os.stat_result]] = []
    touched: dict[str, FileRecord] = {}
    settled = time.time_ns() - RACY_NS
    for key, path in zip(keys, paths, strict=True):
        record = index.files[key]
        try:
            stat = path.stat()
            trusted = stat.st_mtime_ns < index.written_ns - RACY_NS
            if trusted and (stat.st_size, stat.st_mtime_ns) == (record.size, record.mtime_ns):
                continue
            data = path.read_bytes()
        except OSError:  # the full pipeline reports it as the readers do
            raise FullRebuild(f"cannot read {record.display}") from None
        if sha(data) != record.sha256:
            changed.append((key, path, data, stat))
        elif stat.st_mtime_ns < settled:  # same bytes: trust this stat from now on
            touched[key] = replace(record, size=stat.st_size, mtime_ns=stat.st_mtime_ns)
    if changed and writing and not index.canonical:
        raise FullRebuild(
            "the schema state is not what buildamp writes for these models "
            "(hand-formatted, or a model file moved): written in full once"
        )
    changed_keys = {key for key, *_ in changed}
    for key, record in index.files.items():
        for table in record.tables:
            if table.custom_sql is not None and key not in changed_keys:
                # the model checks: only for projects with custom_sql tables
                from buildamp.sources.validation import check_custom_sql

                try:
                    check_custom_sql(table.custom_sql, config.project_dir, Location(""))
                except BuildampError:
                    raise FullRebuild(f"custom_sql file {table.custom_sql} changed") from None
    if not changed and touched:
        files = {key: touched.get(key, r) for key, r in index.files.items()}
        save_index(config, replace(index, written_ns=time.time_ns(), files=files))
    return Look(index, state_bytes, changed)


def scan(config: Config) -> Scan | None:
    """Stat and hash every model file and the state before the full pipeline
    reads them (None: the project cannot be indexed)."""
    if disabled():
        return None
    result = Scan()
    for path in model_files(config):
        if path.suffix == ".py":
            return None
        try:
            data = path.read_bytes()
            stat = path.stat()
        except OSError:
            return None
        result.files[key_of(config, path)] = (stat.st_size, stat.st_mtime_ns, sha(data))
    with contextlib.suppress(OSError):
        result.state_sha256 = sha(config.state_path.read_bytes())
    return result


def still_same(config: Config, seen: Scan) -> bool:
    """No model file changed while the pipeline ran (else the index would lie)."""
    for key, (size, mtime, _) in seen.files.items():
        try:
            stat = (config.project_dir / key).stat()
        except OSError:
            return False
        if (stat.st_size, stat.st_mtime_ns) != (size, mtime):
            return False
    return True
