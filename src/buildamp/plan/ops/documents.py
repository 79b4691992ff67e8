"""``storage = "jsonb"`` tables: keys of the ``data`` document, and switching a
table between typed columns and one document."""

from __future__ import annotations

from dataclasses import dataclass, replace

from buildamp.model.schema import Table
from buildamp.plan.ops.base import Op, State


@dataclass(frozen=True)
class RenameDocumentKey(Op):
    """``rename_from`` on a ``storage = "jsonb"`` table: move the key in every document."""

    table: str
    old: str
    new: str

    supporting = True

    def invert(self) -> RenameDocumentKey:
        return replace(self, old=self.new, new=self.old)

    def apply(self, state: State) -> None:
        """Document fields are recorded by the table's SetTableInfo."""

    def describe(self) -> str:
        return f"Field: {self.table}.{self.new} - document key renamed from {self.old}"

    def tables(self) -> tuple[str, ...]:
        return (self.table,)

    def fields(self) -> tuple[str, ...]:
        return (f"{self.table}.{self.new}",)


@dataclass(frozen=True)
class FillDocumentKey(Op):
    """A new document key with a default: set it where documents lack it. The
    inverse (``undo=True``) removes the key where it still holds that value."""

    table: str
    key: str
    value: str
    undo: bool = False
    value_type: str = "TEXT"  # the field's type: to_jsonb() needs a typed value

    supporting = True

    def invert(self) -> FillDocumentKey:
        return replace(self, undo=not self.undo)

    def apply(self, state: State) -> None:
        """See :meth:`RenameDocumentKey.apply`."""

    def describe(self) -> str:
        if self.undo:
            return f"Field: {self.table}.{self.key} - document key removed where it is {self.value}"
        return f"Field: {self.table}.{self.key} - document key filled with {self.value}"

    def tables(self) -> tuple[str, ...]:
        return (self.table,)

    def fields(self) -> tuple[str, ...]:
        return (f"{self.table}.{self.key}",)


@dataclass(frozen=True)
class ConvertDocumentKey(Op):
    """``convert_sql`` on a document key (``%s`` = the key's text value)."""

    table: str
    key: str
    using: str
    reverse_using: str

    supporting = True

    def invert(self) -> ConvertDocumentKey:
        return replace(self, using=self.reverse_using, reverse_using=self.using)

    def apply(self, state: State) -> None:
        """See :meth:`RenameDocumentKey.apply`."""

    def describe(self) -> str:
        return f"Field: {self.table}.{self.key} - document key converted"

    def tables(self) -> tuple[str, ...]:
        return (self.table,)

    def fields(self) -> tuple[str, ...]:
        return (f"{self.table}.{self.key}",)


@dataclass(frozen=True)
class ChangeStorage(Op):
    """Switch a table between typed columns and one JSONB document, carrying data."""

    old: Table
    new: Table

    supporting = True

    def invert(self) -> ChangeStorage:
        return replace(self, old=self.new, new=self.old)

    def apply(self, state: State) -> None:
        current = state.table(self.new.name)
        kept = [self.new.column(c.name) or c for c in current.columns if self.new.column(c.name)]
        added = [c for c in self.new.columns if current.column(c.name) is None]
        state.change(self.new.name, columns=tuple(kept + added))

    def describe(self) -> str:
        change = f"storage {self.old.storage} -> {self.new.storage}"
        if self.is_destructive():
            change += " (DESTRUCTIVE: document keys not in the model are dropped)"
        return f"Table: {self.new.name} - {change}"

    def tables(self) -> tuple[str, ...]:
        return (self.new.name,)

    def is_destructive(self) -> bool:
        return self.old.storage == "jsonb" and self.new.storage == "columns"
