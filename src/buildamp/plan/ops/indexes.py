"""Indexes and table constraints (unique, check, foreign key)."""

from __future__ import annotations

from dataclasses import dataclass

from buildamp.model.schema import Constraint, Index
from buildamp.plan.ops.base import Landed, Op, State


@dataclass(frozen=True)
class CreateIndex(Op):
    table: str
    index: Index

    def invert(self) -> DropIndex:
        return DropIndex(table=self.table, index=self.index)

    def apply(self, state: State) -> None:
        state.change(self.table, indexes=(*state.table(self.table).indexes, self.index))

    def describe(self) -> str:
        kind = "unique index" if self.index.unique else "index"
        return f"Index: {self.index.name} - added {kind} on {self.table}"

    def tables(self) -> tuple[str, ...]:
        return (self.table,)

    def landed(self) -> tuple[Landed, ...]:
        return (Landed("index", self.table, self.index.name),)


@dataclass(frozen=True)
class DropIndex(Op):
    table: str
    index: Index

    def invert(self) -> CreateIndex:
        return CreateIndex(table=self.table, index=self.index)

    def apply(self, state: State) -> None:
        kept = tuple(i for i in state.table(self.table).indexes if i.name != self.index.name)
        state.change(self.table, indexes=kept)

    def describe(self) -> str:
        return f"Index: {self.index.name} - dropped from {self.table}"

    def tables(self) -> tuple[str, ...]:
        return (self.table,)


@dataclass(frozen=True)
class AddConstraint(Op):
    table: str
    constraint: Constraint

    def invert(self) -> DropConstraint:
        return DropConstraint(table=self.table, constraint=self.constraint)

    def apply(self, state: State) -> None:
        constraints = (*state.table(self.table).constraints, self.constraint)
        state.change(self.table, constraints=constraints)

    def describe(self) -> str:
        return f"Constraint: {self.constraint.name} - added {self.constraint.kind} on {self.table}"

    def tables(self) -> tuple[str, ...]:
        return (self.table,)

    def landed(self) -> tuple[Landed, ...]:
        return (Landed("constraint", self.table, self.constraint.name),)


@dataclass(frozen=True)
class DropConstraint(Op):
    table: str
    constraint: Constraint

    def invert(self) -> AddConstraint:
        return AddConstraint(table=self.table, constraint=self.constraint)

    def apply(self, state: State) -> None:
        kept = tuple(
            c for c in state.table(self.table).constraints if c.name != self.constraint.name
        )
        state.change(self.table, constraints=kept)

    def describe(self) -> str:
        return f"Constraint: {self.constraint.name} - dropped from {self.table}"

    def tables(self) -> tuple[str, ...]:
        return (self.table,)
