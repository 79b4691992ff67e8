"""Random evolutions of Elm model FILES, through the whole pipeline, on PostgreSQL.

A hypothesis state machine edits BuildAmp-style ``models/Schema/*.elm`` files the
way a user would (add or drop a record, add, drop or rename a field with
``-- @renameFrom``, toggle ``-- @unique`` / ``-- @index``), runs ``generate`` like
the CLI does, and proves every migration: up (catalog == snapshot), down
(catalog == previous snapshot), up again.

Examples: ``BUILDAMP_ELM_EVOLUTION_EXAMPLES`` (default 8).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    precondition,
    rule,
    run_state_machine_as_test,
)

from buildamp.cli.generate import generate
from buildamp.files.config import load_config
from buildamp.files.snapshot import read_snapshot
from buildamp.model.schema import Schema
from buildamp.pg.database import connect
from buildamp.plan.replay import replay_comparable
from buildamp.run.comparable import comparable
from tests.helpers import apply_sql, catalog_of

RECORDS = ("Guest", "MicroblogItem", "ItemComment")
FIELDS = (
    "title",
    "authorName",
    "viewCount",
    "rating",
    "featured",
    "notes",
    "body",
    "link",
    "deletedAt",
)
TYPES = (
    "String",
    "Int",
    "Float",
    "Bool",
    "Maybe String",
    "List String",
    "RichContent",
    "Maybe Link",
    "SoftDelete",
    "Maybe Int",
)
TAGS = ("@unique", "@index")
# A NOT NULL column added to an existing table needs a default (buildamp refuses otherwise).
DEFAULTS = {"String": "''", "Int": "0", "Float": "0", "Bool": "false", "RichContent": "'{}'"}


@dataclass
class Field:
    name: str
    type: str
    tags: list[str] = field(default_factory=list)


@dataclass
class Record:
    fields: list[Field] = field(default_factory=list)


def render(name: str, record: Record) -> str:
    lines = [f"module Schema.{name} exposing ({name})", "", "{-| " + name + " model. -}", ""]
    lines += ["import Interface.Schema exposing (..)", "", ""]
    lines += [f"type alias {name} =", "    { id : DatabaseId String", "    , host : MultiTenant"]
    for item in record.fields:
        tags = f" -- {' '.join(item.tags)}" if item.tags else ""
        lines.append(f"    , {item.name} : {item.type}{tags}")
    lines += ["    }", ""]
    return "\n".join(lines)


class ElmEvolution(RuleBasedStateMachine):
    url: str = ""

    def __init__(self) -> None:
        super().__init__()
        self.root = Path(tempfile.mkdtemp(prefix="buildamp_elm_evolution_"))
        (self.root / "buildamp.toml").write_text('models = ["models"]\ntable_names = "singular"\n')
        (self.root / "models" / "Schema").mkdir(parents=True)
        self.records: dict[str, Record] = {}
        self.previous = comparable(Schema())

    @initialize()
    def clean_database(self) -> None:
        with connect(self.url, autocommit=True) as conn:
            conn.execute("DROP SCHEMA public CASCADE")
            conn.execute("CREATE SCHEMA public")

    def teardown(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)

    # -- edits -----------------------------------------------------------------

    @rule(name=st.sampled_from(RECORDS))
    def add_record(self, name: str) -> None:
        if name not in self.records:
            self.records[name] = Record([Field("title", "String")])
            self._step()

    @precondition(lambda self: bool(self.records))
    @rule(data=st.data())
    def drop_record(self, data: st.DataObject) -> None:
        name = data.draw(st.sampled_from(sorted(self.records)))
        del self.records[name]
        self._step()

    @precondition(lambda self: bool(self.records))
    @rule(data=st.data(), type_=st.sampled_from(TYPES))
    def add_field(self, data: st.DataObject, type_: str) -> None:
        record = self.records[data.draw(st.sampled_from(sorted(self.records)))]
        free = [f for f in FIELDS if f not in {x.name for x in record.fields}]
        if not free:
            return
        if type_ == "SoftDelete" and any(f.type == "SoftDelete" for f in record.fields):
            type_ = "Maybe Int"
        default = DEFAULTS.get(type_)
        tags = [f'@default "{default}"'] if default else []
        record.fields.append(Field(data.draw(st.sampled_from(free)), type_, tags))
        self._step()

    @precondition(lambda self: any(r.fields for r in self.records.values()))
    @rule(data=st.data())
    def drop_field(self, data: st.DataObject) -> None:
        record = self._record_with_fields(data)
        record.fields.remove(data.draw(st.sampled_from(record.fields)))
        self._step()

    @precondition(lambda self: any(r.fields for r in self.records.values()))
    @rule(data=st.data())
    def rename_field(self, data: st.DataObject) -> None:
        record = self._record_with_fields(data)
        free = [f for f in FIELDS if f not in {x.name for x in record.fields}]
        if not free:
            return
        item = data.draw(st.sampled_from(record.fields))
        old, item.name = item.name, data.draw(st.sampled_from(free))
        item.tags.append(f"@renameFrom {old}")
        self._step()
        item.tags.remove(f"@renameFrom {old}")  # applied everywhere: the tag can go

    @precondition(lambda self: any(r.fields for r in self.records.values()))
    @rule(data=st.data(), tag=st.sampled_from(TAGS))
    def toggle_tag(self, data: st.DataObject, tag: str) -> None:
        record = self._record_with_fields(data)
        item = data.draw(st.sampled_from(record.fields))
        if tag in item.tags:
            item.tags.remove(tag)
        else:
            item.tags.append(tag)
        self._step()

    def _record_with_fields(self, data: st.DataObject) -> Record:
        names = sorted(n for n, r in self.records.items() if r.fields)
        return self.records[data.draw(st.sampled_from(names))]

    # -- the proof ---------------------------------------------------------------

    def _step(self) -> None:
        schema_dir = self.root / "models" / "Schema"
        shutil.rmtree(schema_dir)
        schema_dir.mkdir()
        for name, record in self.records.items():
            (schema_dir / f"{name}.elm").write_text(render(name, record))
        result = generate(load_config(self.root), allow_destructive=True)
        if not result.written:
            return
        assert result.up_path is not None and result.down_path is not None
        state = read_snapshot(self.root / ".buildamp" / "schema_state.json", "state").schema
        expected = comparable(state)
        apply_sql(self.url, result.up_path.read_text())
        assert catalog_of(self.url) == expected, "after up"
        apply_sql(self.url, result.down_path.read_text())
        assert replay_comparable(catalog_of(self.url)) == replay_comparable(self.previous), (
            "after down"
        )
        apply_sql(self.url, result.up_path.read_text())
        assert catalog_of(self.url) == expected, "after second up"
        self.previous = expected


def test_elm_model_evolutions_on_postgres(pg_url: str) -> None:
    ElmEvolution.url = pg_url
    run_state_machine_as_test(
        ElmEvolution,
        settings=settings(
            max_examples=int(os.environ.get("BUILDAMP_ELM_EVOLUTION_EXAMPLES", "8")),
            stateful_step_count=5,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
