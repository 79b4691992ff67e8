"""Issue 15 items 1 and 4: a given ``convert_sql`` is honoured on a widening and
on an unchanged type (once, not at every generate); its rollback uses
``convert_back_sql`` (exact) or a plain cast said to be LOSSY in both files, and
generation refuses when that cast does not exist."""

from __future__ import annotations

from pathlib import Path

import pytest

from buildamp.model.errors import PlanError
from tests.trust_project import Project

BEFORE = """
#[table(name = "items")]
pub struct Item {
    pub id: i64,
    pub name: String,
    pub qty: i32,
    pub seen: i64,
}
"""

SEED = (
    "INSERT INTO items (id, host, name, qty, seen) "
    "SELECT g, 'h', 'item ' || g, 199, 1700000000 + g FROM generate_series(1, 120) g"
)


def start(tmp_path: Path, url: str, online: bool) -> Project:
    project = Project(tmp_path, url, online)
    project.generate(BEFORE)
    project.apply()
    project.sql(SEED)
    return project


def widened(back: str = "") -> str:
    extra = f', convert_back_sql = "{back}"' if back else ""
    return BEFORE.replace(
        "    pub qty: i32,",
        f'    #[migration(convert_sql = "(%s * 10)::bigint"{extra})]\n    pub qty: i64,',
    )


@pytest.mark.parametrize("online", [False, True])
def test_widening_honours_convert_sql_and_says_lossy(
    online: bool, tmp_path: Path, pg_url: str
) -> None:
    project = start(tmp_path, pg_url, online)
    result = project.generate(widened())
    assert result.written
    assert "LOSSY" in result.up_text and "LOSSY" in result.down_text
    project.apply()
    assert project.rows("SELECT DISTINCT qty FROM items") == [(1990,)]
    assert not project.generate().written  # the convert_sql left in the model runs once
    project.rollback()
    assert project.rows("SELECT DISTINCT qty FROM items") == [(1990,)]  # a plain cast back


@pytest.mark.parametrize("online", [False, True])
def test_convert_back_sql_makes_the_rollback_exact(
    online: bool, tmp_path: Path, pg_url: str
) -> None:
    project = start(tmp_path, pg_url, online)
    result = project.generate(widened("(%s / 10)::integer"))
    assert "LOSSY" not in result.down_text
    project.apply()
    assert project.rows("SELECT DISTINCT qty FROM items") == [(1990,)]
    project.rollback()
    assert project.rows("SELECT DISTINCT qty FROM items") == [(199,)]
    assert (
        project.value(
            "SELECT format_type(atttypid, atttypmod) FROM pg_attribute "
            "WHERE attrelid = 'items'::regclass AND attname = 'qty'"
        )
        == "integer"
    )


@pytest.mark.parametrize("online", [False, True])
def test_same_type_convert_sql_is_a_data_migration(
    online: bool, tmp_path: Path, pg_url: str
) -> None:
    project = start(tmp_path, pg_url, online)
    changed = BEFORE.replace(
        "    pub name: String,",
        '    #[migration(convert_sql = "upper(%s)", convert_back_sql = "lower(%s)")]\n'
        "    pub name: String,",
    )
    result = project.generate(changed)
    assert result.written and "data converted" in result.up_text
    project.apply()
    assert project.value("SELECT count(*) FROM items WHERE name = upper('item ' || id)") == 120
    assert not project.generate().written
    project.rollback()
    assert project.value("SELECT count(*) FROM items WHERE name = 'item ' || id") == 120


def test_missing_reverse_cast_is_refused_naming_the_option(tmp_path: Path, pg_url: str) -> None:
    project = Project(tmp_path, pg_url, online=False)
    project.generate(BEFORE)
    changed = BEFORE.replace(
        "    pub seen: i64,",
        '    #[migration(convert_sql = "to_timestamp(%s)")]\n'
        "    pub seen: chrono::DateTime<chrono::Utc>,",
    )
    with pytest.raises(PlanError) as error:
        project.generate(changed)
    text = str(error.value)
    assert text.startswith("models/shop_domain.rs:8:") and 'convert_back_sql = "..."' in text


@pytest.mark.parametrize("online", [False, True])
def test_timestamp_conversion_round_trips_with_convert_back_sql(
    online: bool, tmp_path: Path, pg_url: str
) -> None:
    project = start(tmp_path, pg_url, online)
    changed = BEFORE.replace(
        "    pub seen: i64,",
        '    #[migration(convert_sql = "to_timestamp(%s)", '
        'convert_back_sql = "extract(epoch from %s)::bigint")]\n'
        "    pub seen: chrono::DateTime<chrono::Utc>,",
    )
    assert project.generate(changed).written
    project.apply()
    assert (
        project.value("SELECT count(*) FROM items WHERE seen = to_timestamp(1700000000 + id)")
        == 120
    )
    project.rollback()
    assert project.value("SELECT count(*) FROM items WHERE seen = 1700000000 + id") == 120


def test_recorded_conversion_survives_a_table_rename(tmp_path: Path, pg_url: str) -> None:
    project = start(tmp_path, pg_url, online=False)
    converted = BEFORE.replace(
        "    pub name: String,",
        '    #[migration(convert_sql = "upper(%s)")]\n    pub name: String,',
    )
    assert "LOSSY" in project.generate(converted).up_text
    project.apply()
    renamed = converted.replace(
        '#[table(name = "items")]', '#[table(name = "goods", rename_from = "items")]'
    )
    result = project.generate(renamed)
    assert "UPDATE" not in result.up_text  # renamed, not converted a second time
    project.apply()
    assert project.value("SELECT count(*) FROM goods WHERE name = upper('item ' || id)") == 120
