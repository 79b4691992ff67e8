"""What a renderer returns: one SQL statement (or comment) with its structure as
data, so that the file composer and the online forms never re-read SQL text.

``phase``: inside the migration's transaction (``"tx"``), committed before it
(``"pre"``: ``ALTER TYPE ... ADD VALUE``, whose new value cannot be used in the
transaction that adds it), or run after ``COMMIT`` (``"post"``, e.g.
``CREATE INDEX CONCURRENTLY``).

``role``: ``ddl`` (schema statements), ``backfill`` (an UPDATE over existing
rows; online it runs after COMMIT in key-range batches), ``setting`` (a session
setting such as ``lock_timeout``), ``validation`` (a block proving the result,
last in the transaction) or ``note`` (a comment for the reviewer).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from buildamp.model.records import fast_init
from buildamp.plan.ops import Op

Phase = Literal["pre", "tx", "post"]
Role = Literal["ddl", "backfill", "setting", "validation", "note"]


@fast_init
@dataclass(frozen=True)
class Step:
    sql: str
    phase: Phase = "tx"
    role: Role = "ddl"
    batch_table: str | None = None  # a backfill the executor may run in key-range batches
    old_type: str | None = None  # an ALTER COLUMN ... TYPE: the column's type before it
    # (table, column, type): run only while the column still has that type (the
    # steps of a copy type change, so its rollback skips them when it never swapped)
    when_type: tuple[str, str, str] | None = None
    # Lint codes this step triggers knowingly (no lock-safe form exists; the
    # change was confirmed as destructive): written as a lint-ignore directive.
    accepts: tuple[str, ...] = ()
    op: Op | None = field(default=None, compare=False, repr=False)  # the op it came from

    def of(self, op: Op) -> Step:
        """This step, from ``op``: ``replace(self, op=op)`` (every field copied)
        without its cost, paid once per step of every migration. Made by
        ``__init__``, whose attributes need no dictionary of their own (copying
        ``__dict__`` made one: 64 bytes a step, 160,000 steps at 10,000 tables)."""
        return Step(
            self.sql,
            self.phase,
            self.role,
            self.batch_table,
            self.old_type,
            self.when_type,
            self.accepts,
            op,
        )


@dataclass(frozen=True)
class RenderOptions:
    """How to render: ``online`` picks lock-safe forms for tables that already
    exist (concurrent indexes, NOT VALID + VALIDATE, batched backfills)."""

    online: bool = False
    lock_timeout: str = "1s"
    batch_size: int = 1000
    distribution: str = "none"  # "citus": CREATE TABLE also distributes (render/citus.py)
    colocate_with: str | None = None  # Citus colocation anchor
