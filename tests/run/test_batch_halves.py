"""Issue 15, backfill throughput: each key range is updated in two halves one
batch apart, so the second half's new row versions fit on the pages the first
half left (HOT updates, no index entries); exactly once across a resume in the
middle of a half-done range, whatever the key type."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest

from buildamp.model.errors import StateError
from buildamp.run import batch
from buildamp.run.batch import BatchProgress, BatchSpec, run_batched
from buildamp.run.progress import ProgressStore

# keys in insertion order, as sequences, time-ordered uuids (v7) or ULIDs give
KEYS = {
    "bigint": "g",
    "integer": "g",
    "uuid": "lpad(to_hex(g), 32, '0')::uuid",
    "text": "'k' || lpad(g::text, 8, '0')",
    "varchar(40)": "'k' || lpad(g::text, 8, '0')",
}


class Interrupted(Exception):
    pass


def _table(conn: Any, key_type: str, rows: int, keys: str | None = None) -> None:
    conn.execute(
        f"CREATE TABLE t (id {key_type} PRIMARY KEY, n int NOT NULL, name text NOT NULL) "
        "WITH (autovacuum_enabled = off)"
    )
    conn.execute("CREATE INDEX ON t (n)")
    conn.execute(
        f"INSERT INTO t SELECT {keys or KEYS[key_type]}, 0, 'row ' || g "
        "FROM generate_series(1, %s) g",
        (rows,),
    )
    conn.execute("VACUUM ANALYZE t")


@pytest.mark.parametrize("key_type", sorted(KEYS))
def test_a_run_stopped_in_a_half_done_range_resumes_exactly_once(
    pg_conn: Any, monkeypatch: Any, key_type: str
) -> None:
    """``n = n + 1`` is not idempotent: a row updated twice or never shows."""
    monkeypatch.setattr(batch, "MAX_GROWTH", 1)
    _table(pg_conn, key_type, 1000)
    statement = "UPDATE t SET n = n + 1, name = upper(name)"
    calls = 0

    def stop_after_three(progress: BatchProgress) -> None:
        nonlocal calls
        calls += 1
        if calls == 3:
            raise Interrupted

    with pytest.raises(Interrupted):
        run_batched(pg_conn, statement, BatchSpec("t", 100), "k", stop_after_three)
    saved = ProgressStore(pg_conn).get("k")
    assert saved is not None and saved["half_key"] is not None  # stopped mid-range
    done = pg_conn.execute("SELECT count(*) FROM t WHERE n = 1").fetchone()[0]
    assert saved["rows_done"] == done and 200 < done < 300
    assert run_batched(pg_conn, statement, BatchSpec("t", 100), "k") == 1000
    counts = dict(pg_conn.execute("SELECT n, count(*) FROM t GROUP BY n").fetchall())
    assert counts == {1: 1000}


def test_random_keys_run_in_whole_ranges(pg_conn: Any, monkeypatch: Any) -> None:
    """Random keys (the framework's ``gen_random_uuid()::text`` ids) scatter a
    range over the table: a page holds one or two of its rows and the second
    half finds no room it made. The statistics say so, and whole ranges run."""
    monkeypatch.setattr(batch, "MAX_GROWTH", 1)
    _table(pg_conn, "text", 1000, keys="md5(g::text)")
    saved: list[Any] = []

    def report(progress: BatchProgress) -> None:
        saved.append(ProgressStore(pg_conn).get("k"))

    statement = "UPDATE t SET n = n + 1"
    assert run_batched(pg_conn, statement, BatchSpec("t", 100), "k", report) == 1000
    assert saved[0] is not None and "half_key" not in saved[0]
    assert dict(pg_conn.execute("SELECT n, count(*) FROM t GROUP BY n").fetchall()) == {1: 1000}


def test_second_halves_are_hot_updates(pg_url: str) -> None:
    """On full pages (a table filled by inserts) whole ranges leave no room beside
    a row for its new version: every update adds index entries. Halves: the second
    half of each range fits where the first half was."""
    with psycopg.connect(pg_url, autocommit=True) as conn:
        _table(conn, "bigint", 20_000)
        changed = run_batched(conn, "UPDATE t SET name = upper(name)", BatchSpec("t", 500), "k")
        assert changed == 20_000
        conn.execute("SELECT pg_stat_force_next_flush()")
        conn.execute("SELECT 1")  # the flush happens when this transaction ends
        conn.execute("SELECT pg_stat_clear_snapshot()")
        hot = conn.execute(
            "SELECT n_tup_hot_upd FROM pg_stat_user_tables WHERE relname = 't'"
        ).fetchone()[0]
    assert hot >= 20_000 * 0.4, hot


def test_no_range_is_half_done_when_the_heap_is_vacuumed(pg_url: str, monkeypatch: Any) -> None:
    """A heap vacuum records the pruned pages' free space: with a half range
    pending, the next batch's moved rows would fill the room its second half
    needs. The pending half is finished first."""
    monkeypatch.setattr(batch, "MAX_GROWTH", 1)
    monkeypatch.setattr(batch, "VACUUM_SHARE", 1.0)
    with (
        psycopg.connect(pg_url, autocommit=True) as conn,
        psycopg.connect(pg_url, autocommit=True) as observer,
    ):
        _table(conn, "bigint", 2000)
        execute = conn.execute
        at_vacuum: list[Any] = []

        def watched(query: Any, *args: Any, **kwargs: Any) -> Any:
            if isinstance(query, bytes) and query.startswith(b"VACUUM"):
                saved = ProgressStore(observer).get("k")
                at_vacuum.append(saved and saved.get("half_key"))
            return execute(query, *args, **kwargs)

        conn.execute = watched  # type: ignore[method-assign]
        assert run_batched(conn, "UPDATE t SET n = 1", BatchSpec("t", 50), "k") == 2000
    assert len(at_vacuum) >= 5 and not any(at_vacuum), at_vacuum


def test_a_half_range_saved_under_another_split_is_refused(pg_conn: Any) -> None:
    _table(pg_conn, "bigint", 100)
    ProgressStore(pg_conn).put(
        "k", {"table": "t", "rows_done": 5, "last_key": None, "half_key": "10", "split": "other"}
    )
    with pytest.raises(StateError, match="half-way"):
        run_batched(pg_conn, "UPDATE t SET n = n + 1", BatchSpec("t", 10), "k")
    assert pg_conn.execute("SELECT count(*) FROM t WHERE n <> 0").fetchone()[0] == 0


def test_an_update_of_the_key_itself_runs_as_one_statement(pg_conn: Any) -> None:
    """Batches walk the key in order: a row whose key moves up would be met again
    (and again) further on. Such an UPDATE runs whole."""
    _table(pg_conn, "bigint", 100)
    changed = run_batched(
        pg_conn, "UPDATE t SET id = id + 1000, n = n + 1", BatchSpec("t", 10), "k"
    )
    assert changed == 100
    rows = pg_conn.execute("SELECT min(id), max(id), min(n), max(n) FROM t").fetchone()
    assert rows == (1001, 1100, 1, 1)


def test_each_batch_commit_waits_for_its_wal_flush(pg_url: str, monkeypatch: Any) -> None:
    """Committed asynchronously, a batch left its WAL for the next synchronous
    commit to flush: the application's own writes paid for it (100-200 ms now
    and then under a backfill). After each batch, its WAL is on disk."""
    monkeypatch.setattr(batch, "MAX_GROWTH", 1)
    with (
        psycopg.connect(pg_url, autocommit=True) as conn,
        psycopg.connect(pg_url, autocommit=True) as observer,
    ):
        _table(conn, "bigint", 2000)
        flushed: list[bool] = []

        def report(progress: BatchProgress) -> None:
            row = observer.execute(
                "SELECT pg_current_wal_insert_lsn() <= pg_current_wal_flush_lsn()"
            ).fetchone()
            flushed.append(bool(row[0]))

        run_batched(conn, "UPDATE t SET name = upper(name)", BatchSpec("t", 100), "k", report)
    # a background record (a standby snapshot) may land between a commit and a check
    assert len(flushed) >= 10 and flushed.count(False) <= 1, flushed


def _flush_after_seen_by_batches(conn: Any, setting: str) -> list[str]:
    conn.execute("DROP TABLE IF EXISTS t")
    _table(conn, "bigint", 300)
    conn.execute(f"SET backend_flush_after = '{setting}'")
    statement = "UPDATE t SET name = current_setting('backend_flush_after')"
    assert run_batched(conn, statement, BatchSpec("t", 100), setting) == 300
    assert conn.execute("SHOW backend_flush_after").fetchone()[0] == setting  # restored
    return list(conn.execute("SELECT array_agg(DISTINCT name) FROM t").fetchone()[0])


def test_batches_push_their_page_writes_to_disk_as_they_go(pg_conn: Any) -> None:
    """The backfill's evicted pages would sit dirty in the kernel's cache and go
    out in bursts that a writer's commit fsync queues behind: each batch runs with
    ``backend_flush_after`` unless the server already sets one, and the session
    gets its own setting back after."""
    assert _flush_after_seen_by_batches(pg_conn, "0") == [f"{batch.FLUSH_AFTER * 8}kB"]
    assert _flush_after_seen_by_batches(pg_conn, "64kB") == ["64kB"]  # the DBA's, kept
