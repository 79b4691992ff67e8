"""What every operation shares: the behaviour each must define, the replay
state it moves forward, and the record of what it creates (its landed check).

An operation owns its whole meaning here (as Django's ``Operation`` does):
``invert`` (the rollback, built by keyword), ``apply`` (the state transition
replay checks), ``describe`` (the migration header line), ``is_destructive``
and ``landed``. SQL lives in ``buildamp.render``; a new operation that misses
one of the abstract methods cannot be instantiated, and one missing from a
``match`` in the renderers fails mypy at its ``assert_never``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, replace
from typing import Any, ClassVar, Literal

from buildamp.model.errors import InternalError
from buildamp.model.schema import Constraint, Enum, Table


@dataclass
class State:
    """The schema being replayed, by name."""

    tables: dict[str, Table]
    enums: dict[str, Enum]

    def table(self, name: str) -> Table:
        if name not in self.tables:
            raise InternalError(f"internal self-check failed: table {name!r} missing during replay")
        return self.tables[name]

    def change(self, name: str, **changes: Any) -> None:
        """Replace fields of table ``name`` (which must exist)."""
        self.tables[name] = replace(self.table(name), **changes)

    def follow(self, old: str, new: str, columns: dict[tuple[str, str], str]) -> None:
        """Foreign keys pointing at a renamed table (``old`` -> ``new``) or column
        (``columns``: (table, old) -> new) follow it, as in PostgreSQL."""
        tables = {old: new} if old != new else {}
        for name, table in list(self.tables.items()):
            if any(c.references == old for c in table.constraints):
                keys = tuple(renamed_key(c, tables, columns) for c in table.constraints)
                self.tables[name] = replace(table, constraints=keys)


def renamed_key(
    constraint: Constraint, tables: dict[str, str], columns: dict[tuple[str, str], str]
) -> Constraint:
    """A foreign key pointing at the new names of renamed tables and columns."""
    if constraint.kind != "foreign_key" or constraint.references is None:
        return constraint
    target = tables.get(constraint.references, constraint.references)
    ref_columns = tuple(columns.get((target, c), c) for c in constraint.ref_columns)
    if target == constraint.references and ref_columns == constraint.ref_columns:
        return constraint
    return replace(constraint, references=target, ref_columns=ref_columns)


@dataclass(frozen=True)
class Landed:
    """An object a migration creates, proven to exist before it commits."""

    kind: Literal["table", "column", "index", "constraint"]
    table: str
    name: str


class Op(ABC):
    """Base of every operation dataclass."""

    # True for operations that only follow from another change (the trigger
    # function, a validation, document data moves): they are described in the
    # header but do not name the migration file.
    supporting: ClassVar[bool] = False

    @abstractmethod
    def invert(self) -> Op:
        """The operation that undoes this one."""

    @abstractmethod
    def apply(self, state: State) -> None:
        """Move the replayed schema forward as running this op would."""

    @abstractmethod
    def describe(self) -> str:
        """One header line (``Field: users.email - added``)."""

    @abstractmethod
    def tables(self) -> tuple[str, ...]:
        """Tables this op changes (for slugs, events, webhooks)."""

    def fields(self) -> tuple[str, ...]:
        """``table.column`` names this op changes."""
        return ()

    def is_destructive(self) -> bool:
        """Loses data when run."""
        return False

    def landed(self) -> tuple[Landed, ...]:
        """Objects this op creates that the migration proves exist."""
        return ()
