"""Columns of a ``storage = "columns"`` table: add, drop, rename, alter."""

from __future__ import annotations

from dataclasses import dataclass, replace

from buildamp.model.schema import Column, Constraint, Index
from buildamp.pg.facts import widens
from buildamp.plan.ops.base import Landed, Op, State


@dataclass(frozen=True)
class AddColumn(Op):
    table: str
    column: Column
    backfill: str | None = None

    def invert(self) -> DropColumn:
        return DropColumn(table=self.table, column=self.column, backfill=self.backfill)

    def apply(self, state: State) -> None:
        state.change(self.table, columns=(*state.table(self.table).columns, self.column))

    def describe(self) -> str:
        return f"Field: {self.table}.{self.column.name} - added"

    def tables(self) -> tuple[str, ...]:
        return (self.table,)

    def fields(self) -> tuple[str, ...]:
        return (f"{self.table}.{self.column.name}",)

    def landed(self) -> tuple[Landed, ...]:
        return (Landed("column", self.table, self.column.name),)


@dataclass(frozen=True)
class DropColumn(Op):
    table: str
    column: Column
    backfill: str | None = None

    def invert(self) -> AddColumn:
        return AddColumn(table=self.table, column=self.column, backfill=self.backfill)

    def apply(self, state: State) -> None:
        kept = tuple(c for c in state.table(self.table).columns if c.name != self.column.name)
        state.change(self.table, columns=kept)

    def describe(self) -> str:
        return f"Field: {self.table}.{self.column.name} - removed (DESTRUCTIVE)"

    def tables(self) -> tuple[str, ...]:
        return (self.table,)

    def fields(self) -> tuple[str, ...]:
        return (f"{self.table}.{self.column.name}",)

    def is_destructive(self) -> bool:
        return True


@dataclass(frozen=True)
class RenameColumn(Op):
    table: str
    old: str
    new: str

    def invert(self) -> RenameColumn:
        return replace(self, old=self.new, new=self.old)

    def apply(self, state: State) -> None:
        columns = tuple(
            replace(c, name=self.new) if c.name == self.old else c
            for c in state.table(self.table).columns
        )
        state.change(self.table, columns=columns)
        state.follow(self.table, self.table, {(self.table, self.old): self.new})

    def describe(self) -> str:
        return f"Field: {self.table}.{self.new} - renamed from {self.old}"

    def tables(self) -> tuple[str, ...]:
        return (self.table,)

    def fields(self) -> tuple[str, ...]:
        return (f"{self.table}.{self.new}",)


@dataclass(frozen=True)
class AlterColumn(Op):
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
    # The table's primary key when it holds the column: an online type change
    # rebuilds it on the new column (its old index goes with the old column).
    primary_key: tuple[str, ...] = ()
    # False when ``reverse_using`` is only a plain cast back (no convert_back_sql):
    # the rollback runs but does not undo what ``using`` did to the values.
    reverse_exact: bool = True

    def invert(self) -> AlterColumn:
        return replace(
            self, old=self.new, new=self.old, using=self.reverse_using, reverse_using=self.using
        )

    def apply(self, state: State) -> None:
        columns = tuple(
            self.new if c.name == self.old.name else c for c in state.table(self.table).columns
        )
        state.change(self.table, columns=columns)

    def describe(self) -> str:
        change = _column_change(self.old, self.new)
        if self.using is not None and self.old.type == self.new.type:
            change = "data converted" if change == "changed" else f"{change}, data converted"
        return f"Field: {self.table}.{self.new.name} - {change}"

    def tables(self) -> tuple[str, ...]:
        return (self.table,)

    def fields(self) -> tuple[str, ...]:
        return (f"{self.table}.{self.new.name}",)

    def is_destructive(self) -> bool:
        """A narrowing type change without ``convert_sql`` loses what does not fit."""
        old, new = self.old.type, self.new.type
        return old != new and self.using is None and not widens(old, new)


def _column_change(old: Column, new: Column) -> str:
    changes = []
    if old.type != new.type:
        changes.append(f"type {old.type} -> {new.type}")
    if old.not_null != new.not_null:
        changes.append("now NOT NULL" if new.not_null else "now nullable")
    if old.default != new.default:
        changes.append(f"default {new.default or 'removed'}")
    if old.deprecated != new.deprecated:
        changes.append("deprecated" if new.deprecated else "no longer deprecated")
    if old.identity != new.identity:
        changes.append("identity changed")
    return ", ".join(changes) or "changed"
