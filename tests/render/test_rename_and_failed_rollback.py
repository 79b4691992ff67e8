"""Issue 15 items 4 and 8: a table rename renames what belongs to the table
(indexes, unique constraints, primary key, identity sequence, trigger) in place,
both ways, online too; a later model reusing the old name gets clean names. An
online migration that fails after COMMIT can be rolled back."""

from __future__ import annotations

from pathlib import Path

import pytest

from buildamp.model.errors import DatabaseError
from tests.trust_project import Project

BEFORE = """
#[table(name = "categories", indexes = ["label, rank"])]
pub struct Category {
    pub id: Generated<i64>,
    #[migration(index = true)]
    pub label: String,
    #[migration(unique = true)]
    pub code: String,
    pub rank: i32,
}
"""

RENAMED = BEFORE.replace(
    '#[table(name = "categories", indexes = ["label, rank"])]',
    '#[table(name = "tags", rename_from = "categories", indexes = ["label, rank"])]',
).replace("pub struct Category", "pub struct Tag")

REUSED = (
    RENAMED
    + """
#[table(name = "categories")]
pub struct Category {
    pub id: Generated<i64>,
    pub title: String,
}
"""
)

NAMES = """
SELECT c.relname::text FROM pg_class c
WHERE c.relkind IN ('i', 'S') AND c.relnamespace = 'public'::regnamespace
  AND c.relname NOT LIKE 'buildamp%'
UNION ALL SELECT conname::text FROM pg_constraint WHERE connamespace = 'public'::regnamespace
UNION ALL SELECT tgname::text FROM pg_trigger WHERE NOT tgisinternal
ORDER BY 1
"""


@pytest.mark.parametrize("online", [False, True])
def test_table_rename_renames_owned_objects(online: bool, tmp_path: Path, pg_url: str) -> None:
    project = Project(tmp_path, pg_url, online)
    project.generate(BEFORE)
    project.apply()
    project.sql(
        "INSERT INTO categories (host, label, code, rank) "
        "SELECT 'h', 'l' || g, 'c' || g, g FROM generate_series(1, 50) g"
    )
    before = project.rows(NAMES)
    result = project.generate(RENAMED)
    assert "CREATE INDEX" not in result.up_text and "DROP INDEX" not in result.up_text
    assert "CREATE INDEX" not in result.down_text and "DROP INDEX" not in result.down_text
    project.apply()
    after = [name for (name,) in project.rows(NAMES)]
    assert not any("categor" in name for name in after), after
    assert "tags_pkey" in after and "tags_id_seq" in after and "idx_tags_label" in after
    project.rollback()
    assert project.rows(NAMES) == before
    project.apply()
    assert project.generate(REUSED).written
    project.apply()
    names = [name for (name,) in project.rows(NAMES)]
    assert "categories_pkey" in names and "categories_id_seq" in names
    assert not any(name.endswith("1") for name in names), names
    project.sql("INSERT INTO categories (host, title) VALUES ('h', 't')")


def test_failed_online_migration_rolls_back(tmp_path: Path, pg_url: str) -> None:
    project = Project(tmp_path, pg_url, online=True)
    project.generate(BEFORE)
    project.apply()
    project.sql(
        "INSERT INTO categories (host, label, code, rank) "
        "SELECT 'h', 'same', 'c' || g, g FROM generate_series(1, 20) g"
    )
    before = project.rows(NAMES)
    changed = BEFORE.replace(
        "    #[migration(index = true)]\n    pub label: String,",
        "    #[migration(unique = true)]\n    pub label: String,",
    )
    assert project.generate(changed).written
    with pytest.raises(DatabaseError):
        project.apply()  # duplicate labels: the unique index fails after COMMIT
    project.rollback()
    assert project.rows(NAMES) == before
