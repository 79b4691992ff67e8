"""Every model option in the options table does something: build reads it, and
every hint it becomes is read by the planner or generate. Plus the two options
that used to be documented but ignored: ``enum_migration`` and field-level
``confirm_destructive``."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from buildamp.cli.generate import generate
from buildamp.files.config import load_config
from buildamp.model.errors import PlanError
from buildamp.model.hints import ColumnHint, TableHint
from buildamp.sources.options import (
    ENUM_OPTIONS,
    FIELD_OPTIONS,
    STRUCT_MIGRATION_OPTIONS,
    TABLE_OPTIONS,
)

SRC = Path(__file__).resolve().parents[2] / "src" / "buildamp"
DOCS = Path(__file__).resolve().parents[2] / "docs" / "model-options.md"


def _text(*folders: str) -> str:
    return "\n".join(p.read_text() for f in folders for p in sorted((SRC / f).rglob("*.py")))


@pytest.mark.parametrize(
    "key",
    sorted(
        set(FIELD_OPTIONS) | set(TABLE_OPTIONS) | set(STRUCT_MIGRATION_OPTIONS) | set(ENUM_OPTIONS)
    ),
)
def test_every_option_is_read_and_documented(key: str) -> None:
    reads = re.compile(
        rf'(get_(str|bool|list)\("{key}"|"{key}" in [a-z.]*values|values\.get\("{key}"|"{key}"\s*[:,)])'
    )
    sources = "\n".join(
        p.read_text() for p in sorted((SRC / "sources").rglob("*.py")) if p.name != "options.py"
    )
    assert reads.search(sources), f"option {key!r} is accepted but never read"
    assert f"`{key}`" in DOCS.read_text() or key == "name", f"option {key!r} is not documented"


@pytest.mark.parametrize(
    "hint",
    [f.name for cls in (ColumnHint, TableHint) for f in dataclasses.fields(cls)],
)
def test_every_hint_is_used_by_the_plan(hint: str) -> None:
    if hint in ("location", "model"):
        return  # where to point in messages
    users = _text("plan", "cli")
    assert re.search(rf"\.{hint}\b", users), f"hint {hint!r} is built but never read"


BASE = """
pub enum Mood { Happy, Sad }

#[table(name = "people")]
pub struct Person {
    pub id: String,
    MOOD_OPTIONSpub mood: Mood,
    CODE_OPTIONSpub code: String,
}
"""


def _project(tmp_path: Path) -> Path:
    (tmp_path / "models").mkdir()
    (tmp_path / "buildamp.toml").write_text('models = ["models"]\n')
    return tmp_path


def _models(root: Path, mood: str = "", code: str = "", values: str = "Happy, Sad") -> None:
    text = BASE.replace("MOOD_OPTIONS", mood).replace("CODE_OPTIONS", code)
    (root / "models" / "people_domain.rs").write_text(text.replace("Happy, Sad", values))


def test_enum_migration_add_values_refuses_a_removal(tmp_path: Path) -> None:
    root = _project(tmp_path)
    _models(root)
    assert generate(load_config(root)).written
    option = '#[migration(enum_migration = "add_values")]\n    '
    _models(root, mood=option, values="Happy, Sad, Calm")
    added = generate(load_config(root))
    assert "ADD VALUE IF NOT EXISTS 'Calm'" in added.up_text
    _models(root, mood=option, values="Happy, Calm")
    with pytest.raises(PlanError, match='enum_migration = "add_values" allows only new values'):
        generate(load_config(root), allow_destructive=True)


def test_enum_migration_recreate_recreates_even_an_addition(tmp_path: Path, pg_url: str) -> None:
    from tests.helpers import apply_sql, catalog_of

    root = _project(tmp_path)
    _models(root)
    first = generate(load_config(root))
    apply_sql(pg_url, first.up_text)
    _models(root, mood='#[migration(enum_migration = "recreate")]\n    ', values="Calm, Happy, Sad")
    second = generate(load_config(root))
    assert "ADD VALUE" not in second.up_text and "RENAME TO mood__buildamp_old" in second.up_text
    forward = second.up_text.split("-- Rollback instructions")[0]
    assert not second.destructive and "DESTRUCTIVE" not in forward
    apply_sql(pg_url, second.up_text)  # one transaction: no ADD VALUE restrictions
    mood = next(e for e in catalog_of(pg_url).enums if e.name == "mood")
    assert mood.values == ("Calm", "Happy", "Sad")


def test_fields_using_one_enum_must_agree(tmp_path: Path) -> None:
    root = _project(tmp_path)
    text = BASE.replace("MOOD_OPTIONS", '#[migration(enum_migration = "recreate")]\n    ')
    text = text.replace(
        "CODE_OPTIONSpub code: String,",
        '#[migration(enum_migration = "add_values")]\n    pub other: Mood,',
    )
    (root / "models" / "people_domain.rs").write_text(text)
    assert generate(load_config(root)).written
    (root / "models" / "people_domain.rs").write_text(text.replace("Happy, Sad", "Happy, Sad, X"))
    with pytest.raises(PlanError, match="different enum_migration values"):
        generate(load_config(root))


def test_field_confirm_destructive_asks_before_a_type_change(tmp_path: Path) -> None:
    root = _project(tmp_path)
    _models(root, code='#[migration(sql_type = "VARCHAR(50)", confirm_destructive = true)]\n    ')
    assert generate(load_config(root)).written
    _models(root, code='#[migration(sql_type = "TEXT", confirm_destructive = true)]\n    ')
    with pytest.raises(PlanError, match=r"destructive change refused: .*people\.code"):
        generate(load_config(root))
    assert generate(load_config(root), allow_destructive=True).written


def test_without_the_option_a_widening_does_not_ask(tmp_path: Path) -> None:
    root = _project(tmp_path)
    _models(root, code='#[migration(sql_type = "VARCHAR(50)")]\n    ')
    assert generate(load_config(root)).written
    _models(root, code='#[migration(sql_type = "TEXT")]\n    ')
    result = generate(load_config(root))
    assert result.written and not result.destructive
