"""Issue 15 item 4, last paragraph: an online type change whose batched copy
fails half-way (past its COMMIT) can be rolled back, leaving the table exactly
as it was: old type, every value, no shadow column, trigger or function."""

from __future__ import annotations

from pathlib import Path

import pytest

from buildamp.model.errors import BuildampError
from tests.trust_project import Project

BEFORE = """
#[buildamp_domain]
pub struct Item {
    pub id: i64,
    #[migration(index = true)]
    pub code: String,
}
"""

AFTER = BEFORE.replace(
    "    pub code: String,",
    '    #[migration(convert_sql = "(%s)::integer * 100", convert_back_sql = "(%s / 100)::text")]\n'
    "    pub code: i32,",
)


def _leftovers(project: Project) -> list[str]:
    columns = project.rows(
        "SELECT attname FROM pg_attribute WHERE attrelid = 'items'::regclass "
        "AND attnum > 0 AND NOT attisdropped AND attname LIKE '%buildamp%'"
    )
    triggers = project.rows(
        "SELECT tgname FROM pg_trigger WHERE tgrelid = 'items'::regclass "
        "AND tgname LIKE 'buildamp_sync%'"
    )
    functions = project.rows("SELECT proname FROM pg_proc WHERE proname LIKE 'buildamp_sync%'")
    indexes = project.rows(
        "SELECT indexrelid::regclass::text FROM pg_index "
        "WHERE indrelid = 'items'::regclass AND indexrelid::regclass::text LIKE '%buildamp%'"
    )
    return [str(row[0]) for row in (*columns, *triggers, *functions, *indexes)]


def _column_type(project: Project) -> str:
    return str(
        project.value(
            "SELECT format_type(atttypid, atttypmod) FROM pg_attribute "
            "WHERE attrelid = 'items'::regclass AND attname = 'code'"
        )
    )


def test_rollback_after_the_copy_failed_half_way(tmp_path: Path, pg_url: str) -> None:
    project = Project(tmp_path, pg_url, online=True)
    project.generate(BEFORE)
    project.apply()
    project.sql(
        "INSERT INTO items (id, host, code) SELECT g, 'h', "
        "CASE WHEN g = 250 THEN 'not a number' ELSE g::text END FROM generate_series(1, 400) g"
    )
    before = project.rows("SELECT id, code FROM items ORDER BY id")
    result = project.generate(AFTER)
    assert "buildamp:batch" in result.up_text
    with pytest.raises(BuildampError):
        project.apply()
    # the copy stopped past its COMMIT: the shadow column holds some converted rows
    assert project.value("SELECT count(code__buildamp_new) FROM items") >= 50
    project.rollback()
    assert _leftovers(project) == []
    assert _column_type(project) == "text"
    assert project.rows("SELECT id, code FROM items ORDER BY id") == before
    # the migration can be fixed and applied again
    project.sql("UPDATE items SET code = '250' WHERE id = 250")
    project.apply()
    assert _column_type(project) == "integer"
    assert project.value("SELECT code FROM items WHERE id = 7") == 700
    project.rollback()
    assert _column_type(project) == "text"
    assert project.value("SELECT code FROM items WHERE id = 7") == "7"
    assert _leftovers(project) == []
