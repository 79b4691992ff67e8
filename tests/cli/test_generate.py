"""Generation safety gates: what loses data stops unless confirmed, and names where."""

from __future__ import annotations

from pathlib import Path

import pytest

from buildamp.cli.generate import generate
from buildamp.files.config import load_config
from buildamp.model.errors import PlanError

BASE = """
pub enum Mood { Happy, Sad }

#[table(name = "people")]
pub struct Person {
    pub id: String,
    pub name: String,
    pub age: i64,
    pub mood: Mood,
    pub legacy: String,
}
"""


def project_with(tmp_path: Path, source: str) -> Path:
    (tmp_path / "models").mkdir(exist_ok=True)
    (tmp_path / "buildamp.toml").write_text('models = ["models"]\n')
    (tmp_path / "models" / "people_domain.rs").write_text(source)
    return tmp_path


def edit(project: Path, source: str) -> None:
    (project / "models" / "people_domain.rs").write_text(source)


def files(project: Path) -> dict[str, bytes]:
    return {
        p.relative_to(project).as_posix(): p.read_bytes()
        for p in project.rglob("*")
        if p.is_file() and ".buildamp/cache" not in p.as_posix()
    }


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = project_with(tmp_path, BASE)
    assert generate(load_config(root)).written
    return root


DESTRUCTIVE_EDITS = [
    ("drop column", BASE.replace("    pub legacy: String,\n", ""), "people.legacy - removed"),
    (
        "narrowing",
        BASE.replace("pub age: i64", "pub age: i32"),
        "people.age - type BIGINT -> INTEGER",
    ),
    ("enum value removed", BASE.replace("Happy, Sad", "Happy"), "Enum: mood - values changed"),
    ("drop table", "pub enum Mood { Happy, Sad }\n", "Table: people - dropped"),
]


@pytest.mark.parametrize(
    ("label", "source", "expected"), DESTRUCTIVE_EDITS, ids=[e[0] for e in DESTRUCTIVE_EDITS]
)
def test_destructive_changes_are_refused_without_confirmation(
    project: Path, label: str, source: str, expected: str
) -> None:
    edit(project, source)
    before = files(project)
    with pytest.raises(PlanError) as refused:
        generate(load_config(project))
    message = str(refused.value)
    assert expected in message and "--allow-destructive" in message
    if label != "drop table":
        assert "Person" in message and "models/people_domain.rs:" in message
    assert files(project) == before
    asked: list[list[str]] = []
    with pytest.raises(PlanError):
        generate(load_config(project), confirm=lambda changes: asked.append(changes) is not None)
    assert asked and expected in asked[0][0]
    result = generate(load_config(project), confirm=lambda changes: True)
    assert result.written and result.destructive


def test_allow_destructive_writes_and_marks_files(project: Path) -> None:
    edit(project, BASE.replace("    pub legacy: String,\n", ""))
    result = generate(load_config(project), allow_destructive=True)
    assert result.written
    assert "DESTRUCTIVE" in result.up_text and "DROP COLUMN legacy" in result.up_text
    assert "ADD COLUMN legacy TEXT" in result.down_text


def test_deprecated_then_removed_needs_no_confirmation(project: Path) -> None:
    edit(
        project,
        BASE.replace(
            "    pub legacy: String,", "    #[migration(deprecated)]\n    pub legacy: String,"
        ),
    )
    first = generate(load_config(project))
    assert "ALTER COLUMN legacy DROP NOT NULL" in first.up_text
    edit(project, BASE.replace("    pub legacy: String,\n", ""))
    second = generate(load_config(project))
    assert second.written and "DROP COLUMN legacy" in second.up_text


def test_confirm_destructive_makes_deprecated_removal_ask(project: Path) -> None:
    strict = BASE.replace(
        '#[table(name = "people")]',
        '#[table(name = "people")]\n#[migration(confirm_destructive = true)]',
    )
    edit(
        project,
        strict.replace(
            "    pub legacy: String,", "    #[migration(deprecated)]\n    pub legacy: String,"
        ),
    )
    assert generate(load_config(project)).written
    edit(project, strict.replace("    pub legacy: String,\n", ""))
    with pytest.raises(PlanError, match=r"people\.legacy - removed"):
        generate(load_config(project))


def test_type_change_without_conversion_names_the_annotation(project: Path) -> None:
    edit(project, BASE.replace("pub name: String", "pub name: i64"))
    with pytest.raises(PlanError) as refused:
        generate(load_config(project))
    message = str(refused.value)
    assert "people.name changes type TEXT -> BIGINT" in message
    assert 'convert_from = "TEXT", convert_sql = "CAST(%s AS BIGINT)"' in message
    assert "models/people_domain.rs:" in message


@pytest.mark.parametrize("online", [True, False])
def test_widening_needs_no_annotation(tmp_path: Path, online: bool) -> None:
    root = project_with(tmp_path, BASE.replace("pub age: i64", "pub age: i32"))
    if not online:  # the plain forms: one ALTER ... TYPE each way
        (root / "buildamp.toml").write_text('models = ["models"]\nonline = false\n')
    generate(load_config(root))
    edit(root, BASE)
    result = generate(load_config(root))
    if online:  # the default: a copy through CAST, no convert_sql needed
        assert "age__buildamp_new BIGINT" in result.up_text
        assert "age__buildamp_new INTEGER" in result.down_text
    else:
        assert "ALTER COLUMN age TYPE BIGINT" in result.up_text
        assert "ALTER COLUMN age TYPE INTEGER" in result.down_text


def test_no_false_diffs_for_desc_and_expression_indexes(tmp_path: Path) -> None:
    source = BASE.replace(
        '#[table(name = "people")]',
        '#[table(name = "people", indexes = ["name DESC, age", "lower(name)", "(age * 2) DESC"])]',
    )
    root = project_with(tmp_path, source)
    assert generate(load_config(root)).written
    assert generate(load_config(root)).operations == []
    edit(root, source.replace('"lower(name)"', '"LOWER( name )"'))
    assert generate(load_config(root)).operations == []


def test_slug_describes_the_change(project: Path) -> None:
    edit(
        project,
        BASE.replace(
            "    pub legacy: String,",
            '    pub legacy: String,\n    #[migration(default = "0")]\n    pub upvotes: i32,',
        ),
    )
    result = generate(load_config(project))
    assert result.up_path is not None and result.up_path.name == "002_add_upvotes_to_people.sql"
    assert "-- Field: people.upvotes - added" in result.up_text
    assert "-- Auto-generated from Person type changes" in result.up_text


def test_cached_state_equals_parsed_state(project: Path) -> None:
    """The state kept in the cache by the first command that parses it is
    exactly what parsing gives (generate itself stores none: the incremental
    path splices the text, and pickling every table cost more than it saved)."""
    from buildamp.files.snapshot import Snapshot, loads
    from buildamp.files.snapshot_cache import cached_loads

    edit(
        project,
        BASE.replace(
            "    pub legacy: String,", "    pub legacy: String,\n    pub extra: Option<i32>,"
        ),
    )
    assert generate(load_config(project), fast=False).written
    state = project / ".buildamp" / "schema_state.json"
    text = state.read_text()
    parsed = loads(text, "state")
    first = cached_loads(state, text, lambda: loads(text, "state"), Snapshot)
    cached = cached_loads(state, text, lambda: pytest.fail("the cache missed"), Snapshot)
    assert first == parsed and cached == parsed


def test_the_up_file_is_checked_after_its_steps_are_dropped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """generate composes the up file unchecked, counts its steps' statements,
    drops the steps, then splits the text: a count that differs is still
    refused (exit 2), and nothing is written."""
    from buildamp.cli import generate as module
    from buildamp.model.errors import StateError

    counted = module.expected_statements
    monkeypatch.setattr(module, "expected_statements", lambda *a: counted(*a) + 1)
    root = project_with(tmp_path, BASE)
    with pytest.raises(StateError, match="would run"):
        generate(load_config(root))
    assert not (root / "migrations").exists() or not list((root / "migrations").glob("*.sql"))


def test_a_full_rebuild_keeps_the_old_state_as_a_link(tmp_path: Path) -> None:
    """The full path keeps the state it replaced under ``before/`` as a hard
    link to that file (never read and decoded: 70 MB at 10,000 tables), byte for
    byte; a state holding a carriage return is kept as reading text gives it,
    as before."""
    root = project_with(tmp_path, BASE)
    assert generate(load_config(root), fast=False).written
    state = root / ".buildamp" / "schema_state.json"
    old, inode = state.read_bytes(), state.stat().st_ino
    edit(root, BASE.replace("pub age: i64,", "pub age: i64,\n    pub nick: Option<String>,"))
    assert generate(load_config(root), fast=False).version == "002"
    kept = root / ".buildamp" / "before" / "002.json"
    assert kept.read_bytes() == old and kept.stat().st_ino == inode

    state.write_bytes(state.read_bytes().replace(b"\n", b"\r\n"))
    nicks = "pub age: i64,\n    pub nick: Option<String>,\n    pub nick2: Option<String>,"
    edit(root, BASE.replace("pub age: i64,", nicks))
    assert generate(load_config(root), fast=False).version == "003"
    kept = root / ".buildamp" / "before" / "003.json"
    assert b"\r" not in kept.read_bytes() and kept.stat().st_ino != state.stat().st_ino
