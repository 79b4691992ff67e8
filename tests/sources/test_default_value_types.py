"""Issue 15 item 5: ``DefaultValue<T>`` defaults to T's empty value ('' text, 0
numbers, false bool, '[]' / '{}' JSONB), so the migration applies to a table
with rows; a T without an empty value is refused naming the field."""

from __future__ import annotations

from pathlib import Path

import pytest

from buildamp.model.errors import ModelError
from tests.trust_project import Project

BEFORE = """
#[table(name = "posts")]
pub struct Post {
    pub id: i64,
    pub title: String,
}
"""

AFTER = BEFORE.replace(
    "    pub title: String,",
    """    pub title: String,
    pub votes: DefaultValue<i32>,
    pub big: DefaultValue<i64>,
    pub ratio: DefaultValue<f64>,
    pub hidden: DefaultValue<bool>,
    pub tags: DefaultValue<Vec<String>>,
    pub meta: DefaultValue<HashMap<String, String>>,
    pub note: DefaultValue<String>,""",
)


def test_default_value_follows_the_type(tmp_path: Path, pg_url: str) -> None:
    project = Project(tmp_path, pg_url, online=False)
    project.generate(BEFORE)
    project.apply()
    project.sql(
        "INSERT INTO posts (id, host, title) SELECT g, 'h', 't' FROM generate_series(1, 20) g"
    )
    assert project.generate(AFTER).written
    project.apply()
    row = project.rows(
        "SELECT votes, big, ratio, hidden, tags, meta, note FROM posts WHERE id = 1"
    )[0]
    assert row == (0, 0, 0.0, False, [], {}, "")
    project.rollback()
    project.apply()


def test_default_value_without_an_empty_value_is_refused(tmp_path: Path, pg_url: str) -> None:
    project = Project(tmp_path, pg_url, online=False)
    with pytest.raises(ModelError) as error:
        project.generate(BEFORE.replace("pub title: String", "pub token: DefaultValue<Uuid>"))
    assert "shop_domain.rs:5:9" in str(error.value) and "token" in str(error.value)
