"""Golden cases: models -> exact migration files and snapshot, then proven on
PostgreSQL (up, down, up again, catalog == snapshot each time).

Each folder under ``tests/golden/`` is readable on its own:

    <case>/README.md          what the case shows
    <case>/buildamp.toml      optional project config
    <case>/steps/NN/models/   the models at step NN (one step: ``models/`` directly)
    <case>/steps/NN/before.sql  rows to insert before step NN is applied (optional)
    <case>/steps/NN/after.sql   one SELECT that must return true after it (optional)
    <case>/expected/          the files buildamp must write (Generated line blanked)

``UPDATE_GOLDEN=1 pytest tests/render/test_golden.py`` rewrites ``expected/`` after a
deliberate change; review the diff like any other code.
"""

from __future__ import annotations

import os
import re
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from buildamp.cli.generate import generate
from buildamp.files.config import load_config
from buildamp.files.snapshot import read_snapshot
from buildamp.model.schema import Schema
from buildamp.pg.database import connect
from buildamp.plan.replay import replay_comparable
from buildamp.run.comparable import comparable
from tests.helpers import apply_sql, catalog_of

GOLDEN = Path(__file__).resolve().parent.parent / "golden"
CASES = sorted(p.name for p in GOLDEN.iterdir() if p.is_dir())
FIXED_NOW = datetime(2024, 12, 4, 10, 30, 15, tzinfo=UTC)


def _steps(case: Path) -> list[Path]:
    steps = case / "steps"
    if steps.is_dir():
        return sorted(p for p in steps.iterdir() if p.is_dir())
    return [case]


def _prepare(case: Path, tmp: Path) -> Path:
    project = tmp / case.name
    project.mkdir()
    for name in ("buildamp.toml", "custom"):
        source = case / name
        if source.is_file():
            shutil.copy(source, project / name)
        elif source.is_dir():
            shutil.copytree(source, project / name)
    if not (project / "buildamp.toml").exists():
        (project / "buildamp.toml").write_text('models = ["models"]\n')
    return project


def _use_step(step: Path, project: Path) -> None:
    shutil.rmtree(project / "models", ignore_errors=True)
    shutil.copytree(step / "models", project / "models")


def _written(project: Path) -> dict[str, str]:
    files = {}
    for path in sorted((project / "migrations").rglob("*.sql")):
        files[path.relative_to(project / "migrations").as_posix()] = path.read_text()
    files["schema_state.json"] = (project / ".buildamp" / "schema_state.json").read_text()
    return files


def _expected(case: Path) -> dict[str, str]:
    root = case / "expected"
    return {
        p.relative_to(root).as_posix(): p.read_text()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def _unordered(schema: Schema) -> Schema:
    """Column order aside: a rolled-back DROP COLUMN re-adds the column at the end."""
    return replay_comparable(schema)


def _schema(project: Path) -> Schema:
    return read_snapshot(project / ".buildamp" / "schema_state.json", "state").schema


@pytest.mark.parametrize("case_name", CASES)
def test_golden_files(case_name: str, tmp_path: Path) -> None:
    case = GOLDEN / case_name
    project = _prepare(case, tmp_path)
    for step in _steps(case):
        _use_step(step, project)
        result = generate(load_config(project), allow_destructive=True, now=FIXED_NOW)
        assert result.written, f"step {step.name} of {case_name} generated nothing"
    written = _written(project)
    if os.environ.get("UPDATE_GOLDEN"):
        shutil.rmtree(case / "expected", ignore_errors=True)
        for name, text in written.items():
            target = case / "expected" / name
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text)
    assert written == _expected(case)


@pytest.mark.parametrize("case_name", CASES)
def test_golden_round_trip_on_postgres(case_name: str, tmp_path: Path, pg_url: str) -> None:
    """Every step: up, compare; down, compare with the previous step; up again."""
    case = GOLDEN / case_name
    project = _prepare(case, tmp_path)
    previous = comparable(Schema())
    # An online type change swaps in a new column, which PostgreSQL appends.
    same = _unordered if load_config(project).is_online else (lambda schema: schema)
    for step in _steps(case):
        _use_step(step, project)
        result = generate(load_config(project), allow_destructive=True, now=FIXED_NOW)
        assert result.up_path is not None and result.down_path is not None
        expected = comparable(_schema(project))
        if (step / "before.sql").is_file():
            apply_sql(pg_url, (step / "before.sql").read_text())
        apply_sql(pg_url, result.up_path.read_text())
        assert same(catalog_of(pg_url)) == same(expected), f"after up of {step.name}"
        _check_data(pg_url, step, "up")
        apply_sql(pg_url, result.down_path.read_text())
        assert _unordered(catalog_of(pg_url)) == _unordered(previous), f"after down of {step.name}"
        apply_sql(pg_url, result.up_path.read_text())
        assert same(catalog_of(pg_url)) == same(expected), f"after second up of {step.name}"
        _check_data(pg_url, step, "second up")
        previous = expected


def _check_data(url: str, step: Path, when: str) -> None:
    check = step / "after.sql"
    if not check.is_file():
        return
    with connect(url, autocommit=True) as conn:
        row = conn.execute(check.read_text().encode()).fetchone()
    assert row is not None and row[0] is True, f"{check} is not true after {when}"


@pytest.mark.parametrize("case_name", CASES)
def test_golden_generation_is_deterministic(case_name: str, tmp_path: Path) -> None:
    case = GOLDEN / case_name
    outputs = []
    for attempt in ("a", "b"):
        (tmp_path / attempt).mkdir()
        project = _prepare(case, tmp_path / attempt)
        for step in _steps(case):
            _use_step(step, project)
            generate(load_config(project), allow_destructive=True)
        texts = _written(project)
        stamp = re.compile(r"(Generated: |\"last_generated\": \").*")
        outputs.append({k: stamp.sub("", v) for k, v in texts.items()})
    assert outputs[0] == outputs[1]
