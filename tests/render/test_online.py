"""Online mode on a real PostgreSQL: every lock-safe path ends in the same
catalog as the naive one, round-trips up/down/up, runs under psql too, and a
killed backfill resumes with every row changed exactly once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from buildamp.cli.generate import generate
from buildamp.files.config import load_config
from buildamp.files.snapshot import load_snapshot
from buildamp.model.schema import Schema
from buildamp.pg.database import connect
from buildamp.plan.replay import replay_comparable
from buildamp.run.apply import apply, rollback, status
from buildamp.run.comparable import comparable as catalog_comparable
from buildamp.run.progress import ProgressStore
from tests.helpers import apply_sql, catalog_of

SILENT = lambda _line: None  # noqa: E731

BEFORE = """
#[table(name = "items")]
pub struct Item {
    pub id: i64,
    pub name: String,
    pub nickname: Option<String>,
    pub sku: String,
    /// Units in stock.
    #[migration(index = true)]
    pub qty: i32,
    /// Shop code.
    #[migration(unique = true)]
    pub code: String,
}

#[table(storage = "jsonb")]
pub struct Note {
    pub id: String,
    pub title: String,
    pub priority: String,
}
"""

CHANGES = {
    "index": BEFORE.replace(
        "    pub name: String,", "    #[migration(index = true)]\n    pub name: String,"
    ),
    "unique": BEFORE.replace(
        "    pub sku: String,", "    #[migration(unique = true)]\n    pub sku: String,"
    ),
    "not_null": BEFORE.replace(
        "    pub nickname: Option<String>,",
        "    #[migration(default = \"'none'\")]\n    pub nickname: String,",
    ),
    "backfill_column": BEFORE.replace(
        "    pub sku: String,",
        '    pub sku: String,\n    #[migration(backfill = "upper(name)")]\n    pub shout: String,',
    ),
    "volatile_default": BEFORE.replace(
        "    pub sku: String,",
        '    pub sku: String,\n    #[migration(default = "gen_random_uuid()")]\n    pub token: uuid::Uuid,',
    ),
    "type_widen": BEFORE.replace("pub qty: i32", "pub qty: i64"),
    # a copied column keeps its comment, and one edited in the same migration lands
    "type_widen_comment": BEFORE.replace("pub qty: i32", "pub qty: i64").replace(
        "/// Units in stock.", "/// Units in stock, counted nightly."
    ),
    "type_convert": BEFORE.replace(
        "    pub code: String,",
        "    pub code: String,".replace(
            "    pub code",
            '    #[migration(convert_from = "TEXT", convert_sql = "CAST(%s AS BIGINT)")]\n    pub code',
        ).replace("pub code: String", "pub code: i64"),
    ),
    "jsonb_rename": BEFORE.replace(
        "    pub title: String,",
        '    #[migration(rename_from = "title")]\n    pub heading: String,',
    ),
    "jsonb_default": BEFORE.replace(
        "    pub priority: String,",
        '    pub priority: String,\n    #[migration(default = "7")]\n    pub weight: i64,',
    ),
    "jsonb_convert": BEFORE.replace(
        "    pub priority: String,",
        '    #[migration(convert_from = "TEXT", convert_sql = "CAST(%s AS BIGINT)")]\n    pub priority: i64,',
    ),
}

SEED = """
INSERT INTO items (id, host, name, nickname, sku, qty, code)
SELECT g, 'acme', 'item ' || g, CASE WHEN g % 3 = 0 THEN NULL ELSE 'n' || g END, 'sku-' || g,
       g * 2, (g * 7)::text
FROM generate_series(1, 500) AS g;
INSERT INTO notes (id, host, data)
SELECT 'n' || g, 'acme', jsonb_build_object('title', 'note ' || g, 'priority', (g % 10)::text)
FROM generate_series(1, 300) AS g;
"""

CHECKS = {
    "type_widen": "SELECT bool_and(qty = id * 2) FROM items",
    "type_widen_comment": "SELECT col_description('items'::regclass, "
    "(SELECT attnum FROM pg_attribute WHERE attrelid = 'items'::regclass AND attname = 'qty'))"
    " = 'Units in stock, counted nightly.'",
    "type_convert": "SELECT bool_and(code = id * 7) FROM items",
    "not_null": "SELECT count(*) = 0 FROM items WHERE nickname IS NULL",
    "backfill_column": "SELECT bool_and(shout = upper(name)) FROM items",
    "volatile_default": "SELECT count(DISTINCT token) = 500 FROM items",
    "jsonb_rename": "SELECT bool_and(data ? 'heading' AND NOT data ? 'title') FROM notes",
    "jsonb_default": "SELECT bool_and(data -> 'weight' = '7'::jsonb) FROM notes",
    "jsonb_convert": "SELECT bool_and(jsonb_typeof(data -> 'priority') = 'number') FROM notes",
}


def make_project(root: Path, online: bool) -> Path:
    (root / "models").mkdir(parents=True)
    (root / "buildamp.toml").write_text(
        f'models = ["models"]\nonline = {"true" if online else "false"}\nbatch_size = 37\n'
    )
    (root / "models" / "shop_domain.rs").write_text(BEFORE)
    return root


def same(live: Schema, expected: Schema) -> None:
    from buildamp.run.drift import compare

    live_schema = comparable(live)
    assert live_schema == expected, compare(expected, live_schema)


def check(url: str, sql: str) -> bool:
    with connect(url, autocommit=True) as conn:
        row = conn.execute(sql.encode()).fetchone()
    return bool(row and row[0])


def run_change(root: Path, url: str, change: str) -> tuple[str, object]:
    config = load_config(root)
    assert generate(config).written
    apply(config, url, report=SILENT)
    apply_sql(url, SEED)
    (root / "models" / "shop_domain.rs").write_text(CHANGES[change])
    result = generate(config, allow_destructive=True)
    assert result.written
    return result.up_text, comparable(load_snapshot(config).schema)


def comparable(schema: Schema) -> Schema:
    """What the catalog can show, column order aside (online steps append columns)."""
    return replay_comparable(catalog_comparable(schema))


@pytest.mark.parametrize("change", sorted(CHANGES))
def test_online_path_matches_naive_and_round_trips(
    change: str, tmp_path: Path, pg_server_url: str, pg_url: str
) -> None:
    from tests.conftest import with_database

    online_text, expected = run_change(make_project(tmp_path / "online", True), pg_url, change)
    assert "lock_timeout" in online_text
    config = load_config(tmp_path / "online")
    before = comparable(catalog_of(pg_url))
    apply(config, pg_url, report=SILENT)
    same(catalog_of(pg_url), expected)
    if change in CHECKS:
        assert check(pg_url, CHECKS[change])
    rollback(config, pg_url, report=SILENT)
    assert comparable(catalog_of(pg_url)) == before
    apply(config, pg_url, report=SILENT)
    assert comparable(catalog_of(pg_url)) == expected

    naive_db = pg_url.rsplit("/", 1)[0] + "/" + pg_url.rsplit("/", 1)[1] + "_naive"
    with connect(pg_server_url, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {naive_db.rsplit('/', 1)[1]}".encode())
    naive_url = with_database(pg_url, naive_db.rsplit("/", 1)[1])
    try:
        naive_text, naive_expected = run_change(
            make_project(tmp_path / "naive", False), naive_url, change
        )
        assert naive_expected == expected
        assert "CONCURRENTLY" not in naive_text and "buildamp:batch" not in naive_text
        apply(load_config(tmp_path / "naive"), naive_url, report=SILENT)
        assert comparable(catalog_of(naive_url)) == comparable(catalog_of(pg_url))
    finally:
        with connect(pg_server_url, autocommit=True) as admin:
            admin.execute(
                f"DROP DATABASE IF EXISTS {naive_db.rsplit('/', 1)[1]} WITH (FORCE)".encode()
            )


@pytest.mark.parametrize("change", ["unique", "not_null", "jsonb_rename"])
def test_online_files_run_with_psql(change: str, tmp_path: Path, pg_url: str) -> None:
    root = make_project(tmp_path / "p", True)
    config = load_config(root)
    generate(config)
    first = next((root / "migrations").glob("001_*.sql"))
    apply_sql(pg_url, first.read_text())
    apply_sql(pg_url, SEED)
    (root / "models" / "shop_domain.rs").write_text(CHANGES[change])
    result = generate(config)
    assert result.up_path is not None and result.down_path is not None
    expected = comparable(load_snapshot(config).schema)
    apply_sql(pg_url, result.up_path.read_text())
    assert comparable(catalog_of(pg_url)) == expected
    apply_sql(pg_url, result.down_path.read_text())
    apply_sql(pg_url, result.up_path.read_text())
    assert comparable(catalog_of(pg_url)) == expected


def test_online_index_migration_shape(tmp_path: Path, pg_url: str) -> None:
    """Nothing runs in a transaction here: the file has no (empty) BEGIN/COMMIT
    block, only the steps one by one, under lock_timeout."""
    text, _ = run_change(make_project(tmp_path / "p", True), pg_url, "unique")
    body = text.split("-- Rollback instructions")[0]
    assert "BEGIN;" not in body and "COMMIT;" not in body
    outside = body.index("-- buildamp:no-transaction")
    assert body.index("SET lock_timeout = '1s';") > outside
    assert "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS unique_items_sku" in body[outside:]
    assert "ADD CONSTRAINT unique_items_sku UNIQUE USING INDEX unique_items_sku" in body[outside:]


def test_backfill_only_migration_has_no_empty_transaction(tmp_path: Path, pg_url: str) -> None:
    """A JSONB key rename only backfills: its files hold no empty BEGIN/COMMIT,
    and apply, --status and rollback read them as steps after the history row."""
    root = make_project(tmp_path / "p", True)
    run_change(root, pg_url, "jsonb_rename")
    config = load_config(root)
    [up] = (root / "migrations").glob("002_*.sql")
    [down] = (root / "migrations" / "rollback").glob("002_*.sql")
    for text in (up.read_text(), down.read_text()):
        assert "BEGIN;" not in text and "COMMIT;" not in text
        assert text.count("-- buildamp:batch table=notes") >= 1
    apply(config, pg_url, report=SILENT)
    assert [s.state for s in status(config, pg_url)] == ["applied", "applied"]
    with connect(pg_url, autocommit=True) as conn:
        row = conn.execute(
            "SELECT post_total, post_done FROM buildamp_migrations WHERE version = '002'"
        ).fetchone()
    assert row == (3, 3)  # lock_timeout, migrating, the batched rename
    assert check(pg_url, CHECKS["jsonb_rename"])
    rollback(config, pg_url, report=SILENT)
    assert [s.state for s in status(config, pg_url)] == ["applied", "pending"]
    assert check(pg_url, "SELECT bool_and(data ? 'title' AND NOT data ? 'heading') FROM notes")


KILL_MIGRATION = """\
BEGIN;
CREATE TABLE counters (id bigint PRIMARY KEY, n integer NOT NULL);
INSERT INTO counters SELECT g, g FROM generate_series(1, 4000) AS g;
COMMIT;

-- buildamp:no-transaction
-- buildamp:batch table=counters size=40 pause=0.01
UPDATE counters SET n = n + 1000000;
"""


def test_killed_backfill_resumes_exactly_once(tmp_path: Path, pg_url: str) -> None:
    """SIGKILL mid-backfill, apply again: every row incremented exactly once (the
    statement is not idempotent, so a batch applied twice would show)."""
    root = tmp_path / "kill"
    (root / "models").mkdir(parents=True)
    (root / "buildamp.toml").write_text('models = ["models"]\n')
    (root / "migrations" / "rollback").mkdir(parents=True)
    (root / "migrations" / "001_counters.sql").write_text(KILL_MIGRATION)
    (root / "migrations" / "rollback" / "001_rollback.sql").write_text("DROP TABLE counters;\n")
    runner = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "buildamp",
            "-C",
            str(root),
            "migrate",
            "--apply",
            "--database-url",
            pg_url,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    deadline = time.monotonic() + 30
    done = 0
    with connect(pg_url, autocommit=True) as conn:
        while time.monotonic() < deadline and done < 400:
            time.sleep(0.02)
            if check(pg_url, "SELECT to_regclass('buildamp.progress') IS NOT NULL"):
                saved = ProgressStore(conn).get("backfill:001:0") or {}
                done = int(saved.get("rows_done", 0))
    runner.send_signal(signal.SIGKILL)
    runner.wait(timeout=10)
    assert 400 <= done < 4000, f"backfill was not caught mid-way (rows_done={done})"
    assert check(
        pg_url, "SELECT count(*) FILTER (WHERE n > 1000000) BETWEEN 400 AND 3999 FROM counters"
    )
    lines: list[str] = []
    apply(load_config(root), pg_url, report=lines.append)
    assert lines and lines[0].startswith("resumed 001_counters.sql")
    assert check(pg_url, "SELECT bool_and(n = id + 1000000) FROM counters")
    with connect(pg_url, autocommit=True) as conn:
        saved = ProgressStore(conn).get("backfill:001:0")
    assert saved is not None and saved["status"] == "done" and saved["rows_done"] == 4000


@pytest.mark.parametrize("change", sorted(CHANGES))
def test_online_migrations_pass_squawk_and_our_lint(change: str, tmp_path: Path) -> None:
    """Every online migration we generate passes squawk's locking rules and ours."""
    from buildamp.lint.engine import lint_sql
    from tests.lint.test_squawk import SQUAWK, assert_squawk_clean

    root = make_project(tmp_path / "p", True)
    config = load_config(root)
    generate(config)
    (root / "models" / "shop_domain.rs").write_text(CHANGES[change])
    result = generate(config)
    assert result.up_path is not None
    errors = [f for f in lint_sql(result.up_text, "up.sql") if f.severity == "error"]
    assert errors == [], [f.text() for f in errors]
    if SQUAWK is None:
        pytest.skip("squawk-cli binary cannot run here")
    assert_squawk_clean(result.up_path)


def test_backfill_reports_progress_events(tmp_path: Path, pg_url: str) -> None:
    """A batched backfill emits backfill.progress (running, then done) to subscribers."""
    from buildamp.events import bus as events

    seen: list[events.Event] = []
    root = make_project(tmp_path / "p", True)
    config = load_config(root)
    with events.subscribed(seen.append, ["backfill.progress"]):
        run_change(root, pg_url, "backfill_column")
        apply(config, pg_url, report=SILENT)
    statuses = [e.details["status"] for e in seen]
    assert statuses and statuses[-1] == "done"
    assert seen[-1].tables == ("items",) and seen[-1].version == "002"
    # the fill, then a second pass after the NOT VALID check (rows that arrived meanwhile)
    assert max(e.details["rows_done"] for e in seen) == 500
    assert "@" not in (seen[-1].database or "")
