"""Indexes and table constraints (unique, check, foreign key)."""

from __future__ import annotations

from dataclasses import dataclass, replace

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
        if self.constraint.kind == "foreign_key":
            key = self.constraint
            return f"Reference: {_reference(self.table, key)} - added ({key.name})"
        return f"Constraint: {self.constraint.name} - added {self.constraint.kind} on {self.table}"

    def tables(self) -> tuple[str, ...]:
        return _key_tables(self.table, self.constraint)

    def fields(self) -> tuple[str, ...]:
        return _key_fields(self.table, self.constraint)

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
        if self.constraint.kind == "foreign_key":
            key = self.constraint
            return f"Reference: {_reference(self.table, key)} - dropped ({key.name})"
        return f"Constraint: {self.constraint.name} - dropped from {self.table}"

    def tables(self) -> tuple[str, ...]:
        return _key_tables(self.table, self.constraint)

    def fields(self) -> tuple[str, ...]:
        return _key_fields(self.table, self.constraint)


@dataclass(frozen=True)
class RenameConstraint(Op):
    """Same constraint, new name (its table or column was renamed and the name
    follows): ``RENAME CONSTRAINT`` keeps its index and the foreign keys that use
    it, instead of rebuilding and re-validating them."""

    table: str
    old: Constraint
    new: Constraint

    def invert(self) -> RenameConstraint:
        return replace(self, old=self.new, new=self.old)

    def apply(self, state: State) -> None:
        kept = tuple(c for c in state.table(self.table).constraints if c.name != self.old.name)
        state.change(self.table, constraints=(*kept, self.new))

    def describe(self) -> str:
        return f"Constraint: {self.new.name} - renamed from {self.old.name} on {self.table}"

    def tables(self) -> tuple[str, ...]:
        return (self.table,)


def _reference(table: str, key: Constraint) -> str:
    """``comments.post_id -> posts.id on delete cascade``: the key without ``host``."""
    own = [c for c in key.columns if c != "host"] or list(key.columns)
    target = [c for c in key.ref_columns if c != "host"] or list(key.ref_columns)
    text = f"{table}.{','.join(own)} -> {key.references}.{','.join(target)}"
    return text + (f" on delete {key.on_delete}" if key.on_delete != "no action" else "")


def _key_tables(table: str, constraint: Constraint) -> tuple[str, ...]:
    """A foreign key changes what both of its ends may hold."""
    if constraint.kind == "foreign_key" and constraint.references not in (None, table):
        return (table, str(constraint.references))
    return (table,)


def _key_fields(table: str, constraint: Constraint) -> tuple[str, ...]:
    if constraint.kind != "foreign_key":
        return ()
    return tuple(f"{table}.{c}" for c in constraint.columns if c != "host")
