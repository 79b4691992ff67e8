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
    assert "articles.rs:2:" in text and "shop_domain.rs:2:" in text
    assert '#[migration(enum_name = "...")]' in text and "sql_type" in text


def test_python_enum_with_a_rust_enum_name_is_refused(tmp_path: Path, pg_url: str) -> None:
    project = Project(tmp_path, pg_url, online=False)
    (tmp_path / "models" / "pages.py").write_text(PYTHON)
    with pytest.raises(ModelError) as error:
        project.generate(ORDERS)
    text = str(error.value)
    assert "pages.py:" in text and "shop_domain.rs:2:" in text and "enum_name" in text


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


def _enum_types(project: Project) -> dict[str, str]:
    """Column -> its PostgreSQL type name, for every enum-typed column."""
    rows = project.rows(
        "SELECT c.relname || '.' || a.attname, t.typname FROM pg_attribute a "
        "JOIN pg_class c ON c.oid = a.attrelid JOIN pg_type t ON t.oid = a.atttypid "
        "WHERE t.typtype = 'e' AND c.relkind = 'r' AND a.attnum > 0"
    )
    return dict(rows)


def _labels(project: Project, type_name: str) -> list[str]:
    return [
        row[0]
        for row in project.rows(
            "SELECT enumlabel FROM pg_enum e JOIN pg_type t ON t.oid = e.enumtypid "
            f"WHERE t.typname = '{type_name}' ORDER BY enumsortorder"
        )
    ]


def _up_down_up(project: Project) -> None:
    project.apply()
    project.rollback()
    assert _enum_types(project) == {}
    project.apply()


@pytest.mark.parametrize("online", [False, True])
def test_rust_enum_name_gives_one_enum_its_own_type(
    online: bool, tmp_path: Path, pg_url: str
) -> None:
    """Two ``enum Status`` in two files: each table uses the one of its own file."""
    project = Project(tmp_path, pg_url, online)
    renamed = OTHER.replace(
        "pub enum Status", '#[migration(enum_name = "article_status")]\npub enum Status'
    )
    (tmp_path / "models" / "articles.rs").write_text(renamed)
    project.generate(ORDERS)
    _up_down_up(project)
    assert _enum_types(project) == {"orders.status": "status", "articles.status": "article_status"}
    assert _labels(project, "status") == ["Open", "Closed"]
    assert _labels(project, "article_status") == ["Draft", "Published", "Archived"]
    project.sql("INSERT INTO articles (id, host, status) VALUES (1, 'h', 'Archived')")
    project.sql("INSERT INTO orders (id, host, status) VALUES (1, 'h', 'Closed')")


@pytest.mark.parametrize("online", [False, True])
def test_python_enum_name_gives_the_python_enum_its_own_type(
    online: bool, tmp_path: Path, pg_url: str
) -> None:
    project = Project(tmp_path, pg_url, online)
    python = PYTHON.replace(
        "class Status(enum.Enum):", '@domain(enum_name="page_status")\nclass Status(enum.Enum):'
    )
    (tmp_path / "models" / "pages.py").write_text(python)
    project.generate(ORDERS)
    _up_down_up(project)
    assert _enum_types(project) == {"orders.status": "status", "pages.status": "page_status"}
    assert _labels(project, "page_status") == ["draft", "live"]


def test_sql_type_on_the_fields_also_resolves_the_clash(tmp_path: Path, pg_url: str) -> None:
    """The other fix the error names: a field with its own sql_type uses no enum type."""
    project = Project(tmp_path, pg_url, online=False)
    text_typed = OTHER.replace(
        "    pub status: Status,", '    #[migration(sql_type = "TEXT")]\n    pub status: Status,'
    )
    (tmp_path / "models" / "articles.rs").write_text(text_typed)
    project.generate(ORDERS)
    _up_down_up(project)
    assert _enum_types(project) == {"orders.status": "status"}


def test_a_third_file_naming_a_twice_defined_enum_is_ambiguous(tmp_path: Path, pg_url: str) -> None:
    project = Project(tmp_path, pg_url, online=False)
    (tmp_path / "models" / "articles.rs").write_text(
        OTHER.replace(
            "pub enum Status", '#[migration(enum_name = "article_status")]\npub enum Status'
        )
    )
    (tmp_path / "models" / "notes.rs").write_text(
        "#[buildamp_domain]\npub struct Note {\n    pub id: i64,\n    pub status: Status,\n}\n"
    )
    with pytest.raises(ModelError) as error:
        project.generate(ORDERS)
    text = str(error.value)
    assert "notes.rs:4:" in text and "ambiguous" in text
    assert "articles.rs:3:" in text and "shop_domain.rs:2:" in text


@pytest.mark.parametrize(
    ("option", "message"),
    [
        ('enum_name = "Article Status"', "not a lowercase SQL name"),
        ('sql_name = "x"', "unknown option 'sql_name'"),
    ],
)
def test_bad_enum_options_are_refused_at_their_line(
    option: str, message: str, tmp_path: Path, pg_url: str
) -> None:
    project = Project(tmp_path, pg_url, online=False)
    with pytest.raises(ModelError) as error:
        project.generate(
            ORDERS.replace("pub enum Status", f"#[migration({option})]\npub enum Status")
        )
    assert message in str(error.value) and "shop_domain.rs:2:" in str(error.value)


ELM_TASK = """module Task exposing (..)

import Interface.Schema exposing (..)


{-| How urgent a task is. @enumName task_priority -}
type Priority
    = Low
    | Mid
    | High


type alias Task =
    { id : DatabaseId String
    , priority : Priority
    }
"""


def test_elm_enum_name_tag(tmp_path: Path, pg_url: str) -> None:
    project = Project(tmp_path, pg_url, online=False, file="Task.elm")
    project.generate(ELM_TASK)
    _up_down_up(project)
    assert _enum_types(project) == {"tasks.priority": "task_priority"}


PYTHON_TASK = """
import enum
from dataclasses import dataclass
from buildamp import domain

class Priority(enum.Enum):
    LOW = "low"
    MID = "mid"
    HIGH = "high"

@domain
@dataclass
class Task:
    id: str
    priority: Priority
"""

PYTHON_RENAMED = PYTHON_TASK.replace(
    "class Priority(enum.Enum):",
    '@domain(rename_from={"medium": "mid"})\nclass Priority(enum.Enum):',
).replace('MID = "mid"', 'MEDIUM = "medium"')

ELM_RENAMED = ELM_TASK.replace("    | Mid\n", "    | Medium -- @renameFrom Mid\n")


def _rename_survives(project: Project, first: str, then: str, old: str, new: str) -> None:
    """Rows holding the old label hold the new one after the migration, and the
    old one again after its rollback; the type is renamed in place, never recreated."""
    project.generate(first)
    project.apply()
    type_name = project.value(
        "SELECT format_type(atttypid, NULL) FROM pg_attribute "
        "WHERE attrelid = 'tasks'::regclass AND attname = 'priority'"
    )
    labels = ", ".join(f"'{label}'" for label in _labels(project, type_name))
    project.sql(
        f"INSERT INTO tasks (id, host, priority) SELECT g::text, 'h', "
        f"(ARRAY[{labels}])[1 + g % 3]::{type_name} FROM generate_series(1, 90) g"
    )
    oid = project.value(f"SELECT '{type_name}'::regtype::oid")
    result = project.generate(then)
    assert f"RENAME VALUE '{old}' TO '{new}'" in result.up_text
    assert f"RENAME VALUE '{new}' TO '{old}'" in result.down_text
    assert "__buildamp_old" not in result.up_text + result.down_text
    project.apply()
    assert project.value(f"SELECT count(*) FROM tasks WHERE priority = '{new}'") == 30
    assert project.value(f"SELECT '{type_name}'::regtype::oid") == oid
    project.rollback()
    assert project.value(f"SELECT count(*) FROM tasks WHERE priority = '{old}'") == 30
    project.apply()
    assert project.value(f"SELECT count(*) FROM tasks WHERE priority = '{new}'") == 30


@pytest.mark.parametrize("online", [False, True])
def test_python_enum_value_rename(online: bool, tmp_path: Path, pg_url: str) -> None:
    project = Project(tmp_path, pg_url, online, file="tasks.py")
    _rename_survives(project, PYTHON_TASK, PYTHON_RENAMED, "mid", "medium")


@pytest.mark.parametrize("online", [False, True])
def test_elm_enum_value_rename(online: bool, tmp_path: Path, pg_url: str) -> None:
    project = Project(tmp_path, pg_url, online, file="Task.elm")
    _rename_survives(project, ELM_TASK, ELM_RENAMED, "Mid", "Medium")


@pytest.mark.parametrize(
    ("rename", "message"),
    [
        ('rename_from={"medium": "low"}', "'low' must not be"),
        ('rename_from={"urgent": "mid"}', "'urgent' must be one of its labels"),
        ('rename_from="mid"', "must be a dict of labels"),
    ],
)
def test_bad_python_enum_renames_are_refused(
    rename: str, message: str, tmp_path: Path, pg_url: str
) -> None:
    project = Project(tmp_path, pg_url, online=False, file="tasks.py")
    bad = PYTHON_RENAMED.replace('rename_from={"medium": "mid"}', rename)
    with pytest.raises(ModelError) as error:
        project.generate(bad)
    assert message in str(error.value) and "tasks.py:6:" in str(error.value)


def test_elm_variant_takes_only_rename_from(tmp_path: Path, pg_url: str) -> None:
    project = Project(tmp_path, pg_url, online=False, file="Task.elm")
    with pytest.raises(ModelError, match="takes only `-- @renameFrom OldName`") as error:
        project.generate(ELM_TASK.replace("    | Mid\n", "    | Mid -- @index\n"))
    assert "Task.elm:9:14" in str(error.value)
