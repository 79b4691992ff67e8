"""Resumable batched UPDATEs for ``-- buildamp:batch`` statements.

A backfill over millions of rows as one UPDATE holds row locks for the whole
run and doubles the table. Here it runs in primary-key order, a short
transaction per batch, with its position saved in the progress store *in the
same transaction* as the batch: a killed run resumes after the last committed
batch and never applies a batch twice. The table is vacuumed as we go so new
row versions reuse the space of old ones.

Each key range is updated in two halves, one batch apart (see ``_Split``): the
first half's rows move off their full pages, and once that has committed the
second half's new versions fit where the old ones were (a HOT update, no index
entry), so half the rows cost no index upkeep at all.

``psql -f`` ignores the marker (a comment) and runs the statement whole.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from buildamp.files.directives import BatchSpec
from buildamp.model.errors import StateError
from buildamp.pg.sqltext import quote_ident
from buildamp.run.progress import ProgressStore

if TYPE_CHECKING:
    from buildamp.pg.database import Connection

# Batches grow while they finish well under this and shrink when over it: a
# writer that wants a row in the current batch waits at most about this long.
TARGET_SECONDS = 0.02
MAX_GROWTH = 20
# Heap-vacuum after each tenth of the table's rows (at least one start-size
# batch), so new versions reuse the space of old ones. With a writer, each vacuum
# reads most of the table (its updates clear all-visible bits everywhere), so the
# cost grows with the count: on 300,000 rows tenths left x1.10-1.14 of bloat for
# 3% of the time, twentieths x1.05-1.09 for 6-7%, fortieths x1.06-1.07 for 10-11%
# (benchmarks/backfill_heap.py --every N --writer, both statements). Bloat is
# judged against 1.3x, throughput against 80% of one UPDATE: tenths keep both.
VACUUM_EVERY = 10
# ... unless vacuuming would take more than this share of the backfill's time (a
# writer touching pages everywhere makes each vacuum scan more): then it waits.
VACUUM_SHARE = 0.25
# Heap only: pruning frees the old row versions' space for the next batches;
# vacuuming every index each time cost a quarter to a half of the backfill.
VACUUM_HEAP = "VACUUM (INDEX_CLEANUP OFF, TRUNCATE OFF) "
# Update each key range in two halves (``_Split``); off only to measure against
# (benchmarks/backfill_heap.py --whole-ranges).
HALVES = True
# ... when the key's order follows the table's (pg_stats.correlation), or is unknown
MIN_CORRELATION = 0.5
# key types whose range gives progress totals and whose halves go by parity
INTEGER_KEYS = ("smallint", "integer", "bigint")
# backend_flush_after (8 kB pages) for a backfill's session where the server's is 0
# (its default); 0 here leaves the server's (benchmarks/online_stall.py --no-flush-after)
FLUSH_AFTER = 32


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


def announce(conn: Connection, progress: BatchProgress) -> None:
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
class _Split:
    """Which rows of a key range form its first half, by a rule that depends on
    the key alone, so it picks the same rows after a resume.

    Why halves: on full pages (a table filled by inserts) an UPDATE cannot put the
    new row version beside the old one, so it writes it elsewhere and adds an entry
    to every index, and once committed the old entries are dead weight the B-tree
    keeps checking. A batch updates the first half of its range and the second half
    of the range before it, whose first half moved away and committed a batch ago:
    those pages have room again, and the second half's updates stay on their pages
    (HOT: no index entry). With three secondary indexes that is about a third less
    backend CPU than whole ranges (benchmarks/backfill_heap.py --whole-ranges)."""

    rule: str  # saved with the position: a resume refuses another rule's half range
    first: str  # SQL predicate on the key: the range's first half

    @property
    def second(self) -> str:
        return f"NOT ({self.first})"


def _split(key: str, key_type: str, correlation: float | None) -> _Split | None:
    """Integer keys alternate on the page as they were inserted: their parity
    halves every page. Other keys by a hash PostgreSQL keeps stable across
    versions (hash partitioning stores rows by it). None: whole ranges, also when
    the statistics say the key's order is not the table's (``correlation``, e.g.
    random uuids): a range's rows are then scattered, a page holds one or two of
    them, and the second half gains nothing for its extra work (forced on random
    text keys: 98% of one UPDATE's rows/s against 107% in whole ranges)."""
    if not HALVES or (correlation is not None and abs(correlation) < MIN_CORRELATION):
        return None
    if key_type in INTEGER_KEYS:
        return _Split("parity", f"{key} %% 2 = 0")
    if key_type == "uuid":
        return _Split("uuid-hash", f"uuid_hash_extended({key}, 0) %% 2 = 0")
    if key_type == "text" or key_type.startswith("character varying"):
        return _Split("text-hash", f"hashtextextended({key}, 0) %% 2 = 0")
    return None


@dataclass(frozen=True)
class _Plan:
    """Each batch is one statement in its own (implicit) transaction: find the key
    ``upper`` bounding the next ``size`` matching rows, update the key range
    (last, upper], and save the position, one round trip in all. A range
    predicate walks the primary key index; joining the UPDATE to a LIMIT subquery
    does not (it re-reads the table per batch). Its text is user SQL with
    psycopg's placeholders: a ``%`` of the user's is doubled.

    With a ``split`` the batch updates the first half of (pending, upper] and the
    second half of (last, pending], and saves ``last_key`` = pending (done) and
    ``half_key`` = upper (half done); ``forms`` holds the text for each case of
    (a ``last`` bound, a ``pending`` half range)."""

    forms: dict[tuple[bool, bool], str]
    key_range: str | None = None  # min and max key, for integer keys: progress totals
    split: _Split | None = None

    def statement(self, after_last: bool, pending: bool) -> str:
        return self.forms[(after_last, pending)]


def _plan(
    conn: Connection, statement: str, table: str, store: ProgressStore | None
) -> _Plan | None:
    """The batched forms of an ``UPDATE ... WHERE ...``, or None when it cannot
    be batched (composite key, FROM/RETURNING/WITH, not an UPDATE). ``store``:
    where each batch saves its position, None when the store is unavailable."""
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
    if any(target.name == row[0][0] for target in node.targetList):
        return None  # a row whose key changes would move ahead of the batches: seen again
    name, key_type = quote_ident(row[0][0]), row[0][1]
    key = _literal(name)
    split = _split(key, key_type, _correlation(conn, table, row[0][0]))
    condition = _literal(RawStream()(node.whereClause)) if node.whereClause else "TRUE"
    node.whereClause = None
    head = _literal(RawStream()(node))
    source = _literal(quote_ident(table))
    upper = "(SELECT upper FROM buildamp_bound)"

    def batch(after_last: bool, pending: bool) -> str:
        start = "pending" if pending else "last" if after_last else None
        lower = "" if start is None else f"{key} > %({start})s::{key_type} AND "
        rest, count = "", "(SELECT count(*) FROM buildamp_batch)"
        if pending and split is not None:
            above = f"{key} > %(last)s::{key_type} AND " if after_last else ""
            rest = (
                f"buildamp_rest AS ({head} WHERE {above}{key} <= %(pending)s::{key_type} "
                f"AND {split.second} AND ({condition}) RETURNING 1), "
            )
            count += " + (SELECT count(*) FROM buildamp_rest)"
        if split is None:
            saved, half = f"'last_key', {upper}::text", ""
        else:
            done = "%(pending)s" if pending else "%(last)s"
            saved = f"'last_key', {done}::text, 'half_key', {upper}::text, 'split', '{split.rule}'"
            half = f"{split.first} AND "
        position = (
            ""
            if store is None
            else ", buildamp_saved AS ("
            + store.upsert_sql(
                "SELECT %(progress_key)s, %(progress)s::jsonb || jsonb_build_object("
                f"'rows_done', %(done)s::bigint + {count}, {saved})"
                # a batch that found no rows saves nothing, unless it finished a half
                + ("" if rest else f" HAVING {upper} IS NOT NULL")
            )
            + ")"
        )
        # The commit waits for its WAL flush (the server's synchronous_commit, on by
        # default): committed asynchronously, a batch left its WAL for the next
        # synchronous committer to flush, the application's own writes, which then
        # waited 100-200 ms now and then (benchmarks/README.md, "Stalls and the WAL").
        return (
            # the last of the next ``size`` keys (not max(): uuid has none)
            "WITH buildamp_bound AS (SELECT buildamp_key AS upper "
            f"FROM (SELECT {key} AS buildamp_key FROM {source} WHERE {lower}({condition}) "
            f"ORDER BY {key} LIMIT %(size)s) AS buildamp_rows "
            f"ORDER BY buildamp_key DESC LIMIT 1), {rest}"
            f"buildamp_batch AS ({head} WHERE {lower}{key} <= {upper} AND {half}"
            f"({condition}) RETURNING 1){position} SELECT {count}, {upper}::text"
        )

    # run without parameters: its text is as written
    key_range = (
        f"SELECT min({name}), max({name}) FROM {quote_ident(table)}"
        if key_type in INTEGER_KEYS
        else None
    )
    forms = {
        (after_last, pending): batch(after_last, pending)
        for after_last in (False, True)
        for pending in ((False, True) if split is not None else (False,))
    }
    return _Plan(forms, key_range, split)


def _correlation(conn: Connection, table: str, column: str) -> float | None:
    """How closely the column's order follows the rows' physical order (-1..1),
    from the last ANALYZE; None when never analyzed."""
    row = conn.execute(
        "SELECT s.correlation FROM pg_stats s JOIN pg_class c ON c.relname = s.tablename "
        "JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = s.schemaname "
        "WHERE c.oid = to_regclass(%s) AND s.attname = %s",
        (quote_ident(table), column),
    ).fetchone()
    return None if row is None or row[0] is None else float(row[0])


def _literal(sql: str) -> str:
    """``sql`` as text in a statement run with psycopg parameters."""
    return sql.replace("%", "%%")


def run_batched(
    conn: Connection,
    statement: str,
    spec: BatchSpec,
    progress_key: str,
    report: ProgressReport | None = None,
    store: ProgressStore | None = None,
) -> int:
    """Run ``statement`` in batches; returns rows changed. ``conn`` is autocommit."""
    store = store or ProgressStore(conn)
    plan = _plan(conn, statement, spec.table, store if store.ensure() else None)
    if plan is None:
        with conn.transaction():
            changed = conn.execute(statement.encode()).rowcount
            store.put(progress_key, {"table": spec.table, "status": "done", "rows_done": changed})
        return int(changed)
    saved = store.get(progress_key) or {}
    if saved.get("status") == "done":
        return int(saved.get("rows_done", 0))
    last, pending = saved.get("last_key"), saved.get("half_key")
    if pending is not None and (plan.split is None or saved.get("split") != plan.split.rule):
        raise StateError(
            f"the batched update of {spec.table} stopped half-way through a key range "
            f"split by {saved.get('split')!r}, and this run would split it "
            f"{'not at all' if plan.split is None else repr(plan.split.rule)}",
            None,
            "finish it with the buildamp version that started it, or reset its progress "
            f"row {progress_key!r} after checking the rows by hand",
        )
    progress = BatchProgress(
        progress_key,
        spec.table,
        int(saved.get("rows_done", 0)),
        _estimate(conn, spec.table),
        time.monotonic(),
    )
    with _flushed_writes(conn):
        size, since_vacuum = spec.size, 0
        vacuumed_at, vacuum_took = time.monotonic(), 0.0  # the last heap vacuum: end, duration
        table_rows = progress.rows_total  # the catalog's; each heap vacuum refreshes it
        counted: int | None = None  # the table's rows as the last heap vacuum counted them
        span = _key_span(conn, plan)
        per_row: float | None = None  # measured seconds per row, smoothed

        def run(rows: int) -> tuple[int, Any]:
            nonlocal last, pending
            row = conn.execute(
                plan.statement(last is not None, pending is not None),
                {
                    "size": rows,
                    "last": last,
                    "pending": pending,
                    "progress_key": progress_key,
                    "progress": json.dumps(progress.as_json()),
                    "done": progress.rows_done,
                },
            ).fetchone()
            changed, upper = (int(row[0]), row[1]) if row else (0, None)
            progress.rows_done += changed
            if plan.split is not None:
                if pending is not None:
                    last = pending
                pending = upper
            elif upper is not None:
                last = upper
            return changed, upper

        while True:
            began = time.monotonic()
            changed, upper = run(size)
            if upper is None:
                progress.status = "done"
                store.put(progress_key, {**progress.as_json(), "last_key": last})
                break
            # half of (last, upper] is done: the key reached is its middle
            reached = upper if plan.split is None or span is None else _middle(last, upper, span)
            progress.rows_total = _corrected_total(progress, span, reached, counted)
            since_vacuum += changed
            announce(conn, progress)
            if report is not None:
                report(progress)
            took = time.monotonic() - began
            threshold = max(vacuum_basis(table_rows, progress) // VACUUM_EVERY, spec.size)
            if vacuum_due(since_vacuum, threshold, time.monotonic() - vacuumed_at, vacuum_took):
                if pending is not None:  # no range half done while the vacuum records free space
                    run(0)
                vacuum_began = time.monotonic()
                conn.execute(f"{VACUUM_HEAP}{_quoted(spec.table)}".encode())
                vacuumed_at = time.monotonic()
                vacuum_took = vacuumed_at - vacuum_began
                since_vacuum = 0
                table_rows = counted = _estimate(conn, spec.table)
            if spec.pause:
                time.sleep(spec.pause)
            if changed > 0:
                sample = took / changed
                per_row = sample if per_row is None else max(sample, (per_row + sample) / 2)
            size = next_size(size, spec.size, per_row)
        progress.rows_total = progress.rows_done
        announce(conn, progress)
        if report is not None:
            report(progress)
        return progress.rows_done


@contextmanager
def _flushed_writes(conn: Connection) -> Iterator[None]:
    """Have the server push this session's page writes to disk as it goes
    (``backend_flush_after``), unless the server already does. Without it a
    backfill leaves hundreds of MB dirty in the kernel's cache, written out in
    bursts that a writer's commit (its WAL fsync) queues behind."""
    row = conn.execute("SELECT current_setting('backend_flush_after')").fetchone()
    before = str(row[0]) if row else "0"
    if not FLUSH_AFTER or before != "0":
        yield
        return
    conn.execute("SELECT set_config('backend_flush_after', %s, false)", (str(FLUSH_AFTER),))
    try:
        yield
    finally:
        if not (conn.closed or conn.broken):  # a broken connection: the error says why
            conn.execute("SELECT set_config('backend_flush_after', %s, false)", (before,))


def _middle(last: Any, upper: Any, span: tuple[int, int]) -> float:
    low = span[0] - 1 if last is None else int(last)
    return (low + int(upper)) / 2


def _quoted(table: str) -> str:
    return quote_ident(table)


def _estimate(conn: Connection, table: str) -> int:
    row = conn.execute(
        "SELECT GREATEST(reltuples, 0)::bigint FROM pg_class WHERE oid = to_regclass(%s)",
        (_quoted(table),),
    ).fetchone()
    return int(row[0]) if row and row[0] else 0


def vacuum_basis(table_rows: int, progress: BatchProgress) -> int:
    """The rows the vacuum cadence is a fraction of: the table's (the catalog
    estimate, refreshed by every heap vacuum), since the growth is dead space
    against the table's size. The run's projected total only when the catalog
    knows nothing: a gap in the keys (ids reserved in blocks, a range inserted far
    above the rest) inflates that until the batches pass the gap, and the vacuums
    came several times too rarely (``benchmarks/backfill_heap.py --before-after``)."""
    return table_rows if table_rows > 0 else progress.rows_total


def vacuum_due(rows_since: int, threshold: int, seconds_since: float, last_took: float) -> bool:
    """Vacuum after ``threshold`` changed rows, but keep vacuuming to about
    VACUUM_SHARE of the time: after a vacuum that took ``last_took`` seconds, the
    next waits until the batches have run (1 - share) / share times as long."""
    if rows_since < threshold:
        return False
    return seconds_since * VACUUM_SHARE >= last_took * (1 - VACUUM_SHARE)


def next_size(size: int, start: int, per_row: float | None) -> int:
    """The next batch: what the measured time per row fits in TARGET_SECONDS,
    growing at most twice per batch and never past MAX_GROWTH x the start; it
    shrinks before a batch would be slow, not after one was. The smoothing
    keeps the worst recent rate, so one fast batch does not undo a slow one."""
    if per_row is None or per_row <= 0:
        return size
    fits = int(TARGET_SECONDS / per_row)
    return max(1, min(fits, size * 2, start * MAX_GROWTH))


def _key_span(conn: Any, plan: _Plan) -> tuple[int, int] | None:
    if plan.key_range is None:
        return None
    low, high = conn.execute(plan.key_range).fetchone()
    return (int(low), int(high)) if low is not None and high is not None else None


def _corrected_total(
    progress: BatchProgress, span: tuple[int, int] | None, last: Any, counted: int | None
) -> int:
    """Rows the run will change in all: rows done so far scaled by how much of
    the key range is behind us; else the catalog estimate, never below what is
    done (``reltuples`` lags behind a table filled since the last ANALYZE).

    A gap in the keys (ids reserved in blocks, a range far above the rest) makes
    the scaled figure too large until the batches pass it, so once a heap vacuum
    of this run has counted the table (``counted``: fresh, unlike the catalog's
    figure at the start) the total is at most that count: a run changes no more
    rows than the table holds, give or take the rows written meanwhile."""
    done = progress.rows_done
    if span is not None and last is not None:
        low, high = span
        covered = (int(last) - low + 1) / max(high - low + 1, 1)
        if covered > 0:
            projected = round(done / min(covered, 1.0))
            if counted is not None and counted > 0:
                projected = min(projected, counted)
            return max(done, projected)
    return max(progress.rows_total, done)
