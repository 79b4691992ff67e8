"""Table and field options that model adopted tables faithfully, and work for new
models too: ``timestamps = false``, ``constraints = [...]`` (names kept), whole
``CREATE INDEX`` entries in ``indexes`` (names kept, partial and expression),
``identity = "always"``, and serial defaults rendered as ``SERIAL``. Checked by
generating, applying to a real database and reading the catalog back."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from buildamp.cli.main import main
from buildamp.files.config import load_config
from buildamp.model.errors import ModelError
from buildamp.sources.build import BuildSettings, build_models
from buildamp.sources.discover import read_sources

RUST = """
#[derive(BuildAmpDomain)]
#[table(
    name = "tickets",
    tenant = false,
    timestamps = false,
    indexes = [
        "CREATE UNIQUE INDEX tickets_code_lower ON tickets (lower(code)) WHERE closed IS NULL",
        "opened DESC",
    ],
    constraints = [
        "CONSTRAINT tickets_code_key UNIQUE (code)",
        "CONSTRAINT tickets_priority_range CHECK (priority >= 1 AND priority <= 5)",
    ],
)]
pub struct Ticket {
    #[migration(identity = "always")]
    pub id: DatabaseId<Generated<i64>>,
    pub code: String,
    pub priority: i16,
    #[migration(default = "nextval('tickets_seq_no_seq'::regclass)")]
    pub seq_no: i32,
    pub opened: DateTime<Utc>,
    pub closed: Option<DateTime<Utc>>,
    pub updated_at: Option<DateTime<Utc>>,
}
"""

PYTHON = """
from __future__ import annotations
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated
from buildamp import domain, migration
from buildamp.types import DatabaseId, Generated, i16, i32


@domain(
    table="tickets",
    tenant=False,
    timestamps=False,
    indexes=[
        "CREATE UNIQUE INDEX tickets_code_lower ON tickets (lower(code)) WHERE closed IS NULL",
        "opened DESC",
    ],
    constraints=[
        "CONSTRAINT tickets_code_key UNIQUE (code)",
        "CONSTRAINT tickets_priority_range CHECK (priority >= 1 AND priority <= 5)",
    ],
)
@dataclass
class Ticket:
    id: Annotated[DatabaseId[Generated[int]], migration(identity="always")]
    code: str
    priority: i16
    seq_no: Annotated[i32, migration(default="nextval('tickets_seq_no_seq'::regclass)")]
    opened: datetime
    closed: datetime | None
    updated_at: datetime | None
"""


def run(project: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["-C", str(project), *args], env={})
    return result.exit_code, result.stdout, result.stderr


def project_with(tmp_path: Path, name: str, text: str) -> Path:
    project = tmp_path / "app"
    project.mkdir()
    assert run(project, "init")[0] == 0
    (project / "models" / name).write_text(text)
    return project


@pytest.mark.parametrize(("name", "text"), [("tickets_domain.rs", RUST), ("tickets.py", PYTHON)])
def test_options_generate_apply_and_read_back(
    tmp_path: Path, pg_url: str, name: str, text: str
) -> None:
    project = project_with(tmp_path, name, text)
    config = load_config(project)
    table = build_models(read_sources(config), BuildSettings(project)).schema.tables[0]
    assert [c.name for c in table.columns] == [
        "id", "code", "priority", "seq_no", "opened", "closed", "updated_at"
    ]  # fmt: skip
    assert not table.touch_updated_at and not table.tenant
    assert table.columns[0].identity == "always"
    assert {c.name for c in table.constraints} == {"tickets_code_key", "tickets_priority_range"}
    assert {i.name for i in table.indexes} == {"tickets_code_lower", "idx_tickets_opened_desc"}
    code, out, err = run(project, "migrate", "--generate")
    assert code == 0, out + err
    sql = next((project / "migrations").glob("001_*.sql")).read_text()
    assert "seq_no SERIAL" in sql and "GENERATED ALWAYS AS IDENTITY" in sql
    assert "buildamp_touch_updated_at" not in sql
    code, out, err = run(project, "migrate", "--apply", "--database-url", pg_url)
    assert code == 0, out + err
    code, out, err = run(project, "drift", "--database-url", pg_url)
    assert code == 0, out + err
    code, out, err = run(project, "migrate", "--rollback", "--database-url", pg_url)
    assert code == 0, out + err


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ('constraints = ["DROP TABLE x"]', "constraints entry 'DROP TABLE x' is not one"),
        ('constraints = ["CONSTRAINT k UNIQUE (nope)"]', "constraint column 'nope' is not"),
        ("constraints = [\"CHECK (code <> '')\"]", "is not one"),
        ('indexes = ["CREATE INDEX i ON other (code)"]', "defined ON other, but Thing"),
        ('indexes = ["CREATE INDEX i ON things USING gin (code)"]', "btree, no INCLUDE"),
        ('indexes = ["CREATE INDEX i ON things (nope)"]', "index column 'nope' is not"),
        ('storage = "jsonb", timestamps = false', "timestamps = false does not apply"),
    ],
)
def test_bad_options_point_at_the_model(tmp_path: Path, options: str, message: str) -> None:
    text = f"""
#[derive(BuildAmpDomain)]
#[table(name = "things", {options})]
pub struct Thing {{
    pub id: i64,
    pub code: String,
}}
"""
    project = project_with(tmp_path, "things_domain.rs", text)
    config = load_config(project)
    with pytest.raises(ModelError) as caught:
        build_models(read_sources(config), BuildSettings(project))
    assert message in str(caught.value)
    assert "models/things_domain.rs:3:" in str(caught.value)
    code, _, err = run(project, "migrate", "--generate")
    assert code == 2 and message in err


def test_timestamps_true_keeps_the_default(tmp_path: Path) -> None:
    text = """
#[derive(BuildAmpDomain)]
#[table(timestamps = true, tenant = false)]
pub struct Thing {
    pub id: i64,
}
"""
    project = project_with(tmp_path, "things_domain.rs", text)
    table = build_models(read_sources(load_config(project)), BuildSettings(project))
    columns = [c.name for c in table.schema.tables[0].columns]
    assert columns == ["id", "created_at", "updated_at"]
    assert table.schema.tables[0].touch_updated_at
