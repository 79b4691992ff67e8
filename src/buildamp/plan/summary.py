"""Human words for a list of operations: the migration's slug. Each operation's
own header line is its ``describe``."""

from __future__ import annotations

from typing import assert_never

from buildamp.model.schema import Table
from buildamp.plan import ops as o


def slug_for(operations: list[o.Operation]) -> str:
    """``create_comments_users``, ``add_comments_upvotes``, ``update_users``."""
    creates = [op.table.name for op in operations if isinstance(op, o.CreateTable)]
    meaningful = [op for op in operations if not op.supporting and not _new_key(op, creates)]
    if creates and len(creates) == sum(isinstance(op, o.CreateTable) for op in meaningful):
        if all(isinstance(op, o.CreateTable | o.CreateEnum) for op in meaningful):
            return "create_" + "_".join(creates)
    phrases = _phrases(operations)
    if phrases:
        return "_and_".join(phrases)
    tables = sorted({t for op in operations for t in op.tables()})
    return "change_" + "_".join(tables) if tables else "change_options"


_VERBS = {"add": "to", "remove": "from", "alter": "on"}


def _column_phrase(op: o.Operation) -> tuple[str, str, str] | None:
    """(verb, table, column) of a column change, grouped per table in the slug."""
    if isinstance(op, o.AddColumn):
        return "add", op.table, op.column.name
    if isinstance(op, o.DropColumn):
        return "remove", op.table, op.column.name
    if isinstance(op, o.AlterColumn):
        return "alter", op.table, op.new.name
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
    named = {t for op in operations if not isinstance(op, o.SetTableInfo) for t in op.tables()}
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
        case o.AlterEnum(old=old, new=new, renames=renames):
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
        case o.RunSql(label=label):
            return ["custom_" + label.rsplit("/", 1)[-1].removesuffix(".sql")]
        case o.RenameDocumentKey(table, old, new):
            return [f"rename_{old}_to_{new}_in_{table}"]
        case o.ConvertDocumentKey(table, key, _, _):
            return [f"alter_{key}_on_{table}"]
        case o.ChangeStorage(_, new):
            return [f"store_{new.name}_as_{new.storage}"]
        case (
            o.AddColumn()
            | o.DropColumn()
            | o.AlterColumn()
            | o.CreateIndex()
            | o.DropIndex()
            | o.AddConstraint()
            | o.DropConstraint()
            | o.CreateTouchFunction()
            | o.DropTouchFunction()
            | o.SetTouchTrigger()
            | o.SetTableInfo()
            | o.SetComment()
            | o.Validate()
            | o.FillDocumentKey()
        ):
            return []  # columns are grouped by the caller; the rest name no change
        case _:
            assert_never(op)


def _document_phrases(old: Table, new: Table) -> list[str]:
    before = {d.name for d in old.document}
    after = [d.name for d in new.document]
    added = [k for k in after if k not in before]
    removed = sorted(before - set(after))
    phrases = [f"add_{'_'.join(added)}_to_{new.name}"] if added else []
    return phrases + ([f"remove_{'_'.join(removed)}_from_{new.name}"] if removed else [])


def _object(op: o.Operation) -> str | None:
    """The index or constraint's own name, when nothing else changed."""
    if isinstance(op, o.CreateIndex):
        return f"add_{op.index.name}"
    if isinstance(op, o.DropIndex):
        return f"remove_{op.index.name}"
    if isinstance(op, o.AddConstraint):
        return f"add_{op.constraint.name}"
    if isinstance(op, o.DropConstraint):
        return f"remove_{op.constraint.name}"
    if isinstance(op, o.SetComment):
        return f"comment_{op.table}" if op.column is None else f"comment_{op.table}_{op.column}"
    return None


def _new_key(op: o.Operation, creates: list[str]) -> bool:
    """A foreign key added with its table: part of creating it, not a change of its own."""
    if not isinstance(op, o.AddConstraint):
        return False
    return op.constraint.kind == "foreign_key" and op.table in creates
