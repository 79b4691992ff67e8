"""The model index: what an incremental ``generate`` or ``--check`` may skip.

For a schema state buildamp knows is in sync with the models, the index
(``.buildamp/cache/index/index-<state digest>.pickle``) records each model
file's size, mtime and SHA-256, and (in a blob read only when a file changed)
the types it defines and the tables it builds. :func:`look` compares the model
files with it (stat first, a hash only when the stat differs or is too recent
to trust; the state file likewise): when nothing changed, the plan is empty and
nothing is built or even imported (this module loads no builder, planner,
renderer or declaration class); otherwise :mod:`buildamp.cli.incremental`
rebuilds the changed files. See docs/performance.md. An optimisation only: a
missing, corrupt or foreign index is a miss, writes are atomic,
``BUILDAMP_NO_CACHE=1`` turns it off.
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
from buildamp.sources.discover import model_file_names

INDEX_DIR = Path(".buildamp") / "cache" / "index"
KEEP = 4  # indexes of this many recent states
FORMAT = "buildamp-model-index-3"
# A file modified this close to the index's writing may change again within the
# same mtime tick: hashed, never trusted by its stat.
RACY_NS = 2_000_000_000


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
class ModelIndex:
    """The model files a schema state was made from (see the module docs)."""

    fingerprint: str
    written_ns: int
    state_sha256: str
    # the state's text is what dumps() writes (buildamp wrote it): splicing one
    # table into it gives the bytes a full rewrite gives
    canonical: bool
    version: str | None
    refs: frozenset[str]  # tables in a reference (either end): rebuilt together
    files: dict[str, FileRecord]  # by path relative to the project, in model order
    # every file's types and tables (:class:`buildamp.cli.index_types.FileTypes`),
    # pickled: unpickled only when a file changed, so a no-change run never pays
    types: bytes


class FullRebuild(Exception):
    """Why the fast path does not apply (said by ``--verbose``)."""


def kept(why: FullRebuild) -> FullRebuild:
    """``why`` without its traceback, to keep as a value: a traceback holds every
    frame it passed through and their locals (the state's bytes, and after a
    re-raise the whole plan: about 70 MB at 10,000 models), for as long as the
    exception lives."""
    return why.with_traceback(None)


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
class Look:
    """What the model index proves before anything is built."""

    index: ModelIndex
    # (key, path, bytes, stat) of each file changed or added since the index
    changed: list[tuple[str, Path, bytes, os.stat_result]]
    # the state's bytes when a file changed (a fast plan reads and splices
    # them), else None: a no-change run need not read the state at all
    state_bytes: bytes | None = None
    keys: list[str] = field(default_factory=list)  # every model file now, in model order
    removed: list[str] = field(default_factory=list)  # files the index has, gone since

    @property
    def in_sync(self) -> bool:
        """The models are what the state was made from: nothing to build."""
        return not self.changed and not self.removed

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
    names = model_file_names(config)
    keys = [key for key, _ in names]
    if any(key.endswith(".py") for key in keys):
        raise FullRebuild("the project has Python models (imported on every run)")
    recorded = _recorded_state(config)
    state_bytes, state_sha256, state_stat = _state(config, recorded)
    index = load_index(config, state_sha256)
    if index is None:
        raise FullRebuild("no model index for this schema state (first run, pull, branch switch)")
    if index.fingerprint != fingerprint(config):
        raise FullRebuild("buildamp's code or the build settings changed")
    files = index.files
    removed: list[str] = []
    if keys != list(files):  # files added or removed: the others keep their order
        present = set(keys)
        removed = [key for key in files if key not in present]
        if [key for key in keys if key in files] != [key for key in files if key in present]:
            raise FullRebuild("model files were reordered")
    changed: list[tuple[str, Path, bytes, os.stat_result]] = []
    touched: dict[str, FileRecord] = {}
    settled = time.time_ns() - RACY_NS
    trust_before = index.written_ns - RACY_NS
    for key, name in names:
        record = files.get(key)  # None: a file added since the index was written
        try:
            stat = os.stat(name)
            if (
                record is not None
                and stat.st_mtime_ns == record.mtime_ns
                and stat.st_size == record.size
                and stat.st_mtime_ns < trust_before
            ):
                continue
            path = Path(name)
            data = path.read_bytes()
        except OSError:  # the full pipeline reports it as the readers do
            raise FullRebuild(f"cannot read {key}") from None
        if record is None or sha(data) != record.sha256:
            changed.append((key, path, data, stat))
        elif stat.st_mtime_ns < settled:  # same bytes: trust this stat from now on
            touched[key] = replace(record, size=stat.st_size, mtime_ns=stat.st_mtime_ns)
    if (changed or removed) and writing and not index.canonical:
        raise FullRebuild(
            "the schema state is not what buildamp writes for these models "
            "(hand-formatted, or a model file moved): written in full once"
        )
    rebuilt = {key for key, *_ in changed} | set(removed)
    for key, record in files.items():
        for custom_sql in record.custom_sql:
            if key in rebuilt:
                continue  # rebuilt (its build checks it) or gone
            # the model checks: only for projects with custom_sql tables
            from buildamp.sources.validation import check_custom_sql

            try:
                check_custom_sql(custom_sql, config.project_dir, Location(""))
            except BuildampError:
                raise FullRebuild(f"custom_sql file {custom_sql} changed") from None
    if (changed or removed) and state_bytes is None:  # a fast plan splices the state
        state_bytes, digest, _ = _state(config, None)
        if digest != state_sha256:
            raise FullRebuild("the schema state changed while it was read")
    in_sync = not changed and not removed
    if in_sync and touched:
        files = {key: touched.get(key, r) for key, r in files.items()}
        save_index(config, replace(index, written_ns=time.time_ns(), files=files))
    settled_state = max(state_stat.st_mtime_ns, state_stat.st_ctime_ns) < settled
    if in_sync and state_bytes is not None and settled_state:
        _record_state(config, _stat_line(state_stat), state_sha256)  # the next run need not hash
    return Look(index, changed, state_bytes, keys, removed)


def _state(
    config: Config, recorded: tuple[str, str] | None
) -> tuple[bytes | None, str, os.stat_result]:
    """The state's bytes, SHA-256 and stat; the bytes are None when the
    ``recorded`` digest (:func:`_recorded_state`) vouches for the file."""
    try:
        with config.state_path.open("rb") as handle:
            stat = os.fstat(handle.fileno())
            if recorded is not None and recorded[0] == _stat_line(stat):
                return None, recorded[1], stat
            data = handle.read()
    except OSError:
        raise FullRebuild("no schema state yet") from None
    return data, sha(data), stat


# The state file's SHA-256 with the stat it had (size, mtime, ctime, inode): the
# state is hashed again only when its stat differs, as model files are. Recorded
# only when both times are older than RACY_NS, so a later write in the same
# timestamp tick cannot hide; ctime (no tool sets it back) catches a copy or an
# edit that kept the old mtime.
STATE_DIGEST = INDEX_DIR / "state-digest"


def _stat_line(stat: os.stat_result) -> str:
    return f"{stat.st_size} {stat.st_mtime_ns} {stat.st_ctime_ns} {stat.st_ino}"


def _recorded_state(config: Config) -> tuple[str, str] | None:
    """(stat line, SHA-256) recorded for this state file; None: missing or foreign."""
    try:
        lines = (config.project_dir / STATE_DIGEST).read_text(encoding="utf-8").split("\n")
    except (OSError, UnicodeDecodeError):
        return None
    if len(lines) != 4 or lines[0] != FORMAT or lines[1] != str(config.state_path):
        return None
    return lines[2], lines[3]


def _record_state(config: Config, stat: str, digest: str) -> None:
    if disabled():
        return
    path = config.project_dir / STATE_DIGEST
    text = "\n".join([FORMAT, str(config.state_path), stat, digest])
    with contextlib.suppress(OSError, UnicodeEncodeError):
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, text.encode("utf-8", "surrogatepass"))
