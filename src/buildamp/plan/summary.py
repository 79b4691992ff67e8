"""Human words for a list of operations: the migration's slug. Each operation's
own header line is its ``describe``."""

from __future__ import annotations

from typing import assert_never

from buildamp.plan import ops as o


def slug_for(operations: list[o.Operation]) -> str:
    """``create_comments_users``, ``add_comments_upvotes``, ``update_users``."""
    creates = [op.table.name for op in operations if isinstance(op, o.CreateTable)]
    meaningful = [op for op in operations if not op.supporting and not _new_key(op, creates)]
    if creates and len(creates) == sum(isinstance(op, o.CreateTable) for op in meaningful):
        if all(isinstance(op, o.CreateTable | o.CreateEnum) for op in meaningful):
            return "create_" + "_".join(creates)
    if len(meaningful) == 1:
        slug = _single_slug(meaningful[0])
        if slug is not None:
            return slug
    tables = sorted({t for op in meaningful for t in op.tables()})
    return "update_" + "_".join(tables) if tables else "update_schema"


def _single_slug(op: o.Operation) -> str | None:
    match op:
        case o.AddColumn(table=table, column=column):
            return f"add_{table}_{column.name}"
        case o.DropColumn(table=table, column=column):
            return f"drop_{table}_{column.name}"
        case o.RenameColumn(table=table, new=new):
            return f"rename_{table}_{new}"
        case o.AlterColumn(table=table, new=new):
            return f"alter_{table}_{new.name}"
        case o.DropTable(table=table):
            return f"drop_{table.name}"
        case (
            o.CreateEnum()
            | o.DropEnum()
            | o.AlterEnum()
            | o.CreateTable()
            | o.RenameTable()
            | o.CreateIndex()
            | o.DropIndex()
            | o.AddConstraint()
            | o.DropConstraint()
            | o.RenameConstraint()
            | o.CreateTouchFunction()
            | o.DropTouchFunction()
            | o.SetTouchTrigger()
            | o.SetRowSecurity()
            | o.SetTableInfo()
            | o.RunSql()
            | o.Validate()
            | o.RenameDocumentKey()
            | o.FillDocumentKey()
            | o.ConvertDocumentKey()
            | o.ChangeStorage()
        ):
            return None
        case _:
            assert_never(op)


def _new_key(op: o.Operation, creates: list[str]) -> bool:
    """A foreign key added with its table: part of creating it, not a change of its own."""
    if not isinstance(op, o.AddConstraint):
        return False
    return op.constraint.kind == "foreign_key" and op.table in creates
