"""Property and table-driven tests of the pure planner: diff, invert, replay, snapshot.

No database. Random valid schemas (built the way the model readers build them:
canonical types, catalog-normalised defaults, ``naming.object_name`` names) and
random *edits* of them check the invariants DESIGN.md section 10 relies on:
an unchanged model plans nothing, ``invert`` is an involution, replaying a plan
and then its rollback gives back the old schema, and the snapshot file is an
exact, deterministic serialisation.
"""

from __future__ import annotations

import typing
from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from buildamp.files.snapshot import Snapshot, dumps, loads
from buildamp.model.errors import PlanError
from buildamp.model.hints import ColumnHint, Hints, TableHint
from buildamp.model.naming import object_name
from buildamp.model.schema import (
    Column,
    Constraint,
    DocumentField,
    Enum,
    Index,
    IndexKey,
    Schema,
    Table,
)
from buildamp.pg.sqltext import normalize_default, normalize_expression
from buildamp.plan import ops as o
from buildamp.plan.diff import diff
from buildamp.plan.replay import next_state, replay, replay_comparable
from tests.schema_values import COLUMN_TYPES, DOCUMENT_TYPES, RAW_DEFAULTS

ENUM = Enum("status", ("active", "paused", "archived"))
TABLE_NAMES = ("accounts", "posts", "items", "orders")
COLUMN_NAMES = ("title", "body", "amount", "quantity", "enabled", "ratio", "total", "seen_at")
PURE = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def default_for(type_name: str, raw: str) -> str:
    """A default spelled exactly as the catalog reads it back."""
    return normalize_default(raw, type_name)


def base_columns(tenant: bool) -> list[Column]:
    cols = [Column("id", "TEXT", True)]
    if tenant:
        cols.append(Column("host", "TEXT", True))
    return cols


def stamp_columns() -> list[Column]:
    now = default_for("TIMESTAMPTZ", "now()")
    return [
        Column("created_at", "TIMESTAMPTZ", True, now),
        Column("updated_at", "TIMESTAMPTZ", True, now),
    ]


def unique_for(table: str, column: str, tenant: bool) -> Constraint:
    columns = ("host", column) if tenant else (column,)
    return Constraint(object_name("unique", table, [column]), "unique", columns)


def index_for(table: str, keys: tuple[IndexKey, ...], unique: bool = False) -> Index:
    parts = [k.expression if k.is_column else "expr_" + k.expression for k in keys]
    prefix = "uidx" if unique else "idx"
    return Index(
        object_name(prefix, table, parts + (["desc"] if keys[-1].descending else [])), keys, unique
    )


def jsonb_table(name: str, tenant: bool, fields: tuple[DocumentField, ...]) -> Table:
    now = default_for("TIMESTAMPTZ", "now()")
    cols = [Column("id", "TEXT", True), Column("data", "JSONB", True)]
    if tenant:
        cols.append(Column("host", "TEXT", True))
    cols += [
        Column("created_at", "TIMESTAMPTZ", True, now),
        Column("updated_at", "TIMESTAMPTZ", True, now),
    ]
    return Table(
        name, tuple(cols), storage="jsonb", tenant=tenant, touch_updated_at=True, document=fields
    )


COMMENTS = (None, None, "Shown in lists.", "It's\nmultiline")


@st.composite
def extra_column(draw: st.DrawFn, name: str) -> Column:
    type_name = draw(st.sampled_from(COLUMN_TYPES))
    default = None
    if draw(st.booleans()):
        default = default_for(type_name, draw(st.sampled_from(RAW_DEFAULTS[type_name])))
    comment = draw(st.sampled_from(COMMENTS))
    return Column(name, type_name, draw(st.booleans()), default, comment=comment)


@st.composite
def columns_table(draw: st.DrawFn, name: str) -> Table:
    tenant = draw(st.sampled_from((True, True, True, False)))
    names = draw(st.lists(st.sampled_from(COLUMN_NAMES), min_size=1, max_size=6, unique=True))
    extras = [draw(extra_column(n)) for n in names]
    columns = (*base_columns(tenant), *extras, *stamp_columns())
    indexes: dict[str, Index] = {}
    for _ in range(draw(st.integers(0, 3))):
        chosen = draw(st.lists(st.sampled_from(names), min_size=1, max_size=2, unique=True))
        keys = tuple(IndexKey(c, draw(st.booleans())) for c in chosen)
        if tenant and draw(st.booleans()):
            keys = (IndexKey("host"), *keys)
        index = index_for(name, keys, unique=draw(st.booleans()))
        indexes[index.name] = index
    texts = [c.name for c in extras if c.type == "TEXT"]
    if draw(st.booleans()) and texts:
        keys = (IndexKey(normalize_expression(f"lower({texts[0]})"), draw(st.booleans()), False),)
        index = Index(object_name("idx", name, [texts[0], "lower"]), keys)
        indexes[index.name] = index
    constraints = {
        c.name: c
        for c in (
            unique_for(name, col, tenant)
            for col in draw(st.lists(st.sampled_from(names), max_size=2, unique=True))
        )
    }
    return Table(
        name,
        columns,
        indexes=tuple(indexes.values()),
        constraints=tuple(constraints.values()),
        tenant=tenant,
        touch_updated_at=True,
        comment=draw(st.sampled_from(COMMENTS)),
    )


@st.composite
def document_table(draw: st.DrawFn, name: str) -> Table:
    names = draw(st.lists(st.sampled_from(COLUMN_NAMES), min_size=1, max_size=4, unique=True))
    fields = tuple(DocumentField(n, draw(st.sampled_from(DOCUMENT_TYPES))) for n in sorted(names))
    table = jsonb_table(name, draw(st.booleans()), fields)
    indexed = draw(st.lists(st.sampled_from(names), max_size=2, unique=True))
    indexes = tuple(
        Index(
            object_name("idx", name, [n]),
            (IndexKey(normalize_expression(f"(data ->> '{n}')"), draw(st.booleans()), False),),
        )
        for n in indexed
    )
    return replace(table, indexes=indexes)


@st.composite
def schemas(draw: st.DrawFn) -> Schema:
    """1-4 tables, mostly typed columns, sometimes one JSONB document."""
    names = draw(st.lists(st.sampled_from(TABLE_NAMES), min_size=1, max_size=4, unique=True))
    tables = [
        draw(document_table(n) if draw(st.integers(0, 4)) == 0 else columns_table(n)) for n in names
    ]
    uses_enum = any(c.type == ENUM.name for t in tables for c in t.columns)
    enums = (ENUM,) if uses_enum or draw(st.booleans()) else ()
    return Schema(tuple(_sorted(t) for t in tables), enums)


def _sorted(table: Table) -> Table:
    """The models' convention: everything but columns sorted by name."""
    return replace(
        table,
        indexes=tuple(sorted(table.indexes, key=lambda i: i.name)),
        constraints=tuple(sorted(table.constraints, key=lambda c: c.name)),
        document=tuple(sorted(table.document, key=lambda d: d.name)),
    )


# -- edits: b is a model change of a, with the hints a model would carry ----------------


def _swap(schema: Schema, table: Table) -> Schema:
    return replace(
        schema, tables=tuple(table if t.name == table.name else t for t in schema.tables)
    )


def _extras(table: Table) -> list[Column]:
    fixed = {"id", "host", "created_at", "updated_at", "data"}
    return [c for c in table.columns if c.name not in fixed]


def _without_column(table: Table, name: str) -> Table:
    """The model drops a field: its indexes and unique constraints go with it."""
    return replace(
        table,
        columns=tuple(c for c in table.columns if c.name != name),
        indexes=tuple(
            i
            for i in table.indexes
            if not any(k.expression == name or name in k.expression for k in i.keys)
        ),
        constraints=tuple(c for c in table.constraints if name not in c.columns),
    )


def _with_column(table: Table, column: Column) -> Table:
    columns = list(table.columns)
    columns.insert(len(columns) - 2, column)  # before created_at/updated_at, like a model
    return replace(table, columns=tuple(columns))


@st.composite
def edited(draw: st.DrawFn) -> tuple[Schema, Schema, Hints]:
    """(a, b, hints): b is one random model edit of a."""
    a = draw(schemas())
    tables = [t for t in a.tables if t.storage == "columns"]
    kinds: list[str] = []
    if tables:
        kinds += [
            "add_column",
            "drop_column",
            "nullability",
            "default",
            "add_index",
            "drop_index",
            "add_unique",
            "drop_unique",
            "rename_column",
            "widen",
            "comment",
            "table_comment",
        ]
    if a.enum(ENUM.name):
        kinds.append("enum_value")
    kinds += ["add_table", "drop_table"]
    kind = draw(st.sampled_from(kinds))
    hints = Hints()
    if kind == "add_table":
        free = [n for n in (*TABLE_NAMES, "events") if a.table(n) is None]
        new = draw(columns_table(draw(st.sampled_from(free))))
        enums = a.enums if a.enums else (ENUM,)
        return a, replace(a, tables=(*a.tables, new), enums=enums), hints
    if kind == "drop_table":
        gone = draw(st.sampled_from(a.tables))
        return a, replace(a, tables=tuple(t for t in a.tables if t is not gone)), hints
    if kind == "enum_value":
        grown = Enum(ENUM.name, (*ENUM.values, draw(st.sampled_from(["closed", "draft"]))))
        return a, replace(a, enums=(grown,)), hints
    table = draw(st.sampled_from(tables))
    extras = _extras(table)
    if kind == "add_column":
        free = [n for n in (*COLUMN_NAMES, "extra") if table.column(n) is None]
        column = draw(extra_column(draw(st.sampled_from(free))))
        if column.not_null and column.default is None:
            column = replace(column, not_null=False)
        b = _swap(a, _with_column(table, column))
        if column.type == ENUM.name and not a.enums:
            b = replace(b, enums=(ENUM,))
        return a, b, hints
    if kind == "drop_column":
        return a, _swap(a, _without_column(table, draw(st.sampled_from(extras)).name)), hints
    if kind == "rename_column":
        column = draw(st.sampled_from(extras))
        renamed = replace(_without_column(table, column.name), columns=table.columns)
        renamed = replace(
            renamed,
            columns=tuple(
                replace(c, name=c.name + "_v2") if c.name == column.name else c
                for c in table.columns
            ),
        )
        hints = Hints(
            columns={(table.name, column.name + "_v2"): ColumnHint(rename_from=column.name)}
        )
        return a, _swap(a, renamed), hints
    if kind == "add_index":
        column = draw(st.sampled_from(extras))
        index = index_for(table.name, (IndexKey(column.name, draw(st.booleans())),))
        if table.index(index.name) is not None:
            return a, a, hints
        return a, _swap(a, replace(table, indexes=(*table.indexes, index))), hints
    if kind == "drop_index":
        kept = table.indexes[1:] if table.indexes else ()
        return a, _swap(a, replace(table, indexes=kept)), hints
    if kind == "add_unique":
        constraint = unique_for(table.name, draw(st.sampled_from(extras)).name, table.tenant)
        if table.constraint(constraint.name) is not None:
            return a, a, hints
        return a, _swap(a, replace(table, constraints=(*table.constraints, constraint))), hints
    if kind == "drop_unique":
        kept_c = table.constraints[1:] if table.constraints else ()
        return a, _swap(a, replace(table, constraints=kept_c)), hints
    if kind == "table_comment":
        return a, _swap(a, replace(table, comment=draw(st.sampled_from(COMMENTS)))), hints
    column = draw(st.sampled_from(extras))
    if kind == "comment":
        changed = replace(column, comment=draw(st.sampled_from(COMMENTS)))
    elif kind == "widen":
        if column.type != "INTEGER":
            return a, a, hints
        changed = replace(column, type="BIGINT")
    elif kind == "nullability":
        changed = replace(column, not_null=not column.not_null)
        if changed.not_null and changed.default is None:
            raw = draw(st.sampled_from(RAW_DEFAULTS[column.type]))
            changed = replace(changed, default=default_for(column.type, raw))
    else:  # default
        options: list[str | None] = [default_for(column.type, r) for r in RAW_DEFAULTS[column.type]]
        if not column.not_null:
            options.append(None)
        changed = replace(column, default=draw(st.sampled_from(options)))
    table = replace(
        table, columns=tuple(changed if c.name == column.name else c for c in table.columns)
    )
    return a, _swap(a, table), hints


# -- properties ---------------------------------------------------------------------------


@PURE
@given(schemas())
def test_unchanged_schema_plans_nothing(schema: Schema) -> None:
    """A model that did not change must never produce a migration."""
    assert diff(schema, schema) == []
    reread = loads(dumps(Snapshot(schema))).schema
    assert diff(reread, schema) == []
    assert diff(schema, reread) == []


@PURE
@given(schemas())
def test_snapshot_round_trip_is_exact_and_deterministic(schema: Schema) -> None:
    """The snapshot is the old side of the next diff: any loss there is a bogus migration."""
    snapshot = Snapshot(schema, "007", "2024-12-04T10:30:15Z")
    text = dumps(snapshot)
    back = loads(text)
    assert back.schema == schema.normalized()
    assert (back.version, back.last_generated) == ("007", "2024-12-04T10:30:15Z")
    assert dumps(back) == text
    shuffled = replace(
        schema,
        tables=tuple(
            replace(t, indexes=t.indexes[::-1], constraints=t.constraints[::-1])
            for t in reversed(schema.tables)
        ),
    )
    assert dumps(Snapshot(shuffled, "007", "2024-12-04T10:30:15Z")).encode() == text.encode()


@PURE
@given(edited())
def test_edit_plans_replay_and_roll_back(case: tuple[Schema, Schema, Hints]) -> None:
    """What generate checks before writing (next_state) plus what the rollback file
    relies on: replaying the inverted plan restores the old schema."""
    a, b, hints = case
    ops = diff(a, b, hints)
    next_state(a, ops, b)
    for op in ops:
        assert o.invert(o.invert(op)) == op
    forward = replay(a, ops)
    back = replay(forward, [o.invert(op) for op in reversed(ops)])
    assert replay_comparable(back) == replay_comparable(a)
    assert diff(b, b) == []


# -- invert: one instance of every operation type ------------------------------------------

_T = Table("posts", (Column("id", "TEXT", True), Column("title", "TEXT")))
_DOC = replace(_T, storage="jsonb", document=(DocumentField("title", "TEXT"),))
ALL_OPS: list[o.Operation] = [
    o.CreateEnum(ENUM),
    o.DropEnum(ENUM),
    o.AlterEnum(ENUM, Enum("status", ("active",)), (("posts", "state", "'active'"),)),
    o.CreateTable(_T),
    o.DropTable(_T),
    o.RenameTable("posts", "articles", touch_trigger=True),
    o.AddColumn("posts", Column("n", "INTEGER", True), "0"),
    o.DropColumn("posts", Column("n", "INTEGER"), None),
    o.RenameColumn("posts", "title", "heading"),
    o.AlterColumn(
        "posts",
        Column("n", "INTEGER"),
        Column("n", "TEXT", True, "'x'"),
        "CAST(%s AS TEXT)",
        "%s::integer",
        "'x'",
    ),
    o.CreateIndex("posts", Index("idx_posts_title", (IndexKey("title", True),))),
    o.DropIndex("posts", Index("idx_posts_lower", (IndexKey("lower(title)", False, False),))),
    o.RenameIndex("posts", "idx_articles_title", "idx_posts_title"),
    o.AddConstraint("posts", Constraint("unique_posts_title", "unique", ("host", "title"))),
    o.DropConstraint("posts", Constraint("chk_posts_n", "check", (), "n > 0")),
    o.RenameConstraint(
        "posts",
        Constraint("unique_items_host_id", "unique", ("host", "id")),
        Constraint("unique_posts_host_id", "unique", ("host", "id")),
    ),
    o.CreateTouchFunction(),
    o.DropTouchFunction(),
    o.SetTouchTrigger("posts", True),
    o.SetRowSecurity("posts", False),
    o.SetTableInfo(_T, replace(_T, validate="SELECT 0")),
    o.SetComment("posts", "title", None, "Shown in lists"),
    o.RunSql("custom/posts.sql", "SELECT 1", None),
    o.Validate("posts", "SELECT count(*) FROM posts WHERE title IS NULL"),
    o.RenameDocumentKey("posts", "title", "heading"),
    o.FillDocumentKey("posts", "pinned", "FALSE", value_type="BOOLEAN"),
    o.ConvertDocumentKey("posts", "n", "CAST(%s AS BIGINT)", "CAST(%s AS TEXT)"),
    o.ChangeStorage(_T, _DOC),
]


def test_invert_table_covers_every_operation_type() -> None:
    """A new operation type must be added to ALL_OPS (and so get an invert test)."""
    assert {type(op) for op in ALL_OPS} == set(typing.get_args(o.Operation))


@pytest.mark.parametrize("op", ALL_OPS, ids=lambda op: type(op).__name__)
def test_invert_is_an_involution(op: o.Operation) -> None:
    """The rollback is derived by invert; a lossy invert means a wrong rollback file."""
    inverse = o.invert(op)
    assert o.invert(inverse) == op
    if not isinstance(op, o.CreateTouchFunction | o.DropTouchFunction):
        assert inverse != op


# -- table-driven diff unit tests ------------------------------------------------------------

NOW = default_for("TIMESTAMPTZ", "now()")


def _posts(
    *extra: Column, indexes: tuple[Index, ...] = (), constraints: tuple[Constraint, ...] = ()
) -> Table:
    return Table(
        "posts",
        (*base_columns(True), *extra, *stamp_columns()),
        indexes=indexes,
        constraints=constraints,
        touch_updated_at=True,
    )


def _s(*tables: Table, enums: tuple[Enum, ...] = ()) -> Schema:
    return Schema(tables, enums)


TITLE = Column("title", "TEXT", True)
COUNT = Column("count", "INTEGER")
DESC_INDEX = Index("idx_posts_recent", (IndexKey("host"), IndexKey("created_at", True)))
EXPR_INDEX = Index(
    "idx_posts_title_lower", (IndexKey(normalize_expression("lower(title)"), True, False),)
)
UNIQUE_TITLE = unique_for("posts", "title", True)
RENAME_HINT = Hints(columns={("posts", "heading"): ColumnHint(rename_from="title")})
TABLE_RENAME = Hints(tables={"articles": TableHint(rename_from="posts")})
CONVERT = Hints(columns={("posts", "count"): ColumnHint(convert_sql="CAST(%s AS TEXT)")})
BACKFILL = Hints(columns={("posts", "n"): ColumnHint(backfill="0")})
SHORT = Enum("status", ("active", "paused"))
LONG = Enum("status", ("active", "paused", "closed"))

DIFF_CASES: list[tuple[str, Schema, Schema, Hints, list[type]]] = [
    ("create table", _s(), _s(_posts(TITLE)), Hints(), [o.CreateTouchFunction, o.CreateTable]),
    ("drop table", _s(_posts(TITLE)), _s(), Hints(), [o.DropTable, o.DropTouchFunction]),
    (
        "rename table via hint",
        _s(_posts(TITLE)),
        _s(replace(_posts(TITLE), name="articles")),
        TABLE_RENAME,
        [o.RenameTable],
    ),
    ("add nullable column", _s(_posts(TITLE)), _s(_posts(TITLE, COUNT)), Hints(), [o.AddColumn]),
    (
        "add NOT NULL column with backfill",
        _s(_posts(TITLE)),
        _s(_posts(TITLE, Column("n", "INTEGER", True))),
        BACKFILL,
        [o.AddColumn],
    ),
    ("drop column", _s(_posts(TITLE, COUNT)), _s(_posts(TITLE)), Hints(), [o.DropColumn]),
    (
        "rename column via hint",
        _s(_posts(TITLE)),
        _s(_posts(replace(TITLE, name="heading"))),
        RENAME_HINT,
        [o.RenameColumn],
    ),
    (
        "rename without hint is drop + add",
        _s(_posts(COUNT)),
        _s(_posts(replace(COUNT, name="total"))),
        Hints(),
        [o.AddColumn, o.DropColumn],
    ),
    (
        "widen INTEGER -> BIGINT needs no hint",
        _s(_posts(COUNT)),
        _s(_posts(replace(COUNT, type="BIGINT"))),
        Hints(),
        [o.AlterColumn],
    ),
    (
        "convert INTEGER -> TEXT with convert_sql",
        _s(_posts(COUNT)),
        _s(_posts(replace(COUNT, type="TEXT"))),
        CONVERT,
        [o.AlterColumn],
    ),
    (
        "make NOT NULL with default",
        _s(_posts(COUNT)),
        _s(_posts(replace(COUNT, not_null=True, default="0"))),
        Hints(),
        [o.AlterColumn],
    ),
    (
        "change default",
        _s(_posts(replace(COUNT, default="0"))),
        _s(_posts(replace(COUNT, default="7"))),
        Hints(),
        [o.AlterColumn],
    ),
    (
        "add DESC index",
        _s(_posts(TITLE)),
        _s(_posts(TITLE, indexes=(DESC_INDEX,))),
        Hints(),
        [o.CreateIndex],
    ),
    (
        "drop index",
        _s(_posts(TITLE, indexes=(DESC_INDEX, EXPR_INDEX))),
        _s(_posts(TITLE, indexes=(DESC_INDEX,))),
        Hints(),
        [o.DropIndex],
    ),
    (
        "identical DESC and expression indexes",
        _s(_posts(TITLE, indexes=(DESC_INDEX, EXPR_INDEX))),
        _s(_posts(TITLE, indexes=(DESC_INDEX, EXPR_INDEX))),
        Hints(),
        [],
    ),
    (
        "index changes sort order: drop then create",
        _s(_posts(TITLE, indexes=(DESC_INDEX,))),
        _s(
            _posts(
                TITLE,
                indexes=(replace(DESC_INDEX, keys=(IndexKey("host"), IndexKey("created_at"))),),
            )
        ),
        Hints(),
        [o.DropIndex, o.CreateIndex],
    ),
    (
        "add unique",
        _s(_posts(TITLE)),
        _s(_posts(TITLE, constraints=(UNIQUE_TITLE,))),
        Hints(),
        [o.AddConstraint],
    ),
    (
        "drop unique",
        _s(_posts(TITLE, constraints=(UNIQUE_TITLE,))),
        _s(_posts(TITLE)),
        Hints(),
        [o.DropConstraint],
    ),
    (
        "drop column with its index: index first",
        _s(_posts(TITLE, COUNT, indexes=(index_for("posts", (IndexKey("count"),)),))),
        _s(_posts(TITLE)),
        Hints(),
        [o.DropIndex, o.DropColumn],
    ),
    (
        "add enum value",
        _s(_posts(TITLE), enums=(SHORT,)),
        _s(_posts(TITLE), enums=(LONG,)),
        Hints(),
        [o.AlterEnum],
    ),
    (
        "storage switch",
        _s(_posts(TITLE)),
        _s(jsonb_table("posts", True, (DocumentField("title", "TEXT", True),))),
        Hints(),
        [o.ChangeStorage, o.SetTableInfo],
    ),
]


@pytest.mark.parametrize(
    ("old", "new", "hints", "expected"),
    [case[1:] for case in DIFF_CASES],
    ids=[case[0] for case in DIFF_CASES],
)
def test_diff_produces_expected_operations(
    old: Schema, new: Schema, hints: Hints, expected: list[type]
) -> None:
    """Each kind of model change maps to a known, ordered list of operation types."""
    ops = diff(old, new, hints)
    assert [type(op) for op in ops] == expected
    next_state(old, ops, new)


def test_enum_value_removal_is_not_additive() -> None:
    """Removing a value recreates the type: destructive, needs confirmation."""
    column = Column("state", "status")
    ops = diff(_s(_posts(column), enums=(LONG,)), _s(_posts(column), enums=(SHORT,)))
    assert len(ops) == 1 and isinstance(ops[0], o.AlterEnum)
    assert not ops[0].additive and o.is_destructive(ops[0])
    assert ops[0].usages == (("posts", "state", None),)
    added = diff(_s(_posts(column), enums=(SHORT,)), _s(_posts(column), enums=(LONG,)))
    assert isinstance(added[0], o.AlterEnum) and added[0].additive


def test_widening_is_not_destructive_but_narrowing_is() -> None:
    widen = diff(_s(_posts(COUNT)), _s(_posts(replace(COUNT, type="BIGINT"))))
    assert not o.is_destructive(widen[0])
    narrow = diff(_s(_posts(replace(COUNT, type="BIGINT"))), _s(_posts(COUNT)))
    assert [type(op) for op in narrow] == [o.AlterColumn] and o.is_destructive(narrow[0])


def test_unsafe_type_change_without_convert_sql_names_the_field() -> None:
    """TEXT -> BIGINT cannot be guessed: the error must say which field to annotate."""
    old = _s(_posts(Column("score", "TEXT")))
    new = _s(_posts(Column("score", "BIGINT")))
    with pytest.raises(PlanError, match=r"posts\.score changes type TEXT -> BIGINT"):
        diff(old, new)


def test_not_null_column_without_default_on_existing_table_is_refused() -> None:
    """Existing rows would have no value: refuse rather than fail at apply time."""
    with pytest.raises(PlanError, match=r"posts\.n is NOT NULL without a default"):
        diff(_s(_posts(TITLE)), _s(_posts(TITLE, Column("n", "INTEGER", True))))


def test_convert_sql_is_used_and_reversed() -> None:
    ops = diff(_s(_posts(COUNT)), _s(_posts(replace(COUNT, type="TEXT"))), CONVERT)
    assert ops == [
        o.AlterColumn(
            "posts",
            COUNT,
            replace(COUNT, type="TEXT"),
            "CAST(%s AS TEXT)",
            "%s::INTEGER",
            reverse_exact=False,  # no convert_back_sql: a plain cast back (issue 15)
        )
    ]


def test_make_not_null_fills_with_the_default() -> None:
    ops = diff(_s(_posts(COUNT)), _s(_posts(replace(COUNT, not_null=True, default="0"))))
    assert isinstance(ops[0], o.AlterColumn) and ops[0].fill == "0"
