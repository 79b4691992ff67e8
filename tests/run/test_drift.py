"""``buildamp drift``: every kind of hand-made change to the database is reported."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from buildamp.cli.main import main
from buildamp.files.config import load_config
from buildamp.files.snapshot import load_snapshot
from buildamp.pg.database import connect
from buildamp.run.apply import apply
from buildamp.run.catalog import read_catalog
from buildamp.run.comparable import comparable
from buildamp.run.drift import compare, drift_report

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "blog"


@pytest.fixture
def blog(tmp_path: Path, pg_url: str) -> Path:
    project = tmp_path / "blog"
    shutil.copytree(EXAMPLE, project, ignore=shutil.ignore_patterns("pgdata"))
    apply(load_config(project), pg_url, report=lambda _line: None)
    return project


def test_no_drift_after_apply(blog: Path, pg_url: str) -> None:
    assert drift_report(load_config(blog), pg_url) == []


TAMPERING = [
    (
        "ALTER TABLE users ADD COLUMN extra text",
        "column users.extra: in database but not in the models",
    ),
    (
        "ALTER TABLE users DROP COLUMN display_name",
        "column users.display_name: missing in database",
    ),
    (
        "ALTER TABLE users ALTER COLUMN username TYPE varchar(20)",
        "users.username: database type is VARCHAR(20), models say TEXT",
    ),
    (
        "ALTER TABLE users ALTER COLUMN display_name DROP NOT NULL",
        "users.display_name: database allows NULL, models say NOT NULL",
    ),
    (
        "ALTER TABLE users ALTER COLUMN email SET DEFAULT 'x'",
        "users.email: database default is 'x', models say ''",
    ),
    (
        "DROP INDEX idx_users_created_at_desc",
        "index idx_users_created_at_desc on users: missing in database",
    ),
    (
        "CREATE INDEX sneaky ON users (email)",
        "index sneaky on users: in database but not in the models",
    ),
    (
        "DROP INDEX idx_comments_author_id; CREATE INDEX idx_comments_author_id ON comments (host)",
        "index idx_comments_author_id on comments: definition differs",
    ),
    (
        "ALTER TABLE users DROP CONSTRAINT unique_users_username",
        "constraint unique_users_username on users: missing",
    ),
    ("ALTER TYPE user_status ADD VALUE 'Banned'", "enum user_status: database values"),
    ("DROP TRIGGER trg_users_updated_at ON users", "trigger trg_users_updated_at: missing"),
    ("CREATE TABLE stray (id int)", "table stray: in database but not in the models"),
    ("DROP TABLE comments", "table comments: missing in database"),
    (
        "ALTER TABLE users ENABLE ROW LEVEL SECURITY; ALTER TABLE users FORCE ROW LEVEL SECURITY",
        "row-level security is on",
    ),
]


@pytest.mark.parametrize(("sql", "expected"), TAMPERING, ids=[t[1][:40] for t in TAMPERING])
def test_tampering_is_reported(blog: Path, pg_url: str, sql: str, expected: str) -> None:
    with connect(pg_url, autocommit=True) as conn:
        conn.execute(sql.encode())
    lines = drift_report(load_config(blog), pg_url)
    assert any(expected in line for line in lines), lines
    result = CliRunner().invoke(main, ["-C", str(blog), "drift", "--database-url", pg_url])
    assert result.exit_code == 1
    assert expected.split(":")[0] in result.stdout


def queries_to_read_catalog(url: str) -> int:
    with connect(url) as conn:
        executed: list[str] = []
        original = conn.execute

        def counting(query: object, *args: object, **kwargs: object) -> object:
            executed.append(str(query))
            return original(query, *args, **kwargs)  # type: ignore[arg-type]

        conn.execute = counting  # type: ignore[method-assign]
        read_catalog(conn)
    return len(executed)


def test_drift_uses_a_fixed_number_of_queries(blog: Path, pg_url: str) -> None:
    """Reading the catalog costs the same queries for 2 tables as for 40."""
    small = queries_to_read_catalog(pg_url)
    with connect(pg_url, autocommit=True) as conn:
        for i in range(38):
            conn.execute(f"CREATE TABLE filler_{i} (id int primary key, v text)".encode())
    assert queries_to_read_catalog(pg_url) == small > 0
    expected = comparable(load_snapshot(load_config(blog)).schema)
    with connect(pg_url) as conn:
        live = comparable(read_catalog(conn))
    assert len(compare(expected, live)) == 38
