"""``distribution = "citus"``: rendered DDL checked by parse against Citus's
documented rules (tests/render/citus_rules.py), and applied on a real
PostgreSQL where stand-in ``create_distributed_table`` / ``create_reference_table``
functions check the catalog the way Citus does when it distributes a table."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from buildamp.files.migration import list_migrations
from tests.helpers import apply_sql, catalog_of
from tests.render.citus_rules import CitusRules
from tests.run.fleet_support import cli

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "blog"

RICH_MODELS = """\
#[table(tenant = false)]
pub struct Country { pub id: String, #[migration(unique = true)] pub code: String }

#[table(indexes = ["title, created_at DESC"])]
pub struct Post {
    pub id: String,
    #[migration(unique = true)]
    pub slug: String,
    pub title: String,
    pub country_id: String,
}

#[table(storage = "jsonb")]
pub struct Tag { pub id: String, #[migration(unique = true)] pub label: String }
"""
EVOLVED = RICH_MODELS.replace(
    "    pub country_id: String,\n",
    "    pub country_id: String,\n"
    "    #[migration(index = true)]\n    pub summary: Option<String>,\n"
    "    #[migration(unique = true)]\n    pub code: Option<String>,\n",
)

# Stand-ins with Citus's signatures: they refuse what Citus refuses when a table
# is distributed (a unique index without the distribution column, colocation with
# an undistributed table) and record what was distributed.
CITUS_STUBS = """
CREATE SCHEMA citus_stub;
CREATE TABLE citus_stub.tables (name regclass PRIMARY KEY, kind TEXT NOT NULL);
CREATE FUNCTION create_distributed_table(
    table_name regclass, distribution_column text, colocate_with text DEFAULT 'default'
) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (
        SELECT 1 FROM pg_index i WHERE i.indrelid = table_name AND i.indisunique
        AND NOT EXISTS (
            SELECT 1 FROM pg_attribute a WHERE a.attrelid = table_name
            AND a.attname = distribution_column AND a.attnum = ANY (i.indkey)
        )
    ) THEN
        RAISE EXCEPTION 'cannot create constraint on "%": must include the distribution column',
            table_name;
    END IF;
    IF colocate_with <> 'default' AND NOT EXISTS (
        SELECT 1 FROM citus_stub.tables WHERE name = colocate_with::regclass
        AND kind = 'distributed'
    ) THEN
        RAISE EXCEPTION 'relation % is not distributed', colocate_with;
    END IF;
    INSERT INTO citus_stub.tables VALUES (table_name, 'distributed');
END $$;
CREATE FUNCTION create_reference_table(table_name regclass) RETURNS void
LANGUAGE sql AS $$ INSERT INTO citus_stub.tables VALUES (table_name, 'reference') $$;
"""


def citus_project(root: Path, models: str | None = None, mode: str = "dev") -> Path:
    if models is None:
        shutil.copytree(EXAMPLE / "models", root / "models")
    else:
        (root / "models").mkdir(parents=True)
        (root / "models" / "shop_domain.rs").write_text(models)
    (root / "buildamp.toml").write_text(f'mode = "{mode}"\ndistribution = "citus"\n')
    assert cli(root, "init")[0] == 0
    return root


def generate(project: Path) -> None:
    code, out, err = cli(project, "migrate")
    assert code == 0 and "wrote" in out, out + err


def check_rules(project: Path) -> CitusRules:
    rules = CitusRules()
    for migration in list_migrations(project / "migrations"):
        rules.check_file(migration.path.read_text(), migration.path.name)
    return rules


@pytest.mark.parametrize(
    ("sql", "problem"),
    [
        (
            "CREATE TABLE t (id TEXT PRIMARY KEY, host TEXT);"
            "SELECT create_distributed_table('t', 'host');",
            "t inline key lacks host",
        ),
        (
            "CREATE TABLE t (id TEXT, host TEXT, PRIMARY KEY (host, id));"
            "SELECT create_distributed_table('t', 'host');"
            "CREATE UNIQUE INDEX CONCURRENTLY u ON t (email);",
            "t unique index u lacks host",
        ),
        ("CREATE TABLE t (id TEXT, host TEXT, PRIMARY KEY (host, id));", "neither distributed"),
        (
            "CREATE TABLE a (id TEXT, host TEXT, PRIMARY KEY (host, id));"
            "CREATE TABLE b (id TEXT, host TEXT, a_id TEXT, PRIMARY KEY (host, id));"
            "SELECT create_distributed_table('a', 'host');"
            "SELECT create_distributed_table('b', 'host', colocate_with => 'a');"
            "ALTER TABLE b ADD CONSTRAINT fk FOREIGN KEY (a_id) REFERENCES a (id) NOT VALID;",
            "b.fk ['a_id'] -> a ['id'] does not pair host with host",
        ),
        (
            "CREATE TABLE a (id TEXT, host TEXT, PRIMARY KEY (host, id));"
            "CREATE TABLE r (id TEXT PRIMARY KEY, a_id TEXT);"
            "SELECT create_distributed_table('a', 'host');"
            "SELECT create_reference_table('r');"
            "ALTER TABLE r ADD CONSTRAINT fk FOREIGN KEY (a_id) REFERENCES a (id);",
            "reference table r references distributed a",
        ),
        (
            "CREATE TABLE b (id TEXT, host TEXT, PRIMARY KEY (host, id));"
            "SELECT create_distributed_table('b', 'host', colocate_with => 'a');",
            "colocated with undistributed a",
        ),
        (
            "CREATE TABLE b (id TEXT, host TEXT, e TEXT, PRIMARY KEY (host, id));"
            "SELECT create_distributed_table('b', 'host');"
            "ALTER TABLE b ADD UNIQUE (host, e);",
            "unnamed constraint on b",
        ),
    ],
)
def test_the_rules_catch_each_restriction(sql: str, problem: str) -> None:
    rules = CitusRules()
    rules.check_file(sql, "case.sql")
    assert any(problem in p for p in rules.problems), rules.problems


def test_tenant_safe_foreign_keys_pass_the_rules() -> None:
    """The shape the Relations work renders: (host, col) -> (host, id), and a
    distributed table referencing a reference table with a plain key."""
    rules = CitusRules()
    rules.check_file(
        "CREATE TABLE a (id TEXT, host TEXT, PRIMARY KEY (host, id));"
        "CREATE TABLE r (id TEXT PRIMARY KEY);"
        "CREATE TABLE b (id TEXT, host TEXT, a_id TEXT, r_id TEXT, PRIMARY KEY (host, id));"
        "SELECT create_distributed_table('a', 'host');"
        "SELECT create_reference_table('r');"
        "SELECT create_distributed_table('b', 'host', colocate_with => 'a');"
        "ALTER TABLE b ADD CONSTRAINT f1 FOREIGN KEY (host, a_id) REFERENCES a (host, id) NOT VALID;"
        "ALTER TABLE b VALIDATE CONSTRAINT f1;"
        "ALTER TABLE b ADD CONSTRAINT f2 FOREIGN KEY (r_id) REFERENCES r (id);",
        "fk.sql",
    )
    assert rules.problems == []


def test_blog_example_renders_citus_ddl(tmp_path: Path) -> None:
    project = citus_project(tmp_path / "blog")
    generate(project)
    rules = check_rules(project)
    assert rules.problems == []
    assert {n: t.kind for n, t in rules.tables.items()} == {
        "comments": "distributed",
        "users": "distributed",
    }
    sql = next((project / "migrations").glob("001_*.sql")).read_text()
    assert "SELECT create_distributed_table('comments', 'host', colocate_with => 'default')" in sql
    assert "SELECT create_distributed_table('users', 'host', colocate_with => 'comments')" in sql
    assert "PRIMARY KEY (host, id)" in sql and "UNIQUE (host, username)" in sql


def test_reference_tables_and_online_evolution(tmp_path: Path, pg_url: str) -> None:
    project = citus_project(tmp_path / "shop", RICH_MODELS, mode="prod")
    generate(project)
    (project / "models" / "shop_domain.rs").write_text(EVOLVED)
    generate(project)
    rules = check_rules(project)
    assert rules.problems == []
    assert {n: t.kind for n, t in rules.tables.items()} == {
        "countries": "reference",
        "posts": "distributed",
        "tags": "distributed",
    }
    second = next((project / "migrations").glob("002_*.sql")).read_text()
    assert "CONCURRENTLY" in second  # online forms stay: Citus propagates them
    assert "create_distributed_table" not in second

    # On PostgreSQL with the stand-ins: up, catalog = snapshot, down, up.
    apply_sql(pg_url, CITUS_STUBS)
    migrations = list_migrations(project / "migrations")
    for migration in migrations:
        apply_sql(pg_url, migration.path.read_text())
    posts = catalog_of(pg_url).table("posts")
    assert posts is not None and posts.primary_key == ("host", "id")
    code, out, err = cli(project, "drift", "--database-url", pg_url)
    assert code == 0, out + err
    for migration in reversed(migrations):
        apply_sql(pg_url, migration.rollback_path.read_text())
    apply_sql(pg_url, "TRUNCATE citus_stub.tables")
    for migration in migrations:
        apply_sql(pg_url, migration.path.read_text())


def test_global_unique_is_refused(tmp_path: Path) -> None:
    models = RICH_MODELS.replace(
        "    pub title: String,\n", '    #[migration(unique = "global")]\n    pub title: String,\n'
    )
    project = citus_project(tmp_path / "shop", models)
    code, _, err = cli(project, "migrate")
    assert code == 2
    assert (
        "models/shop_domain.rs:9:17:" in err
        and 'Post.title: unique = "global" is impossible' in err
    )
    assert "per shard" in err and not (project / "migrations" / "001_create_countries.sql").exists()


def test_switching_an_existing_project_to_citus_is_refused(tmp_path: Path) -> None:
    project = citus_project(tmp_path / "shop", RICH_MODELS)
    (project / "buildamp.toml").write_text('mode = "dev"\n')
    generate(project)
    (project / "buildamp.toml").write_text('distribution = "citus"\n')
    (project / "models" / "shop_domain.rs").write_text(EVOLVED)
    code, _, err = cli(project, "migrate")
    assert code == 2 and "changing a table's distribution is not generated" in err
    assert len(list_migrations(project / "migrations")) == 1


def test_python_models_distribute_the_same(tmp_path: Path) -> None:
    root = tmp_path / "py"
    (root / "models").mkdir(parents=True)
    (root / "models" / "shop.py").write_text(
        "from dataclasses import dataclass\n"
        "from typing import Annotated\n"
        "from buildamp import domain, migration\n\n"
        "@domain()\n@dataclass\nclass Member:\n"
        "    id: str\n"
        '    email: Annotated[str, migration(unique="global")]\n'
    )
    (root / "buildamp.toml").write_text('distribution = "citus"\n')
    assert cli(root, "init")[0] == 0
    code, _, err = cli(root, "migrate")
    assert code == 2 and "models/shop.py:9:" in err and "Member.email" in err
    text = (root / "models" / "shop.py").read_text().replace('unique="global"', "unique=True")
    (root / "models" / "shop.py").write_text(text)
    generate(root)
    sql = next((root / "migrations").glob("001_*.sql")).read_text()
    assert "PRIMARY KEY (host, id)" in sql and "UNIQUE (host, email)" in sql
    assert "create_distributed_table('members', 'host'" in sql
