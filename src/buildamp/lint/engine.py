"""Lock-hazard lint over migration SQL: the engine.

Parses a file with PostgreSQL's own parser (pglast), walks its statements in
order while tracking what matters for locking (transaction state, lock_timeout,
tables and indexes created in this file, enum values added in this
transaction, NOT NULL proofs), and asks ``buildamp.lint.rules`` for hazards.
Pure: text in, findings out; no database, no files.

Transaction model: text between ``BEGIN`` and ``COMMIT`` is one transaction;
text outside runs statement by statement (autocommit). A file with no BEGIN
at all is treated as one transaction, because ``buildamp migrate --apply``
wraps such a file whole (psql would not; the stricter reading wins).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

from buildamp.files import directives
from buildamp.lint.rules import (
    CT,
    OT,
    LintState,
    check,
    items,
    last_name,
    relname,
    string_const,
)
from buildamp.model.errors import Location, StateError


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    severity: str  # "error" fails `buildamp lint`; "warning" is reported only
    why: str
    fix: str


RULES: dict[str, Rule] = {
    r.code: r
    for r in (
        Rule(
            "BA001",
            "index-without-concurrently",
            "error",
            "plain CREATE INDEX blocks writes, and DROP INDEX all access, to the table until done",
            "use CREATE/DROP INDEX CONCURRENTLY after COMMIT under `-- buildamp:no-transaction`",
        ),
        Rule(
            "BA002",
            "concurrently-in-transaction",
            "error",
            "PostgreSQL refuses CONCURRENTLY inside a transaction block, so the migration fails",
            "move the statement after COMMIT under `-- buildamp:no-transaction`",
        ),
        Rule(
            "BA003",
            "missing-lock-timeout",
            "error",
            "waiting for a strong lock queues every later query on the table behind it",
            "SET lock_timeout = '{lock_timeout}' first, or SET LOCAL in the transaction, and retry",
        ),
        Rule(
            "BA004",
            "add-column-not-null-without-default",
            "error",
            "it fails as soon as the table has a row",
            "add it nullable or with a constant DEFAULT, backfill in batches, then add NOT NULL",
        ),
        Rule(
            "BA005",
            "set-not-null-without-check",
            "error",
            "SET NOT NULL scans the whole table under an ACCESS EXCLUSIVE lock",
            "add CHECK col IS NOT NULL as NOT VALID, VALIDATE it after COMMIT, then SET NOT NULL",
        ),
        Rule(
            "BA006",
            "table-rewrite",
            "error",
            "PostgreSQL rewrites the table and its indexes under an ACCESS EXCLUSIVE lock",
            "add a new column, backfill it in batches, switch readers, drop the old one later",
        ),
        Rule(
            "BA007",
            "rename",
            "warning",
            "running application code still uses the old name and breaks when this commits",
            "expand/contract: add the new name, write both, move readers, drop the old name later",
        ),
        Rule(
            "BA008",
            "drop",
            "warning",
            "running code that still uses it breaks, and its data is gone for good",
            "stop using it and deploy first, then drop it in a later migration",
        ),
        Rule(
            "BA009",
            "constraint-without-not-valid",
            "error",
            "every row is checked while writes to the table are blocked",
            "ADD CONSTRAINT ... NOT VALID, COMMIT, then VALIDATE CONSTRAINT in its own transaction",
        ),
        Rule(
            "BA010",
            "enum-value-used-in-same-transaction",
            "error",
            "a value added by ALTER TYPE ... ADD VALUE is unusable until its transaction commits",
            "add the value before BEGIN under `-- buildamp:no-transaction`",
        ),
        Rule(
            "BA011",
            "unique-constraint-builds-index",
            "error",
            "the constraint builds its unique index under an ACCESS EXCLUSIVE lock",
            "CREATE UNIQUE INDEX CONCURRENTLY first, then ADD CONSTRAINT ... USING INDEX",
        ),
        Rule(
            "BA012",
            "foreign-key-in-add-column",
            "error",
            "an inline REFERENCES is a foreign key added without NOT VALID: it locks the "
            "referenced table too (SHARE ROW EXCLUSIVE) and cannot be split",
            "ADD COLUMN without REFERENCES, then ADD CONSTRAINT ... FOREIGN KEY ... NOT VALID, "
            "COMMIT, VALIDATE CONSTRAINT",
        ),
        Rule(
            "BA013",
            "vacuum-full-or-cluster",
            "error",
            "VACUUM FULL and CLUSTER rewrite the table and its indexes under an ACCESS "
            "EXCLUSIVE lock: no reads or writes until done",
            "use plain VACUUM (no lock against writes), or pg_repack outside the migration",
        ),
    )
}


@dataclass(frozen=True)
class Finding:
    code: str
    path: str
    line: int
    column: int
    message: str
    why: str
    fix: str
    severity: str

    def text(self) -> str:
        """``path:line:col: CODE message (why; fix)``: one line, grep- and editor-friendly."""
        where = f"{self.path}:{self.line}:{self.column}"
        return f"{where}: {self.code} {self.message} ({self.why}; {self.fix})"

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def lint_sql(
    text: str, path: str, *, lock_timeout: str = "1s", created: Iterable[str] = ()
) -> list[Finding]:
    """Findings for one migration file, in file order. ``lock_timeout`` only
    shapes the suggested fix for BA003; ``created`` are tables an earlier
    migration of the same plan creates (new, so locking them blocks nobody).
    Raises StateError when it does not parse."""
    # pglast loads its C parser (~60 ms): only code that reads SQL pays for it
    import pglast

    # loaded on use: only this path needs it (keeps start-up cheap)
    from buildamp.files.integrity import parse_error_offset, position, skip_comments

    try:
        statements = pglast.parse_sql(text)
    except pglast.parser.ParseError as error:
        offset = parse_error_offset(error) or 0
        line, column = position(text, offset)
        raise StateError(
            f"migration does not parse: {error.args[0]}", Location(path, line, column)
        ) from None
    lines = text.split("\n")
    has_begin = any(_tx_kind(raw.stmt) == "begin" for raw in statements)
    findings: list[Finding] = []
    state = LintState()
    state.new_tables.update(created)
    for index, raw in enumerate(statements):
        # pglast turns libpg_query's byte offsets into str indexes already
        line, column = position(text, skip_comments(text, raw.stmt_location or 0))
        comments = _comments_above(lines, line)
        if index == 0:  # buildamp applies a file without BEGIN as one transaction, unless
            state.implicit_tx = not has_begin and not directives.is_no_transaction(comments)
        state.old_type = directives.parse_old_type(comments)
        ignored = _ignored_codes(comments)
        for hit in check(raw.stmt, state):
            if "*" in ignored or hit.code in ignored:
                continue
            rule = RULES[hit.code]
            fix = rule.fix.replace("{lock_timeout}", lock_timeout)
            if hit.code == "BA003":
                state.timeout_reported = True
            findings.append(
                Finding(hit.code, path, line, column, hit.message, rule.why, fix, rule.severity)
            )
        _advance(raw.stmt, state)
    return findings


def _comments_above(lines: list[str], line: int) -> str:
    """The comment lines just above a statement (where its directives are)."""
    index = line - 2
    while index >= 0 and lines[index].lstrip().startswith("--"):
        index -= 1
    return "\n".join(lines[index + 1 : line - 1])


def _ignored_codes(comments: str) -> set[str]:
    """Codes named by ``-- buildamp:lint-ignore`` in the comment lines just
    above a statement; a bare mark (no code) ignores every rule."""
    codes: set[str] = set()
    for comment in comments.splitlines():
        codes |= directives.parse_lint_ignore(comment) or set()
    return codes


def _tx_kind(node: Any) -> str | None:
    # pglast loads its C parser (~60 ms): only code that reads SQL pays for it
    from pglast import ast, enums

    if not isinstance(node, ast.TransactionStmt):
        return None
    kind = enums.TransactionStmtKind
    if node.kind in (kind.TRANS_STMT_BEGIN, kind.TRANS_STMT_START):
        return "begin"
    if node.kind in (kind.TRANS_STMT_COMMIT, kind.TRANS_STMT_ROLLBACK):
        return "end"
    return None


def _advance(node: Any, state: LintState) -> None:
    """Update the state with what this statement did (after it was checked)."""
    # pglast loads its C parser (~60 ms): only code that reads SQL pays for it
    from pglast import ast

    kind = _tx_kind(node)
    if kind is not None:
        state.explicit_tx = kind == "begin"
        state.local_timeout = False
        state.timeout_reported = False
        state.tx_enum_values.clear()
        state.tx_not_valid.clear()
    elif isinstance(node, ast.CreateStmt):
        state.new_tables.add(relname(node.relation))
    elif isinstance(node, ast.CreateTableAsStmt) and node.into is not None:
        state.new_tables.add(relname(node.into.rel))
    elif isinstance(node, ast.IndexStmt) and node.idxname:
        if state.is_new(relname(node.relation)):
            state.new_indexes.add(str(node.idxname))
    elif isinstance(node, ast.RenameStmt) and node.renameType == OT.OBJECT_TABLE:
        if state.is_new(relname(node.relation)):
            state.new_tables.add(str(node.newname))
    elif isinstance(node, ast.AlterEnumStmt) and node.newVal and state.in_transaction:
        values = state.tx_enum_values.setdefault(last_name(node.typeName), set())
        values.add(str(node.newVal))
    elif isinstance(node, ast.AlterTableStmt):
        _advance_alter(node, state)
    elif isinstance(node, ast.VariableSetStmt | ast.SelectStmt):
        _advance_timeout(node, state)


def _advance_alter(node: Any, state: LintState) -> None:
    """Remember NOT VALID constraints and which columns a check proves NOT NULL."""
    # pglast loads its C parser (~60 ms): only code that reads SQL pays for it
    from pglast import ast, enums

    table = relname(node.relation)
    for cmd in node.cmds or ():
        if cmd.subtype == enums.AlterTableType.AT_AddConstraint:
            constraint = cmd.def_
            name = str(constraint.conname or "")
            if constraint.skip_validation and state.in_transaction:
                state.tx_not_valid.add((table, name))
            expr = constraint.raw_expr
            if (
                constraint.contype == CT.CONSTR_CHECK
                and isinstance(expr, ast.NullTest)
                and expr.nulltesttype == enums.NullTestType.IS_NOT_NULL
                and isinstance(expr.arg, ast.ColumnRef)
                and len(items(expr.arg.fields)) == 1
            ):
                column = last_name(expr.arg.fields)
                if constraint.skip_validation:
                    state.not_null_checks[(table, name)] = column
                else:
                    state.proven_not_null.add((table, column))
        elif cmd.subtype == enums.AlterTableType.AT_ValidateConstraint:
            proven = state.not_null_checks.get((table, str(cmd.name)))
            if proven is not None:
                state.proven_not_null.add((table, proven))


_NO_TIMEOUT = {"0", "0s", "0ms", "0min", "0h", "0d"}


def _advance_timeout(node: Any, state: LintState) -> None:
    """SET [LOCAL] lock_timeout, RESET, and SELECT set_config('lock_timeout', ...)."""
    # pglast loads its C parser (~60 ms): only code that reads SQL pays for it
    from pglast import ast, enums

    setting: tuple[bool, bool] | None = None  # (is set, is local)
    if isinstance(node, ast.VariableSetStmt):
        if node.kind == enums.VariableSetKind.VAR_RESET_ALL:
            setting = (False, False)
        elif node.name == "lock_timeout":
            value = _const_text(node.args[0]) if node.args else None
            is_set = node.kind == enums.VariableSetKind.VAR_SET_VALUE and value not in _NO_TIMEOUT
            setting = (is_set, bool(node.is_local))
    else:
        for target in node.targetList or ():
            call = target.val
            if not isinstance(call, ast.FuncCall) or last_name(call.funcname) != "set_config":
                continue
            args = list(call.args or ())
            if len(args) == 3 and string_const(args[0]) == "lock_timeout":
                local = isinstance(args[2].val, ast.Boolean) and bool(args[2].val.boolval)
                setting = (string_const(args[1]) not in _NO_TIMEOUT, local)
    if setting is None:
        return
    is_set, local = setting
    if local:
        state.local_timeout = is_set
    else:
        state.session_timeout = is_set
        if not is_set:
            state.local_timeout = False


def _const_text(node: Any) -> str | None:
    # pglast loads its C parser (~60 ms): only code that reads SQL pays for it
    from pglast import ast

    if isinstance(node, ast.A_Const):
        value = node.val
        if isinstance(value, ast.Integer):
            return str(value.ival)
        if isinstance(value, ast.String):
            return str(value.sval).strip().replace(" ", "")
    return None
