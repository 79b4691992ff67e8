"""Issue 13 item 9: a migrator without CREATE on schema public or on the
database gets clear exit-3 one-liners naming the GRANT, `--status` works, and
batched migrations run with their progress records skipped (as documented)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from click.testing import CliRunner

from buildamp.cli.main import main


def run(project: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["-C", str(project), *args], env={})
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def migrator(pg_url: str) -> Iterator[tuple[str, str]]:
    """A login role that owns nothing and may not create in public or the database."""
    role = f"mig_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(pg_url, autocommit=True) as admin:
        admin.execute(f"CREATE ROLE {role} LOGIN")
        admin.execute("REVOKE CREATE ON SCHEMA public FROM PUBLIC")
        dbname = admin.execute("SELECT current_database()").fetchone()
        assert dbname is not None
        admin.execute(f'REVOKE CREATE ON DATABASE "{dbname[0]}" FROM PUBLIC')
    try:
        yield role, pg_url.replace("postgresql://postgres@", f"postgresql://{role}@")
    finally:
        with psycopg.connect(pg_url, autocommit=True) as admin:
            admin.execute(f"DROP OWNED BY {role}")
            admin.execute(f"DROP ROLE {role}")


def test_missing_create_on_public_is_a_clear_exit_3(
    tmp_path: Path, pg_url: str, migrator: tuple[str, str]
) -> None:
    role, url = migrator
    root = tmp_path / "app"
    root.mkdir()
    assert run(root, "init")[0] == 0
    (root / "migrations" / "001_a.sql").write_text("BEGIN;\nSELECT 1;\nCOMMIT;\n")
    (root / "migrations" / "rollback" / "001_rollback.sql").write_text("SELECT 1;\n")
    code, out, err = run(root, "migrate", "--status", "--database-url", url)
    assert code == 0 and "001  pending" in out, err
    code, _, err = run(root, "migrate", "--apply", "--database-url", url)
    assert code == 3, err
    assert "may not create the history table" in err
    assert f"GRANT CREATE ON SCHEMA public TO {role}" in err
    assert "Traceback" not in err and "internal error" not in err


def test_batched_migration_runs_without_create_on_the_database(
    tmp_path: Path, pg_url: str, migrator: tuple[str, str]
) -> None:
    role, url = migrator
    root = tmp_path / "app"
    root.mkdir()
    assert run(root, "init")[0] == 0
    with psycopg.connect(pg_url, autocommit=True) as admin:
        admin.execute("CREATE TABLE t (id int PRIMARY KEY, n int)")
        admin.execute("INSERT INTO t SELECT g, NULL FROM generate_series(1, 500) g")
        admin.execute(f"ALTER TABLE t OWNER TO {role}")
        admin.execute(f"GRANT CREATE ON SCHEMA public TO {role}")
    (root / "migrations" / "001_fill.sql").write_text(
        "BEGIN;\nSELECT 1;\nCOMMIT;\n\n"
        "-- buildamp:batch table=t size=100\nUPDATE t SET n = id WHERE n IS NULL;\n"
    )
    (root / "migrations" / "rollback" / "001_rollback.sql").write_text(
        "BEGIN;\nSELECT 1;\nCOMMIT;\n\n"
        "-- buildamp:batch table=t size=100\nUPDATE t SET n = NULL WHERE n IS NOT NULL;\n"
    )
    code, _, err = run(root, "migrate", "--apply", "--database-url", url)
    assert code == 0, err
    code, _, err = run(root, "migrate", "--rollback", "--database-url", url)
    assert code == 0, err
    with psycopg.connect(pg_url) as conn:
        assert conn.execute("SELECT count(*) FROM t WHERE n IS NOT NULL").fetchone() == (0,)
        schema = conn.execute("SELECT count(*) FROM pg_namespace WHERE nspname = 'buildamp'")
        assert schema.fetchone() == (0,)  # progress records skipped, as documented


def test_buildamp_schema_holds_buildamps_own_tables(
    tmp_path: Path, pg_url: str, migrator: tuple[str, str]
) -> None:
    """The DBA gives the migrator one schema; buildamp keeps its history and
    progress there and never needs CREATE on public or on the database."""
    role, url = migrator
    with psycopg.connect(pg_url, autocommit=True) as admin:
        admin.execute(f"CREATE SCHEMA deploy AUTHORIZATION {role}")
        admin.execute("CREATE TABLE t (id int PRIMARY KEY, n int)")
        admin.execute("INSERT INTO t SELECT g, NULL FROM generate_series(1, 300) g")
        admin.execute(f"ALTER TABLE t OWNER TO {role}")
    root = tmp_path / "app"
    root.mkdir()
    assert run(root, "init")[0] == 0
    config = root / "buildamp.toml"  # top-level keys go before any [env.*] table
    config.write_text('\nbuildamp_schema = "deploy"\n' + "\n" + config.read_text())
    (root / "migrations" / "001_fill.sql").write_text(
        "BEGIN;\nSELECT 1;\nCOMMIT;\n\n"
        "-- buildamp:batch table=t size=100\nUPDATE t SET n = id WHERE n IS NULL;\n"
    )
    (root / "migrations" / "rollback" / "001_rollback.sql").write_text("SELECT 1;\n")
    code, _, err = run(root, "migrate", "--apply", "--database-url", url)
    assert code == 0, err
    code, out, err = run(root, "migrate", "--status", "--database-url", url)
    assert code == 0 and "001  applied" in out, err
    with psycopg.connect(pg_url) as conn:
        assert conn.execute("SELECT to_regclass('deploy.buildamp_migrations')").fetchone() != (
            None,
        )
        assert conn.execute("SELECT to_regclass('public.buildamp_migrations')").fetchone() == (
            None,
        )
        done = conn.execute(
            "SELECT value->>'status' FROM deploy.progress WHERE key LIKE 'backfill:%'"
        )
        assert done.fetchone() == ("done",)


def test_buildamp_schema_must_be_a_plain_name(tmp_path: Path) -> None:
    root = tmp_path / "app"
    root.mkdir()
    assert run(root, "init")[0] == 0
    config = root / "buildamp.toml"  # top-level keys go before any [env.*] table
    config.write_text('\nbuildamp_schema = "x; DROP TABLE t"\n' + "\n" + config.read_text())
    code, _, err = run(
        root, "migrate", "--status", "--database-url", "postgresql://x@127.0.0.1:1/x"
    )
    assert code == 2 and "buildamp.toml" in err and "buildamp_schema" in err
