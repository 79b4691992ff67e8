"""A reference added to a table that already holds rows, online: the key goes in
NOT VALID (short locks, lock_timeout) and is validated after COMMIT while writers
keep going; its index is built concurrently. Orphan rows stop the validation with
a count and the query that lists them, and drift names the key left NOT VALID."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import psycopg
import pytest

from buildamp.cli.generate import generate
from buildamp.files.config import load_config
from buildamp.files.snapshot import load_snapshot
from buildamp.lint.engine import lint_sql
from buildamp.model.errors import DatabaseError
from buildamp.plan.replay import replay_comparable as unordered
from buildamp.run.apply import apply, rollback
from buildamp.run.comparable import comparable
from buildamp.run.drift import drift_report
from buildamp.run.file_parts import split_file
from tests.helpers import catalog_of

SILENT = lambda _line: None  # noqa: E731

MODELS = """
#[derive(BuildAmpDomain)]
pub struct Author {
    pub id: DatabaseId<i64>,
    pub name: String,
}

#[derive(BuildAmpDomain)]
pub struct Post {
    pub id: DatabaseId<AutoIncrement<i64>>,
    REFERENCE
    pub author_id: i64,
}
"""
BEFORE = MODELS.replace("REFERENCE", "")
AFTER = MODELS.replace("REFERENCE", '#[migration(references = "authors", on_delete = "cascade")]')
ROWS = 100_000


def project(root: Path) -> Path:
    (root / "models").mkdir(parents=True)
    (root / "buildamp.toml").write_text('models = ["models"]\nonline = true\n')
    (root / "models" / "blog_domain.rs").write_text(BEFORE)
    return root


def seed(url: str, orphans: int = 0) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO authors (id, host, name) SELECT g, 'h' || (g % 3), 'a' || g "
            "FROM generate_series(1, 100) g"
        )
        conn.execute(
            "INSERT INTO posts (host, author_id) SELECT 'h' || (((g % 100) + 1) % 3), "
            f"(g % 100) + 1 FROM generate_series(1, {ROWS}) g"
        )
        if orphans:
            # same tenant as no author 1 is in (author 1 is tenant h1)
            conn.execute(
                f"INSERT INTO posts (host, author_id) SELECT 'h2', 1 FROM generate_series(1, {orphans})"
            )


def test_online_reference_on_a_busy_table(tmp_path: Path, pg_url: str) -> None:
    from tests.lint.test_squawk import SQUAWK, assert_squawk_clean

    root = project(tmp_path)
    config = load_config(root)
    assert generate(config).written
    apply(config, pg_url, report=SILENT)
    seed(pg_url)
    (root / "models" / "blog_domain.rs").write_text(AFTER)
    result = generate(config)
    assert result.up_path is not None
    text = result.up_text
    # nothing runs in a transaction here, so the file has none (no empty block)
    parts = split_file(text, "up.sql")
    after, inside = "\n".join(parts.after_commit), "\n".join(parts.transactional)
    assert "CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_posts_author_id" in after
    assert "ADD CONSTRAINT fk_posts_author_id" in after and "NOT VALID" in after
    assert "VALIDATE CONSTRAINT fk_posts_author_id" in after
    assert "fk_posts_author_id" not in inside
    errors = [f.text() for f in lint_sql(text, "up.sql") if f.severity == "error"]
    assert errors == []
    if SQUAWK is not None:
        assert_squawk_clean(result.up_path)

    stop = threading.Event()
    written: list[float] = []
    failures: list[BaseException] = []

    def writer() -> None:
        with psycopg.connect(pg_url, autocommit=True) as conn:
            conn.execute("SET lock_timeout = '2s'")
            while not stop.is_set():
                try:
                    conn.execute("INSERT INTO posts (host, author_id) VALUES ('h1', 1)")
                    written.append(time.monotonic())
                except psycopg.Error as error:  # pragma: no cover - the test fails on it
                    failures.append(error)
                time.sleep(0.002)

    thread = threading.Thread(target=writer)
    thread.start()
    try:
        time.sleep(0.2)
        started = time.monotonic()
        apply(config, pg_url, report=SILENT)
        finished = time.monotonic()
        time.sleep(0.1)
    finally:
        stop.set()
        thread.join(timeout=10)
    assert failures == []
    during = [t for t in written if started <= t <= finished]
    with psycopg.connect(pg_url, autocommit=True) as conn:
        count = conn.execute("SELECT count(*) FROM posts").fetchone()
    assert count is not None and count[0] >= ROWS
    assert len(during) > 10, f"writer stalled: {len(during)} inserts in {finished - started:.2f}s"
    expected = comparable(load_snapshot(config).schema)
    assert unordered(catalog_of(pg_url)) == unordered(expected)
    with (
        psycopg.connect(pg_url, autocommit=True) as conn,
        pytest.raises(psycopg.errors.ForeignKeyViolation),
    ):
        conn.execute("INSERT INTO posts (host, author_id) VALUES ('h2', 1)")
    rollback(config, pg_url, report=SILENT)
    assert "fk_posts_author_id" not in str(catalog_of(pg_url))


def test_orphan_rows_stop_validation_with_count_and_query(tmp_path: Path, pg_url: str) -> None:
    root = project(tmp_path)
    config = load_config(root)
    assert generate(config).written
    apply(config, pg_url, report=SILENT)
    seed(pg_url, orphans=3)
    (root / "models" / "blog_domain.rs").write_text(AFTER)
    assert generate(config).written
    with pytest.raises(DatabaseError) as caught:
        apply(config, pg_url, report=SILENT)
    message = str(caught.value)
    assert "fk_posts_author_id" in message
    assert "3 row(s) of posts point at no row" in message
    query = message.split("point at no row: ")[1].split("; fix")[0]
    with psycopg.connect(pg_url, autocommit=True) as conn:
        assert len(conn.execute(query.encode()).fetchall()) == 3
    assert any(
        "fk_posts_author_id on posts: NOT VALID in database" in line
        for line in drift_report(config, pg_url)
    )
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute(f"DELETE FROM posts WHERE id IN (SELECT id FROM ({query}) o)".encode())
    apply(config, pg_url, report=SILENT)  # resumes at the validation
    assert drift_report(config, pg_url) == []


def test_keys_of_new_tables_stay_in_the_transaction(tmp_path: Path, pg_url: str) -> None:
    """Online mode: a new table's keys need no NOT VALID dance, unless the existing
    target's unique key is itself built after COMMIT."""
    root = project(tmp_path)
    (root / "models" / "blog_domain.rs").write_text(AFTER)
    config = load_config(root)
    first = generate(config)
    forward = first.up_text.split("-- Forward migration")[1]
    assert "NOT VALID" not in first.up_text
    assert "ADD CONSTRAINT fk_posts_author_id" in forward.split("COMMIT;")[0]
    apply(config, pg_url, report=SILENT)
    comment = (
        "\n#[derive(BuildAmpDomain)]\npub struct Comment {\n    pub id: DatabaseId<i64>,\n"
        "    pub post_id: ForeignKey<Post, i64>,\n}\n"
    )
    (root / "models" / "blog_domain.rs").write_text(AFTER + comment)
    second = generate(config)
    tx, _, after = second.up_text.partition("COMMIT;")
    # posts exists and gains UNIQUE (host, id) concurrently, after COMMIT: the key follows it
    assert "unique_posts_host_id" in after and "fk_comments_post_id" in after
    assert "fk_comments_post_id" not in tx.split("-- Forward migration")[1]
    assert [f.text() for f in lint_sql(second.up_text, "up.sql") if f.severity == "error"] == []
    apply(config, pg_url, report=SILENT)
    assert unordered(catalog_of(pg_url)) == unordered(comparable(load_snapshot(config).schema))


def test_offline_key_on_orphan_rows_names_a_missing_row(tmp_path: Path, pg_url: str) -> None:
    """Without online mode the key is added (and checked) in the transaction, which
    rolls back whole; the error still names the key and a row that points nowhere."""
    root = project(tmp_path)
    (root / "buildamp.toml").write_text('models = ["models"]\nonline = false\n')
    config = load_config(root)
    assert generate(config).written
    apply(config, pg_url, report=SILENT)
    seed(pg_url, orphans=1)
    (root / "models" / "blog_domain.rs").write_text(AFTER)
    assert generate(config).written
    with pytest.raises(DatabaseError) as caught:
        apply(config, pg_url, report=SILENT)
    message = str(caught.value)
    assert "fk_posts_author_id" in message
    assert "Key (host, author_id)=(h2, 1) is not present in table" in message
    assert "fk_posts_author_id" not in str(catalog_of(pg_url))
