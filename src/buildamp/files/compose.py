"""Composing a migration's text in the file layout of docs/file-formats.md
(header, BEGIN ... COMMIT, commented rollback) and proving the composed file
runs exactly the planned statements. Only commands that write SQL load it."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from buildamp.files import directives
from buildamp.model.errors import Location, StateError
from buildamp.pg.sqlbits import MIGRATING_SETTING
from buildamp.pg.sqltext import quote_literal
from buildamp.render.step import Step

if TYPE_CHECKING:  # the op types are for hints only
    from buildamp.plan.ops import Op

MAX_NAMED_MODELS = 10  # the header names this many models, then counts the rest

# A line of a file: its text, or the step whose SQL is written with the ";" that
# ends it: the SQL is not copied to add one character (the statements of 10,000
# new tables are 12 MB), nor held in a new pair per statement (100,000 of them).
Line = str | Step


@dataclass(frozen=True)
class Layout:
    """Online settings that shape the file: a lock_timeout before anything that
    takes a strong lock, and the batch size written into batch markers."""

    lock_timeout: str | None = None
    batch_size: int = 1000
    batch_pause: float = 0.0
    # With FORCE ROW LEVEL SECURITY even the owner only sees rows of the current
    # tenant: a migrator without BYPASSRLS would silently change nothing.
    # row_security = off makes PostgreSQL raise instead.
    row_security_off: bool = False


def comment(text: str) -> list[str]:
    """``text`` as SQL comment lines, every line prefixed: a name or default
    holding a newline (or any other line break) can never end the comment and
    run as SQL."""
    return [f"-- {line}".rstrip() for line in text.splitlines() or [""]]


def _note(text: str) -> list[str]:
    """A note step (already ``-- ...``) with every continuation line prefixed too."""
    return comment(text[3:] if text.startswith("-- ") else text)


def _sql_block(steps: list[Step], layout: Layout = Layout()) -> list[Line]:
    lines: list[Line] = []
    for step in steps:
        if step.role == "note":
            lines += _note(step.sql)
            continue
        if step.batch_table is not None:
            spec = directives.BatchSpec(step.batch_table, layout.batch_size, layout.batch_pause)
            lines.append(directives.batch(spec))
        if step.old_type is not None:
            lines.append(directives.old_type(step.old_type))
        if step.when_type is not None:
            lines.append(directives.when_type(directives.WhenType(*step.when_type)))
        if step.accepts:
            lines.append(directives.lint_ignore(step.accepts))
        lines.append(step)
    return lines


def _text(lines: list[Line]) -> str:
    """The file's text: every line followed by a line break, joined once."""
    return "".join(_pieces(lines))


def _pieces(lines: list[Line]) -> Iterator[str]:
    for line in lines:
        if isinstance(line, str):
            yield line
        else:
            yield line.sql
            yield ";"
        yield "\n"


def _settings(layout: Layout, local: bool) -> list[Step]:
    """Session settings at the start of each part of the file."""
    scope = "LOCAL " if local else ""
    steps = []
    if layout.lock_timeout is not None:
        timeout = quote_literal(layout.lock_timeout)
        steps.append(Step(f"SET {scope}lock_timeout = {timeout}", role="setting"))
    if layout.row_security_off:
        steps.append(Step(f"SET {scope}row_security = off", role="setting"))
    return steps


def _migrating(steps: list[Step], local: bool) -> list[Step]:
    """Marks the session while buildamp changes rows itself, so the updated_at
    trigger keeps each row's own timestamp (only when the part changes rows)."""
    if not any(s.role == "backfill" for s in steps):
        return []
    scope = "LOCAL " if local else ""
    return [Step(f"SET {scope}{MIGRATING_SETTING} = 'on'", role="setting")]


@dataclass(frozen=True)
class _Parts:
    """What each part of a file runs, session settings included: the body is
    written from it and :func:`verify_composed` counts from it, one source.
    ``transaction`` is False when nothing would run inside BEGIN ... COMMIT (an
    online migration that only backfills or builds indexes): the file then has
    no transaction block, and ``post`` holds every step."""

    pre: list[Step]
    forward: list[Step]
    validation: list[Step]
    post: list[Step]
    transaction: bool = True


def _parts(steps: list[Step], layout: Layout) -> _Parts:
    pre = [s for s in steps if s.phase == "pre"]
    forward = [s for s in steps if s.phase == "tx" and s.role != "validation"]
    post = [s for s in steps if s.phase == "post"]
    validation = [s for s in steps if s.phase == "tx" and s.role == "validation"]
    if (pre or post) and not validation and all(s.role == "note" for s in forward):
        # An empty BEGIN; ... COMMIT; would only hold settings: the executor
        # records the migration in its own transaction, then runs these one by
        # one (resumable), and ``psql -f`` runs each in autocommit.
        outside = [*pre, *forward, *post]
        settings = _settings(layout, False) + _migrating(outside, False)
        return _Parts([], [], [], settings + outside, transaction=False)
    return _Parts(
        pre=_settings(layout, False) + pre if pre else [],
        forward=_settings(layout, True) + _migrating(forward, True) + forward,
        validation=validation,
        post=_settings(layout, False) + _migrating(post, False) + post if post else [],
    )


def _body(steps: list[Step], layout: Layout, heading: str | None) -> list[Line]:
    """pre-transaction steps, BEGIN ... COMMIT, then steps after COMMIT; or,
    when nothing runs in the transaction, the steps alone, outside one."""
    parts = _parts(steps, layout)
    outside = directives.no_transaction()
    if not parts.transaction:
        return [*([heading] if heading else []), outside, *_sql_block(parts.post, layout)]
    lines: list[Line] = []
    if parts.pre:
        lines += [outside, *_sql_block(parts.pre, layout), ""]
    lines += ["BEGIN;", ""]
    if heading:
        lines.append(heading)
    lines += _sql_block(parts.forward, layout)
    if parts.validation:
        lines += ["", "-- Validation", *_sql_block(parts.validation, layout)]
    lines += ["", "COMMIT;"]
    if parts.post:
        lines += ["", outside, *_sql_block(parts.post, layout)]
    return lines


def compose_up(
    display_path: str,
    sources: list[str],
    generated: str,
    summary: list[str],
    steps: list[Step],
    rollback_steps: list[Step],
    layout: Layout = Layout(),
    operations: Sequence[Op] | None = None,
    verify: bool = True,
) -> str:
    """The forward file: header, transaction, steps after COMMIT, then the
    rollback as comments for the reviewer (see docs/file-formats.md).
    ``verify=False``: the caller runs :func:`check_composed` itself, after it
    dropped the steps (at 10,000 new tables they are as large as the text)."""
    shown = sources[:MAX_NAMED_MODELS]
    origin = ", ".join(shown) if shown else "model"
    if len(sources) > len(shown):
        origin += f" and {len(sources) - len(shown)} more"
    lines: list[Line] = [
        *comment(display_path),
        *comment(f"Auto-generated from {origin} type changes"),
        *comment(f"Generated: {generated}"),
        *[part for line in summary for part in comment(line)],
        _changes(steps, operations),
        "",
        *_body(steps, layout, "-- Forward migration"),
        "",
        "-- Rollback instructions (commented)",
    ]
    for line in _sql_block([s for s in rollback_steps if s.role != "validation"], layout):
        lines += comment(line if isinstance(line, str) else line.sql + ";")
    text = _text(lines)
    del lines  # as large as the text (13 MB at 10,000 tables): not alive while it is parsed
    if verify:
        verify_composed(text, display_path, steps, layout)
    return text


def _changes(steps: list[Step], operations: Sequence[Op] | None) -> str:
    """The ``changes`` directive: from the operations (those without SQL, such as
    recorded document fields, included), else from the ops the steps came from."""
    ops = list(operations) if operations is not None else [s.op for s in steps if s.op]
    return directives.changes(
        (t for op in ops for t in op.tables()), (f for op in ops for f in op.fields())
    )


def compose_down(
    display_path: str, version: str, name: str, steps: list[Step], layout: Layout = Layout()
) -> str:
    lines: list[Line] = [
        *comment(display_path),
        *comment(f"Rollback of {version}_{name}"),
        "",
        *_body(steps, layout, None),
    ]
    text = _text(lines)
    del lines  # not alive while the text is parsed
    verify_composed(text, display_path, steps, layout)
    return text


def verify_composed(text: str, display_path: str, steps: list[Step], layout: Layout) -> None:
    """The composed file splits into exactly the statements the steps hold, plus
    our BEGIN/COMMIT and session settings, never more: a value that escaped a
    comment or a string, or swallowed the SQL after it, is refused here, at
    generate time, instead of running at apply."""
    check_composed(text, display_path, expected_statements(steps, layout, display_path))


def expected_statements(steps: list[Step], layout: Layout, display_path: str) -> int:
    """How many statements the file composed of ``steps`` runs (raises
    StateError when a step's SQL does not parse)."""
    # loaded on use: only this path needs it (keeps start-up cheap)
    import pglast

    parts = _parts(steps, layout)
    expected = 2 if parts.transaction else 0  # our BEGIN and COMMIT
    for step in parts.pre + parts.forward + parts.validation + parts.post:
        if step.role == "note":
            continue
        if _one_plain_statement(step.sql):
            expected += 1
            continue
        try:
            expected += len(pglast.parser.split(step.sql, with_parser=True))  # no AST: ~60x faster
        except pglast.parser.ParseError as error:
            raise StateError(
                f"generated SQL does not parse: {error.args[0]}: {step.sql[:80]!r}",
                Location(display_path),
                "check the model's SQL fragments (defaults, backfill, convert_sql, custom_sql)",
            ) from None
    return expected


def check_composed(text: str, display_path: str, expected: int) -> None:
    """The second half of :func:`verify_composed`: the composed file splits
    into ``expected`` statements."""
    # loaded on use: only this path needs it (keeps start-up cheap)
    from buildamp.files.integrity import count_statements

    found = count_statements(text, display_path)
    if found != expected:
        raise StateError(
            f"generated file would run {found} statements where the plan has {expected}: "
            "a model value ends a comment or a string early",
            Location(display_path),
            "remove line breaks and comment markers from names and SQL fragments",
        )


# What can end a statement, open a string, a quoted name, a comment or a
# dollar-quoted body: SQL without any of these is one statement, whatever it says
# (and if it does not parse, the whole file's split refuses it).
_SQL_SPECIALS = re.compile(r"[;'\"$\\]|--|/\*")


def _one_plain_statement(sql: str) -> bool:
    """Whether ``sql`` is one statement that cannot hide another: no parse needed
    to count it (most CREATE TABLE and CREATE INDEX steps)."""
    return bool(sql.strip()) and _SQL_SPECIALS.search(sql) is None
