"""Issue 14 item 9: a failing statement is shown whole (not its first 80
characters) with the server's DETAIL and the column it names."""

from __future__ import annotations

from pathlib import Path

from tests.cli.test_migrate_trust import cli, make_project


def test_failing_statement_shows_detail_and_column(tmp_path: Path, pg_url: str) -> None:
    root = make_project(tmp_path, migrations=1)
    assert cli(root, "migrate", "--new", "seed")[0] == 0
    up = root / "migrations" / "002_seed.sql"
    filler = ", ".join(f"'{'x' * 20}'" for _ in range(3))
    statement = f"INSERT INTO things (id, host) SELECT v, NULL FROM unnest(ARRAY[{filler}]) AS v"
    up.write_text(up.read_text().replace("COMMIT;", f"{statement};\nCOMMIT;"))
    assert cli(root, "migrate", "--hash", "--database-url", pg_url)[0] == 0
    code, _, err = cli(root, "migrate", "--apply", "--database-url", pg_url)
    assert code == 3
    assert "AS v`" in err  # the end of a statement longer than 80 characters
    assert "violates not-null constraint" in err
    assert "DETAIL: Failing row contains" in err
    assert "column host" in err


def test_validation_failure_names_model_query_and_count(tmp_path: Path, pg_url: str) -> None:
    from buildamp.pg.database import connect

    root = make_project(tmp_path, migrations=1)
    assert cli(root, "migrate", "--apply", "--database-url", pg_url)[0] == 0
    with connect(pg_url, autocommit=True) as conn:
        conn.execute("INSERT INTO things (id, host) VALUES ('', 'h'), (' ', 'h'), ('ok', 'h')")
    (root / "models" / "things_domain.rs").write_text(
        "#[migration(validate = \"SELECT COUNT(*) FROM things WHERE trim(id) = ''\")]\n"
        "pub struct Thing { pub id: String, pub note: Option<String> }\n"
    )
    code, _, err = cli(root, "migrate")
    assert code == 0, err
    code, _, err = cli(root, "migrate", "--apply", "--database-url", pg_url)
    assert code == 3
    assert "validation of things (models/things_domain.rs:2:" in err
    assert "returned 2, expected 0" in err
    assert "DETAIL: query: SELECT count(*) FROM things WHERE pg_catalog.btrim(id) = ''" in err
