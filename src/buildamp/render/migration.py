"""Operations -> SQL steps: one renderer per operation, plain or online."""

from __future__ import annotations

from dataclasses import replace
from typing import Any, assert_never

from buildamp.model.errors import PlanError
from buildamp.plan import ops as o
from buildamp.render.data import (
    render_change_storage,
    render_convert_document_key,
    render_fill_document_key,
    render_rename_document_key,
    render_run_sql,
    render_validate,
    verify_landed,
)
from buildamp.render.ddl import (
    created_comments,
    render_add_column,
    render_add_constraint,
    render_alter_column,
    render_alter_enum,
    render_create_enum,
    render_create_index,
    render_create_table,
    render_create_touch_function,
    render_drop_column,
    render_drop_constraint,
    render_drop_enum,
    render_drop_index,
    render_drop_table,
    render_drop_touch_function,
    render_rename_column,
    render_rename_constraint,
    render_rename_index,
    render_rename_table,
    render_set_comment,
    render_set_row_security,
    render_set_table_info,
    render_set_touch_trigger,
)
from buildamp.render.online import (
    copies_column,
    online_add_column,
    online_add_constraint,
    online_alter_column,
    online_convert_document_key,
    online_create_index,
    online_drop_constraint,
    online_drop_index,
    online_fill_document_key,
    online_rename_document_key,
)
from buildamp.render.step import RenderOptions, Step


def _plain(op: o.Operation) -> list[Step]:
    match op:
        case o.CreateTable():
            return render_create_table(op)
        case o.DropTable():
            return render_drop_table(op)
        case o.RenameTable():
            return render_rename_table(op)
        case o.AddColumn():
            return render_add_column(op)
        case o.DropColumn():
            return render_drop_column(op)
        case o.RenameColumn():
            return render_rename_column(op)
        case o.AlterColumn():
            return render_alter_column(op)
        case o.CreateIndex():
            return render_create_index(op)
        case o.DropIndex():
            return render_drop_index(op)
        case o.RenameIndex():
            return render_rename_index(op)
        case o.AddConstraint():
            return render_add_constraint(op)
        case o.DropConstraint():
            return render_drop_constraint(op)
        case o.RenameConstraint():
            return render_rename_constraint(op)
        case o.CreateEnum():
            return render_create_enum(op)
        case o.DropEnum():
            return render_drop_enum(op)
        case o.AlterEnum():
            return render_alter_enum(op)
        case o.CreateTouchFunction():
            return render_create_touch_function(op)
        case o.DropTouchFunction():
            return render_drop_touch_function(op)
        case o.SetTouchTrigger():
            return render_set_touch_trigger(op)
        case o.SetRowSecurity():
            return render_set_row_security(op)
        case o.SetTableInfo():
            return render_set_table_info(op)
        case o.SetComment():
            return render_set_comment(op)
        case o.RunSql():
            return render_run_sql(op)
        case o.Validate():
            return render_validate(op)
        case o.RenameDocumentKey():
            return render_rename_document_key(op)
        case o.FillDocumentKey():
            return render_fill_document_key(op)
        case o.ConvertDocumentKey():
            return render_convert_document_key(op)
        case o.ChangeStorage():
            return render_change_storage(op)
        case _:
            assert_never(op)


def _online(op: o.Operation) -> list[Step]:
    """Lock-safe forms for tables that already hold data; the rest render plainly
    (matched first: a new table, the commonest op, then costs one type check)."""
    match op:
        case (
            o.CreateTable()
            | o.DropTable()
            | o.RenameTable()
            | o.DropColumn()
            | o.RenameColumn()
            | o.RenameIndex()
            | o.RenameConstraint()
            | o.CreateEnum()
            | o.DropEnum()
            | o.AlterEnum()
            | o.CreateTouchFunction()
            | o.DropTouchFunction()
            | o.SetTouchTrigger()
            | o.SetRowSecurity()
            | o.SetTableInfo()
            | o.SetComment()
            | o.RunSql()
            | o.Validate()
            | o.ChangeStorage()
        ):
            return _plain(op)
        case o.CreateIndex():
            return online_create_index(op)
        case o.DropIndex():
            return online_drop_index(op)
        case o.AddConstraint():
            return online_add_constraint(op)
        case o.DropConstraint():
            return online_drop_constraint(op)
        case o.AddColumn():
            return online_add_column(op)
        case o.AlterColumn():
            return online_alter_column(op)
        case o.RenameDocumentKey():
            return online_rename_document_key(op)
        case o.FillDocumentKey():
            return online_fill_document_key(op)
        case o.ConvertDocumentKey():
            return online_convert_document_key(op)
        case _:
            assert_never(op)


def render_op(op: o.Operation, options: RenderOptions | None = None) -> list[Step]:
    """The steps of one operation, each carrying the op it came from."""
    online = options is not None and options.online
    steps = _online(op) if online else _plain(op)
    if isinstance(op, o.CreateTable | o.AddColumn):
        steps = _with_comments(steps, created_comments(op))
    if options is not None and options.distribution == "citus":
        # Citus rendering only for distribution = "citus"
        from buildamp.render.citus import citus_steps

        steps = citus_steps(op, steps, options)
    return [step.of(op) for step in steps]


def _with_comments(steps: list[Step], comments: list[Step]) -> list[Step]:
    """A new table's or column's comments, right after the statement creating it
    (in the transaction, before any step that runs after COMMIT)."""
    if not comments:
        return steps
    first = next(
        (i for i, s in enumerate(steps) if s.role == "ddl" and s.phase == "tx"), len(steps) - 1
    )
    return [*steps[: first + 1], *comments, *steps[first + 1 :]]


def render_all(operations: list[o.Operation], options: RenderOptions | None = None) -> list[Step]:
    """Every op's steps in order. Steps after COMMIT run once the whole transaction
    did, so they name a table by the name it has after every rename in it (a
    rollback renames a table back in the transaction, then re-adds its index)."""
    online = options is not None and options.online
    fresh = _keys_of_new_tables(operations) if online else set()
    steps: list[Step] = []
    for position, op in enumerate(operations):
        if id(op) in fresh:
            steps += render_op(op, None)
            continue
        rendered = render_op(op, options)
        table = getattr(op, "table", None)
        if online and isinstance(table, str) and any(s.phase == "post" for s in rendered):
            final = _final_name(table, operations[position + 1 :])
            if final != table:
                if isinstance(op, o.AlterColumn) and copies_column(op):
                    refused = PlanError(
                        f"online mode cannot roll back a copy of {table}.{op.new.name} "
                        f"(a type change) in the migration that renames {final} to {table}",
                        hint="rename the table in one migration and change the column type "
                        "in the next",
                    )
                    refused.tables = (table, final)
                    raise refused
                retargeted: Any = replace(op, table=final)  # type: ignore[arg-type]  # ops with a table
                moved = render_op(retargeted, options)
                rendered = [
                    replace(later, op=op) if step.phase == "post" else step
                    for step, later in zip(rendered, moved, strict=True)
                ]
        steps += rendered
    return steps


def _keys_of_new_tables(operations: list[o.Operation]) -> set[int]:
    """Foreign keys of tables created by these operations, whose target's unique
    key is not built after COMMIT: nothing to scan or wait for, so they stay in
    the transaction with their table instead of taking the online path."""
    created = {op.table.name for op in operations if isinstance(op, o.CreateTable)}
    late_unique = {
        op.table
        for op in operations
        if isinstance(op, o.AddConstraint) and op.constraint.kind == "unique"
    }
    return {
        id(op)
        for op in operations
        if isinstance(op, o.AddConstraint)
        and op.constraint.kind == "foreign_key"
        and op.table in created
        and (op.constraint.references in created or op.constraint.references not in late_unique)
    }


def _final_name(table: str, later: list[o.Operation]) -> str:
    for op in later:
        if isinstance(op, o.RenameTable) and op.old == table:
            table = op.new
    return table


__all__ = ["RenderOptions", "Step", "render_all", "render_op", "verify_landed"]
