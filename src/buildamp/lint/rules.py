"""The lint checks (rule metadata lives in ``buildamp.lint.engine``).

Each check looks at one parsed statement (a pglast node) plus what the file
did before it (``LintState``) and names the hazards. The checks never mutate
the state: ``buildamp.lint.engine`` advances it after every statement, so a rule sees
exactly what PostgreSQL would have seen when the statement runs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pglast import ast, enums

from buildamp.model.errors import ModelError
from buildamp.pg.facts import is_volatile_default, rewrites, walk
from buildamp.pg.sqltext import canonical_type

AT = enums.AlterTableType
CT = enums.ConstrType
OT = enums.ObjectType


@dataclass(frozen=True)
class Hit:
    """One hazard of one statement, before it gets a file position."""

    code: str
    message: str


@dataclass
class LintState:
    """What the file has done so far, as far as the rules care."""

    explicit_tx: bool = False  # inside BEGIN ... COMMIT
    implicit_tx: bool = False  # a file without BEGIN: `buildamp migrate --apply` wraps it whole
    session_timeout: bool = False
    local_timeout: bool = False
    timeout_reported: bool = False  # BA003 is said once per transaction / autocommit stretch
    new_tables: set[str] = field(default_factory=set)
    new_indexes: set[str] = field(default_factory=set)
    tx_enum_values: dict[str, set[str]] = field(default_factory=dict)
    tx_not_valid: set[tuple[str, str]] = field(default_factory=set)
    not_null_checks: dict[tuple[str, str], str] = field(default_factory=dict)
    proven_not_null: set[tuple[str, str]] = field(default_factory=set)
    old_type: str | None = None  # the statement's ``-- buildamp:old-type`` directive

    @property
    def in_transaction(self) -> bool:
        return self.explicit_tx or self.implicit_tx

    @property
    def has_timeout(self) -> bool:
        return self.session_timeout or (self.local_timeout and self.explicit_tx)

    def is_new(self, table: str) -> bool:
        return table in self.new_tables


def items(value: Any) -> tuple[Any, ...]:
    """A pglast list field as a tuple (pglast leaves empty lists as None)."""
    return tuple(value or ())


def last_name(names: Any) -> str:
    """The last part of a qualified name (a tuple of String nodes)."""
    parts = items(names)
    return str(parts[-1].sval) if parts else ""


def relname(rangevar: Any) -> str:
    return str(rangevar.relname) if rangevar is not None else ""


def type_name(node: Any) -> str:
    """The type's own name, schema dropped: what ALTER TYPE names it by."""
    return str(node.names[-1].sval) if node is not None and node.names else ""


def deparse(node: Any) -> str:
    from pglast.stream import RawStream  # pglast is imported by whoever parsed ``node``

    return str(RawStream()(node))


def _canonical(type_text: str) -> str:
    try:
        return canonical_type(type_text)
    except ModelError:
        return type_text


def string_const(node: Any) -> str | None:
    if isinstance(node, ast.A_Const) and isinstance(node.val, ast.String):
        return str(node.val.sval)
    return None


def _constraints(column: Any) -> list[Any]:
    return list(column.constraints or ())


_SERIAL = {"serial", "serial4", "serial8", "bigserial", "smallserial", "serial2"}


def _rewrites(column: Any) -> str | None:
    """Why adding this column rewrites the table, if it does."""
    if type_name(column.typeName) in _SERIAL:
        return "a serial column fills every row from a sequence"
    for constraint in _constraints(column):
        if constraint.contype == CT.CONSTR_IDENTITY:
            return "an identity column fills every row from a sequence"
        if constraint.contype == CT.CONSTR_GENERATED:
            return "a stored generated column is computed for every row"
        if constraint.contype == CT.CONSTR_DEFAULT:
            default = deparse(constraint.raw_expr)
            if is_volatile_default(default):
                return f"the volatile default {default} is computed per row"
    return None


def _fills_itself(column: Any) -> bool:
    if type_name(column.typeName) in _SERIAL:
        return True
    kinds = {c.contype for c in _constraints(column)}
    return bool(kinds & {CT.CONSTR_DEFAULT, CT.CONSTR_IDENTITY, CT.CONSTR_GENERATED})


def _is_not_null(column: Any) -> bool:
    kinds = {c.contype for c in _constraints(column)}
    return bool(column.is_not_null) or bool(kinds & {CT.CONSTR_NOTNULL, CT.CONSTR_PRIMARY})


def _add_column(table: str, column: Any) -> list[Hit]:
    hits: list[Hit] = []
    name = f"{table}.{column.colname}"
    if _is_not_null(column) and not _fills_itself(column):
        hits.append(Hit("BA004", f"ADD COLUMN {name} is NOT NULL without a DEFAULT"))
    reason = _rewrites(column)
    if reason:
        hits.append(Hit("BA006", f"ADD COLUMN {name} rewrites the table: {reason}"))
    for constraint in _constraints(column):
        if constraint.contype in (CT.CONSTR_UNIQUE, CT.CONSTR_PRIMARY):
            hits.append(Hit("BA011", f"ADD COLUMN {name} with an inline UNIQUE/PRIMARY KEY"))
        elif constraint.contype == CT.CONSTR_FOREIGN:
            hits.append(Hit("BA012", f"ADD COLUMN {name} with an inline REFERENCES"))
    return hits


def _add_constraint(table: str, constraint: Any) -> list[Hit]:
    name = constraint.conname or "(unnamed)"
    if constraint.contype in (CT.CONSTR_CHECK, CT.CONSTR_FOREIGN):
        if not constraint.skip_validation:
            kind = "CHECK" if constraint.contype == CT.CONSTR_CHECK else "FOREIGN KEY"
            return [Hit("BA009", f"{kind} constraint {name} on {table} is added without NOT VALID")]
    elif constraint.contype in (CT.CONSTR_UNIQUE, CT.CONSTR_PRIMARY, CT.CONSTR_EXCLUSION):
        if not constraint.indexname:
            return [Hit("BA011", f"constraint {name} on {table} builds its index while locked")]
    return []


def _alter_table(node: Any, state: LintState) -> list[Hit]:
    table = relname(node.relation)
    if state.is_new(table) or node.objtype != OT.OBJECT_TABLE:
        return []
    hits: list[Hit] = []
    for cmd in node.cmds or ():
        kind = cmd.subtype
        if kind == AT.AT_AddColumn:
            hits += _add_column(table, cmd.def_)
        elif kind == AT.AT_SetNotNull and (table, cmd.name) not in state.proven_not_null:
            hits.append(Hit("BA005", f"SET NOT NULL on {table}.{cmd.name} scans the table"))
        elif kind == AT.AT_AlterColumnType:
            new_type = deparse(cmd.def_.typeName)
            using = cmd.def_.raw_default is not None
            if using or state.old_type is None or rewrites(state.old_type, _canonical(new_type)):
                with_using = " with USING" if using else ""
                hits.append(
                    Hit("BA006", f"{table}.{cmd.name} changes type to {new_type}{with_using}")
                )
        elif kind == AT.AT_DropColumn:
            hits.append(Hit("BA008", f"DROP COLUMN {table}.{cmd.name}"))
        elif kind == AT.AT_AddConstraint:
            hits += _add_constraint(table, cmd.def_)
        elif kind == AT.AT_ValidateConstraint and (table, cmd.name) in state.tx_not_valid:
            hits.append(
                Hit(
                    "BA009",
                    f"VALIDATE CONSTRAINT {cmd.name} in the transaction that added it NOT VALID",
                )
            )
    return hits


def _is_concurrent_reindex(node: Any) -> bool:
    return any(p.defname == "concurrently" for p in node.params or ())


def _where(state: LintState) -> str:
    if state.explicit_tx:
        return "inside BEGIN ... COMMIT"
    return "in a file without BEGIN (buildamp applies such a file as one transaction)"


def _index_hits(node: Any, state: LintState) -> list[Hit]:
    hits: list[Hit] = []
    if isinstance(node, ast.IndexStmt):
        table = relname(node.relation)
        if node.concurrent and state.in_transaction:
            name = node.idxname or "(unnamed)"
            hits.append(Hit("BA002", f"CREATE INDEX CONCURRENTLY {name} {_where(state)}"))
        elif not node.concurrent and not state.is_new(table):
            hits.append(
                Hit(
                    "BA001",
                    f"CREATE INDEX {node.idxname or '(unnamed)'} on {table} without CONCURRENTLY",
                )
            )
    elif isinstance(node, ast.DropStmt) and node.removeType == OT.OBJECT_INDEX:
        names = [last_name(obj) for obj in items(node.objects)]
        if node.concurrent and state.in_transaction:
            hits.append(Hit("BA002", f"DROP INDEX CONCURRENTLY {', '.join(names)} {_where(state)}"))
        old = [n for n in names if n not in state.new_indexes]
        if not node.concurrent and old:
            hits.append(Hit("BA001", f"DROP INDEX {', '.join(old)} without CONCURRENTLY"))
    elif isinstance(node, ast.ReindexStmt):
        concurrent = _is_concurrent_reindex(node)
        if concurrent and state.in_transaction:
            hits.append(Hit("BA002", f"REINDEX CONCURRENTLY {_where(state)}"))
        elif not concurrent and not state.is_new(relname(node.relation)):
            hits.append(Hit("BA001", "REINDEX without CONCURRENTLY"))
    return hits


def _rename_and_drop(node: Any, state: LintState) -> list[Hit]:
    if isinstance(node, ast.RenameStmt):
        table = relname(node.relation)
        if state.is_new(table):
            return []
        if node.renameType == OT.OBJECT_COLUMN:
            return [Hit("BA007", f"RENAME COLUMN {table}.{node.subname} TO {node.newname}")]
        if node.renameType == OT.OBJECT_TABLE:
            return [Hit("BA007", f"RENAME TABLE {table} TO {node.newname}")]
    if isinstance(node, ast.DropStmt) and node.removeType == OT.OBJECT_TABLE:
        old = [last_name(o) for o in items(node.objects) if not state.is_new(last_name(o))]
        if old:
            return [Hit("BA008", f"DROP TABLE {', '.join(old)}")]
    return []


def _enum_uses(node: Any, state: LintState) -> list[Hit]:
    """Literals of enum values added earlier in this same transaction."""
    if not state.in_transaction or not state.tx_enum_values:
        return []
    added = state.tx_enum_values
    any_value = set().union(*added.values())
    used: list[str] = []
    for item in walk(node):
        if isinstance(item, ast.TypeCast):
            value = string_const(item.arg)
            if value is not None and value in added.get(type_name(item.typeName), ()):
                used.append(f"'{value}'::{type_name(item.typeName)}")
        elif isinstance(item, ast.ColumnDef):
            values = added.get(type_name(item.typeName), set())
            for constraint in _constraints(item):
                value = string_const(constraint.raw_expr)
                if constraint.contype == CT.CONSTR_DEFAULT and value in values:
                    used.append(f"DEFAULT '{value}' of {item.colname}")
        elif isinstance(item, ast.AlterTableCmd) and item.subtype == AT.AT_ColumnDefault:
            value = string_const(item.def_)
            if value is not None and value in any_value:
                used.append(f"DEFAULT '{value}' of {item.name}")
    return [Hit("BA010", f"new enum value used in its own transaction: {u}") for u in used]


def _strong_lock(node: Any, state: LintState) -> str | None:
    """The existing table this statement takes a strong lock on, if any."""
    table = relname(getattr(node, "relation", None))
    if isinstance(node, ast.AlterTableStmt):
        kinds = {cmd.subtype for cmd in node.cmds or ()}
        weak = kinds <= {AT.AT_ValidateConstraint}
        return None if weak or state.is_new(table) else table
    if isinstance(node, ast.IndexStmt | ast.ReindexStmt):
        concurrent = (
            node.concurrent if isinstance(node, ast.IndexStmt) else _is_concurrent_reindex(node)
        )
        return None if concurrent or state.is_new(table) else table or "an index"
    if isinstance(node, ast.RenameStmt | ast.CreateTrigStmt | ast.CreatePolicyStmt):
        target = table or relname(getattr(node, "table", None))
        return None if not target or state.is_new(target) else target
    if isinstance(node, ast.DropStmt):
        if node.removeType == OT.OBJECT_INDEX and not node.concurrent:
            old = [
                last_name(o) for o in items(node.objects) if last_name(o) not in state.new_indexes
            ]
            return f"the table of {old[0]}" if old else None
        if node.removeType in (OT.OBJECT_TABLE, OT.OBJECT_TRIGGER):
            tables = [
                str(o[0 if node.removeType == OT.OBJECT_TRIGGER else -1].sval)
                for o in items(node.objects)
            ]
            old = [t for t in tables if not state.is_new(t)]
            return old[0] if old else None
    if isinstance(node, ast.TruncateStmt | ast.LockStmt):
        old = [relname(r) for r in items(node.relations) if not state.is_new(relname(r))]
        return old[0] if old else None
    if isinstance(node, ast.CreateStmt):
        for item in walk(node.tableElts):
            if isinstance(item, ast.Constraint) and item.contype == CT.CONSTR_FOREIGN:
                referenced = relname(item.pktable)
                if not state.is_new(referenced):
                    return referenced
    return None


def check(node: Any, state: LintState) -> list[Hit]:
    """Every hazard of one statement, given what ran before it."""
    hits: list[Hit] = []
    if isinstance(node, ast.AlterTableStmt):
        hits += _alter_table(node, state)
    hits += _index_hits(node, state)
    hits += _rename_and_drop(node, state)
    hits += _enum_uses(node, state)
    if not state.has_timeout and not state.timeout_reported:
        target = _strong_lock(node, state)
        if target:
            hits.insert(0, Hit("BA003", f"no lock_timeout set before locking {target}"))
    return hits
