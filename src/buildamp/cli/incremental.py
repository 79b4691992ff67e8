"""Generate and check at the cost of what changed (docs/performance.md).

The model index (``.buildamp/cache/model-index.pickle``) records, for a schema
state buildamp knows is in sync with the models, each model file's size, mtime
and SHA-256, the types it defines (the project's type context) and the tables
it builds. The next run stats every model file (a hash only when the stat
differs or is too recent to trust), hashes the state file, and when both match
it knows the plan is empty without building anything. When a few files
changed, only their tables are rebuilt, read from the state, diffed and
replayed, and the new state is the old text with those tables' JSON spliced in.

Whatever the fast path cannot prove equal to the full pipeline (added or
removed files, a changed enum, alias or struct name, references between
tables, Python models, another state, another buildamp) runs the full
pipeline, and ``--verbose`` says ``full rebuild: <why>``. The index is an
optimisation: a missing, corrupt or foreign one is a full rebuild, writes are
atomic, and ``BUILDAMP_NO_CACHE=1`` turns it off.
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
from buildamp.files.snapshot import Snapshot, StateText, read_head, read_tables, split_state
from buildamp.model.errors import BuildampError, Location
from buildamp.model.hints import Hints
from buildamp.model.naming import snake_case
from buildamp.model.schema import Enum, Schema
from buildamp.plan.diff import CustomSqlLoader, conversions, diff
from buildamp.plan.ops import Operation
from buildamp.sources import decl
from buildamp.sources.build import BuildSettings, Models, Partial, build_some, value_types_of
from buildamp.sources.discover import model_files, read_changed
from buildamp.sources.references import declared
from buildamp.sources.validation import check_custom_sql, check_enum

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
        return _signature(self.aliases, self.enums, self.structs)


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


def _signature(
    aliases: tuple[decl.AliasDecl, ...], enums: tuple[decl.EnumDecl, ...], structs: tuple[str, ...]
) -> tuple[object, ...]:
    return (
        tuple(sorted((a.name, repr(a.target)) for a in aliases)),
        tuple(sorted((e.name, e.variants, e.unit_only, e.renames) for e in enums)),
        tuple(sorted(structs)),
    )


class FullRebuild(Exception):
    """Why the fast path does not apply (said by ``--verbose``)."""


def settings_for(config: Config) -> BuildSettings:
    return BuildSettings(
        project_dir=config.project_dir,
        default_storage="jsonb" if config.storage == "jsonb" else "columns",
        tenant_isolation=config.tenant_isolation,
        table_names=config.table_names,
        distribution=config.distribution,
    )


def _fingerprint(config: Config) -> str:
    settings = (settings_for(config), config.models, config.extensions, str(config.state_path))
    return code_fingerprint(FORMAT, hashlib.sha256(repr(settings).encode()).hexdigest())


def _key(config: Config, path: Path) -> str:
    return path.relative_to(config.project_dir).as_posix()


def _sha(data: bytes) -> str:
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


# -- what the fast path hands to generate ------------------------------------


@dataclass
class FastState:
    """The parts of the whole project a fast plan did not rebuild."""

    index: ModelIndex
    state: StateText
    old_tables: tuple[str, ...]  # the changed files' tables in the state
    records: dict[str, FileRecord]  # the changed files' new records
    other_conversions: tuple[Conversion, ...]  # of the tables not rebuilt
    other_rls: bool  # some table not rebuilt has row-level security


@dataclass
class Scan:
    """Every model file's stat and hash as seen before reading it."""

    files: dict[str, tuple[int, int, str]] = field(default_factory=dict)
    state_sha256: str | None = None


# -- the fast path -------------------------------------------------------------


def fast_plan(
    config: Config, writing: bool, loader: CustomSqlLoader
) -> tuple[FastState, Snapshot, Models, list[Operation]]:
    """The plan from the changed files alone; raises :class:`FullRebuild`."""
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
    index = load_index(config, _sha(state_bytes))
    if index is None:
        raise FullRebuild("no model index for this schema state (first run, pull, branch switch)")
    if index.fingerprint != _fingerprint(config):
        raise FullRebuild("buildamp's code or the build settings changed")
    keys = [_key(config, p) for p in paths]
    if keys != list(index.files):
        added = sorted(set(keys) - set(index.files))
        gone = sorted(set(index.files) - set(keys))
        what = ", ".join([f"+{k}" for k in added[:3]] + [f"-{k}" for k in gone[:3]])
        raise FullRebuild(f"model files added, removed or renamed ({what or 'order'})")
    if writing and not index.canonical:
        raise FullRebuild("the schema state was not written by this buildamp")
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
        if _sha(data) != record.sha256:
            changed.append((key, path, data, stat))
        elif stat.st_mtime_ns < settled:  # same bytes: trust this stat from now on
            touched[key] = replace(record, size=stat.st_size, mtime_ns=stat.st_mtime_ns)
    changed_keys = {key for key, *_ in changed}
    for key, record in index.files.items():
        for table in record.tables:
            if table.custom_sql is not None and key not in changed_keys:
                try:
                    check_custom_sql(table.custom_sql, config.project_dir, Location(""))
                except BuildampError:
                    raise FullRebuild(f"custom_sql file {table.custom_sql} changed") from None
    head = _state(config, state_bytes)
    if not changed:
        if touched:
            files = {key: touched.get(key, r) for key, r in index.files.items()}
            save_index(config, replace(index, written_ns=time.time_ns(), files=files))
        return _unchanged(index, head)
    return _changed(config, index, head, changed, loader)


def _state(config: Config, data: bytes) -> StateText:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise FullRebuild("the schema state is not UTF-8") from None
    state = split_state(text)
    if state is None:
        raise FullRebuild("the schema state is not in the shape buildamp writes")
    return state


def _unchanged(
    index: ModelIndex, state: StateText
) -> tuple[FastState, Snapshot, Models, list[Operation]]:
    values = tuple(v for r in index.files.values() for v in r.value_types)
    snapshot = Snapshot(Schema(), index.version)
    fast = FastState(index, state, (), {}, (), False)
    return fast, snapshot, Models(Schema(), Hints(), values), []


def _changed(
    config: Config,
    index: ModelIndex,
    state: StateText,
    changed: list[tuple[str, Path, bytes, os.stat_result]],
    loader: CustomSqlLoader,
) -> tuple[FastState, Snapshot, Models, list[Operation]]:
    sources: dict[str, decl.SourceFile] = {}
    for key, path, data, _ in changed:
        record = index.files[key]
        source = read_changed(config, path, record.display, data)
        if _signature(source.aliases, source.enums, tuple(s.name for s in source.structs)) != (
            record.signature()
        ):
            raise FullRebuild(f"types defined in {record.display} changed (enum, alias or struct)")
        sources[key] = source
    context = [
        sources.get(key) or decl.SourceFile(r.display, (), r.enums, r.aliases)
        for key, r in index.files.items()
    ]
    names = {name for r in index.files.values() for name in r.structs}
    settings = settings_for(config)
    try:
        partial = build_some([sources[k] for k, *_ in changed], context, names, settings)
    except BuildampError as error:  # the full pipeline reports errors in its own order
        raise FullRebuild(f"the changed models do not build ({error})") from None
    old_names = tuple(t.name for key, *_ in changed for t in index.files[key].tables)
    others = {t.name: t for key, r in index.files.items() if key not in sources for t in r.tables}
    for name in partial.tables:
        if name in others:
            raise FullRebuild(f"table {name} is defined twice")
    involved = set(old_names) | set(partial.tables)
    if involved & index.refs:
        raise FullRebuild("a changed table is in a reference (tables are rebuilt together)")
    for struct, name in partial.structs:
        if declared(struct) or any(
            c.kind == "foreign_key" for c in partial.tables[name].constraints
        ):
            raise FullRebuild(f"{name} references another table")
        rename = partial.hints.table(name).rename_from
        if rename and rename not in old_names and rename in others:
            raise FullRebuild(f"{name} is renamed from a table of another file")
    records = _new_records(index, sources, partial, changed)
    files = {key: records.get(key, r) for key, r in index.files.items()}
    enums = _enums(files, context, sources)
    every_table = {t.name for r in files.values() for t in r.tables}
    if any(name in every_table for name in enums):
        raise FullRebuild("an enum has the name of a table")
    head = read_head(state, config.display(config.state_path))
    for enum in head.schema.enums:
        new = enums.get(enum.name)
        if new is not None and new.values != enum.values:
            raise FullRebuild(f"enum {enum.name} changes values (its columns span tables)")
    display = config.display(config.state_path)
    old = read_tables(state, list(old_names), display)
    if len(old) != len(set(old_names)):
        raise FullRebuild("the schema state lacks a table the index names")
    old_schema = Schema(tuple(old[n] for n in sorted(old)), head.schema.enums)
    new_schema = Schema(
        tuple(partial.tables[n] for n in sorted(partial.tables)),
        tuple(enums[n] for n in sorted(enums)),
    )
    if old_schema.needs_touch_function != new_schema.needs_touch_function:
        raise FullRebuild("the touch-trigger function may be created or dropped")
    applied = {(table, column): sql for table, column, sql in head.conversions}
    operations = diff(old_schema, new_schema, partial.hints, loader, applied)
    fast = FastState(
        index,
        state,
        tuple(sorted(set(old_names))),
        records,
        tuple(c for t in others.values() for c in t.conversions),
        any(t.rls for t in others.values()),
    )
    values = tuple(v for r in files.values() for v in r.value_types)
    snapshot = Snapshot(old_schema, head.version, head.last_generated, head.conversions)
    return fast, snapshot, Models(new_schema, partial.hints, values), operations


def _new_records(
    index: ModelIndex,
    sources: dict[str, decl.SourceFile],
    partial: Partial,
    changed: list[tuple[str, Path, bytes, os.stat_result]],
) -> dict[str, FileRecord]:
    schema = Schema(tuple(partial.tables.values()))
    converted = conversions(schema, partial.hints)
    records: dict[str, FileRecord] = {}
    for (key, _, data, stat), layout in zip(changed, partial.layout, strict=True):
        source = sources[key]
        tables = tuple(
            TableRecord(
                name,
                used,
                tuple(c for c in converted if c[0] == name),
                partial.tables[name].rls,
                partial.tables[name].custom_sql,
            )
            for name, used in layout
        )
        records[key] = FileRecord(
            stat.st_size,
            stat.st_mtime_ns,
            _sha(data),
            index.files[key].display,
            source.aliases,
            source.enums,
            tuple(s.name for s in source.structs),
            tables,
            value_types_of(source),
        )
    return records


def _enums(
    files: dict[str, FileRecord],
    context: list[decl.SourceFile],
    sources: dict[str, decl.SourceFile],
) -> dict[str, Enum]:
    """The schema's enums, as :func:`buildamp.sources.build.build_models` collects
    them: each enum some table uses, from its declaration (last one wins)."""
    declarations: dict[str, decl.EnumDecl] = {}
    for source in context:
        for enum_decl in source.enums:
            declarations[enum_decl.name] = enum_decl
    enums: dict[str, Enum] = {}
    built: dict[str, Enum] = {}  # by declaration: a project repeats a few enums many times
    for record in files.values():
        for table in record.tables:
            for name in table.enums:
                enum = built.get(name)
                if enum is None:
                    found = declarations.get(name)
                    if found is None:
                        raise FullRebuild(f"enum {name} is no longer declared")
                    enum = Enum(snake_case(found.name), found.variants, str(found.location))
                    try:
                        check_enum(enum.name, enum.values, found.location)
                    except BuildampError:
                        raise FullRebuild(f"enum {name} does not build") from None
                    built[name] = enum
                if enum.name in enums and enums[enum.name].values != enum.values:
                    raise FullRebuild(f"two enums map to type {enum.name}")
                enums[enum.name] = enum
    return enums


# -- the full path's index ------------------------------------------------------


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
        result.files[_key(config, path)] = (stat.st_size, stat.st_mtime_ns, _sha(data))
    with contextlib.suppress(OSError):
        result.state_sha256 = _sha(config.state_path.read_bytes())
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


def full_index(
    config: Config,
    seen: Scan,
    sources: list[decl.SourceFile],
    models: Models,
    state_text: str,
    canonical: bool,
    version: str | None,
) -> ModelIndex | None:
    """The index of a full build whose models the state ``state_text`` is in sync with."""
    if len(sources) != len(seen.files) or len(models.layout) != len(sources):
        return None
    converted = conversions(models.schema, models.hints)
    by_table: dict[str, list[Conversion]] = {}
    for item in converted:
        by_table.setdefault(item[0], []).append(item)
    tables = {t.name: t for t in models.schema.tables}
    refs: set[str] = set()
    for table in models.schema.tables:
        for constraint in table.constraints:
            if constraint.kind == "foreign_key":
                refs.add(table.name)
                if constraint.references:
                    refs.add(constraint.references)
    files: dict[str, FileRecord] = {}
    for (key, (size, mtime, sha)), source, layout in zip(
        seen.files.items(), sources, models.layout, strict=True
    ):
        records = tuple(
            TableRecord(
                name,
                used,
                tuple(by_table.get(name, ())),
                tables[name].rls,
                tables[name].custom_sql,
            )
            for name, used in layout
            if name in tables
        )
        files[key] = FileRecord(
            size,
            mtime,
            sha,
            source.path,
            source.aliases,
            source.enums,
            tuple(s.name for s in source.structs),
            records,
            value_types_of(source),
        )
    return ModelIndex(
        _fingerprint(config),
        time.time_ns(),
        _sha(state_text.encode("utf-8")),
        canonical,
        version,
        frozenset(refs),
        files,
    )


def updated_index(fast: FastState, state_text: str, version: str | None) -> ModelIndex:
    """The index after a fast generate wrote ``state_text``."""
    files = {key: fast.records.get(key, r) for key, r in fast.index.files.items()}
    return ModelIndex(
        fast.index.fingerprint,
        time.time_ns(),
        _sha(state_text.encode("utf-8")),
        True,
        version,
        fast.index.refs,
        files,
    )
