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
        case o.RenameDocumentKey(table, old_key, new_key):
            return f"Field: {table}.{new_key} - document key renamed from {old_key}"
        case o.FillDocumentKey(table, key, value, undo, _):
            if undo:
                return f"Field: {table}.{key} - document key removed where it holds {value}"
            return f"Field: {table}.{key} - document key filled with {value}"
        case o.ConvertDocumentKey(table, key, _, _):
            return f"Field: {table}.{key} - document key converted"
        case o.ChangeStorage(old_table, new_table):
            return f"Table: {new_table.name} - storage {old_table.storage} -> {new_table.storage}"
        case o.SetTableInfo(old_table, new_table):
            return _document_keys(old_table, new_table)
    return None


def _document_keys(old: Table, new: Table) -> str | None:
    """Keys added to or removed from a ``storage = "jsonb"`` model's documents."""
    before = {d.name for d in old.document}
    after = {d.name for d in new.document}
    changes = []
    if after - before:
        changes.append("document keys added: " + ", ".join(sorted(after - before)))
    if before - after:
        changes.append("document keys removed: " + ", ".join(sorted(before - after)))
    if not changes or old.storage != new.storage:
        return None
    return f"Table: {new.name} - " + "; ".join(changes)


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
    phrases = _phrases(operations)
    if phrases:
        return "_and_".join(phrases)
    tables = sorted({t for op in operations for t in tables_of(op)})
    return "change_" + "_".join(tables) if tables else "change_options"


_VERBS = {"add": "to", "remove": "from", "alter": "on"}


def _column_phrase(op: o.Operation) -> tuple[str, str, str] | None:
    """(verb, table, column) of a column change, grouped per table in the slug."""
    match op:
        case o.AddColumn(table, column, _):
            return "add", table, column.name
        case o.DropColumn(table, column, _):
            return "remove", table, column.name
        case o.AlterColumn(table, _, new, _, _, _):
            return "alter", table, new.name
    return None


def _phrases(operations: list[o.Operation]) -> list[str]:
    """Django-style words, one phrase per kind of change and table:
    ``add_phone_marketing_opt_in_to_customers``, ``add_processing_to_order_status``."""
    columns: dict[tuple[str, str], list[str]] = {}
    slots: list[str | tuple[str, str]] = []
    renamed_tables = any(isinstance(op, o.RenameTable) for op in operations)
    for op in operations:
        change = _column_phrase(op)
        if change is not None:
            verb, table, column = change
            if (verb, table) not in columns:
                columns[verb, table] = []
                slots.append((verb, table))
            columns[verb, table].append(column)
            continue
        slots += _other_phrases(op, renamed_tables)
    named = {t for op in operations if not isinstance(op, o.SetTableInfo) for t in tables_of(op)}
    for op in operations:  # document keys, said only when nothing else names the table
        if isinstance(op, o.SetTableInfo) and op.new.name not in named:
            slots += _document_phrases(op.old, op.new)
    if not slots:  # only indexes and constraints changed
        slots = [phrase for op in operations if (phrase := _object(op))]
    return [
        slot
        if isinstance(slot, str)
        else f"{slot[0]}_{'_'.join(columns[slot])}_{_VERBS[slot[0]]}_{slot[1]}"
        for slot in slots
    ]


def _other_phrases(op: o.Operation, renamed_tables: bool) -> list[str]:
    match op:
        case o.RenameColumn(table, old, new):
            return [f"rename_{old}_to_{new}_in_{table}"]
        case o.CreateTable(table):
            return [f"create_{table.name}"]
        case o.DropTable(table):
            return [f"delete_{table.name}"]
        case o.RenameTable(old, new):
            return [f"rename_{old}_to_{new}"]
        case o.CreateEnum(enum):
            return [f"create_{enum.name}"]
        case o.DropEnum(enum):
            return [f"delete_{enum.name}"]
        case o.AlterEnum(old, new, _, renames):
            phrases = [f"rename_{a}_to_{b}_in_{new.name}" for a, b in renames]
            renamed = {b for _, b in renames}
            added = [v for v in new.values if v not in old.values and v not in renamed]
            if op.additive and added:
                phrases.append(f"add_{'_'.join(added)}_to_{new.name}")
            elif not op.additive:
                phrases.append(f"alter_{new.name}")
            return phrases
        case o.RenameIndex(_, old, new):
            return [] if renamed_tables else [f"rename_{old}_to_{new}"]
        case o.RenameConstraint(_, old_key, new_key):
            return [] if renamed_tables else [f"rename_{old_key.name}_to_{new_key.name}"]
        case o.SetRowSecurity(table, enabled):
            return [f"{'enable' if enabled else 'disable'}_rls_on_{table}"]
        case o.RunSql(label, _, _):
            return ["custom_" + label.rsplit("/", 1)[-1].removesuffix(".sql")]
        case o.RenameDocumentKey(table, old, new):
            return [f"rename_{old}_to_{new}_in_{table}"]
        case o.ConvertDocumentKey(table, key, _, _):
            return [f"alter_{key}_on_{table}"]
        case o.ChangeStorage(_, new):
            return [f"store_{new.name}_as_{new.storage}"]
    return []


def _document_phrases(old: Table, new: Table) -> list[str]:
    before = {d.name for d in old.document}
    after = [d.name for d in new.document]
    added = [k for k in after if k not in before]
    removed = sorted(before - set(after))
    phrases = [f"add_{'_'.join(added)}_to_{new.name}"] if added else []
    return phrases + ([f"remove_{'_'.join(removed)}_from_{new.name}"] if removed else [])


def _object(op: o.Operation) -> str | None:
    match op:
        case o.CreateIndex(_, index):
            return f"add_{index.name}"
        case o.DropIndex(_, index):
            return f"remove_{index.name}"
        case o.AddConstraint(_, constraint):
            return f"add_{constraint.name}"
        case o.DropConstraint(_, constraint):
            return f"remove_{constraint.name}"
    return None


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
    if isinstance(op, o.SetTableInfo | o.ChangeStorage):
        return [op.new.name]
    return []
