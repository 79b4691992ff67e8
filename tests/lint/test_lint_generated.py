"""buildamp's own output passes buildamp's linter: every golden migration and
rollback, and every golden case rendered again in the default (online) mode, lints
without an error (warnings such as BA008 "drop" are expected)."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from buildamp.cli.generate import generate
from buildamp.files import directives
from buildamp.files.config import load_config
from buildamp.lint.engine import lint_sql
from buildamp.pg.facts import rewrites
from buildamp.pg.sqltext import canonical_type

GOLDEN = Path(__file__).resolve().parent.parent / "golden"
CASES = sorted(p.name for p in GOLDEN.iterdir() if p.is_dir())
FIXED_NOW = datetime(2024, 12, 4, 10, 30, 15, tzinfo=UTC)


def _errors(path: Path) -> list[str]:
    findings = lint_sql(path.read_text(), path.name)
    return [f.text() for f in findings if f.severity == "error"]


def _steps(case: Path) -> list[Path]:
    steps = case / "steps"
    return sorted(p for p in steps.iterdir() if p.is_dir()) if steps.is_dir() else [case]


@pytest.mark.parametrize(("case_name", "count"), [("online_evolve", 8), ("online_jsonb", 10)])
def test_the_online_golden_lints_clean(case_name: str, count: int) -> None:
    files = sorted((GOLDEN / case_name / "expected").rglob("*.sql"))
    assert len(files) == count
    assert {f.name: _errors(f) for f in files} == {f.name: [] for f in files}


@pytest.mark.parametrize("case_name", CASES)
def test_plain_golden_type_changes_are_flagged_only_when_they_rewrite(case_name: str) -> None:
    """Plain output (for new or offline databases) takes locks by design, so only
    BA006 is checked there: it names real rewrites, never a widening that keeps
    the stored bytes (VARCHAR(50) -> TEXT was reported as an error before)."""
    for path in sorted((GOLDEN / case_name / "expected").rglob("*.sql")):
        text = path.read_text()
        for finding in lint_sql(text, path.name):
            if finding.code == "BA006" and "changes type" in finding.message:
                above = text.split("\n")[finding.line - 2]
                old_type = directives.parse_old_type(above)
                new_type = finding.message.split(" changes type to ")[1].split(" with ")[0]
                assert old_type is None or rewrites(old_type, canonical_type(new_type)), finding


@pytest.mark.parametrize("case_name", CASES)
def test_every_golden_case_rendered_online_lints_clean(case_name: str, tmp_path: Path) -> None:
    case = GOLDEN / case_name
    project = tmp_path / case_name
    project.mkdir()
    if (case / "custom").is_dir():
        shutil.copytree(case / "custom", project / "custom")
    config = (case / "buildamp.toml").read_text() if (case / "buildamp.toml").is_file() else ""
    # the default mode (online): a case that keeps the plain forms says online = false
    kept = [line for line in config.splitlines() if not line.startswith("online")]
    (project / "buildamp.toml").write_text("\n".join(kept or ['models = ["models"]']) + "\n")
    for step in _steps(case):
        shutil.rmtree(project / "models", ignore_errors=True)
        shutil.copytree(step / "models", project / "models")
        generate(load_config(project), allow_destructive=True, now=FIXED_NOW)
    files = sorted((project / "migrations").rglob("*.sql"))
    assert files
    assert {f.name: _errors(f) for f in files} == {f.name: [] for f in files}
