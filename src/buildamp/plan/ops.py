"""Migration operations: plain data carrying both old and new values.

Because a drop carries the whole dropped object and an alter carries both
sides, :func:`invert` is pure and the rollback is derived in one place.
"""

from __future__ import annotations

from dataclasses import dataclass

from buildamp.model.schema import Column, Constraint, Enum, Index, Table


@dataclass(frozen=True)
class CreateEnum:
    enum: Enum


@dataclass(frozen=True)
class DropEnum:
    enum: Enum


@dataclass(frozen=True)
class AlterEnum:
    """Values changed. Pure additions render as ``ADD VALUE``; anything else
    recreates the type and re-casts the columns using it (destructive)."""

    old: Enum
    new: Enum
    usages: tuple[tuple[str, str, str | None], ...]  # (table, column, default) using it

    @property
    def additive(self) -> bool:
        remaining = iter(self.new.values)
        return all(value in remaining for value in self.old.values)


@dataclass(frozen=True)
class CreateTable:
    table: Table


@dataclass(frozen=True)
class DropTable:
    table: Table


@dataclass(frozen=True)
class RenameTable:
    old: str
    new: str
    touch_trigger: bool = False  # the table has trg_<name>_updated_at, renamed along


@dataclass(frozen=True)
class AddColumn:
    table: str
    column: Column
    backfill: str | None = None


@dataclass(frozen=True)
class DropColumn:
    table: str
    column: Column
    backfill: str | None = None


@dataclass(frozen=True)
class RenameColumn:
    table: str
    old: str
    new: str


@dataclass(frozen=True)
class AlterColumn:
    """Type, nullability or default of one column. ``using`` converts old -> new
    (``%s`` = the old column); ``reverse_using`` converts back for the rollback."""

    table: str
    old: Column
    new: Column
    using: str | None = None
    reverse_using: str | None = None
    fill: str | None = None  # value for NULL rows when the column becomes NOT NULL
    # Indexes and unique constraints on the column that stay as they are: an
    # online type change must rebuild them on the new column before the swap.
    indexes: tuple[Index, ...] = ()
    constraints: tuple[Constraint, ...] = ()


@dataclass(frozen=True)
class CreateIndex:
    table: str
    index: Index


@dataclass(frozen=True)
class DropIndex:
    table: str
    index: Index


@dataclass(frozen=True)
class AddConstraint:
    table: str
    constraint: Constraint


@dataclass(frozen=True)
class DropConstraint:
    table: str
    constraint: Constraint


@dataclass(frozen=True)
class RenameConstraint:
    """Same constraint, new name (its table or column was renamed and the name
    follows): ``RENAME CONSTRAINT`` keeps its index and the foreign keys that use
    it, instead of rebuilding and re-validating them."""

    table: str
    old: Constraint
    new: Constraint


@dataclass(frozen=True)
class CreateTouchFunction:
    """The shared ``buildamp_touch_updated_at()`` trigger function."""


@dataclass(frozen=True)
class DropTouchFunction:
    pass


@dataclass(frozen=True)
class SetTouchTrigger:
    table: str
    enabled: bool


@dataclass(frozen=True)
class SetRowSecurity:
    table: str
    enabled: bool


@dataclass(frozen=True)
class SetTableInfo:
    """Changes only the snapshot (document fields, storage metadata): no SQL."""

    old: Table
    new: Table


@dataclass(frozen=True)
class RunSql:
    """User SQL (``custom_sql``). ``down`` is the user's rollback section, if any;
    a missing side renders as a note saying nothing is undone."""

    label: str
    up: str | None
    down: str | None = None


@dataclass(frozen=True)
class Validate:
    """A query that must return 0 (``validate``), run inside the transaction.
    Its inverse (``undo=True``) renders nothing: a rollback has nothing to prove."""

    table: str
    query: str
    undo: bool = False


@dataclass(frozen=True)
class RenameDocumentKey:
    """``rename_from`` on a ``storage = "jsonb"`` table: move the key in every document."""

    table: str
    old: str
    new: str


@dataclass(frozen=True)
class FillDocumentKey:
    """A new document key with a default: set it where documents lack it. The
    inverse (``undo=True``) removes the key where it still holds that value."""

    table: str
    key: str
    value: str
    undo: bool = False
    value_type: str = "TEXT"  # the field's type: to_jsonb() needs a typed value


@dataclass(frozen=True)
class ConvertDocumentKey:
    """``convert_sql`` on a document key (``%s`` = the key's text value)."""

    table: str
    key: str
    using: str
    reverse_using: str


@dataclass(frozen=True)
class ChangeStorage:
    """Switch a table between typed columns and one JSONB document, carrying data."""

    old: Table
    new: Table


Operation = (
    CreateEnum
    | DropEnum
    | AlterEnum
    | CreateTable
    | DropTable
    | RenameTable
    | AddColumn
    | DropColumn
    | RenameColumn
    | AlterColumn
    | CreateIndex
    | DropIndex
    | AddConstraint
    | DropConstraint
    | RenameConstraint
    | CreateTouchFunction
    | DropTouchFunction
    | SetTouchTrigger
    | SetRowSecurity
    | SetTableInfo
    | RunSql
    | Validate
    | RenameDocumentKey
    | FillDocumentKey
    | ConvertDocumentKey
    | ChangeStorage
)


def invert(op: Operation) -> Operation:
    """The operation that undoes ``op``."""
    match op:
        case CreateEnum(enum):
            return DropEnum(enum)
        case DropEnum(enum):
            return CreateEnum(enum)
        case AlterEnum(old, new, usages):
            return AlterEnum(new, old, usages)
        case CreateTable(table):
            return DropTable(table)
        case DropTable(table):
            return CreateTable(table)
        case RenameTable(old, new, touch_trigger):
            return RenameTable(new, old, touch_trigger)
        case AddColumn(table, column, backfill):
            return DropColumn(table, column, backfill)
        case DropColumn(table, column, backfill):
            return AddColumn(table, column, backfill)
        case RenameColumn(table, old, new):
            return RenameColumn(table, new, old)
        case AlterColumn(table, old, new, using, reverse_using, fill, indexes, constraints):
            return AlterColumn(table, new, old, reverse_using, using, fill, indexes, constraints)
        case CreateIndex(table, index):
            return DropIndex(table, index)
        case DropIndex(table, index):
            return CreateIndex(table, index)
        case AddConstraint(table, constraint):
            return DropConstraint(table, constraint)
        case DropConstraint(table, constraint):
            return AddConstraint(table, constraint)
        case RenameConstraint(table, old, new):
            return RenameConstraint(table, new, old)
        case CreateTouchFunction():
            return DropTouchFunction()
        case DropTouchFunction():
            return CreateTouchFunction()
        case SetTouchTrigger(table, enabled):
            return SetTouchTrigger(table, not enabled)
        case SetRowSecurity(table, enabled):
            return SetRowSecurity(table, not enabled)
        case SetTableInfo(old, new):
            return SetTableInfo(new, old)
        case RunSql(label, up, down):
            return RunSql(label, down, up)
        case Validate(table, query, undo):
            return Validate(table, query, not undo)
        case RenameDocumentKey(table, old, new):
            return RenameDocumentKey(table, new, old)
        case FillDocumentKey(table, key, value, undo, value_type):
            return FillDocumentKey(table, key, value, not undo, value_type)
        case ConvertDocumentKey(table, key, using, reverse_using):
            return ConvertDocumentKey(table, key, reverse_using, using)
        case ChangeStorage(old, new):
            return ChangeStorage(new, old)
    raise TypeError(f"unknown operation {op!r}")


def is_destructive(op: Operation) -> bool:
    """Loses data when run: drops, narrowing changes, enum value removals."""
    match op:
        case DropTable() | DropColumn():
            return True
        case AlterEnum():
            return not op.additive
        case ChangeStorage(old, new):
            return old.storage == "jsonb" and new.storage == "columns"
        case AlterColumn(_, old, new, using, _, _):
            return old.type != new.type and using is None and not widens(old.type, new.type)
    return False


_WIDENINGS = {
    ("SMALLINT", "INTEGER"),
    ("SMALLINT", "BIGINT"),
    ("INTEGER", "BIGINT"),
    ("REAL", "DOUBLE PRECISION"),
    ("SMALLINT", "NUMERIC(20,0)"),
    ("INTEGER", "NUMERIC(20,0)"),
    ("BIGINT", "NUMERIC(20,0)"),
    ("BIGINT", "NUMERIC(39,0)"),
    ("NUMERIC(20,0)", "NUMERIC(39,0)"),
    ("VARCHAR", "TEXT"),
    ("TIMESTAMP", "TIMESTAMPTZ"),
}


def widens(old_type: str, new_type: str) -> bool:
    """Changes PostgreSQL does without losing values (and usually without a rewrite)."""
    if (old_type, new_type) in _WIDENINGS:
        return True
    return old_type.startswith("VARCHAR") and new_type in ("TEXT", "VARCHAR")
