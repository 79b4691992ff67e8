"""Every operation type through everything an operation must have: plain and
online render, describe (its header line), is_destructive, invert and replay."""

from __future__ import annotations

from dataclasses import replace

import pytest

from buildamp.model.schema import Column, Constraint, DocumentField, Enum, Index, IndexKey, Table
from buildamp.plan import ops as o
from buildamp.render.migration import RenderOptions, render_op

USERS = Table(
    "users",
    (Column("id", "TEXT", True), Column("name", "VARCHAR(50)"), Column("age", "INTEGER")),
    touch_updated_at=True,
    rls=True,
)
NOTES_JSONB = Table(
    "notes",
    (Column("id", "TEXT", True), Column("data", "JSONB", True)),
    storage="jsonb",
    document=(DocumentField("title", "TEXT"),),
)
NOTES_COLUMNS = Table("notes", (Column("id", "TEXT", True), Column("title", "TEXT")))
MOOD = Enum("mood", ("happy", "sad"))
INDEX = Index("idx_users_name", (IndexKey("name"),))
UNIQUE = Constraint("uq_users_name", "unique", ("name",))
KEY = Constraint(
    "fk_users_team_id",
    "foreign_key",
    ("host", "team_id"),
    references="teams",
    ref_columns=("host", "id"),
    on_delete="cascade",
)

SAMPLES: list[o.Operation] = [
    o.CreateEnum(MOOD),
    o.DropEnum(MOOD),
    o.AlterEnum(MOOD, replace(MOOD, values=("happy",)), (("users", "mood", None),)),
    o.AlterEnum(MOOD, replace(MOOD, values=("glad", "sad")), (), renames=(("happy", "glad"),)),
    o.CreateTable(USERS),
    o.DropTable(USERS),
    o.RenameTable("people", "users", touch_trigger=True),
    o.AddColumn("users", Column("email", "TEXT", True), backfill="'none'"),
    o.DropColumn("users", Column("age", "INTEGER")),
    o.RenameColumn("users", "full_name", "name"),
    o.AlterColumn("users", Column("name", "VARCHAR(50)"), Column("name", "TEXT", True), fill="''"),
    o.AlterColumn(
        "users",
        Column("age", "INTEGER"),
        Column("age", "INTEGER"),
        using="%s * 10",
        reverse_using="%s",
        reverse_exact=False,
    ),
    o.CreateIndex("users", INDEX),
    o.DropIndex("users", INDEX),
    o.RenameIndex("users", "idx_people_name", "idx_users_name"),
    o.AddConstraint("users", UNIQUE),
    o.DropConstraint("users", UNIQUE),
    o.RenameConstraint("users", replace(UNIQUE, name="uq_people_name"), UNIQUE),
    o.AddConstraint("users", KEY),
    o.CreateTouchFunction(),
    o.DropTouchFunction(),
    o.SetTouchTrigger("users", True),
    o.SetRowSecurity("users", True),
    o.SetTableInfo(NOTES_JSONB, replace(NOTES_JSONB, document=())),
    o.SetComment("users", None, None, "People who sign in."),
    o.SetComment("users", "name", "Full name", None),
    o.RunSql("sql/seed.sql", "SELECT 1", "SELECT 2"),
    o.Validate("users", "SELECT count(*) FROM users WHERE name IS NULL"),
    o.RenameDocumentKey("notes", "heading", "title"),
    o.FillDocumentKey("notes", "pinned", "false", value_type="BOOLEAN"),
    o.ConvertDocumentKey("notes", "count", "CAST(%s AS integer)", "CAST(%s AS text)"),
    o.ChangeStorage(NOTES_JSONB, NOTES_COLUMNS),
]


def test_samples_cover_every_operation_type() -> None:
    assert {type(op) for op in SAMPLES} == set(o.OPERATION_TYPES)
    assert len(o.OPERATION_TYPES) == len({type(op) for op in SAMPLES})


@pytest.mark.parametrize("op", SAMPLES, ids=lambda op: type(op).__name__)
def test_every_operation_renders_describes_and_inverts(op: o.Operation) -> None:
    for options in (None, RenderOptions(online=True)):
        steps = render_op(op, options)
        assert all(step.op is op for step in steps)
        assert all(step.sql.strip() for step in steps)
        for step in render_op(o.invert(op), options):
            assert step.op == o.invert(op)
    line = o.describe(op)
    assert line and ": " in line, line
    assert isinstance(o.is_destructive(op), bool)
    assert ("DESTRUCTIVE" in line) == o.is_destructive(op), line
    assert o.invert(o.invert(op)) == op
    assert isinstance(op.tables(), tuple) and isinstance(op.fields(), tuple)


def test_the_storage_switch_is_named_and_destructive() -> None:
    """A jsonb -> columns switch drops document keys: it must say so in the header."""
    switch = o.ChangeStorage(NOTES_JSONB, NOTES_COLUMNS)
    assert o.is_destructive(switch) and not o.is_destructive(o.invert(switch))
    assert o.describe(switch).startswith("Table: notes - storage jsonb -> columns (DESTRUCTIVE")
    assert switch.tables() == ("notes",)


def test_backfills_are_marked_by_role_not_text() -> None:
    online = RenderOptions(online=True)
    add = o.AddColumn("users", Column("email", "TEXT", True), backfill="'none'")
    backfills = [s for s in render_op(add, online) if s.role == "backfill"]
    # the fill, and a second pass after the NOT VALID check (rows inserted meanwhile)
    assert len(backfills) == 2 and all(b.batch_table == "users" for b in backfills)
    assert backfills[0].phase == "post"
    rename = o.RenameDocumentKey("notes", "heading", "title")
    (step,) = render_op(rename, online)
    assert step.role == "backfill" and step.batch_table == "notes" and step.phase == "post"


def test_varchar_widening_online_is_one_statement_with_its_old_type() -> None:
    """VARCHAR(50) -> VARCHAR(100) / TEXT keeps the bytes: no expand/contract copy."""
    for new_type in ("TEXT", "VARCHAR(100)"):
        op = o.AlterColumn("users", Column("name", "VARCHAR(50)"), Column("name", new_type))
        (step,) = render_op(op, RenderOptions(online=True))
        assert step.sql.endswith(f"TYPE {new_type}") and step.old_type == "VARCHAR(50)"


def test_enum_value_renames_are_not_destructive_and_invert() -> None:
    """``happy`` -> ``glad`` with a rename hint keeps every row: RENAME VALUE both
    ways, no recreate (issue 15 item 7)."""
    op = o.AlterEnum(MOOD, replace(MOOD, values=("glad", "sad")), (), renames=(("happy", "glad"),))
    assert op.additive and not o.is_destructive(op)
    (step,) = render_op(op)
    assert step.sql == "ALTER TYPE mood RENAME VALUE 'happy' TO 'glad'"
    (back,) = render_op(o.invert(op))
    assert back.sql == "ALTER TYPE mood RENAME VALUE 'glad' TO 'happy'"


def test_index_renames_replay_and_land() -> None:
    rename = o.RenameIndex("users", "idx_people_name", "idx_users_name")
    state = o.State(
        {"users": replace(USERS, indexes=(replace(INDEX, name="idx_people_name"),))}, {}
    )
    rename.apply(state)
    assert [i.name for i in state.tables["users"].indexes] == ["idx_users_name"]
    assert rename.landed() == (o.Landed("index", "users", "idx_users_name"),)
    (step,) = render_op(rename, RenderOptions(online=True))
    assert step.sql == "ALTER INDEX idx_people_name RENAME TO idx_users_name"


def test_comments_render_invert_and_replay() -> None:
    """A doc comment edit is ``COMMENT ON``; its rollback puts the old text back
    (NULL when there was none), and replay moves the schema state with it."""
    change = o.SetComment("users", "name", "Full name", "Name as they want it shown")
    (step,) = render_op(change)
    assert step.sql == "COMMENT ON COLUMN users.name IS 'Name as they want it shown'"
    (back,) = render_op(o.invert(change))
    assert back.sql == "COMMENT ON COLUMN users.name IS 'Full name'"
    (gone,) = render_op(o.SetComment("users", None, "It's ours", None))
    assert gone.sql == "COMMENT ON TABLE users IS NULL"
    (quoted,) = render_op(o.invert(o.SetComment("users", None, "It's ours", None)))
    assert quoted.sql == "COMMENT ON TABLE users IS 'It''s ours'"
    state = o.State({"users": USERS}, {})
    change.apply(state)
    o.SetComment("users", None, None, "People").apply(state)
    assert state.tables["users"].comment == "People"
    assert state.tables["users"].column("name") == Column(
        "name", "VARCHAR(50)", comment="Name as they want it shown"
    )
    assert o.describe(change) == "Field: users.name - comment changed"


def test_new_tables_and_columns_are_created_with_their_comments() -> None:
    table = replace(
        USERS,
        comment="People",
        columns=(*USERS.columns[:1], replace(USERS.columns[1], comment="Full name")),
    )
    sql = [step.sql for step in render_op(o.CreateTable(table))]
    assert sql[1:3] == [
        "COMMENT ON TABLE users IS 'People'",
        "COMMENT ON COLUMN users.name IS 'Full name'",
    ]
    for options in (None, RenderOptions(online=True)):
        add = o.AddColumn("users", Column("email", "TEXT", True, comment="Login"), backfill="'x'")
        steps = render_op(add, options)
        assert steps[0].sql.startswith("ALTER TABLE users ADD COLUMN email")
        assert steps[1].sql == "COMMENT ON COLUMN users.email IS 'Login'" and steps[1].phase == "tx"


def test_storage_switch_sets_the_new_columns_comments() -> None:
    """jsonb -> columns adds typed columns: their doc comments come with them, and
    the way back clears a comment a kept column (id) had."""
    columns = replace(
        NOTES_COLUMNS,
        columns=(
            Column("id", "TEXT", True, comment="Slug."),
            Column("title", "TEXT", comment="Shown in lists."),
        ),
    )
    sql = [step.sql for step in render_op(o.ChangeStorage(NOTES_JSONB, columns))]
    assert sql[-2:] == [
        "COMMENT ON COLUMN notes.id IS 'Slug.'",
        "COMMENT ON COLUMN notes.title IS 'Shown in lists.'",
    ]
    back = [step.sql for step in render_op(o.invert(o.ChangeStorage(NOTES_JSONB, columns)))]
    assert back[-1] == "COMMENT ON COLUMN notes.id IS NULL"
    assert not any("notes.title" in line for line in back if line.startswith("COMMENT"))
