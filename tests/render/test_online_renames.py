"""Steps after COMMIT run once the whole transaction did: they must name a table
by the name it has after the transaction's renames (a rollback renames a table
back, then re-creates its unique constraint concurrently)."""

from __future__ import annotations

from buildamp.model.schema import Column, Constraint, Schema, Table
from buildamp.plan import ops as o
from buildamp.plan.diff import diff
from buildamp.render.migration import RenderOptions, render_all

ONLINE = RenderOptions(online=True)


def test_post_commit_steps_use_the_renamed_table() -> None:
    old_unique = Constraint("unique_tags_name", "unique", ("name",))
    new_unique = Constraint("unique_labels_name", "unique", ("name",))
    forward: list[o.Operation] = [
        o.RenameTable("tags", "labels"),
        o.DropConstraint("labels", old_unique),
        o.AddConstraint("labels", new_unique),
    ]
    backward = [o.invert(op) for op in reversed(forward)]
    steps = render_all(backward, ONLINE)
    post = [s.sql for s in steps if s.phase == "post"]
    assert post and all(" ON tags " in sql or "TABLE tags " in sql for sql in post), post
    tx = [s.sql for s in steps if s.phase == "tx"]
    assert "ALTER TABLE labels DROP CONSTRAINT unique_labels_name" in tx
    assert all(s.op is not None for s in steps)


def test_varchar_widening_is_planned_without_convert_sql() -> None:
    def schema(column_type: str) -> Schema:
        columns = (Column("id", "TEXT", True), Column("code", column_type))
        return Schema((Table("items", columns),))

    (change,) = diff(schema("VARCHAR(50)"), schema("VARCHAR(100)"))
    assert isinstance(change, o.AlterColumn) and not o.is_destructive(change)
    (narrowing,) = diff(schema("VARCHAR(100)"), schema("VARCHAR(50)"))
    assert o.is_destructive(narrowing)


def test_a_copying_type_change_with_a_rename_back_is_refused() -> None:
    """The copy's trigger function is named after the table: created before the
    rename and dropped after it, it would not match. Refused, not half-written."""
    import pytest

    from buildamp.model.errors import PlanError

    change = o.AlterColumn("labels", Column("n", "INTEGER"), Column("n", "BIGINT"))
    forward: list[o.Operation] = [o.RenameTable("tags", "labels"), change]
    render_all(forward, ONLINE)  # forward: the rename comes first, fine
    with pytest.raises(PlanError, match="renames tags to labels"):
        render_all([o.invert(op) for op in reversed(forward)], ONLINE)
    render_all([o.invert(op) for op in reversed(forward)])  # plain: one transaction, fine
