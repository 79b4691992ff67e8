"""Issue 15 item 2: ``default`` + ``backfill`` on a new NOT NULL column fills
existing rows with the backfill (not the default), in both modes; new rows get
the default."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.trust_project import Project

BEFORE = """
#[table(name = "items")]
pub struct Item {
    pub id: i64,
    pub name: String,
}
"""

AFTER = BEFORE.replace(
    "    pub name: String,",
    "    pub name: String,\n"
    '    #[migration(default = "\'\'", backfill = "upper(name)")]\n'
    "    pub shout: String,",
)


@pytest.mark.parametrize("online", [False, True])
def test_backfill_wins_over_default(online: bool, tmp_path: Path, pg_url: str) -> None:
    project = Project(tmp_path, pg_url, online)
    project.generate(BEFORE)
    project.apply()
    project.sql(
        "INSERT INTO items (id, host, name) SELECT g, 'h', 'item ' || g "
        "FROM generate_series(1, 120) g"
    )
    assert project.generate(AFTER).written
    project.apply()
    assert project.value("SELECT count(*) FROM items WHERE shout <> upper(name)") == 0
    project.sql("INSERT INTO items (id, host, name) VALUES (1000, 'h', 'new')")
    assert project.value("SELECT shout FROM items WHERE id = 1000") == ""
    assert project.value(
        "SELECT attnotnull FROM pg_attribute WHERE attrelid = 'items'::regclass "
        "AND attname = 'shout'"
    )
    project.rollback()
    assert project.value("SELECT count(*) FROM items") == 121
