"""Comments on tables and columns (``COMMENT ON``): a model's doc comments."""

from __future__ import annotations

from dataclasses import dataclass, replace

from buildamp.plan.ops.base import Op, State


@dataclass(frozen=True)
class SetComment(Op):
    """A table's comment (``column`` None) or a column's, from ``old`` to ``new``
    (None: no comment). Tables and columns created with a comment carry it in
    their own op; this is the change of an existing one."""

    table: str
    column: str | None
    old: str | None
    new: str | None

    def invert(self) -> SetComment:
        return replace(self, old=self.new, new=self.old)

    def apply(self, state: State) -> None:
        table = state.table(self.table)
        if self.column is None:
            state.change(self.table, comment=self.new)
            return
        columns = tuple(
            replace(c, comment=self.new) if c.name == self.column else c for c in table.columns
        )
        state.change(self.table, columns=columns)

    def describe(self) -> str:
        target = self.table if self.column is None else f"{self.table}.{self.column}"
        kind = "Table" if self.column is None else "Field"
        change = "added" if self.old is None else "removed" if self.new is None else "changed"
        return f"{kind}: {target} - comment {change}"

    def tables(self) -> tuple[str, ...]:
        return (self.table,)

    def fields(self) -> tuple[str, ...]:
        return () if self.column is None else (f"{self.table}.{self.column}",)
