"""Random model evolutions proven on a real PostgreSQL: up, down, up at every step.

A hypothesis state machine holds the current model (a Schema, starting empty)
and applies random *model edits* -- the changes users make to their structs.
Each step runs the generate pipeline exactly as generate.py does (diff,
next_state self-check, render forward/backward, compose the migration and
rollback files) and then applies the files in-process, statement by statement
as the executor splits them. After every up, down and second up the live
catalog must equal the recorded state, and the seeded rows must survive.

Examples: ``BUILDAMP_STATE_MACHINE_EXAMPLES`` (default 200); the ``nightly``
profile (``BUILDAMP_HYPOTHESIS_PROFILE=nightly``) runs more and longer evolutions.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import replace
from typing import Any, ClassVar

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from buildamp.files.compose import Layout, compose_down, compose_up
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
from buildamp.pg.database import connect
from buildamp.pg.sqltext import normalize_default, normalize_expression, quote_ident, quote_literal
from buildamp.plan import ops as o
from buildamp.plan.diff import diff
from buildamp.plan.replay import next_state, replay_comparable
from buildamp.render.migration import RenderOptions, render_all, verify_landed
from buildamp.run.catalog import read_catalog
from buildamp.run.comparable import comparable as catalog_comparable
from buildamp.run.file_parts import split_file
from tests.schema_values import COLUMN_TYPES, DOCUMENT_TYPES, RAW_DEFAULTS

settings.register_profile(
    "ci",
    max_examples=int(os.environ.get("BUILDAMP_STATE_MACHINE_EXAMPLES", "200")),
    stateful_step_count=5,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
settings.register_profile(
    "nightly",
    max_examples=int(os.environ.get("BUILDAMP_STATE_MACHINE_EXAMPLES", "2000")),
    stateful_step_count=12,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)

ENUM = Enum("status", ("active", "paused"))
NEW_ENUM_VALUES = ("archived", "closed", "draft")
TABLE_NAMES = ("accounts", "posts", "items", "orders", "events", "notes")
COLUMN_NAMES = ("title", "body", "amount", "quantity", "enabled", "ratio", "total", "seen_at")
FIXED = frozenset({"id", "host", "data", "created_at", "updated_at"})
DOCUMENT_DEFAULTS: dict[str, tuple[str, ...]] = {
    "TEXT": ("''", "'hello'"),
    "BIGINT": ("0", "42"),
    "BOOLEAN": ("false",),
}
NOW = normalize_default("now()", "TIMESTAMPTZ")


def default_for(type_name: str, raw: str) -> str:
    return normalize_default(raw, type_name)


# -- building tables the way the model readers do ---------------------------------------


def columns_table(name: str, tenant: bool, extras: list[Column]) -> Table:
    head = [Column("id", "TEXT", True)] + ([Column("host", "TEXT", True)] if tenant else [])
    stamps = [
        Column("created_at", "TIMESTAMPTZ", True, NOW),
        Column("updated_at", "TIMESTAMPTZ", True, NOW),
    ]
    return Table(name, (*head, *extras, *stamps), tenant=tenant, touch_updated_at=True)


def jsonb_table(name: str, tenant: bool, fields: list[DocumentField]) -> Table:
    cols = [Column("id", "TEXT", True), Column("data", "JSONB", True)]
    cols += [Column("host", "TEXT", True)] if tenant else []
    cols += [
        Column("created_at", "TIMESTAMPTZ", True, NOW),
        Column("updated_at", "TIMESTAMPTZ", True, NOW),
    ]
    return Table(
        name,
        tuple(cols),
        storage="jsonb",
        tenant=tenant,
        touch_updated_at=True,
        document=tuple(sorted(fields, key=lambda f: f.name)),
    )


def column_index(table: Table, columns: list[str], descending: list[bool]) -> Index:
    keys = tuple(IndexKey(c, d) for c, d in zip(columns, descending, strict=True))
    if table.tenant:
        keys = (IndexKey("host"), *keys)
    suffix = ["desc"] if any(descending) else []
    return Index(object_name("idx", table.name, [*columns, *suffix]), keys)


def lower_index(table: Table, column: str) -> Index:
    key = IndexKey(normalize_expression(f"lower({quote_ident(column)})"), False, False)
    return Index(object_name("idx", table.name, [column, "lower"]), (key,))


def document_index(table: Table, key: str, descending: bool) -> Index:
    expr = IndexKey(normalize_expression(f"(data ->> {quote_literal(key)})"), descending, False)
    keys = (IndexKey("host"), expr) if table.tenant else (expr,)
    return Index(object_name("idx", table.name, [key]), keys)


def unique_for(table: Table, column: str) -> Constraint:
    columns = ("host", column) if table.tenant else (column,)
    return Constraint(object_name("unique", table.name, [column]), "unique", columns)


def uses(index: Index, column: str) -> bool:
    return any(
        k.expression == column if k.is_column else f"lower({column})" == k.expression
        for k in index.keys
    )


def sort_table(table: Table) -> Table:
    """The models' convention: columns in order, everything else sorted by name."""
    return replace(
        table,
        indexes=tuple(sorted(table.indexes, key=lambda i: i.name)),
        constraints=tuple(sorted(table.constraints, key=lambda c: c.name)),
        document=tuple(sorted(table.document, key=lambda d: d.name)),
    )


def extras(table: Table) -> list[Column]:
    return [c for c in table.columns if c.name not in FIXED]


def with_column(table: Table, column: Column) -> Table:
    """A new field goes before created_at/updated_at, like in a struct."""
    cols = list(table.columns)
    cols.insert(len(cols) - 2, column)
    return replace(table, columns=tuple(cols))


def without_column(table: Table, name: str) -> Table:
    return replace(
        table,
        columns=tuple(c for c in table.columns if c.name != name),
        indexes=tuple(i for i in table.indexes if not uses(i, name)),
        constraints=tuple(c for c in table.constraints if name not in c.columns),
    )


def renamed_table(table: Table, new_name: str) -> Table:
    """A renamed struct: its index/constraint names follow the new table name."""
    moved = replace(table, name=new_name, indexes=(), constraints=())
    indexes = []
    for index in table.indexes:
        cols = [k.expression for k in index.keys if k.is_column and k.expression != "host"]
        exprs = [k for k in index.keys if not k.is_column]
        if table.storage == "jsonb":
            key = exprs[0].expression.split("'")[1]
            indexes.append(document_index(moved, key, exprs[0].descending))
        elif exprs:
            indexes.append(lower_index(moved, exprs[0].expression[len("lower(") : -1]))
        else:
            desc = [k.descending for k in index.keys if k.is_column and k.expression != "host"]
            indexes.append(column_index(moved, cols, desc))
    constraints = [unique_for(moved, c.columns[-1]) for c in table.constraints]
    return replace(moved, indexes=tuple(indexes), constraints=tuple(constraints))


# -- seeding ------------------------------------------------------------------------------


def sql_value(type_name: str, n: int) -> str:
    """A literal of ``type_name`` distinct per row where the type allows it."""
    return {
        "TEXT": f"'v{n}'",
        "INTEGER": str(n),
        "BIGINT": str(n),
        "BOOLEAN": "TRUE",
        "DOUBLE PRECISION": f"{n}.5",
        "NUMERIC(20,0)": str(n),
        "TIMESTAMPTZ": f"'2024-01-01T00:00:00Z'::timestamptz + interval '{n} seconds'",
        "JSONB": f"'{{\"n\": {n}}}'::jsonb",
        ENUM.name: "'active'",
    }[type_name]


def json_value(type_name: str, n: int) -> Any:
    """A document value that casts back to ``type_name`` (a switch to columns does)."""
    return {
        "TEXT": f"v{n}",
        "INTEGER": n,
        "BIGINT": n,
        "BOOLEAN": True,
        "DOUBLE PRECISION": n + 0.5,
        "NUMERIC(20,0)": n,
        "TIMESTAMPTZ": f"2024-01-01T00:00:{n % 60:02d}+00:00",
        "JSONB": {"n": n},
        ENUM.name: "active",
    }[type_name]


def insert_row(table: Table, n: int) -> str:
    names = ["id"] + (["host"] if table.tenant else [])
    values = [f"'row{n}'"] + (["'example.com'"] if table.tenant else [])
    if table.storage == "jsonb":
        document = {f.name: json_value(f.type, n) for f in table.document}
        names.append("data")
        values.append(quote_literal(json.dumps(document)) + "::jsonb")
    else:
        for column in extras(table):
            names.append(column.name)
            values.append(sql_value(column.type, n))
    cols = ", ".join(quote_ident(c) for c in names)
    return f"INSERT INTO {quote_ident(table.name)} ({cols}) VALUES ({', '.join(values)})"


# -- running migration files like the executor does ---------------------------------------


def run_file(conn: Any, text: str) -> None:
    """Statements before BEGIN and after COMMIT in autocommit, the rest in one transaction."""
    parts = split_file(text, "migration.sql")
    try:
        for statement in parts.before_begin:
            conn.execute(statement.encode())
        with conn.transaction():
            for statement in parts.transactional:
                conn.execute(statement.encode())
        for statement in parts.after_commit:
            conn.execute(statement.encode())
    except Exception as error:
        raise AssertionError(f"{error}\n--- SQL ---\n{text}") from error


def migration_files(
    old: Schema, operations: list[o.Operation], new: Schema, version: int = 1
) -> tuple[Schema, str, str]:
    """(next state, up text, down text) exactly as generate.py makes them."""
    state = next_state(old, operations, new)
    options, layout = RenderOptions(), Layout()  # the plain forms (online = false)
    forward = render_all(operations, options)
    forward += verify_landed(operations, forward)
    backward = render_all([o.invert(op) for op in reversed(operations)], options)
    name = f"{version:03d}_step"
    up = compose_up(
        f"migrations/{name}.sql", [], "2024-12-04 10:30:15", [], forward, backward, layout
    )
    down = compose_down(
        f"migrations/rollback/{version:03d}_rollback.sql", name, "step", backward, layout
    )
    return state, up, down


def live(conn: Any) -> Schema:
    return replay_comparable(catalog_comparable(read_catalog(conn)))


def expected(schema: Schema) -> Schema:
    return replay_comparable(catalog_comparable(schema))


UNIQUE_TYPES = frozenset(COLUMN_TYPES) - {"BOOLEAN", ENUM.name}  # seeds differ per row


def droppable(table: Table, column: Column) -> bool:
    """A dropped column the rollback can re-add to a table holding rows: not one under
    a unique constraint that comes back with one value for every row (its default, or
    the placeholder of a NOT NULL column): a limit of rollbacks, not a bug."""
    if column.default is None and not column.not_null:
        return True
    return not any(column.name in c.columns for c in table.constraints)


class Evolution(RuleBasedStateMachine):
    """One random evolution of a model, each step proven up/down/up on PostgreSQL."""

    conn: ClassVar[Any] = None

    def __init__(self) -> None:
        super().__init__()
        self.conn.execute(b"DROP SCHEMA public CASCADE; CREATE SCHEMA public")
        self.schema = Schema()
        self.counts: dict[str, int] = {}
        self.rows = 0
        self.version = 0
        # Dropping a document key leaves it in the stored documents; re-adding the
        # name (maybe with another type) would pick up those stale values.
        self.stale: set[tuple[str, str]] = set()

    # -- the pipeline ------------------------------------------------------------------

    def migrate(self, new: Schema, hints: Hints | None = None) -> None:
        """generate.py's pipeline, then up / down / up with catalog and row checks."""
        new = replace(new, tables=tuple(sort_table(t) for t in new.tables))
        used = any(c.type == ENUM.name for t in new.tables for c in t.columns) or any(
            f.type == ENUM.name for t in new.tables for f in t.document
        )
        if not used:
            new = replace(new, enums=())
        elif not new.enums:
            new = replace(new, enums=(self.schema.enum(ENUM.name) or ENUM,))
        hints = hints or Hints()
        old = self.schema
        operations = diff(old, new, hints)
        if not operations:
            return
        self.version += 1
        state, up, down = migration_files(old, operations, new, self.version)
        destructive = any(o.is_destructive(op) for op in operations)
        dropped = {op.table.name for op in operations if isinstance(op, o.DropTable)}
        renames = {op.old: op.new for op in operations if isinstance(op, o.RenameTable)}
        after = {renames.get(t, t): n for t, n in self.counts.items() if t not in dropped}
        before_counts = dict(self.counts)
        before = expected(old)
        kinds = [type(op).__name__ for op in operations]

        run_file(self.conn, up)
        assert live(self.conn) == expected(state), f"after up of {kinds}\n{up}"
        self.check_counts(after, f"after up of {kinds}")
        run_file(self.conn, down)
        assert live(self.conn) == before, f"after down of {kinds}\n{down}"
        back = {t: 0 if t in dropped else n for t, n in before_counts.items()}
        if not destructive:
            assert back == before_counts
        self.check_counts(back, f"after down of {kinds}")
        run_file(self.conn, up)
        assert live(self.conn) == expected(state), f"after second up of {kinds}\n{up}"
        self.check_counts(after, f"after second up of {kinds}")

        self.schema = state
        self.counts = {t.name: after.get(t.name, 0) for t in state.tables}
        self.seed()

    def check_counts(self, counts: dict[str, int], when: str) -> None:
        for table, count in counts.items():
            row = self.conn.execute(f"SELECT count(*) FROM {quote_ident(table)}".encode())
            assert row.fetchone()[0] == count, f"row count of {table} {when}"

    def seed(self) -> None:
        """One more row in every table, with a value in every column."""
        for table in self.schema.tables:
            self.rows += 1
            self.conn.execute(insert_row(table, self.rows).encode())
            self.counts[table.name] += 1

    @invariant()
    def database_matches_state(self) -> None:
        assert live(self.conn) == expected(self.schema)

    # -- helpers for rules -------------------------------------------------------------

    def column_tables(self) -> list[Table]:
        return [t for t in self.schema.tables if t.storage == "columns"]

    def tables_with(self, predicate: Any) -> list[Table]:
        return [t for t in self.column_tables() if any(predicate(t, c) for c in extras(t))]

    def replace_table(self, table: Table) -> Schema:
        return replace(
            self.schema,
            tables=tuple(table if t.name == table.name else t for t in self.schema.tables),
        )

    def change_column(self, table: Table, column: Column) -> Schema:
        cols = tuple(column if c.name == column.name else c for c in table.columns)
        return self.replace_table(replace(table, columns=cols))

    def pick(self, data: st.DataObject, predicate: Any) -> tuple[Table, Column]:
        table = data.draw(st.sampled_from(self.tables_with(predicate)), label="table")
        candidates = [c for c in extras(table) if predicate(table, c)]
        return table, data.draw(st.sampled_from(candidates), label="column")

    def new_column(self, data: st.DataObject, table: Table, nullable: bool) -> Column:
        free = [n for n in COLUMN_NAMES if table.column(n) is None]
        name = data.draw(st.sampled_from(free), label="name")
        type_name = data.draw(st.sampled_from(COLUMN_TYPES), label="type")
        return Column(name, type_name, not nullable)

    def has_duplicates(self, table: Table, column: str) -> bool:
        cols = ", ".join(quote_ident(c) for c in unique_for(table, column).columns)
        sql = (
            f"SELECT EXISTS (SELECT 1 FROM {quote_ident(table.name)} WHERE {quote_ident(column)} "
            f"IS NOT NULL GROUP BY {cols} HAVING count(*) > 1)"
        )
        return bool(self.conn.execute(sql.encode()).fetchone()[0])

    # -- model edits -------------------------------------------------------------------

    @initialize(data=st.data())
    def first_table(self, data: st.DataObject) -> None:
        self.add_table(data)

    @rule(data=st.data())
    def add_table(self, data: st.DataObject) -> None:
        free = [n for n in TABLE_NAMES if self.schema.table(n) is None]
        if not free:
            return
        name = data.draw(st.sampled_from(free), label="new table")
        tenant = data.draw(st.sampled_from((True, True, True, False)), label="tenant")
        if data.draw(st.integers(0, 4), label="storage") == 0:
            names = data.draw(
                st.lists(st.sampled_from(COLUMN_NAMES), min_size=1, max_size=3, unique=True)
            )
            fields = [DocumentField(n, data.draw(st.sampled_from(DOCUMENT_TYPES))) for n in names]
            table = jsonb_table(name, tenant, fields)
            if data.draw(st.booleans(), label="document index"):
                table = replace(
                    table, indexes=(document_index(table, names[0], data.draw(st.booleans())),)
                )
        else:
            names = data.draw(
                st.lists(st.sampled_from(COLUMN_NAMES), min_size=1, max_size=4, unique=True)
            )
            cols = []
            for n in names:
                type_name = data.draw(st.sampled_from(COLUMN_TYPES))
                default = None
                if data.draw(st.booleans()):
                    default = default_for(
                        type_name, data.draw(st.sampled_from(RAW_DEFAULTS[type_name]))
                    )
                cols.append(Column(n, type_name, data.draw(st.booleans()), default))
            table = columns_table(name, tenant, cols)
            indexes: dict[str, Index] = {}
            for _ in range(data.draw(st.integers(0, 2), label="indexes")):
                chosen = data.draw(
                    st.lists(st.sampled_from(names), min_size=1, max_size=2, unique=True)
                )
                index = column_index(table, chosen, [data.draw(st.booleans()) for _ in chosen])
                indexes[index.name] = index
            texts = [c.name for c in cols if c.type == "TEXT"]
            if data.draw(st.booleans(), label="expression index") and texts:
                index = lower_index(table, texts[0])
                indexes[index.name] = index
            candidates = [c.name for c in cols if c.type in UNIQUE_TYPES]
            unique = data.draw(
                st.lists(st.sampled_from(candidates), max_size=1) if candidates else st.just([]),
                label="unique",
            )
            table = replace(
                table,
                indexes=tuple(indexes.values()),
                constraints=tuple(unique_for(table, c) for c in unique),
            )
        self.migrate(replace(self.schema, tables=(*self.schema.tables, table)))

    @precondition(lambda self: self.schema.tables)
    @rule(data=st.data())
    def drop_table(self, data: st.DataObject) -> None:
        gone = data.draw(st.sampled_from(self.schema.tables), label="table")
        self.migrate(
            replace(self.schema, tables=tuple(t for t in self.schema.tables if t is not gone))
        )

    @precondition(lambda self: self.schema.tables)
    @rule(data=st.data())
    def rename_table(self, data: st.DataObject) -> None:
        free = [n for n in TABLE_NAMES if self.schema.table(n) is None]
        if not free:
            return
        table = data.draw(st.sampled_from(self.schema.tables), label="table")
        new_name = data.draw(st.sampled_from(free), label="new name")
        moved = renamed_table(table, new_name)
        self.stale |= {(new_name, k) for t, k in self.stale if t == table.name}
        tables = tuple(moved if t is table else t for t in self.schema.tables)
        self.migrate(
            replace(self.schema, tables=tables),
            Hints(tables={new_name: TableHint(rename_from=table.name)}),
        )

    @precondition(lambda self: any(t.storage == "columns" for t in self.schema.tables))
    @rule(data=st.data(), kind=st.sampled_from(["nullable", "default", "backfill"]))
    def add_column(self, data: st.DataObject, kind: str) -> None:
        table = data.draw(st.sampled_from(self.column_tables()), label="table")
        if all(table.column(n) for n in COLUMN_NAMES):
            return
        column = self.new_column(data, table, nullable=kind == "nullable")
        raw = data.draw(st.sampled_from(RAW_DEFAULTS[column.type]), label="value")
        hints = Hints()
        if kind == "default":
            column = replace(column, default=default_for(column.type, raw))
        elif kind == "backfill":
            hints = Hints(columns={(table.name, column.name): ColumnHint(backfill=raw)})
        self.migrate(self.replace_table(with_column(table, column)), hints)

    @precondition(lambda self: any(extras(t) for t in self.schema.tables if t.storage == "columns"))
    @rule(data=st.data())
    def drop_column(self, data: st.DataObject) -> None:
        """Only columns whose rollback can re-add them (see ``droppable``)."""
        if not self.tables_with(droppable):
            return
        table, column = self.pick(data, droppable)
        self.migrate(self.replace_table(without_column(table, column.name)))

    @precondition(lambda self: any(extras(t) for t in self.schema.tables if t.storage == "columns"))
    @rule(data=st.data())
    def rename_column(self, data: st.DataObject) -> None:
        table, column = self.pick(data, lambda t, c: True)
        free = [n for n in COLUMN_NAMES if table.column(n) is None]
        if not free:
            return
        new_name = data.draw(st.sampled_from(free), label="new name")
        changed = without_column(table, column.name)
        cols = tuple(
            replace(c, name=new_name) if c.name == column.name else c for c in table.columns
        )
        indexes = list(changed.indexes)
        for index in table.indexes:
            if uses(index, column.name):
                if index.keys[-1].is_column or (len(index.keys) > 1 and index.keys[1].is_column):
                    names = [
                        k.expression for k in index.keys if k.is_column and k.expression != "host"
                    ]
                    names = [new_name if n == column.name else n for n in names]
                    desc = [
                        k.descending for k in index.keys if k.is_column and k.expression != "host"
                    ]
                    indexes.append(column_index(table, names, desc))
                else:
                    indexes.append(lower_index(table, new_name))
        constraints = list(changed.constraints)
        constraints += [
            unique_for(table, new_name) for c in table.constraints if column.name in c.columns
        ]
        moved = replace(table, columns=cols, indexes=tuple(indexes), constraints=tuple(constraints))
        hints = Hints(columns={(table.name, new_name): ColumnHint(rename_from=column.name)})
        self.migrate(self.replace_table(moved), hints)

    @precondition(
        lambda self: any(c.type == "INTEGER" for t in self.schema.tables for c in extras(t))
    )
    @rule(data=st.data(), to_text=st.booleans())
    def change_integer_type(self, data: st.DataObject, to_text: bool) -> None:
        """INTEGER -> BIGINT is a widening (no hint); INTEGER -> TEXT needs convert_sql."""
        table, column = self.pick(data, lambda t, c: c.type == "INTEGER")
        if not to_text:
            default = column.default and default_for("BIGINT", column.default)
            self.migrate(self.change_column(table, replace(column, type="BIGINT", default=default)))
            return
        default = (
            None if column.default is None else default_for("TEXT", quote_literal(column.default))
        )
        hint = ColumnHint(convert_from="INTEGER", convert_sql="CAST(%s AS TEXT)")
        self.migrate(
            self.change_column(table, replace(column, type="TEXT", default=default)),
            Hints(columns={(table.name, column.name): hint}),
        )

    @precondition(lambda self: any(c.not_null for t in self.schema.tables for c in extras(t)))
    @rule(data=st.data())
    def make_nullable(self, data: st.DataObject) -> None:
        table, column = self.pick(data, lambda t, c: c.not_null)
        self.migrate(self.change_column(table, replace(column, not_null=False)))

    @precondition(lambda self: any(not c.not_null for t in self.schema.tables for c in extras(t)))
    @rule(data=st.data())
    def make_not_null(self, data: st.DataObject) -> None:
        """With a default, so existing NULLs are filled (not on unique columns:
        one fill value for many rows would violate the constraint)."""

        def fits(t: Table, c: Column) -> bool:
            return not c.not_null and not any(c.name in k.columns for k in t.constraints)

        if not self.tables_with(fits):
            return
        table, column = self.pick(data, fits)
        default = column.default or default_for(
            column.type, data.draw(st.sampled_from(RAW_DEFAULTS[column.type]))
        )
        self.migrate(self.change_column(table, replace(column, not_null=True, default=default)))

    @precondition(lambda self: any(extras(t) for t in self.schema.tables if t.storage == "columns"))
    @rule(data=st.data())
    def change_default(self, data: st.DataObject) -> None:
        table, column = self.pick(data, lambda t, c: True)
        options: list[str | None] = [default_for(column.type, r) for r in RAW_DEFAULTS[column.type]]
        options.append(None)
        default = data.draw(st.sampled_from(options), label="default")
        self.migrate(self.change_column(table, replace(column, default=default)))

    @precondition(lambda self: any(extras(t) for t in self.schema.tables if t.storage == "columns"))
    @rule(data=st.data())
    def add_index(self, data: st.DataObject) -> None:
        table, column = self.pick(data, lambda t, c: True)
        if column.type == "TEXT" and data.draw(st.booleans(), label="expression"):
            index = lower_index(table, column.name)
        else:
            others = [c.name for c in extras(table) if c.name != column.name]
            names = (
                [column.name] + data.draw(st.lists(st.sampled_from(others), max_size=1))
                if others
                else [column.name]
            )
            index = column_index(table, names, [data.draw(st.booleans()) for _ in names])
        if table.index(index.name) is None:
            self.migrate(self.replace_table(replace(table, indexes=(*table.indexes, index))))

    @precondition(lambda self: any(t.indexes for t in self.schema.tables))
    @rule(data=st.data())
    def drop_index(self, data: st.DataObject) -> None:
        table = data.draw(st.sampled_from([t for t in self.schema.tables if t.indexes]))
        gone = data.draw(st.sampled_from(table.indexes), label="index")
        kept = tuple(i for i in table.indexes if i is not gone)
        self.migrate(self.replace_table(replace(table, indexes=kept)))

    @precondition(lambda self: any(extras(t) for t in self.schema.tables if t.storage == "columns"))
    @rule(data=st.data())
    def add_unique(self, data: st.DataObject) -> None:
        if not self.tables_with(lambda t, c: c.type in UNIQUE_TYPES):
            return
        table, column = self.pick(data, lambda t, c: c.type in UNIQUE_TYPES)
        constraint = unique_for(table, column.name)
        if table.constraint(constraint.name) is None and not self.has_duplicates(
            table, column.name
        ):
            self.migrate(
                self.replace_table(replace(table, constraints=(*table.constraints, constraint)))
            )

    @precondition(lambda self: any(t.constraints for t in self.schema.tables))
    @rule(data=st.data())
    def drop_unique(self, data: st.DataObject) -> None:
        table = data.draw(st.sampled_from([t for t in self.schema.tables if t.constraints]))
        gone = data.draw(st.sampled_from(table.constraints), label="constraint")
        kept = tuple(c for c in table.constraints if c is not gone)
        self.migrate(self.replace_table(replace(table, constraints=kept)))

    @precondition(lambda self: self.schema.enums)
    @rule(value=st.sampled_from(NEW_ENUM_VALUES))
    def add_enum_value(self, value: str) -> None:
        enum = self.schema.enums[0]
        if value not in enum.values:
            self.migrate(replace(self.schema, enums=(replace(enum, values=(*enum.values, value)),)))

    @precondition(lambda self: self.schema.tables)
    @rule(data=st.data())
    def switch_storage(self, data: st.DataObject) -> None:
        """columns -> jsonb carries every field into the document, and back."""
        table = data.draw(st.sampled_from(self.schema.tables), label="table")
        if table.storage == "columns":
            fields = [DocumentField(c.name, c.type, c.not_null, c.default) for c in extras(table)]
            switched = jsonb_table(table.name, table.tenant, fields)
        else:
            cols = [Column(f.name, f.type, f.not_null, f.default) for f in table.document]
            switched = columns_table(table.name, table.tenant, cols)
        self.migrate(self.replace_table(switched))

    @precondition(lambda self: any(t.storage == "jsonb" for t in self.schema.tables))
    @rule(data=st.data(), kind=st.sampled_from(["add", "rename", "drop", "index"]))
    def edit_document(self, data: st.DataObject, kind: str) -> None:
        """Document keys: add (maybe with a default), rename via hint, drop, index."""
        table = data.draw(st.sampled_from([t for t in self.schema.tables if t.storage == "jsonb"]))
        fields = list(table.document)
        taken = {f.name for f in fields} | {k for t, k in self.stale if t == table.name}
        free = [n for n in COLUMN_NAMES if n not in taken]
        hints = Hints()
        if kind == "add" and free:
            type_name = data.draw(st.sampled_from(DOCUMENT_TYPES))
            defaults = DOCUMENT_DEFAULTS.get(type_name, ())
            default = data.draw(st.sampled_from((None, *defaults)))
            fields.append(
                DocumentField(data.draw(st.sampled_from(free)), type_name, False, default)
            )
        elif kind == "rename" and fields and free:
            field = data.draw(st.sampled_from(fields))
            new_name = data.draw(st.sampled_from(free))
            fields = [replace(f, name=new_name) if f is field else f for f in fields]
            hints = Hints(columns={(table.name, new_name): ColumnHint(rename_from=field.name)})
        elif kind == "drop" and fields:
            field = data.draw(st.sampled_from(fields))
            fields = [f for f in fields if f is not field]
            self.stale.add((table.name, field.name))
        elif kind == "index" and fields:
            index = document_index(table, data.draw(st.sampled_from(fields)).name, False)
            if table.index(index.name) is None:
                table = replace(table, indexes=(*table.indexes, index))
        names = {f.name for f in fields}
        indexes = tuple(i for i in table.indexes if i.keys[-1].expression.split("'")[1] in names)
        self.migrate(
            self.replace_table(replace(table, document=tuple(fields), indexes=indexes)), hints
        )


def profile() -> settings:
    return settings.get_profile(os.environ.get("BUILDAMP_HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture
def conn(pg_url: str) -> Iterator[Any]:
    with connect(pg_url, autocommit=True) as connection:
        yield connection


def test_random_evolutions_go_up_down_up(conn: Any) -> None:
    """Every random evolution step: up, down, up again, catalog and rows checked each time."""
    machine = type("BoundEvolution", (Evolution,), {"conn": conn})
    run_state_machine_as_test(machine, settings=profile())


# -- regressions: bugs the machine above found (fixed in 2cb85e8) --------------------------


def _apply_plan(conn: Any, old: Schema, new: Schema, hints: Hints | None = None) -> Schema:
    state, up, _down = migration_files(old, diff(old, new, hints), new)
    run_file(conn, up)
    assert live(conn) == expected(state)
    return state


def test_document_key_with_text_default_fills_documents(conn: Any) -> None:
    """FillDocumentKey once rendered to_jsonb('x'): unknown type, PostgreSQL refused it."""
    table = jsonb_table("notes", True, [DocumentField("title", "TEXT")])
    state = _apply_plan(conn, Schema(), Schema((table,)))
    conn.execute(insert_row(table, 1).encode())
    grown = jsonb_table(
        "notes", True, [DocumentField("title", "TEXT"), DocumentField("body", "TEXT", False, "'x'")]
    )
    _apply_plan(conn, state, Schema((grown,)))
    row = conn.execute(b"SELECT data ->> 'body' FROM notes").fetchone()
    assert row[0] == "x"


def test_rollback_of_dropped_not_null_column_runs_on_table_with_rows(conn: Any) -> None:
    """The rollback of a dropped NOT NULL column once re-added it without a value."""
    with_n = columns_table("posts", True, [Column("n", "INTEGER", True)])
    state = _apply_plan(conn, Schema(), Schema((with_n,)))
    conn.execute(insert_row(with_n, 1).encode())
    without = columns_table("posts", True, [])
    operations = diff(state, Schema((without,)))
    _state, up, down = migration_files(state, operations, Schema((without,)))
    run_file(conn, up)
    run_file(conn, down)
    assert live(conn) == expected(state)


def test_touch_trigger_can_be_removed_after_table_rename(conn: Any) -> None:
    """RenameTable once left trg_<old>_updated_at behind, so dropping the new name failed."""
    posts = columns_table("posts", True, [Column("title", "TEXT")])
    state = _apply_plan(conn, Schema(), Schema((posts,)))
    articles = replace(renamed_table(posts, "articles"), touch_updated_at=False)
    articles = replace(
        articles, columns=tuple(c for c in articles.columns if c.name != "updated_at")
    )
    _apply_plan(
        conn, state, Schema((articles,)), Hints(tables={"articles": TableHint("Article", "posts")})
    )
