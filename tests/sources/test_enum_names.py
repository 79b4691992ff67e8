"""Issue 15 item 7: two different enums with one SQL name are an error naming
both definitions (Rust + Rust in two files, Python + Rust); renaming a value
with ``#[migration(rename_from = "...")]`` on the variant is ``ALTER TYPE ...
RENAME VALUE`` (rows keep their value), not a recreate."""

from __future__ import annotations

from pathlib import Path

import pytest

from buildamp.model.errors import ModelError
from tests.trust_project import Project

ORDERS = """
pub enum Status { Open, Closed }

#[buildamp_domain]
pub struct Order {
    pub id: i64,
    pub status: Status,
}
"""

OTHER = """
pub enum Status { Draft, Published, Archived }

#[buildamp_domain]
pub struct Article {
    pub id: i64,
    pub status: Status,
}
"""

PYTHON = """
import enum
from dataclasses import dataclass
from buildamp import domain

class Status(enum.Enum):
    DRAFT = "draft"
    LIVE = "live"

@domain
@dataclass
class Page:
    id: int
    status: Status
"""


def test_two_rust_enums_with_one_name_are_refused(tmp_path: Path, pg_url: str) -> None:
    project = Project(tmp_path, pg_url, online=False)
    (tmp_path / "models" / "articles.rs").write_text(OTHER)
    with pytest.raises(ModelError) as error:
        project.generate(ORDERS)
    text = str(error.value)
    assert "articles.rs:2:" in text and "shop_domain.rs:2:" in text and "sql_type" in text


def test_python_enum_with_a_rust_enum_name_is_refused(tmp_path: Path, pg_url: str) -> None:
    project = Project(tmp_path, pg_url, online=False)
    (tmp_path / "models" / "pages.py").write_text(PYTHON)
    with pytest.raises(ModelError) as error:
        project.generate(ORDERS)
    text = str(error.value)
    assert "pages.py:" in text and "shop_domain.rs:2:" in text


PRIORITY = """
pub enum Priority { Low, Mid, High }

#[buildamp_domain]
pub struct Task {
    pub id: i64,
    pub priority: Priority,
}
"""

RENAMED = PRIORITY.replace(
    "pub enum Priority { Low, Mid, High }",
    'pub enum Priority {\n    Low,\n    #[migration(rename_from = "Mid")]\n    Medium,\n    High,\n}',
)


@pytest.mark.parametrize("online", [False, True])
def test_enum_value_rename_uses_rename_value(online: bool, tmp_path: Path, pg_url: str) -> None:
    project = Project(tmp_path, pg_url, online)
    project.generate(PRIORITY)
    project.apply()
    project.sql(
        "INSERT INTO tasks (id, host, priority) SELECT g, 'h', "
        "(ARRAY['Low', 'Mid', 'High'])[1 + g % 3]::priority FROM generate_series(1, 90) g"
    )
    result = project.generate(RENAMED)
    assert "RENAME VALUE 'Mid' TO 'Medium'" in result.up_text
    assert "RENAME TO priority__buildamp_old" not in result.up_text
    assert "RENAME VALUE 'Medium' TO 'Mid'" in result.down_text
    assert "DESTRUCTIVE" not in result.down_text
    project.apply()
    assert project.value("SELECT count(*) FROM tasks WHERE priority = 'Medium'") == 30
    project.rollback()
    assert project.value("SELECT count(*) FROM tasks WHERE priority = 'Mid'") == 30
