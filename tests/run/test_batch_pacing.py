"""Issue 15, online runs: batch size follows the measured time per row (capped,
shrinking before a batch would be slow), and the progress total comes from the
key range, corrected as batches run, not from stale ``reltuples``."""

from __future__ import annotations

from typing import Any

from buildamp.run import batch
from buildamp.run.batch import (
    MAX_GROWTH,
    TARGET_SECONDS,
    VACUUM_SHARE,
    BatchProgress,
    BatchSpec,
    next_size,
    run_batched,
    vacuum_due,
)


def test_batch_size_follows_time_per_row() -> None:
    # fast rows: grow, but at most twice per batch and never past MAX_GROWTH x the start
    assert next_size(100, 100, TARGET_SECONDS / 10_000) == 200
    assert next_size(1_900, 100, TARGET_SECONDS / 10_000) == 100 * MAX_GROWTH
    # a slower rate seen: the very next batch is cut to what fits the target
    assert next_size(2_000, 100, TARGET_SECONDS / 50) == 50
    assert next_size(2_000, 100, 1.0) == 1
    assert next_size(300, 100, None) == 300


def test_progress_total_is_corrected_from_the_key_range(pg_conn: Any) -> None:
    pg_conn.execute("CREATE TABLE t (id bigint PRIMARY KEY, n int) WITH (autovacuum_enabled = off)")
    pg_conn.execute("INSERT INTO t SELECT g, 0 FROM generate_series(1, 100) g")
    pg_conn.execute("ANALYZE t")  # reltuples = 100 ...
    pg_conn.execute("INSERT INTO t SELECT g, 0 FROM generate_series(101, 3000) g")  # ... stale
    seen: list[tuple[int, int]] = []

    def report(progress: BatchProgress) -> None:
        seen.append((progress.rows_done, progress.rows_total))

    changed = run_batched(pg_conn, "UPDATE t SET n = 1", BatchSpec("t", 100), "k", report)
    assert changed == 3000
    assert all(total >= done for done, total in seen)
    middle = [total for done, total in seen if 900 <= done <= 2100]
    assert middle and all(2700 <= total <= 3300 for total in middle), seen
    assert seen[-1] == (3000, 3000)


def test_vacuum_follows_changed_rows_within_its_share_of_the_time() -> None:
    """Heap vacuums every ``threshold`` changed rows (so new versions reuse the old
    ones' space), but never take more than VACUUM_SHARE of the backfill's time."""
    assert not vacuum_due(999, 1000, 100.0, 0.0)
    assert vacuum_due(1000, 1000, 0.0, 0.0)  # the first one: nothing measured yet
    slow = 1.0  # the last vacuum took a second
    wait = slow * (1 - VACUUM_SHARE) / VACUUM_SHARE
    assert not vacuum_due(5000, 1000, wait * 0.9, slow)
    assert vacuum_due(5000, 1000, wait * 1.1, slow)


def test_vacuum_cadence_follows_the_table_not_a_key_gap(pg_conn: Any, monkeypatch: Any) -> None:
    """Keys far above the rest (ids reserved in blocks, a writer's own range) made
    the projected total ~500x the table until the batches passed the gap, so the
    heap was vacuumed far too rarely and dead row versions piled up. The cadence
    is a fraction of the table's rows (the catalog's, refreshed by each vacuum)."""
    pg_conn.execute("CREATE TABLE t (id bigint PRIMARY KEY, n int) WITH (autovacuum_enabled = off)")
    pg_conn.execute("INSERT INTO t SELECT g, 0 FROM generate_series(1, 1900) g")
    pg_conn.execute("INSERT INTO t SELECT g, 0 FROM generate_series(1000001, 1000100) g")
    pg_conn.execute("VACUUM ANALYZE t")  # reltuples = 2000
    # batches of 50 rows, each vacuum allowed whatever it takes: the count is exact
    monkeypatch.setattr(batch, "MAX_GROWTH", 1)
    monkeypatch.setattr(batch, "VACUUM_SHARE", 1.0)

    def vacuums() -> int:
        pg_conn.execute("SELECT pg_stat_clear_snapshot()")
        row = pg_conn.execute(
            "SELECT vacuum_count FROM pg_stat_user_tables WHERE relname = 't'"
        ).fetchone()
        return int(row[0])

    before = vacuums()
    assert run_batched(pg_conn, "UPDATE t SET n = 1", BatchSpec("t", 50), "k") == 2000
    # one heap vacuum per 2000 / VACUUM_EVERY = 200 changed rows, not a couple (the
    # half range finished right before each vacuum makes the windows ~225 rows)
    assert vacuums() - before >= 2000 // max(2000 // batch.VACUUM_EVERY, 50) - 2


def test_progress_total_past_a_key_gap_is_capped_by_the_vacuums_count(pg_conn: Any) -> None:
    """Keys far above the rest made the key-range projection ~50x the table until
    the batches passed the gap (a bar stuck near 0%, an ETA of hours); once a heap
    vacuum of the run has counted the table, the total is at most that count."""
    pg_conn.execute("CREATE TABLE t (id bigint PRIMARY KEY, n int) WITH (autovacuum_enabled = off)")
    pg_conn.execute("INSERT INTO t SELECT g, 0 FROM generate_series(1, 1900) g")
    pg_conn.execute("INSERT INTO t SELECT g, 0 FROM generate_series(100001, 100100) g")
    pg_conn.execute("VACUUM ANALYZE t")  # reltuples = 2000
    seen: list[tuple[int, int]] = []

    def report(progress: BatchProgress) -> None:
        seen.append((progress.rows_done, progress.rows_total))

    assert run_batched(pg_conn, "UPDATE t SET n = 1", BatchSpec("t", 50), "k", report) == 2000
    assert all(total >= done for done, total in seen)
    middle = [total for done, total in seen if 600 <= done <= 1800]
    assert middle and all(total <= 2400 for total in middle), seen
    assert seen[-1] == (2000, 2000)


def test_each_batch_commits_with_its_position_in_one_statement(
    pg_url: str, monkeypatch: Any
) -> None:
    """One round trip per batch: the batch, its bound and its saved position are
    one statement, so what another session reads after each batch is exactly
    the rows done so far and the key reached (a position saved apart from its
    batch could lag or lead it)."""
    import psycopg

    from buildamp.run.progress import ProgressStore

    monkeypatch.setattr(batch, "MAX_GROWTH", 1)  # batches of exactly 100 rows
    with (
        psycopg.connect(pg_url, autocommit=True) as conn,
        psycopg.connect(pg_url, autocommit=True) as observer,
    ):
        conn.execute(
            "CREATE TABLE t (id bigint PRIMARY KEY, n int) WITH (autovacuum_enabled = off)"
        )
        conn.execute("INSERT INTO t SELECT g, 0 FROM generate_series(1, 1000) g")
        statements: list[str] = []
        execute = conn.execute

        def counted(query: Any, *args: Any, **kwargs: Any) -> Any:
            statements.append(query.decode() if isinstance(query, bytes) else str(query))
            return execute(query, *args, **kwargs)

        conn.execute = counted  # type: ignore[method-assign]
        seen: list[tuple[int, dict[str, Any] | None, int]] = []

        def report(progress: BatchProgress) -> None:
            updated = observer.execute("SELECT count(*) FROM t WHERE n = 1").fetchone()[0]
            seen.append((progress.rows_done, ProgressStore(observer).get("k"), updated))

        assert run_batched(conn, "UPDATE t SET n = 1", BatchSpec("t", 100), "k", report) == 1000
    batches = [text for text in statements if text.startswith("WITH buildamp_bound")]
    assert len(batches) >= 11  # ten ranges of 100 rows, the last half, and one finding none
    assert not any(text.startswith(("BEGIN", "COMMIT", "SELECT max")) for text in statements)
    for done, saved, updated in seen[:-1]:
        assert saved is not None and saved["rows_done"] == done == updated
        # keys 1..1000 in order: all up to last_key, the even ones up to half_key
        last, half = int(saved["last_key"] or 0), int(saved["half_key"])
        assert done == last + (half - last) // 2
    assert seen[-1][1] is not None and seen[-1][1]["status"] == "done"


def test_a_percent_sign_in_the_statement_is_sql_not_a_placeholder(pg_conn: Any) -> None:
    """The batched forms carry psycopg parameters: a ``%`` of the user's (``LIKE
    'a%'``) is SQL, not a placeholder (it failed with "only '%s', '%b', '%t' are
    allowed as placeholders")."""
    pg_conn.execute('CREATE TABLE "t%" (id int PRIMARY KEY, name text)')
    pg_conn.execute("""INSERT INTO "t%" SELECT g, 'a' || g FROM generate_series(1, 100) g""")
    statement = """UPDATE "t%" SET name = name || '%' WHERE name LIKE 'a1%'"""
    assert run_batched(pg_conn, statement, BatchSpec("t%", 5), "k") == 12
    rows = pg_conn.execute("""SELECT count(*) FROM "t%" WHERE name LIKE '%\\%'""").fetchone()
    assert rows[0] == 12
