"""Whole tables: create, drop, rename."""

from __future__ import annotations

from dataclasses import dataclass, replace

from buildamp.model.schema import Table
from buildamp.plan.ops.base import Landed, Op, State


@dataclass(frozen=True)
class CreateTable(Op):
    table: Table

    def invert(self) -> DropTable:
        return DropTable(table=self.table)

    def apply(self, state: State) -> None:
        state.tables[self.table.name] = self.table

    def describe(self) -> str:
        return f"Table: {self.table.name} - created"

    def tables(self) -> tuple[str, ...]:
        return (self.table.name,)

    def landed(self) -> tuple[Landed, ...]:
        return (Landed("table", self.table.name, self.table.name),)


@dataclass(frozen=True)
class DropTable(Op):
    table: Table

    def invert(self) -> CreateTable:
        return CreateTable(table=self.table)

    def apply(self, state: State) -> None:
        state.tables.pop(self.table.name, None)

    def describe(self) -> str:
        return f"Table: {self.table.name} - dropped (DESTRUCTIVE)"

    def tables(self) -> tuple[str, ...]:
        return (self.table.name,)

    def is_destructive(self) -> bool:
        return True


@dataclass(frozen=True)
class RenameTable(Op):
    old: str
    new: str
    touch_trigger: bool = False  # the table has trg_<name>_updated_at, renamed along

    def invert(self) -> RenameTable:
        return replace(self, old=self.new, new=self.old)

    def apply(self, state: State) -> None:
        state.tables[self.new] = replace(state.table(self.old), name=self.new)
        del state.tables[self.old]
        state.follow(self.old, self.new, {})

    def describe(self) -> str:
        return f"Table: {self.new} - renamed from {self.old}"

    def tables(self) -> tuple[str, ...]:
        return (self.new,)
