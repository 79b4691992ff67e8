"""The evolution state machine (tests/test_evolution_state_machine.py) with
references: random model edits now also add, drop and retarget a reference
(``parent_id``, to another table or the same one, tenant-safe or plain, with a
random on_delete), while the other edits rename, drop and switch the tables
around them. Every step is proven up, down, up on PostgreSQL."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import precondition, rule, run_state_machine_as_test

import tests.plan.test_evolution_state_machine as evo
from buildamp.model.hints import Hints
from buildamp.model.naming import object_name
from buildamp.model.schema import Column, Constraint, Index, IndexKey, OnDelete, Schema, Table
from buildamp.pg.database import connect

REF = "parent_id"
ON_DELETE: tuple[OnDelete, ...] = ("no action", "cascade", "set null", "restrict")


def strip(table: Table) -> Table:
    """``table`` without what a reference derives (the builder adds it back)."""
    constraints = tuple(
        c
        for c in table.constraints
        if c.kind != "foreign_key" and REF not in c.columns and c.columns not in (("host", "id"),)
    )
    indexes = tuple(i for i in table.indexes if all(k.expression != REF for k in i.keys))
    return replace(table, constraints=constraints, indexes=indexes)


def with_references(
    schema: Schema, refs: dict[str, tuple[str, OnDelete]]
) -> tuple[Schema, dict[str, tuple[str, OnDelete]]]:
    """What the builder makes of the models: a key, the target's unique and an index
    per reference whose two ends still exist with typed columns; the others gone."""
    tables = {t.name: strip(t) for t in schema.tables}
    kept: dict[str, tuple[str, OnDelete]] = {}
    for source, (target, on_delete) in sorted(refs.items()):
        here, there = tables.get(source), tables.get(target)
        if here is None or there is None or here.column(REF) is None:
            continue
        if here.storage != "columns" or there.storage != "columns":
            continue
        kept[source] = (target, on_delete)
        tenant = here.tenant and there.tenant
        columns = ("host", REF) if tenant else (REF,)
        if tenant and there.constraint(object_name("unique", target, ["host", "id"])) is None:
            unique = Constraint(
                object_name("unique", target, ["host", "id"]), "unique", ("host", "id")
            )
            tables[target] = replace(there, constraints=(*there.constraints, unique))
        here = tables[source]
        key = Constraint(
            object_name("fk", source, [REF]),
            "foreign_key",
            columns,
            None,
            target,
            ("host", "id") if tenant else ("id",),
            on_delete,
        )
        index = Index(object_name("idx", source, [REF]), tuple(IndexKey(c) for c in columns))
        tables[source] = replace(
            here, constraints=(*here.constraints, key), indexes=(*here.indexes, index)
        )
    ordered = tuple(evo.sort_table(tables[t.name]) for t in schema.tables)
    return replace(schema, tables=ordered), kept


class ReferenceEvolution(evo.Evolution):
    def __init__(self) -> None:
        super().__init__()
        self.refs: dict[str, tuple[str, OnDelete]] = {}

    def migrate(self, new: Schema, hints: Hints | None = None) -> None:
        hints = hints or Hints()
        renames = {h.rename_from: t for t, h in hints.tables.items() if h.rename_from}
        refs = {renames.get(s, s): (renames.get(t, t), d) for s, (t, d) in self.refs.items()}
        # a renamed table's derived names follow it: rebuild them from scratch
        new = replace(new, tables=tuple(strip(t) for t in new.tables))
        new, self.refs = with_references(new, refs)
        super().migrate(new, hints)

    @precondition(lambda self: any(t.storage == "columns" for t in self.schema.tables))
    @rule(data=st.data())
    def add_reference(self, data: st.DataObject) -> None:
        tables = self.column_tables()
        source = data.draw(
            st.sampled_from([t for t in tables if t.name not in self.refs] or tables)
        )
        target = data.draw(st.sampled_from(tables), label="target")
        self.refs[source.name] = (target.name, data.draw(st.sampled_from(ON_DELETE)))
        new = self.schema
        if source.column(REF) is None:
            new = self.replace_table(evo.with_column(source, Column(REF, "TEXT")))
        self.migrate(new)

    @precondition(lambda self: self.refs)
    @rule(data=st.data())
    def drop_reference(self, data: st.DataObject) -> None:
        del self.refs[data.draw(st.sampled_from(sorted(self.refs)))]
        self.migrate(self.schema)

    @precondition(lambda self: self.refs)
    @rule(data=st.data())
    def retarget_reference(self, data: st.DataObject) -> None:
        source = data.draw(st.sampled_from(sorted(self.refs)))
        target = data.draw(st.sampled_from(self.column_tables()), label="target")
        self.refs[source] = (target.name, data.draw(st.sampled_from(ON_DELETE)))
        self.migrate(self.schema)


@pytest.fixture
def conn(pg_url: str) -> Iterator[Any]:
    with connect(pg_url, autocommit=True) as connection:
        yield connection


def test_random_evolutions_with_references(conn: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    # parent_id is the reference's column: other edits (type changes, NOT NULL
    # fills, drops) leave it alone, and seeded rows leave it NULL.
    monkeypatch.setattr(evo, "FIXED", evo.FIXED | {REF})
    machine = type("BoundReferenceEvolution", (ReferenceEvolution,), {"conn": conn})
    examples = int(os.environ.get("BUILDAMP_REFERENCE_EXAMPLES", "40"))
    run_state_machine_as_test(machine, settings=settings(evo.profile(), max_examples=examples))
