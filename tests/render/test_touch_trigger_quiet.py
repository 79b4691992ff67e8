"""Issue 15 item 3: buildamp's own data steps (backfills, the online type-change
copy, storage switches) keep each row's updated_at; the trigger skips no-op
updates and still stamps real edits."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.trust_project import Project

BEFORE = """
#[table(name = "items")]
pub struct Item {
    pub id: i64,
    pub name: String,
    pub qty: i32,
}
"""

CHANGES = {
    "backfill": BEFORE.replace(
        "    pub qty: i32,",
        '    pub qty: i32,\n    #[migration(backfill = "upper(name)")]\n    pub shout: String,',
    ),
    "type_change": BEFORE.replace("pub qty: i32", "pub qty: i64"),
    "not_null_fill": BEFORE.replace(
        "    pub name: String,",
        "    #[migration(default = \"'none'\")]\n    pub nick: String,\n    pub name: String,",
    ),
    "storage": BEFORE.replace(
        '#[table(name = "items")]', '#[table(name = "items", storage = "jsonb")]'
    ),
}

OLD_STAMP = "2001-02-03 04:05:06+00"


@pytest.mark.parametrize("online", [False, True])
@pytest.mark.parametrize("change", sorted(CHANGES))
def test_own_steps_keep_updated_at(change: str, online: bool, tmp_path: Path, pg_url: str) -> None:
    project = Project(tmp_path, pg_url, online)
    start = BEFORE
    if change == "not_null_fill":
        start = BEFORE.replace(
            "    pub name: String,", "    pub nick: Option<String>,\n    pub name: String,"
        )
    project.generate(start)
    project.apply()
    project.sql(
        "INSERT INTO items (id, host, name, qty) SELECT g, 'h', 'n' || g, g "
        "FROM generate_series(1, 150) g"
    )
    project.sql("ALTER TABLE items DISABLE TRIGGER USER")
    project.sql(f"UPDATE items SET updated_at = '{OLD_STAMP}'")
    project.sql("ALTER TABLE items ENABLE TRIGGER USER")
    assert project.generate(CHANGES[change]).written
    project.apply()
    stamped = f"SELECT count(*) FROM items WHERE updated_at <> '{OLD_STAMP}'"
    assert project.value(stamped) == 0
    project.rollback()
    assert project.value(stamped) == 0


def test_trigger_skips_no_op_updates_and_stamps_edits(tmp_path: Path, pg_url: str) -> None:
    project = Project(tmp_path, pg_url, online=False)
    project.generate(BEFORE)
    project.apply()
    project.sql("INSERT INTO items (id, host, name, qty) VALUES (1, 'h', 'a', 1), (2, 'h', 'b', 2)")
    project.sql("ALTER TABLE items DISABLE TRIGGER USER")
    project.sql(f"UPDATE items SET updated_at = '{OLD_STAMP}'")
    project.sql("ALTER TABLE items ENABLE TRIGGER USER")
    project.sql("UPDATE items SET name = name")
    assert project.value(f"SELECT count(*) FROM items WHERE updated_at <> '{OLD_STAMP}'") == 0
    project.sql("UPDATE items SET name = 'edited' WHERE id = 1")
    assert project.rows(f"SELECT id FROM items WHERE updated_at <> '{OLD_STAMP}'") == [(1,)]
