"""Issue 14 item 4 and issue 13 item 8: a history row is matched by number and
name; ``--status`` reads and creates nothing; the history table is created
under the advisory lock (concurrent appliers never race on it)."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import psycopg
import pytest
from click.testing import CliRunner

from buildamp.cli.main import main

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
    for old in (project / "migrations").glob(f"{number}_*.sql"):
        old.unlink()
    (project / "migrations" / f"{number}_{name}.sql").write_text(up)
    (project / "migrations" / "rollback" / f"{number}_rollback.sql").write_text(down)


def test_another_branchs_migration_is_named_and_its_rollback_never_runs(
    project: Path, pg_url: str
) -> None:
    write(
        project,
        "001",
        "add_coupons",
        "BEGIN;\nCREATE TABLE coupons (id int);\nCOMMIT;\n",
        "BEGIN;\nDROP TABLE coupons;\nCOMMIT;\n",
    )
    assert run(project, "migrate", "--apply", "--database-url", pg_url)[0] == 0
    write(  # this checkout's 001 is another migration
        project,
        "001",
        "add_phone",
        "BEGIN;\nCREATE TABLE phones (id int);\nCOMMIT;\n",
        "BEGIN;\nCREATE TABLE wrong_rollback_ran (id int);\nCOMMIT;\n",
    )
    sentence = "001 applied here is add_coupons, this checkout's 001 is add_phone"
    code, _, err = run(project, "migrate", "--apply", "--database-url", pg_url)
    assert code == 2 and sentence in err and "edited" not in err
    code, _, err = run(project, "migrate", "--rollback", "--database-url", pg_url)
    assert code == 2 and sentence in err
    code, out, _ = run(project, "migrate", "--status", "--database-url", pg_url)
    assert code == 0 and "001  other" in out and sentence in out
    with psycopg.connect(pg_url) as conn:
        assert conn.execute("SELECT to_regclass('wrong_rollback_ran')").fetchone() == (None,)
        assert conn.execute("SELECT to_regclass('coupons')").fetchone() != (None,)


def test_status_creates_nothing_and_works_for_a_read_only_role(project: Path, pg_url: str) -> None:
    write(project, "001", "a", "BEGIN;\nCREATE TABLE a (id int);\nCOMMIT;\n", "SELECT 1;\n")
    role = f"ro_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(pg_url, autocommit=True) as admin:
        admin.execute(f"CREATE ROLE {role} LOGIN")
        admin.execute("REVOKE CREATE ON SCHEMA public FROM PUBLIC")
    try:
        reader = pg_url.replace("postgresql://postgres@", f"postgresql://{role}@")
        code, out, err = run(project, "migrate", "--status", "--database-url", reader)
        assert code == 0, err
        assert "001  pending" in out
        with psycopg.connect(pg_url) as conn:
            assert conn.execute("SELECT to_regclass('buildamp_migrations')").fetchone() == (None,)
            schemas = conn.execute("SELECT count(*) FROM pg_namespace WHERE nspname = 'buildamp'")
            assert schemas.fetchone() == (0,)
        assert run(project, "migrate", "--apply", "--database-url", pg_url)[0] == 0
        with psycopg.connect(pg_url, autocommit=True) as admin:
            admin.execute(f"GRANT SELECT ON buildamp_migrations TO {role}")
        code, out, err = run(project, "migrate", "--status", "--database-url", reader)
        assert code == 0 and "001  applied" in out, err
    finally:
        with psycopg.connect(pg_url, autocommit=True) as admin:
            admin.execute(f"DROP OWNED BY {role}")
            admin.execute(f"DROP ROLE {role}")


def test_concurrent_applies_and_statuses_on_a_fresh_database(project: Path, pg_url: str) -> None:
    write(project, "001", "a", "BEGIN;\nCREATE TABLE a (id int);\nCOMMIT;\n", "SELECT 1;\n")
    env = {**os.environ, "PYTHONPATH": SRC}
    processes = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "buildamp",
                "-C",
                str(project),
                "migrate",
                "--apply" if i % 2 == 0 else "--status",
                "--database-url",
                pg_url,
            ],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(8)
    ]
    results = [(p.wait(timeout=120), p.stderr.read() if p.stderr else "") for p in processes]
    assert all(code == 0 for code, _ in results), results
    with psycopg.connect(pg_url) as conn:
        assert conn.execute("SELECT count(*) FROM buildamp_migrations").fetchone() == (1,)
