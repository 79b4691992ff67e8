"""Generate and check at the cost of what changed (docs/performance.md).

When :func:`buildamp.cli.model_index.look` finds a few model files changed,
added or removed since the index of the current schema state, only their
tables are rebuilt (against the whole project's type context, kept in the
index), read from the state, diffed and replayed, and the new state is the old
text with those tables' JSON spliced in.

Whatever the fast path cannot prove equal to the full pipeline (a changed
enum, alias or struct name, an added or removed file whose types another file
declares or uses, references between tables, Python models, another state,
another buildamp) runs the full pipeline, and ``--verbose`` says
``full rebuild: <why>``. The index is an
optimisation: a missing, corrupt or foreign one is a full rebuild, writes are
atomic, and ``BUILDAMP_NO_CACHE=1`` turns it off.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from buildamp.cache.store import disabled
from buildamp.cli.index_types import (
    Conversion,
    FileTypes,
    Spans,
    TableRecord,
    pack_types,
    repack,
    signature,
    types_and_spans,
    types_of,
)
from buildamp.cli.model_index import (
    FileRecord,
    FullRebuild,
    Look,
    ModelIndex,
    fingerprint,
    sha,
)
from buildamp.files.config import Config
from buildamp.files.snapshot import Snapshot, read_head, read_head_enums, read_tables
from buildamp.files.state_text import StateText, enums_text, split_state
from buildamp.model.errors import BuildampError
from buildamp.model.hints import Hints
from buildamp.model.schema import Enum, Schema, Table
from buildamp.plan import ops as o
from buildamp.plan.diff import CustomSqlLoader, conversions, diff
from buildamp.plan.ops import Operation
from buildamp.sources import decl
from buildamp.sources.build import (
    BuildSettings,
    Models,
    Partial,
    build_some,
    value_types_of,
)
from buildamp.sources.discover import model_file_names, read_changed
from buildamp.sources.references import declared
from buildamp.sources.type_context import add_enum


def settings_for(config: Config) -> BuildSettings:
    """The build settings of ``config`` (what the full pipeline builds with)."""
    return BuildSettings(
        project_dir=config.project_dir,
        default_storage="jsonb" if config.storage == "jsonb" else "columns",
        tenant_isolation=config.tenant_isolation,
        table_names=config.table_names,
        distribution=config.distribution,
    )


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
    old_tables: tuple[str, ...]  # the tables of the changed and removed files in the state
    files: dict[str, FileRecord]  # every file's record after the change, in model order
    types: dict[str, FileTypes] | None  # every file's types after the change (None: same)
    other_conversions: tuple[Conversion, ...]  # of the tables not rebuilt
    other_rls: bool  # some table not rebuilt has row-level security
    # the state's enums as written, when no enum changed (the plan's schemas
    # then hold only the rebuilt tables' enums): spliced in, never re-encoded
    enums_text: str | None = None
    rebuilt: frozenset[str] = frozenset()  # the files rebuilt (changed or added)
    spans: Spans = ()  # of the index's types (FileTypes) as read


# -- the fast path -------------------------------------------------------------


def fast_plan(
    config: Config, seen: Look, loader: CustomSqlLoader
) -> tuple[FastState, Snapshot, Models, list[Operation]]:
    """The plan from the changed files alone; raises :class:`FullRebuild`."""
    if seen.in_sync:
        return _unchanged(seen.index)
    assert seen.state_bytes is not None  # look() reads the state when a file changed
    head = _state(config, seen.state_bytes)
    seen.state_bytes = None  # decoded: the bytes (35 MB at 10,000 tables) need not live on
    return _changed(config, seen, head, loader)


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
    fast = FastState(index, None, (), index.files, None, (), False)
    return fast, snapshot, Models(Schema(), Hints(), values), []


def _changed(
    config: Config, seen: Look, state: StateText, loader: CustomSqlLoader
) -> tuple[FastState, Snapshot, Models, list[Operation]]:
    index, (old_types, spans) = seen.index, types_and_spans(seen.index)
    sources: dict[str, decl.SourceFile] = {}
    for key, path, data, _ in seen.changed:
        record = index.files.get(key)
        display = record.display if record is not None else config.display(path)
        source = read_changed(path, display, data)
        if (
            record is not None
            and signature(source.aliases, source.enums, tuple(s.name for s in source.structs))
            != old_types[key].signature()
        ):
            raise FullRebuild(f"types defined in {display} changed (enum, alias or struct)")
        sources[key] = source
    kept = {key: old_types[key] for key in seen.keys if key not in sources}
    _check_added_and_removed(seen, sources, old_types, kept)
    context = [  # every file's types, in model order: the full build's context
        sources.get(key)
        or decl.SourceFile(index.files[key].display, (), kept[key].enums, kept[key].aliases)
        for key in seen.keys
    ]
    names = {name for t in kept.values() for name in t.structs}
    names |= {s.name for source in sources.values() for s in source.structs}
    settings = settings_for(config)
    changed = [sources[key] for key, *_ in seen.changed]
    try:
        partial = build_some(changed, context, names, settings)
    except BuildampError as error:  # the full pipeline reports errors in its own order
        raise FullRebuild(f"the changed models do not build ({error})") from None
    rebuilt = [key for key in index.files if key in sources or key in seen.removed]
    old_names = tuple(t.name for key in rebuilt for t in old_types[key].tables)
    others = {t.name: t for f in kept.values() for t in f.tables}
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
    records, new_types = _new_records(sources, partial, seen)
    files = {key: records.get(key) or index.files[key] for key in seen.keys}
    types = {key: new_types.get(key) or old_types[key] for key in seen.keys}
    display = config.display(config.state_path)
    kept_enums = enums_text(state) if _same_enum_uses(seen, old_types, new_types) else None
    if kept_enums is not None:
        # no enum can have changed: only the rebuilt tables' enums are built and
        # read from the state (both sides of the diff), the rest stay text
        enums = _enums(new_types, partial)
        head, enum_names = read_head_enums(state, display, enums)
        if tuple(enums[n] for n in sorted(enums)) != head.schema.enums:
            raise FullRebuild("an enum of a rebuilt table is not the schema state's")
        if any(name in enum_names for name in partial.tables):
            raise FullRebuild("an enum has the name of a table")
    else:
        enums = _enums(types, partial)
        if any(t.name in enums for f in types.values() for t in f.tables):
            raise FullRebuild("an enum has the name of a table")
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
    applied = {(table, column): sql for table, column, sql in head.conversions}
    operations = diff(old_schema, new_schema, partial.hints, loader, applied)
    if any(t.touch for t in others.values()):
        # the updated_at trigger function is a fact of the whole schema: a table
        # not rebuilt keeps needing it, so it is neither created nor dropped
        drop = (o.CreateTouchFunction, o.DropTouchFunction)
        operations = [op for op in operations if not isinstance(op, drop)]
    fast = FastState(
        index,
        state,
        tuple(sorted(set(old_names))),
        files,
        types,
        tuple(c for t in others.values() for c in t.conversions),
        any(t.rls for t in others.values()),
        kept_enums,
        frozenset(sources),
        spans,
    )
    values = tuple(v for r in files.values() for v in r.value_types)
    snapshot = Snapshot(old_schema, head.version, head.last_generated, head.conversions)
    return fast, snapshot, Models(new_schema, partial.hints, values), operations


def _same_enum_uses(
    seen: Look, old_types: dict[str, FileTypes], new_types: dict[str, FileTypes]
) -> bool:
    """No enum can have changed: no file added or removed, and each rebuilt
    file's tables use the enums they used, in the same order (its enums, aliases
    and structs are unchanged: checked before), so the full build's enums, made
    from every table's uses in order, are the state's."""
    if seen.removed or any(key not in seen.index.files for key in new_types):
        return False
    return all(
        [t.enums for t in new_types[key].tables] == [t.enums for t in old_types[key].tables]
        for key in new_types
    )


def _check_added_and_removed(
    seen: Look,
    sources: dict[str, decl.SourceFile],
    old_types: dict[str, FileTypes],
    kept: dict[str, FileTypes],
) -> None:
    """An added or removed file takes the fast path only when no other file can
    see it: no other file declares or uses a type it declares (so every other
    table maps as before; a moved file, removed and added, qualifies), and two
    added files declare no type alike. Its tables' references are checked with
    every rebuilt table's."""
    added = [key for key, *_ in seen.changed if key not in seen.index.files]
    if not added and not seen.removed:
        return
    present = {**kept, **{key: types_of(sources[key], ()) for key in sources}}
    for key in [*added, *seen.removed]:
        names = present[key].declares() if key in present else old_types[key].declares()
        for other_key, other in present.items():
            if other_key == key or (key in seen.removed and other_key in added):
                continue  # a removed file's names may come back in an added one
            visible = names & (other.declares() | other.uses)
            if visible:
                raise FullRebuild(
                    f"{key} (added or removed) declares {min(visible)}, "
                    f"which {other_key} declares or uses"
                )


def _new_records(
    sources: dict[str, decl.SourceFile], partial: Partial, seen: Look
) -> tuple[dict[str, FileRecord], dict[str, FileTypes]]:
    """The index entries of the rebuilt and added files."""
    schema = Schema(tuple(partial.tables.values()))
    converted = conversions(schema, partial.hints)
    records: dict[str, FileRecord] = {}
    types: dict[str, FileTypes] = {}
    for (key, _, data, stat), layout in zip(seen.changed, partial.layout, strict=True):
        records[key], types[key] = _entry(
            (stat.st_size, stat.st_mtime_ns, sha(data)),
            sources[key],
            layout,
            partial.tables,
            lambda name: tuple(c for c in converted if c[0] == name),
        )
    return records, types


def _entry(
    stamp: tuple[int, int, str],
    source: decl.SourceFile,
    layout: tuple[tuple[str, tuple[str, ...]], ...],
    tables: dict[str, Table],
    conversions_of: Callable[[str], tuple[Conversion, ...]],
) -> tuple[FileRecord, FileTypes]:
    """One model file's index entry: its stamp and what its tables need."""
    built = [(name, used) for name, used in layout if name in tables]
    size, mtime, digest = stamp
    record = FileRecord(
        size,
        mtime,
        digest,
        source.path,
        _custom_sql([tables[name] for name, _ in built]),
        value_types_of(source),
    )
    table_records = tuple(
        TableRecord(
            name,
            used,
            conversions_of(name),
            tables[name].rls,
            tables[name].touch_updated_at,
        )
        for name, used in built
    )
    return record, types_of(source, table_records)


def _custom_sql(tables: list[Table]) -> tuple[str, ...]:
    return tuple(t.custom_sql for t in tables if t.custom_sql is not None)


def _enums(types: dict[str, FileTypes], partial: Partial) -> dict[str, Enum]:
    """The schema's enums, as :func:`buildamp.sources.build.build_models` collects
    them (the same helper, the same context, the same order): each enum a table
    uses, by the key its build recorded."""
    # Each distinct key once, in the order of its last use: a key always builds
    # the same enum, and where two keys name one type the last use decides, as
    # in the full build (which adds an enum at every use).
    last_use: dict[str, None] = {}
    for file_types in types.values():
        for table in file_types.tables:
            for key in table.enums:
                last_use.pop(key, None)
                last_use[key] = None
    enums: dict[str, Enum] = {}
    known = partial.context.enums
    for key in last_use:
        if key not in known:
            raise FullRebuild(f"enum {key} is no longer declared")
        try:
            add_enum(enums, partial.hints, partial.context, key)
        except BuildampError:
            raise FullRebuild(f"enum {key} does not build") from None
    return enums


# -- the full path's index ------------------------------------------------------


@dataclass(frozen=True)
class IndexFacts:
    """What a full build's model index says of the models, taken while the
    declarations are alive: a generate drops them (tens of megabytes at 10,000
    models) before it renders and encodes the state, and writes the index after;
    a full ``--check`` with nothing to generate, before it hashes the state."""

    fingerprint: str
    refs: frozenset[str]
    files: dict[str, FileRecord]
    types: bytes

    def index(self, state_sha256: str, canonical: bool, version: str | None) -> ModelIndex:
        """The index for the state whose text has this SHA-256."""
        return ModelIndex(
            self.fingerprint,
            time.time_ns(),
            state_sha256,
            canonical,
            version,
            self.refs,
            self.files,
            self.types,
        )


def index_facts(
    config: Config, seen: Scan, sources: list[decl.SourceFile], models: Models
) -> IndexFacts | None:
    """The per-file facts of a full build's model index (None: no index for
    this build); :meth:`IndexFacts.index` makes the index for the state it is
    in sync with."""
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

    def types() -> Iterator[tuple[str, FileTypes]]:
        """Each file's types (its record into ``files``), made as they are packed."""
        for (key, (size, mtime, digest)), source, layout in zip(
            seen.files.items(), sources, models.layout, strict=True
        ):
            files[key], file_types = _entry(
                (size, mtime, digest),
                source,
                layout,
                tables,
                lambda name: tuple(by_table.get(name, ())),
            )
            yield key, file_types

    packed = pack_types(types())
    return IndexFacts(fingerprint(config), frozenset(refs), files, packed)


def updated_index(fast: FastState, state_sha256: str, version: str | None) -> ModelIndex:
    """The index after a fast generate wrote the state whose text has this SHA-256."""
    assert fast.types is not None  # a fast plan that wrote a state rebuilt some file
    return ModelIndex(
        fast.index.fingerprint,
        time.time_ns(),
        state_sha256,
        True,
        version,
        fast.index.refs,
        fast.files,
        _repacked(fast),
    )


def _repacked(fast: FastState) -> bytes:
    """The index's types after a fast plan (:func:`index_types.repack`)."""
    assert fast.types is not None
    return repack(fast.index.types, fast.spans, fast.types, fast.rebuilt)


def scan(config: Config) -> Scan | None:
    """Stat and hash every model file and the state before the full pipeline
    reads them (None: the project cannot be indexed)."""
    if disabled():
        return None
    result = Scan()
    for key, name in model_file_names(config):
        if key.endswith(".py"):
            return None
        try:
            with open(name, "rb") as handle:
                data = handle.read()
            stat = os.stat(name)
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
