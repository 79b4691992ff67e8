"""The generate pipeline (docs/architecture.md follows one change through it):

models -> Schema(new); snapshot -> Schema(old); ops = diff(old, new);
check replay(old, ops) == new (these in :mod:`buildamp.cli.planning`); refuse
destructive ops unless confirmed; render up and down; write migration,
rollback and snapshot atomically.
"""

from __future__ import annotations

import codecs
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

from buildamp.cache.store import CopyOf, Hashed, write_all_or_none
from buildamp.cli import incremental, model_index
from buildamp.cli.planning import Plan, plan, quick_plan
from buildamp.files.compose import (
    Layout,
    check_composed,
    compose_down,
    compose_up,
    expected_statements,
)
from buildamp.files.config import Config
from buildamp.files.migration import list_migrations, next_version, slugify
from buildamp.files.snapshot import Snapshot, dump_pieces, dumps
from buildamp.files.state_text import splice
from buildamp.files.sumfile import SUM_FILE, custom_entry, with_entries
from buildamp.model.errors import Location, PlanError
from buildamp.model.hints import Hints, field_flag, field_options
from buildamp.model.schema import Schema, Table
from buildamp.pg.extensions import needed, type_base
from buildamp.pg.sqlbits import q
from buildamp.plan import ops as o
from buildamp.plan.diff import conversions
from buildamp.plan.summary import slug_for
from buildamp.render.step import Step


@dataclass
class GenerateResult:
    """What a generate planned and, unless a dry run, wrote."""

    operations: list[o.Operation]
    version: str | None = None
    up_path: Path | None = None
    down_path: Path | None = None
    up_text: str = ""
    down_text: str = ""
    destructive: list[str] = field(default_factory=list)
    written: bool = False
    value_types: tuple[str, ...] = ()  # domain structs that are no table (``--verbose``)


def destructive_changes(old: Schema, operations: list[o.Operation], hints: Hints) -> list[str]:
    """The lines of :func:`destructive_places`."""
    return [line for line, _ in destructive_places(old, operations, hints)]


def destructive_places(
    old: Schema, operations: list[o.Operation], hints: Hints
) -> list[tuple[str, str]]:
    """Destructive operations that need --allow-destructive or a confirmation,
    each naming the model, the change and where the model is.

    Removing a column that an earlier migration marked ``deprecated`` needs no
    confirmation, unless the struct says ``confirm_destructive = true``; a field
    with ``confirm_destructive = true`` asks before any change of its type (even a
    widening or one with ``convert_sql``)."""
    found: list[tuple[str, str]] = []
    for op in operations:
        if not (o.is_destructive(op) or _field_confirms(op, hints)):
            continue
        tables = list(op.tables())
        if isinstance(op, o.AlterEnum) and op.usages:
            tables = [op.usages[0][0]]
        table_hint = hints.tables.get(tables[0]) if tables else None
        if isinstance(op, o.DropColumn) and op.column.deprecated:
            if not (table_hint and table_hint.confirm_destructive):
                continue
        where = place = ""
        if isinstance(op, o.AlterColumn):
            where = place = hints.column(op.table, op.new.name).location
        elif isinstance(op, o.AlterEnum) and op.usages:
            table, column, _ = op.usages[0]
            place = hints.column(table, column).location
            where = f"{table}.{column} at {place}"
        elif table_hint is not None:
            where = place = table_hint.location
        elif isinstance(op, o.DropTable):
            where = place = op.table.source
        model = f"{table_hint.model}: " if table_hint and table_hint.model else ""
        line = (
            f"{model}{op.describe()}"
            + (f" ({where})" if where else "")
            + _rename_guess(op, operations, hints)
        )
        found.append((line, place))
    return found


def _rename_guess(op: o.Operation, operations: list[o.Operation], hints: Hints) -> str:
    """A removed field and an added field of the same type: probably a rename."""
    if not isinstance(op, o.DropColumn):
        return ""
    for other in operations:
        if (
            isinstance(other, o.AddColumn)
            and other.table == op.table
            and other.column.type == op.column.type
        ):
            old, new = op.column.name, other.column.name
            at = hints.column(other.table, new).location
            fix = field_options(at or "", ("rename_from", old))
            return f" - did you rename {old} to {new}? add {fix}" + (f" at {at}" if at else "")
    return ""


def _with_model(line: str, op: o.Operation, hints: Hints) -> str:
    """A header line naming the model it came from: ``Field: customers.phone -
    added (Customer)``. Index lines keep ending in their table (events read it)."""
    tables = op.tables()
    model = hints.table(tables[0]).model if tables else ""
    if not model or not line.startswith(("Field:", "Table:")):
        return line
    return f"{line} ({model})"


def _extensions(config: Config, old: Schema, new: Schema) -> list[str]:
    """Configured extensions this migration is the first to need."""

    def types(schema: Schema) -> set[str]:
        return {type_base(c.type) for t in schema.tables for c in t.columns}

    return needed(config.extensions, types(old), types(new)) if config.extensions else []


def _field_confirms(op: o.Operation, hints: Hints) -> bool:
    """A type change of a field marked ``confirm_destructive = true``."""
    if not isinstance(op, o.AlterColumn) or op.old.type == op.new.type:
        return False
    return hints.column(op.table, op.new.name).confirm_destructive


def generate(
    config: Config,
    name: str | None = None,
    dry_run: bool = False,
    allow_destructive: bool = False,
    confirm: Callable[[list[str]], bool] | None = None,
    now: datetime | None = None,
    say: Callable[[str], None] | None = None,
    fast: bool = True,
    seen: model_index.Look | model_index.FullRebuild | None = None,
) -> GenerateResult:
    """``fast``: plan through the model index when it proves the rest unchanged
    (``seen``: what :func:`model_index.look` answered); ``say`` hears why a full
    rebuild ran (``--verbose``)."""
    planned = quick_plan(config, not dry_run, say, seen) if fast else plan(config)
    snapshot, models, operations = planned.snapshot, planned.models, planned.operations
    result = GenerateResult(operations, value_types=models.value_types)
    if not operations:
        return result
    places = destructive_places(snapshot.schema, operations, models.hints)
    result.destructive = [line for line, _ in places]
    if result.destructive and not allow_destructive and not dry_run:
        if confirm is None or not confirm(result.destructive):
            # the first model named; a table dropped with its file: the schema state
            first = next((place for _, place in places if place), "")
            raise PlanError(
                "destructive change refused: " + "; ".join(result.destructive),
                Location(first or str(config.display(config.state_path))),
                "re-run with --allow-destructive, or mark the field "
                f"{field_flag(first, 'deprecated')} in an earlier migration",
            )
    # each field's place names only destructive changes: dropped before the
    # index facts and the rendering allocate (200,000 entries at 10,000 models)
    models = replace(models, hints=replace(models.hints, places={}, optional={}))
    planned = replace(planned, models=models)
    existing = list_migrations(config.migrations_dir)
    version = next_version(existing)
    slug = slugify(name) if name else slugify(slug_for(operations))
    up_path = config.migrations_dir / f"{version}_{slug}.sql"
    down_path = config.rollback_dir / f"{version}_rollback.sql"
    stamp = (now or datetime.now(UTC)).replace(microsecond=0)
    # the render stack: only a generate that writes SQL needs it, never --check
    from buildamp.render.migration import RenderOptions, render_all, verify_landed

    next_schema, fast_state, scanned = planned.next_schema, planned.fast, planned.seen
    options = RenderOptions(config.is_online, config.lock_timeout, config.batch_size)
    if config.distribution == "citus":
        # Citus rendering only for distribution = "citus"
        from buildamp.render import citus

        citus.check_plan(snapshot.schema, next_schema)
        anchor = citus.colocate_with(snapshot.schema, operations)
        options = replace(options, distribution="citus", colocate_with=anchor)
    layout = Layout(
        config.lock_timeout if config.is_online else None,
        config.batch_size,
        config.batch_pause,
        any(t.rls for t in snapshot.schema.tables + next_schema.tables)
        or (fast_state is not None and fast_state.other_rls),
    )
    # Everything the models' declarations and hints are needed for, taken now:
    # they are dropped before rendering (at 10,000 models they are about 60 MB,
    # which the rendered steps and the state's text can then reuse).
    summary = [_with_model(op.describe(), op, models.hints) for op in operations]
    models_changed = sorted(
        {models.hints.table(t).model for op in operations for t in op.tables()} - {""}
    )
    converted = conversions(models.schema, models.hints) if not dry_run else ()
    facts = None if dry_run else _index_facts(config, planned)
    table_hints = Hints(tables=models.hints.tables)  # where a render error points
    del planned, models
    try:
        forward = render_all(operations, options)
        forward += verify_landed(operations, forward)
        backward = render_all([o.invert(op) for op in reversed(operations)], options)
    except PlanError as error:
        raise _at_model(error, table_hints) from None
    created = _extensions(config, snapshot.schema, next_schema)
    if created:
        forward = [Step(f"CREATE EXTENSION IF NOT EXISTS {q(name)}") for name in created] + forward
        kept = f"-- extension {', '.join(created)} is kept: other objects may use it"
        backward = [*backward, Step(kept, role="note")]
    result.version, result.up_path, result.down_path = version, up_path, down_path
    # counted before the text exists (composing raises nothing): the lists and
    # the parser this takes are not on top of the text's 14 MB at 10,000 tables
    expected = expected_statements(forward, layout, config.display(up_path))
    result.up_text = compose_up(
        config.display(up_path),
        models_changed,
        stamp.strftime("%Y-%m-%d %H:%M:%S"),
        summary,
        forward,
        backward,
        layout,
        operations,
        verify=False,
    )
    # the forward steps (12 MB of SQL at 10,000 new tables) are in the text
    # now: dropped before PostgreSQL's parser splits the text
    del forward
    check_composed(result.up_text, config.display(up_path), expected)
    result.down_text = compose_down(config.display(down_path), version, slug, backward, layout)
    del backward  # its text is in the files now: not alive while the state is encoded
    if dry_run:
        return result
    if fast_state is not None:
        converted = tuple(sorted(fast_state.other_conversions + converted))
    written_snapshot = Snapshot(
        next_schema.normalized(),
        version,
        stamp.strftime("%Y-%m-%dT%H:%M:%SZ"),
        converted,
    )
    before: str | CopyOf
    if fast_state is not None:
        old_state = fast_state.state
        assert old_state is not None  # operations: some file changed, its state was read
        changed: dict[str, Table | None] = dict.fromkeys(fast_state.old_tables)
        changed.update({t.name: t for t in written_snapshot.schema.tables})
        spliced = splice(old_state, written_snapshot, changed, fast_state.enums_text)
        if spliced is None:  # a value only the slow encoder writes: the full path
            if say is not None:
                say("full rebuild: the state needs the general JSON encoder")
            return generate(config, name, dry_run, allow_destructive, confirm, now, say, False)
        # the file the fast path read (and checked against the index) kept as
        # is: a hard link, not 35 MB written again at 10,000 tables
        pieces, before = spliced, CopyOf(config.state_path)
    else:
        pieces = dump_pieces(written_snapshot)
        before = _state_linked(config) or _state_text(config) or dumps(snapshot)
    state = Hashed(pieces)  # made, written and hashed piece by piece: never whole
    # the sum file is a record: add what this run wrote, never re-sum the disk
    written = {
        up_path.relative_to(config.migrations_dir).as_posix(): result.up_text,
        down_path.relative_to(config.migrations_dir).as_posix(): result.down_text,
    }
    for op in operations:
        if isinstance(op, o.RunSql):
            custom = config.project_dir / op.label
            if custom.is_file():
                written[custom_entry(op.label)] = custom.read_text(encoding="utf-8")
    write_all_or_none(
        {
            up_path: result.up_text,
            down_path: result.down_text,
            config.migrations_dir / SUM_FILE: with_entries(config.migrations_dir, written),
            config.state_path: state,
            # what --discard restores (local: .buildamp/.gitignore lists before/)
            config.state_path.parent / "before" / f"{version}.json": before,
        }
    )
    result.written = True
    _remember(config, fast_state, scanned, facts, state.hexdigest(), version)
    _record_verified(config, result.up_text, result.down_text)
    return result


def _record_verified(config: Config, *texts: str) -> None:
    """The files just written passed the very check ``--check`` runs on a file
    it has not seen (composing split each with ``split_statements``): recorded,
    so the next ``--check`` does not load PostgreSQL's parser to check them again."""
    # loaded on use: only a generate that wrote files needs it
    from buildamp.cli.check_memo import VerifiedFiles

    verified = VerifiedFiles(config)
    for text in texts:
        verified.add(VerifiedFiles.key(text))
    verified.save()


def _at_model(error: PlanError, hints: Hints) -> PlanError:
    """``error`` pointed at the model of the first table it names that has one."""
    if error.location is not None:
        return error
    place = next((hints.table(t).location for t in error.tables if hints.table(t).location), "")
    return PlanError(error.message, Location(place) if place else None, error.hint)


def _state_linked(config: Config) -> CopyOf | None:
    """The state file as :func:`_state_text` reads it, as a hard link made at
    the write: not its 35 MB at 10,000 tables read and decoded (70 MB, the peak
    of a full rebuild). None when the link would not hold those bytes: no
    file, not UTF-8, or a carriage return (reading text turns it into ``\\n``);
    the file is checked a slice at a time."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        with config.state_path.open("rb") as handle:
            while chunk := handle.read(_SLICE):
                if b"\r" in chunk:
                    return None
                decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except (OSError, UnicodeDecodeError):
        return None
    return CopyOf(config.state_path)


_SLICE = 1 << 20


def _state_text(config: Config) -> str | None:
    """The state file as it is on disk (what ``--discard`` restores)."""
    try:
        return config.state_path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def _index_facts(config: Config, planned: Plan) -> incremental.IndexFacts | None:
    """What the model index of a full build records of the models (None: no
    index: the fast path keeps its own, or the project cannot be indexed)."""
    if planned.fast is not None or planned.seen is None:
        return None
    return incremental.index_facts(config, planned.seen, list(planned.sources), planned.models)


def _remember(
    config: Config,
    fast: incremental.FastState | None,
    seen: incremental.Scan | None,
    facts: incremental.IndexFacts | None,
    state_sha256: str,
    version: str,
) -> None:
    """What the next command may skip: the model index (the models are in sync
    with the state just written). The parsed state is cached by the first
    command that parses it (files/snapshot_cache.py), not here: pickling every
    table cost the initial generate more than a later parse saves."""
    if fast is not None:
        model_index.save_index(config, incremental.updated_index(fast, state_sha256, version))
        return
    if seen is None or facts is None or not incremental.still_same(config, seen):
        return  # no index for the new state: the next run rebuilds in full
    model_index.save_index(config, facts.index(state_sha256, True, version))
