"""A migration file splits into exactly the parts the executor expects, or it
is refused before anything runs.

PostgreSQL's splitter stops at a NUL byte (the rest of the file would silently
never run), and a ``ROLLBACK;`` or ``SAVEPOINT`` inside the file's transaction
makes earlier statements vanish and later ones run outside any transaction,
while the history row still says "applied". The executor issues BEGIN and
COMMIT itself, so the file may hold at most one ``BEGIN; ... COMMIT;`` pair and
no other transaction control. The same check runs in apply, ``--check`` and
``lint`` (one copy of the rule).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from buildamp.model.errors import Location, StateError

Kind = Literal["begin", "commit", "statement"]


@dataclass(frozen=True)
class Piece:
    """One statement of a file: ``text[start:stop]``; ``kind`` says whether it is
    the file's BEGIN, its COMMIT, or a statement to run."""

    kind: Kind
    start: int
    stop: int


def position(text: str, offset: int) -> tuple[int, int]:
    """1-based line and column of a character offset."""
    before = text[: max(0, offset)]
    return before.count("\n") + 1, offset - (before.rfind("\n") + 1) + 1


def _refuse(text: str, where: str, offset: int, message: str, fix: str) -> StateError:
    line, column = position(text, offset)
    return StateError(message, Location(where, line, column), fix)


def _transaction_kind(node: Any) -> str | None:
    """``begin`` / ``commit`` for the plain forms, the statement's name for any
    other transaction control, None for ordinary statements."""
    # loaded on use: only this path needs it (keeps start-up cheap)
    from pglast import ast, enums

    if not isinstance(node, ast.TransactionStmt):
        return None
    kinds = enums.TransactionStmtKind
    if node.kind in (kinds.TRANS_STMT_BEGIN, kinds.TRANS_STMT_START):
        return "begin" if not node.options else "BEGIN with options"
    if node.kind == kinds.TRANS_STMT_COMMIT:
        return "commit" if not node.chain else "COMMIT AND CHAIN"
    names: dict[Any, str] = {
        kinds.TRANS_STMT_ROLLBACK: "ROLLBACK",
        kinds.TRANS_STMT_SAVEPOINT: "SAVEPOINT",
        kinds.TRANS_STMT_RELEASE: "RELEASE SAVEPOINT",
        kinds.TRANS_STMT_ROLLBACK_TO: "ROLLBACK TO SAVEPOINT",
        kinds.TRANS_STMT_PREPARE: "PREPARE TRANSACTION",
        kinds.TRANS_STMT_COMMIT_PREPARED: "COMMIT PREPARED",
        kinds.TRANS_STMT_ROLLBACK_PREPARED: "ROLLBACK PREPARED",
    }
    return names.get(node.kind, "transaction control")


def check_no_nul(text: str, where: str, what: str = "migration") -> None:
    """PostgreSQL's splitter stops at a NUL byte: refuse the file instead of
    reading (or running) only its first part."""
    nul = text.find("\x00")
    if nul >= 0:
        raise _refuse(
            text,
            where,
            nul,
            f"{what} contains a NUL byte; PostgreSQL's splitter stops there and the rest "
            "would never be read",
            "remove the NUL byte (a binary or corrupted file?)",
        )


def split_statements(text: str, where: str) -> list[Piece]:
    """Every statement of ``text`` with its kind; raises StateError (exit 2,
    ``file:line:column``) for a NUL byte, a parse error, or transaction control
    other than one leading ``BEGIN;`` and one ``COMMIT;`` after it."""
    # loaded on use: only this path needs it (keeps start-up cheap)
    import pglast

    check_no_nul(text, where)
    try:
        parsed = pglast.parse_sql(text)
    except pglast.parser.ParseError as error:
        offset = error.args[1] if len(error.args) > 1 and isinstance(error.args[1], int) else 0
        raise _refuse(
            text, where, offset, f"migration does not parse: {error.args[0]}", "fix the SQL"
        ) from None
    pieces: list[Piece] = []
    seen_begin = seen_commit = False
    for raw in parsed:
        start = raw.stmt_location or 0
        stop = start + raw.stmt_len if raw.stmt_len else len(text)
        start = skip_comments(text, start)
        kind = _transaction_kind(raw.stmt)
        one_block = "a migration has one BEGIN; ... COMMIT; block and buildamp issues both"
        if kind is None:
            pieces.append(Piece("statement", start, stop))
            continue
        if kind == "begin":
            if seen_begin:
                raise _refuse(
                    text,
                    where,
                    start,
                    f"a second BEGIN: {one_block}",
                    "split it into two migrations",
                )
            seen_begin = True
            pieces.append(Piece("begin", start, stop))
            continue
        if kind == "commit":
            if not seen_begin or seen_commit:
                raise _refuse(
                    text,
                    where,
                    start,
                    f"COMMIT without a BEGIN before it: {one_block}",
                    "remove it, or split it into two migrations",
                )
            seen_commit = True
            pieces.append(Piece("commit", start, stop))
            continue
        raise _refuse(
            text,
            where,
            start,
            f"{kind} in a migration: it would end or split the migration's transaction while "
            "the history still records the migration as applied",
            "remove it; put work that must not be in the transaction after COMMIT",
        )
    if seen_begin and not seen_commit:
        begin = next(p for p in pieces if p.kind == "begin")
        raise _refuse(
            text, where, begin.start, "BEGIN without a matching COMMIT", "add COMMIT; after it"
        )
    return pieces


def check_file(text: str, where: str) -> None:
    """Refuse a file that would not run exactly as written (see module docs)."""
    split_statements(text, where)


def skip_comments(text: str, offset: int) -> int:
    """Index of a statement's first token (the parser may point at the blank
    space or comments after the previous semicolon)."""
    while offset < len(text):
        if text[offset].isspace():
            offset += 1
        elif text.startswith("--", offset):
            end = text.find("\n", offset)
            offset = len(text) if end < 0 else end + 1
        elif text.startswith("/*", offset):
            end = text.find("*/", offset + 2)
            offset = len(text) if end < 0 else end + 2
        else:
            break
    return offset
