"""Human words for operations: the header lines of a migration and its slug."""

from __future__ import annotations

from buildamp.model.schema import Column, Table
from buildamp.plan import ops as o


def describe(op: o.Operation) -> str | None:
    """One header line (seed style: ``Field: upvotes - added``) or None."""
    match op:
        case o.CreateTable(table):
            return f"Table: {table.name} - created"
        case o.DropTable(table):
            return f"Table: {table.name} - dropped (DESTRUCTIVE)"
        case o.RenameTable(old, new):
            return f"Table: {new} - renamed from {old}"
        case o.AddColumn(table, column, _):
            return f"Field: {table}.{column.name} - added"
        case o.DropColumn(table, column, _):
            return f"Field: {table}.{column.name} - removed (DESTRUCTIVE)"
        case o.RenameColumn(table, old, new):
            return f"Field: {table}.{new} - renamed from {old}"
        case o.AlterColumn(table, old, new, using, _, _):
            change = _column_change(old, new)
            if using is not None and old.type == new.type:
                change = "data converted" if change == "changed" else f"{change}, data converted"
            return f"Field: {table}.{new.name} - {change}"
        case o.CreateIndex(table, index):
            kind = "unique index" if index.unique else "index"
            return f"Index: {index.name} - added {kind} on {table}"
        case o.DropIndex(table, index):
            return f"Index: {index.name} - dropped from {table}"
        case o.RenameIndex(table, old_name, new_name):
            return f"Index: {new_name} - renamed from {old_name}"
        case o.RenameConstraint(table, old_name, new_name):
            return f"Constraint: {new_name} - renamed from {old_name}"
        case o.AddConstraint(table, constraint):
            return f"Constraint: {constraint.name} - added {constraint.kind} on {table}"
        case o.DropConstraint(table, constraint):
            return f"Constraint: {constraint.name} - dropped from {table}"
        case o.CreateEnum(enum):
            return f"Enum: {enum.name} - created"
        case o.DropEnum(enum):
            return f"Enum: {enum.name} - dropped"
        case o.AlterEnum(old, new, _):
            return f"Enum: {new.name} - values changed"
        case o.SetRowSecurity(table, enabled):
            return f"Table: {table} - row-level security {'on' if enabled else 'off'}"
        case o.RunSql(label, _, _):
            return f"Custom SQL: {label}"
    return None


def _column_change(old: Column, new: Column) -> str:
    changes = []
    if old.type != new.type:
        changes.append(f"type {old.type} -> {new.type}")
    if old.not_null != new.not_null:
        changes.append("now NOT NULL" if new.not_null else "now nullable")
    if old.default != new.default:
        changes.append(f"default {new.default or 'removed'}")
    if old.deprecated != new.deprecated:
        changes.append("deprecated" if new.deprecated else "no longer deprecated")
    if old.identity != new.identity:
        changes.append("identity changed")
    return ", ".join(changes) or "changed"


def slug_for(operations: list[o.Operation]) -> str:
    """``create_comments_users``, ``add_comments_upvotes``, ``update_users``."""
    creates = [op.table.name for op in operations if isinstance(op, o.CreateTable)]
    meaningful = [op for op in operations if describe(op) is not None]
    if creates and len(creates) == sum(isinstance(op, o.CreateTable) for op in meaningful):
        if all(isinstance(op, o.CreateTable | o.CreateEnum) for op in meaningful):
            return "create_" + "_".join(creates)
    if len(meaningful) == 1:
        op = meaningful[0]
        match op:
            case o.AddColumn(table, column, _):
                return f"add_{table}_{column.name}"
            case o.DropColumn(table, column, _):
                return f"drop_{table}_{column.name}"
            case o.RenameColumn(table, _, new):
                return f"rename_{table}_{new}"
            case o.AlterColumn(table, _, new, _, _, _):
                return f"alter_{table}_{new.name}"
            case o.DropTable(table):
                return f"drop_{table.name}"
    tables = sorted({t for op in meaningful for t in tables_of(op)})
    return "update_" + "_".join(tables) if tables else "update_schema"


def tables_of(op: o.Operation) -> list[str]:
    table = getattr(op, "table", None)
    if isinstance(table, str):
        return [table]
    if isinstance(table, Table):
        return [table.name]
    if isinstance(op, o.RenameTable):
        return [op.new]
    return []
