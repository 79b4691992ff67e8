"""``migrate --squash --to VERSION``: one baseline for new environments, while
databases that applied the old migrations keep working. The models carry doc
comments, so the squashed baselines must recreate them (from the schema state, or
from the catalog of a throwaway database)."""

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
/// Short notes.
#[derive(BuildAmpDomain)]
#[table(tenant = false, indexes = ["title"])]
pub struct Note {
    pub id: i64,
    /// Markdown.
    pub body: String,
    pub title: Option<String>,
}
""",
    """
pub enum Mood { Happy, Sad }

/// Short notes.
#[derive(BuildAmpDomain)]
#[table(tenant = false, indexes = ["title"])]
pub struct Note {
    pub id: i64,
    /// Markdown, rendered on save.
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


def test_squash_an_older_range(project: Path, pg_url: str, pg_server_url: str) -> None:
    for number in range(3):
        step(project, number, pg_url)
    code, out, err = run(project, "migrate", "--squash", "--to", "002", "--database-url", pg_url)
    assert code == 0, out + err
    names = sorted(p.name for p in (project / "migrations").glob("*.sql"))
    assert names[0] == "002_squashed_baseline.sql" and names[1].startswith("003_")
    assert len(names) == 2
    baseline = (project / "migrations" / names[0]).read_text()
    assert "COMMENT ON COLUMN notes.body IS 'Markdown.';" in baseline
    assert run(project, "migrate", "--check")[0] == 0
    code, out, err = run(project, "migrate", "--apply", "--database-url", pg_url)
    assert code == 0 and "applied" not in out, out + err
    assert [v for v, _ in history(pg_url)] == ["002", "003"]
    new_url, new_name = fresh_url(pg_server_url)
    try:
        code, out, err = run(project, "migrate", "--apply", "--database-url", new_url)
        assert code == 0 and "002_squashed_baseline" in out and "003_" in out, out + err
        assert catalog_of(new_url) == catalog_of(pg_url)
    finally:
        drop_database(pg_server_url, new_name)


def test_squash_refuses_to_lose_custom_sql(project: Path, pg_url: str) -> None:
    (project / "custom").mkdir()
    (project / "custom" / "view.sql").write_text(
        "CREATE VIEW note_bodies AS SELECT id, body FROM notes;\n"
        "-- buildamp:down\nDROP VIEW note_bodies;\n"
    )
    first = STEPS[0].replace(
        "#[table(tenant = false)]",
        '#[table(tenant = false)]\n#[migration(custom_sql = "custom/view.sql")]',
    )
    (project / "models" / "notes_domain.rs").write_text(first)
    assert run(project, "migrate", "--generate")[0] == 0
    for number in (1, 2):
        text = STEPS[number].replace(
            "pub struct Note",
            '#[migration(custom_sql = "custom/view.sql")]\npub struct Note',
        )
        (project / "models" / "notes_domain.rs").write_text(text)
        assert run(project, "migrate", "--generate")[0] == 0
    before = sorted(p.name for p in (project / "migrations").glob("*.sql"))
    code, out, err = run(project, "migrate", "--squash", "--to", "002", "--database-url", pg_url)
    assert code == 2, out + err
    assert "view public.note_bodies (not rebuilt)" in err
    assert sorted(p.name for p in (project / "migrations").glob("*.sql")) == before
