"""One schema written in Elm, Rust and Python generates byte-identical migrations.

The Elm side is the ``elm_buildamp`` golden case (BuildAmp's own style); the
Rust and Python twins live in :mod:`tests.sources.elm_twin_models`.
"""

from __future__ import annotations

import shutil
import textwrap
from datetime import UTC, datetime
from pathlib import Path

from buildamp.cli.generate import generate
from buildamp.files.config import load_config
from tests.sources.elm_twin_models import PYTHON_TWINS, RUST_TWINS
from tests.sources.test_python_twins import HEADER

GOLDEN = Path(__file__).resolve().parent.parent / "golden" / "elm_buildamp"
FIXED_NOW = datetime(2024, 12, 4, 10, 30, 15, tzinfo=UTC)
STEPS = ("01", "02")


def _project(root: Path, language: str) -> Path:
    project = root / language
    project.mkdir()
    shutil.copy(GOLDEN / "buildamp.toml", project / "buildamp.toml")
    return project


def _write_step(project: Path, language: str, step: str) -> None:
    models = project / "models"
    shutil.rmtree(models, ignore_errors=True)
    key = f"elm_buildamp/steps/{step}"
    if language == "elm":
        shutil.copytree(GOLDEN / "steps" / step / "models", models)
        return
    models.mkdir()
    if language == "rust":
        (models / "buildamp_models.rs").write_text(textwrap.dedent(RUST_TWINS[key]))
    else:
        for name, body in PYTHON_TWINS[key].items():
            (models / name).write_text(HEADER + textwrap.dedent(body))


def _migrations(project: Path) -> dict[str, str]:
    root = project / "migrations"
    return {p.relative_to(root).as_posix(): p.read_text() for p in sorted(root.rglob("*.sql"))}


def test_elm_rust_python_generate_byte_identical_migrations(tmp_path: Path) -> None:
    outputs: dict[str, dict[str, str]] = {}
    for language in ("elm", "rust", "python"):
        project = _project(tmp_path, language)
        for step in STEPS:
            _write_step(project, language, step)
            result = generate(load_config(project), allow_destructive=True, now=FIXED_NOW)
            assert result.written, f"{language} step {step} wrote nothing"
        outputs[language] = _migrations(project)
    assert len(outputs["elm"]) == 4  # two migrations, two rollbacks
    assert outputs["rust"] == outputs["elm"]
    assert outputs["python"] == outputs["elm"]
    expected = GOLDEN / "expected"
    assert outputs["elm"] == {
        p.relative_to(expected).as_posix(): p.read_text() for p in sorted(expected.rglob("*.sql"))
    }
