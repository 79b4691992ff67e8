"""Issue 14 items 6, 7, 9: drift knows the history, speaks words, prints the
repair SQL, sees invalid indexes, NOT VALID constraints and buildamp's own
leftovers; SQL buildamp did not write is not drift; --json everywhere;
generate prints the change list; the lock wait names its holder."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterable
from pathlib import Path

import psycopg
import pytest

from buildamp.pg.database import connect
from buildamp.run.executor import LOCK_KEY
from tests.cli.test_migrate_trust import cli, make_project, write
from tests.helpers import apply_sql


def test_drift_after_rollback_says_pending(tmp_path: Path, pg_url: str) -> None:
    root = make_project(tmp_path, migrations=3)
    assert cli(root, "migrate", "--apply", "--database-url", pg_url)[0] == 0
    assert cli(root, "migrate", "--rollback", "--steps", "2", "--database-url", pg_url)[0] == 0
    code, out, _ = cli(root, "drift", "--database-url", pg_url)
    assert code == 1
    assert "2 migrations pending (002_" in out
    assert "missing in database" not in out


def test_drift_speaks_words_and_prints_the_repair(tmp_path: Path, pg_url: str) -> None:
    root = make_project(tmp_path, migrations=1)
    write(
        root / "models" / "things_domain.rs",
        "pub struct Thing { pub id: String, pub note: String }\n",
    )
    (root / "models" / "things_domain.rs").write_text(
        "pub struct Thing { pub id: String, #[migration(default = \"''\")] pub note: String }\n"
    )
    assert cli(root, "migrate")[0] == 0
    assert cli(root, "migrate", "--apply", "--database-url", pg_url)[0] == 0
    with connect(pg_url, autocommit=True) as conn:
        conn.execute("ALTER TABLE things ALTER COLUMN note DROP NOT NULL")
    code, out, _ = cli(root, "drift", "--database-url", pg_url)
    assert code == 1
    assert "things.note: database allows NULL, models say NOT NULL" in out
    assert "'" not in out.split("NOT NULL")[0].split("things.note")[0]  # no Python reprs
    code, sql, _ = cli(root, "drift", "--sql", "--database-url", pg_url)
    assert code == 1 and "SET NOT NULL" in sql
    apply_sql(pg_url, sql)
    assert cli(root, "drift", "--database-url", pg_url)[0] == 0
    code, out, _ = cli(root, "drift", "--json", "--database-url", pg_url)
    assert code == 0 and json.loads(out)["drift"] is False


def test_drift_reports_invalid_and_not_valid_and_leftovers(tmp_path: Path, pg_url: str) -> None:
    root = make_project(tmp_path, migrations=1)
    assert cli(root, "migrate", "--apply", "--database-url", pg_url)[0] == 0
    with connect(pg_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE scratch (a int)")
        conn.execute("ALTER TABLE things ADD CONSTRAINT ck_things_id CHECK (id <> '') NOT VALID")
        conn.execute(
            "CREATE FUNCTION buildamp_sync_things_id() RETURNS trigger LANGUAGE plpgsql "
            "AS $$ BEGIN RETURN NEW; END $$"
        )
        conn.execute(
            "CREATE TRIGGER buildamp_sync_things_id BEFORE INSERT ON things "
            "FOR EACH ROW EXECUTE FUNCTION buildamp_sync_things_id()"
        )
        conn.execute("ALTER TABLE things ADD COLUMN id__buildamp_new text")
        # an invalid index: CREATE INDEX CONCURRENTLY that fails on duplicates
        conn.execute("INSERT INTO things (id, host) VALUES ('a', 'h'), ('b', 'h')")
        with pytest.raises(psycopg.errors.UniqueViolation):
            conn.execute("CREATE UNIQUE INDEX CONCURRENTLY ux_things_host ON things (host)")
    config = root / "buildamp.toml"
    config.write_text(config.read_text() + 'drift_ignore = ["scratch"]\n')
    code, out, _ = cli(root, "drift", "--database-url", pg_url)
    assert code == 1
    assert "index ux_things_host on things: INVALID" in out
    assert "constraint ck_things_id on things: NOT VALID" in out
    assert "trigger buildamp_sync_things_id on things: buildamp's online-sync trigger" in out
    assert "function buildamp_sync_things_id: buildamp leftover" in out
    assert "things.id__buildamp_new: buildamp shadow column" in out
    assert "scratch" not in out  # drift_ignore


def test_custom_sql_objects_are_not_drift_and_edits_are_caught(tmp_path: Path, pg_url: str) -> None:
    root = make_project(tmp_path, migrations=1)
    write(root / "sql" / "things_view.sql", "CREATE INDEX things_lower_id ON things (lower(id));\n")
    (root / "models" / "things_domain.rs").write_text(
        '#[migration(custom_sql = "sql/things_view.sql")]\npub struct Thing { pub id: String }\n'
    )
    code, _, err = cli(root, "migrate")
    assert code == 0, err
    assert cli(root, "migrate", "--apply", "--database-url", pg_url)[0] == 0
    code, out, _ = cli(root, "drift", "--database-url", pg_url)
    assert code == 0, out
    assert cli(root, "migrate", "--check")[0] == 0
    (root / "sql" / "things_view.sql").write_text(
        "CREATE INDEX things_upper_id ON things (upper(id));\n"
    )
    code, out, _ = cli(root, "migrate", "--check")
    assert code == 1 and "sql/things_view.sql: custom_sql file was edited" in out


def test_check_and_status_as_json(tmp_path: Path, pg_url: str) -> None:
    root = make_project(tmp_path, migrations=1)
    code, out, _ = cli(root, "migrate", "--check", "--json")
    assert code == 0 and json.loads(out) == {"ok": True, "problems": [], "not_generated": []}
    code, out, _ = cli(root, "migrate", "--status", "--json", "--database-url", pg_url)
    document = json.loads(out)
    assert document["migrations"][0]["state"] == "pending" and document["counts"] == {"pending": 1}


def test_generate_prints_the_change_list(tmp_path: Path) -> None:
    root = make_project(tmp_path, migrations=1)
    write(
        root / "models" / "things_domain.rs",
        "pub struct Thing { pub id: String, pub phone: Option<String> }\n",
    )
    code, out, _ = cli(root, "migrate")
    assert code == 0 and "+ things.phone  TEXT NULL" in out
    assert out.index("+ things.phone") < out.index("wrote migrations/002_")
    assert "\x1b[" not in out  # plain when not a terminal
    write(root / "models" / "things_domain.rs", "pub struct Thing { pub id: String }\n")
    code, out, _ = cli(root, "migrate", "--allow-destructive")
    assert code == 0 and "- things.phone (destructive)" in out


def test_lock_wait_is_configurable_and_names_the_holder(tmp_path: Path, pg_url: str) -> None:
    root = make_project(tmp_path, migrations=1)
    config = root / "buildamp.toml"
    config.write_text(config.read_text() + "lock_wait = 0.5\n")
    held = threading.Event()
    release = threading.Event()

    def hold() -> None:
        with connect(pg_url, autocommit=True) as conn:
            conn.execute("SET application_name = 'other_deployer'")
            conn.execute("SELECT pg_advisory_lock(%s)", (LOCK_KEY,))
            held.set()
            release.wait(10)

    thread = threading.Thread(target=hold)
    thread.start()
    try:
        assert held.wait(10)
        started = time.monotonic()
        code, out, err = cli(root, "migrate", "--apply", "--database-url", pg_url)
        assert time.monotonic() - started < 5
        assert code == 3
        assert "waiting for the migration lock held by pid" in out and "other_deployer" in out
        assert "waited 0.5s (lock_wait)" in err
    finally:
        release.set()
        thread.join()


def test_objects_made_then_dropped_by_migrations_are_forgotten() -> None:
    from buildamp.run.drift import _created_by_sql

    created, touched = _created_by_sql(
        [
            "CREATE TABLE t (a int); ALTER TABLE t ADD COLUMN b int;"
            " ALTER TABLE t ADD CONSTRAINT ck_t CHECK (a > 0); CREATE INDEX ix_t ON t (a);",
            "ALTER TABLE t DROP COLUMN b; ALTER TABLE t DROP CONSTRAINT ck_t; DROP INDEX ix_t;",
        ]
    )
    assert created == {"t"} and "t" in touched


def test_history_trees_are_decoded_a_statement_at_a_time() -> None:
    """A migration of 1,000 tables is 8 MB of parse-tree JSON, ~53 MB as dicts:
    drift decodes one statement's tree at a time (drift at 10,000 models with a
    difference peaked at 229 MB decoding whole files; 135 MB now)."""
    import tracemalloc

    import pglast

    from buildamp.run.drift import _created_by_sql, _statements

    for sql in ("", "-- nothing", "SELECT 1", "CREATE TABLE t (a int); DROP TABLE t"):
        tree = pglast.parser.parse_sql_json(sql)
        assert list(_statements(tree)) == json.loads(tree).get("stmts", [])
    text = "".join(
        f"CREATE TABLE t{n} (id bigint PRIMARY KEY, host text NOT NULL, title text,"
        f" created_at timestamptz NOT NULL DEFAULT now());"
        f" CREATE INDEX idx_t{n}_host_title ON t{n} (host, title);"
        for n in range(300)
    )
    tracemalloc.start()
    try:
        created, _ = _created_by_sql(iter([text]))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert len(created) == 600
    assert peak < 2_000_000  # 0.6 MB: the JSON text and one statement; whole: 3.9 MB


def test_drift_at_head_reads_no_history(
    tmp_path: Path, pg_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 20: with nothing to explain, drift never parses the applied
    migrations (O(history) work that made drift at 1,000 tables take seconds);
    with a difference it still does, and still excuses what SQL created."""
    from buildamp.files.config import load_config
    from buildamp.run import drift as drift_module

    root = make_project(tmp_path, migrations=2)
    assert cli(root, "migrate", "--apply", "--database-url", pg_url)[0] == 0
    parsed: list[int] = []
    real = drift_module._created_by_sql

    def counting(texts: Iterable[str]) -> tuple[set[str], set[str]]:
        texts = list(texts)
        parsed.append(len(texts))
        return real(texts)

    monkeypatch.setattr(drift_module, "_created_by_sql", counting)
    report, _, _ = drift_module.drift(load_config(root), pg_url)
    assert report.differences == [] and parsed == []
    with connect(pg_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE stranger (a int)")
    report, _, _ = drift_module.drift(load_config(root), pg_url)
    assert [d.names for d in report.differences] == [("stranger",)]
    assert parsed != []


def test_catalog_read_leaves_the_session_settings_alone(pg_url: str) -> None:
    from buildamp.run.catalog import read_catalog

    for autocommit in (True, False):
        with connect(pg_url, autocommit=autocommit) as conn:
            before = conn.execute("SHOW jit").fetchone()
            read_catalog(conn)
            assert conn.execute("SHOW jit").fetchone() == before
