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

import os
import time
from dataclasses import dataclass
from pathlib import Path

from buildamp.cli.model_index import (
    Conversion,
    FileRecord,
    FullRebuild,
    Look,
    ModelIndex,
    Scan,
    TableRecord,
    fingerprint,
    sha,
    signature,
)
from buildamp.files.config import Config
from buildamp.files.snapshot import Snapshot, StateText, read_head, read_tables, split_state
from buildamp.model.errors import BuildampError
from buildamp.model.hints import Hints
from buildamp.model.naming import snake_case
from buildamp.model.schema import Enum, Schema
from buildamp.plan.diff import CustomSqlLoader, conversions, diff
from buildamp.plan.ops import Operation
from buildamp.sources import decl
from buildamp.sources.build import BuildSettings, Models, Partial, build_some, value_types_of
from buildamp.sources.discover import read_changed
from buildamp.sources.references import declared
from buildamp.sources.validation import check_enum


def settings_for(config: Config) -> BuildSettings:
    """The build settings of ``config`` (what the full pipeline builds with)."""
    return BuildSettings(
        project_dir=config.project_dir,
        default_storage="jsonb" if config.storage == "jsonb" else "columns",
        tenant_isolation=config.tenant_isolation,
        table_names=config.table_names,
        distribution=config.distribution,
    )


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


# -- the fast path -------------------------------------------------------------


def fast_plan(
    config: Config, seen: Look, loader: CustomSqlLoader
) -> tuple[FastState, Snapshot, Models, list[Operation]]:
    """The plan from the changed files alone; raises :class:`FullRebuild`."""
    head = _state(config, seen.state_bytes)
    if not seen.changed:
        return _unchanged(seen.index, head)
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
        source = read_changed(path, record.display, data)
        if signature(source.aliases, source.enums, tuple(s.name for s in source.structs)) != (
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
            sha(data),
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
    for (key, (size, mtime, digest)), source, layout in zip(
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
            digest,
            source.path,
            source.aliases,
            source.enums,
            tuple(s.name for s in source.structs),
            records,
            value_types_of(source),
        )
    return ModelIndex(
        fingerprint(config),
        time.time_ns(),
        sha(state_text.encode("utf-8")),
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
        sha(state_text.encode("utf-8")),
        True,
        version,
        fast.index.refs,
        files,
    )
