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
import io
import os
import pickle
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from buildamp.cache.store import code_fingerprint, disabled, load_restricted, write_atomic
from buildamp.files.config import Config
from buildamp.model.errors import BuildampError, Location
from buildamp.sources.discover import model_files

if TYPE_CHECKING:  # the declarations load only when a file changed (FileTypes)
    from buildamp.sources import decl

INDEX_DIR = Path(".buildamp") / "cache" / "index"
KEEP = 4  # indexes of this many recent states
FORMAT = "buildamp-model-index-2"
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


@dataclass(frozen=True)
class FileRecord:
    """What a no-change run needs of one model file: plain values only, so
    loading the index builds no declaration object."""

    size: int
    mtime_ns: int
    sha256: str
    display: str
    custom_sql: tuple[str, ...]  # files its tables include: a build checks they exist
    value_types: tuple[str, ...]


@dataclass(frozen=True)
class FileTypes:
    """What a fast plan needs of a file it does not rebuild: the types it
    declares (the project's type context) and the tables it builds."""

    aliases: tuple[decl.AliasDecl, ...]
    enums: tuple[decl.EnumDecl, ...]
    structs: tuple[str, ...]
    tables: tuple[TableRecord, ...]

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
    # every file's FileTypes by the same key, pickled: unpickled only when a
    # file changed (:meth:`file_types`), so a no-change run never pays for it
    types: bytes

    def file_types(self) -> dict[str, FileTypes]:
        """Every file's :class:`FileTypes` (raises :class:`FullRebuild` when unreadable)."""
        # the declaration classes: only a run that rebuilds a changed file needs them
        from buildamp.sources import decl

        allowed = (FileTypes, TableRecord, decl.AliasDecl, decl.EnumDecl, decl.TypeRef, Location)
        try:
            found = load_restricted(io.BytesIO(self.types), allowed)
        except Exception:  # truncated, planted or from other code: a miss
            raise FullRebuild("the model index is unreadable") from None
        if not isinstance(found, dict) or list(found) != list(self.files):
            raise FullRebuild("the model index is unreadable")
        if not all(isinstance(t, FileTypes) for t in found.values()):
            raise FullRebuild("the model index is unreadable")
        return found


def pack_types(types: dict[str, FileTypes]) -> bytes:
    return pickle.dumps(types, protocol=pickle.HIGHEST_PROTOCOL)


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


def keys_of(config: Config, paths: list[Path]) -> list[str]:
    """:func:`key_of` of many files: a string prefix cut, not a path walk each."""
    prefix = os.path.join(str(config.project_dir), "")
    keys = []
    for path in paths:
        text = str(path)
        if text.startswith(prefix) and os.sep == "/":
            keys.append(text[len(prefix) :])
        else:
            keys.append(key_of(config, path))
    return keys


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


_ALLOWED = (ModelIndex, FileRecord)


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
    changed: list[tuple[str, Path, bytes, os.stat_result]]  # (key, path, bytes, stat)
    # the state's bytes when a file changed (a fast plan reads and splices
    # them), else None: a no-change run need not read the state at all
    state_bytes: bytes | None = None

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
    state_bytes, state_sha256 = _state(config, first=True)
    index = load_index(config, state_sha256)
    if index is None:
        raise FullRebuild("no model index for this schema state (first run, pull, branch switch)")
    if index.fingerprint != fingerprint(config):
        raise FullRebuild("buildamp's code or the build settings changed")
    keys = keys_of(config, paths)
    if keys != list(index.files):
        added = sorted(set(keys) - set(index.files))
        gone = sorted(set(index.files) - set(keys))
        what = ", ".join([f"+{k}" for k in added[:3]] + [f"-{k}" for k in gone[:3]])
        raise FullRebuild(f"model files added, removed or renamed ({what or 'order'})")
    changed: list[tuple[str, Path, bytes, os.stat_result]] = []
    touched: dict[str, FileRecord] = {}
    settled = time.time_ns() - RACY_NS
    trust_before = index.written_ns - RACY_NS
    files = index.files
    for key, path in zip(keys, paths, strict=True):
        record = files[key]
        try:
            stat = os.stat(path)
            if (
                stat.st_mtime_ns == record.mtime_ns
                and stat.st_size == record.size
                and stat.st_mtime_ns < trust_before
            ):
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
    for key, record in files.items():
        for custom_sql in record.custom_sql:
            if key in changed_keys:
                continue  # rebuilt: its build checks it
            # the model checks: only for projects with custom_sql tables
            from buildamp.sources.validation import check_custom_sql

            try:
                check_custom_sql(custom_sql, config.project_dir, Location(""))
            except BuildampError:
                raise FullRebuild(f"custom_sql file {custom_sql} changed") from None
    if changed and state_bytes is None:  # the fast plan splices the state: read it now
        state_bytes, digest = _state(config, first=False)
        if digest != state_sha256:
            raise FullRebuild("the schema state changed while it was read")
    if not changed and touched:
        files = {key: touched.get(key, r) for key, r in files.items()}
        save_index(config, replace(index, written_ns=time.time_ns(), files=files))
    return Look(index, changed, state_bytes)


def _state(config: Config, first: bool) -> tuple[bytes | None, str]:
    """The state's bytes and SHA-256. ``first``: the bytes may be None when the
    recorded :class:`StateDigest` vouches for the file, and a digest just
    computed is recorded for the next run."""
    known = StateDigest.load(config) if first else None
    try:
        with config.state_path.open("rb") as handle:
            stat = os.fstat(handle.fileno())
            if known is not None and known.vouches_for(stat):
                return None, known.sha256
            data = handle.read()
    except OSError:
        raise FullRebuild("no schema state yet") from None
    digest = sha(data)
    if first and stat.st_mtime_ns < time.time_ns() - RACY_NS:
        StateDigest.of(stat, digest).save(config)  # the next run need not hash it
    return data, digest


STATE_DIGEST = INDEX_DIR / "state-digest"


@dataclass(frozen=True)
class StateDigest:
    """The state file's SHA-256 with the stat it had (size, mtime, ctime, inode):
    the state is hashed again only when its stat differs, as model files are.
    Recorded only for a stat older than :data:`RACY_NS`, so a later write in the
    same timestamp tick cannot hide; ``ctime`` (no tool sets it) catches a copy
    that kept the old mtime. Missing, foreign or unreadable: the state is hashed."""

    stat: tuple[int, int, int, int]
    sha256: str

    @classmethod
    def of(cls, stat: os.stat_result, sha256: str) -> StateDigest:
        return cls((stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino), sha256)

    def vouches_for(self, stat: os.stat_result) -> bool:
        return self.stat == (stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino)

    @classmethod
    def load(cls, config: Config) -> StateDigest | None:
        """The recorded digest, or None (missing, foreign, another state file)."""
        try:
            lines = (config.project_dir / STATE_DIGEST).read_text(encoding="ascii").split("\n")
        except (OSError, UnicodeDecodeError):
            return None
        if len(lines) != 4 or lines[0] != FORMAT or lines[1] != str(config.state_path):
            return None
        parts = lines[2].split()
        if len(parts) != 4 or not all(p.isdigit() for p in parts) or len(lines[3]) != 64:
            return None
        size, mtime, ctime, inode = (int(p) for p in parts)
        return cls((size, mtime, ctime, inode), lines[3])

    def save(self, config: Config) -> None:
        if disabled():
            return
        path = config.project_dir / STATE_DIGEST
        text = "\n".join(
            [FORMAT, str(config.state_path), " ".join(map(str, self.stat)), self.sha256]
        )
        with contextlib.suppress(OSError, UnicodeEncodeError):
            path.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(path, text.encode("ascii"))


def scan(config: Config) -> Scan | None:
    """Stat and hash every model file and the state before the full pipeline
    reads them (None: the project cannot be indexed)."""
    if disabled():
        return None
    result = Scan()
    paths = model_files(config)
    for key, path in zip(keys_of(config, paths), paths, strict=True):
        if path.suffix == ".py":
            return None
        try:
            data = path.read_bytes()
            stat = path.stat()
        except OSError:
            return None
        result.files[key] = (stat.st_size, stat.st_mtime_ns, sha(data))
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
