"""Migration operations: plain data carrying both old and new values.

Because a drop carries the whole dropped object and an alter carries both
sides, :func:`invert` is pure and the rollback is derived in one place. One
module per family (enums, tables, columns, indexes and constraints, table
settings, comments, custom SQL, documents); each operation owns its invert, replay
step, header line, destructiveness and landed check (see ``base``).
"""

from __future__ import annotations

from buildamp.plan.ops.base import Landed, Op, State
from buildamp.plan.ops.columns import AddColumn, AlterColumn, DropColumn, RenameColumn
from buildamp.plan.ops.comments import SetComment
from buildamp.plan.ops.custom import RunSql, Validate
from buildamp.plan.ops.documents import (
    ChangeStorage,
    ConvertDocumentKey,
    FillDocumentKey,
    RenameDocumentKey,
)
from buildamp.plan.ops.enums import AlterEnum, CreateEnum, DropEnum
from buildamp.plan.ops.indexes import (
    AddConstraint,
    CreateIndex,
    DropConstraint,
    DropIndex,
    RenameConstraint,
    RenameIndex,
)
from buildamp.plan.ops.settings import (
    CreateTouchFunction,
    DropTouchFunction,
    SetRowSecurity,
    SetTableInfo,
    SetTouchTrigger,
)
from buildamp.plan.ops.tables import CreateTable, DropTable, RenameTable

Operation = (
    CreateEnum
    | DropEnum
    | AlterEnum
    | CreateTable
    | DropTable
    | RenameTable
    | AddColumn
    | DropColumn
    | RenameColumn
    | AlterColumn
    | CreateIndex
    | DropIndex
    | RenameIndex
    | AddConstraint
    | DropConstraint
    | RenameConstraint
    | CreateTouchFunction
    | DropTouchFunction
    | SetTouchTrigger
    | SetRowSecurity
    | SetTableInfo
    | SetComment
    | RunSql
    | Validate
    | RenameDocumentKey
    | FillDocumentKey
    | ConvertDocumentKey
    | ChangeStorage
)

# Every operation type, for tests that must cover them all.
OPERATION_TYPES: tuple[type[Op], ...] = Operation.__args__


def invert(op: Operation) -> Operation:
    """The operation that undoes ``op``."""
    return op.invert()


def is_destructive(op: Operation) -> bool:
    """Loses data when run: drops, narrowing changes, enum value removals."""
    return op.is_destructive()


def describe(op: Operation) -> str:
    """One header line (``Field: upvotes - added``)."""
    return op.describe()


__all__ = [
    "OPERATION_TYPES",
    "AddColumn",
    "AddConstraint",
    "AlterColumn",
    "AlterEnum",
    "ChangeStorage",
    "ConvertDocumentKey",
    "CreateEnum",
    "CreateIndex",
    "CreateTable",
    "CreateTouchFunction",
    "DropColumn",
    "DropConstraint",
    "DropEnum",
    "DropIndex",
    "DropTable",
    "DropTouchFunction",
    "FillDocumentKey",
    "Landed",
    "Op",
    "Operation",
    "RenameColumn",
    "RenameConstraint",
    "RenameDocumentKey",
    "RenameIndex",
    "RenameTable",
    "RunSql",
    "SetComment",
    "SetRowSecurity",
    "SetTableInfo",
    "SetTouchTrigger",
    "State",
    "Validate",
    "describe",
    "invert",
    "is_destructive",
]
