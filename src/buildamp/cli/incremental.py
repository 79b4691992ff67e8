"""Generate and check at the cost of what changed (docs/performance.md).

When :func:`buildamp.cli.model_index.look` finds a few model files changed
since the index of the current schema state, only their tables are rebuilt
(against the whole project's type context, kept in the index), read from the
state, diffed and replayed, and the new state is the old text with those
tables' JSON spliced in.

Whatever the fast path cannot prove equal to the full pipeline (added or
removed files, a changed enum, alias or struct name, references between
tables, Python models, another state, another buildamp) runs the full
pipeline, and ``--verbose`` says ``full rebuild: <why>``. The index is an
optimisation: a missing, corrupt or foreign one is a full rebuild, writes are
atomic, and ``BUILDAMP_NO_CACHE=1`` turns it off.
"""

from __future__ import annotations

import contextlib
import io
import os
import pickle
import time
from dataclasses import dataclass, field
from pathlib import Path

from buildamp.cache.store import disabled, load_restricted
from buildamp.cli.model_index import (
    FileRecord,
    FullRebuild,
    Look,
    ModelIndex,
    fingerprint,
    keys_of,
    sha,
)
from buildamp.files.config import Config
from buildamp.files.snapshot import Snapshot, StateText, read_head, read_tables, split_state
from buildamp.model.errors import BuildampError, Location
from buildamp.model.hints import Hints
from buildamp.model.schema import Enum, Schema, Table
from buildamp.plan.diff import CustomSqlLoader, conversions, diff
from buildamp.plan.ops import Operation
from buildamp.sources import decl
from buildamp.sources.build import (
    BuildSettings,
    Models,
    Partial,
    add_enum,
    build_some,
    value_types_of,
)
from buildamp.sources.discover import model_files, read_changed
from buildamp.sources.references import declared


def settings_for(config: Config) -> BuildSettings:
    """The build settings of ``config`` (what the full pipeline builds with)."""
    return BuildSettings(
        project_dir=config.project_dir,
        default_storage="jsonb" if config.storage == "jsonb" else "columns",
        tenant_isolation=config.tenant_isolation,
        table_names=config.table_names,
        distribution=config.distribution,
    )


# -- what the index keeps for a fast plan ----------------------------------------

Conversion = tuple[str, str, str]


@dataclass(frozen=True)
class TableRecord:
    name: str
    enums: tuple[str, ...]  # enum declarations its columns use
    conversions: tuple[Conversion, ...]  # what the state records for it
    rls: bool


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


def signature(
    aliases: tuple[decl.AliasDecl, ...], enums: tuple[decl.EnumDecl, ...], structs: tuple[str, ...]
) -> tuple[object, ...]:
    return (
        tuple(sorted((a.name, repr(a.target)) for a in aliases)),
        tuple(
            sorted(
                (
                    e.name,
                    e.variants,
                    e.unit_only,
                    e.renames,
                    repr([(o.key, o.value) for o in e.options]),  # enum_name
                )
                for e in enums
            )
        ),
        tuple(sorted(structs)),
    )


def file_types(index: ModelIndex) -> dict[str, FileTypes]:
    """Every file's :class:`FileTypes` (raises :class:`FullRebuild` when unreadable)."""
    allowed = (
        FileTypes,
        TableRecord,
        decl.AliasDecl,
        decl.EnumDecl,
        decl.OptionDecl,
        decl.TypeRef,
        Location,
    )
    try:
        found = load_restricted(io.BytesIO(index.types), allowed)
    except Exception:  # truncated, planted or from other code: a miss
        raise FullRebuild("the model index is unreadable") from None
    if not isinstance(found, dict) or list(found) != list(index.files):
        raise FullRebuild("the model index is unreadable")
    if not all(isinstance(t, FileTypes) for t in found.values()):
        raise FullRebuild("the model index is unreadable")
    return found


def pack_types(types: dict[str, FileTypes]) -> bytes:
    return pickle.dumps(types, protocol=pickle.HIGHEST_PROTOCOL)


@dataclass
class Scan:
    """Every model file's stat and hash as seen before reading it."""

    files: dict[str, tuple[int, int, str]] = field(default_factory=dict)
    state_sha256: str | None = None


# -- what the fast path hands to generate ------------------------------------


@dataclass
class FastState:
    """The parts of the whole project a fast plan did not rebuild."""

    index: ModelIndex
    state: StateText | None  # None: nothing changed (nothing to splice)
    old_tables: tuple[str, ...]  # the changed files' tables in the state
    records: dict[str, FileRecord]  # the changed files' new records
    types: dict[str, FileTypes] | None  # every file's types after the change
    other_conversions: tuple[Conversion, ...]  # of the tables not rebuilt
    other_rls: bool  # some table not rebuilt has row-level security


# -- the fast path -------------------------------------------------------------


def fast_plan(
    config: Config, seen: Look, loader: CustomSqlLoader
) -> tuple[FastState, Snapshot, Models, list[Operation]]:
    """The plan from the changed files alone; raises :class:`FullRebuild`."""
    if not seen.changed:
        return _unchanged(seen.index)
    assert seen.state_bytes is not None  # look() reads the state when a file changed
    head = _state(config, seen.state_bytes)
    return _changed(config, seen.index, head, seen.changed, loader)


def _state(config: Config, data: bytes) -> StateText:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise FullRebuild("the schema state is not UTF-8") from None
    state = split_state(text)
    if state is None:
        raise FullRebuild("the schema state is not in the shape buildamp writes")
    return state


def _unchanged(index: ModelIndex) -> tuple[FastState, Snapshot, Models, list[Operation]]:
    values = tuple(v for r in index.files.values() for v in r.value_types)
    snapshot = Snapshot(Schema(), index.version)
    fast = FastState(index, None, (), {}, None, (), False)
    return fast, snapshot, Models(Schema(), Hints(), values), []


def _changed(
    config: Config,
    index: ModelIndex,
    state: StateText,
    changed: list[tuple[str, Path, bytes, os.stat_result]],
    loader: CustomSqlLoader,
) -> tuple[FastState, Snapshot, Models, list[Operation]]:
    types = file_types(index)
    sources: dict[str, decl.SourceFile] = {}
    for key, path, data, _ in changed:
        display = index.files[key].display
        source = read_changed(config, path, display, data)
        if signature(source.aliases, source.enums, tuple(s.name for s in source.structs)) != (
            types[key].signature()
        ):
            raise FullRebuild(f"types defined in {display} changed (enum, alias or struct)")
        sources[key] = source
    context = [
        sources.get(key) or decl.SourceFile(r.display, (), types[key].enums, types[key].aliases)
        for key, r in index.files.items()
    ]
    names = {name for t in types.values() for name in t.structs}
    settings = settings_for(config)
    try:
        partial = build_some([sources[k] for k, *_ in changed], context, names, settings)
    except BuildampError as error:  # the full pipeline reports errors in its own order
        raise FullRebuild(f"the changed models do not build ({error})") from None
    old_names = tuple(t.name for key, *_ in changed for t in types[key].tables)
    others = {t.name: t for key, f in types.items() if key not in sources for t in f.tables}
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
    records, new_types = _new_records(index, sources, partial, changed)
    types = {key: new_types.get(key, t) for key, t in types.items()}
    enums = _enums(types, partial)
    if any(t.name in enums for f in types.values() for t in f.tables):
        raise FullRebuild("an enum has the name of a table")
    display = config.display(config.state_path)
    head = read_head(state, display)
    for enum in head.schema.enums:
        new = enums.get(enum.name)
        if new is not None and new.values != enum.values:
            raise FullRebuild(f"enum {enum.name} changes values (its columns span tables)")
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
        types,
        tuple(c for t in others.values() for c in t.conversions),
        any(t.rls for t in others.values()),
    )
    values = tuple(v for key, r in index.files.items() for v in records.get(key, r).value_types)
    snapshot = Snapshot(old_schema, head.version, head.last_generated, head.conversions)
    return fast, snapshot, Models(new_schema, partial.hints, values), operations


def _new_records(
    index: ModelIndex,
    sources: dict[str, decl.SourceFile],
    partial: Partial,
    changed: list[tuple[str, Path, bytes, os.stat_result]],
) -> tuple[dict[str, FileRecord], dict[str, FileTypes]]:
    """The index entries of the rebuilt files."""
    schema = Schema(tuple(partial.tables.values()))
    converted = conversions(schema, partial.hints)
    records: dict[str, FileRecord] = {}
    types: dict[str, FileTypes] = {}
    for (key, _, data, stat), layout in zip(changed, partial.layout, strict=True):
        source = sources[key]
        tables = [partial.tables[name] for name, _ in layout]
        records[key] = FileRecord(
            stat.st_size,
            stat.st_mtime_ns,
            sha(data),
            index.files[key].display,
            _custom_sql(tables),
            value_types_of(source),
        )
        types[key] = FileTypes(
            source.aliases,
            source.enums,
            tuple(s.name for s in source.structs),
            tuple(
                TableRecord(
                    name,
                    used,
                    tuple(c for c in converted if c[0] == name),
                    partial.tables[name].rls,
                )
                for name, used in layout
            ),
        )
    return records, types


def _custom_sql(tables: list[Table]) -> tuple[str, ...]:
    return tuple(t.custom_sql for t in tables if t.custom_sql is not None)


def _enums(types: dict[str, FileTypes], partial: Partial) -> dict[str, Enum]:
    """The schema's enums, as :func:`buildamp.sources.build.build_models` collects
    them (the same helper, the same context, the same order): each enum a table
    uses, by the key its build recorded."""
    enums: dict[str, Enum] = {}
    known = partial.context.enums
    for file_types in types.values():
        for table in file_types.tables:
            for key in table.enums:
                if key not in known:
                    raise FullRebuild(f"enum {key} is no longer declared")
                try:
                    add_enum(enums, partial.hints, partial.context, key)
                except BuildampError:
                    raise FullRebuild(f"enum {key} does not build") from None
    return enums


# -- the full path's index ------------------------------------------------------


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
    types: dict[str, FileTypes] = {}
    for (key, (size, mtime, digest)), source, layout in zip(
        seen.files.items(), sources, models.layout, strict=True
    ):
        built = [tables[name] for name, _ in layout if name in tables]
        files[key] = FileRecord(
            size, mtime, digest, source.path, _custom_sql(built), value_types_of(source)
        )
        types[key] = FileTypes(
            source.aliases,
            source.enums,
            tuple(s.name for s in source.structs),
            tuple(
                TableRecord(name, used, tuple(by_table.get(name, ())), tables[name].rls)
                for name, used in layout
                if name in tables
            ),
        )
    return ModelIndex(
        fingerprint(config),
        time.time_ns(),
        sha(state_text.encode("utf-8")),
        canonical,
        version,
        frozenset(refs),
        files,
        pack_types(types),
    )


def updated_index(fast: FastState, state_text: str, version: str | None) -> ModelIndex:
    """The index after a fast generate wrote ``state_text``."""
    assert fast.types is not None  # a fast plan that wrote a state rebuilt some file
    files = {key: fast.records.get(key, r) for key, r in fast.index.files.items()}
    return ModelIndex(
        fast.index.fingerprint,
        time.time_ns(),
        sha(state_text.encode("utf-8")),
        True,
        version,
        fast.index.refs,
        files,
        pack_types(fast.types),
    )


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
