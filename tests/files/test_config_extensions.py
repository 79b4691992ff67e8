"""Issue 15 item 9: ``extensions = ["citext"]`` in config creates the extension
in the first migration whose columns need it (not in later ones), so a
``sql_type = "CITEXT"`` column applies on a database that lacks it."""

from __future__ import annotations

from pathlib import Path

import pytest

from buildamp.model.errors import ConfigError
from tests.trust_project import Project

USERS = """
#[table(name = "users")]
pub struct User {
    pub id: i64,
    pub name: String,
}
"""

WITH_EMAIL = USERS.replace(
    "    pub name: String,",
    '    pub name: String,\n    #[migration(sql_type = "CITEXT", default = "\'\'")]\n'
    "    pub email: String,",
)


def test_extension_is_created_by_the_first_migration_needing_it(
    tmp_path: Path, pg_url: str
) -> None:
    project = Project(tmp_path, pg_url, online=False, extra_config='extensions = ["citext"]\n')
    first = project.generate(USERS)
    assert "CREATE EXTENSION" not in first.up_text
    project.apply()
    project.sql("INSERT INTO users (id, host, name) VALUES (1, 'h', 'a')")
    second = project.generate(WITH_EMAIL)
    assert "CREATE EXTENSION IF NOT EXISTS citext" in second.up_text
    project.apply()
    project.sql("UPDATE users SET email = 'A@X.ORG'")
    assert project.value("SELECT count(*) FROM users WHERE email = 'a@x.org'") == 1
    project.rollback()
    project.apply()
    third = project.generate(
        WITH_EMAIL.replace("pub name: String,", "pub name: String,\n    pub nick: Option<String>,")
    )
    assert "CREATE EXTENSION" not in third.up_text


def test_extensions_must_be_names(tmp_path: Path, pg_url: str) -> None:
    project = Project(tmp_path, pg_url, online=False, extra_config='extensions = ["cit ext"]\n')
    with pytest.raises(ConfigError, match="extensions"):
        project.generate(USERS)
