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

import re
from array import array
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Literal

from buildamp.model.errors import Location, StateError
from buildamp.model.records import fast_init

Kind = Literal["begin", "commit", "statement"]


@fast_init
@dataclass(frozen=True, slots=True)
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


# The first keyword of every TransactionStmt in PostgreSQL's grammar (BEGIN,
# START TRANSACTION, COMMIT, END, ROLLBACK [TO|PREPARED], ABORT, SAVEPOINT,
# RELEASE, PREPARE TRANSACTION, COMMIT PREPARED): only statements starting with
# one of these are parsed into an AST to learn their exact kind.
_TRANSACTION_WORDS = frozenset(
    {"begin", "start", "commit", "end", "rollback", "abort", "savepoint", "release", "prepare"}
)
_FIRST_WORD = re.compile(r"[A-Za-z]+")


def _maybe_transaction(text: str, start: int) -> bool:
    """Whether the statement whose first token is at ``start`` could be
    transaction control; a superset (anything unclear says yes)."""
    if text.startswith(("--", "/*"), start):
        return True  # not at a token: let the parser decide
    word = _FIRST_WORD.match(text, start)
    return word is not None and word.group().lower() in _TRANSACTION_WORDS


def _statement_kind(text: str, piece: slice) -> str | None:
    """:func:`_transaction_kind` of one statement, parsed on its own."""
    # loaded on use: only this path needs it (keeps start-up cheap)
    import pglast

    return _transaction_kind(pglast.parse_sql(text[piece])[0].stmt)


def split_statements(text: str, where: str) -> list[Piece]:
    """Every statement of ``text`` with its kind; raises StateError (exit 2,
    ``file:line:column``) for a NUL byte, a parse error, or transaction control
    other than one leading ``BEGIN;`` and one ``COMMIT;`` after it.

    PostgreSQL's parser splits the file (no Python AST: a big file would spend
    seconds building one); only statements whose first token is a transaction
    keyword are parsed to an AST to tell their exact kind."""
    return [Piece(kind, start, stop) for kind, start, stop in _checked(text, where)]


def count_statements(text: str, where: str) -> int:
    """``len(split_statements(text, where))``, same checks and errors, without a
    record per statement (a generate's first migration of 10,000 tables holds
    some 50,000: 6 MB of records on top of its 14 MB text)."""
    return sum(1 for _ in _checked(text, where))


def _checked(text: str, where: str) -> Iterator[tuple[Kind, int, int]]:
    """:func:`split_statements`' pieces one at a time: the whole text is split
    (or its parse error raised) before the first is checked and yielded."""
    # loaded on use: only this path needs it (keeps start-up cheap)
    import pglast

    check_no_nul(text, where)
    try:
        bounds = _statement_bounds(text)
    except pglast.parser.ParseError as error:
        offset = parse_error_offset(error) or 0
        raise _refuse(
            text, where, offset, f"migration does not parse: {error.args[0]}", "fix the SQL"
        ) from None
    begin: int | None = None
    seen_commit = False
    for i in range(0, len(bounds), 2):
        piece = slice(bounds[i], bounds[i + 1])
        start = skip_comments(text, piece.start)
        stop = piece.stop
        kind = _statement_kind(text, piece) if _maybe_transaction(text, start) else None
        one_block = "a migration has one BEGIN; ... COMMIT; block and buildamp issues both"
        if kind is None:
            yield "statement", start, stop
            continue
        if kind == "begin":
            if begin is not None:
                raise _refuse(
                    text,
                    where,
                    start,
                    f"a second BEGIN: {one_block}",
                    "split it into two migrations",
                )
            begin = start
            yield "begin", start, stop
            continue
        if kind == "commit":
            if begin is None or seen_commit:
                raise _refuse(
                    text,
                    where,
                    start,
                    f"COMMIT without a BEGIN before it: {one_block}",
                    "remove it, or split it into two migrations",
                )
            seen_commit = True
            yield "commit", start, stop
            continue
        raise _refuse(
            text,
            where,
            start,
            f"{kind} in a migration: it would end or split the migration's transaction while "
            "the history still records the migration as applied",
            "remove it; put work that must not be in the transaction after COMMIT",
        )
    if begin is not None and not seen_commit:
        raise _refuse(text, where, begin, "BEGIN without a matching COMMIT", "add COMMIT; after it")


# PostgreSQL's parser holds the whole input's parse tree while it splits: about
# 17 bytes per byte of SQL (230 MB for the 13 MB first migration of 10,000
# tables). Longer files are parsed in pieces of about this many characters.
PIECE = 1 << 17

# A line ending in ";" that holds nothing able to open or close a string, a
# quoted name, a comment or a dollar quote, bar pairs of single quotes (an even
# number leaves a string open or closed as it was: ``AS ENUM ('a', 'b');``, the
# lines of 10,000 enum types): the place to cut a long file.
_PLAIN = r"[^\n'\"$\\/-]*"
_PLAIN_LINE_END = re.compile(rf"\n{_PLAIN}(?:'{_PLAIN}'{_PLAIN})*;[ \t]*\n")
# What PostgreSQL's scanner skips before a first token: white space and ``--``
# comments (which end at either line break character).
_LEADING_COMMENTS = re.compile(r"(?:[ \t\n\r\f\v]+|--[^\n\r]*)*")
# A dollar quote's opening or closing tag.
_DOLLAR_TAG = re.compile(r"\$(?:[A-Za-z_\x80-\U0010ffff][A-Za-z_0-9\x80-\U0010ffff]*)?\$")


def statement_slices(text: str) -> list[slice]:
    """Each statement of ``text`` (from its first token to before its
    semicolon), as PostgreSQL's parser splits the whole text, in bounded memory.

    The leading comment lines are skipped (they hold no statement). A long
    text is cut into pieces of about :data:`PIECE` characters, after
    lines ending in ``;`` that hold no double quote, dollar, backslash, ``-`` or
    ``/`` and an even number of single quotes, and each piece is parsed on its
    own. Such a line cannot end a string or a comment, so a cut inside one
    leaves it open at the end of the piece; a cut inside a statement that holds
    semicolons (``BEGIN ATOMIC ... END``, a ``DO`` block) leaves it unfinished.
    Either way the piece does not parse and is tried again: up to the end of
    the dollar-quoted body the parser found open, else up to the next such line
    (a function body's ``END;``), then twice as long each time. When what is
    left does not parse either, the whole text is parsed at once: the same
    statements, or the same error at the same offset, as one parse. Raises
    ``pglast.parser.ParseError``."""
    bounds = _statement_bounds(text)
    return [slice(bounds[i], bounds[i + 1]) for i in range(0, len(bounds), 2)]


def _statement_bounds(text: str) -> array[int]:
    """:func:`statement_slices` as start, stop, start, stop, ...: 16 bytes a
    statement where a slice object costs 56 (50,000 statements in the first
    migration of 10,000 tables)."""
    # loaded on use: only this path needs it (keeps start-up cheap)
    from pglast import parser

    found = array("q")
    # the leading comment lines hold no statement: the first piece starts after
    # them (a generated header is 870,000 characters at 10,000 tables)
    start, size = _skip_leading_comments(text), PIECE
    while start < len(text):
        cut = _PLAIN_LINE_END.search(text, start + size) if len(text) - start > size else None
        stop = cut.end() if cut is not None else len(text)
        try:
            pieces = parser.split(text[start:stop], with_parser=True, only_slices=True)
        except parser.ParseError as error:
            if stop < len(text):
                size = _longer(text, start, stop, size, error)
                continue
            if start == 0:
                raise
            # the same statements, or the error at the same offset, as one parse
            whole = array("q")
            for p in parser.split(text, with_parser=True, only_slices=True):
                whole.extend((p.start, p.stop))
            return whole
        for p in pieces:
            found.extend((p.start + start, p.stop + start))
        start, size = stop, PIECE
    return found


def parse_error_offset(error: Exception) -> int | None:
    """Where in its input PostgreSQL's parser failed (pglast's ``ParseError``
    carries the character offset second), if it says."""
    args = error.args
    return args[1] if len(args) > 1 and isinstance(args[1], int) else None


def _skip_leading_comments(text: str) -> int:
    found = _LEADING_COMMENTS.match(text)
    return found.end() if found is not None else 0


def _longer(text: str, start: int, stop: int, size: int, error: Exception) -> int:
    """The size of the next try of a piece that did not parse (a cut inside a
    statement or a string), not at once twice as long: the parser's memory
    grows with the piece. A dollar-quoted body the parser found open (a
    ``DO`` block of 30,000 lines checking every new table) is taken whole; else
    the piece goes on to the next cut, then doubles."""
    offset = parse_error_offset(error)
    tag = _DOLLAR_TAG.match(text, start + offset) if offset is not None else None
    if tag is not None:
        close = text.find(tag.group(), tag.end())
        if close >= 0 and close > stop:
            return close - start
    return stop - 1 - start if size == PIECE else size * 2


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
