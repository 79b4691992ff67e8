"""The schema model: what we mean the database to hold.

Plain frozen dataclasses, comparable with ``==``, so that the diff engine, the
snapshot, the replay self-check and the live-catalog reader all speak one
language. This module imports nothing else from the package on purpose (but
model/records.py, which makes the records cheap to build).

Conventions (every producer normalises to these, so equality means "same
database"):

* SQL types are upper case in PostgreSQL's short spelling: ``TEXT``, ``BIGINT``,
  ``NUMERIC(20,0)``, ``TIMESTAMPTZ``, ``DOUBLE PRECISION``; an enum column's type is
  the enum's name in lower case.
* Defaults and expressions are kept as text normalised by :func:`buildamp.pg.sqltext`
  (PostgreSQL's parser, deparsed), never as user spelling.
* Tuples keep a deterministic order: columns in table order, everything else
  sorted by name.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass, replace
from functools import cached_property
from typing import Literal

from buildamp.model.records import fast_init

Storage = Literal["columns", "jsonb"]
Identity = Literal["always", "by default"]
ConstraintKind = Literal["unique", "check", "foreign_key"]
OnDelete = Literal["no action", "restrict", "cascade", "set null", "set default"]
ON_DELETE_CHOICES: tuple[OnDelete, ...] = (
    "no action",
    "restrict",
    "cascade",
    "set null",
    "set default",
)


def clean_comment(text: str | None) -> str | None:
    """A table or column comment in its one comparable form: a doc comment's
    text (``///`` lines, a docstring) and a catalog comment normalise alike,
    as :func:`inspect.cleandoc` does (first line stripped, common indentation
    of the others removed, blank lines around dropped), with trailing spaces
    removed from every line. Empty is None: ``COMMENT ... IS ''`` removes one."""
    if text is None:
        return None
    lines = [line.rstrip() for line in inspect.cleandoc(text.replace("\r\n", "\n")).split("\n")]
    cleaned = "\n".join(lines).strip("\n")
    return cleaned or None


@fast_init
@dataclass(frozen=True, slots=True)
class Column:
    name: str
    type: str
    not_null: bool = False
    default: str | None = None
    identity: Identity | None = None
    deprecated: bool = False
    comment: str | None = None  # COMMENT ON COLUMN, as :func:`clean_comment` leaves it


@fast_init
@dataclass(frozen=True, slots=True)
class IndexKey:
    """One key of an index: a column name or an expression, with its sort order."""

    expression: str
    descending: bool = False
    is_column: bool = True


@fast_init
@dataclass(frozen=True, slots=True)
class Index:
    name: str
    keys: tuple[IndexKey, ...]
    unique: bool = False
    where: str | None = None


@fast_init
@dataclass(frozen=True, slots=True)
class Constraint:
    name: str
    kind: ConstraintKind
    columns: tuple[str, ...] = ()
    expression: str | None = None
    # Foreign keys: the referenced table and its columns (``("host", "id")`` for a
    # tenant-safe key), what a delete of the referenced row does, and whether the
    # database has checked every existing row (``NOT VALID`` keys are not).
    references: str | None = None
    ref_columns: tuple[str, ...] = ()
    on_delete: OnDelete = "no action"
    valid: bool = True


@fast_init
@dataclass(frozen=True, slots=True)
class DocumentField:
    """A key of a ``storage = "jsonb"`` table's ``data`` document."""

    name: str
    type: str
    not_null: bool = False
    default: str | None = None


@fast_init
@dataclass(frozen=True, slots=True)
class Table:
    name: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...] = ("id",)
    indexes: tuple[Index, ...] = ()
    constraints: tuple[Constraint, ...] = ()
    storage: Storage = "columns"
    tenant: bool = True
    touch_updated_at: bool = False
    rls: bool = False
    document: tuple[DocumentField, ...] = ()
    custom_sql: str | None = None
    validate: str | None = None
    source: str = ""
    comment: str | None = None  # COMMENT ON TABLE, as :func:`clean_comment` leaves it

    def column(self, name: str) -> Column | None:
        for column in self.columns:
            if column.name == name:
                return column
        return None

    def index(self, name: str) -> Index | None:
        for index in self.indexes:
            if index.name == name:
                return index
        return None

    def constraint(self, name: str) -> Constraint | None:
        for constraint in self.constraints:
            if constraint.name == name:
                return constraint
        return None


@fast_init
@dataclass(frozen=True, slots=True)
class Enum:
    name: str
    values: tuple[str, ...]
    source: str = ""


@dataclass(frozen=True)
class Schema:
    tables: tuple[Table, ...] = ()
    enums: tuple[Enum, ...] = ()

    def table(self, name: str) -> Table | None:
        return self._tables_by_name.get(name)

    def enum(self, name: str) -> Enum | None:
        return self._enums_by_name.get(name)

    # Lookups by name stay O(1) on schemas of thousands of tables. Cached in the
    # instance dict: not fields, so equality and replace() never see them.
    @cached_property
    def _tables_by_name(self) -> dict[str, Table]:
        return {table.name: table for table in self.tables}

    @cached_property
    def _enums_by_name(self) -> dict[str, Enum]:
        return {enum.name: enum for enum in self.enums}

    def normalized(self) -> Schema:
        """Same schema with every unordered collection sorted, for comparisons."""
        tables = tuple(sorted(map(_normalized_table, self.tables), key=lambda t: t.name))
        enums = tuple(sorted(self.enums, key=lambda e: e.name))
        return Schema(tables=tables, enums=enums)

    @property
    def needs_touch_function(self) -> bool:
        return any(table.touch_updated_at for table in self.tables)


# The classes a cache of tables or of the state may hold: one allow-list (for
# the restricted unpickler of buildamp.cache.store).
SCHEMA_TYPES: tuple[type, ...] = (
    Schema,
    Table,
    Column,
    Index,
    IndexKey,
    Constraint,
    DocumentField,
    Enum,
)


def _normalized_table(table: Table) -> Table:
    """``table`` with its indexes, constraints and document keys sorted by name
    (the table itself when they already are, as the model builder leaves them)."""
    indexes = tuple(sorted(table.indexes, key=lambda i: i.name))
    constraints = tuple(sorted(table.constraints, key=lambda c: c.name))
    document = tuple(sorted(table.document, key=lambda d: d.name))
    if (indexes, constraints, document) == (table.indexes, table.constraints, table.document):
        return table
    return replace(table, indexes=indexes, constraints=constraints, document=document)
