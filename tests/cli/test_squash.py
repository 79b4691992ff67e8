"""``migrate --squash --to VERSION``: one baseline for new environments, while
databases that applied the old migrations keep working."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

from tests.cli.test_adopt import drop_database, fresh_url, run
from tests.helpers import catalog_of

STEPS = [
    """
#[derive(BuildAmpDomain)]
#[table(tenant = false)]
pub struct Note {
    pub id: i64,
    pub body: String,
}
""",
    """
#[derive(BuildAmpDomain)]
#[table(tenant = false, indexes = ["title"])]
pub struct Note {
    pub id: i64,
    pub body: String,
    pub title: Option<String>,
}
""",
    """
pub enum Mood { Happy, Sad }

#[derive(BuildAmpDomain)]
#[table(tenant = false, indexes = ["title"])]
pub struct Note {
    pub id: i64,
    pub body: String,
    pub title: Option<String>,
    pub mood: Option<Mood>,
}
""",
]


def history(url: str) -> list[tuple[str, str]]:
    with psycopg.connect(url) as conn:
        return conn.execute("SELECT version, name FROM buildamp_migrations ORDER BY 1").fetchall()


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "app"
    root.mkdir()
    assert run(root, "init")[0] == 0
    return root


def step(project: Path, number: int, url: str | None) -> None:
    (project / "models" / "notes_domain.rs").write_text(STEPS[number])
    code, out, err = run(project, "migrate", "--generate")
    assert code == 0, out + err
    if url is not None:
        code, out, err = run(project, "migrate", "--apply", "--database-url", url)
        assert code == 0, out + err


def test_squash_keeps_old_databases_working(project: Path, pg_url: str, pg_server_url: str) -> None:
    partial_url, partial_name = fresh_url(pg_server_url)
    try:
        step(project, 0, pg_url)
        assert run(project, "migrate", "--apply", "--database-url", partial_url)[0] == 0
        step(project, 1, pg_url)
        step(project, 2, pg_url)
        code, out, err = run(project, "migrate", "--squash", "--to", "002")
        assert code == 2 and "only up to the newest migration (003)" in err, out + err
        code, out, err = run(project, "migrate", "--squash", "--to", "003")
        assert code == 0, out + err
        migrations = project / "migrations"
        assert sorted(p.name for p in migrations.glob("*.sql")) == ["003_squashed_baseline.sql"]
        assert sorted(p.name for p in (migrations / "rollback").glob("*.sql")) == [
            "003_rollback.sql"
        ]
        code, out, err = run(project, "migrate", "--check")
        assert code == 0, out + err

        # an old database: its history is recognised, nothing runs, status is clean
        code, out, err = run(project, "migrate", "--status", "--database-url", pg_url)
        assert code == 0 and "missing" not in out.replace("0 missing", ""), out
        code, out, err = run(project, "migrate", "--apply", "--database-url", pg_url)
        assert code == 0 and "applied 003" not in out, out + err
        assert history(pg_url) == [("003", "squashed_baseline")]
        assert run(project, "drift", "--database-url", pg_url)[0] == 0

        # a new environment gets the same catalog from the one baseline
        new_url, new_name = fresh_url(pg_server_url)
        try:
            code, out, err = run(project, "migrate", "--apply", "--database-url", new_url)
            assert code == 0 and "003_squashed_baseline" in out, out + err
            assert catalog_of(new_url) == catalog_of(pg_url)
            code, out, err = run(project, "migrate", "--rollback", "--database-url", new_url)
            assert code == 0, out + err
            assert catalog_of(new_url).tables == ()
        finally:
            drop_database(pg_server_url, new_name)

        # a database that applied only part of the squashed range is stopped, clearly
        code, out, err = run(project, "migrate", "--apply", "--database-url", partial_url)
        assert code == 2, out + err
        assert "applied only in part" in err and "002_" in err
    finally:
        drop_database(pg_server_url, partial_name)


def test_squash_needs_clean_state(project: Path) -> None:
    step(project, 0, None)
    code, out, err = run(project, "migrate", "--squash", "--to", "001")
    assert code == 0 and "nothing to squash" in out
    step(project, 1, None)
    (project / "models" / "notes_domain.rs").write_text(STEPS[2])
    code, out, err = run(project, "migrate", "--squash", "--to", "002")
    assert code == 2 and "models changed" in err, out + err
    code, out, err = run(project, "migrate", "--squash", "--to", "009")
    assert code == 2 and "no migration with that number" in err
