"""The change list ``generate`` prints: one line per change, ``+`` added,
``~`` changed, ``-`` removed (coloured on a terminal; click drops the colour
when stdout is not one)."""

from __future__ import annotations

import click

from buildamp.model.schema import Column
from buildamp.plan import ops as o


def _column(column: Column) -> str:
    return f"{column.type} {'NOT NULL' if column.not_null else 'NULL'}"


def change_line(op: o.Operation) -> tuple[str, str] | None:
    """(sign, text) for one operation, or None for the invisible ones."""
    destructive = " (destructive)" if o.is_destructive(op) else ""
    if isinstance(op, o.CreateTable):
        return "+", f"table {op.table.name}"
    if isinstance(op, o.DropTable):
        return "-", f"table {op.table.name}{destructive}"
    if isinstance(op, o.AddColumn):
        return "+", f"{op.table}.{op.column.name}  {_column(op.column)}"
    if isinstance(op, o.DropColumn):
        return "-", f"{op.table}.{op.column.name}{destructive}"
    if isinstance(op, o.AlterColumn):
        return "~", f"{op.table}.{op.new.name}  {_column(op.old)} -> {_column(op.new)}{destructive}"
    if isinstance(op, o.CreateIndex):
        kind = "unique index" if op.index.unique else "index"
        return "+", f"{kind} {op.index.name} on {op.table}"
    if isinstance(op, o.DropIndex):
        return "-", f"index {op.index.name} on {op.table}"
    if isinstance(op, o.AddConstraint):
        return "+", f"{op.constraint.kind} {op.constraint.name} on {op.table}"
    if isinstance(op, o.DropConstraint):
        return "-", f"{op.constraint.kind} {op.constraint.name} on {op.table}"
    if op.supporting:
        return None
    text = op.describe()
    sign = (
        "-"
        if "dropped" in text or "removed" in text
        else "+"
        if "added" in text or "created" in text
        else "~"
    )
    return sign, text + destructive if destructive and "DESTRUCTIVE" not in text else text


_COLOUR = {"+": "green", "~": "yellow", "-": "red"}


def echo_changes(operations: list[o.Operation]) -> None:
    """One write for the whole list: ``click.echo`` per line cost ~0.1 s for the
    2,000 lines of a first generate at 1,000 models."""
    lines = [
        click.style(f"{sign} {text}", fg=_COLOUR[sign])
        for sign, text in filter(None, map(change_line, operations))
    ]
    if lines:
        click.echo("\n".join(lines))
