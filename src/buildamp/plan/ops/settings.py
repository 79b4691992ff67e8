"""Table behaviour beyond columns: the updated_at trigger and its shared
function, row-level security, and snapshot-only table information."""

from __future__ import annotations

from dataclasses import dataclass, replace

from buildamp.model.schema import Table
from buildamp.pg.sqlbits import TOUCH_FUNCTION
from buildamp.plan.ops.base import Op, State


@dataclass(frozen=True)
class CreateTouchFunction(Op):
    """The shared ``buildamp_touch_updated_at()`` trigger function."""

    supporting = True

    def invert(self) -> DropTouchFunction:
        return DropTouchFunction()

    def apply(self, state: State) -> None:
        """Functions are not part of the schema model: nothing to replay."""

    def describe(self) -> str:
        return f"Function: {TOUCH_FUNCTION}() - created"

    def tables(self) -> tuple[str, ...]:
        return ()


@dataclass(frozen=True)
class DropTouchFunction(Op):
    supporting = True

    def invert(self) -> CreateTouchFunction:
        return CreateTouchFunction()

    def apply(self, state: State) -> None:
        """See :meth:`CreateTouchFunction.apply`."""

    def describe(self) -> str:
        return f"Function: {TOUCH_FUNCTION}() - dropped"

    def tables(self) -> tuple[str, ...]:
        return ()


@dataclass(frozen=True)
class SetTouchTrigger(Op):
    table: str
    enabled: bool

    supporting = True

    def invert(self) -> SetTouchTrigger:
        return replace(self, enabled=not self.enabled)

    def apply(self, state: State) -> None:
        state.change(self.table, touch_updated_at=self.enabled)

    def describe(self) -> str:
        change = "added" if self.enabled else "removed"
        return f"Table: {self.table} - updated_at trigger {change}"

    def tables(self) -> tuple[str, ...]:
        return (self.table,)


@dataclass(frozen=True)
class SetRowSecurity(Op):
    table: str
    enabled: bool

    def invert(self) -> SetRowSecurity:
        return replace(self, enabled=not self.enabled)

    def apply(self, state: State) -> None:
        state.change(self.table, rls=self.enabled)

    def describe(self) -> str:
        return f"Table: {self.table} - row-level security {'on' if self.enabled else 'off'}"

    def tables(self) -> tuple[str, ...]:
        return (self.table,)


# Table fields that only the snapshot records (no SQL of their own), by header word.
_INFO_FIELDS = {
    "storage": "storage",
    "document": "document fields",
    "custom_sql": "custom_sql",
    "validate": "validate",
    "tenant": "tenant",
    "primary_key": "primary key",
}


@dataclass(frozen=True)
class SetTableInfo(Op):
    """Changes only the snapshot (document fields, storage metadata): no SQL."""

    old: Table
    new: Table

    supporting = True

    def invert(self) -> SetTableInfo:
        return replace(self, old=self.new, new=self.old)

    def apply(self, state: State) -> None:
        state.change(self.new.name, **{name: getattr(self.new, name) for name in _INFO_FIELDS})

    def describe(self) -> str:
        changed = [
            word
            for name, word in _INFO_FIELDS.items()
            if getattr(self.old, name) != getattr(self.new, name)
        ]
        what = ", ".join(changed) or "settings"
        return f"Table: {self.new.name} - {what} changed in the schema state"

    def tables(self) -> tuple[str, ...]:
        return (self.new.name,)
