"""Human words for operations: the header lines of a migration and its slug."""

from __future__ import annotations

from buildamp.model.schema import Column, Constraint, Table
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
        case o.AlterColumn(table, old, new, _, _, _):
            return f"Field: {table}.{new.name} - {_column_change(old, new)}"
        case o.CreateIndex(table, index):
            kind = "unique index" if index.unique else "index"
            return f"Index: {index.name} - added {kind} on {table}"
        case o.DropIndex(table, index):
            return f"Index: {index.name} - dropped from {table}"
        case o.AddConstraint(table, constraint) if constraint.kind == "foreign_key":
            return f"Reference: {_reference(table, constraint)} - added ({constraint.name})"
        case o.DropConstraint(table, constraint) if constraint.kind == "foreign_key":
            return f"Reference: {_reference(table, constraint)} - dropped ({constraint.name})"
        case o.AddConstraint(table, constraint):
            return f"Constraint: {constraint.name} - added {constraint.kind} on {table}"
        case o.RenameConstraint(table, old, new):
            return f"Constraint: {new.name} - renamed from {old.name} on {table}"
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


def _reference(table: str, key: Constraint) -> str:
    """``comments.post_id -> posts.id (on delete cascade)``: the key without ``host``."""
    own = [c for c in key.columns if c != "host"] or list(key.columns)
    target = [c for c in key.ref_columns if c != "host"] or list(key.ref_columns)
    text = f"{table}.{','.join(own)} -> {key.references}.{','.join(target)}"
    return text + (f" on delete {key.on_delete}" if key.on_delete != "no action" else "")


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
    meaningful = [op for op in operations if describe(op) is not None and not _new_key(op, creates)]
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


def _new_key(op: o.Operation, creates: list[str]) -> bool:
    """A foreign key added with its table: part of creating it, not a change of its own."""
    if not isinstance(op, o.AddConstraint):
        return False
    return op.constraint.kind == "foreign_key" and op.table in creates


def tables_of(op: o.Operation) -> list[str]:
    table = getattr(op, "table", None)
    if isinstance(table, str):
        return [table]
    if isinstance(table, Table):
        return [table.name]
    if isinstance(op, o.RenameTable):
        return [op.new]
    return []
