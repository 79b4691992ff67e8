"""``init --from-database`` with bad or unusual input: one clear line, the right exit
code, nothing written; unsupported column types are carried with ``sql_type``."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest

from tests.cli.test_adopt import adopt, assert_round_trip, run
from tests.helpers import apply_sql


def files_in(project: Path) -> list[str]:
    return sorted(p.as_posix() for p in project.rglob("*")) if project.exists() else []


def test_unreachable_url_is_a_database_error(tmp_path: Path) -> None:
    project = tmp_path / "app"
    url = "postgresql://someone:hunter2@127.0.0.1:1/nowhere?connect_timeout=2"
    code, out, err = run(project, "init", "--from-database", url)
    assert code == 3, out + err
    assert "cannot connect" in err and "hunter2" not in err + out
    assert "Traceback" not in err and files_in(project) == []


def test_role_without_catalog_access(tmp_path: Path, pg_url: str, pg_conn: object) -> None:
    conn: psycopg.Connection[object] = pg_conn  # type: ignore[assignment]
    role = "buildamp_nocat_" + pg_url.rsplit("_", 1)[-1][:8]
    conn.execute("CREATE TABLE t (id int PRIMARY KEY)")
    conn.execute(f"DROP ROLE IF EXISTS {role}")
    conn.execute(f"CREATE ROLE {role} LOGIN")
    try:
        conn.execute(f"REVOKE ALL ON SCHEMA public FROM PUBLIC, {role}")
        conn.execute(f"REVOKE SELECT ON pg_catalog.pg_class FROM PUBLIC, {role}")
        url = pg_url.replace("postgres@", f"{role}@", 1)
        project = tmp_path / "app"
        code, out, err = run(project, "init", "--from-database", url)
        assert code == 3, out + err
        assert "catalog" in err or "USAGE" in err
        assert "Traceback" not in err and not (project / "models").exists()
    finally:
        conn.execute("GRANT SELECT ON pg_catalog.pg_class TO PUBLIC")
        conn.execute(f"DROP OWNED BY {role}")
        conn.execute(f"DROP ROLE {role}")


def test_no_usage_on_schema(tmp_path: Path, pg_url: str, pg_conn: object) -> None:
    conn: psycopg.Connection[object] = pg_conn  # type: ignore[assignment]
    role = "buildamp_nouse_" + pg_url.rsplit("_", 1)[-1][:8]
    conn.execute("CREATE SCHEMA app; CREATE TABLE app.t (id int PRIMARY KEY)")
    conn.execute(f"DROP ROLE IF EXISTS {role}")
    conn.execute(f"CREATE ROLE {role} LOGIN")
    try:
        url = pg_url.replace("postgres@", f"{role}@", 1)
        code, out, err = run(tmp_path / "app", "init", "--from-database", url, "--schema", "app")
        assert code == 3 and "no USAGE on schema 'app'" in err, out + err
        code, out, err = run(tmp_path / "app", "init", "--from-database", url, "--schema", "nope")
        assert code == 2 and "schema 'nope' does not exist" in err, out + err
    finally:
        conn.execute(f"DROP OWNED BY {role}")
        conn.execute(f"DROP ROLE {role}")


UNSUPPORTED = """
CREATE DOMAIN positive_int AS integer CHECK (VALUE > 0);
CREATE TABLE shapes (
    id integer PRIMARY KEY,
    size positive_int NOT NULL,
    during tstzrange,
    addr inet,
    flags bit(3),
    price money
);
INSERT INTO shapes VALUES (1, 3, '[2024-01-01, 2024-02-01)', '10.0.0.1', B'101', 1.5);
"""


@pytest.mark.parametrize("lang", ["rust", "python"])
def test_unsupported_types_are_carried_with_sql_type(
    tmp_path: Path, pg_url: str, pg_server_url: str, lang: str
) -> None:
    apply_sql(pg_url, UNSUPPORTED)
    project = tmp_path / "app"
    out = adopt(project, pg_url, lang)
    assert "domain public.positive_int" in out
    suffix = "_domain.rs" if lang == "rust" else ".py"
    text = (project / "models" / "shapes" / f"shapes{suffix}").read_text()
    for sql_type in ("positive_int", "tstzrange", "INET", "BIT(3)", "MONEY"):
        assert sql_type in text, text
    # the domain is listed, not modelled: an empty database needs it first
    assert_round_trip(project, pg_url, pg_server_url, set(), prelude=UNSUPPORTED.split(";")[0])


EXTENSION_TYPES = """
CREATE EXTENSION cube;
CREATE EXTENSION ltree;
CREATE TABLE places (id int PRIMARY KEY, box cube NOT NULL, path ltree, paths ltree[]);
INSERT INTO places VALUES (1, '(1, 2)', 'a.b', '{c.d}');
"""


@pytest.mark.parametrize("lang", ["rust", "python"])
def test_extension_types_are_carried_and_their_extensions_created(
    tmp_path: Path, pg_url: str, pg_server_url: str, lang: str
) -> None:
    """A PostGIS-like column (a type an extension adds: cube, ltree) is carried with
    sql_type, and the config's ``extensions`` makes the baseline create the
    extension first, so it builds the same table on an empty database."""
    apply_sql(pg_url, EXTENSION_TYPES)
    project = tmp_path / "app"
    out = adopt(project, pg_url, lang)
    assert "extension cube (its types are used: the baseline creates it" in out
    assert 'extensions = ["cube", "ltree"]' in (project / "buildamp.toml").read_text()
    text = project / "models" / "places" / ("places_domain.rs" if lang == "rust" else "places.py")
    for sql_type in ('"cube"', '"ltree"', '"ltree[]"'):
        assert f"sql_type = {sql_type}" in text.read_text().replace("sql_type=", "sql_type = ")
    baseline = (project / "migrations" / "001_baseline.sql").read_text()
    assert baseline.index("CREATE EXTENSION IF NOT EXISTS cube") < baseline.index("CREATE TABLE")
    assert_round_trip(project, pg_url, pg_server_url, set())


def test_password_is_never_written(tmp_path: Path, pg_url: str, pg_conn: object) -> None:
    conn: psycopg.Connection[object] = pg_conn  # type: ignore[assignment]
    conn.execute("CREATE TABLE notes (id bigint PRIMARY KEY, body text)")
    url = pg_url.replace("postgres@", "postgres:S3cretPassw0rd@", 1)  # trust auth ignores it
    project = tmp_path / "app"
    out = adopt(project, url, "rust")
    assert "S3cretPassw0rd" not in out
    for path in project.rglob("*"):
        if path.is_file():
            assert "S3cretPassw0rd" not in path.read_text(errors="ignore"), path
    assert 'database_url = "postgresql://postgres@' in (project / "buildamp.toml").read_text()


def test_refuses_a_project_with_models(tmp_path: Path, pg_url: str) -> None:
    project = tmp_path / "app"
    (project / "models").mkdir(parents=True)
    (project / "models" / "x_domain.rs").write_text("")
    code, out, err = run(project, "init", "--from-database", pg_url)
    assert code == 2 and "models already exists" in err, out + err


def test_non_btree_indexes_are_listed_and_left_alone(
    tmp_path: Path, pg_url: str, pg_conn: object
) -> None:
    conn: psycopg.Connection[object] = pg_conn  # type: ignore[assignment]
    conn.execute("CREATE TABLE docs (id int PRIMARY KEY, body jsonb, title text)")
    conn.execute("CREATE INDEX docs_body_gin ON docs USING gin (body)")
    conn.execute("CREATE INDEX docs_title_pattern ON docs (title text_pattern_ops)")
    conn.execute("CREATE INDEX docs_title ON docs (title)")
    project = tmp_path / "app"
    out = adopt(project, pg_url, "rust")
    assert "index docs_body_gin on docs: CREATE INDEX docs_body_gin ON public.docs USING gin" in out
    assert "index docs_title_pattern on docs" in out
    config = (project / "buildamp.toml").read_text()
    assert '"docs_body_gin"' in config and '"docs_title_pattern"' in config
    baseline = (project / "migrations" / "001_baseline.sql").read_text()
    assert "docs_title ON docs" in baseline and "gin" not in baseline
    assert run(project, "drift", "--database-url", pg_url)[0] == 0
    assert run(project, "migrate", "--check")[0] == 0


FOREIGN_KEYS = """
CREATE TABLE authors (id bigint PRIMARY KEY, name text NOT NULL);
CREATE TABLE books (
    id bigint PRIMARY KEY,
    author_id bigint REFERENCES authors (id) ON DELETE CASCADE,
    editor_id bigint REFERENCES authors (id)
);
"""


@pytest.mark.parametrize("lang", ["rust", "python"])
def test_foreign_keys_round_trip(
    tmp_path: Path, pg_url: str, pg_server_url: str, lang: str
) -> None:
    apply_sql(pg_url, FOREIGN_KEYS)
    project = tmp_path / "app"
    adopt(project, pg_url, lang)
    suffix = "_domain.rs" if lang == "rust" else ".py"
    text = (project / "models" / "books" / f"books{suffix}").read_text()
    assert "CONSTRAINT books_author_id_fkey FOREIGN KEY (author_id) REFERENCES authors (id)" in text
    assert "ON DELETE CASCADE" in text
    assert_round_trip(project, pg_url, pg_server_url, set())


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        (
            "CREATE TABLE events (id int, at date, PRIMARY KEY (id, at)) PARTITION BY RANGE (at)",
            "table events is partitioned",
        ),
        (
            "CREATE TABLE secrets (id int PRIMARY KEY, host text NOT NULL);"
            "ALTER TABLE secrets ENABLE ROW LEVEL SECURITY;"
            "ALTER TABLE secrets FORCE ROW LEVEL SECURITY;"
            "CREATE POLICY p ON secrets USING (host = current_user)",
            "table secrets forces row-level security",
        ),
        (
            "CREATE TYPE mood AS ENUM ('a', 'b');"
            "CREATE TABLE moods (id int PRIMARY KEY, history mood[])",
            "column moods.history is an array of enum mood",
        ),
        (
            "CREATE SEQUENCE shared_ids; CREATE TABLE tokens (id bigint PRIMARY KEY "
            "DEFAULT nextval('shared_ids'))",
            "column tokens.id defaults to nextval",
        ),
        (
            "CREATE TABLE totals (id int PRIMARY KEY, n int, twice int GENERATED ALWAYS AS "
            "(n * 2) STORED)",
            "column totals.twice is GENERATED ALWAYS",
        ),
    ],
)
def test_shapes_not_modelled_yet_are_refused(
    tmp_path: Path, pg_url: str, sql: str, message: str
) -> None:
    apply_sql(pg_url, sql)
    project = tmp_path / "app"
    code, out, err = run(project, "init", "--from-database", pg_url)
    assert code == 2 and message in err, out + err
    assert not (project / "models").exists() and not (project / "buildamp.toml").exists()
    with psycopg.connect(pg_url) as conn:
        assert conn.execute("SELECT to_regclass('buildamp_migrations')").fetchone() == (None,)


def test_adopts_into_a_fresh_init_folder(tmp_path: Path, pg_url: str, pg_conn: object) -> None:
    conn: psycopg.Connection[object] = pg_conn  # type: ignore[assignment]
    project = tmp_path / "app"
    project.mkdir()
    assert run(project, "init")[0] == 0
    code, out, err = run(project, "init", "--from-database", pg_url)
    assert code == 2 and "nothing to adopt" in err, out + err
    conn.execute("CREATE TABLE notes (id bigint PRIMARY KEY)")
    adopt(project, pg_url, "rust")
    assert "unmanaged" not in (project / "buildamp.toml").read_text()
    assert run(project, "migrate", "--check")[0] == 0


def test_refuses_an_edited_config_and_other_schemas(tmp_path: Path, pg_url: str) -> None:
    project = tmp_path / "app"
    project.mkdir()
    (project / "buildamp.toml").write_text('mode = "prod"\n')
    code, out, err = run(project, "init", "--from-database", pg_url)
    assert code == 2 and "buildamp.toml was edited" in err, out + err
    assert (project / "buildamp.toml").read_text() == 'mode = "prod"\n'
    apply_sql(pg_url, "CREATE SCHEMA app; CREATE TABLE app.t (id int PRIMARY KEY)")
    code, out, err = run(tmp_path / "other", "init", "--from-database", pg_url, "--schema", "app")
    assert code == 2 and "only the public schema" in err, out + err
    assert "ALTER TABLE app.<table> SET SCHEMA public" in err and "Traceback" not in err
    assert not (tmp_path / "other" / "models").exists()


OTHER_SCHEMA = """
CREATE TABLE orders (id bigint PRIMARY KEY, total numeric(10, 2) NOT NULL);
INSERT INTO orders VALUES (1, 9.5);
CREATE SCHEMA reporting;
CREATE TABLE reporting.orders (id bigint PRIMARY KEY, day date NOT NULL);
CREATE TABLE reporting.daily (day date PRIMARY KEY);
INSERT INTO reporting.orders VALUES (7, '2024-01-01');
CREATE INDEX orders_day ON reporting.orders (day);
"""


def test_other_schemas_are_listed_and_left_alone(
    tmp_path: Path, pg_url: str, pg_server_url: str
) -> None:
    """Adopting public lists another schema with its tables (even one named like a
    public table) as not modelled; drift never reports it and migrations never touch it."""
    apply_sql(pg_url, OTHER_SCHEMA)
    project = tmp_path / "app"
    out = adopt(project, pg_url, "python")
    assert "  - schema reporting (tables: daily, orders)\n" in out, out
    assert_round_trip(project, pg_url, pg_server_url, set())
    model = project / "models" / "orders" / "orders.py"
    model.write_text(model.read_text() + "    note: str | None\n")  # the last class
    code, out, err = run(project, "migrate", "--generate")
    assert code == 0 and "002" in out, out + err
    code, out, err = run(project, "migrate", "--apply", "--yes", "--database-url", pg_url)
    assert code == 0, out + err
    assert run(project, "drift", "--database-url", pg_url)[0] == 0
    with psycopg.connect(pg_url) as conn:
        assert conn.execute("SELECT id, day::text FROM reporting.orders").fetchall() == [
            (7, "2024-01-01")
        ]
        columns = conn.execute(
            "SELECT table_schema, count(*) FROM information_schema.columns"
            " WHERE table_name = 'orders' GROUP BY 1 ORDER BY 1"
        ).fetchall()
        assert columns == [("public", 3), ("reporting", 2)]
        assert conn.execute("SELECT to_regclass('reporting.orders_day')").fetchone() != (None,)


def test_a_search_path_away_from_public_is_refused(
    tmp_path: Path, pg_url: str, pg_conn: object
) -> None:
    """Generated statements name tables without a schema: a connection whose
    search_path creates them elsewhere (a schema named after the role, a role
    setting) would build a second copy next to the adopted tables."""
    apply_sql(pg_url, "CREATE TABLE notes (id int PRIMARY KEY); CREATE SCHEMA side")
    url = pg_url + ("&" if "?" in pg_url else "?") + "options=-csearch_path%3Dside,public"
    project = tmp_path / "app"
    code, out, err = run(project, "init", "--from-database", url)
    assert code == 2, out + err
    assert "creates tables in schema 'side'" in err and "search_path" in err
    assert files_in(project) == [] or not (project / "models").exists()
    fixed = pg_url + ("&" if "?" in pg_url else "?") + "options=-csearch_path%3Dpublic"
    assert run(project, "init", "--from-database", fixed)[0] == 0


def test_readopting_a_buildamp_made_database(tmp_path: Path, pg_url: str) -> None:
    """Tables made by buildamp (tenant host, timestamps, updated_at trigger) read back
    as the models that made them: the trigger is modelled, not listed."""
    first = tmp_path / "first"
    first.mkdir()
    assert run(first, "init")[0] == 0
    (first / "models" / "posts_domain.rs").write_text(
        "pub enum Mood { Happy, Sad }\n"
        "#[derive(BuildAmpDomain)]\n"
        '#[table(indexes = ["title"])]\n'
        "pub struct Post {\n    pub id: i64,\n    pub title: String,\n"
        "    #[migration(unique = true)]\n    pub slug: String,\n    pub mood: Option<Mood>,\n}\n"
    )
    code, out, err = run(first, "migrate", "--generate", "--apply", "--database-url", pg_url)
    assert code == 0, out + err
    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("DROP TABLE buildamp_migrations")
    project = tmp_path / "again"
    out = adopt(project, pg_url, "rust")
    assert "trigger" not in out and "function" not in out
    text = (project / "models" / "posts" / "posts_domain.rs").read_text()
    assert "timestamps" not in text and "tenant" not in text
    code, out, err = run(project, "migrate", "--check")
    assert code == 0, out + err
    assert run(project, "drift", "--database-url", pg_url)[0] == 0
    baseline = (project / "migrations" / "001_baseline.sql").read_text()
    assert "buildamp_touch_updated_at" in baseline


def test_update_records_comments_and_refuses_what_it_cannot_carry(
    tmp_path: Path, pg_url: str
) -> None:
    """``--update`` records a comment made by hand (the model gets the doc comment);
    it refuses another schema, and a new column of an extension's type until the
    config creates that extension for new environments."""
    apply_sql(pg_url, "CREATE TABLE notes (id int PRIMARY KEY, body text)")
    project = tmp_path / "app"
    adopt(project, pg_url, "rust")
    apply_sql(pg_url, "COMMENT ON COLUMN notes.body IS 'Markdown.'")
    code, out, err = run(project, "init", "--update")
    assert code == 0 and "recorded 002 as applied" in out, out + err
    assert "/// Markdown." in (project / "models" / "notes" / "notes_domain.rs").read_text()
    migration = (project / "migrations" / "002_adopt_database_changes.sql").read_text()
    assert "COMMENT ON COLUMN notes.body IS 'Markdown.';" in migration
    assert (
        "COMMENT ON COLUMN notes.body IS NULL;"
        in (project / "migrations" / "rollback" / "002_rollback.sql").read_text()
    )
    assert run(project, "drift")[0] == 0
    assert "no changes" in run(project, "migrate", "--generate")[1]

    apply_sql(pg_url, "CREATE SCHEMA other")
    code, out, err = run(project, "init", "--update", "--schema", "other")
    assert code == 2 and "only the public schema" in err, out + err

    apply_sql(pg_url, "CREATE EXTENSION cube; ALTER TABLE notes ADD COLUMN box cube")
    before = files_in(project)
    code, out, err = run(project, "init", "--update")
    assert code == 2 and 'add "cube" to extensions in buildamp.toml' in err, out + err
    assert files_in(project) == before
    toml = project / "buildamp.toml"
    toml.write_text(toml.read_text() + 'extensions = ["cube"]\n')
    code, out, err = run(project, "init", "--update")
    assert code == 0 and "recorded 003 as applied" in out, out + err
    assert (
        "CREATE EXTENSION IF NOT EXISTS cube"
        in (project / "migrations" / "003_adopt_database_changes.sql").read_text()
    )
