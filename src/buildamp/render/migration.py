"""Operations -> SQL text: a table from operation type to its renderer."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from buildamp.pg.sqlbits import RenderOptions, Step
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
    render_rename_table,
    render_set_row_security,
    render_set_table_info,
    render_set_touch_trigger,
)
from buildamp.render.online import (
    online_add_column,
    online_add_constraint,
    online_alter_column,
    online_convert_document_key,
    online_create_index,
    online_drop_index,
    online_fill_document_key,
    online_rename_document_key,
)

_RENDERERS: dict[type, Callable[[Any], list[Step]]] = {
    o.CreateTable: render_create_table,
    o.DropTable: render_drop_table,
    o.RenameTable: render_rename_table,
    o.AddColumn: render_add_column,
    o.DropColumn: render_drop_column,
    o.RenameColumn: render_rename_column,
    o.AlterColumn: render_alter_column,
    o.CreateIndex: render_create_index,
    o.DropIndex: render_drop_index,
    o.AddConstraint: render_add_constraint,
    o.DropConstraint: render_drop_constraint,
    o.RenameConstraint: render_rename_constraint,
    o.CreateEnum: render_create_enum,
    o.DropEnum: render_drop_enum,
    o.AlterEnum: render_alter_enum,
    o.CreateTouchFunction: render_create_touch_function,
    o.DropTouchFunction: render_drop_touch_function,
    o.SetTouchTrigger: render_set_touch_trigger,
    o.SetRowSecurity: render_set_row_security,
    o.SetTableInfo: render_set_table_info,
    o.RunSql: render_run_sql,
    o.Validate: render_validate,
    o.RenameDocumentKey: render_rename_document_key,
    o.FillDocumentKey: render_fill_document_key,
    o.ConvertDocumentKey: render_convert_document_key,
    o.ChangeStorage: render_change_storage,
}


# Lock-safe forms used when ``online``; every other operation renders the same.
_ONLINE_RENDERERS: dict[type, Callable[[Any], list[Step]]] = {
    o.CreateIndex: online_create_index,
    o.DropIndex: online_drop_index,
    o.AddConstraint: online_add_constraint,
    o.AddColumn: online_add_column,
    o.AlterColumn: online_alter_column,
    o.RenameDocumentKey: online_rename_document_key,
    o.FillDocumentKey: online_fill_document_key,
    o.ConvertDocumentKey: online_convert_document_key,
}


def render(op: o.Operation, options: RenderOptions | None = None) -> list[Step]:
    if options is not None and options.online and type(op) in _ONLINE_RENDERERS:
        steps = _ONLINE_RENDERERS[type(op)](op)
    else:
        steps = _RENDERERS[type(op)](op)
    if options is not None and options.distribution == "citus":
        from buildamp.render.citus import citus_steps

        return citus_steps(op, steps, options)
    return steps


def render_all(operations: list[o.Operation], options: RenderOptions | None = None) -> list[Step]:
    fresh = _keys_of_new_tables(operations) if options is not None and options.online else set()
    return [step for op in operations for step in render(op, None if id(op) in fresh else options)]


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


__all__ = ["RenderOptions", "Step", "render", "render_all", "verify_landed"]
