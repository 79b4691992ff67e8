"""Issue 15 item 6: a required field added to a ``storage = "jsonb"`` model is
refused without ``default``/``backfill`` (as a column model refuses it), and is
filled in every existing document with one; a nullable column becoming NOT NULL
without a default or backfill is refused at generate time."""

from __future__ import annotations

from pathlib import Path

import pytest

from buildamp.model.errors import PlanError
from tests.trust_project import Project

NOTES = """
#[table(storage = "jsonb")]
pub struct Note {
    pub id: String,
    pub title: String,
}
"""

ITEMS = """
#[table(name = "items")]
pub struct Item {
    pub id: i64,
    pub nick: Option<String>,
}
"""


def test_required_document_key_without_value_is_refused(tmp_path: Path, pg_url: str) -> None:
    project = Project(tmp_path, pg_url, online=False)
    project.generate(NOTES)
    with pytest.raises(PlanError) as error:
        project.generate(
            NOTES.replace("pub title: String,", "pub title: String,\n    pub tag: String,")
        )
    assert "notes.tag" in str(error.value) and "shop_domain.rs:6:" in str(error.value)
    # optional keys need nothing
    assert project.generate(
        NOTES.replace("pub title: String,", "pub title: String,\n    pub tag: Option<String>,")
    ).written


@pytest.mark.parametrize("online", [False, True])
def test_required_document_key_is_backfilled(online: bool, tmp_path: Path, pg_url: str) -> None:
    project = Project(tmp_path, pg_url, online)
    project.generate(NOTES)
    project.apply()
    project.sql(
        "INSERT INTO notes (id, host, data) SELECT 'n' || g, 'h', "
        "jsonb_build_object('title', 't' || g) FROM generate_series(1, 80) g"
    )
    changed = NOTES.replace(
        "pub title: String,",
        "pub title: String,\n    #[migration(backfill = \"upper(data ->> 'title')\")]\n"
        "    pub tag: String,",
    )
    assert project.generate(changed).written
    project.apply()
    assert (
        project.value("SELECT count(*) FROM notes WHERE data ->> 'tag' = upper(data ->> 'title')")
        == 80
    )
    project.rollback()
    assert project.value("SELECT count(*) FROM notes WHERE data ? 'tag'") == 0


def test_nullable_column_to_not_null_without_value_is_refused(tmp_path: Path, pg_url: str) -> None:
    project = Project(tmp_path, pg_url, online=False)
    project.generate(ITEMS)
    with pytest.raises(PlanError) as error:
        project.generate(ITEMS.replace("Option<String>", "String"))
    text = str(error.value)
    assert text.startswith("models/shop_domain.rs:5:") and "items.nick" in text
    assert '#[migration(backfill = "...")]' in text
    changed = ITEMS.replace(
        "    pub nick: Option<String>,",
        "    #[migration(backfill = \"'x'\")]\n    pub nick: String,",
    )
    project.models(ITEMS)
    project.apply()
    project.sql("INSERT INTO items (id, host) SELECT g, 'h' FROM generate_series(1, 30) g")
    assert project.generate(changed).written
    project.apply()
    assert project.value("SELECT count(*) FROM items WHERE nick = 'x'") == 30
