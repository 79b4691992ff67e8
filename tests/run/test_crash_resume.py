"""Issue 13 items 4-6 (and issue 12 item 5): one runner for apply and rollback,
resumable after SIGKILL at the worst moment.

Each case: a step after COMMIT waits for a lock held by another session, the
buildamp process is killed while it waits, the server finishes (or aborts) the
step on its own, the lock is released, and the rerun must finish cleanly: no
step run twice, no step skipped, no rollback of the migration before."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest
from click.testing import CliRunner

from buildamp.cli.main import main
from buildamp.files.config import load_config
from buildamp.files.migration import list_migrations
from buildamp.model.errors import DatabaseError
from buildamp.run.executor import Executor

SRC = str(Path(__file__).resolve().parents[2] / "src")


def run(project: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["-C", str(project), *args], env={})
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "app"
    root.mkdir()
    assert run(root, "init")[0] == 0
    return root


def write(project: Path, number: str, name: str, up: str, down: str) -> None:
    (project / "migrations" / f"{number}_{name}.sql").write_text(up)
    (project / "migrations" / "rollback" / f"{number}_rollback.sql").write_text(down)


def start(project: Path, url: str, *args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": SRC}
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "buildamp",
            "-C",
            str(project),
            "migrate",
            *args,
            "--database-url",
            url,
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for(condition: object, seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return
        time.sleep(0.05)
    raise AssertionError("timed out")


def waiting_pid(conn: psycopg.Connection, fragment: str) -> int | None:
    row = conn.execute(
        "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
        "AND wait_event_type = 'Lock' AND query LIKE %s AND pid <> pg_backend_pid()",
        (f"%{fragment}%",),
    ).fetchone()
    return int(row[0]) if row else None


def kill_while_waiting(
    project: Path, url: str, fragment: str, args: tuple[str, ...] = ("--apply",)
) -> None:
    """Run buildamp, SIGKILL it while ``fragment`` waits for the blocker's lock,
    then release the lock and wait until the orphaned backend is gone."""
    with psycopg.connect(url, autocommit=True) as watcher, psycopg.connect(url) as blocker:
        blocker.execute("LOCK TABLE t IN SHARE MODE")
        process = start(project, url, *args)
        try:
            wait_for(lambda: waiting_pid(watcher, fragment) is not None)
            pid = waiting_pid(watcher, fragment)
        finally:
            process.send_signal(signal.SIGKILL)
            process.wait()
        blocker.commit()  # the server now finishes (or aborts) the orphaned step
        wait_for(
            lambda: (
                watcher.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE pid = %s", (pid,)
                ).fetchone()
                == (0,)
            )
        )


def history(url: str) -> list[tuple[str, int, int, str]]:
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT version, post_total, post_done, direction FROM buildamp_migrations "
            "ORDER BY version"
        ).fetchall()
    return [tuple(row) for row in rows]  # type: ignore[misc]


BASE = (
    "BEGIN;\nCREATE TABLE t (id int PRIMARY KEY, code text, n int);\n"
    "INSERT INTO t SELECT g, 'c' || g, g FROM generate_series(1, 50) g;\n"
    "CREATE FUNCTION buildamp_sync_t() RETURNS trigger LANGUAGE plpgsql AS "
    "$$BEGIN RETURN NEW; END$$;\n"
    "CREATE TRIGGER buildamp_sync_t BEFORE UPDATE ON t FOR EACH ROW "
    "EXECUTE FUNCTION buildamp_sync_t();\nCOMMIT;\n"
)

# step kind -> (steps after COMMIT, the fragment of the step killed while waiting)
STEP_KINDS = {
    "add_constraint_not_valid": (
        ["ALTER TABLE t ADD CONSTRAINT t_n_check CHECK (n IS NOT NULL) NOT VALID"],
        "ADD CONSTRAINT t_n_check",
    ),
    "validate_constraint": (
        ["ALTER TABLE t VALIDATE CONSTRAINT t_n_check"],
        "VALIDATE CONSTRAINT",
    ),
    "set_not_null_then_drop_check": (
        [
            "ALTER TABLE t ALTER COLUMN n SET NOT NULL",
            "ALTER TABLE t ADD CONSTRAINT t_n_check CHECK (n IS NOT NULL) NOT VALID",
            "ALTER TABLE t DROP CONSTRAINT t_n_check",
        ],
        "ALTER COLUMN n SET NOT NULL",
    ),
    "create_index_concurrently": (
        ["CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS t_code_key ON t (code)"],
        "CREATE UNIQUE INDEX CONCURRENTLY",
    ),
    "unique_using_index": (  # the index exists (SETUP): an earlier step built it
        ["ALTER TABLE t ADD CONSTRAINT t_code_key UNIQUE USING INDEX t_code_key"],
        "UNIQUE USING INDEX",
    ),
    "swap_block": (
        [
            "DO $buildamp$\nBEGIN\n    DROP TRIGGER buildamp_sync_t ON t;\n"
            "    DROP FUNCTION buildamp_sync_t();\n"
            "    ALTER TABLE t RENAME COLUMN code TO label;\nEND\n$buildamp$"
        ],
        "DROP TRIGGER buildamp_sync_t",
    ),
}


SETUP = {
    "unique_using_index": "CREATE UNIQUE INDEX t_code_key ON t (code)",
    "validate_constraint": "ALTER TABLE t ADD CONSTRAINT t_n_check CHECK (n IS NOT NULL) NOT VALID",
}


def _post(steps: list[str]) -> str:
    """A migration whose work is all after COMMIT (the table exists already)."""
    return "BEGIN;\nCOMMIT;\n\n" + "".join(f"{step};\n" for step in steps)


def with_base(project: Path, url: str) -> None:
    write(project, "001", "base", BASE, "BEGIN;\nDROP TABLE t;\nCOMMIT;\n")
    code, _, err = run(project, "migrate", "--apply", "--database-url", url)
    assert code == 0, err


@pytest.mark.parametrize("kind", sorted(STEP_KINDS))
def test_apply_killed_during_a_lock_wait_resumes_without_repeating(
    kind: str, project: Path, pg_url: str
) -> None:
    steps, fragment = STEP_KINDS[kind]
    with_base(project, pg_url)
    if kind in SETUP:
        with psycopg.connect(pg_url, autocommit=True) as conn:
            conn.execute(SETUP[kind].encode())
    write(project, "002", "steps", _post(steps), "BEGIN;\nCOMMIT;\n")
    kill_while_waiting(project, pg_url, fragment)
    code, out, err = run(project, "migrate", "--apply", "--database-url", pg_url)
    assert code == 0, (out, err)
    assert history(pg_url)[-1] == ("002", len(steps), len(steps), "apply")
    with psycopg.connect(pg_url) as conn:
        invalid = conn.execute("SELECT count(*) FROM pg_index WHERE NOT indisvalid").fetchone()
        assert invalid == (0,)
    code, out, _ = run(project, "migrate", "--status", "--database-url", pg_url)
    assert "002  applied" in out


ROLLBACK_POST = [
    "ALTER TABLE t ADD CONSTRAINT t_n_check CHECK (n IS NOT NULL) NOT VALID",
    "ALTER TABLE t VALIDATE CONSTRAINT t_n_check",
    "DROP INDEX CONCURRENTLY IF EXISTS t_code_idx",
]


def test_killed_rollback_resumes_and_never_rolls_back_the_migration_before(
    project: Path, pg_url: str
) -> None:
    write(
        project,
        "000",
        "keep",
        "BEGIN;\nCREATE TABLE keep (id int);\nINSERT INTO keep VALUES (1), (2);\nCOMMIT;\n",
        "BEGIN;\nDROP TABLE keep;\nCOMMIT;\n",
    )
    with_base(project, pg_url)
    write(
        project,
        "002",
        "t",
        _post(["CREATE INDEX CONCURRENTLY IF NOT EXISTS t_code_idx ON t (code)"]),
        "BEGIN;\nCREATE TABLE undone (id int);\nCOMMIT;\n\n"
        + "".join(f"{step};\n" for step in ROLLBACK_POST),
    )
    assert run(project, "migrate", "--apply", "--database-url", pg_url)[0] == 0
    kill_while_waiting(project, pg_url, "ADD CONSTRAINT t_n_check", ("--rollback",))
    assert history(pg_url)[-1] == ("002", 3, 0, "rollback")
    code, out, _ = run(project, "migrate", "--status", "--database-url", pg_url)
    assert "002  rolling back" in out
    code, _, err = run(project, "migrate", "--apply", "--database-url", pg_url)
    assert code == 2 and "rollback of 002_t did not finish" in err
    code, out, err = run(project, "migrate", "--rollback", "--database-url", pg_url)
    assert code == 0, err
    assert "finished the interrupted rollback of 002_t.sql" in out
    assert history(pg_url) == [("000", 0, 0, "apply"), ("001", 0, 0, "apply")]
    with psycopg.connect(pg_url) as conn:
        assert conn.execute("SELECT count(*) FROM keep").fetchone() == (2,)
        assert conn.execute("SELECT to_regclass('t_code_idx')").fetchone() == (None,)
        checks = conn.execute(
            "SELECT convalidated FROM pg_constraint WHERE conname = 't_n_check'"
        ).fetchone()
        assert checks == (True,)


def _index_valid(url: str, name: str) -> bool | None:
    with psycopg.connect(url) as conn:
        row = conn.execute(
            "SELECT i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            "WHERE c.relname = %s",
            (name,),
        ).fetchone()
    return None if row is None else bool(row[0])


def test_failed_concurrent_build_is_rebuilt_not_skipped(project: Path, pg_url: str) -> None:
    with_base(project, pg_url)
    up = _post(
        [
            "SET lock_timeout = '300ms'",
            "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS t_code_key ON t (code)",
        ]
    )
    write(project, "002", "index", up, "BEGIN;\nCOMMIT;\n")
    config = load_config(project)
    migration = list_migrations(config.migrations_dir)[-1]
    with psycopg.connect(pg_url) as blocker:
        blocker.execute("UPDATE t SET n = n WHERE id = 1")  # an application transaction, open
        with Executor(pg_url, lock_retries=0) as executor:
            executor.lock()
            executor.ensure_history()
            with pytest.raises(DatabaseError):
                executor.run_migration(migration, up, "migrations/002_index.sql")
            blocker.rollback()
    assert history(pg_url)[-1] == ("002", 2, 1, "apply")
    code, _, err = run(project, "migrate", "--apply", "--database-url", pg_url)
    assert code == 0, err
    assert _index_valid(pg_url, "t_code_key") is True
    assert history(pg_url)[-1] == ("002", 2, 2, "apply")


def test_terminated_concurrent_build_is_rebuilt(project: Path, pg_url: str) -> None:
    with_base(project, pg_url)
    up = _post(["CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS t_code_key ON t (code)"])
    write(project, "002", "index", up, "BEGIN;\nCOMMIT;\n")
    with psycopg.connect(pg_url, autocommit=True) as watcher, psycopg.connect(pg_url) as blocker:
        blocker.execute("UPDATE t SET n = n WHERE id = 1")
        process = start(project, pg_url, "--apply")
        wait_for(lambda: waiting_pid(watcher, "CONCURRENTLY") is not None)
        pid = waiting_pid(watcher, "CONCURRENTLY")
        watcher.execute("SELECT pg_terminate_backend(%s)", (pid,))
        _, err = process.communicate(timeout=60)
        assert process.returncode == 3, err
        assert "Traceback" not in err
        blocker.commit()
    code, _, err = run(project, "migrate", "--apply", "--database-url", pg_url)
    assert code == 0, err
    assert _index_valid(pg_url, "t_code_key") is True
