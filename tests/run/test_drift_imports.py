"""What ``buildamp drift`` loads at head (issue 20): the catalog reader and the
state cache, not the parser, the planner, the model builder, the renderer or
the event machinery. A real process (``python -X importtime``) against a real
database; a set of module names, not a time, so the test cannot flake."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from buildamp.pg.database import connect
from tests.cli.test_startup_imports import MODEL, loaded


def imported(project: Path, *args: str, code: int) -> set[str]:
    """The modules a ``buildamp`` process imported (it must exit with ``code``)."""
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "buildamp", *args],
        cwd=project,
        env={k: v for k, v in os.environ.items() if k != "BUILDAMP_NO_CACHE"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == code, result.stdout + result.stderr
    names = {
        line.rsplit("|", 1)[1].strip()
        for line in result.stderr.splitlines()
        if line.startswith("import time:") and "|" in line
    }
    assert "buildamp.run.drift" in names  # the parse found the import lines
    return names


def test_drift_at_head_loads_no_parser_planner_builder_or_events(
    tmp_path: Path, pg_url: str
) -> None:
    (tmp_path / "models").mkdir()
    (tmp_path / "buildamp.toml").write_text('models = ["models"]\n')
    (tmp_path / "models" / "people_domain.rs").write_text(MODEL)
    url = ("--database-url", pg_url)
    for step in (("--generate",), ("--apply", *url)):
        subprocess.run(
            [sys.executable, "-m", "buildamp", "migrate", *step], cwd=tmp_path, check=True
        )
    for _ in range(2):  # the first run parses the state and caches it; the second loads it
        names = imported(tmp_path, "drift", *url, code=0)
        assert "buildamp.run.catalog" in names
        assert loaded(names, ("pglast", "buildamp.plan", "buildamp.sources")) == []
        assert loaded(names, ("buildamp.render", "buildamp.files.compose")) == []
        assert loaded(names, ("buildamp.events", "buildamp.lint", "buildamp.cli.incremental")) == []
        assert loaded(names, ("structlog", "rich", "httpx", "tree_sitter")) == []

    # a difference: the report's event is emitted (and the history may be read)
    with connect(pg_url, autocommit=True) as conn:
        conn.execute("ALTER TABLE persons ADD COLUMN extra TEXT")
    names = imported(tmp_path, "drift", *url, code=1)
    assert "buildamp.events.bus" in names
