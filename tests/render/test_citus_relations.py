"""Foreign keys under ``distribution = "citus"``: tenant-safe keys pair host with
host, a distributed table may reference a reference table, a reference table may
not reference a distributed one. Runs once the Relations work (``references``)
is in the build."""

from __future__ import annotations

from pathlib import Path

import pytest

from buildamp.files.migration import list_migrations
from buildamp.sources.options import FIELD_OPTIONS
from tests.helpers import apply_sql, catalog_of
from tests.render.citus_rules import CitusRules
from tests.render.test_citus import CITUS_STUBS
from tests.run.fleet_support import cli

pytestmark = pytest.mark.skipif(
    "references" not in FIELD_OPTIONS, reason="relations (references) not in this build yet"
)

MODELS = """\
#[table(tenant = false)]
pub struct Country { pub id: String, #[migration(unique = true)] pub code: String }

pub struct User { pub id: String, pub name: String }

pub struct Post {
    pub id: String,
    #[migration(references = "users", on_delete = "cascade")]
    pub author_id: String,
    #[migration(references = "countries")]
    pub country_id: String,
    #[migration(references = "users", on_delete = "set null")]
    pub editor_id: Option<String>,
}
"""


def project_with(root: Path, models: str) -> Path:
    (root / "models").mkdir(parents=True)
    (root / "models" / "shop_domain.rs").write_text(models)
    (root / "buildamp.toml").write_text('distribution = "citus"\n')
    assert cli(root, "init")[0] == 0
    return root


def test_tenant_safe_keys_follow_citus_rules(tmp_path: Path, pg_url: str) -> None:
    project = project_with(tmp_path / "shop", MODELS)
    code, out, err = cli(project, "migrate")
    assert code == 0, out + err
    rules = CitusRules()
    [migration] = list_migrations(project / "migrations")
    sql = migration.path.read_text()
    rules.check_file(sql, migration.path.name)
    assert rules.problems == []
    assert "FOREIGN KEY (host, author_id) REFERENCES users (host, id)" in sql
    assert "FOREIGN KEY (country_id) REFERENCES countries (id)" in sql
    assert "UNIQUE (host, id)" not in sql  # the primary key (host, id) already is
    apply_sql(pg_url, CITUS_STUBS)
    apply_sql(pg_url, sql)
    users = catalog_of(pg_url).table("users")
    assert users is not None and users.primary_key == ("host", "id")
    code, out, err = cli(project, "drift", "--database-url", pg_url)
    assert code == 0, out + err
    apply_sql(pg_url, migration.rollback_path.read_text())


def test_reference_table_referencing_a_tenant_table_is_refused(tmp_path: Path) -> None:
    models = MODELS.replace(
        "pub code: String }",
        'pub code: String, #[migration(references = "users")] pub owner_id: String }',
    )
    project = project_with(tmp_path / "shop", models)
    code, _, err = cli(project, "migrate")
    assert code == 2 and "models/shop_domain.rs:2:" in err
    assert "reference table) references tenant table users" in err
