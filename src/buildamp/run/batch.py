"""Resumable batched UPDATEs for ``-- buildamp:batch`` statements.

A backfill over millions of rows as one UPDATE holds row locks for the whole
run and doubles the table. Here it runs in primary-key order, a short
transaction per batch, with its position saved in the progress store *in the
same transaction* as the batch: a killed run resumes after the last committed
batch and never applies a batch twice. The table is vacuumed as we go so new
row versions reuse the space of old ones.

``psql -f`` ignores the marker (a comment) and runs the statement whole.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from buildamp.files.directives import BatchSpec
from buildamp.pg.sqltext import quote_ident
from buildamp.run.progress import ProgressStore

# Batches grow while they finish well under this and shrink when over it: a
# writer that wants a row in the current batch waits at most about this long.
TARGET_SECONDS = 0.02
MAX_GROWTH = 20
VACUUM_EVERY = 10  # vacuum after each tenth of the table, so new versions reuse space


@dataclass
class BatchProgress:
    key: str
    table: str
    rows_done: int
    rows_total: int
    started: float
    status: str = "running"
    # (when, status) of the last backfill.progress event for this run
    announced: tuple[float, str] | None = field(default=None, repr=False)

    @property
    def rows_per_second(self) -> float:
        elapsed = max(time.monotonic() - self.started, 1e-6)
        return self.rows_done / elapsed

    def as_json(self) -> dict[str, Any]:
        return {
            "table": self.table,
            "rows_done": self.rows_done,
            "rows_total": self.rows_total,
            "rows_per_second": round(self.rows_per_second, 1),
            "status": self.status,
        }


ProgressReport = Callable[[BatchProgress], None]

ANNOUNCE_EVERY_SECONDS = 5.0


def announce(conn: Any, progress: BatchProgress) -> None:
    """A ``backfill.progress`` event when the status changes, else every few
    seconds (the audit log and webhooks need a pulse, not every batch)."""
    now = time.monotonic()
    last = progress.announced
    if last is not None and last[1] == progress.status and now - last[0] < ANNOUNCE_EVERY_SECONDS:
        return
    progress.announced = (now, progress.status)
    # events only when something is reported (the bus pulls in its sinks)
    from buildamp.events.bus import Event, emit

    info = conn.info
    version = progress.key.split(":")[1] if progress.key.count(":") >= 2 else None
    emit(
        Event(
            "backfill.progress",
            version=version,
            tables=(progress.table,),
            database=f"{info.host}:{info.port}/{info.dbname}",
            details={"key": progress.key, **progress.as_json()},
        )
    )


@dataclass(frozen=True)
class _Plan:
    """Each batch: find the key ``upper`` bounding the next ``size`` matching rows,
    then update the key range (last, upper]. A range predicate walks the primary
    key index; joining the UPDATE to a LIMIT subquery does not (it re-reads the
    table per batch)."""

    bound_first: str
    bound_next: str
    update_first: str
    update_next: str


def _plan(conn: Any, statement: str, table: str) -> _Plan | None:
    """The batched forms of an ``UPDATE ... WHERE ...``, or None when it cannot
    be batched (composite key, FROM/RETURNING/WITH, not an UPDATE)."""
    # pglast loads its C parser (~60 ms): only code that reads SQL pays for it
    import pglast
    from pglast.stream import RawStream

    parsed = pglast.parse_sql(statement)
    node: Any = parsed[0].stmt if len(parsed) == 1 else None
    if type(node).__name__ != "UpdateStmt" or node.fromClause or node.withClause:
        return None
    if getattr(node, "returningClause", None) or getattr(node, "returningList", None):
        return None
    row = conn.execute(
        "SELECT a.attname, format_type(a.atttypid, a.atttypmod) FROM pg_index i "
        "JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) "
        "WHERE i.indrelid = to_regclass(%s) AND i.indisprimary",
        (quote_ident(table),),
    ).fetchall()
    if len(row) != 1:
        return None
    key, key_type = quote_ident(row[0][0]), row[0][1]
    condition = RawStream()(node.whereClause) if node.whereClause else "TRUE"
    node.whereClause = None
    head = RawStream()(node)
    source = quote_ident(table)
    after = f"{key} > %(last)s::{key_type} AND "

    def bound(lower: str) -> str:
        return (
            f"SELECT max(buildamp_key)::text FROM (SELECT {key} AS buildamp_key FROM {source} "
            f"WHERE {lower}({condition}) ORDER BY {key} LIMIT %(size)s) AS buildamp_batch"
        )

    def update(lower: str) -> str:
        return f"{head} WHERE {lower}{key} <= %(upper)s::{key_type} AND ({condition})"

    return _Plan(bound(""), bound(after), update(""), update(after))


def run_batched(
    conn: Any,
    statement: str,
    spec: BatchSpec,
    progress_key: str,
    report: ProgressReport | None = None,
) -> int:
    """Run ``statement`` in batches; returns rows changed. ``conn`` is autocommit."""
    plan = _plan(conn, statement, spec.table)
    store = ProgressStore(conn)
    if plan is None:
        with conn.transaction():
            changed = conn.execute(statement.encode()).rowcount
            store.put(progress_key, {"table": spec.table, "status": "done", "rows_done": changed})
        return int(changed)
    saved = store.get(progress_key) or {}
    if saved.get("status") == "done":
        return int(saved.get("rows_done", 0))
    last = saved.get("last_key")
    progress = BatchProgress(
        progress_key,
        spec.table,
        int(saved.get("rows_done", 0)),
        _estimate(conn, spec.table),
        time.monotonic(),
    )
    size, since_vacuum = spec.size, 0
    while True:
        began = time.monotonic()
        with conn.transaction():
            # The batch and its saved position commit together, so losing the
            # last commits in a crash loses both: no need to wait for the flush.
            conn.execute("SET LOCAL synchronous_commit = off")
            bound_sql = plan.bound_first if last is None else plan.bound_next
            upper = conn.execute(bound_sql, {"size": size, "last": last}).fetchone()[0]
            if upper is None:
                progress.status = "done"
                store.put(progress_key, {**progress.as_json(), "last_key": last})
                break
            update_sql = plan.update_first if last is None else plan.update_next
            changed = conn.execute(update_sql, {"last": last, "upper": upper}).rowcount
            last = upper
            progress.rows_done += changed
            store.put(progress_key, {**progress.as_json(), "last_key": last})
        since_vacuum += changed
        announce(conn, progress)
        if report is not None:
            report(progress)
        if since_vacuum >= max(progress.rows_total // VACUUM_EVERY, 2 * spec.size):
            conn.execute(f"VACUUM {_quoted(spec.table)}".encode())
            since_vacuum = 0
        took = time.monotonic() - began
        if spec.pause:
            time.sleep(spec.pause)
        elif took < TARGET_SECONDS / 2 and size < spec.size * MAX_GROWTH:
            size *= 2
        elif took > TARGET_SECONDS * 1.5 and size > 100:
            size //= 2
    announce(conn, progress)
    if report is not None:
        report(progress)
    return progress.rows_done


def _quoted(table: str) -> str:

    return quote_ident(table)


def _estimate(conn: Any, table: str) -> int:
    row = conn.execute(
        "SELECT GREATEST(reltuples, 0)::bigint FROM pg_class WHERE oid = to_regclass(%s)",
        (_quoted(table),),
    ).fetchone()
    return int(row[0]) if row and row[0] else 0
