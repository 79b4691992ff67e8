"""The plan of a ``generate`` or a ``--check``: the models and the schema state
in, the operations out; through the model index's fast path when it proves the
rest unchanged (:mod:`buildamp.cli.incremental`), else the whole pipeline.

It writes nothing but the model index, and loads no renderer or file composer:
``--check`` after an edit plans without them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from buildamp.cache.store import text_sha256
from buildamp.cli import incremental, model_index
from buildamp.cli.incremental import FastState, Scan
from buildamp.files.config import Config
from buildamp.files.snapshot import Snapshot, dump_pieces, load_snapshot
from buildamp.model.errors import Location, ModelError
from buildamp.model.schema import Schema
from buildamp.plan import ops as o
from buildamp.plan.diff import diff
from buildamp.plan.replay import next_state
from buildamp.sources.build import Models, build_models
from buildamp.sources.decl import SourceFile
from buildamp.sources.discover import read_sources


def load_models(config: Config) -> Models:
    return _load(config)[1]


def _load(config: Config, state: Schema | None = None) -> tuple[list[SourceFile], Models]:
    """The model files read and built (``state``: its tables equal to a model's
    are reused, not held twice)."""
    files = read_sources(config)
    reuse = None if state is None else {t.name: t for t in state.tables}
    return files, build_models(files, incremental.settings_for(config), reuse)


def custom_sql_loader(config: Config) -> Callable[[str], tuple[str, str | None]]:
    def load(path: str) -> tuple[str, str | None]:
        # pglast loads its C parser (~60 ms): only code that reads SQL pays for it
        import pglast

        # the directive reader: only when a custom SQL file is read
        from buildamp.files import directives

        text = (config.project_dir / path).read_text(encoding="utf-8")
        up, down = directives.split_down(text)
        for part, label in ((up, "forward"), (down or "", "rollback")):
            try:
                statements = pglast.parse_sql(part)
            except pglast.parser.ParseError as error:
                raise ModelError(
                    f"custom SQL ({label} part) does not parse: {error}", Location(path)
                ) from None
            if any(type(s.stmt).__name__ == "TransactionStmt" for s in statements):
                raise ModelError(
                    f"custom SQL ({label} part) controls the transaction (BEGIN/COMMIT)",
                    Location(path),
                    "remove it: the migration runs it inside its own transaction",
                )
        return up.strip(), (down.strip() or None) if down is not None else None

    return load


@dataclass(frozen=True)
class Plan:
    """The operations from the schema state to the models, and what they came from."""

    snapshot: Snapshot
    models: Models
    operations: list[o.Operation]
    next_schema: Schema  # what the snapshot will say after this migration
    # The fast path (cli/incremental.py): ``snapshot``, ``models`` and
    # ``next_schema`` hold only the rebuilt tables (and every enum; only theirs
    # when no enum can have changed: ``fast.enums_text``).
    fast: FastState | None = None
    # The full path: every model file's stat and hash before it was read, and
    # the files read, for the model index (none once :func:`quick_plan` found
    # nothing to generate and took the index's facts from them).
    seen: Scan | None = None
    sources: tuple[SourceFile, ...] = ()


def plan(config: Config) -> Plan:
    """The whole pipeline over every model and table."""
    snapshot = load_snapshot(config)
    sources, models = _load(config, snapshot.schema)
    applied = {(table, column): sql for table, column, sql in snapshot.conversions}
    operations = diff(
        snapshot.schema, models.schema, models.hints, custom_sql_loader(config), applied
    )
    return Plan(
        snapshot,
        models,
        operations,
        next_state(snapshot.schema, operations, models.schema),
        sources=tuple(sources),
    )


def quick_plan(
    config: Config,
    writing: bool = False,
    say: Callable[[str], None] | None = None,
    seen: model_index.Look | model_index.FullRebuild | None = None,
) -> Plan:
    """:func:`plan` at the cost of what changed when the model index proves the
    rest unchanged, else the whole pipeline (``say`` gets why). ``seen``: what
    :func:`model_index.look` already answered."""
    why = seen if isinstance(seen, model_index.FullRebuild) else None
    if why is None:
        try:
            looked = model_index.look(config, writing) if seen is None else seen
            assert not isinstance(looked, model_index.FullRebuild)  # answered above
            fast, snapshot, models, operations = incremental.fast_plan(
                config, looked, custom_sql_loader(config)
            )
        except model_index.FullRebuild as rebuild:
            why = model_index.kept(rebuild)
    if why is not None:
        if say is not None:
            say(f"full rebuild: {why}")
        scanned = incremental.scan(config)
        planned = replace(plan(config), seen=scanned)
        if not planned.operations and scanned is not None:
            facts = _in_sync_facts(config, planned, scanned)
            # nothing to generate: the declarations (40 MB at 10,000 models)
            # are dropped before the state is encoded to be hashed
            planned = replace(planned, sources=())
            if facts is not None:
                _index_in_sync(config, planned, scanned, facts)
        return planned
    # the replay self-check at full strength on every table the plan touches
    next_schema = next_state(snapshot.schema, operations, models.schema)
    return Plan(snapshot, models, operations, next_schema, fast=fast)


def _file_sha256(path: Path) -> str | None:
    """The SHA-256 of a file read a block at a time (None: unreadable)."""
    try:
        with path.open("rb") as handle:
            return hashlib.file_digest(handle, "sha256").hexdigest()
    except OSError:
        return None


def _in_sync_facts(config: Config, planned: Plan, seen: Scan) -> incremental.IndexFacts | None:
    """What the model index of a plan with no operations records of its models'
    declarations (None: no index: a file or the state changed meanwhile, or the
    project cannot be indexed)."""
    if seen.state_sha256 is None or not incremental.still_same(config, seen):
        return None
    if _file_sha256(config.state_path) != seen.state_sha256:
        return None  # the state changed while the pipeline ran
    return incremental.index_facts(config, seen, list(planned.sources), planned.models)


def _index_in_sync(
    config: Config, planned: Plan, seen: Scan, facts: incremental.IndexFacts
) -> None:
    """Record that the models and the state agree (a plan with no operations).
    The state is hashed, never held again as text (35 MB at 10,000 tables)."""
    assert seen.state_sha256 is not None  # the facts were taken: it was hashed
    # byte for byte what a write would keep of every table (so one table can be
    # spliced in): written by dumps(), and each table's source is where its
    # model is now (a moved file plans nothing, yet a full write would update
    # every source). One encode, on the full path only.
    state_sources = {t.name: t.source for t in planned.snapshot.schema.tables}
    model_sources = {t.name: t.source for t in planned.models.schema.tables}
    canonical = (
        state_sources == model_sources
        and text_sha256(dump_pieces(planned.snapshot)) == seen.state_sha256
    )
    model_index.save_index(
        config, facts.index(seen.state_sha256, canonical, planned.snapshot.version)
    )
