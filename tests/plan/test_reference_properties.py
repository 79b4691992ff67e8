"""Pure planner properties of references (no database): for random graphs of
tables with references (cycles, self-references, tenant and global tables) and
random edits of them, every plan and its rollback

* replays to the new (old) schema,
* adds a key only when both tables and the target's unique key exist, and
* drops a table only when no remaining key points at it."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from buildamp.model.errors import PlanError
from buildamp.model.hints import Hints, TableHint
from buildamp.model.naming import object_name
from buildamp.model.schema import Column, Constraint, Index, IndexKey, OnDelete, Schema, Table
from buildamp.plan import ops as o
from buildamp.plan.diff import diff
from buildamp.plan.replay import replay
from buildamp.plan.replay import replay_comparable as comparable

NAMES = ("accounts", "posts", "items", "orders", "tags")
ON_DELETE: tuple[OnDelete, ...] = ("no action", "cascade", "set null", "restrict", "set default")
PURE = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

Graph = dict[str, tuple[bool, dict[str, tuple[str, OnDelete]]]]  # name -> (tenant, col -> ref)


def build(graph: Graph) -> Schema:
    """The schema the builder would make: keys, target uniques and key indexes."""
    tables: dict[str, Table] = {}
    for name, (tenant, refs) in graph.items():
        columns = [Column("id", "TEXT", True)]
        columns += [Column("host", "TEXT", True)] if tenant else []
        columns += [Column(col, "TEXT") for col in sorted(refs)]
        tables[name] = Table(name, tuple(columns), tenant=tenant)
    for name, (tenant, refs) in graph.items():
        for col, (target, on_delete) in sorted(refs.items()):
            both = tenant and graph[target][0]
            cols = ("host", col) if both else (col,)
            if both:
                unique = Constraint(
                    object_name("unique", target, ["host", "id"]), "unique", ("host", "id")
                )
                there = tables[target]
                if there.constraint(unique.name) is None:
                    tables[target] = replace(there, constraints=(*there.constraints, unique))
            key = Constraint(
                object_name("fk", name, [col]),
                "foreign_key",
                cols,
                None,
                target,
                ("host", "id") if both else ("id",),
                on_delete,
            )
            index = Index(object_name("idx", name, [col]), tuple(IndexKey(c) for c in cols))
            here = tables[name]
            tables[name] = replace(
                here, constraints=(*here.constraints, key), indexes=(*here.indexes, index)
            )
    return Schema(tuple(tables[n] for n in sorted(tables))).normalized()


@st.composite
def graphs(draw: st.DrawFn) -> Graph:
    names = draw(st.lists(st.sampled_from(NAMES), min_size=1, max_size=4, unique=True))
    graph: Graph = {}
    for name in names:
        refs = {}
        for i in range(draw(st.integers(0, 2))):
            refs[f"ref{i}_id"] = (draw(st.sampled_from(names)), draw(st.sampled_from(ON_DELETE)))
        graph[name] = (draw(st.booleans()), refs)
    return graph


@st.composite
def edits(draw: st.DrawFn) -> tuple[Graph, Graph, Hints]:
    """A graph and an edit: add / drop / retarget references, drop or rename a table."""
    old = draw(graphs())
    new = {n: (t, dict(r)) for n, (t, r) in old.items()}
    hints = Hints()
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["add", "drop", "retarget", "drop_table", "rename", "new"]))
        name = draw(st.sampled_from(sorted(new)))
        _tenant, refs = new[name]
        if kind == "add":
            refs[f"ref{len(refs) + 2}_id"] = (draw(st.sampled_from(sorted(new))), "cascade")
        elif kind == "drop" and refs:
            refs.pop(draw(st.sampled_from(sorted(refs))))
        elif kind == "retarget" and refs:
            col = draw(st.sampled_from(sorted(refs)))
            refs[col] = (draw(st.sampled_from(sorted(new))), draw(st.sampled_from(ON_DELETE)))
        elif kind == "drop_table" and len(new) > 1:
            del new[name]
            for _, other in new.values():
                for col in [c for c, (t, _) in other.items() if t == name]:
                    del other[col]  # the reference goes in the same change
        elif kind == "new":
            free = [n for n in NAMES if n not in new and n not in old]
            if free:
                new[free[0]] = (draw(st.booleans()), {"ref9_id": (name, "no action")})
        elif kind == "rename" and not hints.tables:
            free = [n for n in NAMES if n not in new and n not in old]
            if free and name in old:
                target = free[0]
                new[target] = new.pop(name)
                for _, other in new.values():
                    for col, (t, d) in list(other.items()):
                        if t == name:
                            other[col] = (target, d)
                hints = Hints(tables={target: TableHint(rename_from=name)})
    return old, new, hints


def check_order(schema: Schema, operations: list[o.Operation]) -> None:
    """Walk the plan as PostgreSQL would: keys need their tables and target unique."""
    state = schema
    for op in operations:
        if isinstance(op, o.AddConstraint) and op.constraint.kind == "foreign_key":
            key = op.constraint
            assert state.table(op.table) is not None, op
            target = state.table(key.references or "")
            assert target is not None, op
            unique = set(target.primary_key) == set(key.ref_columns) or any(
                c.kind == "unique" and c.columns == key.ref_columns for c in target.constraints
            )
            assert unique, f"{op} before the unique key of {target.name}"
        if isinstance(op, o.DropTable):
            pointing = [
                (t.name, c.name)
                for t in state.tables
                if t.name != op.table.name
                for c in t.constraints
                if c.kind == "foreign_key" and c.references == op.table.name
            ]
            assert pointing == [], f"{op.table.name} dropped while {pointing} point at it"
        if isinstance(op, o.DropConstraint) and op.constraint.kind == "unique":
            table = state.table(op.table)
            assert table is not None
            users = [
                c.name
                for t in state.tables
                for c in t.constraints
                if c.kind == "foreign_key"
                and c.references == op.table
                and c.ref_columns == op.constraint.columns
            ]
            assert users == [], f"{op.constraint.name} dropped while {users} use it"
        state = replay(state, [op])


@PURE
@given(graphs())
def test_any_graph_is_created_and_rolled_back_in_order(graph: Graph) -> None:
    schema = build(graph)
    operations = diff(Schema(), schema)
    check_order(Schema(), operations)
    assert comparable(replay(Schema(), operations)) == comparable(schema)
    back = [o.invert(op) for op in reversed(operations)]
    check_order(replay(Schema(), operations), back)
    assert replay(schema, back) == Schema()
    assert diff(schema, schema) == []


def gains_tenant_on_rename(old: Graph, new: Graph, hints: Hints) -> bool:
    """A table renamed from one without a tenant that now has one (a rename, then
    a drop and a new table of the same name): its new NOT NULL ``host`` has no
    value for the existing rows, which the planner rightly refuses."""
    return any(
        hint.rename_from in old and not old[hint.rename_from][0] and new[name][0]
        for name, hint in hints.tables.items()
        if name in new and hint.rename_from
    )


@PURE
@given(edits())
@example(
    (
        {"accounts": (False, {}), "posts": (False, {})},
        {"posts": (False, {}), "items": (True, {"ref9_id": ("posts", "no action")})},
        Hints(tables={"items": TableHint(rename_from="accounts")}),
    )
)
def test_reference_edits_replay_and_roll_back_in_order(case: tuple[Graph, Graph, Hints]) -> None:
    old_graph, new_graph, hints = case
    old, new = build(old_graph), build(new_graph)
    if gains_tenant_on_rename(old_graph, new_graph, hints):
        with pytest.raises(PlanError, match=r"\.host is NOT NULL without a default"):
            diff(old, new, hints)
        return
    operations = diff(old, new, hints)
    check_order(old, operations)
    after = replay(old, operations)
    assert comparable(after) == comparable(new)
    back = [o.invert(op) for op in reversed(operations)]
    check_order(after, back)
    assert comparable(replay(after, back)) == comparable(old)
    for op in operations:
        assert o.invert(o.invert(op)) == op
