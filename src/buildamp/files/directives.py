"""Every ``-- buildamp:`` directive of a migration or custom SQL file: how it is
written and how it is read, in one place. A directive is an SQL comment, so
``psql -f`` runs the file unchanged; buildamp's executor and linter honour it.

=============================  ============================================
``-- buildamp:no-transaction``  the statements after it run outside a
                                transaction, one by one (before ``BEGIN``,
                                after ``COMMIT``, or the whole file when it
                                has no ``BEGIN``); resumable after a crash
``-- buildamp:batch table=t     the next UPDATE runs in key-range batches of
size=N [pause=S]``              ``N`` rows, ``S`` seconds apart
``-- buildamp:changes {json}``  the tables and ``table.field`` names a
                                generated migration changes (for events)
``-- buildamp:old-type T``      the next ``ALTER COLUMN ... TYPE`` changes a
                                column of type ``T`` (so the linter knows
                                whether PostgreSQL rewrites the table)
``-- buildamp:when-type {json}`` the next statement runs only while the
                                column ``{"table", "column"}`` still has
                                ``"type"`` (a copy type change skips itself
                                when its column never left the other type)
``-- buildamp:lint-ignore       the linter skips these rules (all when none
[BA001 ...]``                   is named) for the next statement
``-- buildamp:down``            in a ``custom_sql`` file: what follows is the
                                rollback section
``-- buildamp:squashes          a squashed baseline replaces this migration
NNN_slug sha256``               (one line each, right after the first line), so
                                a database that applied it is recognised
=============================  ============================================
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass

PREFIX = "-- buildamp:"
NO_TRANSACTION = PREFIX + "no-transaction"
DOWN = PREFIX + "down"
DEFAULT_BATCH_SIZE = 1000

# Compiled on first use (re keeps them): writing a migration reads no directive.
_DIRECTIVE = r"--\s*buildamp:(?P<name>[a-z-]+)\b(?P<args>[^\n]*)"
_CODE = r"\bBA\d{3}\b"


def _found(comment_text: str, name: str) -> list[str]:
    """Arguments of each ``name`` directive in ``comment_text``, in order."""
    return [
        m.group("args").strip()
        for m in re.finditer(_DIRECTIVE, comment_text)
        if m.group("name") == name
    ]


# -- no-transaction ---------------------------------------------------------------


def no_transaction() -> str:
    return NO_TRANSACTION


def is_no_transaction(comment_text: str) -> bool:
    return bool(_found(comment_text, "no-transaction"))


# -- batch ------------------------------------------------------------------------


@dataclass(frozen=True)
class BatchSpec:
    """A ``batch`` directive: the table and the pace of its next UPDATE."""

    table: str
    size: int = DEFAULT_BATCH_SIZE
    pause: float = 0.0  # seconds between batches, to leave room for live traffic


def batch(spec: BatchSpec) -> str:
    pause = f" pause={spec.pause:g}" if spec.pause else ""
    return f"{PREFIX}batch table={spec.table} size={spec.size}{pause}"


def parse_batch(comment_text: str) -> BatchSpec | None:
    """The last ``batch`` directive in the comments before a statement."""
    found = None
    for args_text in _found(comment_text, "batch"):
        args = dict(part.split("=", 1) for part in args_text.split() if "=" in part)
        if "table" in args:
            size = int(args["size"]) if args.get("size", "").isdigit() else DEFAULT_BATCH_SIZE
            try:
                pause = max(float(args.get("pause", "0")), 0.0)
            except ValueError:
                pause = 0.0
            found = BatchSpec(args["table"], max(size, 1), pause)
    return found


# -- changes ----------------------------------------------------------------------


def changes(tables: Iterable[str], fields: Iterable[str]) -> str:
    payload = {"tables": sorted(set(tables)), "fields": sorted(set(fields))}
    return f"{PREFIX}changes {json.dumps(payload, separators=(',', ':'))}"


def parse_changes(text: str) -> tuple[tuple[str, ...], tuple[str, ...]] | None:
    """(tables, fields) from a file's ``changes`` directive; None when it has none
    (a hand-written migration)."""
    for line in text.splitlines():
        if not line.startswith("--"):
            break  # the directive is in the leading comment block
        for args in _found(line, "changes"):
            try:
                payload = json.loads(args)
                tables = tuple(str(t) for t in payload["tables"])
                fields = tuple(str(f) for f in payload["fields"])
            except (ValueError, KeyError, TypeError):
                return None
            return tables, fields
    return None


# -- old-type ---------------------------------------------------------------------


def old_type(type_name: str) -> str:
    return f"{PREFIX}old-type {type_name}"


def parse_old_type(comment_text: str) -> str | None:
    found = _found(comment_text, "old-type")
    return found[-1] if found and found[-1] else None


# -- when-type --------------------------------------------------------------------


@dataclass(frozen=True)
class WhenType:
    """Run the next statement only while ``table.column`` has type ``type``."""

    table: str
    column: str
    type: str


def when_type(guard: WhenType) -> str:
    payload = {"table": guard.table, "column": guard.column, "type": guard.type}
    return f"{PREFIX}when-type {json.dumps(payload, separators=(',', ':'))}"


def parse_when_type(comment_text: str) -> WhenType | None:
    """The last ``when-type`` directive in the comments before a statement."""
    found = None
    for args in _found(comment_text, "when-type"):
        try:
            payload = json.loads(args)
            found = WhenType(str(payload["table"]), str(payload["column"]), str(payload["type"]))
        except (ValueError, KeyError, TypeError):
            continue
    return found


# -- lint-ignore ------------------------------------------------------------------


def lint_ignore(codes: Iterable[str] = ()) -> str:
    named = " ".join(codes)
    return f"{PREFIX}lint-ignore {named}".rstrip()


def parse_lint_ignore(comment_line: str) -> set[str] | None:
    """Codes a ``lint-ignore`` comment line names (``{"*"}`` for all), or None."""
    found = _found(comment_line, "lint-ignore")
    if not found:
        return None
    named = set(re.findall(_CODE, " ".join(found)))
    return named or {"*"}


# -- down -------------------------------------------------------------------------


def split_down(text: str) -> tuple[str, str | None]:
    """A ``custom_sql`` file's (forward, rollback) parts; rollback None without ``down``."""
    up, mark, down = text.partition(DOWN)
    return up, (down if mark else None)


# -- squashes ---------------------------------------------------------------------
# ``migrate --squash --to VERSION`` replaces migrations 001..VERSION with one
# baseline numbered VERSION. Its header lists every migration it replaces, with
# the checksum that file had, so a database that applied the old files is
# recognised (its history rows become the baseline's row) instead of looking
# edited or missing.

SQUASHES = PREFIX + "squashes"


@dataclass(frozen=True)
class Squashed:
    """One migration a baseline replaces: as it was named and summed."""

    version: str
    name: str
    checksum: str


def squashes(replaced: list[Squashed]) -> list[str]:
    return [f"{SQUASHES} {m.version}_{m.name} {m.checksum}" for m in replaced]


def parse_squashes(text: str) -> list[Squashed]:
    """The migrations a file replaces ([] for an ordinary migration)."""
    found: list[Squashed] = []
    for line in text.splitlines():
        if not line.startswith(SQUASHES + " "):
            if line.startswith("BEGIN;"):
                break
            continue
        parts = line[len(SQUASHES) :].split()
        if len(parts) == 2 and "_" in parts[0]:
            version, _, name = parts[0].partition("_")
            found.append(Squashed(version, name, parts[1]))
    return found
