"""The user's own SQL: ``custom_sql`` files and ``validate`` queries."""

from __future__ import annotations

from dataclasses import dataclass, replace

from buildamp.plan.ops.base import Op, State


@dataclass(frozen=True)
class RunSql(Op):
    """User SQL (``custom_sql``). ``down`` is the user's rollback section, if any;
    a missing side renders as a note saying nothing is undone."""

    label: str
    up: str | None
    down: str | None = None

    def invert(self) -> RunSql:
        return replace(self, up=self.down, down=self.up)

    def apply(self, state: State) -> None:
        """User SQL is opaque to the schema model: nothing to replay."""

    def describe(self) -> str:
        return f"Custom SQL: {self.label}"

    def tables(self) -> tuple[str, ...]:
        return ()


@dataclass(frozen=True)
class Validate(Op):
    """A query that must return 0 (``validate``), run inside the transaction.
    Its inverse (``undo=True``) renders nothing: a rollback has nothing to prove."""

    table: str
    query: str
    undo: bool = False
    source: str = ""  # the model (file:line:column) the query comes from

    supporting = True

    def invert(self) -> Validate:
        return replace(self, undo=not self.undo)

    def apply(self, state: State) -> None:
        """A check, not a change: nothing to replay."""

    def describe(self) -> str:
        if self.undo:
            return f"Validation: {self.table} - not run on rollback"
        return f"Validation: {self.table} - query must return 0"

    def tables(self) -> tuple[str, ...]:
        return (self.table,)
